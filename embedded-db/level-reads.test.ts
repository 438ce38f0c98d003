// level-reads.ts against PouchDB's own answers: every revision of documents of every shape, read
// in one batch from a real LevelDB folder (and from the memory adapter's store), must be what
// `db.get(id, { rev, revs })` gives, or undefined where `get` answers 404.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FALLBACK, readRevisionTrees, readRevisions, revisionPath, type LevelHandle } from "./level-reads.ts";
import { createPouchFactory, errorStatus, levelHandleOf, type Doc, type PouchDb, type PouchFactory } from "./pouch.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "level-reads-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Documents of every shape the reader meets; answers every revision each one holds or names. */
async function fill(db: PouchDb): Promise<{ id: string; rev: string }[]> {
  const reqs: { id: string; rev: string }[] = [];
  const put = async (doc: Record<string, unknown>) => {
    const r = await db.put(doc);
    reqs.push({ id: r.id, rev: r.rev! });
    return r.rev!;
  };
  // A history of three, then deleted.
  let rev = await put({ _id: "linear", n: 1 });
  rev = await put({ _id: "linear", _rev: rev, n: 2 });
  rev = await put({ _id: "linear", _rev: rev, n: 3, nested: { a: [1, { b: null }] } });
  reqs.push({ id: "linear", rev: (await db.remove("linear", rev)).rev! });
  // Conflicting branches (written as replication writes them), and a deleted branch.
  await db.bulkDocs(
    [
      { _id: "conflict", _rev: "1-aaa", v: "root" },
      { _id: "conflict", _rev: "2-bbb", v: "left", _revisions: { start: 2, ids: ["bbb", "aaa"] } },
      { _id: "conflict", _rev: "3-ccc", v: "left2", _revisions: { start: 3, ids: ["ccc", "bbb", "aaa"] } },
      { _id: "conflict", _rev: "2-ddd", v: "right", _revisions: { start: 2, ids: ["ddd", "aaa"] } },
      { _id: "conflict", _rev: "3-eee", _deleted: true, _revisions: { start: 3, ids: ["eee", "ddd", "aaa"] } },
    ],
    { new_edits: false },
  );
  for (const r of ["1-aaa", "2-bbb", "3-ccc", "2-ddd", "3-eee"]) reqs.push({ id: "conflict", rev: r });
  // A stemmed history (its tree starts at generation 4), with a revision of another branch.
  await db.bulkDocs([{ _id: "stemmed", _rev: "6-f6", x: 1, _revisions: { start: 6, ids: ["f6", "f5", "f4"] } }], {
    new_edits: false,
  });
  for (const r of ["6-f6", "5-f5", "4-f4", "3-f3", "6-f5"]) reqs.push({ id: "stemmed", rev: r });
  // Attachments (stubs when read without their data).
  await put({
    _id: "att",
    _attachments: { "a.txt": { content_type: "text/plain", data: Buffer.from("hello").toString("base64") } },
  });
  // Ids PouchDB's keys must carry as they are, a deep body, an ACL'd body.
  await put({ _id: "ÿdocument-storeÿ", odd: true });
  await put({ _id: "é 文字 \u{1F600}", unicode: true });
  const deep: Record<string, unknown> = { _id: "deep" };
  let at = deep;
  for (let i = 0; i < 200; i++) at = at.x = {};
  await put(deep);
  await put({ _id: "owned", "~c8oAcl": "user007", c8oGrp: ["g1"] });
  // Many documents (more than one native call's worth of keys).
  const many = await db.bulkDocs(Array.from({ length: 600 }, (_, i) => ({ _id: `m${String(i).padStart(4, "0")}`, i })));
  for (const r of many) reqs.push({ id: r.id, rev: r.rev! });
  // What no database holds: documents, revisions, malformed revisions.
  for (const [id, rev] of [
    ["nobody", "1-abc"],
    ["linear", "9-nope"],
    ["linear", "2-wronghash"],
    ["linear", "nodash"],
    ["linear", "0-x"],
    ["linear", "-1"],
    ["_local/x", "1-a"],
  ] as const)
    reqs.push({ id, rev });
  return reqs;
}

async function expectSameAsPouch(db: PouchDb, level: LevelHandle, reqs: { id: string; rev: string }[]) {
  for (const revs of [false, true]) {
    const raw = await readRevisions(level, reqs, { revs });
    expect(raw).toHaveLength(reqs.length);
    for (const [i, r] of reqs.entries()) {
      let expected: Doc | undefined;
      try {
        expected = (await db.get(r.id, { rev: r.rev, ...(revs ? { revs: true } : {}) })) as Doc;
      } catch (e) {
        expect([400, 404], `${r.id} ${r.rev}: ${String(e)}`).toContain(errorStatus(e));
      }
      expect(raw[i], `${r.id} ${r.rev} revs=${revs}`).toEqual(expected);
    }
  }
  // Revision trees, as PouchDB's _getRevisionTree gives them (undefined for what it does not hold).
  const ids = [...new Set(reqs.map((r) => r.id))];
  const trees = await readRevisionTrees(level, ids);
  const get = (db as unknown as { _getRevisionTree(id: string, cb: (e: unknown, t?: unknown) => void): void })
    ._getRevisionTree;
  for (const [i, id] of ids.entries()) {
    const expected = await new Promise((res) => get.call(db, id, (e, t) => res(e ? undefined : t)));
    expect(trees[i], id).toEqual(expected);
  }
}

