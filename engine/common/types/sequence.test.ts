import { describe, expect, it } from "vitest";
import type { ObjNode } from "../model/node.ts";
import { checkNode } from "../model/registry.ts";
import { migrateProps } from "../model/versions.ts";

const sequence = (props: Record<string, unknown>): ObjNode => ({
  id: "s1",
  type: "Sequence",
  name: "Orders",
  props,
  children: [],
});
const messages = (props: Record<string, unknown>) => checkNode(sequence(props)).map((i) => i.message);

describe("Sequence", () => {
  it("takes a declared output schema, checked to be a plausible JSON Schema", () => {
    expect(messages({})).toEqual([]);
    expect(messages({ outputSchema: { type: "object", properties: { orders: { type: "array" } } } })).toEqual([]);
    expect(messages({ outputSchema: "object" })).toEqual([
      expect.stringMatching(/^Output schema must be a JSON Schema: an object such as/),
    ]);
    expect(messages({ outputSchema: { orders: "array" } })).toEqual([
      expect.stringMatching(/^Output schema has none of JSON Schema's keywords/),
    ]);
    expect(messages({ outputSchema: { type: "object", properties: { n: { type: "int" } } } })).toEqual([
      expect.stringContaining('type "int" is not a JSON type'),
    ]);
  });

  it("migrates version 1 objects writing nothing", () => {
    const props = { timeoutMs: 5000 };
    const r = migrateProps("Sequence", 1, props);
    expect(r.props).toEqual(props);
    expect(r.applied).toEqual([
      "Sequence 1→2: an optional declared output schema (outputSchema) was added; nothing to write",
    ]);
  });
});
