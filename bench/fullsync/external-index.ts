// bench/fullsync --external-index: how long the engine takes to start over an external CouchDB
// holding 100,000 documents, with and without the principal index snapshot.
//
// The peer is a CouchDB-compatible server in its own process (embedded-db/test/couch-server.ts:
// express-pouchdb 4.2 over LevelDB, an admin password), pinned to core 0 when taskset exists;
// its database `big` holds bench/fullsync/data.ts's 100,000 documents of ~1 KB (written into
// its LevelDB files before it starts). The engine (startAtelier on a workspace whose FullSync
// connector declares `big`, atelier.config.yaml naming the peer) runs in this process. Measured:
//   feed    reading the whole change feed with include_docs, plain fetch, no FullSync: the floor
//           of any rebuild over this server;
//   rebuilt engine start without a snapshot (what every start cost before snapshots were kept
//           in this mode; the index is built from the change feed);
//   snapshot engine start loading the snapshot the previous close saved;
//   catch-up engine start from the snapshot after another program wrote 1,000 documents;
// each with the engine's CPU time (what a faster server would leave: the peer is the bottleneck).
// Run: npm run bench:fullsync -- --external-index [--docs 100000] [--reps 1]. Bounded: the peer
// must start within 60 s, each engine start within 10 min.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { PouchDB } from "../../embedded-db/pouch.ts";
import { startAtelier } from "../../engine/node/app.ts";
import { EngineLog } from "../../engine/node/log.ts";
import { FULL, bigSet, type BenchSizes } from "./data.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const WORK = path.join(ROOT, "bench", ".work", "fullsync");
const argv = process.argv.slice(2);
const numArg = (name: string, dflt: number) => {
  const i = argv.indexOf(`--${name}`);
  const n = i >= 0 ? Number(argv[i + 1]) : dflt;
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
  return n;
};
const docs = numArg("docs", 100_000);
const reps = numArg("reps", 1);
const user = "admin";
const password = `bench-${process.pid}-${Date.now()}`;
const auth = "Basic " + Buffer.from(`${user}:${password}`).toString("base64");
const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> => {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_r, reject) => {
      t = setTimeout(() => reject(new Error(`${what} took more than ${ms / 1000} s`)), ms);
      t.unref();
    }),
  ]).finally(() => clearTimeout(t));
};

/** The data set's shape for `docs` documents: bench/fullsync's, scaled. */
function sizesFor(n: number): BenchSizes {
  const f = n / 100_000;
  const perUser = Math.max(1, Math.round(FULL.perUser * f));
  const perGroup = Math.max(1, Math.round(FULL.perGroup * f));
  const pub = Math.max(0, n - FULL.users * perUser - FULL.groups * perGroup);
  return { ...FULL, perUser, perGroup, public: pub };
}

const canPin = spawnSync("taskset", ["-c", "0", "true"]).status === 0;

async function startPeer(dir: string): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const script = path.join(ROOT, "embedded-db", "test", "couch-server.ts");
  const args = [process.execPath, "--import", "tsx", script, "--port", "0", "--dir", dir, "--user", user];
  const env = { ...process.env, COUCH_PASSWORD: password };
  const child = canPin
    ? spawn("taskset", ["-c", "0", ...args], { stdio: ["pipe", "pipe", "inherit"], cwd: ROOT, env })
    : spawn(args[0]!, args.slice(1), { stdio: ["pipe", "pipe", "inherit"], cwd: ROOT, env });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  const url = await withTimeout(
    new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once("line", (l) => resolve((JSON.parse(l) as { url: string }).url));
      child.once("exit", (c) => reject(new Error(`the CouchDB peer exited (${c})`)));
    }),
    60_000,
    "starting the CouchDB peer",
  ).catch(async (e: unknown) => {
    await stop();
    throw e;
  });
  return { url, child, stop };
}

async function workspace(dir: string, couchUrl: string): Promise<string> {
  const ws = path.join(dir, "workspace");
  await mkdir(path.join(ws, "Bench", "connectors"), { recursive: true });
  await writeFile(
    path.join(ws, "Bench", "project.yaml"),
    stringify({ atelier: 1, type: "Project", name: "Bench", id: "bench" }),
  );
  await writeFile(
    path.join(ws, "Bench", "connectors", "Big.yaml"),
    stringify({ type: "FullSyncConnector", name: "Big", id: "c-big", databaseName: "big" }),
  );
  await writeFile(
    path.join(ws, "atelier.config.yaml"),
    stringify({ fullsync: { couchUrl, username: user, passwordEnv: "BENCH_COUCH_PASSWORD" } }),
  );
  return ws;
}

interface Start {
  kind: "rebuilt" | "snapshot" | "catch-up";
  /** startAtelier, from the call to a serving engine. */
  wallMs: number;
  /** Opening the database and its index (indexStats). */
  indexMs: number;
  source: string;
  docs: number;
  /** CPU time of this process (the engine) during the start: the part a faster server does not remove. */
  cpuMs: number;
}

async function engineStart(ws: string, kind: Start["kind"]): Promise<Start> {
  const log = new EngineLog({ level: "silent" });
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  const app = await withTimeout(
    startAtelier({
      workspaceDir: ws,
      port: 0,
      studio: false,
      scheduler: false,
      log,
      env: { ...process.env, BENCH_COUCH_PASSWORD: password },
    }),
    600_000,
    "an engine start",
  );
  const wallMs = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  try {
    const server = app.fullsync?.server as unknown as {
      indexStats(db: string): { source: string; ms: number; docs: number } | undefined;
    };
    const stats = server?.indexStats("big");
    if (!stats) {
      const said = log
        .recent()
        .map((r) => `${r.level}: ${r.message}`)
        .join("\n");
      throw new Error(`the engine did not open "big":\n${said}`);
    }
    return {
      kind,
      wallMs,
      indexMs: stats.ms,
      source: stats.source,
      docs: stats.docs,
      cpuMs: (cpu.user + cpu.system) / 1000,
    };
  } finally {
    await app.close(); // saves the snapshot
  }
}

