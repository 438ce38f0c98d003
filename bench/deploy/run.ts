// bench/deploy: deploying a 1,000-object project to an Atelier server, and serving while it swaps.
//
//   npm run bench:deploy                 # 5 deploys timed, then 3 rounds of 8 s steady vs during redeploys
//   npm run bench:deploy -- --quick      # 3 deploys, 1 round of 4 s
//
// The server is `node bin/atelier.js server` in its own process (pinned to core 0 when taskset
// works); the deploy client and the load generator (autocannon) run here, on core 1.
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { AdminStore } from "../../engine/node/admin/admin-store.ts";
import { deployProject } from "../../engine/node/deploy/deploy.ts";
import { AdminClient } from "../../engine/node/deploy/admin-client.ts";
import { buildCar } from "../../engine/node/deploy/car.ts";
import { canPin, killAllOnExit, pinSelf, startService } from "../engine-throughput/procs.ts";
import { ensureTools } from "../engine-throughput/tools.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const args = new Set(process.argv.slice(2));
const quick = args.has("--quick");
const DEPLOYS = quick ? 3 : 5;
const ROUNDS = quick ? 1 : 3;
const SECONDS = quick ? 4 : 8;
const CONNECTIONS = 32;

type Autocannon = (o: Record<string, unknown>) => Promise<{
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}>;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** The Demo project plus generated sequences: 1,000 objects or a little more. */
async function bigDemo(root: string): Promise<{ dir: string; objects: number }> {
  const dir = path.join(root, "Demo");
  await cp(path.join(repoRoot, "examples/workspace/Demo"), dir, { recursive: true });
  let objects = 30; // the example's own (approximately; counted below)
  for (let s = 0; s < 40; s++) {
    const lines = ["type: Sequence", `name: Gen${s}`, `id: genseq${String(s).padStart(5, "0")}`, "children:"];
    for (let e = 0; e < 24; e++) {
      lines.push(
        "  - type: Element",
        `    name: field${e}`,
        `    id: gen${String(s).padStart(3, "0")}el${String(e).padStart(3, "0")}`,
        `    value: "value ${s}.${e}"`,
      );
    }
    await writeFile(path.join(dir, "sequences", `Gen${s}.yaml`), lines.join("\n") + "\n");
    objects += 25;
  }
  return { dir, objects };
}

async function main(): Promise<void> {
  killAllOnExit();
  const pin = canPin();
  if (pin) pinSelf(1);
  const work = path.join(repoRoot, "bench/.work/deploy");
  await mkdir(work, { recursive: true });
  const tools = await ensureTools(path.join(repoRoot, "bench/.work/engine-throughput/tools"), (s) => console.log(s));
  const autocannon = tools.require("autocannon") as Autocannon;
  const tmp = await mkdtemp(path.join(os.tmpdir(), "atelier-bench-deploy-"));
  const data = path.join(tmp, "server");
  const store = new AdminStore(data);
  await store.addUser("bench", "bench password 123", ["deploy", "view"]);

  const server = await startService({
    name: "atelier server",
    command: process.execPath,
    args: [path.join(repoRoot, "bin/atelier.js"), "server", "--data", data, "--port", "0"],
    ...(pin ? { cpu: 0 } : {}),
    cwd: repoRoot,
    env: { ...process.env, ATELIER_LOG_LEVEL: "warn" },
    ready: /Atelier server: (\S+)/,
  });
  try {
    const psc = (await store.createPsc({ user: "bench", url: server.url, projects: ["*"], expiresInMs: 3_600_000 }))
      .text;
    const target = { url: server.url, credentials: { psc } };
    const { dir, objects } = await bigDemo(path.join(tmp, "ws"));
    const stateDir = path.join(tmp, "client");
    const build = await buildCar(dir, "bench");
    console.log(`Project: ${objects} objects, ${build.files.length} files, .car ${build.bytes.length} bytes`);

    // 1. Deploy time: build + upload + checks + swap, as `atelier deploy` does it.
    const times: number[] = [];
    for (let i = 0; i < DEPLOYS; i++) {
      const t0 = performance.now();
      await deployProject({ projectDir: dir, target, stateDir, atelierVersion: "bench", force: true });
      times.push(performance.now() - t0);
    }
    const deployMs = median(times);
    console.log(
      `Deploy (build + upload + swap), median of ${DEPLOYS}: ${deployMs.toFixed(0)} ms  [${times.map((t) => t.toFixed(0)).join(", ")}]  target < 2000 ms`,
    );

    // 2. Throughput, steady and while redeploying, alternating (rounds share the machine's drift).
    const client = new AdminClient(target);
    const url = `${server.url}projects/Demo/.json?__sequence=Greet&name=Load`;
    await autocannon({ url, connections: CONNECTIONS, duration: 2 });
    const steady: number[] = [];
    const during: number[] = [];
    let failed = 0;
    let redeploys = 0;
    const p99Steady: number[] = [];
    const p99During: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const a = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS });
      steady.push(a.requests.average);
      p99Steady.push(a.latency.p99);
      failed += a.non2xx + a.errors + a.timeouts;
      let stop = false;
      // The archive is built beforehand: what runs here during the window is the upload and the
      // polling, so the load generator's core measures the server, not the deploy client's zipping.
      const loop = (async () => {
        while (!stop) {
          await client.deploy("Demo", build.bytes, { force: true });
          redeploys++;
        }
      })();
      const b = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS });
      stop = true;
      await loop;
      during.push(b.requests.average);
      p99During.push(b.latency.p99);
      failed += b.non2xx + b.errors + b.timeouts;
      console.log(
        `  round ${r + 1}: steady ${a.requests.average.toFixed(0)} req/s, during redeploys ${b.requests.average.toFixed(0)} req/s`,
      );
    }
    const ratio = median(during) / median(steady);
    console.log(`Steady: ${median(steady).toFixed(0)} req/s (p99 ${median(p99Steady)} ms)`);
    console.log(`During ${redeploys} redeploys: ${median(during).toFixed(0)} req/s (p99 ${median(p99During)} ms)`);
    console.log(`during/steady = ${ratio.toFixed(2)} (target ≥ 0.80); failed requests: ${failed} (target 0)`);
    await client.close();
    await writeFile(
      path.join(work, "result.json"),
      JSON.stringify(
        {
          at: new Date().toISOString(),
          objects,
          carBytes: build.bytes.length,
          deployMs,
          deployTimes: times,
          steady: median(steady),
          during: median(during),
          ratio,
          p99Steady: median(p99Steady),
          p99During: median(p99During),
          redeploys,
          failed,
          pinned: pin,
        },
        null,
        2,
      ),
    );
  } finally {
    await server.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
