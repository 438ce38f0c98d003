import { describe, expect, it } from "vitest";
import { PrincipalIndex } from "./principal-index.ts";

const leaf = (rev: string, p: string[], deleted = false) => ({ rev, deleted, p });

describe("PrincipalIndex", () => {
  it("merges a reader's principals in sequence order, each document once, from since", () => {
    const ix = new PrincipalIndex();
    ix.apply("a", 1, [leaf("1-a", ["u:alice"])]);
    ix.apply("b", 2, [leaf("1-b", ["u:bob"])]);
    ix.apply("g", 3, [leaf("1-g", ["u:alice", "g:team"])]);
    ix.apply("p", 4, [leaf("1-p", ["*"])]);
    const from = (n: number) =>
      new Map([
        ["u:alice", n],
        ["g:team", n],
        ["*", n],
      ]);
    expect(ix.feed(from(0), 100).map((e) => [e.seq, e.id])).toEqual([
      [1, "a"],
      [3, "g"],
      [4, "p"],
    ]);
    expect(ix.feed(from(1), 100).map((e) => e.id)).toEqual(["g", "p"]);
    expect(ix.feed(from(0), 2).map((e) => e.id)).toEqual(["a", "g"]);
    expect(ix.feed(from(0), 10, undefined, true).map((e) => e.id)).toEqual(["p", "g", "a"]);
    // Per-principal since: a group joined later starts over.
    expect(
      ix
        .feed(
          new Map([
            ["u:alice", 4],
            ["g:team", 0],
            ["*", 4],
          ]),
          100,
        )
        .map((e) => e.id),
    ).toEqual(["g"]);
  });

  it("moves a document to its new sequence and drops it from principals it left", () => {
    const ix = new PrincipalIndex();
    ix.apply("a", 1, [leaf("1-a", ["u:alice"])]);
    ix.apply("x", 2, [leaf("1-x", ["u:bob"])]);
    ix.apply("a", 3, [leaf("2-a", ["u:bob"])]);
    expect(ix.feed(new Map([["u:alice", 0]]), 10)).toEqual([]);
    expect(ix.feed(new Map([["u:bob", 0]]), 10).map((e) => [e.seq, e.id])).toEqual([
      [2, "x"],
      [3, "a"],
    ]);
    expect([...ix.documentsOf(["u:bob"])].map(([id]) => id).sort()).toEqual(["a", "x"]);
  });

  it("stays correct and compact under many updates", () => {
    const ix = new PrincipalIndex();
    let seq = 0;
    for (let round = 0; round < 50; round++) {
      for (let d = 0; d < 20; d++) ix.apply(`d${d}`, ++seq, [leaf(`${round + 1}-x`, [d % 2 ? "u:alice" : "u:bob"])]);
    }
    const alice = ix.feed(new Map([["u:alice", 0]]), 1000);
    expect(alice.length).toBe(10);
    expect(ix.listSize("u:alice")).toBeLessThan(200);
  });

  it("round-trips through its snapshot form", () => {
    const ix = new PrincipalIndex();
    ix.apply("a", 5, [leaf("1-a", ["u:alice"]), leaf("1-b", ["g:t"], true)]);
    ix.apply("b", 9, [leaf("1-c", ["*"])]);
    const copy = new PrincipalIndex();
    copy.load(JSON.parse(JSON.stringify(ix.toJSON())));
    expect(copy.lastSeq).toBe(9);
    expect(
      copy
        .feed(
          new Map([
            ["g:t", 0],
            ["*", 0],
          ]),
          10,
        )
        .map((e) => e.id),
    ).toEqual(["a", "b"]);
    // A leaf loaded from a snapshot is not taken on its word (v: false): checked before use.
    expect(copy.docs.get("a")?.leaves[1]).toEqual({ rev: "1-b", deleted: true, p: ["g:t"], v: false });
    expect(() => new PrincipalIndex().load([["x"]])).toThrow(/malformed/);
  });

  it("ignores a change read again, and corrects an entry in place, lists kept in order", () => {
    const ix = new PrincipalIndex();
    ix.apply("a", 3, [leaf("1-a", ["u:alice"])]);
    ix.apply("b", 7, [leaf("1-b", ["u:bob"])]);
    ix.apply("c", 9, [leaf("1-c", ["*"])]);
    // The feed resumed before "a": the entry already holds it (or newer).
    ix.apply("a", 3, [leaf("1-a", ["*"])]);
    expect(ix.docs.get("a")?.leaves[0]?.p).toEqual(["u:alice"]);
    const feed = (p: string) => ix.feed(new Map([[p, 0]]), 10).map((e) => `${e.id}@${e.seq}`);
    // A correction: "b" is public, not bob's. It takes its place in the public list by sequence.
    const seen: string[][] = [];
    ix.onApply((ps) => seen.push([...ps].sort()));
    expect(ix.correct("b", 7, [leaf("1-b", ["*"])])).toBe(true);
    expect(feed("*")).toEqual(["b@7", "c@9"]);
    expect(feed("u:bob")).toEqual([]);
    expect(seen).toEqual([["*", "u:bob"]]);
    // A correction for a sequence the document moved on from is dropped.
    ix.apply("b", 11, [leaf("2-b", ["u:bob"])]);
    expect(ix.correct("b", 7, [leaf("1-b", ["g:x"])])).toBe(false);
    expect(feed("u:bob")).toEqual(["b@11"]);
    expect(feed("g:x")).toEqual([]);
  });

  it("keeps CouchDB revisions compactly: many documents, conflicts, corrections, verify, snapshot", () => {
    const rev = (g: number, n: number) => `${g}-${n.toString(16).padStart(32, "0")}`;
    const ix = new PrincipalIndex();
    for (let i = 0; i < 1000; i++) ix.apply(`d${i}`, i + 1, [{ ...leaf(rev(1, i), [`u:u${i % 3}`]), v: true }]);
    expect(ix.docs.size).toBe(1000);
    expect(ix.docs.get("d999")).toEqual({
      seq: 1000,
      leaves: [{ rev: rev(1, 999), deleted: false, p: ["u:u0"], v: true }],
    });
    expect(ix.feed(new Map([["u:u1", 0]]), 1000).length).toBe(333);
    // A conflict (two leaves), then back to one leaf, then a deletion.
    ix.apply("d1", 1001, [leaf(rev(2, 7), ["u:u1"]), leaf(rev(2, 8), ["g:t"], true)]);
    expect(ix.docs.get("d1")?.leaves.map((l) => [l.rev, l.deleted, l.p.join()])).toEqual([
      [rev(2, 7), false, "u:u1"],
      [rev(2, 8), true, "g:t"],
    ]);
    expect(ix.feed(new Map([["g:t", 0]]), 10).map((e) => e.id)).toEqual(["d1"]);
    ix.apply("d1", 1002, [leaf(rev(3, 9), ["u:u1"], true)]);
    expect(ix.docs.get("d1")?.leaves).toEqual([{ rev: rev(3, 9), deleted: true, p: ["u:u1"], v: false }]);
    expect(ix.feed(new Map([["g:t", 0]]), 10)).toEqual([]);
    expect(ix.hasLeaf("d1", rev(3, 9))).toBe(true);
    expect(ix.hasLeaf("d1", rev(2, 7))).toBe(false);
    expect(ix.hasLeaf("nope", rev(2, 7))).toBe(false);
    // verify marks a leaf only when it still has those principals.
    ix.verify("d1", rev(3, 9), ["u:u2"]);
    expect(ix.docs.get("d1")?.leaves[0]?.v).toBe(false);
    ix.verify("d1", rev(3, 9), ["u:u1"]);
    expect(ix.docs.get("d1")?.leaves[0]?.v).toBe(true);
    // An entry is a copy: writing it changes nothing.
    ix.docs.get("d2")!.leaves[0]!.v = false;
    expect(ix.docs.get("d2")?.leaves[0]?.v).toBe(true);
    expect(ix.correct("d2", 3, [leaf(rev(1, 2), ["*"])])).toBe(true);
    expect(ix.feed(new Map([["*", 0]]), 10).map((e) => e.id)).toEqual(["d2"]);
    const copy = new PrincipalIndex();
    copy.load(JSON.parse(JSON.stringify(ix.toJSON())));
    const byId = (x: unknown[]) =>
      [...x].sort((a, b) => String((a as string[])[0]).localeCompare(String((b as string[])[0])));
    expect(byId(copy.toJSON())).toEqual(byId(ix.toJSON()));
    expect(copy.docs.get("d5")?.leaves[0]?.v).toBe(false);
    expect(copy.feed(new Map([["u:u1", 0]]), 1000).length).toBe(333);
    // Principal sets are shared and frozen.
    expect(Object.isFrozen(copy.docs.get("d5")?.leaves[0]?.p)).toBe(true);
    expect(copy.docs.get("d5")?.leaves[0]?.p).toBe(copy.docs.get("d8")?.leaves[0]?.p);
  });
});
