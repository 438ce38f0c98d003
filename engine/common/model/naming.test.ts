import { describe, expect, it } from "vitest";
import type { ObjNode } from "./node.ts";
import {
  hasUniqueName,
  isFileName,
  nameProblem,
  NAME_PATTERN,
  ownFileFolderOf,
  siblingNameClashes,
  type NamedSibling,
} from "./naming.ts";
import { checkNode, getType, listTypes } from "./registry.ts";

const sequence = { category: "sequence", label: "Sequence" };
const step = { category: "step", label: "Element" };
const variable = { category: "variable", label: "Variable" };
const siblings: NamedSibling[] = [
  { id: "a", name: "Main", category: "sequence" },
  { id: "b", name: "who", category: "variable" },
  { id: "c", name: "out", category: "step" },
];
const place = (selfId?: string) => ({ parentName: "Shop", siblings, ...(selfId ? { selfId } : {}) });

describe("naming rules", () => {
  it("requires a one-line name", () => {
    expect(nameProblem("", step)).toEqual({ code: "invalid_name", message: "A name is required" });
    expect(nameProblem("a\nb", step)).toEqual({ code: "invalid_name", message: "A name is one line of text" });
    expect(nameProblem("any name, even with spaces", step)).toBeUndefined();
    expect(nameProblem("x\ny", undefined)?.code).toBe("invalid_name");
    expect(nameProblem("1 odd", undefined)).toBeUndefined();
  });

  it("holds connectors and sequences to file names (they are connectors/NAME.yaml, sequences/NAME.yaml)", () => {
    expect(ownFileFolderOf("sequence")).toBe("sequences");
    expect(ownFileFolderOf("connector")).toBe("connectors");
    expect(ownFileFolderOf("transaction")).toBeUndefined();
    expect(nameProblem("my seq", sequence)).toEqual({
      code: "invalid_name",
      message:
        '"my seq" cannot be a Sequence name: it is a file name (letters, digits, _ . -, not starting with a digit, . or -)',
    });
    for (const bad of ["1a", ".hidden", "-x", "a/b", "a b", "é"]) expect(isFileName(bad), bad).toBe(false);
    for (const good of ["a", "_a", "A.b-c_1"]) expect(isFileName(good), good).toBe(true);
    expect(new RegExp(`^${NAME_PATTERN}$`).test("a.b")).toBe(true);
  });

  it("refuses a name a sibling of the same unique-name category has, but not the object's own", () => {
    expect(nameProblem("Main", sequence, place())).toEqual({
      code: "name_taken",
      message: 'Shop already holds a sequence named "Main"',
    });
    expect(nameProblem("Main", sequence, place("a"))).toBeUndefined();
    expect(nameProblem("who", sequence, place())).toBeUndefined();
    expect(nameProblem("who", variable, place())?.code).toBe("name_taken");
    // Steps are not unique by name: two outputs may share a key in different branches.
    expect(hasUniqueName("step")).toBe(false);
    expect(nameProblem("out", step, place())).toBeUndefined();
  });

  it("lists every later duplicate among children, for validation", () => {
    expect(
      siblingNameClashes([
        { name: "a", category: "variable" },
        { name: "a", category: "variable" },
        { name: "a", category: "variable" },
        { name: "a", category: "sequence" },
        { name: "s", category: "step" },
        { name: "s", category: "step" },
        { name: "u", category: undefined },
        { name: "u", category: undefined },
      ]),
    ).toEqual(['Two variable objects are named "a"', 'Two variable objects are named "a"']);
  });

  it("agrees with the registry's own-file types, and the validator applies it", () => {
    for (const t of listTypes()) {
      // Connectors and sequences by their category; the REST API (one UrlMapper) by its type.
      expect((t as { file?: string }).file, t.type).toBe(
        ownFileFolderOf(t.category) ?? (t.type === "UrlMapper" ? "api" : undefined),
      );
    }
    const seq: ObjNode = { id: "s", type: "Sequence", name: "my seq", props: {}, children: [] };
    expect(checkNode(seq).map((i) => i.message)).toEqual([nameProblem("my seq", getType("Sequence"))!.message]);
    expect(checkNode({ ...seq, name: "ok" })).toEqual([]);
  });
});
