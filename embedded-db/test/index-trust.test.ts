/**
 * The principal index is an accelerator, never the authority. Whatever it says (corrupted in
 * memory, loaded from a snapshot that disagrees with the database, lagging behind writes), no
 * endpoint sends a revision (its id and rev in a row, or its body) that the reader may not see
 * by that revision's own body, or, for a tombstone without ACL keys, by the revision it deletes.
 */
import { createHash } from "node:crypto";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PUBLIC } from "../acl.ts";
import type { FullSyncDatabase } from "../database.ts";
import { PouchDB, type PouchDb } from "../pouch.ts";
import { database, decl, ids, pull, startHarness, type Harness } from "./harness.ts";

type Json = Record<string, unknown>;
const SECRET = "Globex-secret";
const SALES = ["sales-leads", "sales-targets"];

const harnesses: Harness[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close().catch(() => {});
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
const start = async (dataDir?: string) => {
  const h = await startHarness(dataDir ? { dataDir } : {});
  harnesses.push(h);
  return h;
};
const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), "fullsync-trust-"));
  dirs.push(d);
  return d;
};

/** bob's b1, public p1, two documents of the group sales (alice is in it). */
async function seed(h: Harness): Promise<Record<string, string>> {
  await h.fs.setDatabases([decl("items")]);
  await h.fs.groups.addUserToGroup("alice", "sales");
  const data = h.fs.data("items");
  await data.bulkDocs([
    { _id: "b1", "~c8oAcl": "bob", v: 1 },
    { _id: "p1", title: "public" },
  ]);
  const res = await data.bulkDocs([
    { _id: "sales-leads", type: "sales", c8oGrp: "sales", leads: [SECRET] },
    { _id: "sales-targets", type: "sales", c8oGrp: { sales: true }, amount: 120000 },
  ]);
  await h.fs.flush();
  return Object.fromEntries((res as { id: string; rev: string }[]).map((r) => [r.id, r.rev]));
}

/** The document ids whose revisions a response hands over (rows, documents, open_revs). */
function handedOver(text: string): string[] {
  const out: string[] = [];
  const visit = (v: unknown) => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (typeof v !== "object" || v === null) return;
    const o = v as Json;
    // a _changes row, an _all_docs row with a value, a document, an open_revs/_bulk_get "ok"
    if (typeof o.id === "string" && Array.isArray(o.changes)) out.push(o.id);
    if (typeof o.id === "string" && typeof o.value === "object" && o.value !== null) out.push(o.id);
    if (typeof o._id === "string" && typeof o._rev === "string") out.push(o._id);
    for (const x of Object.values(o)) visit(x);
  };
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      visit(JSON.parse(line));
    } catch {
      // a line of a longer JSON document: parse the whole text below
      try {
        visit(JSON.parse(text));
      } catch {
        // not JSON
      }
      break;
    }
  }
  return [...new Set(out)];
}

/** Every read endpoint, as `sid`, must hand over nothing of the sales documents. */
async function expectNothingOfSales(h: Harness, sid: string, revs: Record<string, string>) {
  const lead = revs["sales-leads"]!;
  const target = revs["sales-targets"]!;
  const reqs: [string, string, unknown?][] = [
    ["GET", "/items/_changes"],
    ["GET", "/items/_changes?style=all_docs&include_docs=true&conflicts=true"],
    ["GET", "/items/_changes?descending=true&include_docs=true"],
    ["GET", "/items/_changes?limit=1&since=0"],
    ["GET", "/items/_changes?feed=longpoll&since=0&include_docs=true"],
    ["GET", "/items/_changes?feed=continuous&since=0&include_docs=true&timeout=200"],
    ["POST", "/items/_changes?filter=_doc_ids&include_docs=true", { doc_ids: SALES }],
    ["POST", "/items/_changes?filter=_selector&include_docs=true", { selector: { type: "sales" } }],
    ["GET", "/items/_all_docs"],
    ["GET", "/items/_all_docs?include_docs=true&conflicts=true"],
    ["GET", `/items/_all_docs?key=${encodeURIComponent('"sales-leads"')}`],
    ["POST", "/items/_all_docs?include_docs=true", { keys: [...SALES, "b1", "sales-leads"] }],
    [
      "POST",
      "/items/_bulk_get?revs=true&latest=true",
      { docs: [{ id: "sales-leads" }, { id: "sales-leads", rev: lead }, { id: "sales-targets", rev: target }] },
    ],
    ["GET", "/items/sales-leads"],
    ["GET", `/items/sales-leads?rev=${lead}`],
    ["GET", "/items/sales-leads?open_revs=all"],
    ["GET", `/items/sales-leads?open_revs=${encodeURIComponent(JSON.stringify([lead]))}&latest=true`],
  ];
  for (const [method, path, body] of reqs) {
    const r = await h.request(method, path, { sid, ...(body !== undefined ? { body } : {}) });
    const what = `${method} ${path}`;
    expect(
      handedOver(r.text).filter((id) => SALES.includes(id)),
      what,
    ).toEqual([]);
    expect(r.text, what).not.toContain(SECRET);
    expect(r.text, what).not.toContain("120000");
  }
  const diff = await h.request("POST", "/items/_revs_diff", { sid, body: { "sales-leads": [lead] } });
  expect(diff.body).toEqual({ "sales-leads": { missing: [lead] } });
  const dev = h.device();
  await pull(h.remote("items", sid), dev);
  expect(await ids(dev)).toEqual(["b1", "p1"]);
}

