/**
 * The Problems view's list, computed from what the Studio holds: the validator's issues on
 * objects (the engine's: invalid values read from files, names, JavaScript that does not parse,
 * YAML errors with their file and line), projects that could not be loaded, references that name
 * nothing (reference-rules.ts on the flat maps: a call to a deleted sequence...), values typed
 * in the property panel that the engine refused (not saved), sequences whose steps write no
 * response, and UI bindings that do not fit what their targets answer (ui-problems.ts). Pure code,
 * tested by problems-model.test.ts.
 */
import {
  danglingMessage,
  danglingReferences,
  flatProject,
  type RefProject,
  type TypeLookup,
} from "../../engine/common/model/reference-rules.ts";
import type { TypeSchema } from "../../engine/common/model/typedef.ts";
import type { FlatNode, WorkspaceInfo } from "../../engine/common/studio/api.ts";
import type { JsonSchema } from "../../engine/common/model/json-schema.ts";
import { apiNotes } from "./api-problems.ts";
import type { ProjectState } from "./tree-model.ts";
import { uiNotes } from "./ui-problems.ts";

export type Severity = "error" | "warning" | "info";

export interface Problem {
  /** Stable key (for lists). */
  key: string;
  severity: Severity;
  /** What kind of problem: a value, JavaScript syntax, a reference, a file, a project, a value not saved, the response. */
  kind: "value" | "syntax" | "reference" | "file" | "project" | "unsaved" | "output" | "object" | "binding";
  project: string;
  /** The object at fault (none when a whole file or project failed). */
  id?: string;
  /** Names from the project down to the object. */
  path: string[];
  /** The property at fault ("name" for the name), to focus its field. */
  prop?: string;
  message: string;
  /** Where in the project files (relative to the workspace), when known. */
  file?: string;
  line?: number;
  /** Where in the property's JavaScript. */
  at?: { line: number; column: number };
}

/** A value typed in the property panel and refused (by the engine or by the field's own parse). */
export interface UnsavedValue {
  project: string;
  id: string;
  prop: string;
  label: string;
  text: string;
  message: string;
}

export interface ProblemsInput {
  workspace?: WorkspaceInfo;
  projects: Readonly<Record<string, ProjectState | undefined>>;
  types: ReadonlyMap<string, TypeSchema>;
  unsaved?: readonly UnsavedValue[];
  /** The run schemas the engine serves (route outputSchemas), by `project/sequence`: bindings are checked against them too. */
  outputSchemas?: Readonly<Record<string, JsonSchema>>;
}

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** The schemas the Studio is served, as the reference rules read types. */
export function schemaLookup(types: ReadonlyMap<string, TypeSchema>): TypeLookup {
  return (t) => types.get(t);
}

/** The flat maps of the Studio's projects, indexed for the reference rules. */
export function refProjects(
  projects: Readonly<Record<string, ProjectState | undefined>>,
  types: ReadonlyMap<string, TypeSchema>,
): RefProject<FlatNode>[] {
  const lookup = schemaLookup(types);
  return Object.values(projects)
    .filter((p): p is ProjectState => Boolean(p))
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((p) => flatProject(p.name, p.rootId, p.nodes, lookup) ?? []);
}

/** Names from the project's root down to an object. */
export function pathOf(p: ProjectState, id: string): string[] {
  const out: string[] = [];
  for (let n = p.nodes.get(id); n; n = n.parent !== undefined ? p.nodes.get(n.parent) : undefined) out.unshift(n.name);
  return out;
}

