/**
 * The engine over an external CouchDB-compatible server (couch-server.ts in a child process, an
 * admin password): when it freezes (SIGSTOP) and goes away, devices, transactions and group steps
 * answer 504 / 503 in time, naming the cause, with one log line per outage (the time limits come
 * from atelier.config.yaml: fullsync.readTimeoutMs, writeTimeoutMs); the principal index is kept
 * as a snapshot in the workspace, so a start does not read the whole change feed.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startAtelier } from "../../app.ts";
import { EngineLog } from "../../log.ts";
import { startCouchPeer, type CouchPeer } from "./couch-peer.ts";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

const password = `pw-outage-${process.pid}-secret`;

/** A workspace whose FullSync connector declares `items`, over the CouchDB at `couchUrl`. */
async function workspace(couchUrl: string, timeouts: Record<string, number> = {}): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "atelier-engine-outage-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const p = path.join(dir, "P");
  await mkdir(path.join(p, "connectors"), { recursive: true });
  await mkdir(path.join(p, "sequences"), { recursive: true });
  await writeFile(path.join(p, "project.yaml"), stringify({ atelier: 1, type: "Project", name: "P", id: "p" }));
  await writeFile(
    path.join(p, "connectors", "Db.yaml"),
    stringify({
      type: "FullSyncConnector",
      name: "Db",
      id: "c-db",
      databaseName: "items",
      children: [{ type: "FullSyncGetDocument", name: "Get", id: "tx-get" }],
    }),
  );
  await writeFile(
    path.join(p, "sequences", "Read.yaml"),
    stringify({
      type: "Sequence",
      name: "Read",
      id: "seq-read",
      children: [
        { type: "Variable", name: "docid", id: "v-docid" },
        {
          type: "CallTransaction",
          name: "Get",
          id: "st-get",
          connector: "Db",
          transaction: "Get",
          children: [{ type: "StepVariable", name: "docid", id: "sv-docid", expression: "docid" }],
        },
        { type: "Element", name: "v", id: "el-v", expression: 'step("Get").data.v' },
      ],
    }),
  );
  await writeFile(
    path.join(p, "sequences", "Join.yaml"),
    stringify({
      type: "Sequence",
      name: "Join",
      id: "seq-join",
      children: [{ type: "FullSyncAddUserToGroup", name: "add", id: "st-add", user: '"alice"', group: '"sales"' }],
    }),
  );
  await writeFile(
    path.join(dir, "atelier.config.yaml"),
    stringify({
      fullsync: {
        couchUrl,
        username: "admin",
        passwordEnv: "TEST_OUTAGE_COUCH_PASSWORD",
        ...timeouts,
      },
    }),
  );
  return dir;
}

