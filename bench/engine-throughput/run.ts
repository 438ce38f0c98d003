// bench/engine-throughput: requests/s and latency of the FetchItems job (GET <upstream>/items,
// answered as JSON) on (a) the Atelier engine, (b) a Node-RED 5 flow, (c) a plain Express handler
// (global fetch), (c') Express with an undici Agent and (f) a bare node:http handler with an undici
// Pool (the physical floor); the event loop's delay of each, and the engine's with three looping
// JavaScript steps running at the same time.
// Run: npm run bench:engine [-- --duration 10 --rounds 3 --warmup 5 --connections 50 ...]
// See bench/README.md.
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readdir, stat } from "node:fs/promises";
import { writeNodeRedFiles, NODE_RED_PATH } from "./node-red.ts";
import { summarize } from "./prof-summary.ts";
import {
  canPin,
  coreTimes,
  freePort,
  killAllOnExit,
  pinSelf,
  processCpuSeconds,
  startService,
  type Service,
} from "./procs.ts";
import { ensureTools, type Tools } from "./tools.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const WORK = path.join(ROOT, "bench", ".work", "engine-throughput");

type TargetId = "engine" | "engine-before" | "node-red" | "express-fetch" | "express-undici" | "bare";
const ALL_TARGETS: TargetId[] = ["engine", "engine-before", "node-red", "express-fetch", "express-undici", "bare"];
const LABELS: Record<TargetId, string> = {
  engine: "(a)  Atelier engine, FetchItems sequence",
  "engine-before": "(a0) the engine of --before (same job)",
  "node-red": "(b)  Node-RED flow (http in/request/response)",
  "express-fetch": "(c)  Express + global fetch",
  "express-undici": "(c') Express + undici Agent (information)",
  bare: "(f)  bare node:http + undici Pool (floor)",
};
const PROBE = path.join(ROOT, "bench", "engine-throughput", "eld-probe.mjs");
/** The probe's sampling period (ms): what monitorEventLoopDelay reports beyond it is delay. */
const PROBE_RESOLUTION_MS = 2;

interface Options {
  durationS: number;
  warmupS: number;
  rounds: number;
  connections: number;
  targets: TargetId[];
  pin: boolean;
  targetCpu: number;
  loadCpu: number;
  cpuProf: boolean;
  /** Looping JavaScript steps run during the extra engine measure (0: no such measure). */
  jsLoops: number;
  /** How long each looping step spins (ms). */
  jsLoopMs: number;
  engineNode: string;
  /** The checkout whose engine is measured (default: this one). */
  engineRoot: string;
  /** Another checkout whose engine is measured beside it (target engine-before). */
  beforeRoot?: string;
  out?: string;
}

