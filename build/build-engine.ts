// `npm run build:engine`: compiles the engine once into dist/ (esbuild), so the CLI, the server
// and the desktop app run JavaScript instead of compiling TypeScript at every start:
//   dist/atelier.mjs        the `atelier` command (bin/atelier.js runs it)
//   dist/start.mjs          `npm start` (bin/start.js runs it)
//   dist/electron-main.mjs  the desktop app's main process (electron/entry.js runs it)
//   dist/sandbox-worker.mjs the JavaScript sandbox's worker (loaded beside the bundle)
//   dist/stage-worker.mjs   a deploy's staging worker (idem)
//   dist/sqlite-worker.mjs  the embedded SQL database's worker (idem)
//   dist/app-vite-build.mjs an app's build (UI builder), run as a child process (idem)
//   dist/app-export-vite-plugin.mjs the Vite plugin `atelier app export` copies into an export
//   dist/build-info.json    when, from which sources (bin/ scripts compare it to the sources)
// Dependencies stay in node_modules (not bundled): only the project's own code is compiled.
// `--outdir DIR` compiles into another folder (the packaging test lays out the server image's
// files in a temporary folder, leaving the checkout's dist/ to the tests that run it).
import { build, type PluginBuild } from "esbuild";
import { copyFile, mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { newestSource } from "../bin/dist-state.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outdirAt = process.argv.indexOf("--outdir");
const dist =
  outdirAt > 0 && process.argv[outdirAt + 1] ? path.resolve(process.argv[outdirAt + 1]!) : path.join(root, "dist");

/**
 * Dependencies left in node_modules, but for `yaml`: every command that opens a project parses
 * YAML, and its Node build is 72 CommonJS files (about a tenth of a cold start of `atelier run`,
 * resolving and reading them); its ES module build (the package's own "default" export, the same
 * code with console warnings instead of process.emitWarning) is compiled into the bundle instead.
 */
const bundleYaml = {
  name: "bundle-yaml",
  setup(b: PluginBuild) {
    b.onResolve({ filter: /^yaml$/ }, () => ({ path: path.join(root, "node_modules/yaml/browser/index.js") }));
  },
};

const started = performance.now();
const sources = newestSource(root);
await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });
await build({
  entryPoints: {
    atelier: path.join(root, "build/entries/atelier.ts"),
    start: path.join(root, "build/entries/start.ts"),
    "electron-main": path.join(root, "electron/main.ts"),
    // The deploy's staging worker (engine/node/admin/stage.ts starts it beside the bundle).
    "stage-worker": path.join(root, "engine/node/admin/stage-worker.ts"),
  },
  outdir: dist,
  outExtension: { ".js": ".mjs" },
  bundle: true,
  splitting: true,
  // Chunks beside the entries: modules that locate files by import.meta.url (the sandbox worker)
  // find them the same way from any chunk.
  chunkNames: "[name]-[hash]",
  format: "esm",
  platform: "node",
  target: "node20.18",
  packages: "external",
  plugins: [bundleYaml],
  sourcemap: "linked",
  legalComments: "none",
  logLevel: "warning",
});
await copyFile(path.join(root, "engine/node/runtime/sandbox-worker.mjs"), path.join(dist, "sandbox-worker.mjs"));
await copyFile(path.join(root, "engine/node/runtime/sql/sqlite-worker.mjs"), path.join(dist, "sqlite-worker.mjs"));
await copyFile(path.join(root, "engine/node/app-builder/vite-build.mjs"), path.join(dist, "app-vite-build.mjs"));
await copyFile(
  path.join(root, "engine/node/app-builder/export-vite-plugin.mjs"),
  path.join(dist, "app-export-vite-plugin.mjs"),
);
await writeFile(
  path.join(dist, "build-info.json"),
  JSON.stringify({ builtAt: new Date().toISOString(), newestSource: sources }, null, 2) + "\n",
);
process.stderr.write(
  `build:engine: ${path.relative(root, dist) || "."}/ in ${Math.round(performance.now() - started)} ms\n`,
);
