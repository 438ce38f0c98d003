/**
 * The flow editor's pure logic: the palette (which types, in which groups, found by a search),
 * where a new or moved object goes (after a step, inside a block, at an index kept within its
 * category's place: variables, then steps, then test cases), the sequence graph's layout (one row
 * per step, nesting as an indent), what a drop on the graph means, and the run status of each step
 * from a run's trace. No React, no DOM; tested in graph-model.test.ts.
 */
import type { TraceEntry } from "../../engine/common/model/trace.ts";
import type { TypeSchema } from "../../engine/common/model/typedef.ts";
import type { FlatNode } from "../../engine/common/studio/api.ts";
import type { ProjectState } from "./tree-model.ts";

export type Types = ReadonlyMap<string, TypeSchema>;

/** Where an object goes, relative to a target object. */
export type Where = "inside" | "after" | "before";

/** A parent and an index among its children (the engine's create and move take these). */
export interface Place {
  parent: string;
  index: number;
}

// ---- palette ----

/** Palette groups of steps, by the icon their type definition names (TypeDef.icon). */
const STEP_GROUPS: Record<string, string> = {
  if: "Flow",
  then: "Flow",
  else: "Flow",
  loop: "Flow",
  iterator: "Flow",
  while: "Flow",
  return: "Flow",
  error: "Flow",
  element: "Output",
  object: "Output",
  array: "Output",
  "call-sequence": "Calls",
  "call-transaction": "Calls",
  code: "Code and log",
  log: "Code and log",
  session: "Session and users",
  user: "Session and users",
  lock: "Session and users",
  group: "FullSync",
  fullsync: "FullSync",
};

/** Palette groups of the other categories. */
const CATEGORY_GROUPS: Record<string, string> = {
  variable: "Variables",
  test: "Test cases",
  sequence: "Sequences",
  connector: "Connectors",
  transaction: "Transactions",
  setting: "Settings",
  design: "Design documents",
  listener: "Listeners",
  reference: "Project references",
  app: "App",
  page: "App",
  ui: "Components",
  event: "Events and actions",
  action: "Events and actions",
  state: "App",
};

/** The order groups are shown in. */
export const GROUP_ORDER = [
  "Flow",
  "Output",
  "Calls",
  "Code and log",
  "Session and users",
  "FullSync",
  "Other steps",
  "Variables",
  "Test cases",
  "Sequences",
  "Connectors",
  "Transactions",
  "Settings",
  "Design documents",
  "Listeners",
  "Project references",
  "App",
  "Components",
  "Events and actions",
  "Other",
];

/** The palette group of a type. */
export function paletteGroup(t: TypeSchema): string {
  if (t.category === "step") return STEP_GROUPS[t.icon] ?? "Other steps";
  return CATEGORY_GROUPS[t.category] ?? "Other";
}

/**
 * The types that can be placed somewhere under objects of the `roots` types (what they accept,
 * and what those accept, ...), in the registry's order. Foreign objects are never offered.
 */
export function paletteTypes(types: Types, roots: readonly string[]): TypeSchema[] {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length) {
    const t = types.get(queue.shift()!);
    for (const c of t?.accepts ?? []) {
      if (seen.has(c) || c === "Foreign") continue;
      seen.add(c);
      queue.push(c);
    }
  }
  return [...types.values()].filter((t) => seen.has(t.type));
}

/**
 * The types matching a search, best first: label starting with the text, label containing it,
 * type name containing it, every word in the label, type, group or category, then every word
 * somewhere in the description. An empty search keeps the list as it is.
 */
export function searchTypes(list: readonly TypeSchema[], query: string): TypeSchema[] {
  const q = query.trim().toLowerCase();
  if (!q) return [...list];
  const words = q.split(/\s+/);
  const compact = q.replace(/\s+/g, "");
  const scored: { t: TypeSchema; score: number; i: number }[] = [];
  list.forEach((t, i) => {
    const label = t.label.toLowerCase();
    const name = t.type.toLowerCase();
    const tags = `${label} ${name} ${paletteGroup(t).toLowerCase()} ${t.category}`;
    let score: number;
    if (label.startsWith(q)) score = 0;
    else if (label.includes(q)) score = 1;
    else if (name.includes(compact)) score = 2;
    else if (words.every((w) => tags.includes(w))) score = 3;
    else if (words.every((w) => tags.includes(w) || t.description.toLowerCase().includes(w))) score = 4;
    else return;
    scored.push({ t, score, i });
  });
  return scored.sort((a, b) => a.score - b.score || a.i - b.i).map((s) => s.t);
}

