import { describe, expect, it } from "vitest";
import type { ObjNode } from "../../../model/node.ts";
import { acceptsChild, checkNode } from "../../../model/registry.ts";

const viewNode = (props: Record<string, unknown>, name = "v"): ObjNode => ({
  id: "v1",
  type: "FullSyncView",
  name,
  props,
  children: [],
});
const messages = (props: Record<string, unknown>, name?: string) =>
  checkNode(viewNode(props, name)).map((i) => i.message);

describe("FullSync View", () => {
  it("needs a map function; a reduce is a built-in or a function", () => {
    expect(acceptsChild("FullSyncDesignDocument", "FullSyncView")).toBe(true);
    expect(acceptsChild("FullSyncConnector", "FullSyncView")).toBe(false);
    expect(messages({ map: "function (doc) { emit(doc._id); }" })).toEqual([]);
    expect(messages({ map: "(doc) => emit(doc._id)", reduce: "_count" })).toEqual([]);
    expect(messages({ map: "doc => emit(doc._id)", reduce: "function (k, v, re) { return sum(v); }" })).toEqual([]);
    expect(messages({})).toContain("Map function is required");
    expect(messages({ map: "emit(doc._id)" })).toContain(
      "The map function must be a JavaScript function: function (doc) { ... }",
    );
    expect(messages({ map: "function (doc) {}", reduce: "_median" })).toContain(
      "The reduce must be _count, _sum, _stats or a JavaScript function",
    );
    expect(messages({ map: "function (doc) {}" }, "no/slash")).toContain('Invalid view name "no/slash"');
  });

  it("takes declared row and document schemas, checked to be plausible JSON Schemas", () => {
    const map = "function (doc) { emit(doc._id, null); }";
    expect(messages({ map, rowSchema: { type: "object" }, docSchema: { type: "object", properties: {} } })).toEqual([]);
    expect(messages({ map, rowSchema: [] })).toEqual([expect.stringMatching(/^Row schema must be a JSON Schema/)]);
    expect(messages({ map, docSchema: { type: "doc" } })).toEqual([
      expect.stringContaining('Document schema: type "doc" is not a JSON type'),
    ]);
  });
});
