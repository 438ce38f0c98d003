/**
 * `atelier app export` (issue 18, design §7.1 "exportable", §7.8): a project's app as a standalone
 * Vite + React project, outside Atelier: the generated sources (as `atelier app build` generates
 * them), the developer's `src/custom/`, the part of the app runtime those sources reach (copied
 * under `src/atelier/`), a package.json pinned to the versions Atelier builds with, a vite.config.ts
 * whose plugin (atelier.vite.mjs) also writes the web manifest and the service worker, and a
 * capacitor.config.json for a native shell (docs/apps.md).
 *
 * - The folder must be empty, absent, or a previous export (its marker file, EXPORT_MARKER): a
 *   re-export rewrites the files the previous one wrote and removes those it no longer writes,
 *   and leaves everything else (node_modules, dist, android/, ios/, your own files). The export's
 *   `src/custom/` files are written only when absent, as the project's are: work done there is
 *   never lost. package.json and capacitor.config.json keep what was added to them (Capacitor's
 *   packages, plugins), only Atelier's own entries are set.
 * - Nothing is written outside the folder: every path is checked, and a folder reached through a
 *   symbolic link that leads out of it is refused.
 */
import { existsSync, readFileSync } from "node:fs";
import { lstat, mkdir, readdir, readFile, realpath, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateAppSources } from "../../common/ui/codegen/app.ts";
import { loadProject } from "../project/project-files.ts";
import { APP_SOURCE_DIR } from "./build.ts";

/** The file that says a folder holds an export (and what it wrote). */
export const EXPORT_MARKER = ".atelier-export.json";
/** Where the runtime's files go in the export (their repository layout kept below it). */
const RUNTIME_DIR = "src/atelier";
/** The import prefix of the runtime in generated sources. */
const RUNTIME_PREFIX = "@atelier/runtime/";

/** A refusal or failure of an export, saying what and where. */
export class AppExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AppExportError";
  }
}

export interface AppExportOptions {
  /** The project's folder. */
  projectDir: string;
  /** The folder to write the export into. */
  outDir: string;
  /** The path the app is served under (Vite's base): "/" by default, the root of a Capacitor shell. */
  base?: string;
}

export interface AppExportResult {
  project: string;
  /** The export's folder (absolute). */
  outDir: string;
  base: string;
  /** Files written (changed or new), relative to the folder, sorted. */
  written: string[];
  /** Files of the previous export removed (no longer part of it). */
  removed: string[];
  /** Files of src/custom/ (and .gitignore) kept as they were in the export (already there). */
  kept: string[];
  /** The runtime's files copied (relative to src/atelier/). */
  runtime: string[];
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  warnings: string[];
  /** What to print, one line each. */
  lines: string[];
}

interface Marker {
  atelierExport: 1;
  project: string;
  /** Every file this export wrote (relative, "/" separated). */
  files: string[];
  /** The dependencies Atelier set in package.json (the others are the developer's). */
  dependencies: string[];
  devDependencies: string[];
}

const here = path.dirname(fileURLToPath(import.meta.url));
const fromSources = import.meta.url.endsWith(".ts");
const repoRoot = fromSources ? path.resolve(here, "..", "..", "..") : path.resolve(here, "..");
/** The Vite plugin of exports (the compiled engine has it beside its bundle, build-engine.ts). */
const pluginPath = fromSources
  ? path.join(here, "export-vite-plugin.mjs")
  : path.join(here, "app-export-vite-plugin.mjs");

/** What the export's tools need, beside the app's own packages: the versions come from Atelier's. */
const DEV_DEPENDENCIES = ["vite", "@vitejs/plugin-react", "typescript", "@types/react", "@types/react-dom"];

/** Checks a base path: absolute, ending with "/", plain URL path characters. */
export function checkBase(base: string): string | undefined {
  if (!/^\/([A-Za-z0-9._~-]+\/)*$/.test(base)) {
    return `--base "${base}" must be an absolute path ending with "/" (/ or /my-app/), of letters, digits and . _ ~ -`;
  }
  return undefined;
}

