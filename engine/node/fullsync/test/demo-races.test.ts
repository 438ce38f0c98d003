/**
 * The FullSyncDemo scenario as an operator runs it (`atelier serve` on a workspace whose FullSync
 * data folder is LevelDB files with an index snapshot), over several engine starts, with SeedData
 * running while devices of alice, bob and carol log in and pull at the same time. Every response a
 * device receives is checked: each revision named or sent must be one its user may see, judged by
 * that revision's body as stored (only alice is in the group sales).
 */
import { cp, mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import PouchDBModule from "pouchdb";
import memoryAdapter from "pouchdb-adapter-memory";
import { afterAll, describe, expect, it } from "vitest";
import { startAtelier, type RunningAtelier } from "../../app.ts";
import { EngineLog } from "../../log.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");

type Json = Record<string, unknown>;
interface Db {
  allDocs(o?: Json): Promise<{ rows: { id: string; value: { rev: string } }[] }>;
  destroy(): Promise<void>;
}
interface PouchStatic {
  new (name: string, opts?: Json): Db;
  plugin(p: unknown): void;
  replicate(from: Db, to: Db, opts?: Json): Promise<Json>;
  fetch(url: string, opts: unknown): Promise<Response>;
}
const PouchDB = PouchDBModule as unknown as PouchStatic;
PouchDB.plugin(memoryAdapter);

const GROUPS: Record<string, string[]> = { alice: ["sales"], bob: [], carol: [] };

