import { describe, expect, it } from "vitest";
import { OutputSchemas } from "./output-schemas.ts";
import { inferSchema, mergeSchemas, schemaAtPath, schemaSize } from "./schema-infer.ts";

describe("inferSchema", () => {
  it("describes types, properties (all required) and items, copying no value", () => {
    const s = inferSchema({ name: "Ada Lovelace", age: 36, score: 9.5, ok: true, none: null, tags: ["a", "b"] });
    expect(s).toEqual({
      type: "object",
      properties: {
        name: { type: "string" },
        age: { type: "integer" },
        score: { type: "number" },
        ok: { type: "boolean" },
        none: { type: "null" },
        tags: { type: "array", items: { type: "string" } },
      },
      required: ["name", "age", "score", "ok", "none", "tags"],
    });
    expect(JSON.stringify(s)).not.toContain("Ada");
    expect(JSON.stringify(s)).not.toContain("36");
  });

  it("merges the items of an array: required are the keys every item has", () => {
    expect(inferSchema([{ id: 1, a: "x" }, { id: 2.5 }, { id: 3, b: [] }])).toEqual({
      type: "array",
      items: {
        type: "object",
        properties: { id: { type: "number" }, a: { type: "string" }, b: { type: "array" } },
        required: ["id"],
      },
    });
    expect(inferSchema([])).toEqual({ type: "array" });
    expect(inferSchema([1, "a", null])).toEqual({ type: "array", items: { type: ["null", "integer", "string"] } });
  });

  it("skips undefined and functions like JSON does; any value for what JSON cannot say", () => {
    expect(inferSchema({ a: undefined, f: () => 1, d: new Date(0) })).toEqual({
      type: "object",
      properties: { d: { type: "string" } },
      required: ["d"],
    });
    expect(inferSchema(Symbol("s"))).toEqual({});
  });

  it("describes objects keyed by data as maps, their keys not copied", () => {
    const s = inferSchema({
      byEmail: { "ada@example.com": { n: 1 }, "alan@example.com": { n: 2, x: true } },
      byId: { "550e8400-e29b-41d4-a716-446655440000": 1 },
      byDate: { "2026-12-02": 1.5 },
      byNumber: { "12345": "a" },
      named: { firstName: "x", line_2: "y" },
    });
    expect(s.properties).toEqual({
      byEmail: {
        type: "object",
        additionalProperties: {
          type: "object",
          properties: { n: { type: "integer" }, x: { type: "boolean" } },
          required: ["n"],
        },
      },
      byId: { type: "object", additionalProperties: { type: "integer" } },
      byDate: { type: "object", additionalProperties: { type: "number" } },
      byNumber: { type: "object", additionalProperties: { type: "string" } },
      named: {
        type: "object",
        properties: { firstName: { type: "string" }, line_2: { type: "string" } },
        required: ["firstName", "line_2"],
      },
    });
    const text = JSON.stringify(s);
    for (const data of ["ada", "alan", "550e8400", "2026", "12345"]) expect(text).not.toContain(data);
    // A map merged with an object: a map of what either holds.
    expect(mergeSchemas(inferSchema({ a: 1 }), inferSchema({ "x@y.z": "s" }))).toEqual({
      type: "object",
      additionalProperties: { type: ["integer", "string"] },
    });
    expect(schemaAtPath(s, "byEmail.anyone.n")).toEqual({ type: "integer" });
  });

  it("keeps a property named __proto__ as a property", () => {
    const s = inferSchema(JSON.parse('{"__proto__": {"x": 1}}'));
    const props = s.properties as Record<string, unknown>;
    expect(Object.keys(props)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(props)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it("stops at the depth limit", () => {
    let v: unknown = { leaf: 1 };
    for (let i = 0; i < 20; i++) v = { next: v };
    const s = inferSchema(v);
    let depth = 0;
    let cur = s;
    while ((cur.properties as Record<string, Record<string, unknown>> | undefined)?.next) {
      cur = (cur.properties as Record<string, Record<string, unknown>>).next!;
      depth++;
    }
    expect(depth).toBe(8);
    expect(cur).toEqual({ type: "object" });
    expect(inferSchema([[[1]]], { maxDepth: 1 })).toEqual({ type: "array", items: { type: "array" } });
  });

  it("looks at 2,000 values at most and lists 200 properties per object at most", () => {
    const wide: Record<string, number> = {};
    for (let i = 0; i < 1000; i++) wide[`k${i}`] = i;
    const s = inferSchema(wide);
    expect(Object.keys(s.properties as object)).toHaveLength(200);
    expect(s.required).toHaveLength(200);

    const long = Array.from({ length: 100_000 }, (_, i) => ({ i, s: String(i) }));
    const started = Date.now();
    const l = inferSchema(long);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(l).toEqual({
      type: "array",
      items: { type: "object", properties: { i: { type: "integer" }, s: { type: "string" } }, required: ["i", "s"] },
    });

    const many: unknown[] = [];
    for (let i = 0; i < 50; i++) {
      const o: Record<string, number> = {};
      for (let j = 0; j < 100; j++) o[`p${i}_${j}`] = j;
      many.push(o);
    }
    const m = inferSchema(many);
    // 2,000 values: the array, then 1,999 objects and properties; the merge keeps 200 properties.
    expect(schemaSize(m)).toBeLessThanOrEqual(2 + 200);
    expect(Object.keys((m.items as { properties: object }).properties)).toHaveLength(200);
  });
});

describe("mergeSchemas", () => {
  it("unites types (integer within number) and properties; required: those both require", () => {
    const a = inferSchema({ id: 1, name: "x", extra: { deep: true } });
    const b = inferSchema({ id: 1.5, name: null, other: [1] });
    expect(mergeSchemas(a, b)).toEqual({
      type: "object",
      properties: {
        id: { type: "number" },
        name: { type: ["null", "string"] },
        extra: { type: "object", properties: { deep: { type: "boolean" } }, required: ["deep"] },
        other: { type: "array", items: { type: "integer" } },
      },
      required: ["id", "name"],
    });
  });

  it("an object or nothing keeps its properties; any value absorbs everything", () => {
    const obj = inferSchema({ a: 1 });
    expect(mergeSchemas(obj, { type: "null" })).toEqual({
      type: ["null", "object"],
      properties: { a: { type: "integer" } },
      required: ["a"],
    });
    expect(mergeSchemas(obj, {})).toEqual({});
    expect(mergeSchemas({ type: "array" }, inferSchema([true]))).toEqual({ type: "array", items: { type: "boolean" } });
  });

  it("keeps the properties per object within the limit", () => {
    const a = inferSchema(Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`a${i}`, i])));
    const b = inferSchema(Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`b${i}`, i])));
    const m = mergeSchemas(a, b);
    expect(Object.keys(m.properties as object)).toHaveLength(200);
    expect(m.required).toBeUndefined();
  });
});

describe("schemaAtPath", () => {
  it("reads a body path in the schema of the whole output", () => {
    const s = inferSchema({ data: { items: [{ id: 1 }] } });
    expect(schemaAtPath(s, "data.items")).toEqual({
      type: "array",
      items: { type: "object", properties: { id: { type: "integer" } }, required: ["id"] },
    });
    expect(schemaAtPath(s, "data.items[0].id")).toEqual({ type: "integer" });
    expect(schemaAtPath(s, "data.nothing")).toEqual({});
    expect(schemaAtPath(s, "")).toBe(s);
  });
});

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