/** What an export reads beside the engine: esbuild and TypeScript find the runtime's files. */
const EXPORT_TOOLS = ["esbuild", "typescript"];

export async function exportApp(opts: AppExportOptions): Promise<AppExportResult> {
  const base = opts.base ?? "/";
  const baseProblem = checkBase(base);
  if (baseProblem) throw new AppExportError(baseProblem);
  const missing = EXPORT_TOOLS.filter((pkg) => installedVersion(pkg) === undefined);
  if (missing.length) {
    throw new AppExportError(
      `This installation cannot export apps: the packages ${missing.join(", ")} are not installed beside the engine (${repoRoot}). Export from a checkout of Atelier (npm install).`,
    );
  }
  if (!existsSync(path.join(repoRoot, "app-runtime", "render.tsx"))) {
    throw new AppExportError(
      `This installation cannot export apps: the app runtime's sources (${path.join(repoRoot, "app-runtime")}) are missing`,
    );
  }
  const projectDir = path.resolve(opts.projectDir);
  const loaded = await loadProject(projectDir);
  const name = loaded.name;
  if (loaded.errors.length) {
    throw new AppExportError(
      `The project ${name} does not load: ${loaded.errors.map((e) => `${e.location?.file ?? "?"}:${e.location?.line ?? "?"}: ${e.message}`).join("; ")}`,
    );
  }
  const app = loaded.root.children.find((c) => c.type === "Application");
  if (!app) throw new AppExportError(`The project ${name} has no application to export (add one to design its pages)`);
  const generated = generateAppSources(loaded.root, name);
  if (generated.errors.length) {
    throw new AppExportError(
      `The app of ${name} cannot be generated:\n${generated.errors.map((e) => `  ${e.path}: ${e.message}`).join("\n")}`,
    );
  }
  const warnings = generated.warnings.map((w) => `${w.path}: ${w.message}`);

  const outDir = await checkOutDir(path.resolve(opts.outDir), projectDir);
  const previous = await readMarker(outDir);
  if (previous && previous.project !== name) {
    throw new AppExportError(
      `--out ${outDir} holds the export of the project ${previous.project}, not ${name}: choose another folder`,
    );
  }

  // The files of the export, by path: the generated ones (their README and Capacitor settings are
  // the export's own, below), the runtime's, and the export's own (package.json, vite.config.ts...).
  const files = new Map<string, string | Buffer>();
  for (const [rel, text] of Object.entries(generated.generated)) {
    if (rel === "README.md" || rel === "capacitor.config.json") continue;
    files.set(rel, text);
  }
  // Written once, when absent: your code, and the .gitignore you may have extended.
  const custom = await customSources(projectDir, generated.custom);
  custom.set(".gitignore", "node_modules/\ndist/\n");

  const sourceTexts = [...files.entries(), ...custom.entries()].filter(([rel]) => /\.(ts|tsx)$/.test(rel));
  const runtime = await runtimeFiles(sourceTexts.map(([rel, text]) => ({ rel, text: String(text) })));
  for (const rel of runtime.files) files.set(`${RUNTIME_DIR}/${rel}`, await readFile(path.join(repoRoot, rel)));
  files.set(
    `${RUNTIME_DIR}/vendor.d.ts`,
    [
      "// Types of the packages the app imports that ship none (written by atelier app export).",
      "declare module 'pouchdb' {",
      "  const PouchDB: import('./app-runtime/fullsync.ts').PouchConstructor;",
      "  export default PouchDB;",
      "}",
      "",
    ].join("\n"),
  );

  // Bare imports of the app's sources and of the runtime: the packages to depend on.
  const packages = new Set<string>(runtime.packages);
  for (const [rel, text] of sourceTexts) {
    for (const spec of importsOf(String(text))) {
      if (spec.startsWith(".") || spec.startsWith("/") || spec.startsWith(RUNTIME_PREFIX)) continue;
      const pkg = packageOf(spec);
      if (pkg) packages.add(pkg);
      else warnings.push(`${rel}: the import "${spec}" names no package`);
    }
  }
  // PouchDB's browser build imports Node's "events" without depending on it (a bundler shim).
  if (packages.has("pouchdb")) packages.add("events");
  const dependencies: Record<string, string> = {};
  for (const pkg of [...packages].sort()) {
    const version = installedVersion(pkg);
    if (version) dependencies[pkg] = version;
    else
      warnings.push(
        `the app imports the package ${pkg}, which is not installed beside Atelier: add it to package.json`,
      );
  }
  const devDependencies: Record<string, string> = {};
  for (const pkg of DEV_DEPENDENCIES) {
    const version = installedVersion(pkg);
    if (!version) throw new AppExportError(`${pkg} is not installed beside Atelier (${repoRoot}): npm install first`);
    devDependencies[pkg] = version;
  }

  const packageName =
    name
      .toLowerCase()
      .replace(/[^a-z0-9._-]/g, "-")
      .replace(/^[._-]+/, "") || "app";
  files.set("package.json", await packageJson(outDir, previous, packageName, dependencies, devDependencies));
  files.set("vite.config.ts", viteConfig(name, base, String(app.props.pwaName || app.props.title || name), app.props));
  files.set("atelier.vite.mjs", await readFile(pluginPath, "utf8"));
  files.set("tsconfig.json", tsconfig());
  files.set(
    "capacitor.config.json",
    await capacitorJson(outDir, previous, generated.generated["capacitor.config.json"]),
  );
  files.set("README.md", readme(name, base));

  // Written: everything but the custom files already there. The marker first lists what the
  // previous export and this one write, so an export cut short leaves a folder that is still an
  // export, every file written listed; then only what this export wrote.
  const now = new Set([...files.keys(), ...custom.keys()]);
  const marker = (list: Iterable<string>): string =>
    JSON.stringify(
      {
        atelierExport: 1,
        project: name,
        files: [...new Set(list)].sort(),
        dependencies: Object.keys(dependencies),
        devDependencies: Object.keys(devDependencies),
      } satisfies Marker,
      null,
      2,
    ) + "\n";
  await writeInside(outDir, EXPORT_MARKER, marker([...(previous?.files ?? []), ...now]));
  const out: AppExportResult = {
    project: name,
    outDir,
    base,
    written: [],
    removed: [],
    kept: [],
    runtime: runtime.files,
    dependencies,
    devDependencies,
    warnings,
    lines: [],
  };
  for (const [rel, content] of files) {
    if (await writeInside(outDir, rel, content)) out.written.push(rel);
  }
  for (const [rel, content] of custom) {
    const file = await insideChecked(outDir, rel);
    if (existsSync(file)) {
      out.kept.push(rel);
      continue;
    }
    await writeInside(outDir, rel, content);
    out.written.push(rel);
  }
  for (const rel of previous?.files ?? []) {
    // Your files are never removed either (a custom file since deleted from the project stays).
    if (now.has(rel) || custom.has(rel) || rel.startsWith("src/custom/")) continue;
    // A previous marker is read from disk: its paths are checked like any other.
    await rm(await insideChecked(outDir, rel), { force: true });
    out.removed.push(rel);
  }
  await writeInside(outDir, EXPORT_MARKER, marker(now));
  out.written.sort();
  out.removed.sort();
  out.kept.sort();
  out.lines = [
    ...warnings.map((w) => `warning: ${w}`),
    `Exported the app of ${name} to ${outDir} (base ${base}): ${out.written.length} file(s) written, ${out.removed.length} removed, ${runtime.files.length} runtime file(s) under ${RUNTIME_DIR}/${out.kept.length ? `; kept your ${out.kept.join(", ")}` : ""}`,
    `Next: cd ${outDir} && npm install && npm run build (into dist/)`,
  ];
  return out;
}

