/**
 * The workspace's scheduled jobs through the Studio API, against a real engine (startAtelier on a
 * temp workspace holding the example project Demo): created, listed, run on their schedule and
 * recorded, paused, run now, refused with the field named; and the engine's scheduler stops with
 * it (no timer, no watcher, no run left; the process ends).
 */
import { spawn } from "node:child_process";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { LocalJob, LocalJobRun } from "../../../common/studio/routes.ts";
import { startAtelier, type RunningAtelier } from "../../app.ts";
import { EngineLog } from "../../log.ts";
import { jobFiles, Scheduler } from "../../scheduler/scheduler.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
const DEMO = path.join(root, "examples", "workspace", "Demo");
const EVERY_SECOND = "* * * * * *";
const WAIT = { timeout: 15_000, interval: 50 };

let dir: string;
let app: RunningAtelier;
let token: string;

async function workspace(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), "atelier-jobs-api-"));
  await cp(DEMO, path.join(d, "Demo"), { recursive: true });
  return d;
}

beforeAll(async () => {
  dir = await workspace();
  app = await startAtelier({
    workspaceDir: dir,
    port: 0,
    log: new EngineLog({ level: "silent" }),
    fullsync: false,
    studio: { distDir: path.join(dir, "no-dist"), watch: false, persistHistory: false },
  });
  token = app.studio!.auth.token;
});

