import { describe, expect, it } from "vitest";
import { collate, normalizeQuery, ViewIndex, type ReducedAnswer, type ViewAnswer } from "./device-views.ts";

const noDocs = async () => new Map<string, Record<string, unknown>>();

function byUser(reduce?: "_count" | "_sum" | "_stats") {
  return new ViewIndex("orders/byUser", {
    map: (doc, emit) => {
      if (doc.type === "order") emit(doc["~c8oAcl"], doc.qty);
    },
    ...(reduce ? { reduce } : {}),
  });
}

function fill(index: ViewIndex) {
  const docs = [
    { _id: "o1", type: "order", "~c8oAcl": "alice", qty: 2 },
    { _id: "o2", type: "order", "~c8oAcl": "alice", qty: 1 },
    { _id: "o3", type: "order", "~c8oAcl": "bob", qty: 5 },
    { _id: "o4", type: "order", "~c8oAcl": "carol", qty: 4 },
    { _id: "c1", type: "catalog" },
  ];
  for (const d of docs) index.update(d._id, d);
  return docs;
}

describe("collate (CouchDB's key order)", () => {
  it("orders null, booleans, numbers, strings, arrays, objects", () => {
    const keys = [{ a: 1 }, ["a"], "b", "a", 10, 2, true, false, null, [], ["a", 1], {}];
    expect([...keys].sort(collate)).toEqual([null, false, true, 2, 10, "a", "b", [], ["a"], ["a", 1], {}, { a: 1 }]);
  });
});

describe("ViewIndex", () => {
  it("answers rows in key then id order, with CouchDB's shape", async () => {
    const index = byUser();
    fill(index);
    const all = (await index.query({}, noDocs)) as ViewAnswer;
    expect(all.total_rows).toBe(4);
    expect(all.offset).toBe(0);
    expect(all.rows).toEqual([
      { id: "o1", key: "alice", value: 2 },
      { id: "o2", key: "alice", value: 1 },
      { id: "o3", key: "bob", value: 5 },
      { id: "o4", key: "carol", value: 4 },
    ]);
  });

  it("key, keys, ranges, descending, skip, limit, inclusive_end", async () => {
    const index = byUser();
    fill(index);
    const ids = async (q: Record<string, unknown>) =>
      ((await index.query(normalizeQuery(q), noDocs)) as ViewAnswer).rows.map((r) => r.id);
    expect(await ids({ key: "alice" })).toEqual(["o1", "o2"]);
    expect(await ids({ keys: ["carol", "alice"] })).toEqual(["o4", "o1", "o2"]);
    expect(await ids({ keys: '["bob"]' })).toEqual(["o3"]);
    expect(await ids({ startkey: "b" })).toEqual(["o3", "o4"]);
    expect(await ids({ startkey: "alice", endkey: "bob" })).toEqual(["o1", "o2", "o3"]);
    expect(await ids({ startkey: "alice", endkey: "bob", inclusive_end: false })).toEqual(["o1", "o2"]);
    expect(await ids({ descending: true })).toEqual(["o4", "o3", "o2", "o1"]);
    expect(await ids({ descending: true, startkey: "bob", endkey: "alice" })).toEqual(["o3", "o2", "o1"]);
    expect(await ids({ skip: 1, limit: 2 })).toEqual(["o2", "o3"]);
    expect(await ids({ limit: "1" })).toEqual(["o1"]);
    const off = (await index.query({ startkey: "bob" }, noDocs)) as ViewAnswer;
    expect(off.offset).toBe(2);
  });

  it("keeps each document's rows up to date, and forgets deleted ones", async () => {
    const index = byUser();
    fill(index);
    index.update("o1", { _id: "o1", type: "order", "~c8oAcl": "bob", qty: 3 });
    index.update("o3", { _id: "o3", _deleted: true });
    index.update("o5", { _id: "o5", type: "order", "~c8oAcl": "alice", qty: 7 });
    const rows = ((await index.query({}, noDocs)) as ViewAnswer).rows;
    expect(rows.map((r) => [r.key, r.id])).toEqual([
      ["alice", "o2"],
      ["alice", "o5"],
      ["bob", "o1"],
      ["carol", "o4"],
    ]);
  });

  it("a map function that throws gives that document no rows; emitted values are copies", async () => {
    const shared = { n: 1 };
    const index = new ViewIndex("v/v", {
      map: (doc, emit) => {
        if (doc._id === "bad") throw new Error("boom");
        emit(doc._id, shared);
      },
    });
    index.update("a", { _id: "a" });
    index.update("bad", { _id: "bad" });
    shared.n = 2;
    const a = (await index.query({}, noDocs)) as ViewAnswer;
    expect(a.rows).toEqual([{ id: "a", key: "a", value: { n: 1 } }]);
    expect(index.errors).toBe(1);
  });

  it("reduces with _count, _sum and _stats, grouped or not; reduce=false gives the rows", async () => {
    for (const [reduce, all, alice] of [
      ["_count", 4, 2],
      ["_sum", 12, 3],
      ["_stats", { sum: 12, count: 4, min: 1, max: 5, sumsqr: 46 }, { sum: 3, count: 2, min: 1, max: 2, sumsqr: 5 }],
    ] as const) {
      const index = byUser(reduce);
      fill(index);
      expect(await index.query({}, noDocs)).toEqual({ rows: [{ key: null, value: all }] });
      expect(((await index.query({ key: "alice" }, noDocs)) as ReducedAnswer).rows[0]?.value).toEqual(alice);
      const grouped = (await index.query({ group: true }, noDocs)) as ReducedAnswer;
      expect(grouped.rows.map((r) => r.key)).toEqual(["alice", "bob", "carol"]);
      expect(((await index.query({ reduce: false }, noDocs)) as ViewAnswer).rows).toHaveLength(4);
    }
    const empty = byUser("_count");
    expect(await empty.query({}, noDocs)).toEqual({ rows: [] });
  });

  it("groups array keys by level", async () => {
    const index = new ViewIndex("v/v", {
      map: (doc, emit) => emit([doc.y, doc.m], 1),
      reduce: "_sum",
    });
    index.update("a", { _id: "a", y: 2026, m: 1 });
    index.update("b", { _id: "b", y: 2026, m: 2 });
    index.update("c", { _id: "c", y: 2027, m: 1 });
    expect(await index.query({ group_level: 1 }, noDocs)).toEqual({
      rows: [
        { key: [2026], value: 2 },
        { key: [2027], value: 1 },
      ],
    });
  });

  it("include_docs reads the documents (a value {_id} links another one)", async () => {
    const index = new ViewIndex("v/v", {
      map: (doc, emit) => {
        emit(doc._id, null);
        if (doc.ref) emit(`${doc._id}>`, { _id: doc.ref });
      },
    });
    index.update("a", { _id: "a", ref: "b" });
    index.update("b", { _id: "b" });
    const asked: string[][] = [];
    const answer = (await index.query({ include_docs: true }, async (ids) => {
      asked.push(ids);
      return new Map(ids.map((id) => [id, { _id: id, read: true }]));
    })) as ViewAnswer;
    expect(answer.rows.map((r) => [r.key, r.doc?._id])).toEqual([
      ["a", "a"],
      ["a>", "b"],
      ["b", "b"],
    ]);
    expect(asked).toEqual([["a", "b"]]);
  });
});
