/**
 * A real crash in a cluster: three `atelier server` processes (the CLI, as operators run it) with
 * Redis and a CouchDB peer, behind a round-robin proxy; under a bounded load of session calls,
 * one is killed with SIGKILL. Every call is answered (the proxy moves a call whose connection
 * died to the next server), and every session is still there.
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
import { startRedis, type TestRedis } from "../testing/redis.ts";
import { startRoundRobinProxy, type RoundRobinProxy } from "../testing/round-robin-proxy.ts";

const root = path.resolve(import.meta.dirname, "../../..");
const bin = path.join(root, "bin/atelier.js");
const COUCH_PASSWORD = "couch-kill-pw";

let tmp: string;
let redis: TestRedis;
let couch: CouchPeer;
let proxy: RoundRobinProxy;
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
  urls.push(...(await Promise.all([server(1), server(2), server(3)])));
  proxy = await startRoundRobinProxy(urls);
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGTERM");
  await couch?.stop();
  await redis?.stop();
  await rm(tmp, { recursive: true, force: true });
});

describe("a cluster server killed under load", () => {
  it("every call is answered by the others and no session is lost", async () => {
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
    await new AdminClient({ url: proxy.url, credentials: { psc } }).deploy("Demo", await demoCar());
    // Every server serves it (the deploy reached them through CouchDB's change feed).
    for (const u of urls) {
      await expect
        .poll(async () => (await fetch(new URL("/projects/Demo/.json?__sequence=Recall", u))).status, {
          timeout: 20_000,
        })
        .toBe(200);
    }

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
    const load = Promise.all(users.slice(0, 4).map(client));
    await expect.poll(() => answers.length, { timeout: 20_000 }).toBeGreaterThan(60);
    killedAt = answers.length;
    children[1]!.kill("SIGKILL");
    await load;

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
  });
});
