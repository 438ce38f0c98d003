import { describe, expect, it } from "vitest";
import type { ObjNode } from "../../engine/common/model/node.ts";
import { typeSchemas } from "../../engine/common/model/registry.ts";
import type { TraceEntry } from "../../engine/common/model/trace.ts";
import type { TypeSchema } from "../../engine/common/model/typedef.ts";
import { flattenTree } from "../../engine/common/studio/api.ts";
import {
  acceptedAt,
  autoPlace,
  clampIndex,
  defaultWhere,
  dropTarget,
  groupTypes,
  layoutSequence,
  neighbourRow,
  paletteGroup,
  paletteTypes,
  placeFor,
  runLabel,
  searchTypes,
  stepRuns,
  whereOptions,
} from "./graph-model.ts";
import { fromTree } from "./tree-model.ts";

const types = new Map<string, TypeSchema>(typeSchemas().map((t) => [t.type, t]));

const n = (id: string, type: string, children: ObjNode[] = []): ObjNode => ({
  id,
  type,
  name: id,
  props: {},
  children,
});

// Main: variable v, steps a, loop (b, c), d, test case t1. Calls: call (stepvar sv).
const root = n("p", "Project", [
  n("s", "Sequence", [
    n("v", "Variable"),
    n("a", "SequenceJS"),
    n("loop", "Iterator", [n("b", "Element"), n("c", "Element")]),
    n("d", "Element"),
    n("t1", "TestCase"),
  ]),
  n("s2", "Sequence", [n("call", "CallTransaction", [n("sv", "StepVariable")]), n("t2", "TestCase")]),
  n("empty", "Sequence", [n("ev", "Variable"), n("et", "TestCase")]),
]);
const p = fromTree({ project: "Shop", rev: 1, rootId: "p", nodes: flattenTree(root) });
const children = (id: string) => p.nodes.get(id)!.children;

describe("palette", () => {
  it("offers what a sequence can hold, recursively, never foreign objects", () => {
    const list = paletteTypes(types, ["Sequence"]).map((t) => t.type);
    expect(list).toContain("Variable");
    expect(list).toContain("TestCase");
    expect(list).toContain("Iterator");
    // Only inside an If-Then-Else or a call, but reachable from a sequence.
    expect(list).toContain("Then");
    expect(list).toContain("StepVariable");
    expect(list).not.toContain("Foreign");
    expect(list).not.toContain("Sequence");
  });

  it("groups steps by their family, other types by category, in a fixed order", () => {
    expect(paletteGroup(types.get("If")!)).toBe("Flow");
    expect(paletteGroup(types.get("Element")!)).toBe("Output");
    expect(paletteGroup(types.get("CallSequence")!)).toBe("Calls");
    expect(paletteGroup(types.get("Variable")!)).toBe("Variables");
    const groups = groupTypes(paletteTypes(types, ["Sequence"])).map((g) => g.group);
    expect(groups.slice(0, 3)).toEqual(["Flow", "Output", "Calls"]);
    expect(groups.indexOf("Variables")).toBeLessThan(groups.indexOf("Test cases"));
    // Every step type lands in a named group.
    for (const t of types.values()) if (t.category === "step") expect(paletteGroup(t)).not.toBe("Other steps");
  });

  it("searches labels first, then type names, groups and descriptions", () => {
    const list = paletteTypes(types, ["Sequence"]);
    expect(searchTypes(list, "call t")[0]?.type).toBe("CallTransaction");
    expect(searchTypes(list, "element")[0]?.type).toBe("Element");
    expect(searchTypes(list, "sequencejs")[0]?.type).toBe("SequenceJS");
    expect(searchTypes(list, "flow").map((t) => t.type)).toContain("While");
    // A word found only in a description still finds the type, after the others.
    const loop = searchTypes(list, "once per item");
    expect(loop[0]?.type).toBe("Iterator");
    expect(searchTypes(list, "zzz")).toEqual([]);
    expect(searchTypes(list, "  ")).toHaveLength(list.length);
  });
});