/** The export's folder, checked: absent, empty or a previous export; not inside the project. */
async function checkOutDir(outDir: string, projectDir: string): Promise<string> {
  const projectReal = await realpath(projectDir);
  const st = await stat(outDir).catch(() => undefined);
  if (st && !st.isDirectory()) throw new AppExportError(`--out ${outDir} is not a folder`);
  // Where the folder is once links are followed (its deepest existing folder's real path, then the rest).
  let existing = outDir;
  while (!existsSync(existing)) existing = path.dirname(existing);
  const real = path.join(await realpath(existing), path.relative(existing, outDir));
  const within = (dir: string, p: string) => p === dir || p.startsWith(dir + path.sep);
  if (within(projectReal, real) || within(real, projectReal)) {
    // Inside the project, the export's node_modules and shells would go into its .car and be
    // watched as the project's files; around it, the project would be written over.
    throw new AppExportError(`--out ${outDir} must be outside the project's folder ${projectDir}, and not hold it`);
  }
  await mkdir(real, { recursive: true });
  const entries = await readdir(real);
  if (entries.length > 0 && !entries.includes(EXPORT_MARKER)) {
    throw new AppExportError(
      `--out ${outDir} is not empty and holds no previous export (no ${EXPORT_MARKER}): choose an empty or new folder`,
    );
  }
  return real;
}

