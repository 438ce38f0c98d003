import { spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunningAtelier } from "../app.ts";
import { chooseStartMode, ensureRendererBuilt, rendererBuildState, start } from "./start.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "atelier-start-"));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("chooseStartMode", () => {
  const display = { DISPLAY: ":0" };
  it("starts the desktop app when Electron is installed and a display is there", () => {
    expect(chooseStartMode({ args: [], env: display, platform: "linux", electronBinary: "/e/electron" })).toEqual({
      mode: "desktop",
      binary: "/e/electron",
    });
    expect(chooseStartMode({ args: [], env: {}, platform: "darwin", electronBinary: "/e/Electron" }).mode).toBe(
      "desktop",
    );
    expect(chooseStartMode({ args: [], env: {}, platform: "win32", electronBinary: "C:/e/electron.exe" }).mode).toBe(
      "desktop",
    );
  });

  it("falls back to the browser without an Electron binary, and says how to get one", () => {
    const m = chooseStartMode({ args: [], env: display, platform: "linux", electronBinary: null });
    expect(m).toEqual({ mode: "browser", reason: expect.stringContaining("npx install-electron") });
  });

  it("falls back to the browser on a Linux machine without a display", () => {
    const m = chooseStartMode({ args: [], env: {}, platform: "linux", electronBinary: "/e/electron" });
    expect(m).toEqual({ mode: "browser", reason: expect.stringContaining("no display") });
    expect(
      chooseStartMode({
        args: [],
        env: { WAYLAND_DISPLAY: "wayland-0" },
        platform: "linux",
        electronBinary: "/e/electron",
      }).mode,
    ).toBe("desktop");
  });

  it("falls back to the browser for root on Linux, whom Chromium's sandbox refuses", () => {
    const m = chooseStartMode({ args: [], env: display, platform: "linux", electronBinary: "/e/electron", uid: 0 });
    expect(m).toEqual({ mode: "browser", reason: expect.stringContaining("as root") });
    expect(
      chooseStartMode({ args: [], env: display, platform: "linux", electronBinary: "/e/electron", uid: 1000 }).mode,
    ).toBe("desktop");
  });

  it("serves the browser when asked, even with Electron", () => {
    expect(
      chooseStartMode({ args: ["--browser"], env: display, platform: "linux", electronBinary: "/e/electron" }).mode,
    ).toBe("browser");
    expect(
      chooseStartMode({
        args: [],
        env: { ...display, ATELIER_START: "browser" },
        platform: "linux",
        electronBinary: "/e/electron",
      }).mode,
    ).toBe("browser");
  });
});