/**
 * Routes the sales documents to public and to bob in the index only (the database is unchanged),
 * as leaves whose principals this process did not compute from their bodies (what a snapshot
 * loads).
 */
function corrupt(d: FullSyncDatabase) {
  for (const id of SALES) {
    const e = d.index.docs.get(id)!;
    d.index.correct(
      id,
      e.seq,
      e.leaves.map((l) => ({ rev: l.rev, deleted: l.deleted, p: [PUBLIC, "u:bob"], v: false })),
    );
  }
}

/** Holds the index's reads of the change feed until released (a slow or stuck backend). */
function holdFeed(d: FullSyncDatabase): () => void {
  // The follower's own handle on the database (PouchDB's internals keep the real one).
  const follower = (d as unknown as { follower: { o: { db: PouchDb } } }).follower;
  const real = follower.o.db;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const held = new Proxy(real, {
    get(target, key) {
      if (key === "changes") {
        return (o: Json) => (o.live ? target.changes(o as Json & { live: true }) : gate.then(() => target.changes(o)));
      }
      const v = Reflect.get(target, key) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  follower.o = { ...follower.o, db: held };
  return () => {
    follower.o = { ...follower.o, db: real };
    release();
  };
}

describe("an index that is wrong never decides alone", () => {
  it("an index routing a group's documents to public and to bob hands bob nothing of them, by any endpoint", async () => {
    const h = await start();
    const revs = await seed(h);
    const d = database(h, "items");
    corrupt(d);
    const bob = h.login("bob");
    await expectNothingOfSales(h, bob, revs);
    // The disagreement was noticed and the index entries were corrected from the database.
    await vi.waitFor(
      () =>
        expect(
          SALES.map((id) => d.index.docs.get(id)?.leaves[0]?.p.join()),
          "repair",
        ).toEqual(SALES.map(() => "g:sales")),
      { timeout: 5000, interval: 20 },
    );
    expect(h.logs.join("\n")).toMatch(/index .*disagree/);
    // Members still receive them.
    const dev = h.device();
    await pull(h.remote("items", h.login("alice")), dev);
    expect(await ids(dev)).toEqual(["p1", ...SALES]);
  });

  it("a snapshot edited on disk (principals changed, everything else kept) leaks nothing", async () => {
    const dir = await tempDir();
    let h = await start(dir);
    const revs = await seed(h);
    await h.close();
    harnesses.splice(0);
    const snapDir = join(dir, ".fullsync-index");
    for (const f of await readdir(snapDir)) {
      const s = JSON.parse(await readFile(join(snapDir, f), "utf8")) as { docs: [string, number, unknown[][]][] };
      for (const row of s.docs) if (SALES.includes(row[0])) row[2] = row[2].map((l) => [l[0], l[1], PUBLIC, "u:bob"]);
      await writeFile(join(snapDir, f), JSON.stringify(s));
    }
    h = await start(dir);
    await h.fs.setDatabases([decl("items")]);
    expect(h.fs.indexStats("items")?.source).toBe("snapshot");
    await expectNothingOfSales(h, h.login("bob"), revs);
  });

  it("a snapshot of another state of the database (restored from a backup, then written) is not used", async () => {
    const dir = await tempDir();
    let h = await start(dir);
    await h.fs.setDatabases([decl("items")]);
    const data = h.fs.data("items");
    const x1 = await data.put({ _id: "x", "~c8oAcl": "bob", n: 1 });
    await h.close();
    harnesses.splice(0);
    const backup = await tempDir();
    await cp(join(dir, "items"), join(backup, "items"), { recursive: true });

    // Later: x becomes public, more writes; the snapshot saved at close knows that state.
    h = await start(dir);
    await h.fs.setDatabases([decl("items")]);
    await h.fs.data("items").put({ _id: "x", _rev: x1.rev, n: 2 });
    for (let i = 0; i < 3; i++) await h.fs.data("items").put({ _id: `later${i}`, "~c8oAcl": "carol" });
    await h.close();
    harnesses.splice(0);

    // The database comes back from the backup, and another program writes to it (its sequence
    // passes the snapshot's): the snapshot describes documents this database does not hold.
    await rm(join(dir, "items"), { recursive: true, force: true });
    await cp(join(backup, "items"), join(dir, "items"), { recursive: true });
    const direct = new PouchDB(join(dir, "items"));
    for (let i = 0; i < 8; i++) await direct.put({ _id: `direct${i}`, "~c8oAcl": "dave" });
    await direct.close();

    h = await start(dir);
    await h.fs.setDatabases([decl("items")]);
    expect(h.fs.indexStats("items")?.source).toBe("rebuilt");
    expect(h.logs.join("\n")).toMatch(/snapshot .*does not match/);
    const alice = h.device();
    await pull(h.remote("items", h.login("alice")), alice);
    expect(await ids(alice)).toEqual([]);
    const bob = h.device();
    await pull(h.remote("items", h.login("bob")), bob);
    expect(await ids(bob)).toEqual(["x"]);
    const changes = await h.request("GET", "/items/_changes", { sid: h.login("alice") });
    expect(handedOver(changes.text)).toEqual([]);
  });
});

describe("tombstones without ACL keys inherit from the revision they delete, read from the database", () => {
  /** A replicated tombstone (new_edits=false) without ACL keys, carrying a field, on top of `parent`. */
  async function keylessTombstone(h: Harness, id: string, parent: string) {
    const doc = (await h.fs.data("items").get(id, { rev: parent, revs: true })) as Json & {
      _revisions: { start: number; ids: string[] };
    };
    const hash = createHash("md5").update(`${id}-tomb-${parent}`).digest("hex");
    const rev = `${doc._revisions.start + 1}-${hash}`;
    await h.fs.data("items").bulkDocs(
      [
        {
          _id: id,
          _rev: rev,
          _deleted: true,
          note: SECRET,
          _revisions: { start: doc._revisions.start + 1, ids: [hash, ...doc._revisions.ids] },
        },
      ],
      { new_edits: false },
    );
    return rev;
  }

  it("an owner change and a deletion read together by a lagging index: the tombstone is the group's, not the old owner's", async () => {
    const h = await start();
    await h.fs.setDatabases([decl("items")]);
    await h.fs.groups.addUserToGroup("alice", "sales");
    const data = h.fs.data("items");
    const r1 = await data.put({ _id: "x", "~c8oAcl": "bob", n: 1 });
    await h.fs.flush();
    const bob = h.login("bob");
    const dev = h.device();
    await pull(h.remote("items", bob), dev);
    expect(await ids(dev)).toEqual(["x"]);

    // The index reads the feed only after both writes: it sees the tombstone, not the revision between.
    const release = holdFeed(database(h, "items"));
    const r2 = await data.put({ _id: "x", _rev: r1.rev, c8oGrp: "sales", n: 2 });
    const tomb = await keylessTombstone(h, "x", r2.rev);
    release();
    await h.fs.flush();

    const changes = await h.request("GET", "/items/_changes?style=all_docs", { sid: bob });
    expect(handedOver(changes.text)).toEqual([]);
    for (const path of [`/items/x?rev=${tomb}`, `/items/x?open_revs=${encodeURIComponent(JSON.stringify([tomb]))}`]) {
      const r = await h.request("GET", path, { sid: bob });
      expect(r.text, path).not.toContain(SECRET);
    }
    const bg = await h.request("POST", "/items/_bulk_get?revs=true", {
      sid: bob,
      body: { docs: [{ id: "x", rev: tomb }] },
    });
    expect(bg.text).not.toContain(SECRET);
    // alice (sales) sees the deletion.
    const a = await h.request("GET", "/items/_changes?style=all_docs", { sid: h.login("alice") });
    expect(handedOver(a.text)).toEqual(["x"]);
  });

  it("_bulk_get answers each request with its own document, also when one id is asked twice", async () => {
    const h = await start();
    await h.fs.setDatabases([decl("items")]);
    const data = h.fs.data("items");
    const b = await data.put({ _id: "b1", "~c8oAcl": "bob", n: 1 });
    const s = await data.put({ _id: "s1", c8oGrp: "sales", n: 1 });
    const tomb = await keylessTombstone(h, "s1", s.rev);
    await h.fs.flush();
    const bob = h.login("bob");
    // b1 asked twice around s1: PouchDB's bulkGet groups requests by id, so answers come back
    // in another order than asked.
    const r = await h.request("POST", "/items/_bulk_get?revs=true", {
      sid: bob,
      body: {
        docs: [
          { id: "b1", rev: b.rev },
          { id: "s1", rev: tomb },
          { id: "b1", rev: "9-0123456789abcdef0123456789abcdef" },
        ],
      },
    });
    expect(r.status).toBe(200);
    expect(r.text).not.toContain(SECRET);
    const results = (r.body as { results: { id: string; docs: Json[] }[] }).results;
    expect(results.map((x) => x.id)).toEqual(["b1", "s1", "b1"]);
    expect((results[0]!.docs[0]!.ok as Json)._rev).toBe(b.rev);
    expect(results[1]!.docs[0]!.error).toMatchObject({ id: "s1", error: "not_found" });
    expect(results[2]!.docs[0]!.error).toMatchObject({ id: "b1", error: "not_found" });

    // _all_docs with a key given twice: each row carries its own document.
    const all = await h.request("POST", "/items/_all_docs?include_docs=true", {
      sid: bob,
      body: { keys: ["b1", "b1", "s1"] },
    });
    const rows = (all.body as { rows: Json[] }).rows;
    expect(rows.map((x) => (x.doc as Json | undefined)?._id ?? x.error)).toEqual(["b1", "b1", "not_found"]);
  });
});