describe("readRevisions: one batch, PouchDB's own answers", () => {
  it("LevelDB (leveldown's getMany)", async () => {
    const f: PouchFactory = await createPouchFactory({ dataDir: path.join(dir, "leveldb") });
    const db = await f.open("shapes");
    const reqs = await fill(db);
    const level = levelHandleOf(db);
    expect(level?.getMany).toBeTypeOf("function");
    await expectSameAsPouch(db, level!, reqs);
    // The order of the answers is the order of the requests, duplicates included.
    const twice = [reqs[0]!, reqs[0]!, reqs[reqs.length - 1]!, reqs[0]!];
    const got = await readRevisions(level!, twice);
    expect(got.map((d) => (d && d !== FALLBACK ? d._rev : d))).toEqual([
      reqs[0]!.rev,
      reqs[0]!.rev,
      undefined,
      reqs[0]!.rev,
    ]);
    // Closed: no handle any more (the caller reads through PouchDB, which says it is closed).
    await db.close();
    expect(levelHandleOf(db)).toBeUndefined();
    await f.close();
  });

  it("the memory adapter's store (memdown: no getMany, one get per key)", async () => {
    const f = await createPouchFactory({});
    const db = await f.open("shapes");
    const reqs = await fill(db);
    const level = levelHandleOf(db);
    expect(level).toBeDefined();
    await expectSameAsPouch(db, level!, reqs);
    await db.destroy();
  });

  it("leaves to PouchDB what it cannot vouch for: a value that is not plain JSON, a body of another document", async () => {
    const f = await createPouchFactory({ dataDir: path.join(dir, "odd") });
    const db = await f.open("odd");
    const a = await db.put({ _id: "a", v: 1 });
    const b = await db.put({ _id: "b", v: 2 });
    const c = await db.put({ _id: "c", v: 3 });
    const level = levelHandleOf(db)! as LevelHandle & {
      put(k: string, v: string, cb: (e?: Error) => void): void;
    };
    const put = (k: string, v: string) => new Promise<void>((res, rej) => level.put(k, v, (e) => (e ? rej(e) : res())));
    await put("\xffdocument-store\xffa", "{not json");
    const meta = (await new Promise<string>((res, rej) =>
      level.get("\xffdocument-store\xffb", { asBuffer: false }, (e, v) => (e ? rej(e) : res(String(v)))),
    )) as string;
    const seqB = (JSON.parse(meta) as { rev_map: Record<string, number> }).rev_map[b.rev!]!;
    await put(`\xffby-sequence\xff${String(seqB).padStart(16, "0")}`, JSON.stringify({ _id: "c", v: 2 }));
    const got = await readRevisions(level, [
      { id: "a", rev: a.rev! },
      { id: "b", rev: b.rev! },
      { id: "c", rev: c.rev! },
    ]);
    expect(got[0]).toBe(FALLBACK);
    expect(got[1]).toBe(FALLBACK);
    expect(got[2]).toMatchObject({ _id: "c", _rev: c.rev, v: 3 });
    await db.close();
    await f.close();
  });
});

describe("revisionPath", () => {
  const tree = [
    {
      pos: 1,
      ids: [
        "a",
        {},
        [
          ["b", {}, [["c", { deleted: true }, []]]],
          ["d", {}, []],
        ],
      ],
    },
  ];
  it("names the path from a revision back to the tree's root, and whether it is a deletion", () => {
    expect(revisionPath(tree, "3-c")).toEqual({ deleted: true, ids: ["c", "b", "a"] });
    expect(revisionPath(tree, "2-d")).toEqual({ deleted: false, ids: ["d", "a"] });
    expect(revisionPath(tree, "1-a")).toEqual({ deleted: false, ids: ["a"] });
  });
  it("answers undefined for a revision not at the position its generation names, or a malformed tree", () => {
    expect(revisionPath(tree, "2-c")).toBeUndefined();
    expect(revisionPath(tree, "4-c")).toBeUndefined();
    expect(revisionPath(tree, "x-a")).toBeUndefined();
    expect(revisionPath(tree, "0-a")).toBeUndefined();
    expect(revisionPath({}, "1-a")).toBeUndefined();
    expect(revisionPath([{ pos: 1, ids: [1, {}, []] }], "1-a")).toBeUndefined();
  });
  it("walks a history of 100,000 revisions without recursion", () => {
    let node: unknown[] = [`h99999`, {}, []];
    for (let i = 99998; i >= 0; i--) node = [`h${i}`, {}, [node]];
    const p = revisionPath([{ pos: 1, ids: node }], "100000-h99999");
    expect(p?.ids).toHaveLength(100000);
    expect(p?.ids[0]).toBe("h99999");
  });
});