/** Types in their groups, groups in GROUP_ORDER, types in the list's order within a group. */
export function groupTypes(list: readonly TypeSchema[]): { group: string; types: TypeSchema[] }[] {
  const byGroup = new Map<string, TypeSchema[]>();
  for (const t of list) {
    const g = paletteGroup(t);
    byGroup.set(g, [...(byGroup.get(g) ?? []), t]);
  }
  return [...byGroup.entries()]
    .sort(([a], [b]) => GROUP_ORDER.indexOf(a) - GROUP_ORDER.indexOf(b))
    .map(([group, types]) => ({ group, types }));
}

// ---- where objects go ----

/** Categories kept in this order among a parent's children (others go where they are put). */
const RANK: Record<string, number> = { variable: 0, step: 1, test: 2 };

function rankOf(types: Types, type: string | undefined): number | undefined {
  const c = type === undefined ? undefined : types.get(type)?.category;
  return c === undefined ? undefined : RANK[c];
}

/** Does a parent type accept a child type (its definition's accepted children)? */
export function accepts(types: Types, parentType: string | undefined, childType: string): boolean {
  return Boolean(parentType && types.get(parentType)?.accepts.includes(childType));
}

/**
 * An index for a new child of `type` under `parentId`, kept within its category's range: steps
 * after the variables and before the test cases, variables before the steps, test cases last.
 * Without an index: the end of that range. Children already out of that order (written by hand)
 * leave the index as given.
 */
export function clampIndex(p: ProjectState, parentId: string, type: string, types: Types, index?: number): number {
  const kids = p.nodes.get(parentId)?.children ?? [];
  const at = index === undefined || index < 0 || index > kids.length ? kids.length : index;
  const r = rankOf(types, type);
  if (r === undefined) return at;
  let lo = 0;
  let hi = kids.length;
  kids.forEach((id, k) => {
    const rc = rankOf(types, p.nodes.get(id)?.type);
    if (rc === undefined) return;
    if (rc < r) lo = k + 1;
    else if (rc > r) hi = Math.min(hi, k);
  });
  if (lo > hi) return at;
  return Math.min(Math.max(at, lo), hi);
}

/** Where an object of `type` goes relative to a target, or undefined when the parent refuses it. */
export function placeFor(
  p: ProjectState,
  types: Types,
  targetId: string,
  type: string,
  where: Where,
): Place | undefined {
  const t = p.nodes.get(targetId);
  if (!t) return undefined;
  if (where === "inside") {
    if (!accepts(types, t.type, type)) return undefined;
    return { parent: t.id, index: clampIndex(p, t.id, type, types) };
  }
  const parent = t.parent !== undefined ? p.nodes.get(t.parent) : undefined;
  if (!parent || !accepts(types, parent.type, type)) return undefined;
  const at = parent.children.indexOf(t.id) + (where === "after" ? 1 : 0);
  return { parent: parent.id, index: clampIndex(p, parent.id, type, types, at) };
}

/** Adding "at" an object: inside when it holds children (a sequence, a block), else after it. */
export function defaultWhere(p: ProjectState, types: Types, targetId: string): Where {
  const t = p.nodes.get(targetId);
  if (!t || t.parent === undefined) return "inside";
  return (types.get(t.type)?.accepts.length ?? 0) > 0 ? "inside" : "after";
}

/** The types that may go at a place relative to a target (what the parent there accepts). */
export function acceptedAt(p: ProjectState, types: Types, targetId: string, where: Where): TypeSchema[] {
  const t = p.nodes.get(targetId);
  const holder = where === "inside" ? t : t?.parent !== undefined ? p.nodes.get(t.parent) : undefined;
  return (types.get(holder?.type ?? "")?.accepts ?? [])
    .map((c) => types.get(c))
    .filter((c): c is TypeSchema => Boolean(c) && c!.type !== "Foreign");
}

/** The places around a target where something may be added, the default first. */
export function whereOptions(p: ProjectState, types: Types, targetId: string): Where[] {
  const first = defaultWhere(p, types, targetId);
  const all: Where[] = [first, ...(["inside", "after", "before"] as const).filter((w) => w !== first)];
  return all.filter((w) => acceptedAt(p, types, targetId, w).length > 0);
}

/**
 * Where a new object of `type` goes when added "at the selection" (the palette's Enter): the
 * default place, else after or inside the selection, else after or inside one of its ancestors.
 */
export function autoPlace(p: ProjectState, types: Types, targetId: string, type: string): Place | undefined {
  let cur = p.nodes.get(targetId);
  let first = true;
  while (cur) {
    const tries: Where[] = first ? [defaultWhere(p, types, cur.id), "after", "inside"] : ["after", "inside"];
    for (const w of tries) {
      const place = placeFor(p, types, cur.id, type, w);
      if (place) return place;
    }
    first = false;
    cur = cur.parent !== undefined ? p.nodes.get(cur.parent) : undefined;
  }
  return undefined;
}

