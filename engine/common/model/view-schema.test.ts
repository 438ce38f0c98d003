import { describe, expect, it } from "vitest";
import { schemaAtPath } from "./json-schema.ts";
import { inferMapFunction, viewAnswerSchema, viewDocSchema, viewRowSchema } from "./view-schema.ts";

const ID = { type: "string" };
/** The documents' schema with these properties read (besides _id and _rev). */
const docWith = (props: Record<string, unknown>) => ({
  type: "object",
  properties: { _id: ID, _rev: ID, ...props },
  required: ["_id", "_rev"],
  additionalProperties: {},
});

describe("inferMapFunction", () => {
  it('reads doc.x and doc["x"] as the documents\' properties, an object literal as the value', () => {
    const r = inferMapFunction(
      'function (doc) {\n  if (doc.type === "order") emit(doc["~c8oAcl"], { item: doc.item, qty: doc.qty });\n}',
    );
    expect(r.doc).toEqual(docWith({ type: {}, "~c8oAcl": {}, item: {}, qty: {} }));
    expect(r.value).toEqual({ type: "object", properties: { item: {}, qty: {} }, required: ["item", "qty"] });
    // The key is a property whose type the text does not tell.
    expect(r.key).toEqual({});
  });

  it("reads simple keys: the document's id, literals, lists of them; emit(key) emits null", () => {
    const r = inferMapFunction("function (doc) { if (doc.type === 'order') emit(doc._id); }");
    expect(r.key).toEqual({ type: "string" });
    expect(r.value).toEqual({ type: "null" });
    expect(inferMapFunction("doc => emit([1, 2], 'x')")).toMatchObject({
      key: { type: "array", items: { type: "integer" } },
      value: { type: "string" },
    });
    expect(inferMapFunction("(d) => emit(d._id, d)").value).toEqual(docWith({}));
  });

  it("reads nested properties, method calls and lengths leaving out what is no property", () => {
    const r = inferMapFunction(
      "function (doc) { if (doc.address && doc.address.city.toLowerCase() === 'x' && doc.tags.length) emit(doc.user?.name, { city: doc.address.city, n: 1.5, ok: true, none: null, inner: { a: 'x' } }); }",
    );
    expect(r.doc).toEqual(
      docWith({
        address: { type: "object", properties: { city: {} }, additionalProperties: {} },
        tags: {},
        user: { type: "object", properties: { name: {} }, additionalProperties: {} },
      }),
    );
    expect(r.value).toEqual({
      type: "object",
      properties: {
        city: {},
        n: { type: "number" },
        ok: { type: "boolean" },
        none: { type: "null" },
        inner: { type: "object", properties: { a: { type: "string" } }, required: ["a"] },
      },
      required: ["city", "n", "ok", "none", "inner"],
    });
  });

  it("says unknown ({}) rather than wrong for what the text does not tell plainly", () => {
    // A value built in a variable, a call, arithmetic.
    expect(inferMapFunction("function (doc) { var v = { a: doc.a }; emit(doc.k, v); }").value).toEqual({});
    expect(inferMapFunction("function (doc) { emit(String(doc.k), doc.a + doc.b); }")).toMatchObject({
      key: {},
      value: {},
    });
    // A spread or a computed key: the keys listed, others possible.
    expect(inferMapFunction("function (doc) { emit(null, { a: 1, ...doc.more, [doc.k]: 2 }); }").value).toEqual({
      type: "object",
      properties: { a: { type: "integer" } },
      required: ["a"],
      additionalProperties: {},
    });
    // Two emits of different values: either.
    expect(inferMapFunction("function (doc) { emit(1, { a: 1 }); emit(2, doc.x); }").value).toEqual({});
    // No function, an unclosed call, text that is no JavaScript: nothing but a document's _id/_rev.
    for (const weird of ["emit(doc._id)", "function (doc) { emit(doc._id, ", "}{)(", ""]) {
      const r = inferMapFunction(weird);
      expect(r.key).toEqual({});
      expect(r.value).toEqual({});
      expect(r.doc).toEqual(docWith({}));
    }
    // Strings and comments are not read; `x.doc` and a key named doc are not the document.
    expect(
      inferMapFunction('function (doc) { /* doc.secret */ var s = "doc.fake"; var o = { doc: 1 }; o.doc.z; emit(1); }')
        .doc,
    ).toEqual(docWith({}));
  });
});

describe("view schemas", () => {
  const byUser = {
    map: 'function (doc) { if (doc.type === "order") emit(doc["~c8oAcl"], { item: doc.item, qty: doc.qty }); }',
    reduce: "_count",
  };

  it("answers {total_rows, offset, rows: [{id, key, value, doc?}]}, or reduced rows", () => {
    const answer = viewAnswerSchema(byUser);
    expect(answer.required).toEqual(["total_rows", "offset", "rows"]);
    expect(schemaAtPath(answer, "rows[0].id")).toEqual({ type: "string" });
    expect(schemaAtPath(answer, "rows[0].value.qty")).toEqual({});
    expect(Object.keys((schemaAtPath(answer, "rows[0].value") as { properties: object }).properties)).toEqual([
      "item",
      "qty",
    ]);
    expect(schemaAtPath(answer, "rows[0].doc.type")).toEqual({});
    expect((schemaAtPath(answer, "rows[0]") as { required: string[] }).required).toEqual(["id", "key", "value"]);
    expect(schemaAtPath(viewAnswerSchema(byUser, { reduced: true }), "rows[0].value")).toEqual({ type: "integer" });
  });

  it("uses the declared row and document schemas when set", () => {
    const docSchema = { type: "object", properties: { name: { type: "string" } } };
    const rowSchema = { type: "object", properties: { id: { type: "string" }, value: { type: "number" } } };
    expect(viewDocSchema({ ...byUser, docSchema })).toBe(docSchema);
    expect(viewRowSchema({ ...byUser, rowSchema })).toBe(rowSchema);
    expect(schemaAtPath(viewRowSchema({ ...byUser, docSchema }), "doc.name")).toEqual({ type: "string" });
  });
});
