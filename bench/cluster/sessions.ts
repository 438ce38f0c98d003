// bench/cluster/sessions: what keeping sessions in Redis costs per request, against memory.
// One server with sessions in memory and one with sessions in a redis-server on loopback (both in
// this process), the same project; a logged-in client calls an authenticated sequence that reads
// the session, one call at a time (latency) and 20 at a time (throughput), rounds alternating.
// Run: npm run bench:cluster:sessions [-- --calls 2000 --rounds 3]. See bench/README.md.
import { Agent } from "undici";
import { startServer, type RunningServer } from "../../engine/node/server/server.ts";
import { RedisSessionStore } from "../../engine/node/runtime/redis-sessions.ts";
import { testWorkspace, type PlainObject, type TestWorkspace } from "../../engine/node/testing/harness.ts";
import { startRedis } from "../../engine/node/testing/redis.ts";

const argv = process.argv.slice(2);
const num = (name: string, dflt: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const CALLS = num("calls", 2000);
const ROUNDS = num("rounds", 3);
const CONCURRENCY = 20;

const sequences: PlainObject[] = [
  {
    type: "Sequence",
    name: "Login",
    children: [
      { type: "Variable", name: "user" },
      { type: "SetAuthenticatedUser", name: "set", expression: "user" },
      { type: "SessionSet", name: "cart", key: "cart", expression: "['pen', 'ink']" },
    ],
  },
  {
    type: "Sequence",
    name: "Mine",
    authenticatedContextRequired: true,
    children: [{ type: "Element", name: "cart", expression: "session.get('cart')" }],
  },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.ceil((p / 100) * xs.length) - 1]!;

const redis = await startRedis();
const dispatcher = new Agent({ connections: CONCURRENCY });
const targets: { name: string; ws: TestWorkspace; server: RunningServer; cookie: string }[] = [];
try {
  for (const name of ["memory", "redis"]) {
    const sessions =
      name === "redis" ? await RedisSessionStore.connect({ url: redis.url, prefix: "bench:" }) : undefined;
    const ws = await testWorkspace({ sequences }, sessions ? { sessions } : {});
    const server = await startServer(ws.engine, { bodyLimit: 64 * 1024 });
    const login = await fetch(new URL("/projects/P/.json?__sequence=Login&user=ada", server.url));
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
    targets.push({ name, ws, server, cookie });
  }
  const call = async (t: (typeof targets)[number]) => {
    const res = await fetch(new URL("/projects/P/.json?__sequence=Mine", t.server.url), {
      headers: { cookie: t.cookie },
      dispatcher,
    } as RequestInit);
    if (res.status !== 200) throw new Error(`${t.name}: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  };
  for (const t of targets) for (let i = 0; i < 200; i++) await call(t); // warm-up
  const lat: Record<string, number[]> = { memory: [], redis: [] };
  const rps: Record<string, number[]> = { memory: [], redis: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const t of r % 2 ? [...targets].reverse() : targets) {
      for (let i = 0; i < CALLS / 4; i++) {
        const s = performance.now();
        await call(t);
        lat[t.name]!.push(performance.now() - s);
      }
      const start = performance.now();
      let left = CALLS;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (left-- > 0) await call(t);
        }),
      );
      rps[t.name]!.push(CALLS / ((performance.now() - start) / 1000));
    }
  }
  const fmt = (n: number) => n.toFixed(2);
  console.log(`authenticated call reading the session; ${ROUNDS} rounds; medians`);
  for (const name of ["memory", "redis"]) {
    const l = lat[name]!;
    console.log(
      `${name.padEnd(7)} one at a time: p50 ${fmt(median(l))} ms, p99 ${fmt(pct(l, 99))} ms; ${CONCURRENCY} at a time: ${Math.round(median(rps[name]!))} req/s`,
    );
  }
  const dp50 = median(lat.redis!) - median(lat.memory!);
  console.log(
    `redis/memory: latency p50 ${dp50 >= 0 ? "+" : ""}${fmt(dp50)} ms (x${fmt(median(lat.redis!) / median(lat.memory!))}), throughput x${fmt(median(rps.redis!) / median(rps.memory!))}`,
  );
} finally {
  for (const t of targets) {
    await t.server.close();
    await t.ws.close();
  }
  await dispatcher.close();
  await redis.stop();
}