function usage(): string {
  return `usage: npm run bench:engine -- [options]
  --duration <s>      measured seconds per target and round (default 10)
  --warmup <s>        warm-up seconds per target before the first round (default 5)
  --rounds <n>        rounds; each measures every target once, in rotated order (default 3)
  --connections <n>   concurrent client connections (default 50)
  --targets <list>    comma-separated among ${ALL_TARGETS.join(",")} (default all)
  --target-cpu <n>    core of the server under test (default 0)
  --load-cpu <n>      core of the load generator and the upstream (default 1)
  --no-pin            do not pin processes to cores
  --engine-node <bin> Node binary running the engine and the Express baselines (default: this one);
                      "node22" uses the Node 22 installed for Node-RED
  --engine-root <dir> measure the engine of another checkout (before/after comparisons)
  --before <dir>      also measure the engine of that checkout in the same run (target engine-before,
                      ratio a/a0); build its dist/ first (npm run build:engine there)
  --js-loops <n>      looping JavaScript steps kept running during an extra engine measure (default 3; 0: skip it)
  --js-loop-ms <ms>   how long each of them spins (default 3000)
  --cpu-prof          profile the engine (V8 --cpu-prof) into bench/.work/engine-throughput/prof/
  --out <file>        also write the results as JSON there
  --quick             smoke run: --duration 3 --warmup 1 --rounds 1`;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    durationS: 10,
    warmupS: 5,
    rounds: 3,
    connections: 50,
    targets: [...ALL_TARGETS],
    pin: true,
    targetCpu: 0,
    loadCpu: 1,
    cpuProf: false,
    jsLoops: 3,
    jsLoopMs: 3000,
    engineNode: process.execPath,
    engineRoot: ROOT,
  };
  const num = (name: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < min) throw new Error(`${name} needs a number >= ${min}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    switch (a) {
      case "--duration":
        o.durationS = num(a, next(), 1);
        break;
      case "--warmup":
        o.warmupS = num(a, next(), 0);
        break;
      case "--rounds":
        o.rounds = Math.round(num(a, next(), 1));
        break;
      case "--connections":
        o.connections = Math.round(num(a, next(), 1));
        break;
      case "--target-cpu":
        o.targetCpu = Math.round(num(a, next(), 0));
        break;
      case "--load-cpu":
        o.loadCpu = Math.round(num(a, next(), 0));
        break;
      case "--targets": {
        const list = (next() ?? "").split(",").filter(Boolean);
        const bad = list.filter((t) => !ALL_TARGETS.includes(t as TargetId));
        if (!list.length || bad.length) throw new Error(`--targets: unknown ${bad.join(", ") || "(empty)"}`);
        o.targets = ALL_TARGETS.filter((t) => list.includes(t));
        break;
      }
      case "--no-pin":
        o.pin = false;
        break;
      case "--js-loops":
        o.jsLoops = Math.round(num(a, next(), 0));
        break;
      case "--js-loop-ms":
        o.jsLoopMs = Math.round(num(a, next(), 10));
        break;
      case "--cpu-prof":
        o.cpuProf = true;
        break;
      case "--engine-node":
        o.engineNode = next() ?? "";
        break;
      case "--engine-root":
        o.engineRoot = path.resolve(next() ?? "");
        break;
      case "--before":
        o.beforeRoot = path.resolve(next() ?? "");
        break;
      case "--out":
        o.out = next();
        break;
      case "--quick":
        o.durationS = 3;
        o.warmupS = 1;
        o.rounds = 1;
        break;
      case "--help":
      case "-h":
        process.stdout.write(usage() + "\n");
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${a}\n${usage()}`);
    }
  }
  if (!o.beforeRoot) {
    if (argv.includes("--targets") && o.targets.includes("engine-before"))
      throw new Error("--targets engine-before needs --before <dir>");
    o.targets = o.targets.filter((t) => t !== "engine-before");
  }
  return o;
}

const log = (s: string) => process.stdout.write(s + "\n");

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;

interface Measure {
  target: TargetId;
  round: number;
  reqPerSec: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** % of one core used by the server under test. */
  targetCpu?: number;
  /** % of one core used by the upstream, and by the load generator (this process). */
  upstreamCpu?: number;
  loadgenCpu: number;
  /** % busy of the target's core and of the load core, all processes of the machine included. */
  targetCoreBusy?: number;
  loadCoreBusy?: number;
  /** The server's event-loop delay during the measure (ms beyond the probe's sampling period). */
  eld?: EventLoopDelay;
}

interface EventLoopDelay {
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

interface Target {
  id: TargetId;
  url: string;
  service: Service;
  /** Where its event-loop probe writes. */
  eldFile: string;
  /** Picks the items array out of the target's answer. */
  items(body: unknown): unknown;
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const r = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const text = await r.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: r.status, body };
}