describe("the engine over an external CouchDB that fails", () => {
  it("frozen: devices, transactions and group steps get 504 in time; gone: 503; one log line per outage", async () => {
    const peer: CouchPeer = await startCouchPeer({ user: "admin", password });
    cleanups.push(() => peer.stop());
    const dir = await workspace(peer.url, { readTimeoutMs: 1500, writeTimeoutMs: 2000 });
    const log = new EngineLog({ level: "silent" });
    const app = await startAtelier({
      workspaceDir: dir,
      port: 0,
      studio: false,
      log,
      env: { ...process.env, TEST_OUTAGE_COUCH_PASSWORD: password },
    });
    cleanups.push(() => app.close());
    await app.engine.services.fullsync!.data("items").put({ _id: "a1", "~c8oAcl": "alice", v: 1 });
    const session = app.engine.sessions.create();
    session.setUser("alice");
    const cookie = `atelier_sid=${session.id}`;
    const call = async (sequence: string, query = "") => {
      const t0 = performance.now();
      const r = await fetch(`${app.url}projects/P/.json?__sequence=${sequence}${query}`);
      const body = (await r.json()) as { error?: { code: string; message: string } } & Record<string, unknown>;
      return { status: r.status, body, ms: performance.now() - t0 };
    };
    const device = async (p: string) => {
      const t0 = performance.now();
      const r = await fetch(`${app.url}fullsync/items${p}`, { headers: { cookie } });
      return { status: r.status, body: (await r.json()) as unknown, ms: performance.now() - t0 };
    };
    expect(await call("Read", "&docid=a1")).toMatchObject({ status: 200, body: { v: 1 } });
    expect((await device("/a1")).status).toBe(200);
    const lines = () =>
      log
        .recent()
        .filter((r) => r.level !== "debug")
        .map((r) => `${r.level}: ${r.message}`);
    const from = lines().length;

    process.kill(peer.child.pid!, "SIGSTOP");
    try {
      const read = await call("Read", "&docid=a1");
      expect(read.status, JSON.stringify(read.body)).toBe(504);
      expect(read.body.error).toMatchObject({
        code: "fullsync_timeout",
        message: expect.stringMatching(/FullSync database "items": the CouchDB did not answer within 1\.5 s/),
      });
      expect(read.ms).toBeLessThan(10_000);
      const join = await call("Join");
      expect(join.status, JSON.stringify(join.body)).toBe(504);
      expect(join.body.error?.code).toBe("fullsync_timeout");
      expect(join.ms).toBeLessThan(10_000);
      const dev = await device("/a1");
      expect(dev).toMatchObject({
        status: 504,
        body: { error: "timeout", reason: expect.stringMatching(/did not answer within 1\.5 s/) },
      });
      expect(dev.ms).toBeLessThan(10_000);
      // A device retrying: every answer in time, no line per request.
      const many = await Promise.all(Array.from({ length: 10 }, () => device("/_all_docs?include_docs=true")));
      expect(many.map((m) => m.status)).toEqual(many.map(() => 504));
      const during = lines().slice(from);
      expect(
        during.filter((l) => /cannot be used/.test(l)),
        during.join("\n"),
      ).toHaveLength(1);
      expect(
        during.filter((l) => /^error: FullSync/.test(l)),
        during.join("\n"),
      ).toHaveLength(1);
      expect(during.join("\n")).not.toMatch(/\n\s+at |\[object Object\]/);
      expect(app.fullsync!.status().health).toMatchObject({ database: "down" });
    } finally {
      process.kill(peer.child.pid!, "SIGCONT");
    }
    await vi.waitFor(async () => expect((await call("Read", "&docid=a1")).status).toBe(200), {
      timeout: 20_000,
      interval: 100,
    });
    expect((await call("Join")).status).toBe(200);
    expect(
      lines().filter((l) => /answers again, after/.test(l)),
      lines().join("\n"),
    ).toHaveLength(1);

    // Gone: nothing listens any more.
    await peer.stop();
    const gone = await call("Read", "&docid=a1");
    expect(gone.status, JSON.stringify(gone.body)).toBe(503);
    expect(gone.body.error).toMatchObject({
      code: "fullsync_unavailable",
      message: expect.stringMatching(/connection refused/),
    });
    const dev = await device("/a1");
    expect(dev).toMatchObject({ status: 503, body: { error: "service_unavailable" } });
    const text = lines().join("\n");
    expect(text).not.toContain(password);
    expect(text).not.toMatch(/\n\s+at /);
  }, 90_000);

  it("keeps the principal index as a snapshot in the workspace: the next start loads it and catches up", async () => {
    const peer = await startCouchPeer({ user: "admin", password });
    cleanups.push(() => peer.stop());
    const dir = await workspace(peer.url);
    const start = async () => {
      const app = await startAtelier({
        workspaceDir: dir,
        port: 0,
        studio: false,
        log: new EngineLog({ level: "silent" }),
        env: { ...process.env, TEST_OUTAGE_COUCH_PASSWORD: password },
      });
      cleanups.push(() => app.close());
      return app;
    };
    const stats = (app: Awaited<ReturnType<typeof start>>) =>
      (
        app.fullsync!.server as unknown as { indexStats(db: string): { source: string; docs: number } | undefined }
      ).indexStats("items");
    let app = await start();
    expect(stats(app)).toMatchObject({ source: "rebuilt" });
    const docs = Array.from({ length: 30 }, (_, i) => ({ _id: `d${i}`, "~c8oAcl": i % 2 ? "alice" : "bob" }));
    await app.engine.services.fullsync!.data("items").bulkDocs(docs);
    await app.close();
    // Another program writes while the engine is stopped.
    const auth = `Basic ${Buffer.from(`admin:${password}`).toString("base64")}`;
    const put = await fetch(`${peer.url}/items/direct`, {
      method: "PUT",
      headers: { authorization: auth, "content-type": "application/json" },
      body: JSON.stringify({ "~c8oAcl": "alice" }),
    });
    expect(put.status).toBe(201);

    app = await start();
    expect(stats(app)).toMatchObject({ source: "snapshot" });
    const session = app.engine.sessions.create();
    session.setUser("alice");
    const all = await fetch(`${app.url}fullsync/items/_all_docs`, { headers: { cookie: `atelier_sid=${session.id}` } });
    const ids = ((await all.json()) as { rows: { id: string }[] }).rows.map((r) => r.id);
    expect(ids.filter((id) => !id.startsWith("_design/"))).toHaveLength(16);
    expect(ids).toContain("direct");
    expect(await readdir(path.join(dir, ".atelier", "fullsync", ".fullsync-index"))).toContain("instance-id");
  }, 60_000);
});
