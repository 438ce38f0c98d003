import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../../common/http/api-error.ts";
import { RedisDocs } from "../cluster/shared-docs.ts";
import { startRedis, type TestRedis } from "../testing/redis.ts";
import { ClusterTicks } from "./cluster-ticks.ts";
import { jobFiles, Scheduler, type Job, type JobRunInfo, type JobRunResult } from "./scheduler.ts";

const EVERY_SECOND = "* * * * * *";
const WAIT = { timeout: 15_000, interval: 25 };

let redis: TestRedis;
const temps: string[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

interface Call {
  server: string;
  job: string;
  tick: string;
  recovery: boolean;
  manual: boolean;
}

type Behave = (job: Job, signal: AbortSignal, info: JobRunInfo) => Promise<JobRunResult> | JobRunResult;

interface Cluster {
  servers: Scheduler[];
  docs: RedisDocs[];
  calls: Call[];
  prefix: string;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Three schedulers ("A", "B", "C"), each with its own connection to the same Redis. */
async function cluster(opts: { leaseMs?: number; behave?: Behave } = {}): Promise<Cluster> {
  const prefix = `t${Math.random().toString(36).slice(2)}:`;
  const calls: Call[] = [];
  const c: Cluster = { servers: [], docs: [], calls, prefix };
  for (const server of ["A", "B", "C"]) {
    const dir = await mkdtemp(path.join(os.tmpdir(), "atelier-csched-"));
    temps.push(dir);
    const docs = await RedisDocs.connect({ url: redis.url, prefix });
    const s = new Scheduler({
      ...jobFiles(dir),
      docs,
      cluster: { server, leaseMs: opts.leaseMs ?? 2000 },
      stopTimeoutMs: 2000,
      abortGraceMs: 200,
      run: async (job, signal, info) => {
        calls.push({
          server: info!.server,
          job: job.id,
          tick: info!.tick?.toISOString() ?? "",
          recovery: info!.recovery,
          manual: info!.tick === undefined,
        });
        return opts.behave ? opts.behave(job, signal, info!) : { ok: true };
      },
    });
    c.servers.push(s);
    c.docs.push(docs);
    cleanups.push(async () => {
      await s.close();
      await docs.close();
    });
  }
  await Promise.all(c.servers.map((s) => s.start()));
  return c;
}

const ticksOf = (calls: Call[], job: string) => calls.filter((c) => c.job === job && !c.manual).map((c) => c.tick);

/**
 * Every tick once, and every second between the first and the last but one at most: the three
 * schedulers share this test's one event loop, so a stall of over a second on a loaded machine
 * skips a tick on all three at once (three processes would not stall together); a claim that let
 * ticks go unrun would leave many.
 */
function expectOncePerSecond(ticks: string[]): void {
  const times = ticks.map((t) => Date.parse(t)).sort((a, b) => a - b);
  expect(new Set(times).size).toBe(times.length);
  let missed = 0;
  for (let i = 1; i < times.length; i++) {
    const gap = times[i]! - times[i - 1]!;
    expect(gap % 1000).toBe(0);
    missed += gap / 1000 - 1;
  }
  expect(missed).toBeLessThanOrEqual(1);
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("Scheduler in a cluster (three servers on one Redis)", () => {
  it("a job created through A runs once per tick in the cluster; paused through B, it stops on all; runs read the same everywhere", async () => {
    const { servers, calls } = await cluster();
    const [a, b, c] = servers as [Scheduler, Scheduler, Scheduler];
    await a.create({ id: "tick", project: "P", sequence: "S", cron: EVERY_SECOND });
    await a.create({ id: "clock", project: "P", sequence: "S", cron: EVERY_SECOND });
    // Every server hears of them (Redis pub/sub), without a restart.
    await expect.poll(() => servers.every((s) => s.isScheduled("tick")), WAIT).toBe(true);

    await expect.poll(() => new Set(ticksOf(calls, "tick")).size, WAIT).toBeGreaterThanOrEqual(5);
    await b.pause("tick");
    await expect.poll(() => servers.some((s) => s.isScheduled("tick") || s.isRunning("tick")), WAIT).toBe(false);
    const ran = ticksOf(calls, "tick");
    expectOncePerSecond(ran);

    // Paused everywhere: the clock job ticks twice more and the paused one not once.
    const clockNow = ticksOf(calls, "clock").length;
    await expect.poll(() => ticksOf(calls, "clock").length, WAIT).toBeGreaterThanOrEqual(clockNow + 2);
    expect(ticksOf(calls, "tick")).toEqual(ran);
    expectOncePerSecond(ticksOf(calls, "clock"));

    // The runs, from any server: the same list, one record per run, each with its server and fence.
    const lists = await Promise.all(servers.map((s) => s.runs("tick", 100)));
    expect(lists[1]).toEqual(lists[0]);
    expect(lists[2]).toEqual(lists[0]);
    expect(lists[0]!.map((r) => r.tick).sort()).toEqual([...ran].sort());
    for (const r of lists[0]!) {
      expect(r.ok).toBe(true);
      expect(["A", "B", "C"]).toContain(r.server);
      expect(r.fence).toBeGreaterThan(0);
    }
    const fences = lists[0]!.map((r) => r.fence!);
    expect(new Set(fences).size).toBe(fences.length);
    expect((await c.get("tick")).lastRun).toEqual(lists[0]!.at(-1));
    expect((await c.get("tick")).paused).toBe(true);

    // Removed through C: gone from every server's timers.
    await c.remove("clock");
    await expect.poll(() => servers.some((s) => s.isScheduled("clock") || s.isRunning("clock")), WAIT).toBe(false);
  }, 40_000);

  it("a server that dies mid-run: its tick is taken over by another once the lease expires (at least once)", async () => {
    const blocker = deferred();
    let blocked: Call | undefined;
    const cl = await cluster({
      leaseMs: 600,
      behave: async (job, _signal, info) => {
        if (!blocked) {
          blocked = {
            server: info.server,
            job: job.id,
            tick: info.tick!.toISOString(),
            recovery: false,
            manual: false,
          };
          await blocker.promise; // stuck, deaf to its signal
        }
        return { ok: true };
      },
    });
    cleanups.push(async () => blocker.resolve());
    const { servers, docs, calls } = cl;
    await servers[0]!.create({ id: "tick", project: "P", sequence: "S", cron: EVERY_SECOND });
    await expect.poll(() => blocked !== undefined, WAIT).toBe(true);
    const dead = ["A", "B", "C"].indexOf(blocked!.server);
    // The server dies: its Redis connection drops (no more renewals, no record), then it stops.
    docs[dead]!.client.destroy();
    const closing = servers[dead]!.close();

    // Another server runs the same tick again, said to be a recovery, after the lease.
    await expect
      .poll(() => calls.find((c) => c.tick === blocked!.tick && c.server !== blocked!.server), WAIT)
      .toMatchObject({ recovery: true });
    const recovered = calls.find((c) => c.tick === blocked!.tick && c.server !== blocked!.server)!;
    // The ticks go on, each once, on the servers alive.
    await expect
      .poll(() => calls.filter((c) => Date.parse(c.tick) > Date.parse(blocked!.tick)).length, WAIT)
      .toBeGreaterThanOrEqual(2);
    const alive = servers.filter((_, i) => i !== dead);
    await alive[0]!.pause("tick");
    await expect.poll(() => alive.some((s) => s.isScheduled("tick") || s.isRunning("tick")), WAIT).toBe(false);
    const ticks = ticksOf(calls, "tick");
    expect(ticks.filter((t) => t === blocked!.tick)).toHaveLength(2);
    expect(new Set(ticks.filter((t) => t !== blocked!.tick)).size).toBe(ticks.length - 2);

    const runs = await alive[1]!.runs("tick", 100);
    const rec = runs.find((r) => r.tick === blocked!.tick && !r.skipped)!;
    expect(rec).toMatchObject({ ok: true, recovery: true, server: recovered.server });
    // The ticks during the dead server's lease were skipped, once each, not run.
    for (const r of runs.filter((x) => x.skipped)) expect(ticks).not.toContain(r.tick);
    expect(new Set(runs.filter((x) => x.skipped).map((x) => x.tick)).size).toBe(runs.filter((x) => x.skipped).length);

    blocker.resolve();
    await closing;
  }, 40_000);

  it("run now runs on the server asked, recorded for all; never while the job runs on another server", async () => {
    const gate = deferred();
    const { servers } = await cluster({
      behave: async (_job, _signal, info) => {
        if (info.server === "A") await gate.promise;
        return { ok: true };
      },
    });
    cleanups.push(async () => gate.resolve());
    const [a, b, c] = servers as [Scheduler, Scheduler, Scheduler];
    await b.create({ id: "manual", project: "P", sequence: "S", cron: "0 0 1 1 *", paused: true });
    const first = a.runNow("manual");
    await expect.poll(() => a.isRunning("manual"), WAIT).toBe(true);
    const refused = await b.runNow("manual").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).status).toBe(409);
    expect((refused as ApiError).message).toContain("on A");
    // Every server says it runs, since when.
    const seen = await c.get("manual");
    expect(seen.running).toBe(true);
    expect(seen.runningSince).toBe((await a.get("manual")).runningSince);
    expect((await b.list()).find((j) => j.id === "manual")?.running).toBe(true);
    gate.resolve();
    const run = await first;
    expect(run).toMatchObject({ ok: true, manual: true, server: "A" });
    expect(await c.runs("manual")).toEqual([run]);
    expect(await c.runNow("manual")).toMatchObject({ ok: true, manual: true, server: "C" });
    expect((await b.runs("manual")).map((r) => r.server)).toEqual(["A", "C"]);
    expect((await b.get("manual")).running).toBe(false);
  }, 20_000);
});

describe("ClusterTicks: fencing", () => {
  it("a holder whose lease expired and whose tick was taken over does not record over the newer run", async () => {
    const prefix = `t${Math.random().toString(36).slice(2)}:`;
    const docs = await RedisDocs.connect({ url: redis.url, prefix });
    cleanups.push(() => docs.close());
    const opts = { leaseMs: 150, keepTickMs: 10_000, keep: 100 };
    const x = new ClusterTicks(docs.client, prefix, { ...opts, server: "X" });
    const y = new ClusterTicks(docs.client, prefix, { ...opts, server: "Y" });
    const tick = 1_700_000_000_000;
    const startedAt = new Date().toISOString();
    const won = await x.claim("j", tick, { localBusy: false, recovery: false, startedAt });
    expect(won.kind).toBe("won");
    const old = won.kind === "won" ? won.claim : undefined;
    // Y sees it running; another tick meanwhile is skipped (the job never overlaps itself).
    expect((await y.claim("j", tick, { localBusy: false, recovery: false, startedAt })).kind).toBe("running");
    expect((await y.claim("j", tick + 1000, { localBusy: false, recovery: false, startedAt })).kind).toBe("skip");
    expect(await x.renew(old!)).toBe(true);
    // X stops renewing: once the lease is over, Y takes the tick over with a higher fence.
    let taken: Awaited<ReturnType<ClusterTicks["claim"]>> | undefined;
    await expect
      .poll(async () => (taken = await y.claim("j", tick, { localBusy: false, recovery: true, startedAt })).kind, WAIT)
      .toBe("won");
    const newer = taken!.kind === "won" ? taken!.claim : undefined;
    expect(newer!.fence).toBeGreaterThan(old!.fence);
    expect(await x.renew(old!)).toBe(false);
    const base = { job: "j", at: startedAt, durationMs: 1, tick: new Date(tick).toISOString() };
    expect(await x.finish(old!, { ...base, ok: false, server: "X", fence: old!.fence })).toBe(false);
    expect(await y.finish(newer!, { ...base, ok: true, server: "Y", fence: newer!.fence, recovery: true })).toBe(true);
    expect(await x.finish(old!, { ...base, ok: false, server: "X", fence: old!.fence })).toBe(false);
    expect(await y.last("j", 10)).toEqual([expect.objectContaining({ server: "Y", fence: newer!.fence })]);
    // Settled: nobody claims it again.
    expect((await x.claim("j", tick, { localBusy: false, recovery: true, startedAt })).kind).toBe("settled");

    // Redis gone: a 503 that says so.
    docs.client.destroy();
    const e = await y.last("j", 10).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status: 503, code: "cluster_state_unavailable" });
  });
});