/** Polls a URL until it answers 200 (servers that do not print when they are ready). */
async function waitFor200(url: string, name: string, service: Service, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    if (service.proc.exitCode !== null) throw new Error(`${name} exited\n${service.stderrTail()}`);
    try {
      const r = await getJson(url);
      if (r.status === 200) return;
      last = `HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `${name} did not answer 200 at ${url} within ${timeoutMs / 1000} s (last: ${last})\n${service.stderrTail()}`,
  );
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** The sequence the looping-steps measure keeps running: one JavaScript step spinning `ms` milliseconds. */
const SPIN_SEQUENCE = `versions:
  Variable: 2
type: Sequence
name: BenchSpin
id: seqbenchspin
comment: Written by bench/engine-throughput; a JavaScript step that loops for ms milliseconds.
children:
  - type: Variable
    name: ms
    id: varbenchspin
    dataType: number
  - type: SequenceJS
    name: Loop
    id: stbenchloop1
    code: |
      var until = Date.now() + ms;
      var turns = 0;
      while (Date.now() < until) { turns = turns + 1; }
  - type: Element
    name: turns
    id: stbenchturns
    expression: turns
`;

/** A copy of the engine root's example workspace, with the BenchSpin sequence in its Demo project. */
async function benchWorkspace(o: Options, root = o.engineRoot): Promise<string> {
  const dir = path.join(WORK, `workspace-${root === o.engineRoot ? "" : "before-"}${process.pid}`);
  await rm(dir, { recursive: true, force: true });
  await cp(path.join(root, "examples", "workspace"), dir, { recursive: true });
  await writeFile(path.join(dir, "Demo", "sequences", "BenchSpin.yaml"), SPIN_SEQUENCE);
  return dir;
}

/** Ends the event-loop probe's window of a server and reads it (ms beyond the sampling period). */
async function readEld(t: Target): Promise<EventLoopDelay | undefined> {
  const before = await readFile(t.eldFile, "utf8").then(
    (x) => (JSON.parse(x) as { seq: number }).seq,
    () => 0,
  );
  t.service.proc.kill("SIGWINCH");
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const got = await readFile(t.eldFile, "utf8").then(
      (x) => JSON.parse(x) as EventLoopDelay & { seq: number },
      () => undefined,
    );
    if (got && got.seq > before) {
      const d = (v: number) => Math.max(0, v - PROBE_RESOLUTION_MS);
      return { p50: d(got.p50), p99: d(got.p99), max: d(got.max), mean: d(got.mean) };
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return undefined;
}

/** When the engine was started and when measuring began (the profile's part worth reading). */
let engineStartedAt = 0;
let measuringFrom = 0;

async function startTargets(o: Options, tools: Tools, upstream: string): Promise<Target[]> {
  const cpu = o.pin ? o.targetCpu : undefined;
  const targets: Target[] = [];
  const tsxImport = ["--import", "tsx"];
  const probe = ["--import", PROBE];
  await mkdir(path.join(WORK, "eld"), { recursive: true });
  for (const id of o.targets) {
    const eldFile = path.join(WORK, "eld", `${id}-${process.pid}.json`);
    await rm(eldFile, { force: true });
    const probeEnv = { BENCH_ELD_FILE: eldFile };
    if (id === "engine" || id === "engine-before") {
      if (id === "engine") engineStartedAt = Date.now();
      const profArgs = o.cpuProf && id === "engine" ? ["--cpu-prof", `--cpu-prof-dir=${path.join(WORK, "prof")}`] : [];
      const root = id === "engine" ? o.engineRoot : (o.beforeRoot as string);
      const service = await startService({
        name: id === "engine" ? "Atelier engine" : `Atelier engine of ${root}`,
        command: o.engineNode,
        args: [
          ...profArgs,
          ...probe,
          "bin/atelier.js",
          "serve",
          "--workspace",
          await benchWorkspace(o, root),
          "--port",
          "0",
        ],
        cwd: root,
        cpu,
        env: { ...process.env, ...probeEnv, ATELIER_LOG_LEVEL: "warn" },
        ready: /Atelier engine: (\S+)/,
      });
      const url = `${service.url.replace(/\/$/, "")}/projects/Demo/.json?__sequence=FetchItems&baseUrl=${encodeURIComponent(upstream)}`;
      targets.push({ id, url, service, eldFile, items: (b) => (b as { items?: unknown }).items });
    } else if (id === "node-red") {
      const port = await freePort();
      const files = await writeNodeRedFiles(WORK, port);
      const service = await startService({
        name: "Node-RED",
        command: tools.node22,
        args: [...probe, tools.nodeRedMain, "--settings", files.settings, "--userDir", files.userDir],
        cwd: files.userDir,
        cpu,
        env: { ...process.env, ...probeEnv, NODE_RED_HOME: files.userDir, NODE_ENV: "production" },
        url: `http://127.0.0.1:${port}`,
      });
      const url = `${service.url}${NODE_RED_PATH}?baseUrl=${encodeURIComponent(upstream)}`;
      await waitFor200(url, "Node-RED", service);
      targets.push({ id, url, service, eldFile, items: (b) => b });
    } else if (id === "bare") {
      const service = await startService({
        name: "bare node:http",
        command: o.engineNode,
        args: [...probe, ...tsxImport, "bench/engine-throughput/bare-floor.ts"],
        cwd: ROOT,
        cpu,
        env: { ...process.env, ...probeEnv },
        ready: /FLOOR (\S+)/,
      });
      const url = `${service.url}/items?baseUrl=${encodeURIComponent(upstream)}`;
      targets.push({ id, url, service, eldFile, items: (b) => (b as { items?: unknown }).items });
    } else {
      const mode = id === "express-fetch" ? "fetch" : "undici";
      const service = await startService({
        name: `Express (${mode})`,
        command: o.engineNode,
        args: [
          ...probe,
          ...tsxImport,
          "bench/engine-throughput/express-floor.ts",
          "--mode",
          mode,
          "--tools",
          tools.dir,
        ],
        cwd: ROOT,
        cpu,
        env: { ...process.env, ...probeEnv },
        ready: /FLOOR (\S+)/,
      });
      const url = `${service.url}/items?baseUrl=${encodeURIComponent(upstream)}`;
      targets.push({ id, url, service, eldFile, items: (b) => (b as { items?: unknown }).items });
    }
  }
  return targets;
}