afterAll(async () => {
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

interface Answer<T> {
  status: number;
  json: T & { error?: { code: string; message: string; details?: { field?: string } } };
}

async function call<T = unknown>(method: string, route: string, body?: unknown): Promise<Answer<T>> {
  const res = await fetch(new URL(`/api/studio${route}`, app.url), {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      "x-atelier-studio": "1",
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as Answer<T>["json"] };
}

async function ok<T>(method: string, route: string, body?: unknown): Promise<T> {
  const r = await call<T>(method, route, body);
  if (r.status !== 200) throw new Error(`${method} ${route}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

const runsOf = (id: string) => ok<LocalJobRun[]>("GET", `/jobs/${id}/runs?lines=100`);
const jobOf = async (id: string) => (await ok<LocalJob[]>("GET", "/jobs")).find((j) => j.id === id);

describe("the Studio's jobs routes (the local engine's scheduler)", () => {
  it("creates a job on Demo.Greet every second, runs it on schedule and records each run", async () => {
    const job = await ok<LocalJob>("POST", "/jobs", {
      project: "Demo",
      sequence: "Greet",
      cron: EVERY_SECOND,
      timezone: "Europe/Paris",
      inputs: { name: "Ada" },
    });
    expect(job).toMatchObject({
      id: "Demo.Greet",
      project: "Demo",
      sequence: "Greet",
      cron: EVERY_SECOND,
      timezone: "Europe/Paris",
      inputs: { name: "Ada" },
      paused: false,
      running: false,
    });
    // The next run in the job's time zone (Paris is one or two hours ahead of UTC).
    expect(job.nextRun).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00$/);
    // Kept where `atelier jobs` keeps them.
    const file = JSON.parse(await readFile(jobFiles(path.join(dir, ".atelier")).jobsFile, "utf8")) as {
      jobs: { id: string }[];
    };
    expect(file.jobs.map((j) => j.id)).toEqual(["Demo.Greet"]);

    await vi.waitFor(
      async () => expect((await runsOf("Demo.Greet")).filter((r) => r.ok).length).toBeGreaterThan(0),
      WAIT,
    );
    const [run] = await runsOf("Demo.Greet");
    expect(run).toMatchObject({ job: "Demo.Greet", ok: true });
    expect(run!.manual).toBeUndefined();
    expect(run!.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(run!.durationMs).toBeGreaterThanOrEqual(0);
    expect((await jobOf("Demo.Greet"))?.lastRun).toMatchObject({ job: "Demo.Greet", ok: true });
  });

  it("pauses a job (no run after it), runs it now, resumes and removes it", async () => {
    const paused = await ok<LocalJob>("PATCH", "/jobs/Demo.Greet", { paused: true });
    expect(paused.paused).toBe(true);
    expect(paused.nextRun).toBeUndefined();
    // A run under way when the pause came is recorded; then nothing.
    await vi.waitFor(async () => expect((await jobOf("Demo.Greet"))?.running).toBe(false), WAIT);
    const before = (await runsOf("Demo.Greet")).length;
    await new Promise((r) => setTimeout(r, 2200));
    expect((await runsOf("Demo.Greet")).length).toBe(before);

    // Run now runs a paused job, answers its record once it ends, and records it as asked for.
    const now = await ok<LocalJobRun>("POST", "/jobs/Demo.Greet/run");
    expect(now).toMatchObject({ job: "Demo.Greet", ok: true, manual: true });
    const runs = await runsOf("Demo.Greet");
    expect(runs).toHaveLength(before + 1);
    expect(runs.at(-1)).toEqual(now);

    const resumed = await ok<LocalJob>("PATCH", "/jobs/Demo.Greet", { paused: false });
    expect(resumed.paused).toBe(false);
    expect(resumed.nextRun).toBeDefined();
    await vi.waitFor(async () => expect((await runsOf("Demo.Greet")).length).toBeGreaterThan(before + 1), WAIT);

    expect(await ok("DELETE", "/jobs/Demo.Greet")).toEqual({ removed: true });
    expect(await ok("GET", "/jobs")).toEqual([]);
    expect((await call("GET", "/jobs/Demo.Greet/runs")).status).toBe(404);
  });

  it("refuses a bad cron, an unknown sequence or project, a bad time zone, naming the field", async () => {
    const bad = await call("POST", "/jobs", { project: "Demo", sequence: "Greet", cron: "every minute" });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: "invalid_job", details: { field: "cron" } });
    expect(bad.json.error!.message).toMatch(/^cron: "every minute" has 2 fields, not 5 or 6/);

    const range = await call("POST", "/jobs", { project: "Demo", sequence: "Greet", cron: "61 * * * *" });
    expect(range.status).toBe(400);
    expect(range.json.error!.message).toMatch(/^cron: "61 \* \* \* \*" is not valid/);

    const seq = await call("POST", "/jobs", { project: "Demo", sequence: "Nope", cron: "0 9 * * *" });
    expect(seq.status).toBe(400);
    expect(seq.json.error).toMatchObject({ code: "invalid_job", details: { field: "sequence" } });
    expect(seq.json.error!.message).toContain('sequence "Nope"');

    const project = await call("POST", "/jobs", { project: "Nope", sequence: "Greet", cron: "0 9 * * *" });
    expect(project.status).toBe(400);
    expect(project.json.error!.message).toContain('there is no project named "Nope"');

    const tz = await call("POST", "/jobs", {
      project: "Demo",
      sequence: "Greet",
      cron: "0 9 * * *",
      timezone: "Mars/Olympus",
    });
    expect(tz.status).toBe(400);
    expect(tz.json.error).toMatchObject({ details: { field: "timezone" } });

    // The body's shape is checked by the route table's schema (the admin API's, shared).
    const extra = await call("POST", "/jobs", { project: "Demo", sequence: "Greet", cron: "0 9 * * *", when: "now" });
    expect(extra.status).toBe(400);
    expect(extra.json.error!.message).toContain('"when"');
    const inputs = await call("POST", "/jobs", {
      project: "Demo",
      sequence: "Greet",
      cron: "0 9 * * *",
      inputs: { n: 1 },
    });
    expect(inputs.status).toBe(400);
    expect(inputs.json.error!.message).toContain("body.inputs.n");

    // Nothing was created.
    expect(await ok("GET", "/jobs")).toEqual([]);
  });

  it("answers 404 for an unknown job, 409 for a taken id", async () => {
    for (const [method, route, body] of [
      ["PATCH", "/jobs/ghost", { paused: true }],
      ["DELETE", "/jobs/ghost", undefined],
      ["POST", "/jobs/ghost/run", undefined],
      ["GET", "/jobs/ghost/runs", undefined],
    ] as const) {
      const r = await call(method, route, body);
      expect(r.status, `${method} ${route}`).toBe(404);
      expect(r.json.error).toMatchObject({ code: "unknown_job" });
    }
    await ok("POST", "/jobs", { id: "daily", project: "Demo", sequence: "Greet", cron: "0 9 * * *" });
    const taken = await call("POST", "/jobs", { id: "daily", project: "Demo", sequence: "SumList", cron: "0 9 * * *" });
    expect(taken.status).toBe(409);
    expect(taken.json.error).toMatchObject({ code: "job_exists", details: { field: "id" } });
    // A job's project and sequence never change (the shared schema refuses them).
    expect((await call("PATCH", "/jobs/daily", { sequence: "SumList" })).status).toBe(400);
    await ok("DELETE", "/jobs/daily");
  });

  it("records a failing job's error while the other jobs go on", async () => {
    await ok("POST", "/jobs", { id: "fails", project: "Demo", sequence: "Fail", cron: EVERY_SECOND });
    await ok("POST", "/jobs", { id: "greets", project: "Demo", sequence: "Greet", cron: EVERY_SECOND });
    await vi.waitFor(async () => {
      const jobs = await ok<LocalJob[]>("GET", "/jobs");
      expect(jobs.find((j) => j.id === "fails")?.lastRun).toMatchObject({ ok: false });
      expect(jobs.find((j) => j.id === "greets")?.lastRun).toMatchObject({ ok: true });
    }, WAIT);
    const failed = (await runsOf("fails")).find((r) => !r.ok)!;
    expect(failed.error).toContain("Deliberate failure");
    await ok("DELETE", "/jobs/fails");
    await ok("DELETE", "/jobs/greets");
  });

  it("runs a job `atelier jobs add` wrote from another process (the jobs file is watched)", async () => {
    // What the CLI does: an unstarted scheduler on the same files.
    const cli = new Scheduler({ ...jobFiles(path.join(dir, ".atelier")), run: async () => ({ ok: true }) });
    await cli.create({ id: "from-cli", project: "Demo", sequence: "Greet", cron: EVERY_SECOND });
    await vi.waitFor(async () => expect((await runsOf("from-cli")).some((r) => r.ok && !r.manual)).toBe(true), WAIT);
    await cli.remove("from-cli");
    await cli.close();
    expect(await ok("GET", "/jobs")).toEqual([]);
  });
});

describe("the local engine's scheduler stops with it", () => {
  const resources = () => {
    const info = process.getActiveResourcesInfo();
    return {
      timers: info.filter((r) => r === "Timeout").length,
      watchers: info.filter((r) => r === "FSEventWrap").length,
    };
  };

  it("leaves no timer and no watcher once the engine is closed, and refuses runs afterwards", async () => {
    const ws = await workspace();
    const before = resources();
    const engine = await startAtelier({
      workspaceDir: ws,
      port: 0,
      log: new EngineLog({ level: "silent" }),
      fullsync: false,
      studio: false,
    });
    try {
      expect(engine.scheduler).toBeDefined();
      await engine.scheduler!.create({ id: "tick", project: "Demo", sequence: "Greet", cron: EVERY_SECOND });
      await vi.waitFor(async () => expect((await engine.scheduler!.runs("tick")).length).toBeGreaterThan(0), WAIT);
      expect(resources().watchers).toBeGreaterThan(before.watchers);
    } finally {
      await engine.close();
    }
    await expect(engine.scheduler!.runNow("tick")).rejects.toMatchObject({ status: 503 });
    // A closed watcher's handle goes in the loop's next close phase.
    await vi.waitFor(() => expect(resources().watchers).toBeLessThanOrEqual(before.watchers), WAIT);
    expect(resources().timers).toBeLessThanOrEqual(before.timers);
    const count = (await engine.scheduler!.runs("tick")).length;
    await new Promise((r) => setTimeout(r, 1500));
    expect((await engine.scheduler!.runs("tick")).length).toBe(count);
    await rm(ws, { recursive: true, force: true });
  });

  it("starts none with `scheduler: false`", async () => {
    const ws = await workspace();
    const engine = await startAtelier({
      workspaceDir: ws,
      port: 0,
      log: new EngineLog({ level: "silent" }),
      fullsync: false,
      scheduler: false,
      studio: { distDir: path.join(ws, "no-dist"), watch: false, persistHistory: false },
    });
    try {
      expect(engine.scheduler).toBeUndefined();
      const res = await fetch(new URL("/api/studio/jobs", engine.url), {
        headers: { authorization: `Bearer ${engine.studio!.auth.token}`, "x-atelier-studio": "1" },
      });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("jobs_off");
    } finally {
      await engine.close();
      await rm(ws, { recursive: true, force: true });
    }
  });

  it("lets the process end once closed, with a job running every second", async () => {
    const ws = await workspace();
    const script = `
      import { startAtelier } from ${JSON.stringify(path.join(root, "engine/node/app.ts"))};
      import { EngineLog } from ${JSON.stringify(path.join(root, "engine/node/log.ts"))};
      const app = await startAtelier({ workspaceDir: ${JSON.stringify(ws)}, port: 0, log: new EngineLog({ level: "silent" }),
        studio: { distDir: ${JSON.stringify(path.join(ws, "no-dist"))} } });
      await app.scheduler.create({ id: "tick", project: "Demo", sequence: "Greet", cron: "* * * * * *" });
      await new Promise((resolve) => { const check = async () => (await app.scheduler.runs("tick")).length ? resolve() : setTimeout(check, 20); check(); });
      await app.close();
      console.log("closed");
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: root });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 25_000);
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    clearTimeout(timer);
    expect(stderr).toBe("");
    expect(stdout.trim()).toBe("closed");
    expect(code).toBe(0);
    await rm(ws, { recursive: true, force: true });
  });
});
