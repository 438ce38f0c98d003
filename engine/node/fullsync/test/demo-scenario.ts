/**
 * The FullSync scenario, end to end, with real servers: a REST back end on loopback, the engine
 * (startAtelier) on a copy of examples/workspace, and real PouchDB clients that log in through
 * the Login sequence (cookie session) and replicate with /fullsync/fullsyncdemo. Run by
 * fullsync-demo.test.ts (databases in memory) and fullsync-demo-external.test.ts (an external
 * CouchDB-compatible server with an admin password).
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import PouchDBModule from "pouchdb";
import memoryAdapter from "pouchdb-adapter-memory";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startAtelier, type RunningAtelier } from "../../app.ts";
import type { FullSyncPartOptions } from "../fullsync-config.ts";
import { EngineLog } from "../../log.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");

// PouchDB ships no types: the little of it this test uses.
type Doc = Record<string, unknown> & { _id: string; _rev?: string };
interface Db {
  allDocs(o?: Record<string, unknown>): Promise<{ rows: { id: string; doc?: Doc }[] }>;
  get(id: string): Promise<Doc>;
  put(doc: Doc): Promise<{ ok: boolean; rev: string }>;
  destroy(): Promise<void>;
}
interface Replication extends Promise<{ ok: boolean; docs_written: number; doc_write_failures: number }> {
  on(event: string, fn: (x: unknown) => void): Replication;
}
interface PouchStatic {
  new (name: string, opts?: Record<string, unknown>): Db;
  plugin(p: unknown): void;
  replicate(from: Db, to: Db, opts?: Record<string, unknown>): Replication;
  fetch(url: string, opts: unknown): Promise<unknown>;
}
const PouchDB = PouchDBModule as unknown as PouchStatic;
PouchDB.plugin(memoryAdapter);

interface Order {
  id: number;
  user: string;
  item: string;
  qty: number;
}

/** The back end: orders of alice and bob; a PUT by someone else than an order's user is refused. */
async function startBackend() {
  const orders = new Map<string, Order>([
    ["1", { id: 1, user: "alice", item: "Pen", qty: 2 }],
    ["2", { id: 2, user: "alice", item: "Notebook", qty: 1 }],
    ["3", { id: 3, user: "bob", item: "Stapler", qty: 5 }],
  ]);
  const puts: { id: string; body: Record<string, unknown> }[] = [];
  const refused: { id: string; body: Record<string, unknown> }[] = [];
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      const m = /^\/orders\/([^/?]+)$/.exec(req.url ?? "");
      if (req.method === "GET" && req.url === "/orders") return send(200, [...orders.values()]);
      if (req.method === "PUT" && m) {
        const id = decodeURIComponent(m[1] as string);
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
        const existing = orders.get(id);
        if (existing && existing.user !== body.user) {
          refused.push({ id, body });
          return send(403, { error: `order ${id} is not ${String(body.user)}'s` });
        }
        puts.push({ id, body });
        orders.set(id, { id: Number(id), user: String(body.user), item: String(body.item), qty: Number(body.qty) });
        return send(200, { ok: true });
      }
      send(404, { error: "not found" });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    orders,
    puts,
    refused,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * Declares the scenario's tests; `placement` gives where FullSync keeps its databases (started
 * before the engine, stopped after it).
 */
