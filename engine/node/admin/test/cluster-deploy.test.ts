/**
 * Three `atelier server`s of one cluster on loopback: admin state, sessions and heartbeats in a real
 * Redis, deployments in a CouchDB peer (express-pouchdb) followed through its change feed, a
 * round-robin proxy in front (no stickiness). A deploy through the proxy reaches every server; a
 * server that joins later serves what the cluster serves.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClusterInfo } from "../../../common/admin/routes.ts";
import { RedisDocs } from "../../cluster/shared-docs.ts";
import { AdminClient } from "../../deploy/admin-client.ts";
import { buildCar } from "../../deploy/car.ts";
import { startCouchPeer, type CouchPeer } from "../../fullsync/test/couch-peer.ts";
import { EngineLog } from "../../log.ts";
import { startRedis, type TestRedis } from "../../testing/redis.ts";
import { startRoundRobinProxy, type RoundRobinProxy } from "../../testing/round-robin-proxy.ts";
import { AdminStore } from "../admin-store.ts";
import { startAtelierServer, type RunningAtelierServer } from "../atelier-server.ts";

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../../examples/workspace");
const COUCH_PASSWORD = "couch-secret-pw";
const PASSWORD = "correct horse battery staple";
const temps: string[] = [];
async function temp(prefix: string): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), prefix));
  temps.push(d);
  return d;
}

let redis: TestRedis;
let couch: CouchPeer;
const servers: RunningAtelierServer[] = [];
let proxy: RoundRobinProxy;

/** The Demo example whose Greet says `greeting`, as a .car. */
async function demoCar(greeting: string): Promise<Buffer> {
  const dir = path.join(await temp("atelier-cluster-src-"), "Demo");
  await cp(path.join(EXAMPLES, "Demo"), dir, { recursive: true });
  const greet = path.join(dir, "sequences", "Greet.yaml");
  await writeFile(greet, (await readFile(greet, "utf8")).replace(`'"Hello, "`, `'"${greeting}"`));
  return (await buildCar(dir, "test")).bytes;
}

function startServerOfCluster(): Promise<RunningAtelierServer> {
  return temp("atelier-cluster-data-").then((dataDir) =>
    startAtelierServer({
      dataDir,
      port: 0,
      log: new EngineLog({ level: "silent" }),
      redisUrl: redis.url,
      couch: { url: couch.url, username: "admin", password: COUCH_PASSWORD },
      heartbeatMs: 200,
      env: { ATELIER_SECRET_KEY: "a".repeat(64) },
      atelierVersion: "test",
    }),
  );
}

/** A PSC for every project, made through `server` (the cluster's key and tokens). */
async function pscFrom(server: RunningAtelierServer): Promise<string> {
  return (await server.store.createPsc({ user: "ada", url: proxy.url, projects: ["*"], expiresInMs: 3_600_000 })).text;
}

async function greetOn(url: string): Promise<string | undefined> {
  const res = await fetch(new URL("/projects/Demo/.json?__sequence=Greet&name=Ada", url));
  if (res.status !== 200) return undefined;
  return ((await res.json()) as { greeting?: string }).greeting;
}

/** Waits until every server answers `expected` (the bound of a deploy's propagation). */
async function allServe(expected: string, within = 10_000): Promise<number> {
  const t0 = Date.now();
  await expect
    .poll(async () => Promise.all(servers.map((s) => greetOn(s.url))), { timeout: within, interval: 25 })
    .toEqual(servers.map(() => expected));
  return Date.now() - t0;
}

