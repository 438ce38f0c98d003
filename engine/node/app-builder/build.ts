/**
 * Builds a project's app (issue 18, design §7): its `app/` folder (index.html and sources, written
 * by the UI builder's code generation, with the developer's own files beside) into `www/`, which
 * the engine serves at `/apps/<Project>/` (server/apps.ts) and a deploy ships in the .car.
 *
 * - The build runs Vite in a child process (vite-build.mjs), with a time limit and a memory
 *   limit: the engine keeps serving while an app builds, and a runaway build is ended.
 * - It builds into a staging folder of the project (a dot folder: never watched, never archived)
 *   and swaps it in only when the whole build succeeded: a failed build leaves the app that was
 *   served as it was.
 * - One build per project at a time in this process (a second waits for the first).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { APP_BUILD_DIR, APPS_PATH } from "../server/apps.ts";

/** The folder of a project holding the app's sources. */
export const APP_SOURCE_DIR = "app";

export interface AppBuildOptions {
  /** The project's folder. */
  projectDir: string;
  /** The project's name (the app's URL is /apps/<name>/). */
  project: string;
  /** The app's name in the web manifest (default: the project's). */
  title?: string;
  /** The manifest's theme colour (default #2563eb). */
  themeColor?: string;
  /** Ends the build after this long (default 180 s). */
  timeoutMs?: number;
  /** Heap limit of the build's process (MB, default 2,048). */
  maxMemoryMb?: number;
}

export interface AppBuildResult {
  /** The files of www/, relative to it, sorted. */
  files: string[];
  /** Their total size in bytes. */
  bytes: number;
  /** The service worker's cache name for this build (its hash). */
  cache: string;
  ms: number;
}

/** A build that failed: the message names the file and line where Vite said so. */
export class AppBuildError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
    this.name = "AppBuildError";
  }
}

const here = path.dirname(fileURLToPath(import.meta.url));
/** Running from the sources (tsx) or from the compiled engine (dist/, one folder under the root). */
const fromSources = import.meta.url.endsWith(".ts");
const repoRoot = fromSources ? path.resolve(here, "..", "..", "..") : path.resolve(here, "..");
const scriptPath = fromSources ? path.join(here, "vite-build.mjs") : path.join(here, "app-vite-build.mjs");

const running = new Map<string, Promise<unknown>>();

/** What a build needs beside the engine: the packages generated apps import, and the runtime's sources. */
export const APP_TOOLCHAIN = [
  "vite",
  "@vitejs/plugin-react",
  "react",
  "react-dom",
  "@ionic/react",
  "pouchdb",
  "events",
];

/** Why this installation cannot build apps, or null (checked before each build: cheap). */
export function toolchainProblem(root = repoRoot): string | null {
  // Where Node would find them from the engine's folder (a package's own exports may hide its package.json).
  const installed = (name: string) => {
    for (let dir = root; ; dir = path.dirname(dir)) {
      if (existsSync(path.join(dir, "node_modules", name, "package.json"))) return true;
      if (path.dirname(dir) === dir) return false;
    }
  };
  const missing = APP_TOOLCHAIN.filter((name) => !installed(name));
  const runtime = existsSync(path.join(root, "app-runtime", "render.tsx"));
  if (missing.length === 0 && runtime) return null;
  return [
    "This installation cannot build apps:",
    missing.length ? ` the packages ${missing.join(", ")} are not installed beside the engine` : "",
    missing.length && !runtime ? " and" : "",
    !runtime ? ` the app runtime's sources (${path.join(root, "app-runtime")}) are missing` : "",
    ". Build from a checkout of Atelier (npm install), or install them beside the engine.",
  ].join("");
}

/** Builds the project's app into www/ (see the module's comment). */
export async function buildApp(opts: AppBuildOptions): Promise<AppBuildResult> {
  const key = path.resolve(opts.projectDir);
  const previous = running.get(key) ?? Promise.resolve();
  const mine = previous.catch(() => undefined).then(() => buildOnce(opts));
  running.set(key, mine);
  try {
    return await mine;
  } finally {
    if (running.get(key) === mine) running.delete(key);
  }
}

