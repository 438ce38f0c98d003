// bench/cluster/throughput: requests/s of the example FetchItems sequence with 1, 2 and 3
// `atelier server` processes behind a round-robin proxy (no stickiness), sessions in Redis; the
// CPU each process used per request, and what that predicts for a machine of N cores.
// Run: npm run bench:cluster:throughput [-- --duration 5 --rounds 3 --connections 48 --json FILE].
// See bench/README.md.
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { spawn, type ChildProcess } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "@redis/client";
import { Agent, request } from "undici";
import { freshDistEntry } from "../../bin/dist-state.js";
import { RedisDocs } from "../../engine/node/cluster/shared-docs.ts";
import { AdminStore } from "../../engine/node/admin/admin-store.ts";
import { ServerSettings } from "../../engine/node/admin/server-settings.ts";
import { deployProject } from "../../engine/node/deploy/deploy.ts";
import { startRedis, type TestRedis } from "../../engine/node/testing/redis.ts";
import { coreTimes, killAllOnExit, processCpuSeconds, startService, type Service } from "../engine-throughput/procs.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const WORK = path.join(ROOT, "bench/.work/cluster");

interface Options {
  servers: number;
  durationS: number;
  warmupS: number;
  settleS: number;
  rounds: number;
  connections: number;
  sessions: boolean;
  fromSources: boolean;
  json?: string;
}

function usage(): string {
  return `usage: npm run bench:cluster:throughput -- [options]
  --servers <n>       the largest cluster measured: 1..n servers (default 3)
  --duration <s>      measured seconds per cluster size and round (default 5)
  --warmup <s>        warm-up seconds through every server before the first round (default 3)
  --settle <s>        unmeasured seconds of load after each change of the proxy's upstreams (default 1)
  --rounds <n>        rounds; each measures every cluster size once, in rotated order (default 3)
  --connections <n>   concurrent client connections to the proxy (default 48)
  --anonymous         clients without a session (FetchItems then never reads Redis)
  --from-sources      run the servers from the TypeScript sources (tsx) even when dist/ is fresh
  --json <file>       write the results there (default bench/.work/cluster/throughput.json)
  --quick             smoke run: --duration 2 --warmup 1 --settle 0.5 --rounds 1`;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    servers: 3,
    durationS: 5,
    warmupS: 3,
    settleS: 1,
    rounds: 3,
    connections: 48,
    sessions: true,
    fromSources: false,
  };
  const num = (name: string, v: string | undefined, min: number) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`${name}: a number >= ${min}, not "${v}"`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    switch (a) {
      case "--servers":
        o.servers = Math.floor(num(a, next(), 1));
        break;
      case "--duration":
        o.durationS = num(a, next(), 0.5);
        break;
      case "--warmup":
        o.warmupS = num(a, next(), 0);
        break;
      case "--settle":
        o.settleS = num(a, next(), 0);
        break;
      case "--rounds":
        o.rounds = Math.floor(num(a, next(), 1));
        break;
      case "--connections":
        o.connections = Math.floor(num(a, next(), 1));
        break;
      case "--anonymous":
        o.sessions = false;
        break;
      case "--from-sources":
        o.fromSources = true;
        break;
      case "--json":
      case "--out":
        o.json = next();
        break;
      case "--quick":
        Object.assign(o, { durationS: 2, warmupS: 1, settleS: 0.5, rounds: 1 });
        break;
      case "--help":
      case "-h":
        console.log(usage());
        process.exit(0);
      // falls through (process.exit does not return)
      default:
        throw new Error(`unknown option ${a}\n${usage()}`);
    }
  }
  if (o.servers > 8) throw new Error("--servers: at most 8 on this machine");
  return o;
}

