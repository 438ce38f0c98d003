import { describe, expect, it } from "vitest";
import type { ObjNode } from "../../common/model/node.ts";
import { prepareVariables } from "./variables.ts";

const variable = (name: string, props: Record<string, unknown> = {}): ObjNode => ({
  id: name,
  type: "Variable",
  name,
  props,
  children: [],
});

describe("prepareVariables: built-in variables and ${setting} defaults", () => {
  it("accepts a type's built-in variables without declaring them; a Variable child overrides one", () => {
    const tx: ObjNode = {
      id: "t",
      type: "FullSyncGetDocument",
      name: "Get",
      props: {},
      children: [variable("rev", { default: "1-a" })],
    };
    expect(prepareVariables(tx, { docid: "x", revs: "true", other: "ignored" }, "T")).toEqual({
      rev: "1-a",
      docid: "x",
      revs: true,
      conflicts: null,
    });
    expect(() => prepareVariables(tx, {}, "The transaction T")).toThrow(
      'The transaction T: the variable "docid" is required and was not given',
    );
  });

  it("resolves ${setting} in text defaults, not in given values, and names a missing setting", () => {
    const seq: ObjNode = {
      id: "s",
      type: "Sequence",
      name: "S",
      props: {},
      children: [variable("url", { default: "${base}/api" }), variable("raw")],
    };
    const lookup = (n: string) => (n === "base" ? "http://h" : undefined);
    expect(prepareVariables(seq, {}, "S", lookup)).toEqual({ url: "http://h/api", raw: null });
    expect(prepareVariables(seq, { url: "${base}" }, "S", lookup)).toEqual({ url: "${base}", raw: null });
    expect(() => prepareVariables(seq, {}, "The sequence S", () => undefined)).toThrow(
      /The sequence S: default of "url": The setting "base" has no value/,
    );
  });

  it("takes a text that is not JSON as a text for built-in keys, and still parses JSON", () => {
    const tx: ObjNode = { id: "t", type: "FullSyncAllDocs", name: "All", props: {}, children: [] };
    const vars = prepareVariables(tx, { key: "alice", startkey: '["a", 1]', limit: "2" }, "T");
    expect(vars).toMatchObject({ key: "alice", startkey: ["a", 1], limit: 2 });
    // From a step, values are JSON already: the text "123" is a text key, not the number 123.
    expect(prepareVariables(tx, { key: "123" }, "T").key).toBe(123);
    expect(prepareVariables(tx, { key: "123", startkey: ["a"] }, "T", undefined, true)).toMatchObject({
      key: "123",
      startkey: ["a"],
    });
  });
});
