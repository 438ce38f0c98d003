// bench/fullsync: what a device's pull costs through the FullSync layer.
// (a) a cold PouchDB pull by one user of the 1,990 documents they may see in a database of
//     100,000 (~1 KB each); (b) the floor: a cold pull of 1,990 such documents from an unfiltered
//     express-pouchdb database; (c) the same pull as (a) from a database of 10,000 documents.
// Also: 20 users pulling at once, live-sync latency between two devices of one user, and the
// principal index at start (snapshot load vs rebuild from the change feed).
// Run: npm run bench:fullsync [-- --quick] [--reps 5]. See bench/README.md.
// npm run bench:fullsync -- --external-index: the engine's start over an external CouchDB of
// 100,000 documents, with and without the index snapshot (external-index.ts).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
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
  console.log("npm run bench:fullsync [-- --quick] [--reps N] [--live N] [--keep]");
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
  floor: string;
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

async function rssMb(pid: number | undefined): Promise<number> {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

async function startServer(dir: string): Promise<{ info: ServerInfo; child: ChildProcess; stop(): Promise<void> }> {
  const script = path.join(ROOT, "bench", "fullsync", "server.ts");
  const args = [process.execPath, "--import", "tsx", script, "--dir", dir, "--sizes", JSON.stringify(sizes)];
  // The server alone on core 0, the devices (this process) on the other core.
  const child = canPin
    ? spawn("taskset", ["-c", "0", ...args], { stdio: ["pipe", "pipe", "inherit"], cwd: ROOT })
    : spawn(args[0]!, args.slice(1), { stdio: ["pipe", "pipe", "inherit"], cwd: ROOT });
  const info = await new Promise<ServerInfo>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once("line", (l) => resolve(JSON.parse(l) as ServerInfo));
    child.once("exit", (c) => reject(new Error(`bench server exited with ${c}`)));
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

// ---- devices -----------------------------------------------------------------------------------

await ensureMemoryAdapter();
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
try {
  console.log(
    `loaded: big ${fmt((server.info.load.big ?? 0) / 1000, 1)} s, small ${fmt((server.info.load.small ?? 0) / 1000, 1)} s`,
  );
  const fsBig = `${server.info.fullsync}/big`;
  const fsSmall = `${server.info.fullsync}/small`;
  const floor = `${server.info.floor}/floor`;

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
      const c0 = await cpuSeconds(server.child.pid);
      const p = await coldPull(url, who);
      cpu[key].push((await cpuSeconds(server.child.pid)) - c0);
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
  console.log(`  a/b = ${fmt(a / b, 2)} (target <= 1.3)   a/c = ${fmt(a / c, 2)} (target <= 1.2)`);
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
  const rss = await rssMb(server.child.pid);
  console.log(`  server resident memory after the pulls: ${fmt(rss)} MB`);
  results.serverRssMb = rss;

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
  if (!argv.includes("--keep")) await rm(dir, { recursive: true, force: true });
}
const out = path.join(WORK, quick ? "results-quick.json" : "results.json");
await writeFile(out, JSON.stringify(results, null, 2));
console.log(`\nfigures written to ${path.relative(ROOT, out)}`);
