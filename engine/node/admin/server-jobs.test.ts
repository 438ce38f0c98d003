import { cp, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileDocs, RedisDocs } from "../cluster/shared-docs.ts";
import { Engine } from "../engine.ts";
import { EngineLog } from "../log.ts";
import type { Scheduler } from "../scheduler/scheduler.ts";
import { startRedis, type TestRedis } from "../testing/redis.ts";
import { startServerScheduler } from "./server-jobs.ts";

const root = path.resolve(import.meta.dirname, "../../..");
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

async function server(): Promise<{ dataDir: string; engine: Engine }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "atelier-srvjobs-"));
  temps.push(dir);
  const ws = path.join(dir, "workspace");
  await cp(path.join(root, "examples/workspace/Demo"), path.join(ws, "Demo"), { recursive: true });
  const engine = await Engine.open({ workspaceDir: ws, log: new EngineLog({ level: "silent" }) });
  return { dataDir: path.join(dir, "data"), engine };
}

describe("startServerScheduler", () => {
  it("two servers given the cluster's documents share their jobs and runs, each tick run by one of them", async () => {
    const prefix = `t${Math.random().toString(36).slice(2)}:`;
    const closers: (() => Promise<void>)[] = [];
    try {
      const schedulers: Scheduler[] = [];
      for (const name of ["one", "two"]) {
        const { dataDir, engine } = await server();
        const docs = await RedisDocs.connect({ url: redis.url, prefix });
        const s = await startServerScheduler(dataDir, engine, docs, { server: name });
        closers.push(async () => {
          await s.close();
          await docs.close();
          await engine.close();
        });
        schedulers.push(s);
      }
      const [one, two] = schedulers as [Scheduler, Scheduler];
      await one.create({
        id: "greet",
        project: "Demo",
        sequence: "Greet",
        cron: "* * * * * *",
        inputs: { name: "Ada" },
      });
      await expect
        .poll(async () => (await two.runs("greet", 100)).filter((r) => r.ok).length, WAIT)
        .toBeGreaterThanOrEqual(3);
      await two.pause("greet");
      await expect.poll(() => schedulers.some((s) => s.isScheduled("greet") || s.isRunning("greet")), WAIT).toBe(false);
      const runs = await one.runs("greet", 100);
      expect(await two.runs("greet", 100)).toEqual(runs);
      const ticks = runs.filter((r) => !r.skipped).map((r) => r.tick);
      expect(new Set(ticks).size).toBe(ticks.length);
      for (const r of runs) expect(["one", "two"]).toContain(r.server);
    } finally {
      for (const c of closers.reverse()) await c();
    }
  }, 40_000);

  it("alone (FileDocs or nothing), keeps the jobs and runs in the data folder", async () => {
    const { dataDir, engine } = await server();
    const s = await startServerScheduler(dataDir, engine, new FileDocs());
    try {
      await s.create({ id: "greet", project: "Demo", sequence: "Greet", cron: "0 9 * * *" });
      const run = await s.runNow("greet");
      expect(run).toMatchObject({ ok: true, manual: true });
      expect(run.server).toBeUndefined();
      expect(s.runLog.file).toBe(path.join(dataDir, "admin", "job-runs.jsonl"));
      expect(await s.runs("greet")).toEqual([run]);
    } finally {
      await s.close();
      await engine.close();
    }
  });
});