describe("where new objects go", () => {
  it("keeps variables first, steps in the middle, test cases last", () => {
    // Appending: steps before the test case, variables before the steps, test cases at the end.
    expect(clampIndex(p, "s", "Element", types)).toBe(4);
    expect(clampIndex(p, "s", "Variable", types)).toBe(1);
    expect(clampIndex(p, "s", "TestCase", types)).toBe(5);
    // An index out of the range is brought into it.
    expect(clampIndex(p, "s", "Element", types, 0)).toBe(1);
    expect(clampIndex(p, "s", "Variable", types, 4)).toBe(1);
    // A sequence of variables and test cases only: steps go between them.
    expect(clampIndex(p, "empty", "Element", types)).toBe(1);
  });

  it("goes after a selected step, inside a selected block or sequence", () => {
    expect(defaultWhere(p, types, "a")).toBe("after");
    expect(defaultWhere(p, types, "loop")).toBe("inside");
    expect(defaultWhere(p, types, "s")).toBe("inside");
    expect(placeFor(p, types, "a", "Log", "after")).toEqual({ parent: "s", index: 2 });
    expect(placeFor(p, types, "a", "Log", "before")).toEqual({ parent: "s", index: 1 });
    expect(placeFor(p, types, "loop", "Log", "inside")).toEqual({ parent: "loop", index: 2 });
    expect(placeFor(p, types, "b", "Log", "after")).toEqual({ parent: "loop", index: 1 });
    // After the last step: still before the test cases.
    expect(placeFor(p, types, "d", "Log", "after")).toEqual({ parent: "s", index: 4 });
    // A step "after a variable" goes with the steps; a variable "after a step" with the variables.
    expect(placeFor(p, types, "v", "Log", "after")).toEqual({ parent: "s", index: 1 });
    expect(placeFor(p, types, "d", "Variable", "after")).toEqual({ parent: "s", index: 1 });
    // Refused by the parent: nothing.
    expect(placeFor(p, types, "a", "Log", "inside")).toBeUndefined();
    expect(placeFor(p, types, "sv", "Log", "after")).toBeUndefined();
  });

  it("lists the places around an object and what each accepts", () => {
    expect(whereOptions(p, types, "a")).toEqual(["after", "before"]);
    expect(whereOptions(p, types, "loop")).toEqual(["inside", "after", "before"]);
    expect(whereOptions(p, types, "call")).toEqual(["inside", "after", "before"]);
    expect(acceptedAt(p, types, "call", "inside").map((t) => t.type)).toEqual(["StepVariable"]);
    expect(acceptedAt(p, types, "a", "after").map((t) => t.type)).toContain("Iterator");
  });

  it("places a type at the selection, climbing out of what refuses it", () => {
    expect(autoPlace(p, types, "a", "Log")).toEqual({ parent: "s", index: 2 });
    expect(autoPlace(p, types, "loop", "Log")).toEqual({ parent: "loop", index: 2 });
    // A step with a step variable selected: after the call.
    expect(autoPlace(p, types, "sv", "Log")).toEqual({ parent: "s2", index: 1 });
    expect(autoPlace(p, types, "t2", "Variable")).toEqual({ parent: "s2", index: 0 });
    expect(autoPlace(p, types, "a", "HttpConnector")).toEqual({ parent: "p", index: 1 });
  });
});

