import { spawn } from "node:child_process";
import type { EventEmitter } from "node:events";
import fs from "node:fs/promises";
import path from "node:path";
import type { AtelierOptions, RunningAtelier } from "../app.ts";
import { ServedAtelier } from "./served-atelier.ts";
import { portIsFree, readStudioSession, saveStudioSession } from "./studio-session.ts";

/** The desktop app, as `npm start` sees it (electron/launch.ts, wired by bin/start.js). */
export interface DesktopLauncher {
  /** The Electron executable, or null when none is installed. */
  findBinary(): string | null;
  /** Runs the desktop app until it quits; answers its exit code. */
  launch(binary: string, args: string[]): Promise<number>;
}

export type StartMode = { mode: "desktop"; binary: string } | { mode: "browser"; reason: string };

/**
 * Desktop or browser: the desktop app when an Electron binary is installed and a display is
 * there to show it, else the engine serving the Studio to a browser. `--browser` (or
 * ATELIER_START=browser) asks for the browser.
 */
export function chooseStartMode(o: {
  args: string[];
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  electronBinary: string | null;
  /** The user id (process.getuid()); Chromium's sandbox refuses root on Linux. */
  uid?: number;
}): StartMode {
  if (o.args.includes("--browser") || o.env.ATELIER_START === "browser") {
    return { mode: "browser", reason: "the browser was asked for" };
  }
  if (!o.electronBinary) {
    return {
      mode: "browser",
      reason:
        'no Electron binary is installed (run "npx install-electron" once, with network access, for the desktop app)',
    };
  }
  if (o.platform === "linux" && !o.env.DISPLAY && !o.env.WAYLAND_DISPLAY) {
    return { mode: "browser", reason: "there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)" };
  }
  if (o.platform === "linux" && o.uid === 0) {
    return {
      mode: "browser",
      reason: "Electron's sandbox does not run as root (start Atelier as a normal user for the desktop app)",
    };
  }
  return { mode: "desktop", binary: o.electronBinary };
}

export type RendererBuildState = { state: "fresh" } | { state: "missing" } | { state: "stale"; newestSource: string };

/** Source folders the Studio bundle is made of (the renderer imports engine/common). */
const rendererSources = ["renderer", "engine/common"];
const notSources = new Set(["dist", "node_modules", ".vite"]);

/** The newest file (path and mtime) under `dir`, skipping build output and tests. */
async function newestFile(dir: string): Promise<{ file: string; mtimeMs: number } | null> {
  let best: { file: string; mtimeMs: number } | null = null;
  let entries: import("node:fs").Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return null;
  }
  for (const e of entries) {
    if (notSources.has(e.name)) continue;
    const p = path.join(dir, e.name);
    const found = e.isDirectory()
      ? await newestFile(p)
      : e.isFile() && !/\.test\.tsx?$/.test(e.name)
        ? { file: p, mtimeMs: (await fs.stat(p)).mtimeMs }
        : null;
    if (found && (!best || found.mtimeMs > best.mtimeMs)) best = found;
  }
  return best;
}

/** Is renderer/dist there, and newer than every source of the Studio? */
export async function rendererBuildState(root: string): Promise<RendererBuildState> {
  let builtAt: number;
  try {
    builtAt = (await fs.stat(path.join(root, "renderer", "dist", "index.html"))).mtimeMs;
  } catch {
    return { state: "missing" };
  }
  for (const src of rendererSources) {
    const newest = await newestFile(path.join(root, src));
    if (newest && newest.mtimeMs > builtAt) return { state: "stale", newestSource: path.relative(root, newest.file) };
  }
  return { state: "fresh" };
}

/** The package.json scripts of `root`. */
async function scriptsOf(root: string): Promise<Record<string, string>> {
  try {
    const pkg = JSON.parse(await fs.readFile(path.join(root, "package.json"), "utf8")) as {
      scripts?: Record<string, string>;
    };
    return pkg.scripts ?? {};
  } catch {
    return {};
  }
}

