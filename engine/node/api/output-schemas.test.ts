import { describe, expect, it } from "vitest";
import { OutputSchemas } from "./output-schemas.ts";

describe("OutputSchemas", () => {
  it("merges the first samples of a requestable, then freezes its schema", () => {
    const store = new OutputSchemas({ maxSamples: 2 });
    const key = OutputSchemas.key("P", { sequence: "S" });
    expect(key).toBe("P/S");
    expect(OutputSchemas.key("P", { connector: "C", transaction: "T" })).toBe("P/C.T");
    expect(store.wants(key)).toBe(true);
    store.record(key, { a: 1 });
    store.record(key, { a: 2, b: "x" });
    expect(store.wants(key)).toBe(false);
    store.record(key, { c: true });
    expect(store.samples(key)).toBe(2);
    expect(store.get(key)).toEqual({
      type: "object",
      properties: { a: { type: "integer" }, b: { type: "string" } },
      required: ["a"],
    });
  });

  it("keeps a bounded number of requestables, the least recently sampled going first", () => {
    const store = new OutputSchemas({ maxRequestables: 3 });
    for (const k of ["P/a", "P/b", "P/c"]) store.record(k, 1);
    store.record("P/a", 2); // sampled again: now the most recent
    store.record("P/d", 1);
    expect(store.size).toBe(3);
    expect(store.get("P/b")).toBeUndefined();
    expect(store.get("P/a")).toEqual({ type: "integer" });
    store.forget("P");
    expect(store.size).toBe(0);
  });

  it("bounds the schema nodes kept in all, and a merged schema to one sample's walk", () => {
    const store = new OutputSchemas({ maxTotalNodes: 25, infer: { maxNodes: 12 } });
    const ten = (p: string) => Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`${p}${i}`, i]));
    store.record("P/a", ten("a")); // 11 nodes
    store.record("P/b", ten("b")); // 22 in all
    store.record("P/c", ten("c")); // 33: a goes
    expect(store.get("P/a")).toBeUndefined();
    expect(store.nodes).toBe(22);
    // Merged with ten other properties, b's schema would have 21 nodes: it stays, frozen.
    const before = store.get("P/b");
    store.record("P/b", ten("x"));
    expect(store.get("P/b")).toBe(before);
    expect(store.wants("P/b")).toBe(false);
    expect(store.nodes).toBe(22);
    store.forget();
    expect(store.nodes).toBe(0);
  });

  it("bounds the walk of one sample", () => {
    const store = new OutputSchemas({ infer: { maxNodes: 10 } });
    const big = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]));
    store.record("P/S", big);
    expect(Object.keys(store.get("P/S")!.properties as object).length).toBeLessThan(10);
  });
});
