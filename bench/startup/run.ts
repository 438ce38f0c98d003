// bench/startup: the cold start of the `atelier` command and the idle memory of `atelier serve`.
//
//   (a) wall time of `node bin/atelier.js run --project examples/workspace/Demo --sequence Greet`
//       over N runs (median, p90), beside Node's own start (`node -e 0`) and the cheapest command
//       (`node bin/atelier.js --help`) measured in the same rounds (order rotated); target < 300 ms.
//   (b) where a run's time goes: Node's bootstrap, module loading, workspace loading, the run, the
//       close and the exit, from the `atelier:*` performance marks of the CLI (read by a preloaded
//       bench/startup/marks.mjs, medians of a few runs), and one --cpu-prof of a run summed by
//       package (self time).
//   (c) RSS of `atelier serve --workspace <copy of examples/workspace> --port 0` once it serves,
//       after 5 s idle, after one request to a sequence and 5 s more, beside a bare
//       `http.createServer().listen(0)` Node process measured the same way.
//
// Run: npm run bench:startup [-- --runs 15 --idle 5 --rounds 3 --json FILE]. It measures the
// compiled engine (dist/), built first when missing or older than the sources. See bench/README.md.
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freshDistEntry } from "../../bin/dist-state.js";

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const work = path.join(here, "bench/.work/startup");
const argv = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
};
if (argv.includes("--help")) {
  process.stdout.write(
    "npm run bench:startup [-- --runs 15 --idle 5 --rounds 3 --json FILE --root CHECKOUT]\n" +
      "  --root: measure another checkout's bin/atelier.js and dist/ (an older commit, its node_modules\n" +
      "          linked), to compare two versions under the same machine load\n",
  );
  process.exit(0);
}
/** The checkout measured: this one, or --root (its bin/atelier.js, dist/ and example workspace). */
const root = path.resolve(opt("root", here));
const node = process.execPath;
const RUNS = Number(opt("runs", "15"));
const IDLE_S = Number(opt("idle", "5"));
const ROUNDS = Number(opt("rounds", "3"));
const JSON_OUT = path.resolve(opt("json", path.join(work, "results.json")));
const TARGET_MS = 300;

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => {
  const s = sorted(xs);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const p90 = (xs: number[]) => sorted(xs)[Math.ceil(0.9 * xs.length) - 1]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;
const mib = (kb: number) => `${(kb / 1024).toFixed(1)} MiB`;
const pad = (s: string, n: number) => s.padEnd(n);

// ---- the compiled engine, fresh ----
if (!freshDistEntry(root, "atelier")) {
  process.stdout.write("dist/ is missing or older than the sources: npm run build:engine\n");
  const b = spawnSync(node, ["--import", "tsx", "build/build-engine.ts"], { cwd: root, stdio: "inherit" });
  if (b.status !== 0 || !freshDistEntry(root, "atelier")) throw new Error("npm run build:engine failed");
}
mkdirSync(work, { recursive: true });
const bin = path.join(root, "bin/atelier.js");
const demo = path.join(root, "examples/workspace/Demo");

// ---- (a) wall time ----
const commands: { name: string; args: string[]; check?: (out: string) => boolean }[] = [
  { name: "node -e 0", args: ["-e", "0"] },
  { name: "atelier --help", args: [bin, "--help"] },
  {
    name: "atelier run ... Greet",
    args: [bin, "run", "--project", demo, "--sequence", "Greet"],
    check: (out) => JSON.parse(out).greeting === "Hello, World!",
  },
];
const once = (args: string[], env: NodeJS.ProcessEnv = process.env) => {
  const t0 = performance.now();
  const r = spawnSync(node, args, { cwd: root, env, encoding: "utf8" });
  const t = performance.now() - t0;
  return { t, r };
};
for (const c of commands) {
  // Warm-up (the OS's file cache), and the answer checked.
  for (let i = 0; i < 2; i++) {
    const { r } = once(c.args);
    if (r.status !== 0 || (c.check && !c.check(r.stdout)))
      throw new Error(`${c.name}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  }
}
const times = new Map<string, number[]>(commands.map((c) => [c.name, []]));
for (let i = 0; i < RUNS; i++) {
  for (let k = 0; k < commands.length; k++) {
    const c = commands[(i + k) % commands.length]!;
    times.get(c.name)!.push(once(c.args).t);
  }
}
const nodeMed = median(times.get("node -e 0")!);
const wall = commands.map((c) => {
  const xs = times.get(c.name)!;
  return { command: c.name, median: median(xs), p90: p90(xs), min: Math.min(...xs), overNode: median(xs) / nodeMed };
});
const runRow = wall[2]!;
let report = "";
const say = (line = "") => {
  report += line + "\n";
  process.stdout.write(line + "\n");
};
say(
  `startup: ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(2)}, Node ${process.version}, ${path.relative(here, path.join(root, "dist")) || "dist"}/`,
);
say(`(a) wall time, ${RUNS} runs each (order rotated), ms`);
say(`  ${pad("command", 24)} ${pad("median", 8)} ${pad("p90", 8)} ${pad("min", 8)} × node -e 0`);
for (const w of wall)
  say(
    `  ${pad(w.command, 24)} ${pad(w.median.toFixed(0), 8)} ${pad(w.p90.toFixed(0), 8)} ${pad(w.min.toFixed(0), 8)} ×${w.overNode.toFixed(2)}`,
  );
say(
  `  run Greet: ${ms(runRow.median)} median, target < ${TARGET_MS} ms: ×${(runRow.median / TARGET_MS).toFixed(2)} of the target (${runRow.median < TARGET_MS ? "met" : "NOT met"}); above Node's own start: ${ms(runRow.median - nodeMed)}`,
);

// ---- (b) the split ----
const marksFile = path.join(work, "marks.json");
const splits: Record<string, number>[] = [];
const SPLIT_RUNS = 5;
for (let i = 0; i < SPLIT_RUNS; i++) {
  rmSync(marksFile, { force: true });
  const { t } = once(["--import", path.join(here, "bench/startup/marks.mjs"), ...commands[2]!.args], {
    ...process.env,
    ATELIER_MARKS_FILE: marksFile,
  });
  const m = JSON.parse(readFileSync(marksFile, "utf8")) as {
    bootstrapComplete: number;
    marks: Record<string, number>;
    exit: number;
  };
  const k = m.marks;
  splits.push({
    "Node bootstrap": m.bootstrapComplete,
    "bin/atelier.js, dist check": k["atelier:bin"]! - m.bootstrapComplete,
    // atelier:loaded (the engine's modules loaded by the run command) exists since the CLI loads
    // them lazily; before, they were loaded with the CLI's (up to atelier:main).
    "module loading: CLI": k["atelier:main"]! - k["atelier:bin"]!,
    "module loading: engine (run command)": (k["atelier:loaded"] ?? k["atelier:main"]!) - k["atelier:main"]!,
    "workspace open (Engine.open)": k["atelier:opened"]! - (k["atelier:loaded"] ?? k["atelier:main"]!),
    "the run": k["atelier:ran"]! - k["atelier:opened"]!,
    "print, engine close": k["atelier:closed"]! - k["atelier:ran"]!,
    "until exit (handles left)": m.exit - k["atelier:closed"]!,
    "in the process": m.exit,
    "process start + teardown (wall - in process)": t - m.exit,
  });
}
const split = Object.fromEntries(Object.keys(splits[0]!).map((k) => [k, median(splits.map((s) => s[k]!))]));
say(`(b) where a run's time goes (medians of ${SPLIT_RUNS} runs, from the CLI's performance marks)`);
for (const [k, v] of Object.entries(split)) say(`  ${pad(k, 46)} ${v.toFixed(1).padStart(7)} ms`);

const profDir = path.join(work, "cpu-prof");
rmSync(profDir, { recursive: true, force: true });
once(["--cpu-prof", "--cpu-prof-dir", profDir, "--cpu-prof-interval", "250", ...commands[2]!.args]);
const profFile = path.join(
  profDir,
  readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"))!,
);
const byPackage = summarizeProfile(profFile);
say(`  one --cpu-prof of a run, self time by where the code is (top 12; ${path.relative(here, profFile)}):`);
for (const [k, v] of byPackage.slice(0, 12)) say(`    ${pad(k, 44)} ${v.toFixed(1).padStart(7)} ms`);

/** Self time of a V8 CPU profile by package (node_modules), own bundle, Node's internals, GC, idle. */
function summarizeProfile(file: string): [string, number][] {
  const p = JSON.parse(readFileSync(file, "utf8")) as {
    nodes: { id: number; callFrame: { url: string; functionName: string } }[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const sums = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const f = byId.get(id)!.callFrame;
    const pkg = f.url.match(/node_modules\/((@[^/]+\/)?[^/]+)/);
    const key = !f.url
      ? `${f.functionName || "(anonymous)"}${/^\(/.test(f.functionName) ? "" : " (native: file reads, compile...)"}`
      : pkg
        ? `npm ${pkg[1]}`
        : f.url.startsWith("node:")
          ? "Node internals (module loader...)"
          : f.url.includes("/dist/")
            ? "Atelier (dist/)"
            : path.basename(f.url);
    sums.set(key, (sums.get(key) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  });
  return [...sums].sort((a, b) => b[1] - a[1]);
}

// ---- (c) idle RSS of `atelier serve` ----
const rssKb = (pid: number): number => {
  const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/);
  return m ? Number(m[1]) : NaN;
};
const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

interface RssRound {
  readyMs: number;
  started: number;
  idle: number;
  /** The first request's time (what a lazily loaded module would add to it). */
  firstRequestMs: number;
  afterRequest: number;
}
async function measureServer(args: string[], ready: RegExp, request?: (url: string) => Promise<void>) {
  const t0 = performance.now();
  const child = spawn(node, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      out += d;
      const m = out.match(ready);
      if (m) resolve(m[1] ?? "");
    });
    child.once("exit", (code) => reject(new Error(`exited (${code}) before serving:\n${out}\n${err}`)));
  });
  const readyMs = performance.now() - t0;
  try {
    await sleep(0.2); // what start-up left to settle (a tick of timers)
    const started = rssKb(child.pid!);
    await sleep(IDLE_S);
    const idle = rssKb(child.pid!);
    const t1 = performance.now();
    if (request) await request(url);
    const firstRequestMs = performance.now() - t1;
    await sleep(IDLE_S);
    const afterRequest = rssKb(child.pid!);
    return { readyMs, started, idle, firstRequestMs, afterRequest };
  } finally {
    const gone = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await Promise.race([gone, sleep(5)]);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}
const workspace = path.join(work, "workspace");
const serveRounds: RssRound[] = [];
const baseRounds: RssRound[] = [];
const requestGreet = async (url: string) => {
  const res = await fetch(new URL("/projects/Demo/.json?__sequence=Greet", url));
  const body = (await res.json()) as { greeting?: string };
  if (body.greeting !== "Hello, World!") throw new Error(`Greet answered ${JSON.stringify(body)}`);
};
const requestBare = async (url: string) => {
  await fetch(url).catch(() => undefined);
};
for (let i = 0; i < ROUNDS; i++) {
  // A fresh copy each round: serve keeps state (.atelier, FullSync's databases) in the workspace.
  rmSync(workspace, { recursive: true, force: true });
  cpSync(path.join(root, "examples/workspace"), workspace, { recursive: true });
  const pair = [
    async () =>
      serveRounds.push(
        await measureServer(
          [bin, "serve", "--workspace", workspace, "--port", "0"],
          /Atelier engine: (http\S+)/,
          requestGreet,
        ),
      ),
    async () =>
      baseRounds.push(
        await measureServer(
          [
            "-e",
            "const s = require('http').createServer((q, r) => r.end('ok')).listen(0, '127.0.0.1', () => console.log('listening: http://127.0.0.1:' + s.address().port + '/'))",
          ],
          /listening: (http\S+)/,
          requestBare,
        ),
      ),
  ];
  if (i % 2) pair.reverse();
  for (const f of pair) await f();
}
rmSync(workspace, { recursive: true, force: true });
const med = (rs: RssRound[], k: keyof RssRound) => median(rs.map((r) => r[k]));
const rss = {
  serve: {
    readyMs: med(serveRounds, "readyMs"),
    started: med(serveRounds, "started"),
    idle: med(serveRounds, "idle"),
    firstRequestMs: med(serveRounds, "firstRequestMs"),
    afterRequest: med(serveRounds, "afterRequest"),
  },
  baseline: {
    readyMs: med(baseRounds, "readyMs"),
    started: med(baseRounds, "started"),
    idle: med(baseRounds, "idle"),
    firstRequestMs: med(baseRounds, "firstRequestMs"),
    afterRequest: med(baseRounds, "afterRequest"),
  },
};
say(`(c) RSS (VmRSS), medians of ${ROUNDS} rounds; idle = ${IDLE_S} s without requests`);
say(
  `  ${pad("process", 34)} ${pad("ready", 9)} ${pad("started", 10)} ${pad("idle", 10)} ${pad("1st request", 12)} after it + ${IDLE_S} s`,
);
for (const [name, r] of [
  ["atelier serve (example workspace)", rss.serve],
  ["node http.createServer().listen(0)", rss.baseline],
] as const)
  say(
    `  ${pad(name, 34)} ${pad(ms(r.readyMs), 9)} ${pad(mib(r.started), 10)} ${pad(mib(r.idle), 10)} ${pad(ms(r.firstRequestMs), 12)} ${mib(r.afterRequest)}`,
  );
say(
  `  serve / baseline: started ×${(rss.serve.started / rss.baseline.started).toFixed(2)}, idle ×${(rss.serve.idle / rss.baseline.idle).toFixed(2)}, after a request ×${(rss.serve.afterRequest / rss.baseline.afterRequest).toFixed(2)} (+${mib(rss.serve.idle - rss.baseline.idle)} idle)`,
);

mkdirSync(path.dirname(JSON_OUT), { recursive: true });
writeFileSync(
  JSON_OUT,
  JSON.stringify(
    {
      at: new Date().toISOString(),
      node: process.version,
      cores: os.cpus().length,
      loadavg: os.loadavg(),
      runs: RUNS,
      targetMs: TARGET_MS,
      wall,
      rawTimes: Object.fromEntries(times),
      split,
      cpuProfileByPackage: Object.fromEntries(byPackage.slice(0, 30)),
      rssKb: rss,
      rssRounds: { serve: serveRounds, baseline: baseRounds },
      report,
    },
    null,
    2,
  ) + "\n",
);
say(`written: ${path.relative(here, JSON_OUT)}`);
