/**
 * A real crash in a cluster: three `atelier server` processes (the CLI, as operators run it) with
 * Redis and a CouchDB peer, behind a round-robin proxy; under a bounded load of session calls and
 * of device writes to FullSync, one is killed with SIGKILL. Every call is answered (the proxy moves
 * a call whose connection died to the next server), every session is still there, no device write
 * is lost, and the listener runs for every write: once, or twice for a batch the killed server
 * was running (at least once: a crash mid-run cannot be undone).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminStore } from "../admin/admin-store.ts";
import { RedisDocs } from "../cluster/shared-docs.ts";
import { AdminClient } from "../deploy/admin-client.ts";
import { buildCar } from "../deploy/car.ts";
import { startCouchPeer, type CouchPeer } from "../fullsync/test/couch-peer.ts";
import { writeListenerProject } from "../testing/listener-project.ts";
import { startRedis, type TestRedis } from "../testing/redis.ts";
import { sendJson, startUpstream, type Upstream } from "../testing/upstream.ts";
import { startRoundRobinProxy, type RoundRobinProxy } from "../testing/round-robin-proxy.ts";

const root = path.resolve(import.meta.dirname, "../../..");
const bin = path.join(root, "bin/atelier.js");
const COUCH_PASSWORD = "couch-kill-pw";

let tmp: string;
let redis: TestRedis;
let couch: CouchPeer;
let proxy: RoundRobinProxy;
let backend: Upstream;
const children: ChildProcess[] = [];
const urls: string[] = [];

function server(n: number): Promise<string> {
  const child = spawn(
    process.execPath,
    [
      bin,
      "server",
      "--port",
      "0",
      "--data",
      path.join(tmp, `server-${n}`),
      "--redis",
      redis.url,
      "--couchdb",
      `${couch.url.replace("://", "://admin@")}`,
      "--lease-seconds",
      "2",
    ],
    {
      cwd: root,
      env: {
        ...process.env,
        ATELIER_LOG_LEVEL: "warn",
        ATELIER_COUCH_PASSWORD: COUCH_PASSWORD,
        ATELIER_SECRET_KEY: "c".repeat(64),
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  children.push(child);
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d));
  return new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (l) => {
      const m = /^Atelier server: (\S+)/.exec(l);
      if (m) resolve(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`exit ${code}: ${stderr}`)));
  });
}

/** Demo with Remember (keeps `value` in the session) and Recall (answers it). */
async function demoCar(): Promise<Buffer> {
  const dir = path.join(tmp, "src", "Demo");
  await cp(path.join(root, "examples/workspace/Demo"), dir, { recursive: true });
  await writeFile(
    path.join(dir, "sequences", "Remember.yaml"),
    "type: Sequence\nname: Remember\nid: seqremember1\nchildren:\n  - type: Variable\n    name: value\n    id: varremember1\n  - type: SessionSet\n    name: keep\n    id: stremember01\n    key: remembered\n    expression: value\n",
  );
  await writeFile(
    path.join(dir, "sequences", "Recall.yaml"),
    "type: Sequence\nname: Recall\nid: seqrecall001\nchildren:\n  - type: SessionGet\n    name: got\n    id: strecall0001\n    key: remembered\n  - type: Element\n    name: remembered\n    id: strecall0002\n    source:\n      step: strecall0001\n",
  );
  return (await buildCar(dir, "test")).bytes;
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "atelier-cluster-kill-"));
  [redis, couch] = await Promise.all([startRedis(), startCouchPeer({ user: "admin", password: COUCH_PASSWORD })]);
  // The back end of the FullSync listener: each order PUT to /orders/<id>/..., answered after a
  // moment (so runs are under way when the server dies).
  backend = await startUpstream(async (_req, res) => {
    await new Promise((r) => setTimeout(r, 30));
    sendJson(res, 200, { ok: true });
  });
  urls.push(...(await Promise.all([server(1), server(2), server(3)])));
  proxy = await startRoundRobinProxy(urls);
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  await backend?.close();
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGTERM");
  await couch?.stop();
  await redis?.stop();
  await rm(tmp, { recursive: true, force: true });
});

