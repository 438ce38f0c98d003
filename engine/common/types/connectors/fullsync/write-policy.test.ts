import { describe, expect, it } from "vitest";
import { applyWritePolicy, mergeDeep } from "./write-policy.ts";

describe("FullSync's write policies", () => {
  const stored = { _id: "o1", _rev: "3-a", _conflicts: ["2-b"], item: "Pen", meta: { by: "ada", at: 1 } };
  it("create drops the id and revision: always a new document", () => {
    expect(applyWritePolicy({ _id: "o1", _rev: "1-x", item: "Ink" }, stored, "create")).toEqual({ item: "Ink" });
  });
  it("override replaces the stored document, taking its revision", () => {
    expect(applyWritePolicy({ _id: "o1", item: "Ink" }, stored, "override")).toEqual({
      _id: "o1",
      _rev: "3-a",
      item: "Ink",
    });
    expect(applyWritePolicy({ _id: "o2", _rev: "9-z", item: "Ink" }, undefined, "override")).toEqual({
      _id: "o2",
      item: "Ink",
    });
  });
  it("merge merges deeply into the stored document, without its read-only fields", () => {
    expect(applyWritePolicy({ _id: "o1", _rev: "1-old", meta: { at: 2 }, qty: 3 }, stored, "merge")).toEqual({
      _id: "o1",
      _rev: "3-a",
      item: "Pen",
      meta: { by: "ada", at: 2 },
      qty: 3,
    });
  });
  it("none keeps what was given; __proto__ never merges", () => {
    expect(applyWritePolicy({ _id: "o1", x: 1 }, stored, "none")).toEqual({ _id: "o1", x: 1 });
    const patch = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const merged = mergeDeep({}, patch);
    expect(merged).toEqual({ a: 1 });
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});
