// bench/fullsync: what a device's pull costs through the FullSync layer.
// (a) a cold PouchDB pull by one user of the 1,990 documents they may see in a database of
//     100,000 (~1 KB each); (b) the floor: a cold pull of 1,990 such documents from an unfiltered
//     express-pouchdb database; (c) the same pull as (a) from a database of 10,000 documents.
// Also: each server's memory (the floor is a process of its own holding the same 100,000 and
// 10,000 documents, copied from FullSync's files), 20 users pulling at once, live-sync latency
// between two devices of one user, 100 devices of 100 users pulling at once then live-syncing
// while they write, and the principal index at start (snapshot load vs rebuild from the feed).
// Run: npm run bench:fullsync [-- --quick] [--reps 5]. See bench/README.md.
// npm run bench:fullsync -- --external-index: the engine's start over an external CouchDB of
// 100,000 documents, with and without the index snapshot (external-index.ts).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { PouchDB, ensureMemoryAdapter, type PouchDb } from "../../embedded-db/pouch.ts";
import { FULL, MEASURED, QUICK, userName, visibleCount, type BenchSizes } from "./data.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const WORK = path.join(ROOT, "bench", ".work", "fullsync");

const argv = process.argv.slice(2);
if (argv.includes("--help")) {
  console.log("npm run bench:fullsync [-- --quick] [--reps N] [--live N] [--device-writes N] [--keep]");
  console.log(
    "npm run bench:fullsync -- --external-index [--docs 100000] [--reps 1]   # engine start over an external CouchDB",
  );
  process.exit(0);
}
if (argv.includes("--external-index")) {
  // The engine's start over an external CouchDB, with and without the index snapshot.
  await import("./external-index.ts");
  process.exit(0);
}
const quick = argv.includes("--quick");
const numArg = (name: string, dflt: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const sizes: BenchSizes = quick ? QUICK : FULL;
const reps = numArg("reps", quick ? 3 : 9);
const liveReps = numArg("live", quick ? 10 : 30);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

// ---- the server process ------------------------------------------------------------------------

interface ServerInfo {
  fullsync: string;
  load: Record<string, number>;
  index: Record<string, { source: string; ms: number; docs: number } | number | undefined>;
}

const canPin = spawnSync("taskset", ["-c", "0", "true"]).status === 0;

/** CPU seconds a process has used (user + system), from /proc; NaN where unavailable. */
async function cpuSeconds(pid: number | undefined): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Resident memory split: private (anonymous: heaps, malloc) and file-backed (the node binary, LevelDB's mmapped table files). */
async function rssParts(pid: number | undefined): Promise<{ anonMb: number; fileMb: number }> {
  try {
    const st = await readFile(`/proc/${pid}/status`, "utf8");
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(st)?.[1] ?? NaN) / 1024;
    return { anonMb: kb("RssAnon"), fileMb: kb("RssFile") };
  } catch {
    return { anonMb: NaN, fileMb: NaN };
  }
}

async function rssMb(pid: number | undefined): Promise<number> {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Memory of a bench server as it sees it (its GET /_bench/memory): MB. */
async function heapOf(url: string, gc = false): Promise<{ heapUsed: number; external: number; arrayBuffers: number }> {
  const m = (await (await fetch(`${new URL(url).origin}/_bench/memory${gc ? "?gc=1" : ""}`)).json()) as Record<
    string,
    number
  >;
  return { heapUsed: m.heapUsed! / 2 ** 20, external: m.external! / 2 ** 20, arrayBuffers: m.arrayBuffers! / 2 ** 20 };
}

/** Samples processes' resident memory every 200 ms; `stop` answers each one's peak (MB). */
function rssSampler(pids: (number | undefined)[]): { stop(): Promise<number[]> } {
  const peak = pids.map(() => 0);
  let done = false;
  const loop = (async () => {
    while (!done) {
      const now = await Promise.all(pids.map((p) => rssMb(p)));
      now.forEach((v, i) => (peak[i] = Math.max(peak[i]!, v)));
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return {
    stop: async () => {
      done = true;
      await loop;
      return peak;
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_r, reject) => {
      t = setTimeout(() => reject(new Error(`${what} took more than ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}

async function startProcess<T>(
  file: string,
  dir: string,
): Promise<{ info: T; child: ChildProcess; stop(): Promise<void> }> {
  const script = path.join(ROOT, "bench", "fullsync", file);
  // --expose-gc: `GET /_bench/memory?gc=1` measures what each holds after full collections.
  const args = [
    process.execPath,
    "--expose-gc",
    "--import",
    "tsx",
    script,
    "--dir",
    dir,
    "--sizes",
    JSON.stringify(sizes),
  ];
  // The servers on core 0, the devices (this process) on the other core.
  const child = canPin
    ? spawn("taskset", ["-c", "0", ...args], { stdio: ["pipe", "pipe", "inherit"], cwd: ROOT })
    : spawn(args[0]!, args.slice(1), { stdio: ["pipe", "pipe", "inherit"], cwd: ROOT });
  const info = await new Promise<T>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once("line", (l) => resolve(JSON.parse(l) as T));
    child.once("exit", (c) => reject(new Error(`bench server ${file} exited with ${c}`)));
  });
  return {
    info,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        stoppingServer = true;
        child.once("exit", () => {
          // Late errors of requests cut by this stop are expected for a moment.
          setTimeout(() => (stoppingServer = false), 2000).unref();
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}
const startServer = (dir: string) => startProcess<ServerInfo>("server.ts", dir);
const startFloor = (dir: string) =>
  startProcess<{ floor: string; dbs: Record<string, number> }>("floor-server.ts", dir);

// ---- devices -----------------------------------------------------------------------------------

await ensureMemoryAdapter();
// Each pull opens its own remote database object, and PouchDB counts their listeners on a shared
// emitter: its "possible leak" warning is expected here, and only that one is dropped.
EventEmitter.defaultMaxListeners = 0;
process.removeAllListeners("warning");
process.on("warning", (w) => {
  if (w.name !== "MaxListenersExceededWarning") console.warn(w);
});
const Mem = PouchDB.defaults({ adapter: "memory" });
type Replicate = (
  a: unknown,
  b: unknown,
  o?: unknown,
) => Promise<{ docs_written: number; ok: boolean }> & {
  cancel(): void;
};
const replicate = (PouchDB as unknown as { replicate: Replicate }).replicate;
type Sync = { cancel(): void; on(e: string, f: (x: unknown) => void): unknown };
const sync = (PouchDB as unknown as { sync(a: unknown, b: unknown, o: unknown): Sync }).sync;

/** Cancels a live sync and waits until it has stopped (or 5 s). */
function stopSync(s: Sync): Promise<void> {
  return new Promise<void>((resolve) => {
    const t = setTimeout(resolve, 5000);
    s.on("complete", () => {
      clearTimeout(t);
      resolve();
    });
    s.cancel();
  });
}

// A request of a cancelled live sync may still be in flight when a server stops: its reset
// connection is expected then, and only then.
let stoppingServer = false;
process.on("uncaughtException", (e: Error & { code?: string }) => {
  if (stoppingServer && (e.code === "ECONNRESET" || e.code === "ECONNREFUSED")) return;
  console.error(e);
  process.exit(1);
});

function remote(url: string, user?: string): PouchDb {
  return new PouchDB(url, {
    skip_setup: true,
    fetch: (u: string, o: { headers: { set(k: string, v: string): void } }) => {
      if (user) o.headers.set("Cookie", `sid=${encodeURIComponent(user)}`);
      return PouchDB.fetch(u, o);
    },
  });
}

/** A cold pull into a fresh device: answers seconds and documents written. */
async function coldPull(url: string, user?: string): Promise<{ s: number; docs: number }> {
  const device = new Mem(`dev-${randomUUID()}`);
  try {
    const t = performance.now();
    const r = await replicate(remote(url, user), device, { batch_size: 100 });
    const s = (performance.now() - t) / 1000;
    return { s, docs: r.docs_written };
  } finally {
    await device.destroy();
  }
}

// ---- 100 devices --------------------------------------------------------------------------------

/**
 * 100 devices of 100 users (memory adapter, in this process) pull at once from the big database,
 * then all live-sync (PouchDB's sync, live, retry) while each writes one document per round, all
 * devices at once; a write's latency runs until it shows in that user's change feed on the server
 * as a second device of theirs sees it (a longpoll `_changes` client per user, since=now). Every
 * step is bounded in time; whatever fails counts as an error (the target is none).
 */
async function hundredDevices(fsBig: string, pid: number | undefined, serverUrl: string) {
  const n = Math.min(100, sizes.users);
  const rounds = numArg("device-writes", quick ? 2 : 3);
  const errors: string[] = [];
  const err = (what: string, e: unknown) =>
    errors.push(`${what}: ${e instanceof Error ? e.message : JSON.stringify(e)}`.slice(0, 300));
  const rssBefore = await rssMb(pid);
  const sampler = rssSampler([pid]);
  const devices = Array.from({ length: n }, (_, u) => new Mem(`d100-${u}-${randomUUID()}`));
  const pullS: number[] = [];
  let pulledDocs = 0;
  const t = performance.now();
  await Promise.all(
    devices.map(async (d, u) => {
      const t0 = performance.now();
      try {
        const r = await withTimeout(
          replicate(remote(fsBig, userName(u)), d, { batch_size: 100 }),
          600_000,
          `${userName(u)}'s pull`,
        );
        pulledDocs += r.docs_written;
        // The measured user also has the documents the two-device live phase wrote.
        const expected = visible + (u === MEASURED ? liveReps + 3 : 0);
        if (r.docs_written !== expected) errors.push(`${userName(u)} pulled ${r.docs_written}, expected ${expected}`);
        pullS.push((performance.now() - t0) / 1000);
      } catch (e) {
        err(`${userName(u)}'s pull`, e);
      }
    }),
  );
  const pullWall = (performance.now() - t) / 1000;
  const rssAfterPull = await rssMb(pid);
  const cpu0 = await cpuSeconds(pid);

  // The devices' first push (what a sync does after a pull: every document the device holds is
  // offered back, `_revs_diff` answers that the server has it), all at once; then every device
  // syncs both ways, live (resuming from those checkpoints), and a second client per user follows
  // their feed. PouchDB's sync says "paused" as soon as both directions are idle, which a push
  // that has not started yet counts as: hence the push first.
  const tl = performance.now();
  await Promise.all(
    devices.map(async (d, u) => {
      try {
        await withTimeout(
          replicate(d, remote(fsBig, userName(u)), { batch_size: 100 }),
          300_000,
          `${userName(u)}'s first push`,
        );
      } catch (e) {
        err(`${userName(u)}'s first push`, e);
      }
    }),
  );
  const catchUpS = (performance.now() - tl) / 1000;
  const syncs = devices.map((d, u) => {
    const s = sync(d, remote(fsBig, userName(u)), { live: true, retry: true, batch_size: 100 });
    s.on("error", (e) => err(`${userName(u)}'s sync`, e));
    s.on("denied", (e) => err(`${userName(u)}'s sync denied`, e));
    return s;
  });
  const idle = syncs.map((s) => new Promise<void>((resolve) => s.on("paused", (e) => (e ? undefined : resolve()))));
  await withTimeout(Promise.all(idle), 120_000, "100 live syncs starting").catch((e) => err("live", e));
  const waiting = new Map<string, () => void>();
  const abort = new AbortController();
  // Each second client starts from a sequence it was given before any write (not since=now,
  // which a request delayed past the writes would read after them).
  const heads = await Promise.all(
    devices.map(async (_d, u) => {
      const r = await fetch(`${fsBig}/_changes?since=now`, {
        headers: { Cookie: `sid=${encodeURIComponent(userName(u))}` },
      });
      return ((await r.json()) as { last_seq: unknown }).last_seq;
    }),
  );
  const watchers = devices.map(async (_d, u) => {
    const headers = { Cookie: `sid=${encodeURIComponent(userName(u))}` };
    let since: unknown = heads[u];
    while (!abort.signal.aborted) {
      try {
        const r = await fetch(
          `${fsBig}/_changes?feed=longpoll&style=all_docs&timeout=10000&since=${encodeURIComponent(String(since))}`,
          { headers, signal: abort.signal },
        );
        const b = (await r.json()) as { results?: { id: string }[]; last_seq?: unknown };
        if (!Array.isArray(b.results)) throw new Error(`HTTP ${r.status}: ${JSON.stringify(b)}`);
        for (const c of b.results) waiting.get(c.id)?.();
        since = b.last_seq;
      } catch (e) {
        if (!abort.signal.aborted) err(`${userName(u)}'s second client`, e);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  });
  const lat: number[] = [];
  for (let r = 0; r < rounds; r++) {
    await Promise.all(
      devices.map(async (d, u) => {
        const id = `w100-${r}-${u}-${randomUUID()}`;
        const arrived = new Promise<void>((ok) => waiting.set(id, ok));
        const t0 = performance.now();
        try {
          await d.put({ _id: id, "~c8oAcl": userName(u), round: r });
          await withTimeout(arrived, 60_000, `${userName(u)}'s write of round ${r} reaching the server`);
          lat.push(performance.now() - t0);
        } catch (e) {
          err(`${userName(u)}'s write`, e);
        } finally {
          waiting.delete(id);
        }
      }),
    );
  }
  const liveCpu = (await cpuSeconds(pid)) - cpu0;
  abort.abort();
  await Promise.all(watchers);
  await Promise.all(syncs.map((s) => stopSync(s)));
  const [peak] = await sampler.stop();
  const mem = await heapOf(serverUrl).catch(() => undefined);
  const rssAfter = await rssMb(pid);
  await Promise.all(devices.map((d) => d.destroy()));

  console.log(`\n${n} devices of ${n} users pulling at once from the big database, then live-syncing while writing:`);
  console.log(
    `  pull: wall ${fmt(pullWall, 2)} s, ${fmt(pulledDocs)} documents (${fmt(pulledDocs / pullWall)} docs/s); per device p50 ${fmt(pct(pullS, 50), 2)} s, p99 ${fmt(pct(pullS, 99), 2)} s`,
  );
  console.log(
    `  live: the ${n} devices' first push (${fmt(visible)} documents offered back each) ${fmt(catchUpS, 2)} s, then live sync; ${rounds} rounds of ${n} writes at once, a write -> its user's feed on the server (a second client's longpoll): p50 ${fmt(pct(lat, 50))} ms, p99 ${fmt(pct(lat, 99))} ms (${lat.length} writes; server CPU ${fmt(liveCpu, 2)} s)`,
  );
  console.log(
    `  server resident memory: before ${fmt(rssBefore)} MB, after the pulls ${fmt(rssAfterPull)} MB, peak ${fmt(peak!)} MB, after ${fmt(rssAfter)} MB${mem ? ` (JS heap ${fmt(mem.heapUsed)} MB)` : ""}`,
  );
  console.log(`  errors: ${errors.length}${errors.length ? "\n    " + errors.slice(0, 10).join("\n    ") : ""}`);
  return {
    devices: n,
    pullWallSeconds: pullWall,
    pullSeconds: pullS,
    pullP50: pct(pullS, 50),
    pullP99: pct(pullS, 99),
    docs: pulledDocs,
    catchUpSeconds: catchUpS,
    liveMs: lat,
    liveP50: pct(lat, 50),
    liveP99: pct(lat, 99),
    liveServerCpuSeconds: liveCpu,
    rssMb: { before: rssBefore, afterPull: rssAfterPull, peak, after: rssAfter },
    errors,
  };
}

// ---- run ---------------------------------------------------------------------------------------

await mkdir(WORK, { recursive: true });
const dir = await mkdtemp(path.join(os.tmpdir(), "atelier-bench-fullsync-"));
const visible = visibleCount(sizes);
const measured = userName(MEASURED);
const total = sizes.users * sizes.perUser + sizes.groups * sizes.perGroup + sizes.public;
console.log(
  `bench/fullsync${quick ? " (quick)" : ""}: ${fmt(total)} documents (~1 KB), ${sizes.users} users, ${sizes.groups} groups; ` +
    `${measured} may see ${fmt(visible)}; small database ${fmt(sizes.small)}; ${reps} repetitions; ` +
    `server ${canPin ? "pinned to core 0, devices on the other core" : "not pinned (no taskset)"}; data in ${dir}`,
);
const results: Record<string, unknown> = { sizes, reps, pinned: canPin, when: new Date().toISOString() };
let server = await startServer(dir);
let floorServer: Awaited<ReturnType<typeof startFloor>> | undefined;
try {
  console.log(
    `loaded: big ${fmt((server.info.load.big ?? 0) / 1000, 1)} s, small ${fmt((server.info.load.small ?? 0) / 1000, 1)} s`,
  );
  // Both servers start over data already on disk, as a server does (not with what loading left
  // in memory): FullSync restarts from its index snapshot; the floor gets a copy of FullSync's
  // LevelDB files of big and small (the same documents, revisions and sequences) and its own
  // `floor` database (the cold-pull floor).
  await server.stop();
  const floorDir = path.join(dir, "floor");
  if (!existsSync(path.join(floorDir, "big"))) {
    await mkdir(floorDir, { recursive: true });
    for (const n of ["big", "small"])
      await cp(path.join(dir, "fullsync", n), path.join(floorDir, n), { recursive: true });
  }
  server = await startServer(dir);
  floorServer = await startFloor(floorDir);
  const fsBig = `${server.info.fullsync}/big`;
  const fsSmall = `${server.info.fullsync}/small`;
  const floor = `${floorServer.info.floor}/floor`;
  if (!floorServer.info.dbs.big) throw new Error("the floor did not open its copy of big");
  await new Promise((r) => setTimeout(r, 1000));
  const memory = async (gc = false) => {
    // With gc, each server collects first (what it holds, not what its GC has not reclaimed yet).
    const [fh, flh] = await Promise.all([heapOf(server.info.fullsync, gc), heapOf(floorServer!.info.floor, gc)]);
    const [fr, flr, fp, flp] = await Promise.all([
      rssMb(server.child.pid),
      rssMb(floorServer!.child.pid),
      rssParts(server.child.pid),
      rssParts(floorServer!.child.pid),
    ]);
    return { fullsync: { rssMb: fr, ...fp, ...fh }, floor: { rssMb: flr, ...flp, ...flh } };
  };
  type Mem = Awaited<ReturnType<typeof memory>>;
  const one = (m: Mem["fullsync"]) =>
    `${fmt(m.rssMb)} MB (private ${fmt(m.anonMb)} MB, mapped files ${fmt(m.fileMb)} MB; JS heap used ${fmt(m.heapUsed)} MB)`;
  const memLine = (m: Mem) =>
    `FullSync ${one(m.fullsync)}\n  floor    ${one(m.floor)}\n  FullSync/floor: RSS ${fmt(m.fullsync.rssMb / m.floor.rssMb, 2)}, private ${fmt(m.fullsync.anonMb / m.floor.anonMb, 2)}`;
  const memStart = await memory();
  console.log(
    `servers' resident memory at start (separate processes; the floor holds the same big and small databases, ${fmt(floorServer.info.dbs.big ?? 0)} + ${fmt(floorServer.info.dbs.small ?? 0)} documents, plus floor ${fmt(floorServer.info.dbs.floor ?? 0)}):`,
  );
  console.log(`  ${memLine(memStart)}`);
  results.memoryAtStart = memStart;

  // Warm-up: one pull of each (JIT, caches), not counted.
  for (const [u, who] of [
    [fsBig, measured],
    [floor, undefined],
    [fsSmall, measured],
  ] as const) {
    const w = await coldPull(u, who);
    if (w.docs !== visible) throw new Error(`warm-up pulled ${w.docs} documents from ${u}, expected ${visible}`);
  }
  const runs: Record<"a" | "b" | "c", number[]> = { a: [], b: [], c: [] };
  const cpu: Record<"a" | "b" | "c", number[]> = { a: [], b: [], c: [] };
  const order: ["a" | "b" | "c", string, string | undefined][] = [
    ["a", fsBig, measured],
    ["b", floor, undefined],
    ["c", fsSmall, measured],
  ];
  for (let r = 0; r < reps; r++) {
    // Rotate the order so drift in the machine's load is shared.
    for (let k = 0; k < 3; k++) {
      const [key, url, who] = order[(k + r) % 3]!;
      const pid = key === "b" ? floorServer.child.pid : server.child.pid;
      const c0 = await cpuSeconds(pid);
      const p = await coldPull(url, who);
      cpu[key].push((await cpuSeconds(pid)) - c0);
      if (p.docs !== visible) throw new Error(`${key}: pulled ${p.docs}, expected ${visible}`);
      runs[key].push(p.s);
    }
  }
  const rate = (k: "a" | "b" | "c") => visible / median(runs[k]);
  const a = median(runs.a);
  const b = median(runs.b);
  const c = median(runs.c);
  console.log("\ncold pull of one user's documents (median of %d):", reps);
  const srv = (k: "a" | "b" | "c") => `server CPU ${fmt(median(cpu[k]) * 1000)} ms`;
  console.log(
    `  (a) FullSync, ${fmt(total)}-document database   ${fmt(a * 1000)} ms  ${fmt(rate("a"))} docs/s  (${srv("a")})`,
  );
  console.log(
    `  (b) express-pouchdb, unfiltered (floor)    ${fmt(b * 1000)} ms  ${fmt(rate("b"))} docs/s  (${srv("b")})`,
  );
  console.log(
    `  (c) FullSync, ${fmt(sizes.small)}-document database    ${fmt(c * 1000)} ms  ${fmt(rate("c"))} docs/s  (${srv("c")})`,
  );
  console.log(`  a/b = ${fmt(a / b, 2)} (target <= 0.5)   a/c = ${fmt(a / c, 2)} (target <= 1.2)`);
  const ca = median(cpu.a);
  console.log(
    `  server CPU per pull: a/b = ${fmt(ca / median(cpu.b), 2)}, a/c = ${fmt(ca / median(cpu.c), 2)} (wall times include the device's own work)`,
  );
  results.pull = {
    visible,
    secondsA: runs.a,
    secondsB: runs.b,
    secondsC: runs.c,
    docsPerSecond: { a: rate("a"), b: rate("b"), c: rate("c") },
    ratioAB: a / b,
    ratioAC: a / c,
    serverCpuSeconds: cpu,
    serverCpuRatioAB: median(cpu.a) / median(cpu.b),
    serverCpuRatioAC: median(cpu.a) / median(cpu.c),
  };

  // 20 users at once.
  const concurrent = Math.min(20, sizes.users);
  const cpu0 = await cpuSeconds(server.child.pid);
  const t = performance.now();
  const each = await Promise.all(
    Array.from({ length: concurrent }, async (_, u) => {
      const t0 = performance.now();
      const p = await coldPull(fsBig, userName(u));
      return { s: (performance.now() - t0) / 1000, docs: p.docs };
    }),
  );
  const wall = (performance.now() - t) / 1000;
  const serverCpu = (await cpuSeconds(server.child.pid)) - cpu0;
  const docs = each.reduce((n, e) => n + e.docs, 0);
  console.log(`\n${concurrent} users pulling at once from the big database:`);
  console.log(
    `  wall ${fmt(wall, 2)} s, ${fmt(docs)} documents, ${fmt(docs / wall)} docs/s in total; per user median ${fmt(median(each.map((e) => e.s)), 2)} s, max ${fmt(Math.max(...each.map((e) => e.s)), 2)} s`,
  );
  console.log(
    `  server CPU ${fmt(serverCpu, 2)} s over ${fmt(wall, 2)} s (${fmt((100 * serverCpu) / wall)}% of its core): the rest is the devices' side`,
  );
  results.concurrent = {
    users: concurrent,
    wallSeconds: wall,
    serverCpuSeconds: serverCpu,
    docs,
    docsPerSecond: docs / wall,
    perUser: each,
  };
  // The floor serves as many pulls: 20 devices pulling its 1,990 documents at once.
  const tf = performance.now();
  const eachFloor = await Promise.all(
    Array.from({ length: concurrent }, async () => {
      const t0 = performance.now();
      const p = await coldPull(floor);
      return { s: (performance.now() - t0) / 1000, docs: p.docs };
    }),
  );
  const wallFloor = (performance.now() - tf) / 1000;
  console.log(
    `  the floor, ${concurrent} devices at once: wall ${fmt(wallFloor, 2)} s, per device median ${fmt(median(eachFloor.map((e) => e.s)), 2)} s; FullSync/floor wall = ${fmt(wall / wallFloor, 2)}`,
  );
  (results.concurrent as Record<string, unknown>).floorWallSeconds = wallFloor;
  const memAfter = await memory();
  console.log(`\nservers' resident memory after the pulls (target: FullSync/floor RSS <= 1):\n  ${memLine(memAfter)}`);
  results.memoryAfterPulls = memAfter;
  results.serverRssMb = memAfter.fullsync.rssMb;
  results.rssRatio = memAfter.fullsync.rssMb / memAfter.floor.rssMb;

  // The floor's pulls read its small `floor` database, FullSync's read documents spread over the
  // whole big and small ones (LevelDB maps its table files: every page read stays in the
  // process's RSS as file-backed memory). So the floor then reads the very documents FullSync's
  // pulls sent (those of user007 and of the 20 users from big, user007's from small, with their
  // revisions) from its copies, through its `_bulk_get` (batches of 100, as PouchDB asks): the
  // same data read, without FullSync's layer.
  {
    const docs: { db: string; id: string; rev: string }[] = [];
    for (const [db, users] of [
      ["big", [...new Set([...Array.from({ length: concurrent }, (_, u) => u), MEASURED])]],
      ["small", [MEASURED]],
    ] as const) {
      const rows = new Map<string, string>();
      for (const u of users) {
        const r = await fetch(`${server.info.fullsync}/${db}/_changes`, {
          headers: { Cookie: `sid=${encodeURIComponent(userName(u))}` },
        });
        for (const c of ((await r.json()) as { results: { id: string; changes: { rev: string }[] }[] }).results)
          rows.set(c.id, c.changes[0]!.rev);
      }
      for (const [id, rev] of rows) docs.push({ db, id, rev });
    }
    const t0 = performance.now();
    let got = 0;
    for (let i = 0; i < docs.length; i += 400) {
      await Promise.all(
        [0, 100, 200, 300].map(async (k) => {
          const batch = docs.slice(i + k, i + k + 100).filter((x) => x.db === docs[i + k]?.db);
          const rest = docs.slice(i + k, i + k + 100).filter((x) => x.db !== docs[i + k]?.db);
          for (const part of [batch, rest]) {
            if (!part.length) continue;
            const r = await fetch(`${floorServer!.info.floor}/${part[0]!.db}/_bulk_get?revs=true`, {
              method: "POST",
              headers: { "Content-Type": "application/json" },
              body: JSON.stringify({ docs: part.map(({ id, rev }) => ({ id, rev })) }),
            });
            const b = (await r.json()) as { results: { docs: { ok?: unknown }[] }[] };
            got += b.results.filter((x) => x.docs[0]?.ok).length;
          }
        }),
      );
    }
    if (got !== docs.length) throw new Error(`the floor's big database gave ${got} of ${docs.length} documents`);
    const memSame = await memory();
    console.log(
      `  the floor after also reading the ${fmt(docs.length)} documents those pulls sent, from its copies of big and small (${fmt((performance.now() - t0) / 1000, 1)} s):\n  ${memLine(memSame)}`,
    );
    results.memoryAfterSameReads = memSame;
    results.rssRatioSameReads = memSame.fullsync.rssMb / memSame.floor.rssMb;
    // The same, once each server has run full collections: V8 grows its heap with a burst and
    // collects its old generation only when a limit is reached (neither server does, idle), so
    // the figures above also count garbage of the pulls; these count what each server holds.
    const memGc = await memory(true);
    console.log(`  the same, after full collections in both servers:\n  ${memLine(memGc)}`);
    results.memoryAfterSameReadsGc = memGc;
    results.rssRatioSameReadsGc = memGc.fullsync.rssMb / memGc.floor.rssMb;
  }

  // Live sync: a write on one device of the measured user reaching their second device.
  const d1 = new Mem(`live1-${randomUUID()}`);
  const d2 = new Mem(`live2-${randomUUID()}`);
  const s1 = sync(d1, remote(fsBig, measured), { live: true, retry: true });
  const s2 = sync(d2, remote(fsBig, measured), { live: true, retry: true });
  const lat: number[] = [];
  try {
    const seen = new Map<string, () => void>();
    const feed = (
      d2 as unknown as {
        changes(o: unknown): { on(e: string, f: (c: { id: string }) => void): unknown; cancel(): void };
      }
    ).changes({
      live: true,
      since: "now",
    });
    feed.on("change", (c) => seen.get(c.id)?.());
    // Wait until both devices hold the user's documents (their initial pull).
    const ready = async (d: PouchDb) => {
      for (;;) {
        if ((await d.allDocs({ limit: 0 })).total_rows >= visible) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await Promise.all([ready(d1), ready(d2)]);
    for (let i = 0; i < liveReps + 3; i++) {
      const id = `live-${i}-${randomUUID()}`;
      const arrived = new Promise<void>((r) => seen.set(id, r));
      const t0 = performance.now();
      await d1.put({ _id: id, "~c8oAcl": measured, n: i });
      await arrived;
      if (i >= 3) lat.push(performance.now() - t0); // the first three warm up
    }
    feed.cancel();
  } finally {
    await Promise.all([stopSync(s1), stopSync(s2)]);
    await d1.destroy();
    await d2.destroy();
  }
  console.log(
    `\nlive sync, device 1 write -> device 2 (${liveReps} writes): p50 ${fmt(pct(lat, 50))} ms, p95 ${fmt(pct(lat, 95))} ms`,
  );
  results.live = { ms: lat, p50: pct(lat, 50), p95: pct(lat, 95) };

  results.devices = await hundredDevices(fsBig, server.child.pid, server.info.fullsync);

  // The principal index at start: from the snapshot, then rebuilt from the change feed.
  await server.stop();
  server = await startServer(dir);
  const fromSnapshot = server.info.index.big as { source: string; ms: number; docs: number };
  await server.stop();
  const snapDir = path.join(dir, "fullsync", ".fullsync-index");
  for (const f of await readdir(snapDir)) await rm(path.join(snapDir, f));
  server = await startServer(dir);
  const rebuilt = server.info.index.big as { source: string; ms: number; docs: number };
  console.log(
    `\nprincipal index of the big database at start: ${fromSnapshot.source} ${fmt(fromSnapshot.ms)} ms, ${rebuilt.source} ${fmt(rebuilt.ms)} ms (${fmt(rebuilt.docs)} documents)`,
  );
  results.index = { snapshot: fromSnapshot, rebuilt };
} finally {
  await server.stop();
  await floorServer?.stop();
  if (!argv.includes("--keep")) await rm(dir, { recursive: true, force: true });
}
const out = path.join(WORK, quick ? "results-quick.json" : "results.json");
await writeFile(out, JSON.stringify(results, null, 2));
console.log(`\nfigures written to ${path.relative(ROOT, out)}`);
