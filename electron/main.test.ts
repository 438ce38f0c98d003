// electron/entry.js → main.ts run for real in a Node process, with a stand-in `electron` module
// (test/fake-electron.mjs; the binary cannot be downloaded here): the wiring of the real APIs into
// the shell, tsx loading, the engine start and the quit on SIGTERM.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { bundlePreload } from "./preload-bundle.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
let tmp: string;
beforeAll(async () => {
  await bundlePreload(); // main.ts refuses to start without it
});
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "atelier-main-"));
  fs.cpSync(path.join(here, "..", "examples", "workspace", "Demo"), path.join(tmp, "ws", "Demo"), { recursive: true });
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

it("starts the engine, opens the locked-down window on the Studio, and quits cleanly on SIGTERM", async () => {
  const child = spawn(
    process.execPath,
    ["--import", path.join(here, "test", "fake-electron-hook.mjs"), path.join(here, "entry.js")],
    {
      env: {
        ...process.env,
        ATELIER_WORKSPACE: path.join(tmp, "ws"),
        FAKE_ELECTRON_USER_DATA: path.join(tmp, "user"),
        ATELIER_LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d));
  child.stderr.on("data", (d: Buffer) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  try {
    const deadline = Date.now() + 20_000;
    while (!out.includes("fake-electron: load ")) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`no window loaded; stdout:\n${out}\nstderr:\n${err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const engineUrl = /^Atelier engine: (\S+)$/m.exec(out)?.[1];
    const studioUrl = /^Atelier Studio: (\S+)$/m.exec(out)?.[1];
    expect(engineUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(out).toContain(`fake-electron: load ${studioUrl}`);
    expect(out).toMatch(
      /fake-electron: window \{[^\n]*"contextIsolation":true[^\n]*"sandbox":true[^\n]*"nodeIntegration":false/,
    );
    expect(out).toContain(`"preload":${JSON.stringify(path.join(here, "dist", "preload.cjs"))}`);
    expect(out).toContain("fake-electron: menu &File,&Edit,&View,windowMenu,help");
    const r = await fetch(new URL("projects/Demo/.json?__sequence=Greet&name=Desk", engineUrl));
    expect(await r.json()).toEqual({ greeting: "Hello, Desk!" });

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(out).toContain("fake-electron: exit 0");
    await expect(fetch(engineUrl!)).rejects.toThrow();
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
});