/** A checkout-like folder: renderer sources, engine/common, optionally a build and a script. */
function fakeCheckout(o: { built?: boolean; script?: boolean }) {
  for (const f of fs.readdirSync(tmp)) fs.rmSync(path.join(tmp, f), { recursive: true });
  const w = (rel: string, text: string, ageSeconds: number) => {
    const p = path.join(tmp, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
    const t = new Date(Date.now() - ageSeconds * 1000);
    fs.utimesSync(p, t, t);
  };
  w("package.json", JSON.stringify({ scripts: o.script ? { "build:renderer": "vite build" } : {} }), 100);
  w("renderer/src/main.tsx", "export {}", 100);
  w("engine/common/model/x.ts", "export {}", 100);
  w("engine/common/model/x.test.ts", "export {}", 1); // tests are not part of the bundle
  if (o.built) w("renderer/dist/index.html", "<html>", 50);
  return { touch: (rel: string) => w(rel, "changed", 0) };
}

describe("rendererBuildState", () => {
  it("is missing without renderer/dist/index.html", async () => {
    fakeCheckout({});
    expect(await rendererBuildState(tmp)).toEqual({ state: "missing" });
  });

  it("is fresh when the build is newer than every source", async () => {
    fakeCheckout({ built: true });
    expect(await rendererBuildState(tmp)).toEqual({ state: "fresh" });
  });

  it("is stale when a renderer or engine/common source changed since, naming it", async () => {
    const c = fakeCheckout({ built: true });
    c.touch("renderer/src/App.tsx");
    expect(await rendererBuildState(tmp)).toEqual({
      state: "stale",
      newestSource: path.join("renderer", "src", "App.tsx"),
    });
    fakeCheckout({ built: true });
    c.touch("engine/common/types/step.ts");
    expect(await rendererBuildState(tmp)).toEqual({
      state: "stale",
      newestSource: path.join("engine", "common", "types", "step.ts"),
    });
  });
});

describe("ensureRendererBuilt", () => {
  const run = (opts: {
    built?: boolean;
    script?: boolean;
    touch?: boolean;
    exit?: number;
    env?: NodeJS.ProcessEnv;
  }) => {
    const c = fakeCheckout(opts);
    if (opts.touch) c.touch("renderer/src/App.tsx");
    const said: string[] = [];
    const ran: string[] = [];
    const result = ensureRendererBuilt({
      root: tmp,
      env: opts.env ?? {},
      say: (l) => said.push(l),
      runScript: async (s) => {
        ran.push(s);
        return opts.exit ?? 0;
      },
    });
    return { result, said, ran };
  };

  it("does nothing when the build is fresh", async () => {
    const r = run({ built: true, script: true });
    expect(await r.result).toBe("fresh");
    expect(r.ran).toEqual([]);
  });

  it("runs build:renderer when the build is missing or stale", async () => {
    const missing = run({ script: true });
    expect(await missing.result).toBe("built");
    expect(missing.ran).toEqual(["build:renderer"]);
    expect(missing.said[0]).toContain("renderer/dist is missing");
    const stale = run({ built: true, script: true, touch: true });
    expect(await stale.result).toBe("built");
    expect(stale.said[0]).toContain("older than renderer");
  });

  it("skips with a clear message while there is no build:renderer script", async () => {
    const r = run({});
    expect(await r.result).toBe("skipped");
    expect(r.ran).toEqual([]);
    expect(r.said).toEqual([expect.stringContaining("no build:renderer script")]);
  });

  it("skips when ATELIER_SKIP_RENDERER_BUILD=1", async () => {
    const r = run({ script: true, env: { ATELIER_SKIP_RENDERER_BUILD: "1" } });
    expect(await r.result).toBe("skipped");
    expect(r.ran).toEqual([]);
  });

  it("keeps a previous build when a rebuild fails, and fails when there is none", async () => {
    const stale = run({ built: true, script: true, touch: true, exit: 2 });
    expect(await stale.result).toBe("kept-stale");
    expect(stale.said.at(-1)).toContain("serving the previous build");
    await expect(run({ script: true, exit: 2 }).result).rejects.toThrow(/build:renderer exited with 2/);
  });
});

describe("start", () => {
  it("launches the desktop app when it can, without starting an engine itself", async () => {
    fakeCheckout({ built: true });
    const launched: [string, string[]][] = [];
    const code = await start([], {
      paths: {
        root: tmp,
        studioDist: path.join(tmp, "renderer", "dist"),
        examplesDir: path.join(tmp, "examples", "workspace"),
      },
      env: { DISPLAY: ":0" },
      platform: "linux",
      uid: 1000,
      say: () => undefined,
      out: () => undefined,
      desktop: { findBinary: () => "/e/electron", launch: async (b, a) => (launched.push([b, a]), 7) },
      start: async () => {
        throw new Error("the desktop app starts its own engine");
      },
    });
    expect(code).toBe(7);
    expect(launched).toEqual([["/e/electron", []]]);
  });

  it("serves the browser, prints both lines, and closes the engine on SIGTERM", async () => {
    fakeCheckout({ built: true });
    const out: string[] = [];
    const signals = new EventEmitter();
    let closed = false;
    const started: string[] = [];
    const done = start([], {
      paths: {
        root: tmp,
        studioDist: path.join(tmp, "renderer", "dist"),
        examplesDir: path.join(tmp, "examples", "workspace"),
      },
      env: { ATELIER_WORKSPACE: path.join(tmp, "ws") },
      platform: "linux",
      say: () => undefined,
      out: (l) => out.push(l),
      signals,
      desktop: { findBinary: () => null, launch: async () => 99 },
      start: async (o) => {
        started.push(o.workspaceDir);
        return {
          url: "http://127.0.0.1:5555/",
          studioUrl: "http://127.0.0.1:5555/studio/?token=t",
          close: async () => void (closed = true),
        } as unknown as RunningAtelier;
      },
    });
    const deadline = Date.now() + 5000;
    while (out.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(out).toEqual([
      "Atelier engine: http://127.0.0.1:5555/",
      "Atelier Studio: http://127.0.0.1:5555/studio/?token=t",
    ]);
    expect(started).toEqual([path.join(tmp, "ws")]);
    expect(closed).toBe(false);
    signals.emit("SIGTERM");
    expect(await done).toBe(0);
    expect(closed).toBe(true);
    expect(signals.listenerCount("SIGINT")).toBe(0);
  });

  it("refuses a bad ATELIER_PORT with a message", async () => {
    fakeCheckout({ built: true });
    const said: string[] = [];
    expect(
      await start(["--browser"], {
        paths: {
          root: tmp,
          studioDist: path.join(tmp, "renderer", "dist"),
          examplesDir: path.join(tmp, "examples", "workspace"),
        },
        env: { ATELIER_PORT: "http" },
        say: (l) => said.push(l),
        out: () => undefined,
      }),
    ).toBe(1);
    expect(said.at(-1)).toContain("ATELIER_PORT must be a port number");
  });
});

describe("npm start, as a newcomer runs it", () => {
  it("prints the engine and Studio lines, serves the workspace, and exits cleanly on SIGTERM", async () => {
    const ws = path.join(tmp, "ws");
    fs.cpSync(path.join(repoRoot, "examples", "workspace", "Demo"), path.join(ws, "Demo"), { recursive: true });
    const child = spawn(process.execPath, [path.join(repoRoot, "bin", "start.js"), "--browser"], {
      cwd: repoRoot,
      env: { ...process.env, ATELIER_WORKSPACE: ws, ATELIER_SKIP_RENDERER_BUILD: "1", ATELIER_LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const deadline = Date.now() + 20_000;
      while (!/^Atelier Studio: .*$/m.test(stdout)) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`no Studio line; stdout:\n${stdout}\nstderr:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const lines = stdout.trim().split("\n");
      expect(lines).toHaveLength(2);
      const engineUrl = /^Atelier engine: (http:\/\/127\.0\.0\.1:\d+\/)$/.exec(lines[0]!)?.[1];
      expect(engineUrl).toBeDefined();
      expect(lines[1]).toMatch(/^Atelier Studio: \S+$/);
      const r = await fetch(`${engineUrl}projects/Demo/.json?__sequence=Greet&name=Ada`);
      expect(await r.json()).toEqual({ greeting: "Hello, Ada!" });
      expect(stderr).toContain("serving the Studio to your browser: the browser was asked for");

      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      await expect(fetch(engineUrl!)).rejects.toThrow();
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});

describe.skipIf(process.platform === "win32")("npm start, orphaned", () => {
  it("stops its engine when its parent dies without passing a signal on (as npm does on SIGTERM)", async () => {
    const ws = path.join(tmp, "ws");
    fs.cpSync(path.join(repoRoot, "examples", "workspace", "Demo"), path.join(ws, "Demo"), { recursive: true });
    const parent = spawn("sh", ["-c", `"${process.execPath}" bin/start.js --browser & echo "pid $!"; wait`], {
      cwd: repoRoot,
      env: { ...process.env, ATELIER_WORKSPACE: ws, ATELIER_SKIP_RENDERER_BUILD: "1", ATELIER_LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "ignore"],
    });
    let out = "";
    parent.stdout.on("data", (d: Buffer) => (out += d));
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    let pid = 0;
    try {
      const deadline = Date.now() + 20_000;
      while (!/^Atelier engine: /m.test(out)) {
        if (Date.now() > deadline) throw new Error(`no engine line:\n${out}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      pid = Number(/^pid (\d+)$/m.exec(out)?.[1]);
      const engineUrl = /^Atelier engine: (\S+)$/m.exec(out)![1]!;
      parent.kill("SIGKILL");
      const stopBy = Date.now() + 10_000;
      while (alive(pid) && Date.now() < stopBy) await new Promise((r) => setTimeout(r, 50));
      expect(alive(pid)).toBe(false);
      await expect(fetch(engineUrl)).rejects.toThrow();
    } finally {
      parent.kill("SIGKILL");
      if (pid && alive(pid)) process.kill(pid, "SIGKILL");
    }
  });
});
