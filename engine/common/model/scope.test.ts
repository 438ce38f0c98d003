import { describe, expect, it } from "vitest";
import type { ObjNode } from "./node.ts";
import { getType } from "./registry.ts";
import {
  enclosingRequestable,
  flatView,
  scopeOf,
  treeView,
  type FlatObject,
  type ProjectView,
  type ScopeObject,
} from "./scope.ts";

const n = (
  id: string,
  type: string,
  name: string,
  children: ObjNode[] = [],
  props: Record<string, unknown> = {},
): ObjNode => ({ id, type, name, props, children });

const root = n("p", "Project", "Shop", [
  n("c", "HttpConnector", "Api", [n("t", "JsonHttpTransaction", "Get", [n("tv", "Variable", "id")])]),
  n("s", "Sequence", "Main", [
    n("v1", "Variable", "who", [], { dataType: "integer" }),
    n("a", "SequenceJS", "prepare"),
    n("o", "JsonObject", "box", [n("b", "Element", "inner"), n("c2", "Element", "second")]),
    n("call", "CallSequence", "call", [n("sv", "StepVariable", "x")]),
    n("d", "Element", "after"),
  ]),
]);
const categoryOf = (type: string) => getType(type)?.category;

/** The same project as the Studio holds it: a flat map, children and parent by id. */
function flatten(node: ObjNode, parent?: string, out = new Map<string, FlatObject>()): Map<string, FlatObject> {
  out.set(node.id, {
    id: node.id,
    type: node.type,
    name: node.name,
    props: node.props,
    children: node.children.map((c) => c.id),
    ...(parent !== undefined ? { parent } : {}),
  });
  for (const c of node.children) flatten(c, node.id, out);
  return out;
}

const views: Record<string, ProjectView<ScopeObject>> = {
  tree: treeView(root, categoryOf),
  flat: flatView(flatten(root), categoryOf),
};

describe.each(Object.entries(views))("scope rules on a %s view", (_, view) => {
  it("finds the requestable of an object, with a transaction's connector", () => {
    expect(enclosingRequestable(view, "b")?.node.name).toBe("Main");
    expect(enclosingRequestable(view, "s")?.node.name).toBe("Main");
    const tx = enclosingRequestable(view, "tv")!;
    expect([tx.connector?.name, tx.node.name]).toEqual(["Api", "Get"]);
    expect(enclosingRequestable(view, "c")).toBeUndefined();
    expect(enclosingRequestable(view, "nope")).toBeUndefined();
  });

  it("sees the variables and the steps before it, nested ones included, its ancestors left out", () => {
    const scope = scopeOf(view, "d");
    expect(scope.variables).toEqual([{ name: "who", dataType: "integer" }]);
    expect(scope.earlierSteps.map((s) => s.name)).toEqual(["prepare", "box", "inner", "second", "call"]);
    expect(scopeOf(view, "c2").earlierSteps.map((s) => s.name)).toEqual(["prepare", "inner"]);
    // A step variable belongs to its call, not to the sequence's inputs.
    expect(scopeOf(view, "sv").variables.map((v) => v.name)).toEqual(["who"]);
    expect(scopeOf(view, "tv")).toEqual({ variables: [{ name: "id", dataType: "string" }], earlierSteps: [] });
    expect(scopeOf(view, "p")).toEqual({ variables: [], earlierSteps: [] });
  });
});