await mkdir(WORK, { recursive: true });
const dir = await mkdtemp(path.join(os.tmpdir(), "atelier-bench-external-index-"));
const sizes = sizesFor(docs);
console.log(
  `bench/fullsync --external-index: ${fmt(docs)} documents (~1 KB) in an external CouchDB-compatible server ` +
    `(express-pouchdb 4.2, LevelDB, admin password, ${canPin ? "pinned to core 0" : "not pinned"}); ` +
    `${reps} repetition(s); data in ${dir}`,
);
const results: Record<string, unknown> = { docs, reps, pinned: canPin, when: new Date().toISOString() };
let peer: Awaited<ReturnType<typeof startPeer>> | undefined;
try {
  // The data, written into the peer's LevelDB files before it starts.
  const couchDir = path.join(dir, "couch");
  await mkdir(couchDir, { recursive: true });
  const Local = PouchDB.defaults({ prefix: couchDir + "/" });
  const db = new Local("big");
  const t0 = performance.now();
  const set = bigSet(sizes);
  for (let i = 0; i < set.length; i += 2000) await db.bulkDocs(set.slice(i, i + 2000));
  await db.close();
  console.log(`written ${fmt(set.length)} documents in ${fmt((performance.now() - t0) / 1000, 1)} s`);
  results.writtenDocs = set.length;

  peer = await startPeer(couchDir);
  const peerUrl = peer.url;
  // The server learns of a database made in its files when it is created through it (the files
  // are opened as they are), and gets its _security as an operator gives it.
  const admin = (method: string, p: string, body?: unknown) =>
    fetch(`${peerUrl}${p}`, {
      method,
      headers: { Authorization: auth, ...(body ? { "Content-Type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  if ((await admin("PUT", "/big")).status !== 201) throw new Error("the peer did not open the database big");
  const who = { names: [user], roles: [] };
  await admin("PUT", "/big/_security", { admins: who, members: who });

  // The floor: the whole feed with bodies, as the index reads it (batches of 500), no FullSync.
  const feed: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    let since: unknown = 0;
    let rows = 0;
    for (;;) {
      const res = await fetch(
        `${peerUrl}/big/_changes?include_docs=true&style=all_docs&limit=500&since=${encodeURIComponent(JSON.stringify(since))}`,
        { headers: { Authorization: auth } },
      );
      const body = (await res.json()) as { results: unknown[]; last_seq: unknown };
      if (!Array.isArray(body.results))
        throw new Error(`the feed answered HTTP ${res.status}: ${JSON.stringify(body)}`);
      if (!body.results.length) break;
      rows += body.results.length;
      since = body.last_seq;
    }
    feed.push(performance.now() - t);
    if (rows < docs) throw new Error(`the feed gave ${rows} rows, expected ${docs}`);
  }

  const ws = await workspace(dir, peerUrl);
  const snapshots = path.join(ws, ".atelier", "fullsync", ".fullsync-index");
  const starts: Start[] = [];
  for (let r = 0; r < reps; r++) {
    // Without a snapshot (none in the workspace yet, or removed): rebuilt from the feed.
    await rm(snapshots, { recursive: true, force: true });
    starts.push(await engineStart(ws, "rebuilt"));
    starts.push(await engineStart(ws, "snapshot"));
    // Another program writes 1,000 documents while the engine is stopped.
    const more = Array.from({ length: 1000 }, (_, i) => ({
      _id: `more-${r}-${String(i).padStart(4, "0")}`,
      "~c8oAcl": `user${String(i % 100).padStart(3, "0")}`,
      payload: "y".repeat(900),
    }));
    const w = await admin("POST", "/big/_bulk_docs", { docs: more });
    if (w.status !== 201) throw new Error(`writing 1,000 documents answered HTTP ${w.status}`);
    starts.push(await engineStart(ws, "catch-up"));
  }
  for (const s of starts) {
    const expected = s.kind === "rebuilt" ? "rebuilt" : "snapshot";
    if (s.source !== expected) throw new Error(`a ${s.kind} start used the index ${s.source}, expected ${expected}`);
  }

  const of = (k: Start["kind"]) => starts.filter((s) => s.kind === k);
  const row = (label: string, xs: Start[]) =>
    `  ${label.padEnd(44)} ${fmt(median(xs.map((s) => s.wallMs)) / 1000, 2).padStart(7)} s  ` +
    `(index ${fmt(median(xs.map((s) => s.indexMs)) / 1000, 2)} s, engine CPU ${fmt(median(xs.map((s) => s.cpuMs)) / 1000, 2)} s, ${fmt(xs[0]!.docs)} documents)`;
  console.log(`\nengine start over the external CouchDB (median of ${reps}):`);
  console.log(
    `  ${"feed read alone (include_docs, no FullSync)".padEnd(44)} ${fmt(median(feed) / 1000, 2).padStart(7)} s`,
  );
  console.log(row("without snapshot (index rebuilt from feed)", of("rebuilt")));
  console.log(row("with snapshot", of("snapshot")));
  console.log(row("with snapshot, 1,000 new documents to read", of("catch-up")));
  results.feedMs = feed;
  results.starts = starts;
  const file = path.join(WORK, "external-index.json");
  await writeFile(file, JSON.stringify(results, null, 2) + "\n");
  console.log(`\nwritten to ${path.relative(ROOT, file)}`);
} finally {
  await peer?.stop();
  await rm(dir, { recursive: true, force: true });
}
