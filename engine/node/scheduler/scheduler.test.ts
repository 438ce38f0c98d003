import { spawn } from "node:child_process";
import { cp, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../../common/http/api-error.ts";
import { Engine } from "../engine.ts";
import { EngineLog } from "../log.ts";
import { RunLog, type JobRun } from "./run-log.ts";
import {
  checkCron,
  engineJobHooks,
  isoInZone,
  jobFiles,
  Scheduler,
  type Job,
  type JobRunResult,
  type SchedulerOptions,
} from "./scheduler.ts";

const root = path.resolve(import.meta.dirname, "../../..");
const EVERY_SECOND = "* * * * * *";
const WAIT = { timeout: 8000, interval: 20 };

const temps: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), "atelier-sched-"));
  temps.push(d);
  return d;
}
afterAll(async () => {
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

const schedulers: Scheduler[] = [];
afterEach(async () => {
  for (const s of schedulers.splice(0)) await s.close();
});

type Run = (job: Job, signal: AbortSignal) => Promise<JobRunResult>;

async function scheduler(opts: Partial<SchedulerOptions> & { dir?: string } = {}): Promise<Scheduler> {
  const dir = opts.dir ?? (await tempDir());
  const s = new Scheduler({ ...jobFiles(dir), run: async () => ({ ok: true }), ...opts });
  schedulers.push(s);
  return s;
}

/** Counts the calls of each job and answers as `behave` says. */
function recorder(
  behave: (job: Job, signal: AbortSignal) => Promise<JobRunResult> | JobRunResult = () => ({ ok: true }),
) {
  const calls = new Map<string, number>();
  const run: Run = async (job, signal) => {
    calls.set(job.id, (calls.get(job.id) ?? 0) + 1);
    return behave(job, signal);
  };
  return { run, count: (id: string) => calls.get(id) ?? 0 };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ApiError);
  return e as ApiError;
}

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
}