beforeAll(async () => {
  [redis, couch] = await Promise.all([startRedis(), startCouchPeer({ user: "admin", password: COUCH_PASSWORD })]);
  for (let i = 0; i < 3; i++) servers.push(await startServerOfCluster());
  proxy = await startRoundRobinProxy(servers.map((s) => s.url));
  await servers[0]!.store.addUser("ada", PASSWORD, ["deploy", "configure", "view"]);
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  for (const s of servers) await s.close().catch(() => undefined);
  await couch?.stop();
  await redis?.stop();
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

describe("a cluster of three servers", () => {
  it("shares its admin users and PSCs: one made on a server works through every other", async () => {
    const psc = await pscFrom(servers[1]!);
    for (const s of servers) {
      const res = await fetch(new URL("/admin/api/whoami", s.url), { headers: { authorization: `Bearer ${psc}` } });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ user: "ada" });
    }
    // The admin CLI reaches the same state with --redis (here, its store on the same Redis).
    const docs = await RedisDocs.connect({ url: redis.url });
    try {
      expect((await new AdminStore(await temp("atelier-cli-"), docs).listUsers()).map((u) => u.name)).toEqual(["ada"]);
    } finally {
      await docs.close();
    }
  });

  it("an admin session made by a password login through one server is valid on every other; logout ends it everywhere", async () => {
    const res = await fetch(new URL("/admin/api/login", servers[0]!.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ user: "ada", password: PASSWORD }),
    });
    expect(res.status).toBe(200);
    const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0]!;
    for (const s of servers) {
      const who = await fetch(new URL("/admin/api/whoami", s.url), { headers: { cookie } });
      expect(who.status).toBe(200);
    }
    const out = await fetch(new URL("/admin/api/logout", servers[1]!.url), {
      method: "POST",
      headers: { cookie, "x-atelier-admin": "1" },
    });
    expect(out.status).toBe(200);
    for (const s of servers) {
      expect((await fetch(new URL("/admin/api/whoami", s.url), { headers: { cookie } })).status).toBe(401);
    }
  });

  it("failed admin logins are counted by the cluster: spread over the servers, they still wait", async () => {
    const login = (url: string, password: string) =>
      fetch(new URL("/admin/api/login", url), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ user: "guessed", password }),
      });
    // Eight tries over three servers: a throttle per server would see at most three each (five
    // are free); the cluster's sees them all. The waits are short (1 s, then 2 s...), so a slow
    // machine may see a try pass between two waits: at least one wait, never before the sixth.
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await login(servers[i % 3]!.url, `wrong password ${i}`)).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toContain(429);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
  });

  it("a deploy through the load balancer reaches every server; a rollback too; statuses answer on any server", async () => {
    const psc = await pscFrom(servers[0]!);
    const client = new AdminClient({ url: proxy.url, credentials: { psc } });
    const v1 = await client.deploy("Demo", await demoCar("Bonjour, "));
    expect(v1.version).toBe(1);
    await allServe("Bonjour, Ada!");
    const v2 = await client.deploy("Demo", await demoCar("Hola, "), { replaces: 1 });
    expect(v2).toMatchObject({ version: 2, replaced: 1 });
    await allServe("Hola, Ada!");

    // A deploy that says it replaces a version no longer serving is refused, whichever server takes it.
    await expect(client.deploy("Demo", await demoCar("Hallo, "), { replaces: 1 })).rejects.toMatchObject({
      status: 409,
      code: "conflict",
    });

    const cluster = await client.call("cluster", {});
    expect(cluster).toMatchObject({ mode: "cluster", diverging: [] });
    expect((cluster as ClusterInfo).servers).toHaveLength(3);
    for (const s of (cluster as ClusterInfo).servers) expect(s).toMatchObject({ ready: true, serving: { Demo: 2 } });
    expect(JSON.stringify(cluster)).not.toContain(COUCH_PASSWORD);

    await client.call("rollback", { params: { project: "Demo" }, body: {} });
    await allServe("Bonjour, Ada!");
    const projects = await client.call("projects", {});
    expect(projects).toMatchObject([{ project: "Demo", current: 1 }]);
  });

  it("two deploys at once through two servers: both land as successive versions, none lost", async () => {
    const psc = await pscFrom(servers[2]!);
    const [a, b] = await Promise.all([
      new AdminClient({ url: servers[0]!.url, credentials: { psc } }).deploy("Demo", await demoCar("Ciao, ")),
      new AdminClient({ url: servers[1]!.url, credentials: { psc } }).deploy("Demo", await demoCar("Salut, ")),
    ]);
    expect(new Set([a.version, b.version]).size).toBe(2);
    const last = a.version > b.version ? "Ciao, Ada!" : "Salut, Ada!";
    await allServe(last);
  });

  it("a job scheduled every second through the load balancer runs once per tick across the servers", async () => {
    const psc = await pscFrom(servers[0]!);
    const client = new AdminClient({ url: proxy.url, credentials: { psc } });
    const job = await client.call("createJob", {
      body: { project: "Demo", sequence: "Greet", cron: "* * * * * *", inputs: { name: "Tick" } },
    });
    let runs: { tick?: string; server?: string; ok: boolean }[] = [];
    await expect
      .poll(
        async () => {
          runs = (await client.call("jobRuns", { params: { id: job.id }, query: { lines: "100" } })).filter(
            (r) => r.tick,
          );
          return runs.length;
        },
        { timeout: 20_000, interval: 200 },
      )
      .toBeGreaterThanOrEqual(4);
    const ticks = runs.map((r) => r.tick!);
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(runs.every((r) => r.ok)).toBe(true);
    // Each server answers the same list of runs.
    for (const s of servers) {
      const direct = new AdminClient({ url: s.url, credentials: { psc } });
      const seen = (await direct.call("jobRuns", { params: { id: job.id }, query: { lines: "100" } }))
        .filter((r) => r.tick)
        .map((r) => r.tick);
      expect(seen.slice(0, ticks.length).sort()).toEqual([...ticks].sort());
    }
    await client.call("removeJob", { params: { id: job.id } });
  });

  it("a server stopped during a bounded load: every call answered (by it until it stops, then by the others)", async () => {
    const login = await fetch(new URL("/projects/Demo/.json?__sequence=Greet&name=S", proxy.url));
    expect(login.status).toBe(200);
    const stopping = await startServerOfCluster();
    servers.push(stopping);
    proxy.add(stopping.url);
    const statuses: number[] = [];
    let stopped = false;
    const load = (async () => {
      const deadline = Date.now() + 15_000;
      // 300 calls at most, 4 at a time, until the server has stopped and 40 more were answered.
      let after = 0;
      while (statuses.length < 300 && Date.now() < deadline && after < 40) {
        const batch = await Promise.all(
          Array.from({ length: 4 }, () =>
            fetch(new URL("/projects/Demo/.json?__sequence=Greet&name=L", proxy.url)).then((r) => r.status),
          ),
        );
        statuses.push(...batch);
        if (stopped) after += batch.length;
      }
    })();
    await expect.poll(() => statuses.length, { timeout: 10_000 }).toBeGreaterThan(20);
    servers.pop();
    await stopping.close();
    stopped = true;
    await load;
    proxy.remove(stopping.url);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });

  it("a draining server says it is not ready at once, to the cluster too, serves meanwhile, then stops", async () => {
    const leaving = await startServerOfCluster();
    expect(await greetOn(leaving.url)).toBeDefined();
    const drained = leaving.drain(1500);
    await expect
      .poll(async () => {
        const res = await fetch(new URL("/health/ready", leaving.url));
        return { status: res.status, body: await res.text() };
      })
      .toMatchObject({ status: 503, body: expect.stringContaining("draining") });
    // Still serving while the load balancer takes it out.
    expect(await greetOn(leaving.url)).toBeDefined();
    const psc = await pscFrom(servers[0]!);
    const info = (await new AdminClient({ url: servers[0]!.url, credentials: { psc } }).call(
      "cluster",
      {},
    )) as ClusterInfo;
    expect(info.servers.find((s) => s.url === leaving.url)).toMatchObject({ ready: false });
    await drained;
    await expect(fetch(new URL("/health/live", leaving.url))).rejects.toThrow();
  });

  it("a server that joins later serves what the cluster serves, fetched from the database", async () => {
    const before = await greetOn(servers[0]!.url);
    const late = await startServerOfCluster();
    servers.push(late);
    proxy.add(late.url);
    expect(await greetOn(late.url)).toBe(before);
    const res = await fetch(new URL("/health/ready", late.url));
    expect(res.status).toBe(200);
  });

  it("a server that stops leaves the cluster's list; the others go on serving", async () => {
    const gone = servers.pop()!;
    proxy.remove(gone.url);
    await gone.close();
    const psc = await pscFrom(servers[0]!);
    const info = (await new AdminClient({ url: servers[1]!.url, credentials: { psc } }).call(
      "cluster",
      {},
    )) as ClusterInfo;
    expect(info.servers.map((s) => s.url).sort()).toEqual(servers.map((s) => s.url).sort());
    for (const s of servers) expect(await greetOn(s.url)).toBeDefined();
  });
});