/** Runs `npm run <script>` in `root`, its output on stderr (stdout is kept for the URL lines). */
export function runNpmScript(root: string, script: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // Under `npm start`, npm_execpath is npm's own CLI: run it with this Node, no shell needed.
  const npmCli = env.npm_execpath;
  const [cmd, args] =
    npmCli && /\.c?js$/.test(npmCli) ? [process.execPath, [npmCli, "run", script]] : ["npm", ["run", script]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: root,
      env,
      stdio: ["ignore", process.stderr, process.stderr],
      shell: !npmCli && process.platform === "win32",
    });
    child.once("error", reject);
    child.once("exit", (code) => resolve(code ?? 1));
  });
}

export type RendererOutcome = "fresh" | "built" | "skipped" | "kept-stale";

/**
 * Builds the Studio when renderer/dist is missing or older than its sources, with the
 * `build:renderer` script. Without that script (or with ATELIER_SKIP_RENDERER_BUILD=1) it says so
 * and goes on. A failed build keeps a previous one; with none, it throws.
 */
export async function ensureRendererBuilt(o: {
  root: string;
  env: NodeJS.ProcessEnv;
  say(line: string): void;
  runScript(script: string): Promise<number>;
}): Promise<RendererOutcome> {
  const build = await rendererBuildState(o.root);
  if (build.state === "fresh") return "fresh";
  const why =
    build.state === "missing" ? "renderer/dist is missing" : `renderer/dist is older than ${build.newestSource}`;
  if (o.env.ATELIER_SKIP_RENDERER_BUILD === "1") {
    o.say(`Atelier: not building the Studio (${why}) since ATELIER_SKIP_RENDERER_BUILD=1.`);
    return "skipped";
  }
  if (!(await scriptsOf(o.root))["build:renderer"]) {
    o.say(
      `Atelier: the Studio is not built (${why}) and package.json has no build:renderer script yet; skipping the build.`,
    );
    return "skipped";
  }
  o.say(`Atelier: building the Studio (${why}): npm run build:renderer`);
  const code = await o.runScript("build:renderer");
  if (code === 0) return "built";
  if (build.state === "stale") {
    o.say(`Atelier: building the Studio failed (exit code ${code}); serving the previous build.`);
    return "kept-stale";
  }
  throw new Error(`building the Studio failed (npm run build:renderer exited with ${code})`);
}

export interface StartOptions {
  desktop?: DesktopLauncher;
  /** The installation's layout (from the entry point): its root, built Studio, example workspace. */
  paths: { root: string; studioDist: string; examplesDir: string };
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  uid?: number;
  /** Standard output (the `Atelier engine:` / `Atelier Studio:` lines). */
  out?(line: string): void;
  /** Messages for the user (stderr). */
  say?(line: string): void;
  runScript?(script: string): Promise<number>;
  /** Where SIGINT/SIGTERM come from (the process). */
  signals?: EventEmitter;
  start?(opts: AtelierOptions): Promise<RunningAtelier>;
}

/**
 * `npm start`: builds the Studio if needed, then starts the desktop app when it can, else
 * serves the Studio to a browser on ATELIER_WORKSPACE (or the example workspace) and prints
 * `Atelier engine: <url>` and `Atelier Studio: <url>`, until SIGINT or SIGTERM.
 */
