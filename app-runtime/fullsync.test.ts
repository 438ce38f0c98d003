/**
 * The device database without a server: owner stamps and write policies, device views kept up to
 * date, pending writes, an unreachable server, reset. With a real PouchDB (memory adapter). The
 * replication with the engine is in data-services.test.ts.
 */
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:net";
import PouchDBModule from "pouchdb";
import memoryAdapter from "pouchdb-adapter-memory";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ViewAnswer } from "./device-views.ts";
import {
  createFullSyncSource,
  deviceDatabaseName,
  type DeviceFullSyncSource,
  type PouchConstructor,
} from "./fullsync.ts";

PouchDBModule.plugin(memoryAdapter);
const PouchDB = PouchDBModule as unknown as PouchConstructor;

const views = {
  "orders/byUser": {
    map: (doc: Record<string, unknown>, emit: (k: unknown, v?: unknown) => void) => {
      if (doc.type === "order") emit(doc["~c8oAcl"], { item: doc.item, qty: doc.qty });
    },
    reduce: "_count" as const,
  },
};

let counter = 0;
const sources: DeviceFullSyncSource[] = [];
/** A source for a user of its own (each test a new database). */
function source(origin = "http://127.0.0.1:9", extra: Record<string, unknown> = {}) {
  const user = `user-${process.pid}-${Date.now()}-${counter++}`;
  const s = createFullSyncSource({
    PouchDB,
    origin,
    database: "orders",
    user,
    views,
    deviceOptions: { adapter: "memory" },
    ...extra,
  });
  sources.push(s);
  return Object.assign(s, { user });
}

afterEach(async () => {
  for (const s of sources.splice(0)) await s.reset().catch(() => {});
});

