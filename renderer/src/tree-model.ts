/**
 * The Studio's view of project trees: flat maps of objects, deltas from the engine applied to
 * them, the rows the explorer shows; scopes (for completion and the source picker) and name
 * checks come from engine/common's rules, applied to the flat maps. Pure code (no React, no DOM),
 * tested in tree-model.test.ts.
 */
import { nameProblem, type NameProblem } from "../../engine/common/model/naming.ts";
import type { ObjNode } from "../../engine/common/model/node.ts";
import {
  enclosingRequestable as requestableOf,
  flatView,
  scopeOf as scopeIn,
  type ProjectView,
  type Scope,
} from "../../engine/common/model/scope.ts";
import type { TypeSchema } from "../../engine/common/model/typedef.ts";
import type { FlatNode, ProjectDelta, ProjectTree } from "../../engine/common/studio/api.ts";

export interface ProjectState {
  name: string;
  rev: number;
  rootId: string;
  nodes: Map<string, FlatNode>;
}

export const WORKSPACE_KEY = "workspace";

/** The key of an object in the explorer (ids are unique within a project only). */
export function rowKey(project: string, id: string): string {
  return `${project}/${id}`;
}

export function parseKey(key: string): { project: string; id: string } | undefined {
  const i = key.indexOf("/");
  if (i < 0) return undefined;
  return { project: key.slice(0, i), id: key.slice(i + 1) };
}

export function fromTree(tree: ProjectTree): ProjectState {
  return { name: tree.project, rev: tree.rev, rootId: tree.rootId, nodes: new Map(tree.nodes.map((n) => [n.id, n])) };
}

/** A project state with a delta applied (a new map: React sees the change). */
export function applyDelta(state: ProjectState, delta: ProjectDelta): ProjectState {
  const nodes = new Map(state.nodes);
  for (const id of delta.removed) nodes.delete(id);
  for (const n of delta.upserts) nodes.set(n.id, n);
  return { ...state, rev: Math.max(state.rev, delta.rev), nodes };
}

export interface Row {
  key: string;
  kind: "workspace" | "project" | "object";
  project: string;
  id: string;
  name: string;
  type: string;
  depth: number;
  hasChildren: boolean;
  expanded: boolean;
  /** Position among siblings (1-based) and their count, for aria-posinset / aria-setsize. */
  pos: number;
  size: number;
  invalid: boolean;
}

/** A search over a project's objects: by name, type (or label) or property value. */
export function matches(n: FlatNode, needle: string, types?: Map<string, TypeSchema>): boolean {
  if (!needle) return true;
  const q = needle.toLowerCase();
  if (n.name.toLowerCase().includes(q) || n.type.toLowerCase().includes(q)) return true;
  const label = types?.get(n.type)?.label;
  if (label && label.toLowerCase().includes(q)) return true;
  for (const v of Object.values(n.props)) {
    const text = typeof v === "string" ? v : JSON.stringify(v);
    if (text && text.toLowerCase().includes(q)) return true;
  }
  return false;
}

/**
 * The rows the explorer shows: the workspace, its projects, and the objects under expanded ones.
 * With a filter, the objects that match and their ancestors, all open.
 */
