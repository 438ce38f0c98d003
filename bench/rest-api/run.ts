// bench/rest-api: requests/s and latency of a sequence called through the REST API (URL mapper)
// against the same sequence through the Convertigo API (/projects/<p>/.json?__sequence=), on the
// same engine, in the same run: the ratio is what the mapper costs (matching, parameter reading,
// response choice). A second REST target has 500 more paths in the mapper (matching cost as an
// API grows). Rounds alternate targets; medians.
// Run: npm run bench:rest [-- --duration 5 --rounds 3 --connections 16 --quick]. See bench/README.md.
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import { cp, mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const WORK = path.join(ROOT, "bench", ".work", "rest-api");
const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const quick = args.includes("--quick");
const durationS = opt("duration", quick ? 2 : 5);
const warmupS = opt("warmup", quick ? 1 : 3);
const rounds = opt("rounds", quick ? 1 : 3);
const connections = opt("connections", 16);
const EXTRA_PATHS = 500;

interface Target {
  id: string;
  label: string;
  path: (i: number) => string;
  baseline?: string;
}

/** The Demo project with its REST API, and a copy of it whose API has 500 more paths. */
async function writeWorkspace(ws: string): Promise<void> {
  await cp(path.join(ROOT, "examples/workspace/Demo"), path.join(ws, "Demo"), { recursive: true });
  await cp(path.join(ROOT, "examples/workspace/Demo"), path.join(ws, "Big"), { recursive: true });
  await writeFile(
    path.join(ws, "Big", "project.yaml"),
    JSON.stringify({ atelier: 1, type: "Project", name: "Big", id: "benchbigproj" }),
  );
  const paths = Array.from({ length: EXTRA_PATHS }, (_, i) => ({
    type: "RestPath",
    name: `extra${i}`,
    id: `benchextra${String(i).padStart(3, "0")}`,
    path: `/resource${i}/{id}/items`,
    children: [{ type: "RestOperation", name: "get", id: `benchexop${String(i).padStart(4, "0")}`, sequence: "Greet" }],
  }));
  await mkdir(path.join(ws, "Big", "api"), { recursive: true });
  await writeFile(
    path.join(ws, "Big", "api", "Api.yaml"),
    JSON.stringify({
      type: "UrlMapper",
      name: "Api",
      id: "benchbigapi1",
      prefix: "/big",
      children: [
        ...paths,
        {
          type: "RestPath",
          name: "greeting",
          id: "benchbiggrt1",
          path: "/greetings/{name}",
          children: [{ type: "RestOperation", name: "get", id: "benchbiggrt2", sequence: "Greet" }],
        },
      ],
    }),
  );
}

function startEngine(ws: string): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(ROOT, "bin/atelier.js"), "serve", "--workspace", ws, "--port", "0"],
      {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "inherit"],
        env: { ...process.env, ATELIER_LOG_LEVEL: "warn" },
      },
    );
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += String(d);
      const m = /Atelier engine: http:\/\/[^:]+:(\d+)\//.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once("exit", (code) => reject(new Error(`the engine exited (${code}) before it served: ${out}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

function get(agent: http.Agent, port: number, p: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path: p, agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () =>
        res.statusCode === 200 ? resolve(body) : reject(new Error(`${p}: ${res.statusCode} ${body}`)),
      );
    });
    req.on("error", reject);
  });
}

async function load(port: number, t: Target, seconds: number): Promise<{ rps: number; p50: number; p99: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const lat: number[] = [];
  const end = performance.now() + seconds * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: connections }, async (_, c) => {
      let i = c;
      while (performance.now() < end) {
        const t0 = performance.now();
        await get(agent, port, t.path(i++));
        lat.push(performance.now() - t0);
        n++;
      }
    }),
  );
  agent.destroy();
  lat.sort((a, b) => a - b);
  return {
    rps: n / seconds,
    p50: lat[Math.floor(lat.length / 2)] ?? 0,
    p99: lat[Math.floor(lat.length * 0.99)] ?? 0,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

await rm(WORK, { recursive: true, force: true });
const ws = path.join(WORK, "workspace");
await mkdir(ws, { recursive: true });
await writeWorkspace(ws);
const targets: Target[] = [
  {
    id: "convertigo",
    label: "(b) Convertigo API: /projects/Demo/.json?__sequence=Greet&name=",
    path: (i) => `/projects/Demo/.json?__sequence=Greet&name=u${i % 1000}`,
  },
  {
    id: "rest",
    label: "(a) REST: GET /api/demo/greetings/{name}",
    path: (i) => `/api/demo/greetings/u${i % 1000}`,
    baseline: "convertigo",
  },
  {
    id: "rest-big",
    label: `(c) REST, ${EXTRA_PATHS} more paths in the mapper`,
    path: (i) => `/api/big/greetings/u${i % 1000}`,
    baseline: "convertigo",
  },
];

const { child, port } = await startEngine(ws);
const results = new Map<string, { rps: number[]; p50: number[]; p99: number[] }>();
try {
  const agent = new http.Agent();
  for (const t of targets) {
    const body = JSON.parse(await get(agent, port, t.path(7))) as { greeting?: string };
    if (body.greeting !== "Hello, u7!") throw new Error(`${t.id} answered ${JSON.stringify(body)}`);
  }
  agent.destroy();
  for (let r = 0; r < rounds; r++) {
    const order = [...targets.slice(r % targets.length), ...targets.slice(0, r % targets.length)];
    for (const t of order) {
      await load(port, t, warmupS);
      const m = await load(port, t, durationS);
      const e = results.get(t.id) ?? { rps: [], p50: [], p99: [] };
      e.rps.push(m.rps);
      e.p50.push(m.p50);
      e.p99.push(m.p99);
      results.set(t.id, e);
      console.log(
        `round ${r + 1}: ${t.id} ${Math.round(m.rps)} req/s, p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms`,
      );
    }
  }
} finally {
  await stop(child);
}

console.log(
  `\nbench/rest-api: ${rounds} round(s) x ${durationS} s after ${warmupS} s of warm-up, ${connections} connections, one engine, medians`,
);
console.log("| target | req/s | p50 ms | p99 ms | req/s ratio to (b) |");
console.log("| --- | ---: | ---: | ---: | ---: |");
const base = median(results.get("convertigo")!.rps);
for (const t of targets) {
  const e = results.get(t.id)!;
  const rps = median(e.rps);
  console.log(
    `| ${t.label} | ${Math.round(rps).toLocaleString("en")} | ${median(e.p50).toFixed(2)} | ${median(e.p99).toFixed(2)} | ${t.baseline ? (rps / base).toFixed(2) : ""} |`,
  );
}