/** Is `id` the object `ancestor` or inside it? */
export function isWithin(p: ProjectState, id: string, ancestor: string): boolean {
  let cur = p.nodes.get(id);
  while (cur) {
    if (cur.id === ancestor) return true;
    cur = cur.parent !== undefined ? p.nodes.get(cur.parent) : undefined;
  }
  return false;
}

// ---- the sequence graph ----

/** One row of the graph: row 0 is the sequence itself, then its steps depth first. */
export interface GraphRow {
  id: string;
  /** The parent's id (the sequence for top-level steps; empty for row 0). */
  parent: string;
  /** 0 for the sequence and its top-level steps, +1 per enclosing block. */
  depth: number;
  row: number;
  /** Step children shown below it. */
  hasChildren: boolean;
  /** Is it the last step among its parent's steps? */
  lastChild: boolean;
  /** The last row of its subtree (itself when it has no step children). */
  lastRow: number;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  /** From a block (or the sequence) to its first step, rather than from a step to the next. */
  nested: boolean;
}

export interface GraphLayout {
  seqId: string;
  rows: GraphRow[];
  byId: Map<string, GraphRow>;
  edges: GraphEdge[];
  maxDepth: number;
}

/** The rows and edges of a sequence's graph (steps only: variables and test cases are not drawn). */
export function layoutSequence(p: ProjectState, types: Types, seqId: string): GraphLayout {
  const rows: GraphRow[] = [];
  const edges: GraphEdge[] = [];
  const seq = p.nodes.get(seqId);
  let maxDepth = 0;
  const stepsOf = (n: FlatNode | undefined): FlatNode[] =>
    (n?.children ?? [])
      .map((c) => p.nodes.get(c))
      .filter((c): c is FlatNode => Boolean(c) && types.get(c!.type)?.category === "step");
  if (!seq) return { seqId, rows, byId: new Map(), edges, maxDepth };
  const top = stepsOf(seq);
  rows.push({ id: seq.id, parent: "", depth: 0, row: 0, hasChildren: top.length > 0, lastChild: true, lastRow: 0 });
  // Iterative depth-first walk (deep nesting must not overflow the stack).
  interface Frame {
    steps: FlatNode[];
    i: number;
    parent: string;
    depth: number;
    owner: GraphRow;
  }
  const stack: Frame[] = [{ steps: top, i: 0, parent: seq.id, depth: 0, owner: rows[0]! }];
  if (top[0]) edges.push({ id: `${seq.id}=>${top[0].id}`, source: seq.id, target: top[0].id, nested: true });
  while (stack.length) {
    const f = stack[stack.length - 1]!;
    if (f.i >= f.steps.length) {
      stack.pop();
      f.owner.lastRow = rows.length - 1;
      continue;
    }
    const n = f.steps[f.i]!;
    const prev = f.steps[f.i - 1];
    f.i++;
    const kids = stepsOf(n);
    const row: GraphRow = {
      id: n.id,
      parent: f.parent,
      depth: f.depth,
      row: rows.length,
      hasChildren: kids.length > 0,
      lastChild: f.i === f.steps.length,
      lastRow: rows.length,
    };
    rows.push(row);
    maxDepth = Math.max(maxDepth, f.depth);
    if (prev) edges.push({ id: `${prev.id}->${n.id}`, source: prev.id, target: n.id, nested: false });
    if (kids.length) {
      edges.push({ id: `${n.id}=>${kids[0]!.id}`, source: n.id, target: kids[0]!.id, nested: true });
      stack.push({ steps: kids, i: 0, parent: n.id, depth: f.depth + 1, owner: row });
    }
  }
  return { seqId, rows, byId: new Map(rows.map((r) => [r.id, r])), edges, maxDepth };
}

/** Where a drop lands and what shows it: a line between rows, or a block highlighted. */
export interface DropTarget {
  place: Place;
  indicator: { kind: "line"; row: number; depth: number } | { kind: "inside"; id: string };
}

/**
 * What dropping an object of `type` (an existing one, `movingId`, or a new one) on the graph
 * means, from the row under the pointer, the pointer's height within that row's slot (0..1) and
 * its indent (in depth units). Upper part of a step: before it; lower part: after it (at the
 * pointer's depth when it is the last of its block: left of it, after the block); middle of a
 * block that accepts the type: inside, at the end; lower part of an open block: inside, first.
 * Row 0 (the sequence) and above: the first step; below the last row: the last step. Undefined:
 * no place accepts it there, or the move would change nothing.
 */