describe("the device database", () => {
  it("is named after the database and the first 16 hex of sha-256(user)", async () => {
    const hex = createHash("sha256").update("alice").digest("hex").slice(0, 16);
    expect(await deviceDatabaseName("fullsyncdemo", "alice")).toBe(`fullsyncdemo_device_${hex}`);
  });

  it("stamps the owner unless public or groups are given", async () => {
    const s = source();
    const user = s.user;
    const a = await s.post({ type: "order", item: "Pen" }, { id: "a" });
    expect(a).toMatchObject({ ok: true, id: "a", rev: expect.stringMatching(/^1-/) });
    expect(await s.get("a")).toMatchObject({ "~c8oAcl": user, item: "Pen" });
    // A claimed owner is replaced by the user.
    await s.post({ _id: "b", "~c8oAcl": "someone-else" });
    expect((await s.get("b"))["~c8oAcl"]).toBe(user);
    await s.post({ _id: "c", "~c8oAcl": "x", c8oGrp: ["x"] }, { public: true });
    const c = await s.get("c");
    expect(c["~c8oAcl"]).toBeUndefined();
    expect(c.c8oGrp).toBeUndefined();
    await s.post({ _id: "d" }, { groups: ["sales"] });
    const d = await s.get("d");
    expect(d["~c8oAcl"]).toBeUndefined();
    expect(d.c8oGrp).toEqual(["sales"]);
    // Without an id, PouchDB makes one.
    const e = await s.post({ type: "note" });
    expect(e.id).toMatch(/\w{8,}/);
  });

  it("applies the write policies: override (default), merge, none, create", async () => {
    const s = source();
    await s.post({ _id: "o", item: "Pen", meta: { a: 1, b: 2 } });
    // override: the stored revision is taken; the body is replaced.
    await s.post({ _id: "o", item: "Ink" });
    expect(await s.get("o")).toMatchObject({ _rev: expect.stringMatching(/^2-/), item: "Ink" });
    expect((await s.get("o")).meta).toBeUndefined();
    // merge: fields merged deeply into the stored document.
    await s.post({ _id: "o", meta: { b: 3, c: 4 } }, { policy: "merge" });
    await s.post({ _id: "o", meta: { a: 1 } }, { policy: "merge" });
    expect(await s.get("o")).toMatchObject({
      _rev: expect.stringMatching(/^4-/),
      item: "Ink",
      meta: { a: 1, b: 3, c: 4 },
    });
    // none: as given; an existing document needs its current _rev.
    await expect(s.post({ _id: "o", item: "X" }, { policy: "none" })).rejects.toMatchObject({
      code: "conflict",
      status: 409,
    });
    const cur = await s.get("o");
    await s.post({ _id: "o", _rev: cur._rev, item: "Y" }, { policy: "none" });
    expect((await s.get("o")).item).toBe("Y");
    // create: always a new document with a new id (Convertigo's create).
    const created = await s.post({ _id: "o", _rev: "9-x", item: "Z" }, { policy: "create" });
    expect(created.id).not.toBe("o");
    expect((await s.get(created.id)).item).toBe("Z");
    // A document read with its conflicts can be written back.
    await s.post({ ...(await s.get("o")), item: "W" });
    expect((await s.get("o")).item).toBe("W");
  });

  it("get and remove answer CallErrors; a removed document's tombstone keeps its owner", async () => {
    const s = source();
    await expect(s.get("nope")).rejects.toMatchObject({ code: "not_found", status: 404 });
    await expect(s.remove("nope")).rejects.toMatchObject({ code: "not_found", status: 404 });
    await s.post({ _id: "x", type: "order" });
    expect(await s.remove("x")).toEqual({ ok: true });
    await expect(s.get("x")).rejects.toMatchObject({ status: 404 });
    const db = await s.device();
    const tomb = (await db.changes({ since: 0, include_docs: true })).results.find((c) => c.id === "x");
    expect(tomb?.deleted).toBe(true);
    expect(tomb?.doc?.["~c8oAcl"]).toMatch(/^user-/);
  });

  it("computes views on the device: every write is seen by the next query", async () => {
    const s = source();
    const user = s.user;
    await s.post({ _id: "o1", type: "order", item: "Pen", qty: 2 });
    const first = (await s.view("orders/byUser", { key: user, reduce: false, include_docs: true })) as ViewAnswer;
    expect(first.rows).toEqual([
      {
        id: "o1",
        key: user,
        value: { item: "Pen", qty: 2 },
        doc: expect.objectContaining({ _id: "o1", item: "Pen" }),
      },
    ]);
    await s.post({ _id: "o2", type: "order", item: "Ink", qty: 1 });
    await s.post({ _id: "o1", type: "order", item: "Pencil", qty: 3 });
    const second = (await s.view("orders/byUser", { key: user, reduce: false })) as ViewAnswer;
    expect(second.rows.map((r) => r.value)).toEqual([
      { item: "Pencil", qty: 3 },
      { item: "Ink", qty: 1 },
    ]);
    expect(await s.view("orders/byUser", { key: user })).toEqual({ rows: [{ key: null, value: 2 }] });
    await s.remove("o2");
    expect(await s.view("orders/byUser", {})).toEqual({ rows: [{ key: null, value: 1 }] });
    await expect(s.view("orders/nope", {})).rejects.toMatchObject({ code: "not_found", status: 404 });
  });

  it("keeps views current from the change feed (writes made to the database directly)", async () => {
    const s = source();
    await s.view("orders/byUser", {});
    const db = await s.device();
    await db.put({ _id: "direct", type: "order", "~c8oAcl": "z", item: "Clip", qty: 1 });
    await vi.waitFor(async () => {
      const r = (await s.view("orders/byUser", { key: "z", reduce: false })) as ViewAnswer;
      expect(r.rows.map((x) => x.id)).toEqual(["direct"]);
    });
  });

  it("counts pending writes; the status object stays the same until it changes; listeners are told", async () => {
    const s = source();
    const listener = vi.fn();
    const unsubscribe = s.subscribe(listener);
    await s.device();
    const before = s.status();
    expect(before).toMatchObject({ state: "offline", pending: 0, conflicts: 0, denied: [], lastSync: null });
    expect(s.status()).toBe(before);
    await s.post({ _id: "a", type: "order" });
    expect(s.status().pending).toBe(1);
    await s.post({ _id: "b", type: "order" });
    await s.post({ _id: "a", type: "order", qty: 2 });
    expect(s.status().pending).toBe(2);
    await s.remove("b");
    expect(s.status().pending).toBe(2);
    await vi.waitFor(() => expect(listener).toHaveBeenCalled());
    unsubscribe();
    listener.mockClear();
    await s.post({ _id: "c", type: "order" });
    await new Promise((r) => setTimeout(r, 20));
    expect(listener).not.toHaveBeenCalled();
  });

  it("counts documents holding conflicting revisions", async () => {
    const s = source();
    const db = await s.device();
    await db.put({ _id: "k", v: 1 });
    // Two branches, as a replication brings them (new_edits: false).
    await (db as unknown as { bulkDocs(d: unknown[], o: unknown): Promise<unknown> }).bulkDocs(
      [
        { _id: "k", _rev: "2-aaaa", v: 2, _revisions: { start: 2, ids: ["aaaa", (await db.get("k"))._rev!.slice(2)] } },
        { _id: "k", _rev: "2-bbbb", v: 3, _revisions: { start: 2, ids: ["bbbb", (await db.get("k"))._rev!.slice(2)] } },
      ],
      { new_edits: false },
    );
    await vi.waitFor(() => expect(s.status().conflicts).toBe(1));
    expect((await s.get("k"))._conflicts).toHaveLength(1);
    // Resolved: the losing branch removed.
    const doc = await s.get("k");
    await db.put({ _id: "k", _rev: (doc._conflicts as string[])[0], _deleted: true });
    await vi.waitFor(() => expect(s.status().conflicts).toBe(0));
  });

  it("sync against an unreachable server: offline at once, data kept", async () => {
    // A port that refuses connections (listened on, then closed).
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const s = source(`http://127.0.0.1:${port}`);
    await s.post({ _id: "a", type: "order" });
    await s.sync();
    expect(s.status()).toMatchObject({ state: "offline", online: false, pending: 1 });
    await s.sync({ mode: "once" });
    expect(s.status()).toMatchObject({ state: "offline", pending: 1 });
    expect((await s.get("a"))._id).toBe("a");
  });

  it("sync while the browser says offline resolves at once", async () => {
    const s = source("http://127.0.0.1:9", { online: () => false });
    await s.sync();
    expect(s.status()).toMatchObject({ state: "offline", online: false });
  });

  it("follows the browser's online and offline events; back online, replication restarts at once", async () => {
    const events = new EventTarget();
    const g = globalThis as unknown as Record<string, unknown>;
    g.addEventListener = events.addEventListener.bind(events);
    g.removeEventListener = events.removeEventListener.bind(events);
    try {
      let online = true;
      const s = source("http://127.0.0.1:9", { online: () => online });
      await s.sync();
      expect(s.status().state).toBe("offline");
      online = false;
      events.dispatchEvent(new Event("offline"));
      expect(s.status()).toMatchObject({ online: false, state: "offline" });
      const states: string[] = [];
      s.subscribe(() => states.push(s.status().state));
      online = true;
      events.dispatchEvent(new Event("online"));
      await vi.waitFor(() => expect(states).toContain("connecting"));
      await vi.waitFor(() => expect(s.status().state).toBe("offline"));
      await s.close();
      online = false;
      events.dispatchEvent(new Event("online"));
      expect(s.status().state).toBe("offline");
    } finally {
      delete g.addEventListener;
      delete g.removeEventListener;
    }
  });

  it("reset destroys the device database and starts an empty one", async () => {
    const s = source();
    await s.post({ _id: "a", type: "order" });
    await s.view("orders/byUser", {});
    await s.reset();
    await expect(s.get("a")).rejects.toMatchObject({ status: 404 });
    expect(s.status()).toMatchObject({ pending: 0, conflicts: 0, denied: [] });
    expect(await s.view("orders/byUser", {})).toEqual({ rows: [] });
    await s.post({ _id: "b", type: "order" });
    expect(s.status().pending).toBe(1);
  });
});
