// The build of an app made with the UI builder (issue 18, design §7.1–§7.5), in its own Node
// process (started by build.ts: a build is seconds of CPU and hundreds of MB that must not hold
// the engine's event loop nor its memory). Plain JavaScript, so the compiled engine runs it as it
// is (build-engine.ts copies it beside the bundle).
//
// Reads its request as JSON on stdin, writes one JSON line on stdout: {ok: true, files, bytes} or
// {ok: false, error: {message, file, line, column}}.
//
// - The app's folder (`app/`: index.html, src/) is Vite's root; its bare imports (react,
//   @ionic/react, pouchdb) resolve from the engine's own packages, so a project holds no
//   node_modules; `@atelier/runtime/...` is the engine's app-runtime/ folder.
// - Output: `outDir` (a staging folder the caller swaps in), with `base` = /apps/<Project>/.
// - Then the service worker (app-runtime/sw/service-worker.ts) is built with the list of the
//   build's files and a cache name holding their hash, and the web manifest is written.
import { createHash } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

const request = JSON.parse(
  await new Promise((resolve) => {
    let text = "";
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (c) => (text += c));
    process.stdin.on("end", () => resolve(text));
  }),
);

/** Answers and exits (stdout is the caller's channel: Vite's own messages go to stderr). */
function answer(value) {
  process.stdout.write(JSON.stringify(value) + "\n", () => process.exit(value.ok ? 0 : 1));
}

try {
  const { appDir, outDir, base, runtimeDir, resolveFrom, manifest, cachePrefix } = request;
  const req = createRequire(resolveFrom);
  const vite = await import(req.resolve("vite"));
  const react = (await import(req.resolve("@vitejs/plugin-react"))).default;
  const inside = (dir, file) => file === dir || file.startsWith(dir + path.sep);

  /** Bare imports of the app's own files resolve from the engine's packages. */
  const enginePackages = {
    name: "atelier-engine-packages",
    enforce: "pre",
    async resolveId(source, importer, options) {
      if (!importer || source.startsWith(".") || source.startsWith("/") || source.startsWith("\0")) return null;
      if (source.startsWith("@atelier/runtime/")) {
        return path.join(runtimeDir, source.slice("@atelier/runtime/".length));
      }
      if (!inside(appDir, importer.split("?")[0])) return null;
      return this.resolve(source, resolveFrom, { ...options, skipSelf: true });
    },
  };

  await vite.build({
    configFile: false,
    root: appDir,
    base,
    logLevel: "warn",
    customLogger: undefined,
    plugins: [enginePackages, react()],
    resolve: { dedupe: ["react", "react-dom"] },
    build: {
      outDir,
      emptyOutDir: true,
      manifest: false,
      reportCompressedSize: false,
      chunkSizeWarningLimit: 4000,
      target: "es2022",
      rolldownOptions: {
        // Ionic's component modules (@ionic/core/components/ion-*.js) only define their element's
        // class and a defineCustomElement that registers it (called by @ionic/react when the
        // element first renders); @ionic/react imports every one of them, and with no
        // "sideEffects" in @ionic/core's package.json the bundler kept them all (every app bundled
        // ion-datetime, ion-range...). Said side-effect free, only those the app uses are kept.
        treeshake: {
          moduleSideEffects: [{ test: /[\\/]@ionic[\\/]core[\\/]components[\\/]ion-[^\\/]*\.js$/, sideEffects: false }],
        },
      },
    },
  });

  // The build's files (the worker and the manifest are added to the list below).
  const files = [];
  for (const entry of await readdir(outDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const rel = path.relative(outDir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/");
    files.push(rel);
  }
  files.push("manifest.webmanifest");
  files.sort();
  const hash = createHash("sha256");
  for (const f of files) {
    hash.update(f);
    hash.update(f === "manifest.webmanifest" ? JSON.stringify(manifest) : await readFile(path.join(outDir, f)));
  }
  const cache = `${cachePrefix}${hash.digest("hex").slice(0, 12)}`;
  await writeFile(path.join(outDir, "manifest.webmanifest"), JSON.stringify(manifest, null, 2) + "\n");

  await vite.build({
    configFile: false,
    root: runtimeDir,
    logLevel: "warn",
    define: { ATELIER_SW: JSON.stringify({ cache, cachePrefix, files }) },
    build: {
      outDir,
      emptyOutDir: false,
      copyPublicDir: false,
      reportCompressedSize: false,
      target: "es2022",
      minify: true,
      lib: {
        entry: path.join(runtimeDir, "sw/service-worker.ts"),
        formats: ["iife"],
        name: "atelierSw",
        fileName: () => "sw.js",
      },
    },
  });

  let bytes = 0;
  for (const f of [...files, "sw.js"]) bytes += (await readFile(path.join(outDir, f))).length;
  answer({ ok: true, files: [...files, "sw.js"].sort(), bytes, cache });
} catch (e) {
  const err = /** @type {any} */ (e);
  answer({
    ok: false,
    error: {
      // Colour codes some tools print whatever NO_COLOR says.
      message: String(err?.message ?? err)
        .replace(new RegExp(String.fromCharCode(27) + "\\[[0-9;]*m", "g"), "")
        .slice(0, 4000),
      file: err?.id ?? err?.loc?.file,
      line: err?.loc?.line,
      column: err?.loc?.column,
    },
  });
}
