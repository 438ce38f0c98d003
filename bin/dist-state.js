// Is the compiled engine (dist/) there, and built from the sources as they are now? The `atelier`
// and `npm start` scripts run dist/ when it is, and the TypeScript sources through tsx otherwise
// (a checkout being edited); an installed Atelier has no sources and always runs dist/.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/** The folders dist/ is compiled from. */
export const SOURCE_DIRS = ["engine", "embedded-db", "electron", "build/entries"];
const SKIP = new Set(["node_modules", "dist", "fixtures"]);

/** The newest modification time (ms) of the source files under `root`'s SOURCE_DIRS; 0 when none. */
export function newestSource(root) {
  let newest = 0;
  const visit = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (SKIP.has(e.name)) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) visit(p);
      else if (/\.(ts|mts|mjs|js|json)$/.test(e.name) && !e.name.endsWith(".test.ts")) {
        newest = Math.max(newest, statSync(p).mtimeMs);
      }
    }
  };
  for (const d of SOURCE_DIRS) visit(path.join(root, d));
  return newest;
}

/** The entry `name` of dist/ when it can be run: built, and not older than the sources. */
export function freshDistEntry(root, name) {
  const entry = path.join(root, "dist", `${name}.mjs`);
  if (process.env.ATELIER_FROM_SOURCES === "1" || !existsSync(entry)) return undefined;
  const hasSources = existsSync(path.join(root, "engine"));
  if (!hasSources) return entry;
  try {
    const info = JSON.parse(readFileSync(path.join(root, "dist", "build-info.json"), "utf8"));
    return newestSource(root) <= info.newestSource ? entry : undefined;
  } catch {
    return undefined;
  }
}
