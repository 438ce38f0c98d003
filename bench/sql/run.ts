// bench/sql: requests/s of a sequence doing one indexed SELECT through a SQL connector, on the
// embedded database (and on PostgreSQL when its binaries are here), against bare node:http handlers
// doing the same query with the same driver, measured in the same run (rounds alternate targets;
// medians). Run: npm run bench:sql [-- --duration 5 --rounds 3 --connections 16 --no-pg]
// See bench/README.md.
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startPostgres, type TestServer } from "../../engine/node/runtime/sql/test-servers.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const WORK = path.join(ROOT, "bench", ".work", "sql");
const ROWS = 10000;

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const durationS = opt("duration", args.includes("--quick") ? 2 : 5);
const warmupS = opt("warmup", args.includes("--quick") ? 1 : 3);
const rounds = opt("rounds", args.includes("--quick") ? 1 : 3);
const connections = opt("connections", 16);
const withPg = !args.includes("--no-pg");

interface Target {
  id: string;
  label: string;
  argv: string[];
  path: (k: number) => string;
  baseline?: string;
}

async function writeWorkspace(ws: string): Promise<void> {
  const dir = path.join(ws, "Bench");
  await mkdir(path.join(dir, "connectors"), { recursive: true });
  await mkdir(path.join(dir, "sequences"), { recursive: true });
  await writeFile(
    path.join(dir, "project.yaml"),
    JSON.stringify({ atelier: 1, type: "Project", name: "Bench", id: "benchproject" }),
  );
  await writeFile(
    path.join(dir, "connectors", "db.yaml"),
    JSON.stringify({
      type: "SqlConnector",
      name: "db",
      id: "benchconnect",
      url: "${dbUrl=}",
      user: "${dbUser=}",
      children: [
        {
          type: "SqlTransaction",
          name: "Lookup",
          id: "benchlookup1",
          sqlQuery: "SELECT id, name FROM items WHERE k = {k}",
          outputMode: "flat",
          children: [{ type: "Variable", name: "k", id: "benchlookupk", dataType: "integer" }],
        },
      ],
    }),
  );
  await writeFile(
    path.join(dir, "sequences", "Lookup.yaml"),
    JSON.stringify({
      type: "Sequence",
      name: "Lookup",
      id: "benchseqlook",
      children: [
        { type: "Variable", name: "k", id: "benchseqvark", dataType: "integer" },
        {
          type: "CallTransaction",
          name: "Call",
          id: "benchseqcall",
          connector: "db",
          transaction: "Lookup",
          children: [{ type: "StepVariable", name: "k", id: "benchseqsvk1", expression: "k" }],
        },
        { type: "Element", name: "item", id: "benchseqitem", source: { step: "benchseqcall", path: "data[0]" } },
      ],
    }),
  );
}

const SEED = [
  "CREATE TABLE items (id INTEGER PRIMARY KEY, k INTEGER NOT NULL, name VARCHAR(100) NOT NULL)",
  "CREATE INDEX items_k ON items (k)",
];

async function seedSqlite(file: string): Promise<void> {
  const require = createRequire(import.meta.url);
  const initSqlJs = require("sql.js") as () => Promise<{
    Database: new () => { run(sql: string, p?: unknown[]): void; export(): Uint8Array };
  }>;
  const db = new (await initSqlJs()).Database();
  for (const s of SEED) db.run(s);
  db.run("BEGIN");
  for (let i = 1; i <= ROWS; i++) db.run("INSERT INTO items VALUES (?, ?, ?)", [i, i * 7, `item ${i}`]);
  db.run("COMMIT");
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, db.export());
}

async function seedPg(url: string): Promise<void> {
  const pg = (await import("pg")).default;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  for (const s of SEED) await c.query(s);
  await c.query(`INSERT INTO items SELECT i, i * 7, 'item ' || i FROM generate_series(1, ${ROWS}) AS i`);
  await c.query("ANALYZE items");
  await c.end();
}

