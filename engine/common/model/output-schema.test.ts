import { describe, expect, it } from "vitest";
import { schemaAtPath } from "./json-schema.ts";
import type { ObjNode } from "./node.ts";
import { ORIGIN, originAt, refineSchema, requestableSchema, type RunSchemas } from "./output-schema.ts";
import { getType } from "./registry.ts";
import { shapeToSchema, responseShape } from "./response-shape.ts";
import { treeView } from "./scope.ts";

const n = (id: string, type: string, name: string, props: Record<string, unknown> = {}, children: ObjNode[] = []) => ({
  id,
  type,
  name,
  props,
  children,
});
const viewOf = (root: ObjNode) => treeView(root, (t) => getType(t)?.category);
const byName = (root: ObjNode, name: string): ObjNode => {
  const stack = [root];
  while (stack.length) {
    const x = stack.pop()!;
    if (x.name === name) return x;
    stack.push(...x.children);
  }
  throw new Error(`no ${name}`);
};
/** The schema of a requestable of a project tree. */
const schemaOf = (root: ObjNode, name: string, runs?: RunSchemas) =>
  requestableSchema(viewOf(root), root.name, byName(root, name).id, getType, runs);
const S = { type: "string" };

describe("response shape as a schema", () => {
  it("keys known, constants typed, run-time values {}, arrays from array steps, open when steps cannot tell", () => {
    const root = n("p", "Project", "Shop", {}, [
      n("s", "Sequence", "Out", {}, [
        n("e1", "Element", "title", { expression: "'x'" }),
        n("e2", "Element", "count", { value: 3 }),
        n("if", "If", "maybe", { condition: "true" }, [
          n("o", "JsonObject", "extra", {}, [n("e3", "Element", "note", { value: "x" })]),
        ]),
        n("a", "JsonArray", "list", {}, [
          n("e4", "Element", "item", { value: 1 }),
          n("e5", "Element", "item2", { value: 2.5 }),
        ]),
        n("it", "Iterator", "each", { expression: "[1]" }, [n("e6", "Element", "many", { expression: "item" })]),
        n("c", "Copy", "spread", { source: { step: "e1" }, members: true }),
      ]),
    ]);
    expect(shapeToSchema(responseShape(viewOf(root), "s", getType))).toEqual({
      type: "object",
      properties: {
        title: {},
        count: { type: "integer" },
        extra: { type: "object", properties: { note: { type: "string" } }, required: ["note"] },
        list: { type: "array", items: { type: "number" } },
        // Written in a loop: one value or a list.
        many: {},
      },
      required: ["title", "count", "list", "many"],
      // A Copy of members adds keys only a run knows.
      additionalProperties: {},
    });
    // JavaScript writing at the root leaves the root open too.
    const js = n("p", "Project", "P", {}, [
      n("s", "Sequence", "S", {}, [
        n("j", "SequenceJS", "js", { code: 'context.addTextNodeUnderRoot("x", 1)' }),
        n("e", "Element", "a", { value: true }),
      ]),
    ]);
    expect(schemaOf(js, "S")).toEqual({
      type: "object",
      properties: { a: { type: "boolean" } },
      required: ["a"],
      additionalProperties: {},
      [ORIGIN]: "static",
    });
  });
});

describe("requestableSchema", () => {
  const shop = (props: Record<string, unknown> = {}) =>
    n("p", "Project", "Shop", {}, [
      n("s", "Sequence", "Order", props, [
        n("e1", "Element", "id", { expression: "vars.id" }),
        n("e2", "Element", "lines", { source: { step: "x", path: "lines" } }),
        n("t1", "TestCase", "One", { expected: { id: "A1", lines: [{ sku: "p", qty: 1 }], extra: true } }),
        n("t2", "TestCase", "Two", { expected: { id: "A2", lines: [] } }),
        n("t3", "TestCase", "Fails", { expected: { error: { code: "not_found" } } }),
      ]),
      n("c", "HttpConnector", "Api", {}, [n("tx", "JsonHttpTransaction", "Get", {})]),
    ]);

  it("a declared schema wins alone", () => {
    const outputSchema = { type: "object", properties: { total: { type: "number" } } };
    const s = schemaOf(shop({ outputSchema }), "Order", { "Shop/Order": { type: "object" } })!;
    expect(s).toEqual({ ...outputSchema, [ORIGIN]: "declared" });
    expect(schemaAtPath(s, "id")).toEqual({});
    expect(originAt(s, ["total"])).toBe("declared");
  });

  it("refines the static shape's unknown parts by the test cases that expect no error, then by runs", () => {
    const s = schemaOf(shop(), "Order")!;
    expect(s).toEqual({
      type: "object",
      properties: {
        id: { type: "string", [ORIGIN]: "test" },
        lines: {
          type: "array",
          items: { type: "object", properties: { sku: S, qty: { type: "integer" } }, required: ["sku", "qty"] },
          [ORIGIN]: "test",
        },
      },
      required: ["id", "lines"],
      [ORIGIN]: "static",
    });
    // The steps say which keys there are: `extra` of a test case is not one.
    expect(originAt(s, ["extra"])).toBe("static");
    expect(originAt(s, ["lines", "0", "qty"])).toBe("test");
    expect(originAt(s, ["id"])).toBe("test");

    // Runs tell what steps and tests leave unknown; they never change what is known.
    const noTests = n("p", "Project", "Shop", {}, [
      n("s", "Sequence", "Order", {}, [
        n("e1", "Element", "id", { expression: "vars.id" }),
        n("e2", "Element", "n", { value: 1 }),
      ]),
    ]);
    const runs = { "Shop/Order": { type: "object", properties: { id: { type: "integer" }, n: S } } };
    const r = schemaOf(noTests, "Order", runs)!;
    expect(schemaAtPath(r, "id")).toEqual({ type: "integer", [ORIGIN]: "run" });
    expect(schemaAtPath(r, "n")).toEqual({ type: "integer" });
    expect(originAt(r, ["n"])).toBe("static");
    // A function works as the run schemas too.
    expect(schemaOf(noTests, "Order", (k) => (k === "Shop/Order" ? runs["Shop/Order"] : undefined))).toEqual(r);
  });

  it("knows a transaction from its test cases and runs only", () => {
    const root = shop();
    expect(schemaOf(root, "Get")).toBeUndefined();
    const s = schemaOf(root, "Get", { "Shop/Api.Get": { type: "object", properties: { data: {} } } })!;
    expect(s).toEqual({ type: "object", properties: { data: {} }, [ORIGIN]: "run" });
    expect(schemaOf(root, "One")).toBeUndefined();
    expect(requestableSchema(viewOf(root), "Shop", "no-such-id", getType)).toBeUndefined();
  });

  it("refineSchema keeps what the base says and adds to open objects", () => {
    const base = { type: "object", properties: { a: { type: "string" } }, additionalProperties: {} };
    expect(refineSchema(base, { type: "object", properties: { a: { type: "integer" }, b: S } }, "run")).toEqual({
      type: "object",
      properties: { a: { type: "string" }, b: { ...S, [ORIGIN]: "run" } },
      additionalProperties: {},
    });
    expect(refineSchema(base, {}, "run")).toBe(base);
    expect(refineSchema({}, undefined, "run")).toEqual({});
  });
});