let backend: Server | undefined;
let app: RunningAtelier | undefined;
const dirs: string[] = [];
afterAll(async () => {
  await app?.close();
  backend?.closeAllConnections();
  await new Promise<void>((r) => (backend ? backend.close(() => r()) : r()));
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** The orders back end (GET /orders only: SeedData reads it). */
async function startBackend(): Promise<string> {
  const orders = [
    { id: 1, user: "alice", item: "Pen", qty: 2 },
    { id: 2, user: "alice", item: "Notebook", qty: 1 },
    { id: 3, user: "bob", item: "Stapler", qty: 5 },
  ];
  backend = createServer((req, res) => {
    res.writeHead(req.url === "/orders" ? 200 : 404, { "content-type": "application/json" });
    res.end(JSON.stringify(req.url === "/orders" ? orders : { error: "not found" }));
  });
  await new Promise<void>((r) => backend!.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
}

describe("FullSyncDemo under concurrent seeding, logins and pulls, across restarts", () => {
  it("no device ever receives a revision its user may not see", { timeout: 120_000 }, async () => {
    const backendUrl = await startBackend();
    const root = await mkdtemp(path.join(os.tmpdir(), "atelier-fullsync-races-"));
    dirs.push(root);
    const workspace = path.join(root, "workspace");
    await cp(path.join(repoRoot, "examples/workspace"), workspace, {
      recursive: true,
      filter: (src) => !src.split(path.sep).includes(".atelier"),
    });
    const dataDir = path.join(workspace, ".atelier", "fullsync");

    const seen: { user: string; what: string; text: string }[] = [];
    let devices = 0;
    const call = async (base: string, params: Record<string, string>, cookie?: string) => {
      const r = await fetch(`${base}projects/FullSyncDemo/.json`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", ...(cookie ? { cookie } : {}) },
        body: new URLSearchParams(params).toString(),
      });
      return { status: r.status, body: (await r.json()) as Json, cookie: r.headers.get("set-cookie")?.split(";")[0] };
    };
    /** What client.mjs does: log in, pull into a fresh device, answer what it holds. */
    const client = async (base: string, user: string) => {
      const login = await call(base, { __sequence: "Login", user, password: `${user}-pw` });
      expect(login.status).toBe(200);
      const cookie = login.cookie!;
      const remote = new PouchDB(`${base}fullsync/fullsyncdemo`, {
        skip_setup: true,
        fetch: async (url: string, opts: { method?: string; headers: { set(k: string, v: string): void } }) => {
          opts.headers.set("Cookie", cookie);
          const res = await PouchDB.fetch(url, opts);
          const text = await res.text();
          if (res.ok) seen.push({ user, what: `${opts.method ?? "GET"} ${url}`, text });
          return new Response(text, { status: res.status, headers: res.headers });
        },
      });
      const dev = new PouchDB(`races-${process.pid}-${devices++}`, { adapter: "memory" });
      await PouchDB.replicate(remote, dev, { batch_size: 2 });
      const held = (await dev.allDocs()).rows.filter((r) => !r.id.startsWith("_design/")).map((r) => r.id);
      await dev.destroy();
      return held.sort();
    };

    for (let round = 0; round < 4; round++) {
      app = await startAtelier({
        workspaceDir: workspace,
        port: 0,
        studio: false,
        fullsync: { dataDir },
        settings: { backendUrl },
        log: new EngineLog({ level: "silent" }),
      });
      const base = app.url;
      expect(app.fullsync?.databases()).toEqual(["fullsyncdemo"]);
      const stats = (app.fullsync!.server as unknown as { indexStats(db: string): { source: string } }).indexStats(
        "fullsyncdemo",
      );
      // From the second start on, the index comes from the snapshot saved at the previous close.
      expect(stats.source).toBe(round === 0 ? "rebuilt" : "snapshot");
      // SeedData is Private: run in the engine, as the Studio or a scheduler would.
      const engine = app.engine;
      const seed = async () => {
        const r = await engine.run({ project: "FullSyncDemo", sequence: "SeedData", inputs: {} });
        return { status: r.ok ? 200 : (r.error?.status ?? 500), body: (r.ok ? r.output : r.error) as Json };
      };
      if (round === 0) expect((await seed()).status).toBe(200);
      // Seeding again (new revisions of every document) while devices log in and pull.
      const [seeded, ...held] = await Promise.all([
        seed(),
        client(base, "alice"),
        client(base, "bob"),
        client(base, "carol"),
        client(base, "bob"),
        client(base, "alice"),
      ]);
      expect(seeded!.body).toEqual({ orders: 3, catalog: 3, sales: 2 });
      // bob's and carol's devices never hold a sales document or one of alice's orders.
      for (const ids of [held[1], held[2], held[3]] as string[][]) {
        expect(ids.filter((id) => id.startsWith("sales-") || id === "order-1" || id === "order-2")).toEqual([]);
      }
      // Once seeding is over, each user's fresh pull holds exactly what they may see.
      expect(await client(base, "alice")).toEqual([
        "catalog-notebook",
        "catalog-pen",
        "catalog-stapler",
        "order-1",
        "order-2",
        "sales-leads",
        "sales-targets",
      ]);
      expect(await client(base, "bob")).toEqual(["catalog-notebook", "catalog-pen", "catalog-stapler", "order-3"]);
      expect(await client(base, "carol")).toEqual(["catalog-notebook", "catalog-pen", "catalog-stapler"]);

      // Every revision named or sent, judged by its body as stored.
      const data = app.engine.services.fullsync!.data("fullsyncdemo");
      const bodies = new Map<string, Json>();
      const mayRead = async (user: string, id: string, rev: string): Promise<boolean> => {
        const k = `${id}\n${rev}`;
        if (!bodies.has(k)) bodies.set(k, await data.get(id, { rev }));
        const body = bodies.get(k)!;
        const owner = body["~c8oAcl"];
        const grp = body.c8oGrp;
        if (owner === undefined && grp === undefined) return true;
        return owner === user || (typeof grp === "string" && GROUPS[user]!.includes(grp));
      };
      const violations: string[] = [];
      let checked = 0;
      for (const s of seen.splice(0)) {
        if (!/_changes|_bulk_get|_all_docs|open_revs/.test(s.what)) continue;
        const named: [string, string][] = [];
        const visit = (v: unknown): void => {
          if (Array.isArray(v)) return v.forEach(visit);
          if (typeof v !== "object" || v === null) return;
          const o = v as Json;
          if (typeof o.id === "string" && Array.isArray(o.changes))
            for (const c of o.changes as Json[]) named.push([o.id, String(c.rev)]);
          if (typeof o._id === "string" && typeof o._rev === "string" && !o._id.startsWith("_"))
            named.push([o._id, o._rev]);
          for (const [k, x] of Object.entries(o)) if (k !== "_revisions") visit(x);
        };
        visit(JSON.parse(s.text));
        for (const [id, rev] of named) {
          checked++;
          if (!(await mayRead(s.user, id, rev))) violations.push(`${s.user} got ${id}@${rev} (${s.what})`);
        }
      }
      expect(violations).toEqual([]);
      expect(checked).toBeGreaterThan(40);
      await app.close();
      app = undefined;
    }
  });
});
