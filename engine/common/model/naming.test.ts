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

  it("holds own-file types to unique names in their folder, and pages as a unique category", () => {
    const page = { category: "page", label: "Page", file: "ui/pages" };
    const shared = { category: "ui", label: "Shared component", file: "ui/shared" };
    const component = { category: "ui", label: "Component" };
    const app: NamedSibling[] = [
      { id: "p", name: "Orders", category: "page", file: "ui/pages" },
      { id: "s", name: "Row", category: "ui", file: "ui/shared" },
      { id: "c", name: "Menu", category: "ui" },
    ];
    const at = { parentName: "App", siblings: app };
    expect(hasUniqueName("page")).toBe(true);
    expect(nameProblem("Orders", page, at)).toEqual({
      code: "name_taken",
      message: 'App already holds a page named "Orders"',
    });
    expect(nameProblem("Row", shared, at)).toEqual({
      code: "name_taken",
      message: 'App already holds a shared component named "Row"',
    });
    // Another folder, or a type written inline: no clash.
    expect(nameProblem("Orders", shared, at)).toBeUndefined();
    expect(nameProblem("Menu", shared, at)).toBeUndefined();
    expect(nameProblem("Row", component, at)).toBeUndefined();
    expect(nameProblem("my row", shared)?.code).toBe("invalid_name");
    expect(
      siblingNameClashes([
        { name: "Row", category: "ui", file: "ui/shared", label: "Shared component" },
        { name: "Row", category: "ui", label: "Component" },
        { name: "Row", category: "ui", file: "ui/shared", label: "Shared component" },
      ]),
    ).toEqual(['Two shared component objects are named "Row" (one file, ui/shared/Row.yaml)']);
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
    // Connectors and sequences by their category; the REST API, the application and what it
    // holds in files of their own by their type.
    const byType: Record<string, string> = {
      UrlMapper: "api",
      Application: "ui",
      Page: "ui/pages",
      SharedComponent: "ui/shared",
      SharedAction: "ui/actions",
    };
    for (const t of listTypes()) {
      expect(t.file, t.type).toBe(ownFileFolderOf(t.category) ?? byType[t.type]);
    }
    const seq: ObjNode = { id: "s", type: "Sequence", name: "my seq", props: {}, children: [] };
    expect(checkNode(seq).map((i) => i.message)).toEqual([nameProblem("my seq", getType("Sequence"))!.message]);
    expect(checkNode({ ...seq, name: "ok" })).toEqual([]);
  });
});
