import { spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../../..");
const bin = path.join(root, "bin/atelier.js");

/** Runs the CLI, ended if it takes longer than the time limit. */
function atelier(args: string[], timeoutMs = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

let ws: string;
beforeAll(async () => {
  ws = await mkdtemp(path.join(os.tmpdir(), "atelier-app-cli-"));
  await cp(path.join(root, "examples/workspace/FullSyncDemo"), path.join(ws, "workspace", "FullSyncDemo"), {
    recursive: true,
  });
});
afterAll(() => rm(ws, { recursive: true, force: true }));

describe("atelier app export", () => {
  it("exports a workspace's project into a new folder, then again into it", async () => {
    const out = path.join(ws, "mobile");
    const r = await atelier([
      "app",
      "export",
      path.join(ws, "workspace"),
      "--project",
      "FullSyncDemo",
      "--out",
      out,
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as { project: string; outDir: string; base: string; written: string[] };
    expect(json.project).toBe("FullSyncDemo");
    expect(json.base).toBe("/");
    expect(json.written).toEqual(expect.arrayContaining(["package.json", "vite.config.ts", "src/main.tsx"]));
    expect(JSON.parse(await readFile(path.join(out, "capacitor.config.json"), "utf8")).webDir).toBe("dist");

    const again = await atelier([
      "app",
      "export",
      path.join(ws, "workspace", "FullSyncDemo"),
      "--out",
      out,
      "--base",
      "/m/",
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`Exported the app of FullSyncDemo to ${out} (base /m/)`);
    expect(again.stdout).toContain("kept your .gitignore, src/custom/actions.ts, src/custom/styles.css");
  }, 120_000);

  it("refuses a folder of other files, a bad base (exit code 2, saying why), and a missing --out", async () => {
    const foreign = path.join(ws, "foreign");
    await mkdir(foreign);
    await writeFile(path.join(foreign, "notes.txt"), "mine\n");
    const project = path.join(ws, "workspace", "FullSyncDemo");
    const refused = await atelier(["app", "export", project, "--out", foreign]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`atelier: --out ${foreign} is not empty and holds no previous export`);
    const base = await atelier(["app", "export", project, "--out", path.join(ws, "other"), "--base", "m"]);
    expect(base.code).toBe(2);
    expect(base.stderr).toContain('--base "m" must be an absolute path ending with "/"');
    const noOut = await atelier(["app", "export", project]);
    // Commander's own refusal of a missing required option: its exit code, 1.
    expect(noOut.code).toBe(1);
    expect(noOut.stderr).toContain("--out <folder>");
  }, 120_000);
});
