import { readFileSync } from "node:fs";

/**
 * This Atelier's version: the package's, read once. Written into .car manifests and answered by a
 * server, so a deploy between different versions says which ones.
 */
export const ATELIER_VERSION: string = (() => {
  for (const rel of ["../../package.json", "../package.json", "../../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "atelier" && pkg.version) return pkg.version;
    } catch {
      // not there: the next place (source tree, compiled dist, packaged app differ)
    }
  }
  return "0.0.0-unknown";
})();