describe("a cluster server killed under load", () => {
  it("every call is answered by the others, no session and no device write is lost, every write's listener runs", async () => {
    // The cluster's admin user and PSC, made as `atelier admin ... --redis` would.
    const docs = await RedisDocs.connect({ url: redis.url });
    let psc: string;
    try {
      const store = new AdminStore(path.join(tmp, "cli"), docs);
      await store.addUser("ada", "correct horse battery", ["deploy", "view"]);
      psc = (await store.createPsc({ user: "ada", url: proxy.url, projects: ["*"], expiresInMs: 3_600_000 })).text;
    } finally {
      await docs.close();
    }
    const admin = new AdminClient({ url: proxy.url, credentials: { psc } });
    await admin.deploy("Demo", await demoCar());
    const listenerProject = await writeListenerProject(path.join(tmp, "src-p"), backend.port);
    await admin.deploy("P", (await buildCar(listenerProject, "test")).bytes);
    // Every server serves them (the deploys reached them through CouchDB's change feed).
    for (const u of urls) {
      for (const call of ["/projects/Demo/.json?__sequence=Recall", "/projects/P/.json?__sequence=Login&user=x"]) {
        await expect.poll(async () => (await fetch(new URL(call, u))).status, { timeout: 20_000 }).toBe(200);
      }
    }
    const device = (
      (await fetch(new URL("/projects/P/.json?__sequence=Login&user=alice", proxy.url))).headers.get("set-cookie") ?? ""
    ).split(";")[0]!;
    /** A device's write: retried as PouchDB would when its connection dies; answers once it is stored. */
    const write = async (id: string) => {
      for (let attempt = 0; attempt < 8; attempt++) {
        if (attempt) await new Promise((r) => setTimeout(r, 50 * attempt));
        const res = await fetch(new URL(`/fullsync/shop/${id}`, proxy.url), {
          method: "PUT",
          headers: { cookie: device, "content-type": "application/json" },
          body: JSON.stringify({ type: "order", item: id }),
        }).catch(() => undefined);
        await res?.arrayBuffer();
        if (res?.status === 201) return;
        const there = await fetch(new URL(`/fullsync/shop/${id}`, proxy.url), { headers: { cookie: device } });
        await there.arrayBuffer();
        if (there.status === 200) return;
      }
      throw new Error(`the write of ${id} never landed`);
    };
    const written: string[] = [];

    // Twelve users, each with a session made through the proxy (so on the three servers).
    const users = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const res = await fetch(new URL(`/projects/Demo/.json?__sequence=Remember&value=v${i}`, proxy.url));
        expect(res.status).toBe(200);
        return { value: `v${i}`, cookie: (res.headers.get("set-cookie") ?? "").split(";")[0]! };
      }),
    );

    const answers: { status: number; ok: boolean }[] = [];
    let killedAt = -1;
    const deadline = Date.now() + 30_000;
    const client = async (u: (typeof users)[number]) => {
      while (Date.now() < deadline && answers.length < 600 && !(killedAt >= 0 && answers.length > killedAt + 150)) {
        const res = await fetch(new URL("/projects/Demo/.json?__sequence=Recall", proxy.url), {
          headers: { cookie: u.cookie },
        });
        const body = (await res.json().catch(() => ({}))) as { remembered?: string };
        answers.push({ status: res.status, ok: body.remembered === u.value });
      }
    };
    const writer = async (w: number) => {
      for (let i = 0; i < 15; i++) {
        const id = `order-${w}-${i}`;
        await write(id);
        written.push(id);
      }
    };
    const load = Promise.all([...users.slice(0, 4).map(client), writer(0), writer(1)]);
    await expect.poll(() => answers.length, { timeout: 20_000 }).toBeGreaterThan(60);
    killedAt = answers.length;
    const writtenAtKill = written.length;
    children[1]!.kill("SIGKILL");
    await load;
    expect(written).toHaveLength(30);
    // The crash came in the middle of the writes, not after them.
    expect(writtenAtKill).toBeLessThan(30);

    expect(answers.length).toBeGreaterThan(killedAt + 100);
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    expect(answers.every((a) => a.ok)).toBe(true);
    // Every session, made on any server (the killed one too), is still whole.
    proxy.remove(urls[1]!);
    for (const u of users) {
      const res = await fetch(new URL("/projects/Demo/.json?__sequence=Recall", proxy.url), {
        headers: { cookie: u.cookie },
      });
      expect(await res.json()).toEqual({ remembered: u.value });
    }

    // Every write reached the back end through the listener (within the lease and the feed's poll).
    const runs = (id: string) => backend.requests.filter((r) => r.url.startsWith(`/orders/${id}/`)).length;
    await expect.poll(() => written.filter((id) => runs(id) === 0), { timeout: 30_000, interval: 100 }).toEqual([]);
    // At most the batch the killed server was running ran again (a listener's chunk: 5 documents).
    const twice = written.filter((id) => runs(id) > 1);
    expect(twice.length).toBeLessThanOrEqual(5);
    expect(written.every((id) => runs(id) <= 2)).toBe(true);
  });
});