async function measure(
  autocannon: Autocannon,
  t: Target,
  o: Options,
  seconds: number,
  round: number,
  upstream: Service,
): Promise<Measure> {
  await readEld(t); // starts a new window
  const t0 = processCpuSeconds(t.service.pid);
  const u0 = processCpuSeconds(upstream.pid);
  const self0 = process.cpuUsage();
  const cores0 = coreTimes();
  const started = process.hrtime.bigint();
  const r = await autocannon({ url: t.url, connections: o.connections, pipelining: 1, duration: seconds });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const t1 = processCpuSeconds(t.service.pid);
  const u1 = processCpuSeconds(upstream.pid);
  const self = process.cpuUsage(self0);
  const cores1 = coreTimes();
  const eld = await readEld(t);
  const pct = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? undefined : (100 * (b - a)) / wall;
  const busy = (cpu: number) => {
    const a = cores0.get(cpu);
    const b = cores1.get(cpu);
    return a && b && b.total > a.total ? (100 * (b.busy - a.busy)) / (b.total - a.total) : undefined;
  };
  return {
    target: t.id,
    round,
    reqPerSec: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    targetCpu: pct(t0, t1),
    upstreamCpu: pct(u0, u1),
    loadgenCpu: (100 * (self.user + self.system)) / 1e6 / wall,
    targetCoreBusy: o.pin ? busy(o.targetCpu) : undefined,
    loadCoreBusy: o.pin ? busy(o.loadCpu) : undefined,
    eld,
  };
}

interface LoopsResult {
  loops: number;
  loopMs: number;
  measure: Measure;
  /** Looping runs that ended during the measure, their durations (ms) and failures. */
  spinRuns: number;
  spinMs: { p50: number; max: number };
  failures: number;
}

/**
 * The engine measured again while `o.jsLoops` clients each keep a BenchSpin run going (a
 * JavaScript step looping `o.jsLoopMs` ms, then the next): the sandbox runs JavaScript in worker
 * threads, so serving the other requests and the event loop should hardly notice.
 */