describe("Scheduler: running on schedule", () => {
  it("runs a job on its schedule and records the run", async () => {
    const seen: Job[] = [];
    const s = await scheduler({
      run: async (job) => {
        seen.push(job);
        return { ok: true };
      },
    });
    await s.create({ id: "tick", project: "Demo", sequence: "Greet", cron: EVERY_SECOND, inputs: { name: "Ada" } });
    expect(seen).toEqual([]); // nothing runs before start()
    await s.start();
    await vi.waitFor(async () => expect((await s.runs("tick")).some((r) => r.ok)).toBe(true), WAIT);
    expect(seen[0]).toMatchObject({ id: "tick", project: "Demo", sequence: "Greet", inputs: { name: "Ada" } });
    const [run] = await s.runs("tick");
    expect(run).toMatchObject({ job: "tick", ok: true });
    expect(run!.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(run!.durationMs).toBeGreaterThanOrEqual(0);
    expect(run!.manual).toBeUndefined();
    const [status] = await s.list();
    expect(status!.lastRun).toMatchObject({ job: "tick", ok: true });
    expect(status!.nextRun).toMatch(/Z$/);
  });

  it("never overlaps a slow job with itself: ticks while it runs are recorded as skipped", async () => {
    const gate = deferred();
    const { run, count } = recorder(async () => {
      await gate.promise;
      return { ok: true };
    });
    const s = await scheduler({ run });
    await s.create({ id: "slow", project: "P", sequence: "S", cron: EVERY_SECOND });
    await s.start();
    await vi.waitFor(async () => expect((await s.runs("slow")).filter((r) => r.skipped).length).toBe(2), WAIT);
    expect(count("slow")).toBe(1);
    const [status] = await s.list();
    expect(status).toMatchObject({ running: true });
    expect(status!.runningSince).toBeDefined();
    const skipped = (await s.runs("slow")).filter((r) => r.skipped);
    expect(skipped[0]).toMatchObject({ job: "slow", ok: false, durationMs: 0 });
    expect(skipped[0]!.skipped).toMatch(/previous run \(started .+\) was still running/);
    // Run now is refused too, with a clear error.
    const e = await refusal(s.runNow("slow"));
    expect(e.status).toBe(409);
    expect(e.code).toBe("job_running");
    expect(e.message).toMatch(/already running/);
    gate.resolve();
    await vi.waitFor(async () => expect((await s.runs("slow")).some((r) => r.ok)).toBe(true), WAIT);
    expect(count("slow")).toBeGreaterThanOrEqual(1);
  });

  it("a failing or throwing job does not stop the others", async () => {
    const { run, count } = recorder((job) => {
      if (job.id === "throws") throw new Error("boom");
      if (job.id === "fails") return { ok: false, error: "the back end said no" };
      return { ok: true };
    });
    const s = await scheduler({ run });
    for (const id of ["throws", "fails", "good"])
      await s.create({ id, project: "P", sequence: "S", cron: EVERY_SECOND });
    await s.start();
    await vi.waitFor(async () => {
      for (const id of ["throws", "fails", "good"]) expect((await s.runs(id)).length).toBeGreaterThanOrEqual(2);
    }, WAIT);
    expect(count("good")).toBeGreaterThanOrEqual(2);
    expect((await s.runs("throws"))[0]).toMatchObject({ ok: false, error: "boom" });
    expect((await s.runs("fails"))[0]).toMatchObject({ ok: false, error: "the back end said no" });
    expect((await s.runs("good")).every((r) => r.ok)).toBe(true);
  });

  it("pauses and resumes a job", async () => {
    const { run, count } = recorder();
    const s = await scheduler({ run });
    await s.create({ id: "clock", project: "P", sequence: "S", cron: EVERY_SECOND });
    await s.create({ id: "p", project: "P", sequence: "S", cron: EVERY_SECOND });
    await s.start();
    await vi.waitFor(() => expect(count("p")).toBeGreaterThanOrEqual(1), WAIT);
    const paused = await s.pause("p");
    expect(paused.paused).toBe(true);
    expect(paused.nextRun).toBeUndefined();
    const atPause = count("p");
    const clock = count("clock");
    // Two more ticks of the other job: the paused one would have run on them.
    await vi.waitFor(() => expect(count("clock")).toBeGreaterThanOrEqual(clock + 2), WAIT);
    expect(count("p")).toBe(atPause);
    expect((await s.get("p")).paused).toBe(true);
    const resumed = await s.resume("p");
    expect(resumed.paused).toBe(false);
    expect(resumed.nextRun).toBeDefined();
    await vi.waitFor(() => expect(count("p")).toBeGreaterThan(atPause), WAIT);
  });

  it("runs a job now, paused or not, and records it as asked for", async () => {
    const { run, count } = recorder();
    const s = await scheduler({ run });
    await s.create({ id: "manual", project: "P", sequence: "S", cron: "0 3 * * *", paused: true });
    const r = await s.runNow("manual");
    expect(r).toMatchObject({ job: "manual", ok: true, manual: true });
    expect(count("manual")).toBe(1);
    expect(await s.runs("manual")).toEqual([r]);
    expect((await s.get("manual")).lastRun).toEqual(r);
    const e = await refusal(s.runNow("nope"));
    expect([e.status, e.code]).toEqual([404, "unknown_job"]);
    expect(e.message).toBe('There is no job named "nope"');
  });

  it("aborts a run at its time limit and records it as failed", async () => {
    let sawAbort = false;
    const s = await scheduler({
      timeLimitMs: 50,
      run: (_job, signal) =>
        new Promise((resolve) =>
          signal.addEventListener("abort", () => {
            sawAbort = true;
            resolve({ ok: false, error: `interrupted (${(signal.reason as Error).message})` });
          }),
        ),
    });
    await s.create({ id: "long", project: "P", sequence: "S", cron: "0 3 * * *" });
    const r = await s.runNow("long");
    expect(sawAbort).toBe(true);
    expect(r.ok).toBe(false);
    expect(r.error).toBe("stopped at the time limit of 50 ms: interrupted (the time limit of 50 ms was reached)");
    expect(s.isRunning("long")).toBe(false);
  });
});

describe("Scheduler: time zones", () => {
  it("reads a job's schedule in its time zone: 09:00 in Paris and in New York are 6 hours apart", async () => {
    for (const [now, paris, newYork] of [
      ["2025-01-15T00:00:00Z", "2025-01-15T09:00:00+01:00", "2025-01-15T09:00:00-05:00"],
      ["2025-07-15T00:00:00Z", "2025-07-15T09:00:00+02:00", "2025-07-15T09:00:00-04:00"],
    ] as const) {
      const s = await scheduler({ now: () => Date.parse(now) });
      const p = await s.create({
        id: "paris",
        project: "P",
        sequence: "S",
        cron: "0 9 * * *",
        timezone: "Europe/Paris",
      });
      const n = await s.create({
        id: "ny",
        project: "P",
        sequence: "S",
        cron: "0 9 * * *",
        timezone: "America/New_York",
      });
      expect(p.nextRun).toBe(paris);
      expect(n.nextRun).toBe(newYork);
      expect(Date.parse(n.nextRun!) - Date.parse(p.nextRun!)).toBe(6 * 3600_000);
      expect((await s.list()).map((j) => j.nextRun)).toEqual([paris, newYork]);
    }
  });

  it("gives jobs without a time zone the scheduler's, and reports UTC times with Z", async () => {
    const now = () => Date.parse("2025-03-01T12:00:00Z");
    const tokyo = await scheduler({ timezone: "Asia/Tokyo", now });
    const j = await tokyo.create({ id: "t", project: "P", sequence: "S", cron: "30 8 * * *" });
    expect(j.timezone).toBe("Asia/Tokyo");
    expect(j.nextRun).toBe("2025-03-02T08:30:00+09:00");
    const utc = await scheduler({ now });
    const u = await utc.create({ id: "u", project: "P", sequence: "S", cron: "0 */6 * * *" });
    expect(u).toMatchObject({ timezone: "UTC", nextRun: "2025-03-01T18:00:00Z" });
    // Changing the zone moves the next run.
    const moved = await utc.update("u", { timezone: "Asia/Kolkata" });
    expect(moved.nextRun).toBe("2025-03-01T18:00:00+05:30");
  });

  it("formats times with the zone's offset", () => {
    const d = new Date("2025-06-01T07:00:00Z");
    expect(isoInZone(d, "UTC")).toBe("2025-06-01T07:00:00Z");
    expect(isoInZone(d, "Europe/Paris")).toBe("2025-06-01T09:00:00+02:00");
    expect(isoInZone(d, "America/Los_Angeles")).toBe("2025-06-01T00:00:00-07:00");
    expect(isoInZone(new Date("2025-01-01T00:00:00Z"), "Europe/London")).toBe("2025-01-01T00:00:00Z");
  });
});

describe("Scheduler: close", () => {
  it("stops every timer and waits for the runs under way", async () => {
    const before = timeouts();
    const finish = deferred();
    const { run, count } = recorder(async (job) => {
      if (job.id === "slow") await finish.promise;
      return { ok: true };
    });
    const s = await scheduler({ run });
    for (const id of ["a", "b", "slow"]) await s.create({ id, project: "P", sequence: "S", cron: EVERY_SECOND });
    await s.start();
    await vi.waitFor(() => expect(count("slow")).toBe(1), WAIT);
    expect(timeouts()).toBeGreaterThan(before);
    const stopped = s.close();
    let done = false;
    void stopped.then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false); // waits for the slow run
    finish.resolve();
    await stopped;
    expect(s.isRunning("slow")).toBe(false);
    expect((await s.runs("slow")).filter((r) => !r.skipped).at(-1)).toMatchObject({ ok: true });
    expect(timeouts()).toBeLessThanOrEqual(before);
    const e = await refusal(s.runNow("a"));
    expect([e.status, e.code]).toEqual([503, "scheduler_stopped"]);
    await expect(s.start()).rejects.toThrow(/stopped/);
  });

  it("aborts the runs that outlast its wait, and still leaves nothing behind", async () => {
    const before = timeouts();
    let aborted = false;
    const s = await scheduler({
      stopTimeoutMs: 30,
      run: (_job, signal) =>
        new Promise((resolve) =>
          signal.addEventListener("abort", () => {
            aborted = true;
            resolve({ ok: false, error: "aborted" });
          }),
        ),
    });
    await s.create({ id: "stuck", project: "P", sequence: "S", cron: "0 3 * * *" });
    const r = s.runNow("stuck");
    await vi.waitFor(() => expect(s.isRunning("stuck")).toBe(true), WAIT);
    await s.close();
    expect(aborted).toBe(true);
    expect(await r).toMatchObject({ ok: false, error: "stopped with the scheduler: aborted" });
    expect(timeouts()).toBeLessThanOrEqual(before);
  });

  it("lets the process end once close() returns", async () => {
    const dir = await tempDir();
    const script = `
      import { Scheduler, jobFiles } from ${JSON.stringify(path.join(root, "engine/node/scheduler/scheduler.ts"))};
      const s = new Scheduler({ ...jobFiles(${JSON.stringify(dir)}), run: async () => ({ ok: true }), watch: true });
      for (const id of ["a", "b"]) await s.create({ id, project: "P", sequence: "S", cron: "* * * * * *" });
      await s.create({ id: "c", project: "P", sequence: "S", cron: "0 0 1 1 *" });
      await s.start();
      await new Promise((resolve) => { const check = async () => (await s.runs("a")).length ? resolve() : setTimeout(check, 20); check(); });
      await s.close();
      console.log("stopped");
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: root });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).toBe("");
    expect(stdout.trim()).toBe("stopped");
    expect(code).toBe(0);
  });
});

describe("Scheduler: files", () => {
  it("keeps jobs and runs across a new Scheduler on the same files", async () => {
    const dir = await tempDir();
    const first = await scheduler({ dir });
    await first.create({ id: "kept", project: "P", sequence: "S", cron: "0 9 * * 1-5", inputs: { a: "1" } });
    await first.create({ id: "other", project: "P", sequence: "T", cron: EVERY_SECOND, paused: true });
    const r = await first.runNow("kept");
    await first.close();
    const { run, count } = recorder();
    const second = await scheduler({ dir, run });
    const all = await second.list();
    expect(all.map((j) => [j.id, j.cron, j.paused, j.inputs])).toEqual([
      ["kept", "0 9 * * 1-5", false, { a: "1" }],
      ["other", "* * * * * *", true, {}],
    ]);
    expect(all[0]!.lastRun).toEqual(r);
    await second.start();
    await second.resume("other");
    await vi.waitFor(() => expect(count("other")).toBeGreaterThanOrEqual(1), WAIT);
    // The jobs file is owner-only JSON.
    const file = jobFiles(dir).jobsFile;
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, "utf8")).jobs).toHaveLength(2);
  });

  it("reloads the jobs another process changes, when watching, and on reload()", async () => {
    const dir = await tempDir();
    const watchers = () => process.getActiveResourcesInfo().filter((r) => r === "FSEventWrap").length;
    const before = watchers();
    const { run, count } = recorder();
    const server = await scheduler({ dir, run, watch: true });
    await server.start();
    const cli = await scheduler({ dir });
    await cli.create({ id: "from-cli", project: "P", sequence: "S", cron: EVERY_SECOND });
    await vi.waitFor(() => expect(count("from-cli")).toBeGreaterThanOrEqual(1), WAIT);
    await cli.pause("from-cli");
    const unwatched = await scheduler({ dir, run });
    await unwatched.start();
    await cli.resume("from-cli");
    await unwatched.reload();
    expect((await unwatched.get("from-cli")).paused).toBe(false);
    await server.close();
    await unwatched.close();
    // A closed watcher's handle goes in the loop's next close phase.
    await vi.waitFor(() => expect(watchers()).toBe(before), WAIT);
  });

  it("keeps the runs file bounded", async () => {
    const dir = await tempDir();
    const s = await scheduler({ dir, keepRuns: 3 });
    await s.create({ id: "often", project: "P", sequence: "S", cron: "0 3 * * *" });
    const made: JobRun[] = [];
    for (let i = 0; i < 10; i++) made.push(await s.runNow("often"));
    const lines = (await readFile(jobFiles(dir).runsFile, "utf8")).trim().split("\n");
    expect(lines.length).toBeLessThanOrEqual(6);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const kept = await s.runs("often", 100);
    expect(kept).toEqual(made.slice(-kept.length));
    expect(await s.runs("often", 2)).toEqual(made.slice(-2));
  });

  it("forgets a removed job; its id may be used again without the old runs", async () => {
    const s = await scheduler({
      now: (() => {
        let t = Date.parse("2025-01-01T00:00:00Z");
        return () => (t += 1000);
      })(),
    });
    await s.create({ id: "x", project: "P", sequence: "S", cron: "0 3 * * *" });
    await s.runNow("x");
    await s.remove("x");
    expect(await s.list()).toEqual([]);
    const e = await refusal(s.remove("x"));
    expect(e.status).toBe(404);
    const again = await s.create({ id: "x", project: "P", sequence: "S", cron: "0 4 * * *" });
    expect(again.lastRun).toBeUndefined();
    expect(await s.runs("x")).toEqual([]);
  });

  it("makes an id from the project and sequence when none is given", async () => {
    const s = await scheduler();
    expect((await s.create({ project: "Demo", sequence: "Greet", cron: "0 9 * * *" })).id).toBe("Demo.Greet");
    expect((await s.create({ project: "Demo", sequence: "Greet", cron: "0 10 * * *" })).id).toBe("Demo.Greet-2");
    expect((await s.create({ project: "My app", sequence: "Sync all", cron: "0 10 * * *" })).id).toBe(
      "My-app.Sync-all",
    );
  });

  it("says which job of a damaged jobs file is damaged", async () => {
    const dir = await tempDir();
    await writeFile(jobFiles(dir).jobsFile, JSON.stringify({ jobs: [{ id: "broken", cron: 3 }] }));
    const s = await scheduler({ dir });
    await expect(s.list()).rejects.toThrow(/job 1 \("broken"\) is damaged/);
    await writeFile(jobFiles(dir).jobsFile, "{ not json");
    await expect(s.list()).rejects.toThrow(/is not valid JSON/);
  });
});

describe("Scheduler: validation", () => {
  const check = (project: string, sequence: string) =>
    project !== "Demo"
      ? `there is no project named "${project}" in the workspace`
      : sequence !== "Greet"
        ? `The project "Demo" has no sequence named "${sequence}"`
        : undefined;
  const base = { project: "Demo", sequence: "Greet", cron: "0 9 * * *" };

  it("refuses an invalid cron expression, saying why and what a valid one looks like", async () => {
    const s = await scheduler({ check });
    let e = await refusal(s.create({ ...base, cron: "* * *" }));
    expect([e.status, e.code, e.details]).toEqual([400, "invalid_job", { field: "cron" }]);
    expect(e.message).toMatch(/^cron: "\* \* \*" has 3 fields, not 5 or 6\. A cron expression has 5 fields/);
    expect(e.message).toContain('"0 9 * * 1-5"');
    expect(e.message).toContain('"*/30 * * * * *"');
    e = await refusal(s.create({ ...base, cron: "61 * * * *" }));
    expect(e.message).toMatch(/^cron: "61 \* \* \* \*" is not valid: Invalid value for minute: 61\. A cron/);
    e = await refusal(s.create({ ...base, cron: "0 0 30 2 *" }));
    expect(e.message).toBe('cron: "0 0 30 2 *" never matches a date (such as the 30th of February)');
    e = await refusal(s.create({ ...base, cron: "" }));
    expect(e.message).toMatch(/^cron: give a cron expression/);
    e = await refusal(s.create({ ...base, cron: "* * * * * * *" }));
    expect(e.message).toMatch(/has 7 fields/);
    expect(checkCron("  0   9 * *  1-5 ", "UTC")).toBe("0 9 * * 1-5");
  });

  it("refuses an unknown time zone", async () => {
    const s = await scheduler({ check });
    const e = await refusal(s.create({ ...base, timezone: "Mars/Olympus_Mons" }));
    expect(e.details).toEqual({ field: "timezone" });
    expect(e.message).toBe(
      'timezone: "Mars/Olympus_Mons" is not a known IANA time zone (e.g. "UTC", "Europe/Paris", "America/New_York")',
    );
    expect(
      () => new Scheduler({ ...jobFiles("/nowhere"), run: async () => ({ ok: true }), timezone: "Nowhere" }),
    ).toThrow(/timezone \(the scheduler's default\): "Nowhere" is not a known IANA time zone/);
  });

  it("refuses an unknown project or sequence with the owner's message", async () => {
    const s = await scheduler({ check });
    let e = await refusal(s.create({ ...base, project: "Nope" }));
    expect([e.status, e.code]).toEqual([400, "invalid_job"]);
    expect(e.message).toBe('project "Nope", sequence "Greet": there is no project named "Nope" in the workspace');
    e = await refusal(s.create({ ...base, sequence: "Gone" }));
    expect(e.message).toBe('project "Demo", sequence "Gone": The project "Demo" has no sequence named "Gone"');
    e = await refusal(s.create({ ...base, project: "" }));
    expect(e.message).toBe("project: give the project's name");
  });

  it("checks the sequence again on update, but lets a job whose sequence is gone be paused", async () => {
    let present = true;
    const s = await scheduler({ check: () => (present ? undefined : "the sequence was deleted") });
    await s.create({ ...base, id: "j" });
    present = false;
    expect((await s.pause("j")).paused).toBe(true);
    const e = await refusal(s.resume("j"));
    expect(e.message).toMatch(/the sequence was deleted/);
    expect((await refusal(s.update("j", { cron: "0 8 * * *" }))).message).toMatch(/the sequence was deleted/);
  });

  it("refuses a duplicate id, an invalid id, bad inputs and unknown fields", async () => {
    const s = await scheduler({ check });
    await s.create({ ...base, id: "daily" });
    let e = await refusal(s.create({ ...base, id: "daily" }));
    expect([e.status, e.code, e.message]).toEqual([
      409,
      "job_exists",
      'id: a job named "daily" already exists; choose another id',
    ]);
    e = await refusal(s.create({ ...base, id: "two words" }));
    expect(e.message).toBe('id: "two words" is not a job id: 1 to 64 letters, digits, "_", "." or "-"');
    expect((await refusal(s.create({ ...base, id: "x".repeat(65) }))).status).toBe(400);
    e = await refusal(s.create({ ...base, inputs: { n: 3 as unknown as string } }));
    expect(e.message).toBe("inputs.n: an input's value must be text");
    e = await refusal(s.create({ ...base, paused: "yes" as unknown as boolean }));
    expect(e.message).toBe("paused: must be true or false");
    e = await refusal(s.create({ ...base, every: "day" } as never));
    expect(e.message).toMatch(/^every: unknown field; a job has id, project, sequence/);
    e = await refusal(s.update("daily", { project: "Other" } as never));
    expect(e.message).toBe("project: a job's project cannot change: remove the job and create another");
    e = await refusal(s.update("daily", { cron: "* *" }));
    expect(e.message).toMatch(/^cron: "\* \*" has 2 fields/);
    e = await refusal(s.update("missing", { paused: true }));
    expect([e.status, e.code]).toEqual([404, "unknown_job"]);
    expect((await refusal(s.runs("daily", 0))).message).toBe("n: the number of runs must be from 1 to 10000");
    // Nothing refused was written.
    expect((await s.list()).map((j) => j.id)).toEqual(["daily"]);
  });
});

describe("RunLog", () => {
  it("reads the last runs of a job from the end of a large file, whole characters and torn lines", async () => {
    const file = path.join(await tempDir(), "runs.jsonl");
    const log = new RunLog(file, 100_000);
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++)
      lines.push(
        JSON.stringify({
          job: i % 3 === 0 ? "a" : "b",
          at: `t${i}`,
          durationMs: i,
          ok: false,
          error: "é€😀".repeat(i % 7),
        }),
      );
    // A torn last line, as a crash while appending leaves it.
    await writeFile(file, lines.join("\n") + '\n{"job":"a","at":"tor');
    const last = await log.last("a", 5);
    expect(last.map((r) => r.durationMs)).toEqual([2985, 2988, 2991, 2994, 2997]);
    expect(last[0]!.error).toBe("é€😀".repeat(2985 % 7));
    await log.append({ job: "a", at: "t-new", durationMs: 1, ok: true });
    expect((await log.last("a", 1))[0]).toEqual({ job: "a", at: "t-new", durationMs: 1, ok: true });
    expect((await log.last("a", 2))[0]!.at).toBe("t2997");
    const latest = await log.lastOf(["a", "b", "c"]);
    expect([...latest.keys()].sort()).toEqual(["a", "b"]);
    expect(latest.get("b")!.at).toBe("t2999");
  });

  it("compacts the file to the last `keep` runs once it holds more than twice as many", async () => {
    const file = path.join(await tempDir(), "runs.jsonl");
    const log = new RunLog(file, 5);
    for (let i = 1; i <= 10; i++) await log.append({ job: "j", at: `t${i}`, durationMs: i, ok: true });
    expect((await readFile(file, "utf8")).trim().split("\n")).toHaveLength(10);
    await log.append({ job: "j", at: "t11", durationMs: 11, ok: true });
    const lines = (await readFile(file, "utf8")).trim().split("\n");
    expect(lines.map((l) => (JSON.parse(l) as JobRun).durationMs)).toEqual([7, 8, 9, 10, 11]);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // A second RunLog on the same file counts what is there.
    const again = new RunLog(file, 5);
    for (let i = 12; i <= 17; i++) await again.append({ job: "j", at: `t${i}`, durationMs: i, ok: true });
    expect((await again.last("j", 100)).map((r) => r.durationMs)).toEqual([13, 14, 15, 16, 17]);
  });
});

describe("engineJobHooks", () => {
  it("checks and runs a workspace's sequences through the engine", async () => {
    const ws = await tempDir();
    await cp(path.join(root, "examples/workspace/Demo"), path.join(ws, "Demo"), { recursive: true });
    const engine = await Engine.open({ workspaceDir: ws, log: new EngineLog({ level: "silent" }) });
    try {
      const hooks = engineJobHooks(engine);
      expect(hooks.check("Demo", "Greet")).toBeUndefined();
      expect(hooks.check("Demo", "Nope")).toBe('The project "Demo" has no sequence named "Nope"');
      expect(hooks.check("Nope", "Greet")).toBe('there is no project named "Nope" in the workspace');
      const s = await scheduler({ dir: ws, ...hooks });
      await s.create({ id: "greet", project: "Demo", sequence: "Greet", cron: "0 9 * * *", inputs: { name: "Ada" } });
      await s.create({ id: "fail", project: "Demo", sequence: "Fail", cron: "0 9 * * *" });
      expect(await s.runNow("greet")).toMatchObject({ ok: true, manual: true });
      const failed = await s.runNow("fail");
      expect(failed.ok).toBe(false);
      expect(failed.error).toBe('42: Deliberate failure (step "DeliberateError")');
    } finally {
      await engine.close();
    }
  });
});