async function readMarker(outDir: string): Promise<Marker | undefined> {
  const file = path.join(outDir, EXPORT_MARKER);
  const text = await readFile(file, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new AppExportError(`${file} is not JSON (${(e as Error).message}): remove it to export there anew`);
  }
  const m = value as Partial<Marker>;
  const strings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === "string");
  if (
    !m ||
    typeof m !== "object" ||
    m.atelierExport !== 1 ||
    !strings(m.files) ||
    !strings(m.dependencies) ||
    !strings(m.devDependencies)
  ) {
    throw new AppExportError(`${file} is not an export's marker: remove it to export there anew`);
  }
  // Read from disk, so checked before anything is written: its files are removed when no longer exported.
  const outside = m.files!.find((f) => path.isAbsolute(f) || f.split(/[\\/]/).includes(".."));
  if (outside !== undefined) {
    throw new AppExportError(`${file} lists a file outside the export (${outside}): remove it to export there anew`);
  }
  return m as Marker;
}

/** A path in the export, checked: relative, inside, no folder on the way a link out of it. */
async function insideChecked(outDir: string, rel: string): Promise<string> {
  const full = path.resolve(outDir, rel);
  if (path.isAbsolute(rel) || !full.startsWith(outDir + path.sep)) {
    throw new AppExportError(`A file of the export would be outside ${outDir}: ${rel}`);
  }
  // The deepest folder that exists on the way must really be inside (a symbolic link may not lead out).
  let dir = path.dirname(full);
  while (!existsSync(dir)) dir = path.dirname(dir);
  const real = await realpath(dir);
  if (real !== outDir && !real.startsWith(outDir + path.sep)) {
    throw new AppExportError(`${rel}: its folder leads outside ${outDir} (a symbolic link)`);
  }
  const st = await lstat(full).catch(() => undefined);
  if (st?.isSymbolicLink())
    throw new AppExportError(`${full} is a symbolic link: the export does not write through it`);
  return full;
}

/** Writes a file of the export when its content changed; answers whether it did. */
async function writeInside(outDir: string, rel: string, content: string | Buffer): Promise<boolean> {
  const file = await insideChecked(outDir, rel);
  const old = await readFile(file).catch(() => undefined);
  const bytes = typeof content === "string" ? Buffer.from(content) : content;
  if (old && old.equals(bytes)) return false;
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, bytes);
  return true;
}