async function loopsMeasure(
  autocannon: Autocannon,
  targets: Target[],
  o: Options,
  upstream: Service,
  plain: { reqPerSec: number; p99: number; eldP99?: number },
): Promise<LoopsResult> {
  const t = targets.find((x) => x.id === "engine") as Target;
  const spinUrl = `${new URL(t.url).origin}/projects/Demo/.json?__sequence=BenchSpin&ms=${o.jsLoopMs}`;
  let stop = false;
  const durations: number[] = [];
  let failures = 0;
  let measuring = false;
  const loop = async () => {
    while (!stop) {
      const t0 = Date.now();
      try {
        const r = await getJson(spinUrl);
        const turns = (r.body as { turns?: unknown }).turns;
        if (r.status !== 200 || typeof turns !== "number" || turns <= 0) {
          failures++;
          log(`  BenchSpin answered HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
        } else if (measuring) durations.push(Date.now() - t0);
      } catch (e) {
        failures++;
        log(`  BenchSpin failed: ${(e as Error).message}`);
      }
    }
  };
  const clients = Array.from({ length: o.jsLoops }, loop);
  // Measuring starts once the loops have been running for a while (their first runs started).
  await new Promise((r) => setTimeout(r, Math.min(1000, o.jsLoopMs / 2)));
  measuring = true;
  const m = await measure(autocannon, t, o, o.durationS, o.rounds, upstream);
  measuring = false;
  stop = true;
  await Promise.all(clients);
  const sorted = [...durations].sort((x, y) => x - y);
  const result: LoopsResult = {
    loops: o.jsLoops,
    loopMs: o.jsLoopMs,
    measure: m,
    spinRuns: durations.length,
    spinMs: { p50: sorted.length ? median(sorted) : NaN, max: sorted.at(-1) ?? NaN },
    failures: failures + m.non2xx + m.errors,
  };
  log("");
  log(
    `engine with ${o.jsLoops} looping JavaScript steps (${o.jsLoopMs} ms each, restarted as they end) running during the measure:`,
  );
  log(
    `  ${fmt(m.reqPerSec)} req/s (${fmt(m.reqPerSec / plain.reqPerSec, 2)}x without them), p99 ${fmt(m.p99, 1)} ms (${fmt(plain.p99, 1)} ms without), ` +
      `event loop delay p50/p99/max ${fmt(m.eld?.p50, 1)}/${fmt(m.eld?.p99, 1)}/${fmt(m.eld?.max, 1)} ms (p99 ${fmt(plain.eldP99, 1)} ms without); ` +
      `${result.spinRuns} looping runs ended meanwhile, ${fmt(result.spinMs.p50)} ms median, ${fmt(result.spinMs.max)} ms max` +
      (result.failures ? `; ${result.failures} FAILED requests` : ""),
  );
  return result;
}

const fmt = (n: number | undefined, digits = 0) =>
  n === undefined || !Number.isFinite(n)
    ? "-"
    : n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  killAllOnExit();
  if (o.pin) {
    if (os.availableParallelism() < 2 || !canPin() || Math.max(o.targetCpu, o.loadCpu) >= os.availableParallelism()) {
      log("Pinning off: needs taskset and 2 cores (figures then include scheduling noise).");
      o.pin = false;
    } else {
      pinSelf(o.loadCpu);
    }
  }
  const tools = await ensureTools(path.join(WORK, "tools"), (s) => log(`setup: ${s}`));
  if (o.engineNode === "node22") o.engineNode = tools.node22;
  const autocannon = tools.require("autocannon") as Autocannon;

  const upstream = await startService({
    name: "upstream",
    command: process.execPath,
    args: ["--import", "tsx", "bench/engine-throughput/upstream.ts"],
    cwd: ROOT,
    cpu: o.pin ? o.loadCpu : undefined,
    ready: /UPSTREAM (\S+)/,
  });
  const services: Service[] = [upstream];
  try {
    const expected = await getJson(`${upstream.url}/items`);
    const targets = await startTargets(o, tools, upstream.url);
    services.push(...targets.map((t) => t.service));

    // Each target must do the job right before its speed means anything.
    for (const t of targets) {
      const r = await getJson(t.url);
      const items = r.status === 200 ? t.items(r.body) : undefined;
      if (JSON.stringify(items) !== JSON.stringify(expected.body)) {
        throw new Error(
          `${LABELS[t.id]} answered HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)} instead of the upstream's items`,
        );
      }
    }

    const engineVersion = o.engineNode === process.execPath ? process.version : tools.node22Version;
    log("");
    log(`engine-throughput: GET <upstream>/items passed on as JSON; ${o.connections} connections, pipelining 1`);
    log(
      `  ${o.rounds} round(s) x ${o.durationS} s per target (rotated order) after ${o.warmupS} s of warm-up; medians of the rounds`,
    );
    log(
      o.pin
        ? `  placement: server under test on core ${o.targetCpu} (alone); load generator (autocannon, in this process) and upstream on core ${o.loadCpu}`
        : "  placement: not pinned",
    );
    log(
      `  engine of ${o.engineRoot}; Node ${engineVersion} for the engine and Express ${tools.expressVersion}; Node ${tools.node22Version} for Node-RED ${tools.nodeRedVersion}; autocannon ${tools.autocannonVersion}`,
    );
    if (o.warmupS > 0) {
      for (const t of targets) {
        log(`  warming up ${LABELS[t.id].trim()}...`);
        await autocannon({ url: t.url, connections: o.connections, pipelining: 1, duration: o.warmupS });
      }
    }
    const measures: Measure[] = [];
    measuringFrom = Date.now();
    for (let round = 0; round < o.rounds; round++) {
      for (let k = 0; k < targets.length; k++) {
        const t = targets[(k + round) % targets.length] as Target;
        const m = await measure(autocannon, t, o, o.durationS, round, upstream);
        measures.push(m);
        log(
          `  round ${round + 1} ${LABELS[t.id].padEnd(46)} ${fmt(m.reqPerSec).padStart(7)} req/s  p50 ${fmt(m.p50, 1)} ms  p99 ${fmt(m.p99, 1)} ms` +
            `  cpu: server ${fmt(m.targetCpu)}%, upstream ${fmt(m.upstreamCpu)}%, load gen ${fmt(m.loadgenCpu)}%` +
            (o.pin
              ? `; core ${o.targetCpu} busy ${fmt(m.targetCoreBusy)}%, core ${o.loadCpu} busy ${fmt(m.loadCoreBusy)}%`
              : "") +
            `; event loop delay p99 ${fmt(m.eld?.p99, 1)} ms` +
            (m.non2xx || m.errors ? `  (${m.non2xx} non-2xx, ${m.errors} errors)` : ""),
        );
      }
    }

    const summary = targets.map((t) => {
      const ms = measures.filter((m) => m.target === t.id);
      const med = (f: (m: Measure) => number | undefined) => {
        const v = ms.map(f).filter((x): x is number => x !== undefined);
        return v.length ? median(v) : undefined;
      };
      return {
        target: t.id,
        label: LABELS[t.id].trim(),
        reqPerSec: med((m) => m.reqPerSec) as number,
        p50: med((m) => m.p50) as number,
        p99: med((m) => m.p99) as number,
        targetCpu: med((m) => m.targetCpu),
        reqPerCpuSecond: med((m) => (m.targetCpu ? (100 * m.reqPerSec) / m.targetCpu : undefined)),
        targetCoreOther: med((m) =>
          m.targetCoreBusy !== undefined && m.targetCpu !== undefined ? m.targetCoreBusy - m.targetCpu : undefined,
        ),
        loadCoreBusy: med((m) => m.loadCoreBusy),
        loadSideCpu: med((m) => (m.upstreamCpu !== undefined ? m.upstreamCpu + m.loadgenCpu : undefined)),
        failures: ms.reduce((a, m) => a + m.non2xx + m.errors, 0),
        eldP50: med((m) => m.eld?.p50),
        eldP99: med((m) => m.eld?.p99),
        eldMax: med((m) => m.eld?.max),
      };
    });

    log("");
    log(
      `${"target".padEnd(46)} ${"req/s".padStart(8)} ${"p50 ms".padStart(7)} ${"p99 ms".padStart(7)}  loop delay p50/p99/max ms  server cpu  req/cpu-s  other load on its core  load core: ours/busy`,
    );
    for (const s of summary) {
      log(
        `${s.label.padEnd(46)} ${fmt(s.reqPerSec).padStart(8)} ${fmt(s.p50, 1).padStart(7)} ${fmt(s.p99, 1).padStart(7)}  ${`${fmt(s.eldP50, 1)}/${fmt(s.eldP99, 1)}/${fmt(s.eldMax, 1)}`.padStart(24)}  ${`${fmt(s.targetCpu)}%`.padStart(10)}  ${fmt(s.reqPerCpuSecond).padStart(9)}  ${`${fmt(s.targetCoreOther)}%`.padStart(22)}  ${`${fmt(s.loadSideCpu)}%/${fmt(s.loadCoreBusy)}%`.padStart(20)}`,
      );
    }
    const get = (id: TargetId) => summary.find((s) => s.target === id);
    const ratios: Record<string, number> = {};
    const a = get("engine");
    log("");
    log("ratios of req/s (and of req per server CPU-second, which other load on the machine disturbs less):");
    const ratioLine = (name: string, den: TargetId, goal?: number) => {
      const d = get(den);
      if (a === undefined || d === undefined) return;
      const r = a.reqPerSec / d.reqPerSec;
      ratios[name] = r;
      const perCpu =
        a.reqPerCpuSecond !== undefined && d.reqPerCpuSecond !== undefined
          ? a.reqPerCpuSecond / d.reqPerCpuSecond
          : undefined;
      if (perCpu !== undefined) ratios[`${name} per cpu-s`] = perCpu;
      log(
        `${name.padEnd(5)} = ${fmt(r, 2)}  (per cpu-s: ${fmt(perCpu, 2)})` +
          (goal !== undefined ? `   target >= ${goal}: ${r >= goal ? "met" : "MISSED"}` : "   information"),
      );
    };
    ratioLine("a/a0", "engine-before");
    ratioLine("a/f", "bare", 0.5);
    ratioLine("a/b", "node-red", 2.5);
    ratioLine("a/c", "express-fetch");
    ratioLine("a/c'", "express-undici");
    const nr = get("node-red");
    if (a && nr) {
      ratios["p99 a/b"] = a.p99 / nr.p99;
      log(
        `p99 a/b = ${fmt(a.p99 / nr.p99, 2)}  (${fmt(a.p99, 1)} ms vs ${fmt(nr.p99, 1)} ms)   target <= 1: ${a.p99 <= nr.p99 ? "met" : "MISSED"}`,
      );
    }
    const loops = a && o.jsLoops > 0 ? await loopsMeasure(autocannon, targets, o, upstream, a) : undefined;
    const failures = summary.filter((s) => s.failures > 0);
    for (const s of failures) log(`WARNING: ${s.label}: ${s.failures} failed requests during measurement`);
    let busyMachine = false;
    for (const s of summary) {
      if (s.loadSideCpu !== undefined && s.loadSideCpu > 85)
        log(
          `NOTE: the load generator and the upstream used ${fmt(s.loadSideCpu)}% of core ${o.loadCpu} while measuring ${s.label}: the load they offered may have limited its figure`,
        );
      const otherLoad =
        s.loadCoreBusy !== undefined && s.loadSideCpu !== undefined ? s.loadCoreBusy - s.loadSideCpu : undefined;
      if ((s.targetCoreOther ?? 0) > 10 || (otherLoad ?? 0) > 25) {
        busyMachine = true;
        log(
          `NOTE: other processes used ${fmt(s.targetCoreOther)}% of core ${o.targetCpu} and ${fmt(otherLoad)}% of core ${o.loadCpu} while measuring ${s.label}`,
        );
      }
    }
    if (busyMachine)
      log(
        "The machine was busy with other work: req/s understate what the servers can do; prefer the per cpu-s ratios.",
      );

    const report = {
      at: new Date().toISOString(),
      options: { ...o, engineNode: engineVersion },
      versions: {
        engineNode: engineVersion,
        nodeRedNode: tools.node22Version,
        nodeRed: tools.nodeRedVersion,
        express: tools.expressVersion,
        autocannon: tools.autocannonVersion,
      },
      summary,
      ratios,
      jsLoops: loops,
      measures,
    };
    await mkdir(WORK, { recursive: true });
    const file = o.out ? path.resolve(o.out) : path.join(WORK, `results-${report.at.replace(/[:.]/g, "-")}.json`);
    await writeFile(file, JSON.stringify(report, null, 2) + "\n");
    log(`\nresults: ${path.relative(process.cwd(), file)}`);
    return failures.length || (loops && loops.failures > 0) ? 1 : 0;
  } finally {
    for (const s of services.reverse()) await s.stop();
    if (o.cpuProf) await reportProfile();
  }
}

/** Summarizes the engine's main-thread profile (the largest file written by this run). */
async function reportProfile(): Promise<void> {
  const dir = path.join(WORK, "prof");
  const files = await Promise.all(
    (await readdir(dir).catch(() => [] as string[]))
      .filter((f) => f.endsWith(".cpuprofile"))
      .map(async (f) => ({ f: path.join(dir, f), s: await stat(path.join(dir, f)) })),
  );
  const mine = files.filter((x) => x.s.mtimeMs >= engineStartedAt).sort((a, b) => b.s.size - a.s.size)[0];
  if (!mine) {
    log("no engine CPU profile was written (did the engine exit cleanly?)");
    return;
  }
  const skip = measuringFrom > engineStartedAt ? (measuringFrom - engineStartedAt) / 1000 : 0;
  log(`\nengine CPU profile: ${path.relative(process.cwd(), mine.f)} (measured part only)`);
  log(await summarize(mine.f, 25, skip));
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`engine-throughput: ${(e as Error).message ?? String(e)}\n`);
    process.exit(1);
  },
);
