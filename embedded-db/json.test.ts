import { describe, expect, it } from "vitest";
import { JsonSyntaxError, parseJson } from "./json.ts";

describe("parseJson: the one parser of the FullSync layer", () => {
  it("parses what JSON.parse parses, to the same value", () => {
    const samples = [
      '{"a":1,"b":[true,false,null],"c":{"d":"e\\u00e9\\n"},"n":-1.5e3}',
      "[]",
      "{}",
      '"x"',
      "0",
      ' \n\t{"deep":[[[{"x":[1,2,{"y":"z"}]}]]]} ',
      '{"~c8oAcl":"alice","c8oGrp":{"team":true}}',
      '"\\ud83d\\ude00 and \\" quote"',
    ];
    for (const s of samples) expect(parseJson(s)).toEqual(JSON.parse(s));
  });

  it("refuses duplicate keys, also when one is escaped, with the position", () => {
    expect(() => parseJson('{"~c8oAcl":"a","~c8oAcl":"b"}')).toThrow(/duplicate key "~c8oAcl" at position 15/);
    expect(() => parseJson('{"~c8oAcl":"a","\\u007ec8oAcl":"b"}')).toThrow(JsonSyntaxError);
    expect(() => parseJson('{"x":{"a":1,"a":1}}')).toThrow(/duplicate key "a"/);
    // The same key in two different objects is fine.
    expect(parseJson('[{"a":1},{"a":2}]')).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it("refuses __proto__ keys anywhere", () => {
    expect(() => parseJson('{"__proto__":{"x":1}}')).toThrow(/__proto__/);
    expect(() => parseJson('{"a":[{"\\u005f_proto__":1}]}')).toThrow(/__proto__/);
    const ok = parseJson('{"constructor":{"prototype":1}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(ok)).toBe(Object.prototype);
  });

  it("refuses what is not strict JSON", () => {
    for (const bad of [
      "",
      "{",
      '{"a":1,}',
      "[1,]",
      "{'a':1}",
      "01",
      "NaN",
      '{"a":1} x',
      '"a\nb"',
      '"\\x"',
      "[1 2]",
      "tru",
    ]) {
      expect(() => parseJson(bad), bad).toThrow(JsonSyntaxError);
    }
  });

  it("refuses numbers a double cannot hold: the check would read Infinity, storage would write null", () => {
    expect(() => parseJson('{"c8oGrp":{"team":1e400}}')).toThrow(/number out of range/);
    expect(() => parseJson("-1e309")).toThrow(JsonSyntaxError);
    expect(() => parseJson("9".repeat(400))).toThrow(/number out of range/);
    expect(parseJson("1e308")).toBe(1e308);
    expect(parseJson("1e-400")).toBe(0); // underflows to 0, which JSON writes back as 0
  });

  it("limits nesting", () => {
    expect(() => parseJson("[".repeat(100) + "]".repeat(100))).toThrow(/nesting deeper than 64/);
    // A million brackets: refused at depth 64, never a stack overflow.
    expect(() => parseJson("[".repeat(1_000_000))).toThrow(/nesting deeper than 64/);
    expect(() => parseJson('{"a":'.repeat(100_000))).toThrow(/nesting deeper than 64/);
    expect(parseJson("[".repeat(64) + "]".repeat(64))).toBeDefined();
    expect(parseJson("[".repeat(10) + "]".repeat(10), { maxDepth: 10 })).toBeDefined();
  });
});