/** Every problem of the workspace: errors first, then warnings and notes; by project and tree order. */
export function collectProblems(input: ProblemsInput): Problem[] {
  const { workspace, projects, types } = input;
  const out: Problem[] = [];
  const names = Object.keys(projects).sort((a, b) => a.localeCompare(b));
  for (const name of names) {
    const p = projects[name];
    if (!p) continue;
    const root = p.nodes.get(p.rootId);
    if (!root) continue;
    const seenIssues = new Set<string>();
    for (const n of p.nodes.values()) {
      if (!n.issues?.length) continue;
      const id = n.id;
      const path = pathOf(p, id);
      n.issues.forEach((issue, k) => {
        const file = issue.location?.file ?? n.file;
        const line = issue.location?.line ?? (issue.prop ? undefined : n.line);
        seenIssues.add(`${issue.message}\u0000${file ?? ""}\u0000${line ?? ""}`);
        out.push({
          key: `issue/${name}/${id}/${k}`,
          severity: "error",
          kind:
            issue.code === "js_syntax" ? "syntax" : issue.origin === "file" ? "file" : issue.prop ? "value" : "object",
          project: name,
          id,
          path,
          ...(issue.prop ? { prop: issue.prop } : {}),
          message: issue.message,
          ...(file ? { file } : {}),
          ...(line ? { line } : {}),
          ...(issue.at ? { at: issue.at } : {}),
        });
      });
    }
    // Whole files that could not be read (YAML errors), unless an object already carries them.
    const summary = workspace?.projects.find((s) => s.name === name);
    (summary?.errors ?? []).forEach((e, k) => {
      if (seenIssues.has(`${e.message}\u0000${e.location?.file ?? ""}\u0000${e.location?.line ?? ""}`)) return;
      out.push({
        key: `file/${name}/${k}`,
        severity: "error",
        kind: "file",
        project: name,
        path: [name],
        message: e.message,
        ...(e.location?.file ? { file: e.location.file } : {}),
        ...(e.location?.line ? { line: e.location.line } : {}),
      });
    });
    out.push(...outputNotes(p, types));
  }
  for (const f of workspace?.failures ?? []) {
    out.push({
      key: `project/${f.name}`,
      severity: "error",
      kind: "project",
      project: f.name,
      path: [f.name],
      message: `The project could not be loaded: ${f.reason}`,
    });
  }
  for (const n of apiNotes(projects, types)) {
    out.push({
      key: `api/${n.project}/${n.id}/${n.prop ?? ""}/${n.message}`,
      severity: n.severity,
      kind: "reference",
      project: n.project,
      id: n.id,
      path: n.path,
      ...(n.prop ? { prop: n.prop } : {}),
      message: n.message,
    });
  }
  for (const n of uiNotes(projects, types, input.outputSchemas)) {
    out.push({
      key: `ui/${n.project}/${n.id}/${n.prop}/${n.message}`,
      severity: n.severity,
      kind: "binding",
      project: n.project,
      id: n.id,
      path: n.path,
      prop: n.prop,
      message: n.message,
    });
  }
  const lookup = schemaLookup(types);
  for (const hit of danglingReferences(refProjects(projects, types), lookup)) {
    out.push({
      key: `ref/${hit.project}/${hit.node.id}/${hit.reference.field}/${hit.reference.span?.start ?? ""}`,
      severity: hit.reference.missing?.severity ?? "warning",
      kind: "reference",
      project: hit.project,
      id: hit.node.id,
      path: hit.path,
      prop: hit.reference.field,
      message: danglingMessage(hit.reference),
    });
  }
  for (const u of input.unsaved ?? []) {
    const p = projects[u.project];
    if (!p?.nodes.has(u.id)) continue;
    out.push({
      key: `unsaved/${u.project}/${u.id}/${u.prop}`,
      severity: "error",
      kind: "unsaved",
      project: u.project,
      id: u.id,
      path: pathOf(p, u.id),
      prop: u.prop,
      message: `${u.message.replace(/: not saved$/, "")} — "${short(u.text)}" was not saved`,
    });
  }
  // Tree order: the positions among siblings from the root down (objects without one first).
  const keys = new Map<string, number[]>();
  const keyOf = (x: Problem): number[] => {
    if (!x.id) return [];
    const k = `${x.project}/${x.id}`;
    let key = keys.get(k);
    if (!key) keys.set(k, (key = treeKey(projects[x.project], x.id)));
    return key;
  };
  return out
    .map((x, i) => ({ x, i }))
    .sort(
      (a, b) =>
        RANK[a.x.severity] - RANK[b.x.severity] ||
        a.x.project.localeCompare(b.x.project) ||
        compareKeys(keyOf(a.x), keyOf(b.x)) ||
        a.i - b.i,
    )
    .map((e) => e.x);
}

/** An object's place in its tree: its index among its siblings, from the root's children down. */
function treeKey(p: ProjectState | undefined, id: string): number[] {
  const key: number[] = [];
  for (let n = p?.nodes.get(id); n?.parent !== undefined;) {
    const parent: FlatNode | undefined = p!.nodes.get(n.parent);
    if (!parent) break;
    key.unshift(parent.children.indexOf(n.id));
    n = parent;
  }
  return key;
}

function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function short(s: string): string {
  const one = s.replace(/\s+/g, " ").trim();
  return one.length > 60 ? `${one.slice(0, 57)}…` : one;
}

/** Notes on sequences whose steps write no response (a JavaScript step's value reaches none). */
function outputNotes(p: ProjectState, types: ReadonlyMap<string, TypeSchema>): Problem[] {
  const out: Problem[] = [];
  const root = p.nodes.get(p.rootId);
  for (const id of root?.children ?? []) {
    const seq = p.nodes.get(id);
    if (!seq || types.get(seq.type)?.category !== "sequence") continue;
    const hasSteps = seq.children.some((c) => types.get(p.nodes.get(c)?.type ?? "")?.category === "step");
    if (!hasSteps || writesResponse(p, seq, types)) continue;
    out.push({
      key: `output/${p.name}/${seq.id}`,
      severity: "info",
      kind: "output",
      project: p.name,
      id: seq.id,
      path: [root!.name, seq.name],
      message:
        "Its response is empty: none of its steps writes one. Add an Element (a value under a name), an Object or an Array; a Sequence JS step's value reaches the response only through one of them.",
    });
  }
  return out;
}

/** Does any step under this object write the response (its type declares an `output`)? */
export function writesResponse(p: ProjectState, node: FlatNode, types: ReadonlyMap<string, TypeSchema>): boolean {
  const stack = [...node.children];
  while (stack.length) {
    const n = p.nodes.get(stack.pop()!);
    if (!n) continue;
    const t = types.get(n.type);
    if (t?.category !== "step") continue;
    if (t.output) return true;
    stack.push(...n.children);
  }
  return false;
}

/** Counts by severity (for the tab's badge). */
export function countBySeverity(problems: readonly Problem[]): Record<Severity, number> {
  const c: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const x of problems) c[x.severity]++;
  return c;
}