const log = (s: string) => console.log(s);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const pct = (sorted: Float64Array, p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const fmt = (n: number | undefined, d = 0) =>
  n === undefined || !Number.isFinite(n)
    ? "-"
    : n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

// ---------------------------------------------------------------------------------------------
// Processes

/** The proxy in its own process, driven over IPC (bench/cluster/proxy.ts). */
interface ProxyProcess {
  url: string;
  pid: number;
  set(upstreams: string[]): Promise<string[]>;
  counts(): Promise<{ counts: Record<string, number>; failures: number }>;
  stop(): Promise<void>;
}

async function startProxy(): Promise<ProxyProcess> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "bench/cluster/proxy.ts"], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const pending = new Map<number, (m: Record<string, unknown>) => void>();
  let seq = 0;
  const url = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the proxy exited (${code}) before it listened`)));
    child.on("message", (m: Record<string, unknown>) => {
      if (typeof m.url === "string") resolve(m.url);
      else pending.get(m.id as number)?.(m);
    });
  });
  child.removeAllListeners("exit");
  const rpc = (m: Record<string, unknown>) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const id = ++seq;
      pending.set(id, (r) => {
        pending.delete(id);
        resolve(r);
      });
      child.send({ id, ...m });
    });
  process.on("exit", () => child.kill("SIGKILL"));
  return {
    url,
    pid: child.pid!,
    set: async (upstreams) => (await rpc({ set: upstreams })).upstreams as string[],
    counts: async () => {
      const r = await rpc({ counts: true });
      return { counts: r.counts as Record<string, number>, failures: r.failures as number };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const t = setTimeout(() => child.kill("SIGKILL"), 5000);
        child.once("exit", () => {
          clearTimeout(t);
          resolve();
        });
        child.disconnect();
      }),
  };
}

interface ClusterServer {
  name: string;
  service: Service;
  /** Its base URL without the final "/". */
  base: string;
  dataDir: string;
}

const PASSWORD = "bench password, not a secret";

/** An `atelier server` process with sessions in Redis, the Demo project deployed through a PSC. */
async function startClusterServer(
  name: string,
  tmp: string,
  redisUrl: string,
  project: string,
  fromSources: boolean,
  started: Service[],
): Promise<ClusterServer> {
  const dataDir = path.join(tmp, name);
  await mkdir(dataDir, { recursive: true });
  // What an operator does before the first start (`atelier admin ... --redis`): the cluster's admin
  // user, the project's setting values (both kept in Redis, shared by every server).
  const docs = await RedisDocs.connect({ url: redisUrl });
  const store = new AdminStore(dataDir, docs);
  await store.addUser("bench", PASSWORD, ["deploy", "configure", "view"], true);
  const settings = await ServerSettings.open(dataDir, {}, docs);
  await settings.set("Demo", "itemsAllowedHosts", "127.0.0.1", false);
  const service = await startService({
    name,
    command: process.execPath,
    args: ["bin/atelier.js", "server", "--data", dataDir, "--port", "0", "--redis", redisUrl],
    cwd: ROOT,
    env: { ...process.env, ATELIER_LOG_LEVEL: "warn", ...(fromSources ? { ATELIER_FROM_SOURCES: "1" } : {}) },
    ready: /Atelier server: (\S+)/,
    timeoutMs: 60_000,
  });
  started.push(service);
  const psc = await store
    .createPsc({
      user: "bench",
      url: service.url,
      projects: ["Demo"],
      expiresInMs: 3_600_000,
    })
    .finally(() => docs.close());
  const stateDir = path.join(tmp, `${name}-deployer`);
  const r = await deployProject({
    projectDir: project,
    target: { url: service.url, credentials: { psc: psc.text } },
    stateDir,
    atelierVersion: "bench",
  });
  if (r.version !== 1) throw new Error(`${name}: deployed version ${r.version}, expected 1`);
  return { name, service, base: service.url.replace(/\/$/, ""), dataDir };
}

/** The deployed copy of examples/workspace/Demo, plus a sequence that opens a session. */
async function demoProject(tmp: string): Promise<string> {
  const dir = path.join(tmp, "workspace", "Demo");
  await cp(path.join(ROOT, "examples/workspace/Demo"), dir, { recursive: true });
  await writeFile(
    path.join(dir, "sequences", "BenchSession.yaml"),
    [
      "type: Sequence",
      "name: BenchSession",
      "id: seqbenchses1",
      "comment: Added by bench/cluster/throughput; opens a session (one value in it) for a client.",
      "children:",
      "  - type: SessionSet",
      "    name: keep",
      "    id: stbenchses01",
      "    key: client",
      "    expression: \"'bench'\"",
      "",
    ].join("\n"),
  );
  return dir;
}

// ---------------------------------------------------------------------------------------------
// Load

interface LoadResult {
  requests: number;
  errors: number;
  /** The first error's description. */
  firstError?: string;
  elapsedS: number;
  /** Latencies in ms, sorted. */
  latencies: Float64Array;
}

/**
 * A closed loop: `connections` clients, each sending its next request when the previous one has
 * been answered and read, until `seconds` have passed. Each client carries its session cookie.
 */
async function runLoad(
  dispatcher: Agent,
  url: string,
  cookies: (string | undefined)[],
  seconds: number,
  keepLatencies: boolean,
): Promise<LoadResult> {
  const lat: number[] = [];
  let requests = 0;
  let errors = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    cookies.map(async (cookie) => {
      const headers = cookie ? { cookie } : {};
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          const res = await request(url, { dispatcher, headers });
          await res.body.arrayBuffer();
          if (res.statusCode !== 200) {
            errors++;
            firstError ??= `HTTP ${res.statusCode}`;
          } else requests++;
        } catch (e) {
          errors++;
          firstError ??= (e as Error).message;
        }
        if (keepLatencies) lat.push(performance.now() - t0);
      }
    }),
  );
  const elapsedS = (performance.now() - start) / 1000;
  return { requests, errors, ...(firstError ? { firstError } : {}), elapsedS, latencies: new Float64Array(lat).sort() };
}

// ---------------------------------------------------------------------------------------------
// Measures

interface Measure {
  round: number;
  servers: number;
  reqPerSec: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  elapsedS: number;
  /** CPU seconds used during the measure. */
  cpu: { servers: number[]; proxy: number; loadgen: number; upstream: number; redis: number };
  /** Busy share of all the machine's cores during the measure (0..1), from /proc/stat. */
  machineBusy?: number;
  /** Requests each server answered (the proxy's counts): round robin spreads them evenly. */
  perServer: number[];
}

function cpuOf(pid: number): number {
  return processCpuSeconds(pid) ?? NaN;
}

function busyOfMachine(before: ReturnType<typeof coreTimes>, after: ReturnType<typeof coreTimes>): number | undefined {
  let busy = 0;
  let total = 0;
  for (const [cpu, a] of after) {
    const b = before.get(cpu);
    if (!b) continue;
    busy += a.busy - b.busy;
    total += a.total - b.total;
  }
  return total > 0 ? busy / total : undefined;
}

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  killAllOnExit();
  const cores = os.availableParallelism();
  const engineFrom =
    !o.fromSources && freshDistEntry(ROOT, "atelier") ? "dist/ (npm run build:engine)" : "sources (tsx)";
  const estimate =
    o.warmupS +
    o.rounds * o.servers * (o.settleS + o.durationS) +
    15 +
    o.servers * (engineFrom.startsWith("dist") ? 3 : 8);
  log(
    `cluster/throughput: GET /projects/Demo/.json?__sequence=FetchItems through a round-robin proxy, 1..${o.servers} servers; about ${Math.round(estimate)} s`,
  );
  if (engineFrom !== "dist/ (npm run build:engine)" && !o.fromSources)
    log("  NOTE: dist/ is missing or older than the sources: the servers run through tsx (npm run build:engine first)");

  const tmp = await mkdtemp(path.join(os.tmpdir(), "atelier-bench-cluster-"));
  let redis: TestRedis | undefined;
  let proxy: ProxyProcess | undefined;
  const services: Service[] = [];
  const servers: ClusterServer[] = [];
  const dispatcher = new Agent({ connections: o.connections, keepAliveTimeout: 30_000, pipelining: 1 });
  // A watchdog: whatever hangs, the benchmark ends (its children with it).
  const watchdog = setTimeout(
    () => {
      console.error("cluster/throughput: over 6 minutes, stopping");
      process.exit(2);
    },
    Math.max(360, estimate * 2) * 1000,
  );
  watchdog.unref();
  try {
    redis = await startRedis();
    const r = redis;
    process.on("exit", () => r.kill());
    const upstream = await startService({
      name: "upstream",
      command: process.execPath,
      args: ["--import", "tsx", "bench/engine-throughput/upstream.ts"],
      cwd: ROOT,
      ready: /UPSTREAM (\S+)/,
    });
    services.push(upstream);
    proxy = await startProxy();
    const project = await demoProject(tmp);
    const t0 = performance.now();
    // One after the other: a start's CPU burst would slow the others' and say nothing more.
    for (let i = 0; i < o.servers; i++) {
      servers.push(await startClusterServer(`server${i + 1}`, tmp, redis.url, project, o.fromSources, services));
    }
    log(`  ${o.servers} server(s) started and deployed in ${fmt((performance.now() - t0) / 1000, 1)} s`);

    const path_ = `/projects/Demo/.json?__sequence=FetchItems&baseUrl=${encodeURIComponent(upstream.url)}`;
    const url = new URL(path_, proxy.url).toString();

    // Each server must do the job right before its speed means anything.
    const items = (await (await request(`${upstream.url}/items`)).body.json()) as unknown;
    for (const s of servers) {
      const res = await request(s.base + path_);
      const body = (await res.body.json()) as { items?: unknown };
      if (res.statusCode !== 200 || JSON.stringify(body.items) !== JSON.stringify(items))
        throw new Error(`${s.name} answered HTTP ${res.statusCode} ${JSON.stringify(body).slice(0, 300)}`);
    }

    // One session per client, opened through the proxy (so on any server), kept in Redis.
    await proxy.set(servers.map((s) => s.base));
    const cookies: (string | undefined)[] = [];
    for (let i = 0; i < o.connections; i++) {
      if (!o.sessions) {
        cookies.push(undefined);
        continue;
      }
      const res = await request(new URL("/projects/Demo/.json?__sequence=BenchSession", proxy.url), { dispatcher });
      await res.body.arrayBuffer();
      const set = res.headers["set-cookie"];
      const cookie = (Array.isArray(set) ? set[0] : set)?.split(";")[0];
      if (res.statusCode !== 200 || !cookie?.startsWith("atelier_sid="))
        throw new Error(`BenchSession answered HTTP ${res.statusCode} without a session cookie`);
      cookies.push(cookie);
    }
    const redisClient = createClient({ url: redis.url });
    await redisClient.connect();
    // Session keys are `atelier:s:<hash of the id>` (engine/node/runtime/redis-sessions.ts).
    const sessionKeys = async () => (await redisClient.keys("atelier:s:*")).length;
    const keysAtStart = await sessionKeys();

    log(
      `  ${o.connections} client connections (closed loop, keep-alive, undici, in this process)${o.sessions ? `, each with its session (${keysAtStart} sessions in Redis)` : ", no session"}`,
    );
    log(
      `  ${o.rounds} round(s); each measures 1..${o.servers} servers (rotated order), ${o.settleS} s settle + ${o.durationS} s measured; medians of the rounds`,
    );
    log(
      `  servers: ${engineFrom}, Node ${process.version}; everything (servers, proxy, Redis, upstream, load generator) shares this machine's ${cores} cores, unpinned`,
    );

    if (o.warmupS > 0) {
      log(`  warm-up: ${o.warmupS} s through all ${o.servers} servers...`);
      const w = await runLoad(dispatcher, url, cookies, o.warmupS, false);
      if (w.errors) throw new Error(`warm-up: ${w.errors} failed requests (${w.firstError})`);
    }

    const measures: Measure[] = [];
    for (let round = 0; round < o.rounds; round++) {
      for (let k = 0; k < o.servers; k++) {
        const n = ((k + round) % o.servers) + 1;
        const active = servers.slice(0, n);
        await proxy.set(active.map((s) => s.base));
        if (o.settleS > 0) await runLoad(dispatcher, url, cookies, o.settleS, false);
        await proxy.set(active.map((s) => s.base)); // counts from zero
        const pids = {
          servers: active.map((s) => s.service.pid),
          proxy: proxy.pid,
          upstream: upstream.pid,
          redis: redis.pid,
        };
        const read = () => ({
          servers: pids.servers.map(cpuOf),
          proxy: cpuOf(pids.proxy),
          upstream: cpuOf(pids.upstream),
          redis: cpuOf(pids.redis),
          loadgen: (() => {
            const u = process.cpuUsage();
            return (u.user + u.system) / 1e6;
          })(),
          cores: coreTimes(),
        });
        const before = read();
        const l = await runLoad(dispatcher, url, cookies, o.durationS, true);
        const after = read();
        const { counts, failures } = await proxy.counts();
        const m: Measure = {
          round,
          servers: n,
          reqPerSec: l.requests / l.elapsedS,
          p50: pct(l.latencies, 50),
          p99: pct(l.latencies, 99),
          requests: l.requests,
          errors: l.errors + failures,
          elapsedS: l.elapsedS,
          cpu: {
            servers: after.servers.map((c, i) => c - before.servers[i]!),
            proxy: after.proxy - before.proxy,
            loadgen: after.loadgen - before.loadgen,
            upstream: after.upstream - before.upstream,
            redis: after.redis - before.redis,
          },
          machineBusy: busyOfMachine(before.cores, after.cores),
          perServer: active.map((s) => counts[s.base] ?? 0),
        };
        measures.push(m);
        log(
          `  round ${round + 1}, ${n} server(s): ${fmt(m.reqPerSec).padStart(6)} req/s  p50 ${fmt(m.p50, 1)} ms  p99 ${fmt(m.p99, 1)} ms` +
            `  cpu (cores): servers ${m.cpu.servers.map((c) => fmt(c / l.elapsedS, 2)).join("+")}, proxy ${fmt(m.cpu.proxy / l.elapsedS, 2)}, load gen ${fmt(m.cpu.loadgen / l.elapsedS, 2)}, upstream ${fmt(m.cpu.upstream / l.elapsedS, 2)}, redis ${fmt(m.cpu.redis / l.elapsedS, 2)}; machine ${fmt((m.machineBusy ?? NaN) * 100)}% busy` +
            `  [${m.perServer.join("/")} req]` +
            (m.errors ? `  ${m.errors} FAILED (${l.firstError ?? "proxy 502"})` : ""),
        );
      }
    }
    const keysAtEnd = await sessionKeys();
    await redisClient.close();

    // -------------------------------------------------------------------------------------------
    // Summary: medians of the rounds, per cluster size.
    const perReq = (cpuS: number, m: Measure) => (1000 * cpuS) / Math.max(1, m.requests + m.errors);
    const summary = Array.from({ length: o.servers }, (_, i) => {
      const n = i + 1;
      const ms = measures.filter((m) => m.servers === n);
      const med = (f: (m: Measure) => number) => median(ms.map(f));
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      const s = {
        servers: n,
        reqPerSec: med((m) => m.reqPerSec),
        p50: med((m) => m.p50),
        p99: med((m) => m.p99),
        /** CPU ms per request, all servers together (= per request of the one that served it). */
        serverMsPerReq: med((m) => perReq(sum(m.cpu.servers), m)),
        /** Cores each server kept busy (CPU s / s), median of the rounds, averaged over the servers. */
        coresPerServer: med((m) => sum(m.cpu.servers) / m.elapsedS / n),
        proxyMsPerReq: med((m) => perReq(m.cpu.proxy, m)),
        loadgenMsPerReq: med((m) => perReq(m.cpu.loadgen, m)),
        upstreamMsPerReq: med((m) => perReq(m.cpu.upstream, m)),
        redisMsPerReq: med((m) => perReq(m.cpu.redis, m)),
        allMsPerReq: med((m) =>
          perReq(sum(m.cpu.servers) + m.cpu.proxy + m.cpu.loadgen + m.cpu.upstream + m.cpu.redis, m),
        ),
        /** CPU of the processes of the benchmark (cores), and how busy the machine was (cores). */
        oursCores: med(
          (m) => (sum(m.cpu.servers) + m.cpu.proxy + m.cpu.loadgen + m.cpu.upstream + m.cpu.redis) / m.elapsedS,
        ),
        /** Requests per second per core the benchmark's processes got: what other load disturbs less. */
        reqPerOurCore: med(
          (m) =>
            m.requests /
            (m.cpu.servers.reduce((a, b) => a + b, 0) + m.cpu.proxy + m.cpu.loadgen + m.cpu.upstream + m.cpu.redis),
        ),
        machineCores: ms.every((m) => m.machineBusy !== undefined) ? med((m) => m.machineBusy! * cores) : undefined,
        /** The busiest server's share of the requests over the least busy's (round robin: 1.00). */
        spread: med((m) => Math.max(...m.perServer) / Math.max(1, Math.min(...m.perServer))),
        failures: ms.reduce((a, m) => a + m.errors, 0),
      };
      return s;
    });
    const one = summary[0]!;

    const row = (cells: [string, number][]) => cells.map(([t, w]) => (w < 0 ? t.padEnd(-w) : t.padStart(w))).join("  ");
    log("");
    log("throughput (medians of the rounds)");
    log(
      row([
        ["servers", -7],
        ["req/s", 7],
        ["x 1 srv", 7],
        ["p50 ms", 7],
        ["p99 ms", 7],
        ["req/s per core used", 19],
        ["x 1 srv", 7],
        ["cores used/busy", 15],
      ]),
    );
    for (const s of summary) {
      log(
        row([
          [String(s.servers), -7],
          [fmt(s.reqPerSec), 7],
          [fmt(s.reqPerSec / one.reqPerSec, 2), 7],
          [fmt(s.p50, 1), 7],
          [fmt(s.p99, 1), 7],
          [fmt(s.reqPerOurCore), 19],
          [fmt(s.reqPerOurCore / one.reqPerOurCore, 2), 7],
          [`${fmt(s.oursCores, 2)}/${fmt(s.machineCores, 2)}`, 15],
        ]),
      );
    }
    log(
      `  req/s per core used: requests / CPU seconds of all the benchmark's processes; cores used/busy: the CPU they used, and how busy the ${cores} cores were (other processes included)`,
    );
    log("");
    log("CPU per request, ms (medians of the rounds)");
    log(
      row([
        ["servers", -7],
        ["servers", 7],
        ["cores/server", 12],
        ["proxy", 6],
        ["load gen", 8],
        ["upstream", 8],
        ["redis", 6],
        ["all", 6],
        ["spread", 6],
      ]),
    );
    for (const s of summary) {
      log(
        row([
          [String(s.servers), -7],
          [fmt(s.serverMsPerReq, 3), 7],
          [fmt(s.coresPerServer, 2), 12],
          [fmt(s.proxyMsPerReq, 3), 6],
          [fmt(s.loadgenMsPerReq, 3), 8],
          [fmt(s.upstreamMsPerReq, 3), 8],
          [fmt(s.redisMsPerReq, 3), 6],
          [fmt(s.allMsPerReq, 3), 6],
          [fmt(s.spread, 2), 6],
        ]),
      );
    }
    log(
      "  servers: CPU of all the servers / requests (each request is served by one); cores/server: CPU s per s of each server;",
    );
    log("  spread: requests of the busiest server / of the least busy (round robin: 1.00).");
    log(
      `  Nothing is pinned: all these processes share the ${cores} cores, so the proxy, the load generator, the upstream and Redis take CPU the servers would have on a real cluster.`,
    );

    // Prediction: req/s per core-second of server CPU × cores.
    const costs = summary.map((s) => s.serverMsPerReq);
    const lo = Math.min(...costs);
    const hi = Math.max(...costs);
    const allCost = median(summary.map((s) => s.allMsPerReq));
    const ceilings = {
      proxy: 1000 / median(summary.map((s) => s.proxyMsPerReq)),
      redis: 1000 / median(summary.map((s) => s.redisMsPerReq)),
      upstream: 1000 / median(summary.map((s) => s.upstreamMsPerReq)),
    };
    log("");
    log(
      `prediction: one core-second of server CPU serves ${fmt(1000 / hi)}..${fmt(1000 / lo)} requests (server cpu ${fmt(lo, 3)}..${fmt(hi, 3)} ms/req over 1..${o.servers} servers)`,
    );
    const coreCounts = [2, 4, 8, 16];
    const predictions = coreCounts.map((n) => ({
      cores: n,
      serversOnly: { low: (n * 1000) / hi, high: (n * 1000) / lo },
      everythingOnTheseCores: (n * 1000) / allCost,
    }));
    for (const p of predictions) {
      log(
        `  ${String(p.cores).padStart(2)} cores, one server per core, the rest elsewhere: ${fmt(p.serversOnly.low).padStart(7)}..${fmt(p.serversOnly.high)} req/s;` +
          ` everything of this bench on the same ${p.cores} cores: ${fmt(p.everythingOnTheseCores)} req/s`,
      );
    }
    log(
      `  caveats: linear in cores only until a shared single-threaded part saturates: this proxy (one event loop) at ~${fmt(ceilings.proxy)} req/s, Redis (one thread) at ~${fmt(ceilings.redis)} req/s, this upstream (one process) at ~${fmt(ceilings.upstream)} req/s, at the CPU cost measured here;` +
        ` a real load balancer, items server and network add their own latency and limits; CPU per request measured on a loaded 2-core machine (context switches, shared caches) may differ on a larger one; the closed loop's ${o.connections} connections cap the concurrency.`,
    );
    if (o.sessions)
      log(
        `  sessions: ${keysAtStart} in Redis at the start, ${keysAtEnd} at the end (one per client; each call reads its own and renews its expiry)`,
      );

    const failures = summary.reduce((a, s) => a + s.failures, 0);
    if (failures) log(`WARNING: ${failures} failed requests during the measures`);
    for (const s of summary) {
      if (s.machineCores !== undefined && s.machineCores - s.oursCores > 0.25)
        log(
          `NOTE: other processes used ${fmt(s.machineCores - s.oursCores, 2)} cores while measuring ${s.servers} server(s): req/s understate; prefer the ms/req figures`,
        );
    }

    const report = {
      at: new Date().toISOString(),
      options: o,
      machine: { cores, node: process.version, engine: engineFrom },
      summary,
      prediction: { serverMsPerReq: { low: lo, high: hi }, allMsPerReq: allCost, ceilings, byCores: predictions },
      sessions: o.sessions ? { keysAtStart, keysAtEnd } : undefined,
      measures,
    };
    const file = o.json ? path.resolve(o.json) : path.join(WORK, "throughput.json");
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(report, null, 2) + "\n");
    log(`\nresults: ${path.relative(process.cwd(), file)}`);
    return failures ? 1 : 0;
  } finally {
    clearTimeout(watchdog);
    await dispatcher.close();
    await proxy?.stop();
    for (const s of services.reverse()) await s.stop();
    await redis?.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

process.exitCode = await main();