function startTarget(t: Target): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "bench/sql/server.ts"), ...t.argv], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += String(d);
      const m = /^(\d+)\n/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once("exit", (code) => reject(new Error(`${t.id} exited (${code}) before it served`)));
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
      res.on("end", () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${res.statusCode}: ${body}`))));
    });
    req.on("error", reject);
  });
}

/** `connections` loops of sequential requests for `seconds`: requests/s and p50 latency (ms). */
async function load(port: number, t: Target, seconds: number): Promise<{ rps: number; p50: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const lat: number[] = [];
  const end = performance.now() + seconds * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: connections }, async (_, c) => {
      let i = c;
      while (performance.now() < end) {
        const k = ((i++ * 7919) % ROWS) + 1;
        const t0 = performance.now();
        await get(agent, port, t.path(k * 7));
        lat.push(performance.now() - t0);
        n++;
      }
    }),
  );
  agent.destroy();
  lat.sort((a, b) => a - b);
  return { rps: n / seconds, p50: lat[Math.floor(lat.length / 2)] ?? 0 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

await rm(WORK, { recursive: true, force: true });
const ws = path.join(WORK, "workspace");
await writeWorkspace(ws);
const file = path.join(ws, ".atelier", "sql", "Bench", "db.sqlite");
await seedSqlite(file);
const seqPath = (k: number) => `/projects/Bench/.json?__sequence=Lookup&k=${k}`;
const barePath = (k: number) => `/?k=${k}`;
const targets: Target[] = [
  {
    id: "engine",
    label: "(a) engine, Lookup sequence, embedded SQLite",
    argv: ["engine", ws],
    path: seqPath,
    baseline: "bare-pool",
  },
  {
    id: "bare-pool",
    label: "(f) bare node:http + the embedded driver (SqlitePool)",
    argv: ["bare-pool", file],
    path: barePath,
  },
  {
    id: "bare-sqljs",
    label: "(f') bare node:http + sql.js in its thread (floor)",
    argv: ["bare-sqljs", file],
    path: barePath,
  },
];
let pgServer: TestServer | undefined;
if (withPg) {
  pgServer = await startPostgres((why) => console.log(`PostgreSQL targets skipped: ${why}`));
  if (pgServer) {
    const url = pgServer.url.replace("postgres://", "postgres://postgres@");
    await seedPg(url);
    targets.push(
      {
        id: "engine-pg",
        label: "(a) engine, Lookup sequence, PostgreSQL",
        argv: ["engine", ws, pgServer.url],
        path: seqPath,
        baseline: "bare-pg",
      },
      { id: "bare-pg", label: "(f) bare node:http + pg.Pool", argv: ["bare-pg", url], path: barePath },
    );
  }
}

const results = new Map<string, { rps: number[]; p50: number[] }>();
try {
  // Every target answers the same row before anything is measured.
  for (const t of targets) {
    const { child, port } = await startTarget(t);
    try {
      const body = JSON.parse(await get(new http.Agent(), port, t.path(7 * 42))) as { item: unknown };
      if (JSON.stringify(body.item) !== JSON.stringify({ id: 42, name: "item 42" }))
        throw new Error(`${t.id} answered ${JSON.stringify(body)}`);
    } finally {
      await stop(child);
    }
  }
  for (let r = 0; r < rounds; r++) {
    const order = [...targets.slice(r % targets.length), ...targets.slice(0, r % targets.length)];
    for (const t of order) {
      const { child, port } = await startTarget(t);
      try {
        await load(port, t, warmupS);
        const m = await load(port, t, durationS);
        const e = results.get(t.id) ?? { rps: [], p50: [] };
        e.rps.push(m.rps);
        e.p50.push(m.p50);
        results.set(t.id, e);
        console.log(`round ${r + 1}: ${t.id} ${Math.round(m.rps)} req/s, p50 ${m.p50.toFixed(2)} ms`);
      } finally {
        await stop(child);
      }
    }
  }
} finally {
  await pgServer?.stop();
}

console.log(
  `\nbench/sql: ${rounds} round(s) x ${durationS} s after ${warmupS} s of warm-up, ${connections} connections, ${ROWS} rows, medians`,
);
console.log("| target | req/s | p50 ms | ratio to its bare handler |");
console.log("| --- | ---: | ---: | ---: |");
for (const t of targets) {
  const e = results.get(t.id)!;
  const rps = median(e.rps);
  const base = t.baseline ? median(results.get(t.baseline)!.rps) : undefined;
  console.log(
    `| ${t.label} | ${Math.round(rps)} | ${median(e.p50).toFixed(2)} | ${base ? (rps / base).toFixed(2) : ""} |`,
  );
}
