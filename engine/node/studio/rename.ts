import { ApiError } from "../../common/http/api-error.ts";
import { applyEdits, lineColumn, quoteLike, tokenize, type Span } from "../../common/model/js-scan.ts";
import { pathTo, type ObjNode } from "../../common/model/node.ts";
import { isPlainObject } from "../../common/model/props.ts";
import { referencesTo, type ProjectRoot, type ReferenceHit } from "../../common/model/references.ts";
import { getType } from "../../common/model/registry.ts";
import type { RenameChange, RenamePlanInfo } from "../../common/studio/refactor.ts";
import type { TreeOp } from "./history.ts";

/** A rename planned as the Studio service applies changes: primitive ops, one undoable change. */
export interface RenamePlan extends RenamePlanInfo {
  ops: TreeOp[];
  focus: { project: string; id: string };
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

interface Pending {
  project: string;
  node: ObjNode;
  path: string[];
  name: string;
  props: Record<string, unknown>;
  /** Text edits per property (and per entry of a map of texts), applied together. */
  edits: Map<string, (Span & { text: string })[]>;
}

/**
 * Plans renaming an object and updating what refers to it, across the projects given (every
 * project of the workspace: other projects' calls are references too): reference properties
 * naming it, `step("name")` and variables in JavaScript (`vars.name`, the bare name), the step
 * variables of calls giving a value to a renamed variable, test case inputs and `{name}`
 * templates naming it (references.ts finds them all). `checkName` refuses the new name where the
 * object is (the service's rule); a reference that would clash (a call already giving a value to
 * a variable of the new name) refuses the whole rename. Nothing is applied here.
 */
export function planRename(
  projects: readonly ProjectRoot[],
  project: string,
  id: string,
  newName: string,
  opts: { references?: boolean; checkName: (parent: ObjNode, node: ObjNode, name: string) => void },
): RenamePlan {
  const home = projects.find((p) => p.name === project);
  const trail = home && pathTo(home.root, id);
  const node = trail?.at(-1);
  if (!home || !trail || !node)
    throw new ApiError(404, "unknown_object", `The project ${project} has no object with id ${id}`);
  const parent = trail.at(-2);
  if (!parent) {
    throw new ApiError(400, "rename_project", "A project is renamed with Rename project (its folder and its name)");
  }
  const name = newName.trim();
  const oldName = node.name;
  if (name === oldName) throw new ApiError(400, "same_name", `"${oldName}" is already its name`);
  opts.checkName(parent, node, name);

  const pending = new Map<string, Pending>();
  const entry = (p: string, n: ObjNode, path: string[]): Pending => {
    const key = `${p}\u0000${n.id}`;
    let e = pending.get(key);
    if (!e) {
      e = { project: p, node: n, path, name: n.name, props: structuredClone(n.props), edits: new Map() };
      pending.set(key, e);
    }
    return e;
  };
  const self = entry(
    project,
    node,
    trail.map((n) => n.name),
  );
  self.name = name;
  const changes: RenameChange[] = [
    { project, id, type: node.type, path: self.path, field: "name", form: "self", before: oldName, after: name },
  ];
  const skipped: RenamePlanInfo["skipped"] = [];

  const hits = opts.references === false ? [] : referencesTo(projects, project, id);
  // step("name") reads one step: a step named in code keeps a name no other step of its sequence has.
  if (getType(node.type)?.category === "step" && hits.some((h) => h.reference.form === "code")) {
    const owner = trail.findLast((n) => ["sequence", "transaction"].includes(getType(n.type)?.category ?? ""));
    let clash: ObjNode | undefined;
    const visit = (n: ObjNode) => {
      for (const c of n.children) {
        if (c.id !== node.id && c.name === name && getType(c.type)?.category === "step") clash ??= c;
        visit(c);
      }
    };
    if (owner) visit(owner);
    if (clash) {
      throw new ApiError(
        409,
        "name_taken",
        `another step of "${owner!.name}" is named "${name}": step(${JSON.stringify(oldName)}) in code would read either once renamed`,
      );
    }
  }
  for (const hit of hits) {
    const ref = hit.reference;
    // A view in a binding is written design/view: its part after the slash is the view's name.
    if (ref.form === "binding" && ref.target.refers === "view") {
      const [doc, view] = ref.value.split("/");
      if (view !== oldName || !ref.bindingPath) continue;
      const e = entry(hit.project, hit.node, hit.path);
      setBindingName(e.props, ref.field, ref.bindingPath, `${doc}/${name}`);
      changes.push({ ...changeAt(hit, ref), before: ref.value, after: `${doc}/${name}` });
      continue;
    }
    // By id (sources, a step's id in code, a binding's directive, form or action): a rename changes nothing there.
    if (ref.value !== oldName) continue;
    const e = entry(hit.project, hit.node, hit.path);
    const at = { project: hit.project, id: hit.node.id, type: hit.node.type, path: hit.path, field: ref.field };
    switch (ref.form) {
      case "property": {
        const list = e.props[ref.field];
        if (ref.index !== undefined && Array.isArray(list)) list[ref.index] = name;
        else e.props[ref.field] = name;
        changes.push({ ...at, form: "property", before: oldName, after: name });
        break;
      }
      case "binding": {
        if (["directive", "form", "action"].includes(ref.target.refers) || !ref.bindingPath) break;
        setBindingName(e.props, ref.field, ref.bindingPath, name);
        changes.push({ ...changeAt(hit, ref), before: oldName, after: name });
        break;
      }
      case "name": {
        const owner = parentOf(projects, hit);
        const clash = owner?.children.find((c) => c.id !== hit.node.id && c.name === name);
        if (clash) {
          throw new ApiError(
            409,
            "name_taken",
            `${hit.path.join(" › ")} cannot be renamed: "${owner!.name}" already gives a value to "${name}"`,
          );
        }
        e.name = name;
        changes.push({ ...at, form: "name", before: oldName, after: name });
        break;
      }
      case "key": {
        const value = e.props[ref.field];
        if (!isPlainObject(value)) break;
        if (Object.hasOwn(value, name)) {
          throw new ApiError(
            409,
            "name_taken",
            `${hit.path.join(" › ")}: its ${ref.prop.label} already has "${name}": rename it there first`,
          );
        }
        e.props[ref.field] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k === oldName ? name : k, v]));
        changes.push({ ...at, form: "key", before: `${oldName}: …`, after: `${name}: …` });
        break;
      }
      case "template":
      case "code": {
        const span = ref.span;
        if (!span) break;
        const key = ref.entry === undefined ? ref.field : `${ref.field}\u0000${ref.entry}`;
        const text =
          ref.form === "code"
            ? codeReplacement(textOf(hit.node.props[ref.field], ref.entry), span, name, ref.shorthand)
            : { ...span, text: name };
        if (!text) {
          skipped.push({
            project: hit.project,
            path: hit.path,
            field: ref.field,
            reason: "the name could not be rewritten there",
          });
          break;
        }
        const list = e.edits.get(key) ?? [];
        if (!list.some((x) => x.start === text.start)) list.push(text);
        e.edits.set(key, list);
        break;
      }
      default:
        break;
    }
  }

  // Text edits, applied per property, with a preview of each changed line.
  for (const e of pending.values()) {
    for (const [key, edits] of e.edits) {
      const [field, entryKey] = key.split("\u0000") as [string, string | undefined];
      const before = textOf(e.node.props[field], entryKey);
      const after = applyEdits(before, edits);
      if (entryKey === undefined) e.props[field] = after;
      else e.props[field] = { ...(e.props[field] as Record<string, unknown>), [entryKey]: after };
      const form = isJs(e.node, field) ? "code" : "template";
      for (const line of changedLines(before, edits)) {
        changes.push({
          project: e.project,
          id: e.node.id,
          type: e.node.type,
          path: e.path,
          field: entryKey === undefined ? field : `${field}.${entryKey}`,
          form,
          before: line.before,
          after: line.after,
          ...(form === "code" ? { line: line.line } : {}),
        });
      }
    }
  }

  const ops: TreeOp[] = [];
  for (const e of pending.values()) {
    if (e.name === e.node.name && JSON.stringify(e.props) === JSON.stringify(e.node.props)) continue;
    ops.push({
      op: "props",
      project: e.project,
      id: e.node.id,
      before: { name: e.node.name, props: structuredClone(e.node.props) },
      after: { name: e.name, props: e.props },
    });
  }
  const refs = changes.length - 1;
  const label = `Rename "${oldName}" to "${name}"${refs > 0 ? ` (and ${refs} reference${refs > 1 ? "s" : ""})` : ""}`;
  const ordered = [...projects].sort((a, b) => Number(b.name === project) - Number(a.name === project));
  return { label, ops, changes: sortChanges(changes, ordered), skipped, focus: { project, id } };
}