export function fullSyncDemoScenario(
  label: string,
  placement: () => Promise<{ options: FullSyncPartOptions; stop(): Promise<void> }>,
  /** More checks once the scenario ran (on the same engine). */
  after?: { title: string; check(app: RunningAtelier): Promise<void> },
): void {
  let backend: Awaited<ReturnType<typeof startBackend>>;
  let placed: { options: FullSyncPartOptions; stop(): Promise<void> } | undefined;
  let app: RunningAtelier;
  let workspace: string;
  let base: string;
  const devices: Db[] = [];
  let deviceCount = 0;

  /** Calls the Convertigo API (form-encoded POST), with a session cookie when given. */
  async function call(params: Record<string, string>, cookie?: string, kind = ".json") {
    const r = await fetch(`${base}projects/FullSyncDemo/${kind}`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        ...(cookie ? { cookie } : {}),
      },
      body: new URLSearchParams(params).toString(),
    });
    const setCookie = r.headers.get("set-cookie");
    return { status: r.status, body: (await r.json()) as Record<string, unknown>, setCookie };
  }

  async function login(user: string): Promise<string> {
    const r = await call({ __sequence: "Login", user, password: `${user}-pw` });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ user, authenticated: true });
    const cookie = r.setCookie?.split(";")[0];
    expect(cookie).toMatch(/^atelier_sid=/);
    return cookie as string;
  }

  function remote(cookie: string | undefined): Db {
    return new PouchDB(`${base}fullsync/fullsyncdemo`, {
      skip_setup: true,
      fetch: (url: string, opts: { headers: { set(k: string, v: string): void } }) => {
        if (cookie) opts.headers.set("Cookie", cookie);
        return PouchDB.fetch(url, opts);
      },
    });
  }

  function device(): Db {
    const d = new PouchDB(`device-${process.pid}-${deviceCount++}-${Date.now()}`, { adapter: "memory" });
    devices.push(d);
    return d;
  }

  async function docIds(db: Db): Promise<string[]> {
    return (await db.allDocs()).rows.map((r) => r.id).filter((id) => !id.startsWith("_design/"));
  }

  /** A raw request to the FullSync endpoint. */
  async function raw(method: string, p: string, cookie: string | undefined, body?: unknown) {
    const r = await fetch(`${base}fullsync/fullsyncdemo${p}`, {
      method,
      headers: { ...(cookie ? { cookie } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, text: await r.text() };
  }

  const ALICE_ORDERS = ["order-1", "order-2"];
  const CATALOG = ["catalog-notebook", "catalog-pen", "catalog-stapler"];
  const SALES = ["sales-leads", "sales-targets"];

  beforeAll(async () => {
    backend = await startBackend();
    workspace = await mkdtemp(path.join(os.tmpdir(), "atelier-fullsync-demo-"));
    // The example workspace as it is in the repository (without the data of an engine run there).
    await cp(path.join(repoRoot, "examples/workspace"), workspace, {
      recursive: true,
      filter: (src) => !src.split(path.sep).includes(".atelier"),
    });
    // A short first retry delay, so the refused-push case below is reported within the test's time.
    const connectorFile = path.join(workspace, "FullSyncDemo/connectors/FullSync.yaml");
    const text = await readFile(connectorFile, "utf8");
    await writeFile(connectorFile, text.replace("    view: byId\n", "    view: byId\n    retryDelayMs: 20\n"));
    placed = await placement();
    app = await startAtelier({
      workspaceDir: workspace,
      port: 0,
      studio: false,
      fullsync: placed.options,
      settings: { backendUrl: backend.url },
      log: new EngineLog({ level: "silent" }),
    });
    base = app.url;
  });

  afterAll(async () => {
    for (const d of devices) await d.destroy().catch(() => {});
    await app?.close();
    await placed?.stop();
    await backend?.close();
    await rm(workspace, { recursive: true, force: true });
  });

  describe(`FullSyncDemo, end to end (${label})`, () => {
    let alice: string;
    let bob: string;
    let aliceDevice: Db;
    let bobDevice: Db;
    let order1Rev: string;

    /** SeedData is Private: run in the engine (as the Studio or a scheduler does), never over HTTP. */
    const seed = async () => {
      const r = await app.engine.run({ project: "FullSyncDemo", sequence: "SeedData", inputs: {} });
      return { ok: r.ok, body: r.ok ? r.output : r.error };
    };

    it("(2) SeedData pulls the back end's orders through the HTTP connector and posts them to FullSync", async () => {
      expect(app.fullsync?.databases()).toEqual(["fullsyncdemo"]);
      // It writes everyone's orders: an HTTP caller (anonymous or not) is refused.
      const outside = await call({ __sequence: "SeedData", backendUrl: "http://169.254.169.254" });
      expect(outside.status).toBe(403);
      expect(outside.body).toMatchObject({ error: { code: "private_requestable" } });
      const r = await seed();
      expect(r.ok).toBe(true);
      expect(r.body).toEqual({ orders: 3, catalog: 3, sales: 2 });
      const data = app.engine.services.fullsync!.data("fullsyncdemo");
      expect(await data.get("order-1")).toMatchObject({ "~c8oAcl": "alice", item: "Pen", qty: 2, type: "order" });
      expect(await data.get("order-3")).toMatchObject({ "~c8oAcl": "bob" });
      const pen = await data.get("catalog-pen");
      expect(pen["~c8oAcl"]).toBeUndefined();
      expect(pen.c8oGrp).toBeUndefined();
      expect(await data.get("sales-leads")).toMatchObject({ c8oGrp: "sales" });
      // Seeding again updates the same documents.
      expect((await seed()).body).toEqual({ orders: 3, catalog: 3, sales: 2 });
      expect((await data.get("order-1"))._rev).toMatch(/^2-/);
    });

    it("(3) users log in through the Login sequence; a wrong password is refused", async () => {
      const wrong = await call({ __sequence: "Login", user: "alice", password: "bob-pw" });
      expect(wrong.status).toBe(401);
      expect(wrong.body).toMatchObject({
        error: { code: "invalid_credentials", message: "Wrong user name or password" },
      });
      expect(wrong.setCookie).toBeNull();
      alice = await login("alice");
      bob = await login("bob");
      const who = await fetch(`${base}services/user.Get`, { method: "POST", headers: { cookie: alice } });
      expect(await who.json()).toMatchObject({ authenticated: true, user: "alice", groups: ["sales"] });
    });

    it("(3) each device receives exactly its user's orders, the catalogue, and (alice) the sales documents", async () => {
      aliceDevice = device();
      bobDevice = device();
      const a = await PouchDB.replicate(remote(alice), aliceDevice, {});
      expect(a.ok).toBe(true);
      expect(await docIds(aliceDevice)).toEqual([...CATALOG, ...ALICE_ORDERS, ...SALES]);
      await PouchDB.replicate(remote(bob), bobDevice, {});
      expect(await docIds(bobDevice)).toEqual([...CATALOG, "order-3"]);
      const carolDevice = device();
      await PouchDB.replicate(remote(await login("carol")), carolDevice, {});
      expect(await docIds(carolDevice)).toEqual(CATALOG);
      // Without a session, the database is closed (anonymous replication is denied).
      await expect(PouchDB.replicate(remote(undefined), device(), {})).rejects.toMatchObject({ status: 401 });
    });

    it("(4) alice changes an order on her device; the listener sends the change to the back end", async () => {
      const doc = await aliceDevice.get("order-1");
      await aliceDevice.put({ ...doc, qty: 7 });
      await aliceDevice.put({ _id: "order-9", type: "order", id: 9, item: "Ink", qty: 1 });
      const pushed = await PouchDB.replicate(aliceDevice, remote(alice), {});
      expect(pushed.doc_write_failures).toBe(0);
      await vi.waitFor(
        () =>
          expect(
            backend.puts.map((p) => p.id),
            "the PUTs",
          ).toEqual(expect.arrayContaining(["1", "9"])),
        { timeout: 15_000, interval: 20 },
      );
      expect(backend.puts.find((p) => p.id === "1")?.body).toMatchObject({
        _id: "order-1",
        type: "order",
        id: 1,
        user: "alice",
        item: "Pen",
        qty: 7,
      });
      // The ACL keys never leave the engine.
      expect(Object.keys(backend.puts.find((p) => p.id === "1")?.body ?? {})).not.toContain("~c8oAcl");
      expect(backend.puts.find((p) => p.id === "9")?.body).toMatchObject({ id: 9, user: "alice", item: "Ink" });
      expect(backend.orders.get("1")?.qty).toBe(7);
      const data = app.engine.services.fullsync!.data("fullsyncdemo");
      const stored = await data.get("order-1");
      expect(stored).toMatchObject({ qty: 7, "~c8oAcl": "alice" });
      expect((await data.get("order-9"))["~c8oAcl"]).toBe("alice");
      order1Rev = stored._rev as string;
      await app.fullsync!.listeners.whenIdle();
      expect(app.fullsync!.listeners.status()[0]).toMatchObject({
        listener: "OrdersToBackend",
        targetSequence: "PushOrder",
        failed: 0,
      });
      const mine = await call({ __sequence: "MyOrders" }, alice);
      expect(mine.status, JSON.stringify(mine.body)).toBe(200);
      expect((mine.body.orders as { id: number }[]).map((o) => o.id).sort()).toEqual([1, 2, 9]);
    });

    it("(5) bob can neither read nor overwrite alice's documents, by any endpoint", async () => {
      const data = app.engine.services.fullsync!.data("fullsyncdemo");
      const before = JSON.stringify([await data.get("order-1"), await data.get("order-2"), await data.get("order-9")]);
      // Echoing an id bob asked for is no leak; a revision, a body, alice's name or an id as a found row is.
      const alices = new Set(["order-1", "order-2", "order-9"]);
      const leaks = (text: string): boolean => {
        if (/alice|"Ink"|"qty":7/.test(text)) return true;
        let found = false;
        const walk = (v: unknown): void => {
          if (Array.isArray(v)) return v.forEach(walk);
          if (!v || typeof v !== "object") return;
          const o = v as Record<string, unknown>;
          if (typeof o._id === "string" && alices.has(o._id)) found = true;
          if (typeof o.id === "string" && alices.has(o.id) && ("value" in o || "doc" in o || "changes" in o))
            found = true;
          if ("ok" in o) found = true;
          Object.values(o).forEach(walk);
        };
        try {
          walk(JSON.parse(text));
        } catch {
          // Not JSON (an error page): only the words above matter.
        }
        return found;
      };

      // Reads.
      const reads = [
        await raw("GET", "/order-1", bob),
        await raw("GET", `/order-1?rev=${order1Rev}`, bob),
        await raw("GET", "/order-1?open_revs=all&revs=true", bob),
        await raw("GET", `/order-1?open_revs=${encodeURIComponent(JSON.stringify([order1Rev]))}`, bob),
        await raw("GET", '/_all_docs?include_docs=true&keys=["order-1","order-2"]', bob),
        await raw("POST", "/_all_docs?include_docs=true", bob, { keys: ["order-1", "order-9"] }),
        await raw("GET", "/_all_docs?include_docs=true", bob),
        await raw("GET", "/_changes?include_docs=true&style=all_docs", bob),
        await raw("POST", "/_changes?filter=_doc_ids&include_docs=true", bob, { doc_ids: ["order-1"] }),
        await raw("POST", "/_bulk_get?revs=true", bob, {
          docs: [{ id: "order-1" }, { id: "order-1", rev: order1Rev }],
        }),
        await raw("POST", "/_find", bob, { selector: { type: "order" } }),
        await raw("GET", "/_design/orders/_view/byId?include_docs=true", bob),
        await raw("GET", "/_design/orders", bob),
        await raw("GET", "/order-1/anything.txt", bob),
      ];
      for (const r of reads) expect(leaks(r.text), r.text).toBe(false);
      const diff = await raw("POST", "/_revs_diff", bob, { "order-1": [order1Rev] });
      expect(JSON.parse(diff.text)).toEqual({ "order-1": { missing: [order1Rev] } });

      // Writes.
      const writes = [
        await raw("PUT", "/order-1", bob, { _rev: order1Rev, type: "order", id: 1, item: "Pen", qty: 0 }),
        await raw("PUT", "/order-1", bob, { type: "order", id: 1, qty: 0 }),
        await raw("POST", "", bob, { _id: "order-1", _rev: order1Rev, qty: 0 }),
        await raw("DELETE", `/order-1?rev=${order1Rev}`, bob),
        await raw("PUT", `/order-1/evil.html?rev=${order1Rev}`, bob, "<script>alert(1)</script>"),
        await raw("POST", "/_bulk_docs", bob, { docs: [{ _id: "order-1", _rev: order1Rev, qty: 0 }] }),
        await raw("POST", "/_bulk_docs", bob, {
          new_edits: false,
          docs: [
            {
              _id: "order-1",
              _rev: "99-ffffffffffffffffffffffffffffffff",
              _revisions: { start: 99, ids: ["ffffffffffffffffffffffffffffffff"] },
              qty: 0,
              "~c8oAcl": "alice",
            },
          ],
        }),
        await raw("POST", "/_bulk_docs", bob, { docs: [{ _id: "order-forged", "~c8oAcl": "alice", qty: 1 }] }),
        await raw("POST", "/_bulk_docs", bob, { docs: [{ _id: "sales-forged", c8oGrp: "sales" }] }),
        await raw("PUT", "/_design/orders", bob, {
          views: { byId: { map: "function (doc) { emit(doc._id, doc); }" } },
        }),
      ];
      for (const w of writes) {
        expect(
          w.status === 201 || w.status === 200 ? /forbidden|unauthorized/.test(w.text) : w.status >= 400,
          w.text,
        ).toBe(true);
      }
      // A document bob claims for alice, or for a group he is not in, is not stored as such.
      for (const id of ["order-forged", "sales-forged"]) {
        const forged = await data.get(id).catch(() => undefined);
        if (forged) {
          expect(forged["~c8oAcl"]).toBe("bob");
          expect(forged.c8oGrp).toBeUndefined();
        }
      }

      // Through the engine's API: FullSync transactions and the listener's sequence are Private.
      const tx = await call({ __connector: "FullSync", __transaction: "GetDocument", docid: "order-1" }, bob);
      expect(tx.status).toBe(403);
      expect(tx.body).toMatchObject({ error: { code: "private_requestable" } });
      const push = await call({ __sequence: "PushOrder", doc: JSON.stringify({ id: 1, item: "Pen", qty: 0 }) }, bob);
      expect(push.status).toBe(403);
      const bobsOrders = await call({ __sequence: "MyOrders" }, bob);
      expect(bobsOrders.body).toEqual({ orders: [{ id: 3, item: "Stapler", qty: 5 }] });

      // bob's device syncs again: still nothing of alice's.
      await PouchDB.replicate(remote(bob), bobDevice, {});
      const bobIds = await docIds(bobDevice);
      expect(bobIds.filter((id) => ALICE_ORDERS.includes(id) || id === "order-9" || SALES.includes(id))).toEqual([]);

      // A new order of bob's own that names alice's back-end order: the back end refuses it (the
      // listener sends bob as the user), the failure is reported, and nothing of alice's changes.
      await bobDevice.put({ _id: "order-evil", type: "order", id: 1, item: "Pen", qty: 0 });
      await PouchDB.replicate(bobDevice, remote(bob), {});
      await vi.waitFor(
        () =>
          expect(app.fullsync!.listeners.status()[0]?.failed ?? 0, "the failure to be reported").toBeGreaterThanOrEqual(
            1,
          ),
        { timeout: 15_000, interval: 20 },
      );
      expect(backend.refused.some((r) => r.id === "1" && r.body.user === "bob")).toBe(true);
      const status = app.fullsync!.listeners.status()[0];
      expect(status?.failures.at(-1)).toMatchObject({ ids: ["order-evil"], user: "bob", code: "http_status" });
      expect(app.engine.log.recent().some((l) => l.level === "error" && /order-evil/.test(l.message))).toBe(true);
      expect(backend.orders.get("1")).toEqual({ id: 1, user: "alice", item: "Pen", qty: 7 });

      const after = JSON.stringify([await data.get("order-1"), await data.get("order-2"), await data.get("order-9")]);
      expect(after).toBe(before);
      // alice's device, synced again, holds what it held, and nothing of bob's.
      await PouchDB.replicate(remote(alice), aliceDevice, {});
      expect((await aliceDevice.get("order-1")).qty).toBe(7);
      expect((await docIds(aliceDevice)).some((id) => id === "order-3" || id === "order-evil")).toBe(false);
    });

    it("(6) an order whose id is a dot segment never moves the listener's PUT out of /orders/", async () => {
      const failedBefore = app.fullsync!.listeners.status()[0]?.failed ?? 0;
      const seenBefore = backend.seen.length;
      await bobDevice.put({ _id: "order-dots", type: "order", id: "..", item: "Pen", qty: 1 });
      await bobDevice.put({ _id: "order-dot", type: "order", id: ".", item: "Pen", qty: 1 });
      await PouchDB.replicate(bobDevice, remote(bob), {});
      await vi.waitFor(
        () =>
          expect(app.fullsync!.listeners.status()[0]?.failed ?? 0, "the refusal to be reported").toBeGreaterThan(
            failedBefore,
          ),
        { timeout: 15_000, interval: 20 },
      );
      const failure = app.fullsync!.listeners.status()[0]?.failures.at(-1);
      expect(failure).toMatchObject({ user: "bob", code: "invalid_path_variable" });
      // Before, "{+baseUrl}/orders/{id}" with id ".." was sent as PUT / (and "." as PUT /orders/).
      const sent = backend.seen.slice(seenBefore);
      expect(sent.filter((r) => !/^PUT \/orders\/[^/]+$/.test(r))).toEqual([]);
      expect(sent.filter((r) => r === "PUT /orders/.." || r === "PUT /orders/.")).toEqual([]);
    });

    if (after) it(after.title, () => after.check(app));
  });
}
