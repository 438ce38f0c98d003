/**
 * FullSync listeners on three Atelier servers sharing one external CouchDB (express-pouchdb in a
 * child process) and one real redis-server: each device change runs the listener once across the
 * servers, wherever it was written (a device on any server, or straight into the CouchDB); a
 * server that dies mid-run (its run held by the back end) has its change run by another after the
 * lease; the engine's own writes run no listener; a server started after every server stopped
 * runs what was written meanwhile, and nothing older again.
 */
import { mkdtemp, rm } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAtelier, type RunningAtelier } from "../../app.ts";
import { EngineLog } from "../../log.ts";
import { startRedis, type TestRedis } from "../../testing/redis.ts";
import { sendJson, startUpstream, type Upstream } from "../../testing/upstream.ts";
import { redisListenerClaims, type ListenerClaims } from "../listener-claims.ts";
import { writeListenerProject } from "../../testing/listener-project.ts";
import { startCouchPeer, type CouchPeer } from "./couch-peer.ts";

const password = `pw-cluster-${process.pid}-secret`;
const LEASE_MS = 1000;

let redis: TestRedis;
let peer: CouchPeer;
let upstream: Upstream;
/** Requests of the back end held until the test lets them go (a back end that hangs). */
const held = new Map<string, ServerResponse>();
let holdNext: string | undefined;

/** The back end's requests as [doc id, server]. */
const received = () =>
  upstream.requests
    .map((r) => /^\/orders\/([^/]+)\/([^/?]+)/.exec(r.url))
    .filter((m): m is RegExpExecArray => !!m)
    .map((m) => [decodeURIComponent(m[1]!), decodeURIComponent(m[2]!)] as const);
const timesRun = (id: string) => received().filter(([d]) => d === id).length;

beforeAll(async () => {
  redis = await startRedis();
  peer = await startCouchPeer({ user: "admin", password });
  upstream = await startUpstream((req, res) => {
    const id = /^\/orders\/([^/]+)\//.exec(req.url)?.[1];
    if (id && id === holdNext) {
      holdNext = undefined;
      held.set(id, res);
      return;
    }
    sendJson(res, 200, { ok: true });
  });
}, 60_000);
afterAll(async () => {
  for (const res of held.values()) res.destroy();
  await upstream?.close();
  await peer?.stop();
  await redis?.stop();
});

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A workspace of project P (see testing/listener-project.ts). */
async function workspace(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "atelier-listener-cluster-"));
  dirs.push(dir);
  await writeListenerProject(dir, upstream.port);
  return dir;
}

interface Node {
  name: string;
  app: RunningAtelier;
  claims: ListenerClaims;
  log: EngineLog;
  cookie: string;
}

async function startNode(name: string): Promise<Node> {
  const log = new EngineLog({ level: "silent" });
  const claims = await redisListenerClaims(redis.url, "cluster:", { leaseMs: LEASE_MS, timeoutMs: 1000 });
  const app = await startAtelier({
    workspaceDir: await workspace(),
    port: 0,
    studio: false,
    log,
    fullsync: {
      couch: { url: peer.url, username: "admin", password },
      claims,
      listenerFeed: { pollMs: 150, batchSize: 7 },
    },
  });
  app.engine.setConfigSettings({ server: name });
  const session = app.engine.sessions.create();
  session.setUser("alice");
  return { name, app, claims, log, cookie: `atelier_sid=${session.id}` };
}

async function deviceWrite(node: Node, id: string): Promise<void> {
  const r = await fetch(`${node.app.url}fullsync/shop/${id}`, {
    method: "PUT",
    headers: { cookie: node.cookie, "content-type": "application/json" },
    body: JSON.stringify({ type: "order", item: id }),
  });
  expect(r.status, await r.text()).toBe(201);
}

/** A write straight into the CouchDB, as another program would. */
async function couchWrite(id: string): Promise<void> {
  const r = await fetch(`${peer.url}/shop/${id}`, {
    method: "PUT",
    headers: {
      authorization: `Basic ${Buffer.from(`admin:${password}`).toString("base64")}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({ type: "order", item: id, "~c8oAcl": "bob" }),
  });
  expect(r.status, await r.text()).toBe(201);
}

async function until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(received())}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const settle = (nodes: Node[]) => Promise.all(nodes.map((n) => n.app.fullsync!.listenersSettled(20_000)));

describe("FullSync listeners on three servers sharing one CouchDB and one Redis", () => {
  const nodes: Node[] = [];
  afterAll(async () => {
    for (const n of nodes) await n.app.close().catch(() => {});
  });

  it("runs each change once across the servers, wherever it was written; the engine's writes run none", async () => {
    for (const name of ["s1", "s2", "s3"]) nodes.push(await startNode(name));
    await settle(nodes);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const id = `dev-${i}`;
      ids.push(id);
      await deviceWrite(nodes[i % 3]!, id);
    }
    for (const id of ["couch-1", "couch-2"]) {
      ids.push(id);
      await couchWrite(id);
    }
    // The engine's own write, on one server: no server runs the listener for it.
    const seeded = await nodes[1]!.app.engine.run({ project: "P", sequence: "Seed", inputs: { id: "seeded" } });
    expect(seeded.ok, JSON.stringify(seeded.error)).toBe(true);
    await until("every change handed to the back end", () => ids.every((id) => timesRun(id) >= 1));
    // Every server has read every change and each is done in the claims: nothing runs later.
    await settle(nodes);
    for (const id of ids) expect(timesRun(id), id).toBe(1);
    expect(timesRun("seeded")).toBe(0);
    expect(new Set(received().map(([, by]) => by)).size).toBeGreaterThan(0);
    for (const [, by] of received()) expect(["s1", "s2", "s3"]).toContain(by);
    const status = nodes[0]!.app.fullsync!.status();
    expect(status.feeds?.databases).toEqual([expect.objectContaining({ db: "shop", pending: 0 })]);
    expect(status.feeds?.claims).toBe(`Redis at ${redis.url}`);
  }, 90_000);

  it("a server that dies mid-run: another runs its change after the lease, none is lost", async () => {
    holdNext = "slow";
    await deviceWrite(nodes[1]!, "slow");
    await until("the back end holds slow", () => held.has("slow"));
    const running = received().find(([id]) => id === "slow")![1];
    const dead = nodes.find((n) => n.name === running)!;
    // It dies: its claims are neither renewed nor given back, then it goes away.
    await dead.claims.close();
    await dead.app.close();
    held.get("slow")!.destroy();
    nodes.splice(nodes.indexOf(dead), 1);
    const alive = nodes;
    await deviceWrite(alive[0]!, "after");
    await until("slow run again", () => timesRun("slow") === 2 && timesRun("after") === 1, 20_000);
    const runs = received().filter(([id]) => id === "slow");
    expect(runs[1]![1]).not.toBe(dead.name);
    await settle(alive);
    // At least once: the run cut short, then the one that finished; nothing more.
    expect(timesRun("slow")).toBe(2);
    expect(timesRun("after")).toBe(1);
  }, 90_000);

  it("after every server stopped: a new one runs what was written meanwhile, nothing older again", async () => {
    const before = received().length;
    for (const n of nodes.splice(0)) await n.app.close();
    await couchWrite("while-down");
    const fresh = await startNode("s4");
    nodes.push(fresh);
    await until("while-down runs", () => timesRun("while-down") === 1);
    await settle(nodes);
    expect(received().slice(before)).toEqual([["while-down", "s4"]]);
  }, 90_000);
});
