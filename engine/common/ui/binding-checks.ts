/**
 * The checks of the UI builder's bindings against what their targets answer (issue 18, design
 * §4.3), before any run: a binding naming a sequence, a view, a document, a directive's item, an
 * earlier action's output or a state is checked for its target and for its path in the target's
 * schema; a ForEach's items must be a list (an If's condition had better not be an object); an
 * `item` source must be inside its directive, an `event` source inside an Event; an `action`
 * source must name an action that ran before in the same chain; a Call Sequence's
 * variables must be the sequence's and the sequence must be callable by an app.
 *
 * Severity of a path not in a schema: an error where the part is declared or read from the steps
 * (origins "declared", "static": output-schema.ts), a warning where only test cases or runs said
 * it (they may not have seen every answer). A path going into a part whose shape is unknown (`{}`,
 * an object whose keys are not listed or left open) is accepted.
 *
 * Pure: projects are read through views (scope.ts, reference-rules.ts) and schemas through a
 * `SchemaProvider`; `modelSchemas` makes one from the projects themselves (declared, static and
 * test-case schemas, plus the run schemas given), for the Studio's Problems view and the engine's
 * pre-checks alike.
 */
import { parsePath, type PathSegment } from "../model/json-path.ts";
import { type JsonSchema } from "../model/json-schema.ts";
import { ORIGIN, refineSchema, requestableSchema, type RunSchemas, type SchemaOrigin } from "../model/output-schema.ts";
import { isPlainObject } from "../model/props.ts";
import type { RefProject, TypeLookup } from "../model/reference-rules.ts";
import type { ShapeTypeLookup } from "../model/response-shape.ts";
import type { ScopeObject } from "../model/scope.ts";
import { viewAnswerSchema, viewDocSchema } from "../model/view-schema.ts";
import { actionByName } from "./actions.ts";

/** What the checks know of a sequence. */
export interface SequenceInfo {
  /** Its output schema (parts marked with their origins), undefined when nothing is known. */
  schema?: JsonSchema;
  variables: { name: string; required: boolean }[];
  /** Accessibility Private: only other sequences may call it. */
  private: boolean;
}

/** Where the checks read what targets answer. */
export interface SchemaProvider {
  sequence(project: string, name: string): SequenceInfo | undefined;
  /** A FullSync view's answer (`view` is design/view), or which part is missing. */
  view(project: string, connector: string, view: string): { schema: JsonSchema } | { missing: "connector" | "view" };
  /** The documents of a FullSync connector's database, undefined when there is no such connector. */
  doc(project: string, connector: string): JsonSchema | undefined;
}

/**
 * Which rule a problem breaks: a missing target (also said by the reference rules, which the
 * Problems view shows already), a path not in the schema, a ForEach over no list, an If whose
 * condition is always an object, an item read outside its directive, an event source outside an
 * Event, an action source not earlier in the chain, a Call Sequence's variables or target, no
 * schema known.
 */
export type BindingRule = "target" | "path" | "items" | "condition" | "item" | "event" | "action" | "call" | "schema";

/** One problem of a binding. */
export interface BindingIssue {
  /** The object holding the binding. */
  id: string;
  /** Its property. */
  prop: string;
  rule: BindingRule;
  severity: "error" | "warning" | "info";
  message: string;
}

type Node = ScopeObject;

function childrenNamed<N extends Node>(p: RefProject<N>, parent: N, type: string, name: string): N | undefined {
  return p.view.childrenOf(parent).find((c) => c.type === type && c.name === name);
}

/**
 * The schemas of the projects' own objects: sequences (declared, else static refined by test
 * cases, then by `runs`), FullSync views (declared row/doc schemas, else read from the map).
 */
