import { describe, expect, it } from "vitest";
import type { TypeSchema } from "../../engine/common/model/typedef.ts";
import { flattenTree, type ProjectTree } from "../../engine/common/studio/api.ts";
import { typeSchemas } from "../../engine/common/model/registry.ts";
import {
  ancestorKeys,
  applyDelta,
  enclosingRequestable,
  formatFieldValue,
  fromTree,
  joinPath,
  navigate,
  parseFieldValue,
  renameProblem,
  rowKey,
  scopeOf,
  toObjNode,
  visibleRows,
  WORKSPACE_KEY,
} from "./tree-model.ts";
import type { ObjNode } from "../../engine/common/model/node.ts";

const types = new Map<string, TypeSchema>(typeSchemas().map((t) => [t.type, t]));

const n = (
  id: string,
  type: string,
  name: string,
  children: ObjNode[] = [],
  props: Record<string, unknown> = {},
): ObjNode => ({
  id,
  type,
  name,
  props,
  children,
});

const root = n("p", "Project", "Shop", [
  n("c", "HttpConnector", "Api", [n("t", "JsonHttpTransaction", "Get", [n("tv", "Variable", "id")])]),
  n("s", "Sequence", "Main", [
    n("v1", "Variable", "who", [], { dataType: "string" }),
    n("a", "SequenceJS", "prepare", [], { code: "var x = 1" }),
    n("o", "JsonObject", "box", [n("b", "Element", "inner", [], { expression: "who" }), n("c2", "Element", "second")]),
    n("d", "Element", "after", [], { value: "x" }),
  ]),
]);
const tree: ProjectTree = { project: "Shop", rev: 3, rootId: "p", nodes: flattenTree(root) };
const state = fromTree(tree);

describe("explorer rows", () => {
  it("shows the workspace, its projects and the open objects, depth first, with positions", () => {
    const expanded = new Set([WORKSPACE_KEY, rowKey("Shop", "p"), rowKey("Shop", "s")]);
    const rows = visibleRows("ws", ["Shop"], { Shop: state }, expanded);
    expect(rows.map((r) => `${r.depth}:${r.name}`)).toEqual([
      "0:ws",
      "1:Shop",
      "2:Api",
      "2:Main",
      "3:who",
      "3:prepare",
      "3:box",
      "3:after",
    ]);
    const box = rows.find((r) => r.name === "box")!;
    expect(box).toMatchObject({ hasChildren: true, expanded: false, pos: 3, size: 4 });
  });

  it("filters by name, type or value, keeping the ancestors of what matches", () => {
    const rows = visibleRows("ws", ["Shop"], { Shop: state }, new Set(), "inner", types);
    expect(rows.map((r) => r.name)).toEqual(["ws", "Shop", "Main", "box", "inner"]);
    const byValue = visibleRows("ws", ["Shop"], { Shop: state }, new Set(), "var x", types);
    expect(byValue.map((r) => r.name)).toEqual(["ws", "Shop", "Main", "prepare"]);
    const byLabel = visibleRows("ws", ["Shop"], { Shop: state }, new Set(), "http connector", types);
    expect(byLabel.map((r) => r.name)).toEqual(["ws", "Shop", "Api"]);
  });

  it("lists 5,000 open objects quickly", () => {
    const big = n("root", "Project", "Big", [
      n(
        "seq",
        "Sequence",
        "S",
        Array.from({ length: 5000 }, (_, i) => n(`e${i}`, "Element", `e${i}`)),
      ),
    ]);
    const st = fromTree({ project: "Big", rev: 1, rootId: "root", nodes: flattenTree(big) });
    const t0 = performance.now();
    const rows = visibleRows(
      "ws",
      ["Big"],
      { Big: st },
      new Set([WORKSPACE_KEY, rowKey("Big", "root"), rowKey("Big", "seq")]),
    );
    const ms = performance.now() - t0;
    expect(rows.length).toBe(5003);
    expect(ms).toBeLessThan(200);
  });
});

