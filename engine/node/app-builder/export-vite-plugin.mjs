// The Vite plugin of an app exported by `atelier app export` (copied into the export as
// atelier.vite.mjs, used by its vite.config.ts). It does at `vite build` what Atelier's own build
// of the app does (engine/node/app-builder/vite-build.mjs), for an app outside Atelier:
// - once the app is written, the web manifest (manifest.webmanifest) and the service worker
//   (sw.js, from src/atelier/app-runtime/sw/service-worker.ts) are written beside it: the worker
//   is given the list of the build's files and a cache name holding their hash, so a new build
//   replaces the cached one.
// Plain JavaScript: the export's tsconfig checks the app's sources, not its tools.
import { createHash } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * @param {{ cachePrefix: string, manifest: Record<string, unknown> }} options The caches' name
 *   prefix (`atelier-<project>-`) and the manifest's fields (start_url and scope are the base).
 */
export function atelier(options) {
  const runtimeDir = path.join(here, "src", "atelier", "app-runtime");
  /** @type {import("vite").ResolvedConfig | undefined} */
  let config;

  return {
    name: "atelier-app",
    configResolved(resolved) {
      config = resolved;
    },
    // Only when the build wrote its files (a failed build writes no worker), and only at a build.
    apply: "build",
    async writeBundle() {
      if (!config) throw new Error("atelier.vite.mjs: the configuration was not resolved");
      const outDir = path.resolve(config.root, config.build.outDir);
      const base = config.base;
      const manifest = { ...options.manifest, start_url: base, scope: base };

      const files = [];
      for (const entry of await readdir(outDir, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile()) continue;
        const rel = path.relative(outDir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/");
        // A previous build's worker (an outDir not emptied) is no file of this build.
        if (rel !== "sw.js" && rel !== "manifest.webmanifest") files.push(rel);
      }
      files.push("manifest.webmanifest");
      files.sort();
      const hash = createHash("sha256");
      for (const f of files) {
        hash.update(f);
        hash.update(f === "manifest.webmanifest" ? JSON.stringify(manifest) : await readFile(path.join(outDir, f)));
      }
      const cache = `${options.cachePrefix}${hash.digest("hex").slice(0, 12)}`;
      await writeFile(path.join(outDir, "manifest.webmanifest"), JSON.stringify(manifest, null, 2) + "\n");

      const vite = await import("vite");
      await vite.build({
        configFile: false,
        root: runtimeDir,
        logLevel: "warn",
        define: { ATELIER_SW: JSON.stringify({ cache, cachePrefix: options.cachePrefix, files }) },
        build: {
          outDir,
          emptyOutDir: false,
          copyPublicDir: false,
          reportCompressedSize: false,
          target: "es2022",
          minify: true,
          lib: {
            entry: path.join(runtimeDir, "sw", "service-worker.ts"),
            formats: ["iife"],
            name: "atelierSw",
            fileName: () => "sw.js",
          },
        },
      });
    },
  };
}
