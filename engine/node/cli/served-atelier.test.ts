import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { STUDIO_API } from "../../common/studio/api.ts";
import { EngineLog } from "../log.ts";
import { jobFiles } from "../scheduler/scheduler.ts";
import { ServedAtelier } from "./served-atelier.ts";

const DEMO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../examples/workspace/Demo");

let tmp: string;
let served: ServedAtelier | undefined;

beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "atelier-served-"));
});
afterEach(async () => {
  await served?.close();
  served = undefined;
  await rm(tmp, { recursive: true, force: true });
});

const tokenOf = (url: string) => new URL(url).searchParams.get("token") ?? "";

async function studio(base: string, token: string, method: string, route: string, body?: unknown) {
  const res = await fetch(new URL(`${STUDIO_API}${route}`, base), {
    method,
    headers: { authorization: `Bearer ${token}`, "x-atelier-studio": "1", "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown> & { error?: { code: string; message: string } },
  };
}

async function start(dir: string) {
  const restarts: string[] = [];
  served = await ServedAtelier.start(
    { workspaceDir: dir, fullsync: { inMemory: true }, log: new EngineLog({ level: "silent" }) },
    (app) => restarts.push(app.engine.workspace.dir),
  );
  return restarts;
}

describe("opening another workspace from the Studio", () => {
  it("creates the folder, restarts the engine there on the same port, and gives the page its new URL", async () => {
    const second = path.join(tmp, "second", "nested");
    const restarts = await start(tmp); // the temp folder itself is an (empty) workspace
    const before = served!.current;
    const info = await studio(before.url, tokenOf(before.studioUrl!), "GET", "/workspace");
    expect(info.body.canOpenWorkspace).toBe(true);

    const opened = await studio(before.url, tokenOf(before.studioUrl!), "POST", "/workspace/open", {
      dir: second,
      create: true,
    });
    expect(opened.status).toBe(200);
    expect(opened.body.dir).toBe(second);
    const url = opened.body.url as string;
    expect(new URL(url).port).toBe(String(before.server.port));
    // The answer never carries a token: the window that asked stays signed in with its cookie.
    const token = tokenOf(before.studioUrl!);
    expect(new URL(url).searchParams.has("token")).toBe(false);
    expect(JSON.stringify(opened.body)).not.toContain(token);
    // The same token signs in before and after the restart.
    await vi.waitFor(
      async () =>
        expect((await studio(before.url, token, "GET", "/workspace")).body.dir, "the workspace served").toBe(second),
      { timeout: 20_000, interval: 50 },
    );

    const now = served!.current;
    expect(now).not.toBe(before);
    expect(now.engine.workspace.dir).toBe(second);
    expect(now.server.port).toBe(before.server.port);
    expect(restarts).toEqual([second]);
    const after = await studio(now.url, token, "GET", "/workspace");
    expect(after.body).toMatchObject({ dir: second, projects: [] });
    expect(now.studio!.auth.token).toBe(token);
    // A project created there lands in the new folder.
    await studio(now.url, token, "POST", "/projects", { name: "Fresh" });
    expect(await readFile(path.join(second, "Fresh", "project.yaml"), "utf8")).toContain("name: Fresh");
  });

  it("refuses folders it cannot open, saying why, and keeps serving the current one", async () => {
    await start(tmp);
    const app = served!.current;
    const token = tokenOf(app.studioUrl!);
    const open = (body: unknown) => studio(app.url, token, "POST", "/workspace/open", body);
    expect((await open({ dir: "relative/path" })).body.error).toMatchObject({ code: "invalid_folder" });
    const missing = await open({ dir: path.join(tmp, "nope") });
    expect(missing.status).toBe(404);
    expect(missing.body.error?.message).toContain("There is no folder");
    await writeFile(path.join(tmp, "a-file"), "x");
    expect((await open({ dir: path.join(tmp, "a-file") })).body.error?.message).toContain("is a file, not a folder");
    expect((await open({})).status).toBe(400);
    expect(served!.current).toBe(app);
    expect((await studio(app.url, token, "GET", "/workspace")).body.dir).toBe(tmp);
  });

  it("refuses a workspace whose configuration is broken before restarting", async () => {
    await start(tmp);
    const broken = path.join(tmp, "broken");
    await mkdir(broken);
    await writeFile(path.join(broken, "atelier.config.yaml"), "cors:\n  origins: ['*']\n");
    const app = served!.current;
    const r = await studio(app.url, tokenOf(app.studioUrl!), "POST", "/workspace/open", { dir: broken });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: "invalid_config" });
    expect(served!.current).toBe(app);
  });
});

describe("scheduled jobs across a workspace switch", () => {
  it("stops the old workspace's jobs and runs the new one's", async () => {
    const first = path.join(tmp, "first");
    const second = path.join(tmp, "second");
    for (const ws of [first, second]) await cp(DEMO, path.join(ws, "Demo"), { recursive: true });
    await start(first);
    const before = served!.current;
    const token = tokenOf(before.studioUrl!);
    const created = await studio(before.url, token, "POST", "/jobs", {
      id: "tick",
      project: "Demo",
      sequence: "Greet",
      cron: "* * * * * *",
    });
    expect(created.status).toBe(200);
    const runsIn = async (ws: string) =>
      (await readFile(jobFiles(path.join(ws, ".atelier")).runsFile, "utf8").catch(() => "")).split("\n").filter(Boolean)
        .length;
    await vi.waitFor(async () => expect(await runsIn(first)).toBeGreaterThan(0), { timeout: 15_000 });

    expect((await studio(before.url, token, "POST", "/workspace/open", { dir: second })).status).toBe(200);
    // The same token signs in before and after the restart.
    await vi.waitFor(
      async () =>
        expect((await studio(before.url, token, "GET", "/workspace")).body.dir, "the workspace served").toBe(second),
      { timeout: 20_000, interval: 50 },
    );
    await vi.waitFor(() => expect(served!.current === before, "the new engine is current").toBe(false));
    const now = served!.current;
    // The old engine's scheduler is stopped: it runs nothing more, even when asked.
    await expect(before.scheduler!.runNow("tick")).rejects.toMatchObject({ status: 503 });
    const count = await runsIn(first);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await runsIn(first)).toBe(count);
    // The new one runs the second workspace's jobs, in its own files.
    expect(now.scheduler).toBeDefined();
    expect(now.scheduler === before.scheduler, "a scheduler of its own").toBe(false);
    expect((await studio(now.url, token, "GET", "/jobs")).body).toEqual([]);
    await studio(now.url, token, "POST", "/jobs", {
      id: "tock",
      project: "Demo",
      sequence: "Greet",
      cron: "* * * * * *",
    });
    await vi.waitFor(async () => expect(await runsIn(second)).toBeGreaterThan(0), { timeout: 15_000 });
    expect(await runsIn(first)).toBe(count);
  });
});
