import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAtelier, type RunningAtelier } from "../app.ts";
import { EngineLog } from "../log.ts";
import { RedisSessionStore } from "../runtime/redis-sessions.ts";
import { testWorkspace, type PlainObject, type TestWorkspace } from "../testing/harness.ts";
import { startRedis, type TestRedis } from "../testing/redis.ts";
import { startRoundRobinProxy, type RoundRobinProxy } from "../testing/round-robin-proxy.ts";
import { startServer, type RunningServer } from "./server.ts";

// Three servers of the same project, their sessions in one real Redis, called through a
// round-robin proxy: a load balancer without sticky sessions.

const sequences: PlainObject[] = [
  {
    type: "Sequence",
    name: "Login",
    children: [
      { type: "Variable", name: "user" },
      { type: "SetAuthenticatedUser", name: "set", expression: "user", groups: "['staff']" },
      { type: "SessionSet", name: "remember", key: "theme", expression: "'dark'" },
    ],
  },
  { type: "Sequence", name: "Public", children: [{ type: "Element", name: "ok", value: true }] },
  {
    type: "Sequence",
    name: "Mine",
    authenticatedContextRequired: true,
    children: [
      { type: "Element", name: "me", expression: "session.user()" },
      { type: "Element", name: "theme", expression: "session.get('theme')" },
    ],
  },
];

let redis: TestRedis;
let proxy: RoundRobinProxy;
const servers: { ws: TestWorkspace; server: RunningServer }[] = [];

beforeAll(async () => {
  redis = await startRedis();
  for (let i = 0; i < 3; i++) {
    const sessions = await RedisSessionStore.connect({ url: redis.url, prefix: "cluster:", timeoutMs: 1000 });
    const ws = await testWorkspace({ sequences }, { sessions });
    servers.push({ ws, server: await startServer(ws.engine, { bodyLimit: 64 * 1024 }) });
  }
  proxy = await startRoundRobinProxy(servers.map((s) => s.server.url));
});
afterAll(async () => {
  await proxy?.close();
  for (const s of servers) {
    await s.server.close();
    await s.ws.close();
  }
  await redis?.stop();
});

/** A URL of the proxy: each call goes to the next server, in turn. */
function next(path: string): string {
  return new URL(path, proxy.url).toString();
}

function cookieOf(res: Response): string {
  const set = res.headers.get("set-cookie") ?? "";
  return set.split(";")[0]!;
}

describe("sessions shared by three servers through Redis", () => {
  it("log in through one, call an authenticated sequence through the others, log out everywhere", async () => {
    const login = await fetch(next("/projects/P/.json?__sequence=Login&user=ada"));
    expect(login.status).toBe(200);
    const cookie = cookieOf(login);
    expect(cookie).toMatch(/^atelier_sid=/);
    for (let i = 0; i < 4; i++) {
      const res = await fetch(next("/projects/P/.json?__sequence=Mine"), { headers: { cookie } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ me: "ada", theme: "dark" });
    }
    const who = await fetch(next("/services/user.Get"), { headers: { cookie } });
    expect(await who.json()).toMatchObject({ authenticated: true, user: "ada", groups: ["staff"] });

    const logout = await fetch(next("/projects/P/.json?__sequence=Mine&__removeSession=true"), { headers: { cookie } });
    expect(logout.status).toBe(200);
    for (let i = 0; i < 3; i++) {
      const res = await fetch(next("/projects/P/.json?__sequence=Mine"), { headers: { cookie } });
      expect(res.status).toBe(401);
    }
  });

  it("a login on a session known before moves it to a new id on every server (session fixation)", async () => {
    // An anonymous session that holds a value, then a login through another server.
    const first = await fetch(next("/projects/P/.json?__sequence=Login&user=eve"));
    const eve = cookieOf(first);
    const relog = await fetch(next("/projects/P/.json?__sequence=Login&user=bob"), { headers: { cookie: eve } });
    const bob = cookieOf(relog);
    expect(bob).not.toBe(eve);
    for (let i = 0; i < 3; i++) {
      const old = await fetch(next("/projects/P/.json?__sequence=Mine"), { headers: { cookie: eve } });
      expect(old.status).toBe(401);
      const res = await fetch(next("/projects/P/.json?__sequence=Mine"), { headers: { cookie: bob } });
      expect(await res.json()).toMatchObject({ me: "bob" });
    }
  });

  it("answers 503 naming the sessions when Redis is gone; calls that need no session still run", async () => {
    const login = await fetch(next("/projects/P/.json?__sequence=Login&user=cy"));
    const cookie = cookieOf(login);
    redis.kill();
    const res = await fetch(next("/projects/P/.json?__sequence=Mine"), { headers: { cookie } });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: "sessions_unavailable" } });
    const anonymous = await fetch(next("/projects/P/.json?__sequence=Public"));
    expect(anonymous.status).toBe(200);
    expect(await anonymous.json()).toEqual({ ok: true });
  });
});

describe("FullSync behind several servers", () => {
  it("a device logged in through one server replicates through another", async () => {
    const own = await startRedis();
    const apps: RunningAtelier[] = [];
    const dirs: string[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const sessions = await RedisSessionStore.connect({ url: own.url, timeoutMs: 1000 });
        const ws = await testWorkspace({
          sequences,
          connectors: [{ type: "FullSyncConnector", name: "Notes", databaseName: "notes" }],
        });
        await ws.engine.close();
        dirs.push(ws.dir);
        apps.push(
          await startAtelier({
            workspaceDir: ws.dir,
            port: 0,
            studio: false,
            scheduler: false,
            fullsync: { inMemory: true },
            sessions,
            log: new EngineLog({ level: "silent" }),
          }),
        );
      }
      const [a, b] = apps as [RunningAtelier, RunningAtelier];
      const login = await fetch(new URL("/projects/P/.json?__sequence=Login&user=ada", a.url));
      const cookie = cookieOf(login);
      expect((await fetch(new URL("/fullsync/notes/_all_docs", b.url))).status).toBe(401);
      const pulled = await fetch(new URL("/fullsync/notes/_all_docs", b.url), { headers: { cookie } });
      expect(pulled.status).toBe(200);
      expect(await pulled.json()).toMatchObject({ rows: [] });
    } finally {
      for (const app of apps) await app.close();
      for (const d of dirs) await rm(d, { recursive: true, force: true });
      await own.stop();
    }
  });
});