export function modelSchemas<N extends Node>(
  projects: readonly RefProject<N>[],
  types: ShapeTypeLookup,
  runs?: RunSchemas,
): SchemaProvider {
  const byName = new Map(projects.map((p) => [p.name, p]));
  const child = (p: RefProject<N>, category: string, name: string) =>
    p.view.childrenOf(p.root).find((c) => c.name === name && p.view.categoryOf(c.type) === category);
  const sequenceInfo = (project: string, name: string): SequenceInfo | undefined => {
    const p = byName.get(project);
    const seq = p && child(p, "sequence", name);
    if (!p || !seq) return undefined;
    const variables = p.view
      .childrenOf(seq)
      .filter((c) => p.view.categoryOf(c.type) === "variable")
      .map((c) => ({ name: c.name, required: c.props.required === true }));
    const schema = requestableSchema(p.view, p.name, seq.id, types, runs);
    return { ...(schema ? { schema } : {}), variables, private: seq.props.accessibility === "Private" };
  };
  // One provider serves one pass of the checks: a sequence's schema is derived once.
  const sequences = new Map<string, SequenceInfo | undefined>();
  return {
    sequence(project, name) {
      const key = `${project}/${name}`;
      if (!sequences.has(key)) sequences.set(key, sequenceInfo(project, name));
      return sequences.get(key);
    },
    view(project, connector, view) {
      const p = byName.get(project);
      const c = p && child(p, "connector", connector);
      if (!p || !c) return { missing: "connector" };
      const [ddoc, name] = view.split("/");
      const d = childrenNamed(p, c, "FullSyncDesignDocument", ddoc ?? "");
      const v = d && childrenNamed(p, d, "FullSyncView", name ?? "");
      if (!v) return { missing: "view" };
      const declared = isPlainObject(v.props.rowSchema) || isPlainObject(v.props.docSchema);
      return { schema: { ...viewAnswerSchema(v.props), [ORIGIN]: declared ? "declared" : "static" } };
    },
    doc(project, connector) {
      const p = byName.get(project);
      const c = p && child(p, "connector", connector);
      if (!p || !c) return undefined;
      // What the connector's views say of the documents, together (documents are open).
      let doc: JsonSchema | undefined;
      for (const d of p.view.childrenOf(c)) {
        if (d.type !== "FullSyncDesignDocument") continue;
        for (const v of p.view.childrenOf(d)) {
          if (v.type !== "FullSyncView") continue;
          const s = { ...viewDocSchema(v.props), [ORIGIN]: isPlainObject(v.props.docSchema) ? "declared" : "static" };
          doc = doc === undefined ? s : refineSchema(doc, s, s[ORIGIN] as SchemaOrigin);
        }
      }
      return doc ?? {};
    },
  };
}

