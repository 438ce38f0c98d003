import { describe, expect, it } from "vitest";
import { inferSchema, mergeSchemas, schemaAtPath, schemaProblem, schemaSize } from "./json-schema.ts";

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

describe("schemaProblem", () => {
  it("accepts JSON Schemas: objects with keywords, {} and true/false", () => {
    for (const ok of [
      {},
      true,
      { type: "object", properties: { id: { type: "string" }, tags: { type: "array", items: { type: "string" } } } },
      { type: ["null", "integer"], description: "x", "x-origin": "declared" },
      { anyOf: [{ type: "string" }, { $ref: "#/$defs/a" }], $defs: { a: { type: "number" } } },
    ]) {
      expect(schemaProblem(ok, "Output schema")).toBeUndefined();
    }
  });

  it("says what is wrong and where", () => {
    expect(schemaProblem("object", "Output schema")).toMatch(/^Output schema must be a JSON Schema: an object/);
    expect(schemaProblem([{ type: "string" }], "Output schema")).toMatch(/must be a JSON Schema/);
    expect(schemaProblem({ name: "string", qty: "integer" }, "Output schema")).toMatch(
      /^Output schema has none of JSON Schema's keywords \(type, properties, items\.\.\.\): "name", "qty" look like data/,
    );
    expect(schemaProblem({ type: "object", properties: { qty: { type: "int" } } }, "Row schema")).toBe(
      'Row schema: type "int" is not a JSON type (null, boolean, integer, number, string, array, object) (at properties.qty.type)',
    );
    expect(schemaProblem({ type: "object", properties: { a: "string" } }, "S")).toMatch(
      /^S must be a JSON Schema.*\(at properties\.a\)$/,
    );
    expect(schemaProblem({ type: "object", required: "a" }, "S")).toBe(
      "S: required must be a list of property names (at required)",
    );
    expect(schemaProblem({ type: "array", items: [{ type: "string" }] }, "S")).toMatch(/prefixItems/);
    expect(schemaProblem({ properties: [] }, "S")).toBe("S: properties must map names to schemas (at properties)");
    let deep: Record<string, unknown> = { type: "string" };
    for (let i = 0; i < 100; i++) deep = { type: "array", items: deep };
    expect(schemaProblem(deep, "S")).toMatch(/nested too deeply/);
  });
});