/** Writes a name into a binding, at its path in the property's value (already a copy). */
function setBindingName(props: Record<string, unknown>, field: string, path: readonly string[], value: string): void {
  let at: unknown = props[field];
  for (const key of path.slice(0, -1)) at = isPlainObject(at) ? at[key] : undefined;
  if (isPlainObject(at)) at[path.at(-1)!] = value;
}

/** A binding's change, for the preview: its property and the keys down to the renamed name. */
function changeAt(hit: ReferenceHit, ref: ReferenceHit["reference"]): Omit<RenameChange, "before" | "after"> {
  const field = [ref.field, ...(ref.bindingPath ?? [])].join(".");
  return { project: hit.project, id: hit.node.id, type: hit.node.type, path: hit.path, field, form: "property" };
}

function isJs(node: ObjNode, field: string): boolean {
  const kind = getType(node.type)?.props.find((p) => p.name === field)?.kind;
  return kind === "code" || kind === "expression";
}

function textOf(v: unknown, entry: string | undefined): string {
  if (entry !== undefined) return isPlainObject(v) && typeof v[entry] === "string" ? (v[entry] as string) : "";
  return typeof v === "string" ? v : "";
}

/**
 * The edit renaming a name in code: a step() string keeps its quotes; `vars.x` becomes
 * `vars["new-name"]` when the new name is no identifier; a shorthand `{ x }` keeps its key.
 */