describe("deltas and trees", () => {
  it("applies a delta into a new map and keeps the rest", () => {
    const upd = applyDelta(state, {
      project: "Shop",
      rev: 4,
      upserts: [{ ...state.nodes.get("o")!, children: ["c2"] }],
      removed: ["b"],
    });
    expect(upd.nodes).not.toBe(state.nodes);
    expect(upd.nodes.has("b")).toBe(false);
    expect(upd.nodes.get("o")!.children).toEqual(["c2"]);
    expect(upd.rev).toBe(4);
    expect(state.nodes.has("b")).toBe(true);
  });

  it("rebuilds an object with what it holds (the clipboard), and the keys to reveal it", () => {
    const box = toObjNode(state, "o")!;
    expect(box.children.map((c) => c.name)).toEqual(["inner", "second"]);
    expect(ancestorKeys(state, "b")).toEqual([WORKSPACE_KEY, "Shop/p", "Shop/s", "Shop/o"]);
  });

  it("finds the requestable of a step, and of a transaction's variable with its connector", () => {
    expect(enclosingRequestable(state, "b", types)?.node.name).toBe("Main");
    const tx = enclosingRequestable(state, "tv", types)!;
    expect([tx.connector?.name, tx.node.name]).toEqual(["Api", "Get"]);
  });

  it("gives a step's scope: the variables and the steps before it, not its ancestors", () => {
    const scope = scopeOf(state, "d", types);
    expect(scope.variables).toEqual([{ name: "who", dataType: "string" }]);
    expect(scope.earlierSteps.map((s) => s.name)).toEqual(["prepare", "box", "inner", "second"]);
    expect(scopeOf(state, "b", types).earlierSteps.map((s) => s.name)).toEqual(["prepare"]);
  });
});

describe("names", () => {
  it("refuses, before asking the engine, the names it would refuse (engine/common/model/naming.ts)", () => {
    expect(renameProblem(state, "s", "Api", types)).toBeUndefined();
    expect(renameProblem(state, "s", "main seq", types)?.message).toMatch(/"main seq" cannot be a Sequence name/);
    expect(renameProblem(state, "v1", "who", types)).toBeUndefined();
    const two = applyDelta(state, {
      project: "Shop",
      rev: 4,
      upserts: [
        { ...state.nodes.get("s")!, children: [...state.nodes.get("s")!.children, "v2"] },
        { id: "v2", type: "Variable", name: "whom", props: {}, children: [], parent: "s" },
      ],
      removed: [],
    });
    expect(renameProblem(two, "v2", "who", types)).toEqual({
      code: "name_taken",
      message: 'Main already holds a variable named "who"',
    });
    // Steps may share a name; the project is renamed through its folder (the engine says so).
    expect(renameProblem(state, "d", "prepare", types)).toBeUndefined();
    expect(renameProblem(state, "p", "x y", types)).toBeUndefined();
  });
});

describe("keyboard", () => {
  const expanded = new Set([WORKSPACE_KEY, rowKey("Shop", "p"), rowKey("Shop", "s")]);
  const rows = visibleRows("ws", ["Shop"], { Shop: state }, expanded);
  it("moves up and down, opens, closes and goes to the parent", () => {
    expect(navigate(rows, "Shop/s", "ArrowDown").key).toBe("Shop/v1");
    expect(navigate(rows, "Shop/s", "ArrowUp").key).toBe("Shop/c");
    expect(navigate(rows, "Shop/o", "ArrowRight").toggle).toBe("open");
    expect(navigate(rows, "Shop/s", "ArrowLeft").toggle).toBe("close");
    expect(navigate(rows, "Shop/a", "ArrowLeft").key).toBe("Shop/s");
    expect(navigate(rows, "Shop/a", "End").key).toBe("Shop/d");
  });
});

describe("fields", () => {
  it("parses typed values by kind, keeping text that does not parse (the engine marks it)", () => {
    expect(parseFieldValue("integer", "42")).toBe(42);
    expect(parseFieldValue("integer", "4x")).toBe("4x");
    expect(parseFieldValue("integer", "")).toBeUndefined();
    expect(parseFieldValue("stringList", "a\n\nb")).toEqual(["a", "b"]);
    expect(parseFieldValue("keyValue", "Accept: json\nX-A: 1")).toEqual({ Accept: "json", "X-A": "1" });
    expect(() => parseFieldValue("keyValue", "nocolon")).toThrow(/name: value/);
    expect(parseFieldValue("json", '{"a": 1}')).toEqual({ a: 1 });
    expect(() => parseFieldValue("json", "{a")).toThrow();
    expect(formatFieldValue("keyValue", { A: "1" })).toBe("A: 1");
    expect(formatFieldValue("json", { a: 1 })).toBe('{\n  "a": 1\n}');
  });

  it("writes source paths as the engine reads them", () => {
    expect(joinPath(["data", "items", 0, "name"])).toBe("data.items[0].name");
    expect(joinPath(["a b", 1])).toBe('["a b"][1]');
    expect(joinPath([])).toBe("");
  });
});