export function visibleRows(
  workspaceName: string,
  projectNames: readonly string[],
  projects: Readonly<Record<string, ProjectState | undefined>>,
  expanded: ReadonlySet<string>,
  filter = "",
  types?: Map<string, TypeSchema>,
): Row[] {
  const rows: Row[] = [];
  const wsOpen = filter !== "" || expanded.has(WORKSPACE_KEY);
  rows.push({
    key: WORKSPACE_KEY,
    kind: "workspace",
    project: "",
    id: "",
    name: workspaceName,
    type: "Workspace",
    depth: 0,
    hasChildren: projectNames.length > 0,
    expanded: wsOpen,
    pos: 1,
    size: 1,
    invalid: false,
  });
  if (!wsOpen) return rows;
  projectNames.forEach((pname, pi) => {
    const p = projects[pname];
    const root = p?.nodes.get(p.rootId);
    let keep: Set<string> | undefined;
    if (filter && p) {
      keep = new Set();
      for (const n of p.nodes.values()) {
        if (!matches(n, filter, types)) continue;
        let cur: FlatNode | undefined = n;
        while (cur && !keep.has(cur.id)) {
          keep.add(cur.id);
          cur = cur.parent !== undefined ? p.nodes.get(cur.parent) : undefined;
        }
      }
      if (keep.size === 0) return;
    }
    const key = rowKey(pname, p?.rootId ?? "");
    const open = keep ? true : expanded.has(key);
    rows.push({
      key,
      kind: "project",
      project: pname,
      id: p?.rootId ?? "",
      name: pname,
      type: "Project",
      depth: 1,
      hasChildren: !p || (root?.children.length ?? 0) > 0,
      expanded: open && Boolean(root),
      pos: pi + 1,
      size: projectNames.length,
      invalid: Boolean(root?.issues?.length),
    });
    if (!p || !root || !open) return;
    // Iterative depth-first walk: deep trees must not overflow the stack.
    const stack: { id: string; depth: number; pos: number; size: number }[] = [];
    const pushChildren = (ids: string[], depth: number) => {
      const shown = keep ? ids.filter((c) => keep!.has(c)) : ids;
      for (let i = shown.length - 1; i >= 0; i--) stack.push({ id: shown[i]!, depth, pos: i + 1, size: shown.length });
    };
    pushChildren(root.children, 2);
    while (stack.length) {
      const it = stack.pop()!;
      const n = p.nodes.get(it.id);
      if (!n) continue;
      const k = rowKey(pname, n.id);
      const isOpen = keep ? true : expanded.has(k);
      rows.push({
        key: k,
        kind: "object",
        project: pname,
        id: n.id,
        name: n.name,
        type: n.type,
        depth: it.depth,
        hasChildren: n.children.length > 0,
        expanded: isOpen && n.children.length > 0,
        pos: it.pos,
        size: it.size,
        invalid: Boolean(n.issues?.length),
      });
      if (isOpen) pushChildren(n.children, it.depth + 1);
    }
  });
  return rows;
}

/** The keys of an object's ancestors (to open the tree down to it). */
export function ancestorKeys(p: ProjectState, id: string): string[] {
  const keys: string[] = [WORKSPACE_KEY];
  const chain: string[] = [];
  let cur = p.nodes.get(id);
  while (cur?.parent !== undefined) {
    chain.unshift(rowKey(p.name, cur.parent));
    cur = p.nodes.get(cur.parent);
  }
  return [...keys, ...chain];
}

/** An object and what it holds, as a tree (for copy, the clipboard, the graph). */
export function toObjNode(p: ProjectState, id: string): ObjNode | undefined {
  const n = p.nodes.get(id);
  if (!n) return undefined;
  return {
    id: n.id,
    type: n.type,
    name: n.name,
    props: structuredClone(n.props),
    children: n.children.map((c) => toObjNode(p, c)).filter((c): c is ObjNode => Boolean(c)),
  };
}

/** The scope rules' view of a project state (engine/common/model/scope.ts). */
function viewOf(p: ProjectState, types: Map<string, TypeSchema>): ProjectView<FlatNode> {
  return flatView(p.nodes, (type) => types.get(type)?.category);
}

/** The sequence or transaction an object belongs to (itself when it is one). */
export function enclosingRequestable(
  p: ProjectState,
  id: string,
  types: Map<string, TypeSchema>,
): { node: FlatNode; connector?: FlatNode } | undefined {
  return requestableOf(viewOf(p, types), id);
}

/** Is the object a step (a node of the sequence graph, a place for a breakpoint)? */
export function isStep(n: FlatNode | undefined, types: Map<string, TypeSchema>): boolean {
  return Boolean(n && types.get(n.type)?.category === "step");
}

export type { Scope };

/** What an object's code and sources can read: the variables and the earlier steps' outputs. */
export function scopeOf(p: ProjectState, id: string, types: Map<string, TypeSchema>): Scope {
  return scopeIn(viewOf(p, types), id);
}

