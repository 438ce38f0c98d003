import { describe, expect, it } from "vitest";
import { unreadableJson } from "./json-field.ts";
import { typedInputs } from "./run-inputs.ts";

const parseError = (text: string): Error => {
  try {
    JSON.parse(text);
  } catch (e) {
    return e as Error;
  }
  throw new Error(`${text} parses`);
};

describe("a JSON field's text that cannot be read", () => {
  it("is judged by the variable's type first for a default", () => {
    expect(unreadableJson("Variable", { dataType: "number" }, "default", "abc", parseError("abc"))).toBe(
      'Default value must be a number for a number variable, not "abc"',
    );
    expect(unreadableJson("Variable", { dataType: "integer" }, "default", "x1", parseError("x1"))).toMatch(
      /whole number for an integer variable/,
    );
  });

  it("says how to write a text, else gives the parse error", () => {
    expect(unreadableJson("Variable", {}, "default", "hello", parseError("hello"))).toMatch(
      /^Not valid JSON: .*; a text is written in quotes: "hello"$/,
    );
    expect(unreadableJson("Element", {}, "value", '{"a": 1', parseError('{"a": 1'))).toMatch(/^Not valid JSON: [^;]*$/);
  });
});

describe("inputs saved in a test case", () => {
  it("keep their variables' types", () => {
    const vars = [
      { name: "count", props: { dataType: "integer" } },
      { name: "ratio", props: { dataType: "number" } },
      { name: "flag", props: { dataType: "boolean" } },
      { name: "ids", props: { dataType: "integer", multiValued: true } },
      { name: "doc", props: { dataType: "json" } },
      { name: "label", props: {} },
      { name: "bad", props: { dataType: "integer" } },
    ];
    expect(
      typedInputs(vars, {
        count: "3",
        ratio: "0.5",
        flag: "true",
        ids: "1\n2",
        doc: '{"a":1}',
        label: "7",
        bad: "x",
        unknown: "y",
      }),
    ).toEqual({ count: 3, ratio: 0.5, flag: true, ids: [1, 2], doc: { a: 1 }, label: "7", bad: "x" });
  });
});