describe("the sequence graph", () => {
  const layout = layoutSequence(p, types, "s");

  it("lays steps out one row each, depth first, the sequence on row 0", () => {
    expect(layout.rows.map((r) => `${r.row}:${r.depth}:${r.id}`)).toEqual([
      "0:0:s",
      "1:0:a",
      "2:0:loop",
      "3:1:b",
      "4:1:c",
      "5:0:d",
    ]);
    expect(layout.byId.get("loop")).toMatchObject({ hasChildren: true, lastRow: 4, lastChild: false });
    expect(layout.byId.get("c")).toMatchObject({ lastChild: true, parent: "loop" });
    expect(layout.maxDepth).toBe(1);
    expect(layout.edges.map((e) => e.id)).toEqual(["s=>a", "a->loop", "loop=>b", "b->c", "loop->d"]);
    expect(neighbourRow(layout, "c", 1)).toBe("d");
    expect(neighbourRow(layout, "s", -1)).toBe("s");
  });

  it("lays out thousands of nested steps without recursion", () => {
    let inner: ObjNode = n("deep0", "Element");
    for (let i = 1; i < 5000; i++) inner = n(`deep${i}`, "If", [inner]);
    const big = fromTree({
      project: "B",
      rev: 1,
      rootId: "bp",
      nodes: flattenTree(n("bp", "Project", [n("bs", "Sequence", [inner])])),
    });
    const l = layoutSequence(big, types, "bs");
    expect(l.rows).toHaveLength(5001);
    expect(l.maxDepth).toBe(4999);
  });

  it("turns a drop into a place: before, after, inside, out of a block", () => {
    const at = (row: number, fraction: number, depth = 9, moving?: string, type = "Log") =>
      dropTarget(layout, p, types, type, { row, fraction, depth }, moving);
    // Upper part of d: before d.
    expect(at(5, 0.1)).toMatchObject({
      place: { parent: "s", index: 3 },
      indicator: { kind: "line", row: 4, depth: 0 },
    });
    // Lower part of a: after a.
    expect(at(1, 0.9)).toMatchObject({ place: { parent: "s", index: 2 } });
    // Middle of the loop: inside, at the end; its lower part: inside, first.
    expect(at(2, 0.5)).toMatchObject({
      place: { parent: "loop", index: 2 },
      indicator: { kind: "inside", id: "loop" },
    });
    expect(at(2, 0.9)).toMatchObject({
      place: { parent: "loop", index: 0 },
      indicator: { kind: "line", row: 2, depth: 1 },
    });
    // Below c, the last of the loop: inside the loop at its indent, after the loop left of it.
    expect(at(4, 0.9, 1)).toMatchObject({ place: { parent: "loop", index: 2 } });
    expect(at(4, 0.9, 0)).toMatchObject({
      place: { parent: "s", index: 3 },
      indicator: { kind: "line", row: 4, depth: 0 },
    });
    // The sequence's row: first step; below everything: last step (before the test case).
    expect(at(0, 0.5)).toMatchObject({ place: { parent: "s", index: 1 } });
    expect(at(-3, 0.5)).toMatchObject({ place: { parent: "s", index: 1 } });
    expect(at(40, 0.5)).toMatchObject({ place: { parent: "s", index: 4 }, indicator: { kind: "line", row: 5 } });
  });

  it("refuses drops that change nothing or put a block inside itself", () => {
    const at = (row: number, fraction: number, moving: string, type: string) =>
      dropTarget(layout, p, types, type, { row, fraction, depth: 9 }, moving);
    expect(at(1, 0.9, "a", "SequenceJS")).toBeUndefined();
    expect(at(2, 0.1, "a", "SequenceJS")).toBeUndefined();
    expect(at(2, 0.5, "loop", "Iterator")).toBeUndefined();
    expect(at(3, 0.1, "loop", "Iterator")).toBeUndefined();
    // Moving a to after d is a real move.
    expect(at(5, 0.9, "a", "SequenceJS")).toMatchObject({ place: { parent: "s", index: 4 } });
    // A type the place refuses: no drop.
    expect(dropTarget(layout, p, types, "StepVariable", { row: 1, fraction: 0.9, depth: 0 })).toBeUndefined();
  });

  it("drops into an empty sequence", () => {
    const l = layoutSequence(p, types, "empty");
    expect(l.rows).toHaveLength(1);
    expect(dropTarget(l, p, types, "Log", { row: 3, fraction: 0.5, depth: 0 })).toMatchObject({
      place: { parent: "empty", index: 1 },
    });
    expect(children("empty")).toEqual(["ev", "et"]);
  });
});

describe("run status", () => {
  const entry = (seq: number, id: string, status: TraceEntry["status"], durationMs?: number, project = "Shop") =>
    ({ seq, id, name: id, type: "Element", depth: 0, start: 0, status, project, durationMs }) as TraceEntry;

  it("sums a step's runs, shows the one running, keeps a failure", () => {
    const runs = stepRuns(
      [
        entry(0, "a", "ok", 3),
        entry(1, "b", "ok", 2),
        entry(2, "b", "error", 5),
        entry(3, "b", "ok", 1),
        entry(4, "c", "ok", 1),
        entry(5, "c", "running"),
        entry(6, "a", "ok", 4, "Other"),
      ],
      "Shop",
    );
    expect(runs.get("a")).toEqual({ status: "ok", count: 1, totalMs: 3 });
    expect(runs.get("b")).toEqual({ status: "error", count: 3, totalMs: 8 });
    expect(runs.get("c")?.status).toBe("running");
    expect(runLabel(runs.get("a"))).toBe("3 ms");
    expect(runLabel(runs.get("b"))).toBe("×3 · 8 ms");
    expect(runLabel({ status: "running", count: 1, totalMs: 0 })).toBe("running");
    expect(runLabel({ status: "ok", count: 1, totalMs: 1500 })).toBe("1.50 s");
    expect(runLabel({ status: "ok", count: 1, totalMs: 0.2 })).toBe("<1 ms");
    expect(runLabel(undefined)).toBe("");
  });
});
