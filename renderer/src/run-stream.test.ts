import { describe, expect, it } from "vitest";
import { NdjsonText } from "./run-stream.ts";

describe("NdjsonText", () => {
  it("yields each line once complete, whatever the pieces", () => {
    const text = '{"a":1}\n{"b":"x\\ny"}\r\n\n{"c":[1,2]}\n{"d":true}';
    for (let cut = 0; cut <= text.length; cut++) {
      for (let cut2 = cut; cut2 <= text.length; cut2 += 3) {
        const s = new NdjsonText<unknown>();
        const out = [...s.push(text.slice(0, cut)), ...s.push(text.slice(cut, cut2)), ...s.push(text.slice(cut2))];
        out.push(...s.end());
        expect(out).toEqual([{ a: 1 }, { b: "x\ny" }, { c: [1, 2] }, { d: true }]);
      }
    }
  });

  it("says which line is not JSON", () => {
    const s = new NdjsonText<unknown>();
    expect(s.push('{"a":1}\n')).toEqual([{ a: 1 }]);
    expect(() => s.push("{oops\n")).toThrow(/^Line 2 of the run's stream is not JSON/);
  });
});
