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
});