/** The custom files: the project's app/src/custom/ (all of it), and the defaults it lacks. */
async function customSources(
  projectDir: string,
  defaults: Record<string, string>,
): Promise<Map<string, string | Buffer>> {
  const out = new Map<string, string | Buffer>();
  const appDir = path.join(projectDir, APP_SOURCE_DIR);
  const customDir = path.join(appDir, "src", "custom");
  const entries = await readdir(customDir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const rel = path.relative(appDir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/");
    out.set(rel, await readFile(path.join(appDir, rel)));
  }
  for (const [rel, text] of Object.entries(defaults)) if (!out.has(rel)) out.set(rel, text);
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const repoRequire = createRequire(path.join(repoRoot, "package.json"));

/** The module specifiers a TypeScript file imports, type-only imports included. */
function importsOf(text: string): string[] {
  const ts = repoRequire("typescript") as typeof import("typescript");
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/** The package of a bare specifier (`react-dom/client` → react-dom), or undefined. */
function packageOf(spec: string): string | undefined {
  const m = /^(@[a-z0-9][\w.-]*\/[a-z0-9][\w.-]*|[a-z0-9][\w.-]*)(\/|$)/i.exec(spec);
  return m?.[1];
}

/** The exact version of a package as installed beside Atelier, or undefined. */
function installedVersion(pkg: string): string | undefined {
  // Read from node_modules/<pkg>/package.json up the folders (a package's exports may hide it from require).
  for (let dir = repoRoot; ; dir = path.dirname(dir)) {
    const file = path.join(dir, "node_modules", pkg, "package.json");
    if (existsSync(file)) {
      try {
        const version = (JSON.parse(readFileSync(file, "utf8")) as { version?: unknown }).version;
        return typeof version === "string" ? version : undefined;
      } catch {
        return undefined;
      }
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * The runtime's files the app's sources reach, relative to the repository (app-runtime/...,
 * engine/common/...), and the packages they import. esbuild bundles from the runtime modules the
 * sources import (and the service worker's), packages left out: its metafile lists every file the
 * bundle needs. TypeScript drops `import type` before bundling, yet the export's tsconfig needs
 * those files too: their type-only imports are then followed (TypeScript's own reading of imports).
 */
async function runtimeFiles(
  sources: { rel: string; text: string }[],
): Promise<{ files: string[]; packages: string[] }> {
  const runtimeDir = path.join(repoRoot, "app-runtime");
  const entries = new Set<string>([path.join(runtimeDir, "sw", "service-worker.ts")]);
  for (const { rel, text } of sources) {
    for (const spec of importsOf(text)) {
      if (!spec.startsWith(RUNTIME_PREFIX)) continue;
      const file = path.resolve(runtimeDir, spec.slice(RUNTIME_PREFIX.length));
      if (!file.startsWith(runtimeDir + path.sep) || !existsSync(file)) {
        throw new AppExportError(`${rel}: "${spec}" is no file of Atelier's app runtime (${runtimeDir})`);
      }
      entries.add(file);
    }
  }
  const esbuild = (await import(repoRequire.resolve("esbuild"))) as typeof import("esbuild");
  const result = await esbuild.build({
    entryPoints: [...entries],
    bundle: true,
    write: false,
    metafile: true,
    packages: "external",
    format: "esm",
    outdir: path.join(repoRoot, ".atelier-export-probe"),
    absWorkingDir: repoRoot,
    logLevel: "silent",
  });
  const files = new Set<string>();
  const packages = new Set<string>();
  for (const [input, info] of Object.entries(result.metafile.inputs)) {
    files.add(input.split(path.sep).join("/"));
    for (const imp of info.imports) {
      if (!imp.external) continue;
      const pkg = packageOf(imp.path);
      if (pkg) packages.add(pkg);
    }
  }
  // The type-only imports, followed from every file found (relative specifiers only).
  const queue = [...files];
  while (queue.length) {
    const rel = queue.pop()!;
    const text = await readFile(path.join(repoRoot, rel), "utf8");
    for (const spec of importsOf(text)) {
      if (!spec.startsWith(".")) continue;
      const target = path
        .relative(repoRoot, path.resolve(repoRoot, path.dirname(rel), spec))
        .split(path.sep)
        .join("/");
      if (files.has(target)) continue;
      if (!existsSync(path.join(repoRoot, target))) {
        throw new AppExportError(`${rel} imports "${spec}", which is not a file (${target})`);
      }
      files.add(target);
      queue.push(target);
    }
  }
  for (const rel of files) {
    // Only the runtime and the engine's shared code: anything else would be a layering mistake.
    if (!rel.startsWith("app-runtime/") && !rel.startsWith("engine/common/")) {
      throw new AppExportError(`The app runtime reaches ${rel}, outside app-runtime/ and engine/common/: not exported`);
    }
  }
  return { files: [...files].sort(), packages: [...packages].sort() };
}

async function packageJson(
  outDir: string,
  previous: Marker | undefined,
  name: string,
  dependencies: Record<string, string>,
  devDependencies: Record<string, string>,
): Promise<string> {
  // A previous export's package.json keeps what the developer added (Capacitor's packages...):
  // only the entries Atelier set before are replaced.
  let pkg: Record<string, unknown> = {};
  if (previous) {
    const text = await readFile(path.join(outDir, "package.json"), "utf8").catch(() => undefined);
    if (text !== undefined) {
      try {
        const parsed = JSON.parse(text) as unknown;
        if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) pkg = parsed as Record<string, unknown>;
      } catch (e) {
        throw new AppExportError(
          `${path.join(outDir, "package.json")} is not JSON (${(e as Error).message}): fix or remove it`,
        );
      }
    }
  }
  const merge = (given: unknown, ours: Record<string, string>, before: string[]) => {
    const out: Record<string, string> = {};
    if (given && typeof given === "object" && !Array.isArray(given)) {
      for (const [k, v] of Object.entries(given)) if (!before.includes(k) && typeof v === "string") out[k] = v;
    }
    Object.assign(out, ours);
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  };
  const scripts = pkg.scripts && typeof pkg.scripts === "object" ? (pkg.scripts as Record<string, unknown>) : {};
  const next = {
    ...pkg,
    name: typeof pkg.name === "string" ? pkg.name : name,
    private: true,
    version: typeof pkg.version === "string" ? pkg.version : "0.1.0",
    type: "module",
    scripts: { ...scripts, dev: "vite", build: "vite build", preview: "vite preview", typecheck: "tsc --noEmit" },
    dependencies: merge(pkg.dependencies, dependencies, previous?.dependencies ?? []),
    devDependencies: merge(pkg.devDependencies, devDependencies, previous?.devDependencies ?? []),
  };
  return JSON.stringify(next, null, 2) + "\n";
}

async function capacitorJson(
  outDir: string,
  previous: Marker | undefined,
  generated: string | undefined,
): Promise<string> {
  const ours = JSON.parse(generated ?? "{}") as Record<string, unknown>;
  // The export's build is dist/, beside the file (the project's app/ builds into ../www).
  ours.webDir = "dist";
  let given: Record<string, unknown> = {};
  if (previous) {
    const text = await readFile(path.join(outDir, "capacitor.config.json"), "utf8").catch(() => undefined);
    try {
      const parsed = text === undefined ? {} : (JSON.parse(text) as unknown);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) given = parsed as Record<string, unknown>;
    } catch (e) {
      throw new AppExportError(
        `${path.join(outDir, "capacitor.config.json")} is not JSON (${(e as Error).message}): fix or remove it`,
      );
    }
  }
  return JSON.stringify({ ...given, ...ours }, null, 2) + "\n";
}

function viteConfig(project: string, base: string, title: string, props: Record<string, unknown>): string {
  const manifest = {
    name: title,
    short_name: String(props.pwaShortName || title).slice(0, 12),
    display: "standalone",
    theme_color: typeof props.themeColor === "string" && props.themeColor ? props.themeColor : "#2563eb",
    background_color: "#ffffff",
  };
  return [
    "// Written by atelier app export: a re-export rewrites it.",
    'import react from "@vitejs/plugin-react";',
    'import { fileURLToPath } from "node:url";',
    'import { defineConfig } from "vite";',
    'import { atelier } from "./atelier.vite.mjs";',
    "",
    "export default defineConfig({",
    '  // The path the app is served under. "/": a Capacitor shell serves the app at its root, and so',
    "  // does a web server given the folder as its root (with index.html answering unknown paths: the",
    '  // app\'s router reads the path). Not "./": the router and the service worker place the app by',
    "  // its base path, and relative assets break on deep links (/orders/42 would load",
    "  // /orders/assets/...). Another folder: `atelier app export --base /my-app/`, or",
    "  // `npx vite build --base /my-app/`.",
    `  base: ${JSON.stringify(base)},`,
    "  plugins: [",
    `    atelier({ cachePrefix: ${JSON.stringify(`atelier-${project}-`)}, manifest: ${JSON.stringify(manifest)} }),`,
    "    react(),",
    "  ],",
    "  resolve: {",
    '    alias: [{ find: /^@atelier\\/runtime\\//, replacement: fileURLToPath(new URL("./src/atelier/app-runtime/", import.meta.url)) }],',
    '    dedupe: ["react", "react-dom"],',
    "  },",
    "  build: {",
    '    target: "es2022",',
    "    chunkSizeWarningLimit: 4000,",
    "    rolldownOptions: {",
    "      // @ionic/react imports every Ionic component module; each only defines its element, so",
    "      // said side-effect free, only those the app renders stay in the bundle.",
    "      treeshake: {",
    "        moduleSideEffects: [{ test: /[\\\\/]@ionic[\\\\/]core[\\\\/]components[\\\\/]ion-[^\\\\/]*\\.js$/, sideEffects: false }],",
    "      },",
    "    },",
    "  },",
    "});",
    "",
  ].join("\n");
}

function tsconfig(): string {
  return (
    JSON.stringify(
      {
        compilerOptions: {
          target: "ES2022",
          lib: ["ES2023", "DOM", "DOM.Iterable"],
          module: "ESNext",
          moduleResolution: "bundler",
          jsx: "react-jsx",
          strict: true,
          noUncheckedIndexedAccess: true,
          isolatedModules: true,
          verbatimModuleSyntax: true,
          allowImportingTsExtensions: true,
          skipLibCheck: true,
          noEmit: true,
          types: ["vite/client"],
          paths: { "@atelier/runtime/*": ["./src/atelier/app-runtime/*"] },
        },
        include: ["src"],
      },
      null,
      2,
    ) + "\n"
  );
}

function readme(project: string, base: string): string {
  return [
    `# The app of ${project}`,
    "",
    "Exported by `atelier app export` from the Atelier project: a Vite + React (Ionic) project of its own.",
    "",
    "```sh",
    "npm install",
    "npm run dev      # a development server",
    "npm run build    # into dist/: the app, its web manifest and its service worker (sw.js)",
    "npm run preview  # serves dist/",
    "```",
    "",
    `The app is built for the path \`${base}\` (\`base\` in vite.config.ts); a web server serving it`,
    "answers `index.html` for paths without a file (the app's router reads the path).",
    "",
    "- `index.html`, `src/main.tsx`, `src/generated/`: generated from the project's UI objects. A",
    "  re-export (`atelier app export` into this folder) rewrites them, and `src/atelier/` (Atelier's",
    "  app runtime), `vite.config.ts`, `atelier.vite.mjs`, `tsconfig.json`; it sets its own entries of",
    "  `package.json` and `capacitor.config.json` and keeps the others.",
    "- `src/custom/`: your code (custom actions, styles), copied from the project once: a re-export",
    "  never overwrites a file there.",
    "- The app calls the engine at the Application's `endpoint` setting, else the page's own origin.",
    "  A Capacitor shell: `capacitor.config.json` (webDir `dist`); see Atelier's docs/apps.md.",
    "",
  ].join("\n");
}