export async function start(args: string[], o: StartOptions): Promise<number> {
  const env = o.env ?? process.env;
  const root = o.paths.root;
  const out = o.out ?? ((line: string) => void process.stdout.write(line + "\n"));
  const say = o.say ?? ((line: string) => void process.stderr.write(line + "\n"));
  const mode = chooseStartMode({
    args,
    env,
    platform: o.platform ?? process.platform,
    electronBinary: o.desktop?.findBinary() ?? null,
    uid: o.uid ?? process.getuid?.(),
  });

  try {
    await ensureRendererBuilt({ root, env, say, runScript: o.runScript ?? ((s) => runNpmScript(root, s, env)) });
  } catch (e) {
    say(`Atelier: ${(e as Error).message}`);
    return 1;
  }

  if (mode.mode === "desktop" && o.desktop) {
    say("Atelier: starting the desktop app");
    return o.desktop.launch(
      mode.binary,
      args.filter((a) => a !== "--browser"),
    );
  }
  if (mode.mode === "browser") say(`Atelier: serving the Studio to your browser: ${mode.reason}.`);

  const workspaceDir = path.resolve(env.ATELIER_WORKSPACE?.trim() || o.paths.examplesDir);
  const port = Number(env.ATELIER_PORT ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    say(`Atelier: ATELIER_PORT must be a port number (0 to 65535), not "${env.ATELIER_PORT}".`);
    return 1;
  }
  const host = env.ATELIER_HOST ?? "127.0.0.1";
  // Without ATELIER_PORT, the workspace's last port when it is free (the same URL as before) and
  // its token (a Studio window left open stays signed in when it reconnects).
  const saved = port === 0 ? await readStudioSession(workspaceDir) : undefined;
  let reused = saved && (await portIsFree(host, saved.port)) ? saved : undefined;
  let tokenCreatedAt = reused?.createdAt ?? Date.now();
  const remember = (a: RunningAtelier) => {
    if (!a.studio) return;
    saveStudioSession(a.engine.workspace.dir, {
      port: a.server.port,
      token: a.studio.auth.token,
      createdAt: tokenCreatedAt,
    }).catch((e: unknown) => say(`Atelier: cannot remember the Studio's port and session: ${(e as Error).message}`));
  };
  const printUrls = (a: RunningAtelier) => {
    out(`Atelier engine: ${a.url}`);
    out(`Atelier Studio: ${a.studioUrl ?? "not served (this engine runs without the Studio)"}`);
  };
  let app: { close(): Promise<void> };
  try {
    const optsFor = (): AtelierOptions => ({
      workspaceDir,
      port: port || (reused?.port ?? 0),
      host,
      env,
      studio: {
        distDir: o.paths.studioDist,
        examplesDir: o.paths.examplesDir,
        ...(reused ? { token: reused.token } : {}),
      },
    });
    const startOnce = async (): Promise<{ close(): Promise<void> }> => {
      if (o.start) {
        const started = await o.start(optsFor());
        printUrls(started);
        remember(started);
        return started;
      }
      // The Studio may open another workspace: the engine then restarts there, on the same port.
      const served = await ServedAtelier.start(optsFor(), (restarted) => {
        say(`Atelier: now serving the workspace ${restarted.engine.workspace.dir}`);
        printUrls(restarted);
        remember(restarted);
      });
      printUrls(served.current);
      remember(served.current);
      return served;
    };
    try {
      app = await startOnce();
    } catch (e) {
      // The last port was taken between the check and the start: any free one.
      if (!reused || (e as NodeJS.ErrnoException).code !== "EADDRINUSE") throw e;
      reused = undefined;
      tokenCreatedAt = Date.now();
      app = await startOnce();
    }
  } catch (e) {
    say(`Atelier: cannot start on the workspace ${workspaceDir}: ${(e as Error).message}`);
    return 1;
  }
  const signals = o.signals ?? process;
  await new Promise<void>((resolve) => {
    // `npm start` killed with SIGTERM exits without passing it on: stop when orphaned too.
    const parent = process.ppid;
    const orphaned = o.signals ? undefined : setInterval(() => process.ppid !== parent && stop(), 1000);
    orphaned?.unref();
    const stop = () => {
      clearInterval(orphaned);
      signals.off("SIGINT", stop);
      signals.off("SIGTERM", stop);
      resolve();
    };
    signals.on("SIGINT", stop);
    signals.on("SIGTERM", stop);
  });
  say("Atelier: stopping");
  await app.close();
  return 0;
}