/** Levenshtein distance, bounded work (names are short). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length > 100 || b.length > 100) return Math.max(a.length, b.length);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** The nearest of `names` to `name`, when near enough to be a slip. */
export function nearest(name: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const n of names) {
    const d = editDistance(name.toLowerCase(), n.toLowerCase());
    if (d < bestD) {
      best = n;
      bestD = d;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

const ANNOTATIONS = new Set([ORIGIN, "title", "description", "$comment", "examples", "default"]);
const unknownShape = (s: JsonSchema) => Object.keys(s).every((k) => ANNOTATIONS.has(k));
const typesOf = (s: JsonSchema): string[] =>
  typeof s.type === "string" ? [s.type] : Array.isArray(s.type) ? (s.type as string[]) : [];

function pathText(segs: readonly PathSegment[]): string {
  return segs.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

/** What a schema says of a value, in words ("a list", "a text"). */
function kindWords(types: readonly string[]): string {
  const words: Record<string, string> = {
    string: "a text",
    number: "a number",
    integer: "a number",
    boolean: "true/false",
    null: "null",
    array: "a list",
    object: "an object",
  };
  return [...new Set(types.map((t) => words[t] ?? t))].join(" or ");
}

/** Reading `path` in `schema`: the part reached, or the problem met on the way. */
export function walkPath(
  schema: JsonSchema,
  path: string | undefined,
  what: string,
): { schema: JsonSchema; origin?: SchemaOrigin } | { problem: string; origin?: SchemaOrigin } {
  let segs: PathSegment[];
  try {
    segs = path === undefined || path.trim() === "" ? [] : parsePath(path);
  } catch (e) {
    return { problem: (e as Error).message };
  }
  let cur = schema;
  let origin = schema[ORIGIN] as SchemaOrigin | undefined;
  for (let i = 0; i < segs.length; i++) {
    if (unknownShape(cur)) return { schema: {}, ...(origin ? { origin } : {}) };
    const seg = segs[i]!;
    const types = typesOf(cur);
    const here = pathText(segs.slice(0, i));
    let next: JsonSchema | undefined;
    if (typeof seg === "number") {
      if (!types.includes("array") && types.length) {
        return {
          problem: `"${pathText(segs)}" reads an item of ${here ? `"${here}"` : what}, which is ${kindWords(types)}, not a list`,
          ...(origin ? { origin } : {}),
        };
      }
      next = isPlainObject(cur.items) ? (cur.items as JsonSchema) : {};
    } else if (types.includes("object") || types.length === 0) {
      const props = isPlainObject(cur.properties) ? (cur.properties as Record<string, JsonSchema>) : undefined;
      const extra = cur.additionalProperties;
      if (props && Object.hasOwn(props, seg)) next = props[seg];
      else if (isPlainObject(extra)) next = extra as JsonSchema;
      else if (extra === true || !props) next = {};
      else {
        const names = Object.keys(props);
        const guess = nearest(seg, names);
        return {
          problem: `"${pathText(segs)}" is not in ${here ? `"${here}" of ` : ""}${what} (${names.length ? `it has: ${names.slice(0, 12).join(", ")}` : "it has no properties"})${guess ? `. Did you mean "${pathText([...segs.slice(0, i), guess])}"?` : ""}`,
          ...(origin ? { origin } : {}),
        };
      }
    } else if (seg === "length" && (types.includes("array") || types.includes("string"))) {
      next = { type: "integer" };
    } else {
      return {
        problem: `"${pathText(segs)}" reads "${seg}" of ${here ? `"${here}"` : what}, which is ${kindWords(types)}`,
        ...(origin ? { origin } : {}),
      };
    }
    cur = next ?? {};
    if (typeof cur[ORIGIN] === "string") origin = cur[ORIGIN] as SchemaOrigin;
  }
  return { schema: cur, ...(origin ? { origin } : {}) };
}

/** How sure a problem found in a part of this origin is. */
function severityOf(origin: SchemaOrigin | undefined): "error" | "warning" {
  return origin === "test" || origin === "run" ? "warning" : "error";
}

/** The problems of the bindings of a project's UI objects. */
/** What a binding reads: its schema (at its path) and in words, or the problem met; undefined: unchecked. */
export type Resolved = { schema: JsonSchema; what: string } | { issue: Omit<BindingIssue, "id" | "prop"> } | undefined;

/** How bindings are read at a place of a project: what the checks and the Studio's binding picker both need. */
export interface BindingResolver<N extends Node> {
  /** The ancestors of an object, nearest first. */
  ancestors(n: N): N[];
  /** The ids of the actions that ran before `holder` in its chain. */
  earlierActions(holder: N): Set<string>;
  /** A binding's schema at its path, read from `holder`, or its problem. */
  resolve(b: Record<string, unknown>, holder: N): Resolved;
}

/** The binding resolver of a project: targets looked up in it, schemas asked of `schemas`. */
export function bindingResolver<N extends Node>(p: RefProject<N>, schemas: SchemaProvider): BindingResolver<N> {
  const { view } = p;

  const ancestors = (n: N): N[] => {
    const list: N[] = [];
    for (let c = view.parentOf(n); c; c = view.parentOf(c)) list.push(c);
    return list;
  };

  /** The actions that ran before `holder` in its chain (ancestors, earlier siblings and their then-actions). */
  const earlierActions = (holder: N): Set<string> => {
    const out = new Set<string>();
    const addThen = (n: N) => {
      for (const c of view.childrenOf(n)) {
        if (c.type !== "Action") continue; // OnError and Else may not run
        out.add(c.id);
        addThen(c);
      }
    };
    let cur = holder;
    for (let par = view.parentOf(cur); par; cur = par, par = view.parentOf(par)) {
      if (par.type === "Action") out.add(par.id);
      if (par.props.parallel !== true) {
        for (const s of view.childrenOf(par)) {
          if (s.id === cur.id) break;
          if (s.type !== "Action") continue;
          out.add(s.id);
          addThen(s);
        }
      }
      if (par.type === "Event" || par.type === "SharedAction") break;
    }
    return out;
  };

  /** A binding's target schema (before its path), or the problem with its target; undefined: unchecked. */
  const targetOf = (b: Record<string, unknown>, holder: N, depth: number): Resolved => {
    if (depth > 8) return undefined;
    switch (b.source) {
      case "sequence": {
        const project = typeof b.project === "string" && b.project !== "" ? b.project : p.name;
        const name = String(b.sequence);
        const info = schemas.sequence(project, name);
        if (!info)
          return {
            issue: {
              rule: "target",
              severity: "error",
              message: `there is no sequence "${name}" in project ${project}`,
            },
          };
        if (!info.schema) {
          return {
            issue: {
              rule: "schema",
              severity: "info",
              message: `${name} has no output schema: declare one or add a test case`,
            },
          };
        }
        return { schema: info.schema, what: `the output of sequence ${name}` };
      }
      case "view": {
        const r = schemas.view(p.name, String(b.connector), String(b.view));
        if ("missing" in r) {
          return {
            issue: {
              rule: "target",
              severity: "error",
              message:
                r.missing === "connector"
                  ? `there is no connector "${String(b.connector)}" in project ${p.name}`
                  : `there is no view "${String(b.view)}" in connector ${String(b.connector)}`,
            },
          };
        }
        return { schema: r.schema, what: `the answer of FullSync ${String(b.view)}` };
      }
      case "doc": {
        const s = schemas.doc(p.name, String(b.connector));
        if (!s)
          return {
            issue: {
              rule: "target",
              severity: "error",
              message: `there is no connector "${String(b.connector)}" in project ${p.name}`,
            },
          };
        return { schema: s, what: `the documents of FullSync ${String(b.connector)}` };
      }
      case "item": {
        const d = view.get(String(b.directive));
        if (!d || (d.type !== "Directive" && !(d.type === "Action" && d.props.action === "Iterate"))) {
          return {
            issue: {
              rule: "target",
              severity: "error",
              message: `there is no ForEach directive or Iterate action "${String(b.directive)}"`,
            },
          };
        }
        if (!ancestors(holder).some((a) => a.id === d.id)) {
          return {
            issue: {
              rule: "item",
              severity: "error",
              message: `"item" of ${d.name} is read outside it: only what is inside ${d.name} sees its item`,
            },
          };
        }
        const items =
          d.type === "Directive" ? d.props.items : isPlainObject(d.props.inputs) ? d.props.inputs.items : undefined;
        const list = isPlainObject(items) ? resolve(items, d, depth + 1) : undefined;
        if (!list || "issue" in list) return undefined;
        const itemSchema = isPlainObject(list.schema.items) ? (list.schema.items as JsonSchema) : {};
        const origin = (itemSchema[ORIGIN] ?? list.schema[ORIGIN]) as SchemaOrigin | undefined;
        return { schema: origin ? { ...itemSchema, [ORIGIN]: origin } : itemSchema, what: `an item of ${d.name}` };
      }
      case "action": {
        const a = view.get(String(b.action));
        if (!a || a.type !== "Action")
          return { issue: { rule: "target", severity: "error", message: `there is no action "${String(b.action)}"` } };
        if (!earlierActions(holder).has(a.id)) {
          return {
            issue: {
              rule: "action",
              severity: "error",
              message: `the output of ${a.name} is read where ${a.name} has not run: an action source names an action earlier in the same chain`,
            },
          };
        }
        return actionOutput(a);
      }
      case "event": {
        if (![holder, ...ancestors(holder)].some((a) => a.type === "Event")) {
          return {
            issue: {
              rule: "event",
              severity: "error",
              message: "the event source is read outside an Event: only the actions of an Event see its payload",
            },
          };
        }
        return undefined;
      }
      case "state": {
        const name = String(b.name);
        for (const anc of [holder, ...ancestors(holder)]) {
          const s = childrenNamed(p, anc, "State", name);
          if (s) {
            const schema = isPlainObject(s.props.schema) ? s.props.schema : {};
            return { schema: { ...schema, [ORIGIN]: "declared" }, what: `state ${name}` };
          }
        }
        return {
          issue: {
            rule: "target",
            severity: "error",
            message: `there is no state "${name}" on this page or the application`,
          },
        };
      }
      default:
        return undefined;
    }
  };

  /** What an Action answers, when the catalogue says where from. */
  const actionOutput = (a: N): Resolved => {
    const def = typeof a.props.action === "string" ? actionByName(a.props.action) : undefined;
    const inputs = isPlainObject(a.props.inputs) ? a.props.inputs : {};
    if (!def) return undefined;
    const what = `the output of ${a.name}`;
    switch (def.output.from) {
      case "fixed":
        return def.output.schema
          ? { schema: { ...(def.output.schema as JsonSchema), [ORIGIN]: "static" }, what }
          : undefined;
      case "sequence": {
        if (typeof inputs.sequence !== "string") return undefined;
        const project = typeof inputs.project === "string" && inputs.project ? inputs.project : p.name;
        const s = schemas.sequence(project, inputs.sequence)?.schema;
        return s ? { schema: s, what } : undefined;
      }
      case "doc": {
        const s = typeof inputs.connector === "string" ? schemas.doc(p.name, inputs.connector) : undefined;
        return s ? { schema: s, what } : undefined;
      }
      case "view": {
        if (typeof inputs.connector !== "string" || typeof inputs.view !== "string") return undefined;
        const r = schemas.view(p.name, inputs.connector, inputs.view);
        return "schema" in r ? { schema: r.schema, what } : undefined;
      }
      default:
        return undefined;
    }
  };

  /** A binding's schema at its path, or its problem. */
  const resolve = (b: Record<string, unknown>, holder: N, depth = 0): Resolved => {
    const t = targetOf(b, holder, depth);
    if (!t || "issue" in t) return t;
    const r = walkPath(t.schema, typeof b.path === "string" ? b.path : undefined, t.what);
    if ("problem" in r) return { issue: { rule: "path", severity: severityOf(r.origin), message: r.problem } };
    return { schema: r.origin ? { ...r.schema, [ORIGIN]: r.origin } : r.schema, what: t.what };
  };

  return { ancestors, earlierActions, resolve: (b, holder) => resolve(b, holder) };
}

export function bindingProblems<N extends Node>(
  p: RefProject<N>,
  types: TypeLookup,
  schemas: SchemaProvider,
): BindingIssue[] {
  const { view } = p;
  const out: BindingIssue[] = [];
  const { resolve } = bindingResolver(p, schemas);

  const report = (holder: N, prop: string, where: string, issue: Omit<BindingIssue, "id" | "prop">) =>
    out.push({
      id: holder.id,
      prop,
      rule: issue.rule,
      severity: issue.severity,
      message: `${where}: ${issue.message}`,
    });

  /** Checks a binding and the bindings it holds (a view's query, a document's id). */
  const checkBinding = (b: unknown, holder: N, prop: string, where: string): Resolved => {
    if (!isPlainObject(b) || typeof b.source !== "string") return undefined;
    if (isPlainObject(b.query))
      for (const [k, q] of Object.entries(b.query)) checkBinding(q, holder, prop, `${where} › query ${k}`);
    if (b.id !== undefined) checkBinding(b.id, holder, prop, `${where} › id`);
    const r = resolve(b, holder);
    if (r && "issue" in r) report(holder, prop, where, r.issue);
    return r;
  };

  const visit = (n: N) => {
    const t = types(n.type);
    const cat = view.categoryOf(n.type);
    if (t && cat !== "sequence" && cat !== "transaction" && cat !== "step") {
      for (const def of t.props) {
        const v = n.props[def.name];
        if (v === undefined) continue;
        if (def.kind === "binding") {
          const r = checkBinding(v, n, def.name, def.label);
          if (
            n.type === "Directive" &&
            def.name === "items" &&
            (n.props.kind ?? "ForEach") === "ForEach" &&
            r &&
            !("issue" in r)
          ) {
            const types = typesOf(r.schema);
            if (types.length && !types.includes("array")) {
              report(n, def.name, def.label, {
                rule: "items",
                severity: severityOf(r.schema[ORIGIN] as SchemaOrigin | undefined),
                message: `a ForEach repeats over a list, and ${r.what}${typeof (v as { path?: unknown }).path === "string" ? ` at "${(v as { path: string }).path}"` : ""} is ${kindWords(types)}`,
              });
            }
          }
          if (n.type === "Directive" && def.name === "condition" && n.props.kind === "If") {
            conditionNote(n, def.name, def.label, v, r);
          }
        } else if (def.kind === "bindings" && isPlainObject(v)) {
          for (const [k, b] of Object.entries(v)) {
            // An action's input of kind bindings (a Call Sequence's variables): a map one level down.
            if (isPlainObject(b) && !("source" in b) && !("script" in b)) {
              for (const [k2, b2] of Object.entries(b)) checkBinding(b2, n, def.name, `${def.label} › ${k} › ${k2}`);
            } else {
              const r = checkBinding(b, n, def.name, `${def.label} › ${k}`);
              if (n.type === "Action" && n.props.action === "If" && k === "condition") {
                conditionNote(n, def.name, `${def.label} › ${k}`, b, r);
              }
            }
          }
        }
      }
      if (n.type === "Action" && n.props.action === "CallSequence") callSequenceProblems(n);
    }
    for (const c of view.childrenOf(n)) visit(c);
  };

  /** A condition that is always an object or a list (true whenever set): a warning. */
  const conditionNote = (n: N, prop: string, where: string, v: unknown, r: Resolved) => {
    if (!r || "issue" in r) return;
    const types = typesOf(r.schema);
    if (!types.length || types.some((t) => t !== "object" && t !== "array")) return;
    const path = isPlainObject(v) && typeof v.path === "string" ? ` at "${v.path}"` : "";
    report(n, prop, where, {
      rule: "condition",
      severity: "warning",
      message: `${r.what}${path} is ${kindWords(types)}, true whenever it is there: test one of its values`,
    });
  };

  const callSequenceProblems = (n: N) => {
    const inputs = isPlainObject(n.props.inputs) ? n.props.inputs : {};
    if (typeof inputs.sequence !== "string" || inputs.sequence === "") return;
    const project = typeof inputs.project === "string" && inputs.project ? inputs.project : p.name;
    const info = schemas.sequence(project, inputs.sequence);
    const where = "Inputs › sequence";
    if (!info) {
      report(n, "inputs", where, {
        rule: "target",
        severity: "error",
        message: `there is no sequence "${inputs.sequence}" in project ${project}`,
      });
      return;
    }
    if (info.private) {
      report(n, "inputs", where, {
        rule: "call",
        severity: "error",
        message: `sequence ${inputs.sequence} is Private: an app cannot call it (make it Public or Hidden)`,
      });
    }
    const given = isPlainObject(inputs.variables) ? inputs.variables : {};
    // Variables given by one script or source: their names are only known at run time.
    if (typeof given.source === "string" || (typeof given.script === "string" && Object.keys(given).length === 1))
      return;
    const names = info.variables.map((v) => v.name);
    for (const k of Object.keys(given)) {
      if (names.includes(k)) continue;
      const guess = nearest(k, names);
      report(n, "inputs", `Inputs › variables › ${k}`, {
        rule: "call",
        severity: "error",
        message: `sequence ${inputs.sequence} has no variable "${k}" (${names.length ? `it has: ${names.join(", ")}` : "it has none"})${guess ? `. Did you mean "${guess}"?` : ""}`,
      });
    }
    for (const v of info.variables) {
      if (!v.required || Object.hasOwn(given, v.name)) continue;
      report(n, "inputs", "Inputs › variables", {
        rule: "call",
        severity: "error",
        message: `variable "${v.name}" of sequence ${inputs.sequence} is required: give it a value`,
      });
    }
  };

  visit(p.root);
  return out;
}
