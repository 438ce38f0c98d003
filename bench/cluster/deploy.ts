// bench/cluster/deploy: how long a deploy takes to reach every server of a cluster.
// A redis-server and a CouchDB peer (express-pouchdb) on loopback, 1, 2 then 3 `atelier server`s
// of one cluster in this process (deployments in CouchDB, followed by each server's change feed),
// and the baseline measured in the same run: one server alone (deployments in its data folder).
// Each round deploys the Demo example with a new greeting through the first server and measures
// (a) the deploy call (upload, checks, staging, swap: what the developer waits for), and
// (b) from its answer until every server answers with the new greeting (the propagation).
// Run: npm run bench:cluster:deploy [-- --rounds 7 --json FILE]. See bench/README.md.
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startAtelierServer, type RunningAtelierServer } from "../../engine/node/admin/atelier-server.ts";
import { AdminClient } from "../../engine/node/deploy/admin-client.ts";
import { buildCar } from "../../engine/node/deploy/car.ts";
import { startCouchPeer } from "../../engine/node/fullsync/test/couch-peer.ts";
import { EngineLog } from "../../engine/node/log.ts";
import { startRedis } from "../../engine/node/testing/redis.ts";

const argv = process.argv.slice(2);
const arg = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const ROUNDS = Number(arg("rounds") ?? 7);
const JSON_OUT = arg("json");
const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../examples/workspace");
const PASSWORD = "bench password 1234";
const COUCH_PASSWORD = "bench-couch-pw";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const temps: string[] = [];
const temp = async (p: string) => {
  const d = await mkdtemp(path.join(os.tmpdir(), p));
  temps.push(d);
  return d;
};

async function demoCar(greeting: string): Promise<Buffer> {
  const dir = path.join(await temp("atelier-bench-src-"), "Demo");
  await cp(path.join(EXAMPLES, "Demo"), dir, { recursive: true });
  const greet = path.join(dir, "sequences", "Greet.yaml");
  await writeFile(greet, (await readFile(greet, "utf8")).replace(`'"Hello, "`, `'"${greeting}"`));
  return (await buildCar(dir, "bench")).bytes;
}

async function greets(url: string, expected: string): Promise<boolean> {
  const res = await fetch(new URL("/projects/Demo/.json?__sequence=Greet&name=B", url)).catch(() => undefined);
  if (!res || res.status !== 200) {
    await res?.body?.cancel();
    return false;
  }
  return ((await res.json()) as { greeting?: string }).greeting === expected;
}

interface Row {
  setup: string;
  servers: number;
  deployMs: number;
  propagationMs: number;
  totalMs: number;
}

async function measure(setup: string, servers: RunningAtelierServer[], label: number): Promise<Row> {
  const { text: psc } = await servers[0]!.store.createPsc({
    user: "ada",
    url: servers[0]!.url,
    projects: ["*"],
    expiresInMs: 3_600_000,
  });
  const client = new AdminClient({ url: servers[0]!.url, credentials: { psc } });
  const deploys: number[] = [];
  const propagations: number[] = [];
  const totals: number[] = [];
  for (let r = 0; r < ROUNDS + 1; r++) {
    const word = `R${label}x${r}, `;
    const car = await demoCar(word);
    const t0 = performance.now();
    await client.deploy("Demo", car, { force: true });
    const t1 = performance.now();
    const deadline = Date.now() + 30_000;
    const pending = new Set(servers.map((s) => s.url));
    while (pending.size) {
      if (Date.now() > deadline) throw new Error(`${setup}: a server did not serve the deploy in 30 s`);
      for (const url of [...pending]) if (await greets(url, `${word}B!`)) pending.delete(url);
      if (pending.size) await new Promise((res) => setTimeout(res, 2));
    }
    const t2 = performance.now();
    // The first round warms up (workers, connections, JIT).
    if (r === 0) continue;
    deploys.push(t1 - t0);
    propagations.push(t2 - t1);
    totals.push(t2 - t0);
  }
  return {
    setup,
    servers: servers.length,
    deployMs: median(deploys),
    propagationMs: median(propagations),
    totalMs: median(totals),
  };
}

async function main(): Promise<void> {
  const log = new EngineLog({ level: "silent" });
  const rows: Row[] = [];
  // Baseline: one server alone.
  const alone = await startAtelierServer({
    dataDir: await temp("atelier-bench-alone-"),
    port: 0,
    log,
    fullsyncInMemory: true,
    atelierVersion: "bench",
  });
  await alone.store.addUser("ada", PASSWORD, ["deploy", "configure", "view"]);
  rows.push(await measure("one server alone (baseline)", [alone], 0));
  await alone.close();

  const [redis, couch] = await Promise.all([startRedis(), startCouchPeer({ user: "admin", password: COUCH_PASSWORD })]);
  const servers: RunningAtelierServer[] = [];
  try {
    for (let n = 1; n <= 3; n++) {
      servers.push(
        await startAtelierServer({
          dataDir: await temp("atelier-bench-cluster-"),
          port: 0,
          log,
          redisUrl: redis.url,
          couch: { url: couch.url, username: "admin", password: COUCH_PASSWORD },
          env: { ATELIER_SECRET_KEY: "b".repeat(64) },
          atelierVersion: "bench",
        }),
      );
      if (n === 1) await servers[0]!.store.addUser("ada", PASSWORD, ["deploy", "configure", "view"]);
      rows.push(await measure(`cluster of ${n}`, servers, n));
    }
  } finally {
    for (const s of servers) await s.close().catch(() => undefined);
    await couch.stop();
    await redis.stop();
    for (const d of temps) await rm(d, { recursive: true, force: true });
  }

  const base = rows[0]!;
  console.log(`\nDeploy of the Demo example (${ROUNDS} rounds after a warm-up, medians, ms)\n`);
  console.log(
    "setup".padEnd(30) +
      "deploy call".padStart(12) +
      "ratio".padStart(8) +
      "→ all serve".padStart(13) +
      "total".padStart(9) +
      "ratio".padStart(8),
  );
  for (const r of rows) {
    console.log(
      r.setup.padEnd(30) +
        r.deployMs.toFixed(0).padStart(12) +
        `×${(r.deployMs / base.deployMs).toFixed(2)}`.padStart(8) +
        r.propagationMs.toFixed(1).padStart(13) +
        r.totalMs.toFixed(0).padStart(9) +
        `×${(r.totalMs / base.totalMs).toFixed(2)}`.padStart(8),
    );
  }
  console.log(
    "\n'deploy call': the client's deploy (upload, checks, staging, swap, status polls); '→ all serve':\n" +
      "from its answer until every server answers the new version (change feed, fetch of the archive,\n" +
      "checks and swap on the others). All servers share this machine's 2 cores.",
  );
  if (JSON_OUT) await writeFile(JSON_OUT, JSON.stringify({ rounds: ROUNDS, rows }, null, 2) + "\n");
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