export function dropTarget(
  layout: GraphLayout,
  p: ProjectState,
  types: Types,
  type: string,
  pointer: { row: number; fraction: number; depth: number },
  movingId?: string,
): DropTarget | undefined {
  const { rows } = layout;
  const seq = layout.seqId;
  let result: DropTarget | undefined;
  const line = (row: number, depth: number) => ({ kind: "line" as const, row, depth });
  if (pointer.row <= 0 || rows.length <= 1) {
    const atEnd = rows.length <= 1 || pointer.row >= rows.length;
    result = accepts(types, p.nodes.get(seq)?.type, type)
      ? {
          place: { parent: seq, index: clampIndex(p, seq, type, types, atEnd ? undefined : 0) },
          indicator: line(atEnd ? rows.length - 1 : 0, 0),
        }
      : undefined;
  } else if (pointer.row >= rows.length) {
    result = accepts(types, p.nodes.get(seq)?.type, type)
      ? { place: { parent: seq, index: clampIndex(p, seq, type, types) }, indicator: line(rows.length - 1, 0) }
      : undefined;
  } else {
    const r = rows[pointer.row]!;
    const n = p.nodes.get(r.id);
    const f = pointer.fraction;
    if (n && accepts(types, n.type, type) && f >= 0.25) {
      if (f > 0.75 && r.hasChildren)
        result = {
          place: { parent: n.id, index: clampIndex(p, n.id, type, types, 0) },
          indicator: line(r.row, r.depth + 1),
        };
      else
        result = {
          place: { parent: n.id, index: clampIndex(p, n.id, type, types) },
          indicator: { kind: "inside", id: n.id },
        };
    } else if (f < 0.5) {
      const place = placeFor(p, types, r.id, type, "before");
      result = place && { place, indicator: line(r.row - 1, r.depth) };
    } else {
      // After this row's step, or after an enclosing block it ends, as the pointer's indent says.
      let cur = r;
      while (cur.lastChild && pointer.depth < cur.depth && cur.lastRow === r.row) {
        const up = layout.byId.get(cur.parent);
        if (!up || up.row === 0 || up.lastRow !== r.row) break;
        cur = up;
      }
      const place = placeFor(p, types, cur.id, type, "after");
      result = place && { place, indicator: line(cur.lastRow, cur.depth) };
    }
  }
  if (!result || movingId === undefined) return result;
  // A move into itself, or to where it already is, is no drop.
  if (isWithin(p, result.place.parent, movingId)) return undefined;
  const moving = p.nodes.get(movingId);
  if (moving?.parent === result.place.parent) {
    const at = p.nodes.get(moving.parent)!.children.indexOf(movingId);
    if (result.place.index === at || result.place.index === at + 1) return undefined;
  }
  return result;
}

/** The previous or next row of the graph (arrow keys). */
export function neighbourRow(layout: GraphLayout, id: string, step: 1 | -1): string | undefined {
  const r = layout.byId.get(id);
  if (!r) return layout.rows[0]?.id;
  return layout.rows[Math.min(Math.max(r.row + step, 0), layout.rows.length - 1)]?.id;
}

// ---- run status ----

export interface StepRun {
  status: "running" | "paused" | "ok" | "error";
  /** Times the step ran (more than once in a loop). */
  count: number;
  /** Their total duration, ms (the ones finished). */
  totalMs: number;
}

/**
 * Each step's run in a trace: running or paused when one of its runs is, else error when one
 * failed, else ok; how many times it ran and for how long in all. Entries of other projects
 * (sequences called across projects) are left out: ids are unique within a project only.
 */
export function stepRuns(trace: readonly TraceEntry[], project: string): Map<string, StepRun> {
  const out = new Map<string, StepRun>();
  const weight = { ok: 0, error: 1, running: 2, paused: 3 };
  for (const e of trace) {
    if (e.project !== project) continue;
    const cur = out.get(e.id);
    const status = cur && weight[cur.status] > weight[e.status] ? cur.status : e.status;
    out.set(e.id, { status, count: (cur?.count ?? 0) + 1, totalMs: (cur?.totalMs ?? 0) + (e.durationMs ?? 0) });
  }
  return out;
}

/** A duration as the graph shows it: "<1 ms", "12 ms", "1.25 s". */
export function formatMs(ms: number): string {
  if (ms < 1) return "<1 ms";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** A step's timing as its node shows it ("12 ms", "×3 · 40 ms"); nothing while it first runs. */
export function runLabel(run: StepRun | undefined): string {
  if (!run) return "";
  if (run.count === 1 && (run.status === "running" || run.status === "paused")) return run.status;
  return run.count > 1 ? `×${run.count} · ${formatMs(run.totalMs)}` : formatMs(run.totalMs);
}
