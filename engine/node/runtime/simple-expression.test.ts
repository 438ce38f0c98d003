import { describe, expect, it } from "vitest";
import { simpleExpressionValue } from "./simple-expression.ts";

const scope = new Map<string, unknown>([
  ["name", "Ada"],
  ["n", 2],
  ["x", 0.1],
  ["yes", true],
  ["none", null],
  ["list", [1, 2]],
  ["obj", { a: 1 }],
]);
const value = (e: string) => simpleExpressionValue(e, scope)?.value;
const simple = (e: string) => simpleExpressionValue(e, scope) !== undefined;

describe("simpleExpressionValue", () => {
  it("answers what JavaScript's + answers for literals and plain variables", () => {
    const cases = [
      '"Hello, " + name + "!"',
      "'a' + n",
      "n + 1",
      "n + x",
      "x + 0.2",
      "1 + 2 + 'a'",
      "'a' + 1 + 2",
      "yes + 1",
      "yes + 'x'",
      "none + 1",
      "none + 'x'",
      "n + yes + none",
      "name",
      "  n  ",
      "42",
      "'text'",
      "name+name",
      "0 + 0.5",
    ];
    for (const e of cases) {
      // The same expression evaluated by this process's JavaScript with the same variables.
      const expected = new Function("name", "n", "x", "yes", "none", `return (${e}\n);`)("Ada", 2, 0.1, true, null);
      expect(value(e), e).toStrictEqual(expected);
    }
  });

  it("leaves everything else to the sandbox", () => {
    for (const e of [
      "name.length",
      "list + 1",
      "obj + ''",
      "missing + 1",
      "n - 1",
      "n++",
      "+n",
      "n + +n",
      "n += 1",
      "'it\\'s'",
      '"it\'s"',
      "`t`",
      "f(n)",
      "n // comment",
      "n /* c */ + 1",
      "undefined",
      "NaN + 1",
      "this",
      "1e3",
      ".5",
      "1.",
      "01",
      "1abc",
      "",
      "n +",
      "+ n",
      "(n)",
      "n\n+\n(1)",
    ])
      expect(simple(e), e).toBe(false);
  });

  it("answers no infinite number (the sandbox answers those)", () => {
    const big = new Map<string, unknown>([["m", Number.MAX_VALUE]]);
    expect(simpleExpressionValue("m + m", big)).toBeUndefined();
  });
});