/**
 * What the engine would refuse in renaming an object `name` (naming.ts, the rule it applies):
 * checked before sending, so a refused name is said at once and nothing is reloaded.
 */
export function renameProblem(
  p: ProjectState,
  id: string,
  name: string,
  types: Map<string, TypeSchema>,
): NameProblem | undefined {
  const node = p.nodes.get(id);
  const parent = node?.parent !== undefined ? p.nodes.get(node.parent) : undefined;
  // A project (no parent) is renamed through its folder: the engine says so.
  if (!node || !parent) return undefined;
  const siblings = parent.children.flatMap((c) => {
    const s = p.nodes.get(c);
    return s ? [{ id: s.id, name: s.name, category: types.get(s.type)?.category }] : [];
  });
  return nameProblem(name, types.get(node.type), { parentName: parent.name, siblings, selfId: id });
}

/** Moves the active row with the keyboard; answers the new key, or undefined to stay. */
export function navigate(
  rows: readonly Row[],
  active: string | undefined,
  key: string,
): { key?: string; toggle?: "open" | "close" } {
  const i = rows.findIndex((r) => r.key === active);
  const row = rows[i];
  if (key === "Home") return { key: rows[0]?.key };
  if (key === "End") return { key: rows.at(-1)?.key };
  if (!row) return { key: rows[0]?.key };
  switch (key) {
    case "ArrowDown":
      return { key: rows[Math.min(rows.length - 1, i + 1)]?.key };
    case "ArrowUp":
      return { key: rows[Math.max(0, i - 1)]?.key };
    case "PageDown":
      return { key: rows[Math.min(rows.length - 1, i + 20)]?.key };
    case "PageUp":
      return { key: rows[Math.max(0, i - 20)]?.key };
    case "ArrowRight":
      if (row.hasChildren && !row.expanded) return { toggle: "open" };
      if (row.expanded) return { key: rows[i + 1]?.key };
      return {};
    case "ArrowLeft": {
      if (row.expanded) return { toggle: "close" };
      for (let j = i - 1; j >= 0; j--) if (rows[j]!.depth < row.depth) return { key: rows[j]!.key };
      return {};
    }
  }
  return {};
}

/** Parses a value typed in a field of a given property kind (text stays text when it does not parse). */
export function parseFieldValue(kind: string, text: string): unknown {
  if (kind === "integer" || kind === "number") {
    if (text.trim() === "") return undefined;
    const n = Number(text);
    return Number.isFinite(n) && /^\s*-?(\d+\.?\d*|\.\d+)(e-?\d+)?\s*$/i.test(text) ? n : text;
  }
  if (kind === "stringList") {
    const items = text
      .split("\n")
      .map((s) => s.trim())
      .filter(Boolean);
    return items.length ? items : undefined;
  }
  if (kind === "keyValue") {
    const out: Record<string, string> = {};
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      const c = line.indexOf(":");
      if (c <= 0) throw new Error(`"${line.trim()}": write one "name: value" per line`);
      out[line.slice(0, c).trim()] = line.slice(c + 1).trim();
    }
    return Object.keys(out).length ? out : undefined;
  }
  if (kind === "json") {
    if (text.trim() === "") return undefined;
    return JSON.parse(text);
  }
  return text === "" ? undefined : text;
}

/** How a property value is shown in a text field of its kind. */
export function formatFieldValue(kind: string, value: unknown): string {
  if (value === undefined || value === null) return "";
  if (kind === "stringList" && Array.isArray(value)) return value.join("\n");
  if (kind === "keyValue" && value && typeof value === "object" && !Array.isArray(value)) {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${String(v)}`)
      .join("\n");
  }
  if (kind === "json") return JSON.stringify(value, null, 2);
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** A JSON path to a value inside an output, for a source (`data.items[0].name`). */
export function joinPath(parts: readonly (string | number)[]): string {
  let out = "";
  for (const p of parts) {
    if (typeof p === "number") out += `[${p}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(p)) out += out ? `.${p}` : p;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out;
}
