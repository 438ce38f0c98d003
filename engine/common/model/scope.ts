/**
 * Scope rules: what an object's code and sources can read. A step sees the variables of its
 * sequence or transaction and the outputs of the steps that ran before it: earlier in document
 * order, its ancestors left out (they are still running when it runs). The rules read a project
 * through a small view, so they work on the Studio's flat maps and on ObjNode trees alike.
 */
import type { ObjNode } from "./node.ts";
import type { Category } from "./typedef.ts";

/** The fields of an object the rules read (a FlatNode and an ObjNode both have them). */
export interface ScopeObject {
  id: string;
  type: string;
  name: string;
  props: Record<string, unknown>;
}

/** A project seen through what the rules need, whatever holds it. */
export interface ProjectView<N extends ScopeObject> {
  get(id: string): N | undefined;
  parentOf(node: N): N | undefined;
  childrenOf(node: N): readonly N[];
  /** The category of a type (from the registry, or from the schemas the Studio is served). */
  categoryOf(type: string): Category | undefined;
}

/** An object of a flat map: children and parent by id (the Studio's FlatNode). */
export interface FlatObject extends ScopeObject {
  children: readonly string[];
  parent?: string;
}

/** A view of a flat map of objects by id. */
export function flatView<N extends FlatObject>(
  nodes: ReadonlyMap<string, N>,
  categoryOf: (type: string) => Category | undefined,
): ProjectView<N> {
  return {
    get: (id) => nodes.get(id),
    parentOf: (n) => (n.parent !== undefined ? nodes.get(n.parent) : undefined),
    childrenOf: (n) => n.children.map((c) => nodes.get(c)).filter((c): c is N => c !== undefined),
    categoryOf,
  };
}

/** A view of an ObjNode tree (indexed once: parents are not stored in the tree). */
export function treeView(root: ObjNode, categoryOf: (type: string) => Category | undefined): ProjectView<ObjNode> {
  const byId = new Map<string, { node: ObjNode; parent: ObjNode | undefined }>();
  const stack: { node: ObjNode; parent: ObjNode | undefined }[] = [{ node: root, parent: undefined }];
  while (stack.length) {
    const e = stack.pop()!;
    byId.set(e.node.id, e);
    for (const c of e.node.children) stack.push({ node: c, parent: e.node });
  }
  return {
    get: (id) => byId.get(id)?.node,
    parentOf: (n) => byId.get(n.id)?.parent,
    childrenOf: (n) => n.children,
    categoryOf,
  };
}

/** The sequence or transaction an object belongs to (itself when it is one), with a transaction's connector. */
export function enclosingRequestable<N extends ScopeObject>(
  view: ProjectView<N>,
  id: string,
): { node: N; connector?: N } | undefined {
  let cur = view.get(id);
  while (cur) {
    const cat = view.categoryOf(cur.type);
    if (cat === "sequence") return { node: cur };
    if (cat === "transaction") {
      const connector = view.parentOf(cur);
      return { node: cur, ...(connector ? { connector } : {}) };
    }
    cur = view.parentOf(cur);
  }
  return undefined;
}

/** What an object can read. */
export interface Scope {
  /** Input variables of the sequence or transaction. */
  variables: { name: string; dataType: string }[];
  /** Steps that run before this object (document order, its ancestors left out). */
  earlierSteps: { id: string; name: string; type: string }[];
}

/** What an object's code and sources can read: the variables and the earlier steps' outputs. */
export function scopeOf<N extends ScopeObject>(view: ProjectView<N>, id: string): Scope {
  const req = enclosingRequestable(view, id);
  const scope: Scope = { variables: [], earlierSteps: [] };
  if (!req) return scope;
  const children = view.childrenOf(req.node);
  for (const n of children) {
    if (view.categoryOf(n.type) === "variable") {
      scope.variables.push({ name: n.name, dataType: String(n.props.dataType ?? "string") });
    }
  }
  const ancestors = new Set<string>();
  const self = view.get(id);
  for (let cur = self && view.parentOf(self); cur; cur = view.parentOf(cur)) ancestors.add(cur.id);
  let done = false;
  const visit = (n: N) => {
    if (done) return;
    if (n.id === id) {
      done = true;
      return;
    }
    if (view.categoryOf(n.type) === "step" && !ancestors.has(n.id)) {
      scope.earlierSteps.push({ id: n.id, name: n.name, type: n.type });
    }
    for (const c of view.childrenOf(n)) visit(c);
  };
  for (const c of children) visit(c);
  return scope;
}
