import { describe, expect, it } from "vitest";
import { applyEdits, lineColumn, quoteLike, stepCalls, stringValue, tokenize, variableUses } from "./js-scan.ts";

describe("JavaScript scanner", () => {
  it("leaves strings, comments, regular expressions and template text alone", () => {
    const code = `// step("a") in a comment
/* step("b") */ var s = "step('c')" + \`step("d") \${ step("e") }\`;
var r = /step\\("f"\\)/g; step('g'); x.step("h"); step(\`i\`);`;
    expect(stepCalls(code).map((c) => c.name)).toEqual(["e", "g", "i"]);
    expect(tokenize("a / b / c").filter((t) => t.kind === "regex")).toEqual([]);
    expect(tokenize("return /x/.test(y)").find((t) => t.kind === "regex")?.text).toBe("/x/");
  });

  it("reads string values with escapes and keeps the quotes when renaming", () => {
    const [t] = tokenize(`'it\\'s'`);
    expect(stringValue(t!)).toBe("it's");
    expect(quoteLike(t!, "new'name")).toBe(`'new\\'name'`);
    expect(quoteLike(tokenize(`"x"`)[0]!, "y")).toBe(`"y"`);
  });

  it("finds variables through vars and as identifiers, not as property names or keys", () => {
    const code = `var a = vars.item + vars["item"] + item + o.item + vars.other;
var o = { item: 1, item2: item, f() { return item } };
var p = { item };
if (item) { item; }
const { item: x } = vars;`;
    const uses = variableUses(code, "item").map((u) => `${u.form}@${lineColumn(code, u.token.start).line}`);
    expect(uses).toEqual([
      "vars@1",
      "vars@1",
      "identifier@1",
      "identifier@2",
      "identifier@2",
      "shorthand@3",
      "identifier@4",
      "identifier@4",
    ]);
    expect(variableUses(code).map((u) => u.name)).toEqual(["item", "item", "other"]);
  });

  it("applies edits from the end, so offsets stay right", () => {
    expect(
      applyEdits("step('a') + step('a')", [
        { start: 5, end: 8, text: "'bb'" },
        { start: 17, end: 20, text: "'bb'" },
      ]),
    ).toBe("step('bb') + step('bb')");
  });
});