function codeReplacement(
  code: string,
  span: Span,
  name: string,
  shorthand: boolean | undefined,
): (Span & { text: string }) | undefined {
  const tokens = tokenize(code);
  const k = tokens.findIndex((t) => t.start === span.start);
  const token = tokens[k];
  if (!token) return undefined;
  if (token.kind === "string" || token.kind === "template") return { ...span, text: quoteLike(token, name) };
  const prev = tokens[k - 1];
  const ident = IDENTIFIER.test(name);
  if (prev?.text === "." || prev?.text === "?.") {
    // vars.old
    if (ident) return { ...span, text: name };
    return prev.text === "."
      ? { start: prev.start, end: span.end, text: `[${JSON.stringify(name)}]` }
      : { ...span, text: `[${JSON.stringify(name)}]` };
  }
  const value = ident ? name : `vars[${JSON.stringify(name)}]`;
  if (shorthand) return { ...span, text: `${token.text}: ${value}` };
  return { ...span, text: value };
}

/** The lines a set of edits changes, before and after (trimmed, for the preview). */
function changedLines(
  text: string,
  edits: readonly (Span & { text: string })[],
): { line: number; before: string; after: string }[] {
  const lines = new Map<number, (Span & { text: string })[]>();
  for (const e of edits) {
    const { line } = lineColumn(text, e.start);
    lines.set(line, [...(lines.get(line) ?? []), e]);
  }
  const all = text.split("\n");
  const out: { line: number; before: string; after: string }[] = [];
  let offset = 0;
  const starts = all.map((l) => {
    const s = offset;
    offset += l.length + 1;
    return s;
  });
  for (const [line, list] of [...lines].sort((a, b) => a[0] - b[0])) {
    const start = starts[line - 1] ?? 0;
    const before = all[line - 1] ?? "";
    const after = applyEdits(
      before,
      list.map((e) => ({ start: e.start - start, end: Math.min(e.end - start, before.length), text: e.text })),
    );
    out.push({ line, before: short(before), after: short(after) });
  }
  return out;
}

function short(s: string): string {
  const t = s.trim();
  return t.length > 160 ? `${t.slice(0, 157)}…` : t;
}

function parentOf(projects: readonly ProjectRoot[], hit: ReferenceHit): ObjNode | undefined {
  const p = projects.find((x) => x.name === hit.project);
  const trail = p && pathTo(p.root, hit.node.id);
  return trail?.at(-2);
}

/** The renamed object first, then the others in project order (as given) and tree order. */
function sortChanges(changes: RenameChange[], projects: readonly ProjectRoot[]): RenameChange[] {
  const order = new Map<string, number>();
  let i = 0;
  for (const p of projects) {
    const visit = (n: ObjNode) => {
      order.set(`${p.name}\u0000${n.id}`, i++);
      n.children.forEach(visit);
    };
    visit(p.root);
  }
  const [self, ...rest] = changes;
  const rank = (c: RenameChange) => order.get(`${c.project}\u0000${c.id}`) ?? Infinity;
  return [
    self!,
    ...rest
      .map((c, k) => ({ c, k }))
      .sort((a, b) => rank(a.c) - rank(b.c) || a.k - b.k)
      .map((x) => x.c),
  ];
}