async function buildOnce(opts: AppBuildOptions): Promise<AppBuildResult> {
  const started = performance.now();
  const appDir = path.join(opts.projectDir, APP_SOURCE_DIR);
  if (!existsSync(path.join(appDir, "index.html"))) {
    throw new AppBuildError(
      `The project "${opts.project}" has no app to build (no ${APP_SOURCE_DIR}/index.html in ${opts.projectDir})`,
    );
  }
  if (!/^[A-Za-z0-9_.-]+$/.test(opts.project)) throw new AppBuildError(`"${opts.project}" is not a project name`);
  const problem = toolchainProblem();
  if (problem) throw new AppBuildError(problem);
  const base = `${APPS_PATH}/${opts.project}/`;
  const staging = path.join(opts.projectDir, `.${APP_BUILD_DIR}-build-${randomBytes(6).toString("hex")}`);
  const request = {
    appDir,
    outDir: staging,
    base,
    runtimeDir: path.join(repoRoot, "app-runtime"),
    resolveFrom: path.join(repoRoot, "package.json"),
    cachePrefix: `atelier-${opts.project}-`,
    manifest: {
      name: opts.title || opts.project,
      short_name: (opts.title || opts.project).slice(0, 12),
      start_url: base,
      scope: base,
      display: "standalone",
      theme_color: opts.themeColor || "#2563eb",
      background_color: "#ffffff",
    },
  };
  try {
    const answer = await runBuild(appDir, request, opts.timeoutMs ?? 180_000, opts.maxMemoryMb ?? 2048);
    await swapIn(opts.projectDir, staging);
    return {
      files: answer.files,
      bytes: answer.bytes,
      cache: answer.cache,
      ms: Math.round(performance.now() - started),
    };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

interface BuildAnswer {
  ok: boolean;
  files: string[];
  bytes: number;
  cache: string;
  error?: { message: string; file?: string; line?: number; column?: number };
}

function runBuild(appDir: string, request: object, timeoutMs: number, maxMemoryMb: number): Promise<BuildAnswer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${maxMemoryMb}`, scriptPath], {
      // Vite names files relative to its working folder: the app's (src/main.tsx:6:79).
      cwd: appDir,
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, NODE_ENV: "production", NO_COLOR: "1", FORCE_COLOR: "0" },
    });
    let out = "";
    let err = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      // One JSON line is expected; anything beyond a megabyte is not an answer.
      if (out.length < 1e6) out += c;
    });
    child.stderr.setEncoding("utf8").on("data", (c: string) => (err = (err + c).slice(-8000)));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new AppBuildError(`The app build could not start: ${e.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return reject(new AppBuildError(`The app build took longer than ${timeoutMs} ms and was ended`));
      const line = out.trim().split("\n").pop() ?? "";
      let answer: BuildAnswer | undefined;
      try {
        answer = JSON.parse(line) as BuildAnswer;
      } catch {
        // Below: no answer.
      }
      if (answer?.ok) return resolve(answer);
      if (answer?.error) {
        const e = answer.error;
        const where = e.file
          ? `${e.file}${e.line ? `:${e.line}${e.column !== undefined ? `:${e.column}` : ""}` : ""}: `
          : "";
        return reject(new AppBuildError(`The app build failed: ${where}${e.message}`, e.file, e.line, e.column));
      }
      reject(
        new AppBuildError(
          `The app build ended without an answer (${signal ?? `exit code ${code}`})${err ? `: ${err.trim().slice(-2000)}` : ""}`,
        ),
      );
    });
    child.stdin.end(JSON.stringify(request));
  });
}

/** Replaces www/ by the staging folder; the old www/ is removed only once the new one is in place. */
async function swapIn(projectDir: string, staging: string): Promise<void> {
  const www = path.join(projectDir, APP_BUILD_DIR);
  const old = path.join(projectDir, `.${APP_BUILD_DIR}-old-${randomBytes(6).toString("hex")}`);
  const had = await stat(www).then(
    () => true,
    () => false,
  );
  if (had) await rename(www, old);
  try {
    await rename(staging, www);
  } catch (e) {
    if (had) await rename(old, www);
    throw e;
  }
  if (had) await rm(old, { recursive: true, force: true });
}
