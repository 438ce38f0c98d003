import { parsePath } from "./json-path.ts";
import type { ObjNode } from "./node.ts";

/**
 * The kinds of property an object type can declare. The Studio picks an editor from the kind,
 * the file format stores the value as JSON, validation checks the value against the kind.
 */
export type PropKind =
  | "string" // one line of text
  | "text" // several lines of text
  | "integer"
  | "number"
  | "boolean"
  | "enum" // one of `values`
  | "expression" // a JavaScript expression, evaluated at run time
  | "code" // JavaScript statements
  | "json" // any JSON value
  | "source" // { step: <id of an earlier step>, path: <JSON path into its output> }
  | "keyValue" // { [name]: string }
  | "stringList" // string[]
  | "reference" // names another object: what and where say `refers` and `qualifiedBy` (references.ts)
  | "binding" // one Binding of the UI builder: a plain value, { script } or { source, ... } (see Binding)
  | "bindings"; // { [name]: Binding } (a component's or an action's inputs)

/** What a "reference" property names. */
export type RefersTo =
  "project" | "connector" | "transaction" | "sequence" | "step" | "page" | "sharedComponent" | "sharedAction" | "state";

/**
 * Where a reference's target is looked up: the sibling properties that name its project and, for
 * a transaction, its connector. A value is a bare name (a step's: its id); an empty or absent
 * qualifier means the referencing object's own project, and that project's default connector.
 */
export interface ReferenceQualifiers {
  /** The property naming the target's project. */
  project?: string;
  /** The property naming the connector of the target transaction. */
  connector?: string;
}

/**
 * What the Studio says when a reference's target does not exist (reference-rules.ts,
 * `danglingReferences` and `danglingMessage`; the Problems view).
 */
export interface MissingTarget {
  /** "error" when the object cannot work without its target; default "warning". */
  severity?: "error" | "warning";
  /**
   * Sentences saying how to get the target, said after the message. `{prop}` is the value of
   * that property of the referencing object; a sentence naming an empty property is left out.
   */
  hint?: readonly string[];
}

export interface PropDef {
  name: string;
  label: string;
  kind: PropKind;
  help: string;
  default?: unknown;
  /** Allowed values, for kind "enum". */
  values?: readonly string[];
  required?: boolean;
  min?: number;
  max?: number;
  /** A regular expression the whole string value must match (kind string). */
  pattern?: string;
  /** What kind of object a "reference" names. */
  refers?: RefersTo;
  /** For a "reference": the sibling properties saying where its target is (none: this project). */
  qualifiedBy?: ReferenceQualifiers;
  /** For a "reference": what a missing target means (default: a warning, no hint). */
  missing?: MissingTarget;
  /**
   * For a "bindings" property whose entries an action of the actions catalogue describes
   * (engine/common/ui/actions.ts): the sibling property naming that action. Its inputs of kind
   * reference (a Call Sequence's sequence, a Navigate's page...) are references (reference-rules.ts).
   */
  entriesOf?: { catalogue: "actions"; prop: string };
  /** Groups properties in the Studio's panel. */
  group?: string;
  /**
   * For code and expression properties: how the text runs, when not as the kind says (code:
   * statements, expression: one expression). A function given as text (a view's map) is "expression".
   */
  js?: "statements" | "expression";
  /**
   * The property names variables of its object's sequence or transaction, so renaming a variable
   * updates it (references.ts): "keys", the keys of its object value (a test case's inputs);
   * "template", `{name}` and `{+name}` placeholders in its text or its values (a path template).
   */
  variableNames?: "keys" | "template";
  /**
   * For a "text" property holding code of another language than JavaScript: the Studio edits it
   * in its code editor with that language's highlighting (and, for SQL, completion of the
   * connector's tables and columns).
   */
  language?: "sql" | "css";
  /** Extra check, run after the kind's own; returns a message when the value is wrong. */
  check?: (value: unknown, node: ObjNode) => string | undefined;
}

/** A source: the output of an earlier step (by id) and a JSON path into it. */
export interface SourceRef {
  step: string;
  path?: string;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * A value of the UI builder (kind "binding"): a plain JSON scalar, a JavaScript expression, or a
 * source read at run time, naming what it reads by name (sequences, connectors, views, states,
 * inputs) or by id (a directive, a form container, an earlier action). Structured so that
 * references (reference-rules.ts) find, check and rename what bindings name.
 */
export type Binding =
  | string
  | number
  | boolean
  | null
  | { script: string }
  | { source: "sequence"; sequence: string; project?: string; path?: string }
  | { source: "view"; connector: string; view: string; query?: Record<string, Binding>; live?: boolean; path?: string }
  | { source: "doc"; connector: string; id: Binding; live?: boolean; path?: string }
  | { source: "item"; directive: string; path?: string }
  | { source: "form"; form: string; field?: string }
  | { source: "state"; name: string; path?: string }
  | { source: "action"; action: string; path?: string }
  | { source: "input"; name: string; path?: string }
  | { source: "event"; path?: string }
  | { source: "sync"; connector: string; field: "state" | "pending" | "conflicts" | "denied" | "lastSync" }
  | { source: "app"; field: "online" | "user" };

/**
 * What a field of a source holds: "name" and "id" a non-empty text naming an object (by name, by
 * id), "path" a JSON path (json-path.ts), "boolean", "binding" a nested Binding, "bindings" a map
 * of them, a list the allowed texts.
 */
export type BindingField = "name" | "id" | "path" | "boolean" | "binding" | "bindings" | readonly string[];

/** The sources of bindings: the fields each needs, then those it may have (in this order). */
export const BINDING_SOURCES = {
  sequence: { needs: { sequence: "name" }, may: { project: "name", path: "path" } },
  view: { needs: { connector: "name", view: "name" }, may: { query: "bindings", live: "boolean", path: "path" } },
  doc: { needs: { connector: "name", id: "binding" }, may: { live: "boolean", path: "path" } },
  item: { needs: { directive: "id" }, may: { path: "path" } },
  form: { needs: { form: "id" }, may: { field: "name" } },
  state: { needs: { name: "name" }, may: { path: "path" } },
  action: { needs: { action: "id" }, may: { path: "path" } },
  input: { needs: { name: "name" }, may: { path: "path" } },
  event: { needs: {}, may: { path: "path" } },
  sync: { needs: { connector: "name", field: ["state", "pending", "conflicts", "denied", "lastSync"] }, may: {} },
  app: { needs: { field: ["online", "user"] }, may: {} },
} as const satisfies Record<
  string,
  { needs: Readonly<Record<string, BindingField>>; may: Readonly<Record<string, BindingField>> }
>;

export type BindingSource = keyof typeof BINDING_SOURCES;

function sourceSpec(
  source: unknown,
): { needs: Record<string, BindingField>; may: Record<string, BindingField> } | undefined {
  return typeof source === "string" && Object.hasOwn(BINDING_SOURCES, source)
    ? BINDING_SOURCES[source as BindingSource]
    : undefined;
}

function words(list: readonly string[]): string {
  return list.length <= 1 ? (list[0] ?? "") : `${list.slice(0, -1).join(", ")} and ${list.at(-1)}`;
}

/**
 * What is wrong with a binding's structure, or undefined: `where` starts the message (the
 * property's label, and the entry or the nested field). Targets are not looked up here (the
 * reference rules do), nor is a path checked against what its target answers.
 */
export function bindingProblem(v: unknown, where: string): string | undefined {
  if (v === null || typeof v === "string" || typeof v === "boolean") return undefined;
  if (typeof v === "number") return Number.isFinite(v) ? undefined : `${where} must be a finite number`;
  if (!isPlainObject(v)) {
    return `${where} must be a plain value (text, number, true/false, null), { script } or { source, ... }`;
  }
  if ("script" in v && "source" in v) return `${where} is either { script } or { source, ... }, not both`;
  if ("script" in v) {
    if (typeof v.script !== "string" || v.script.trim() === "")
      return `${where}: script must be a JavaScript expression`;
    const extra = Object.keys(v).filter((k) => k !== "script");
    return extra.length ? `${where}: a script binding has no ${words(extra.map((k) => `"${k}"`))}` : undefined;
  }
  if (!("source" in v)) return `${where} must be a plain value, { script } or { source, ... } (an object has neither)`;
  const spec = sourceSpec(v.source);
  if (!spec) {
    return `${where}: unknown source ${JSON.stringify(v.source)} (one of: ${Object.keys(BINDING_SOURCES).join(", ")})`;
  }
  const source = v.source as string;
  const missing = Object.keys(spec.needs).filter((k) => v[k] === undefined || v[k] === null || v[k] === "");
  if (missing.length) return `${where}: source "${source}" needs ${words(missing)}`;
  const fields = { ...spec.needs, ...spec.may };
  const unknown = Object.keys(v).filter((k) => k !== "source" && !Object.hasOwn(fields, k));
  if (unknown.length) {
    const takes = Object.keys(fields);
    return `${where}: source "${source}" has no ${words(unknown.map((k) => `"${k}"`))} (${takes.length ? `it takes ${words(takes)}` : "it takes nothing else"})`;
  }
  for (const [k, kind] of Object.entries(fields)) {
    const x = v[k];
    if (x === undefined) continue;
    const field = `${where}: ${k} of source "${source}"`;
    if (Array.isArray(kind)) {
      if (typeof x !== "string" || !kind.includes(x)) return `${field} must be one of: ${kind.join(", ")}`;
      continue;
    }
    switch (kind) {
      case "name":
      case "id":
        if (typeof x !== "string" || x.trim() === "")
          return `${field} must be ${kind === "id" ? "an object's id" : "a name"}`;
        if (source === "view" && k === "view" && !/^[^/]+\/[^/]+$/.test(x)) {
          return `${field} must be design/view (e.g. orders/byUser)`;
        }
        break;
      case "path":
        if (typeof x !== "string") return `${field} must be a path such as rows[0].doc`;
        try {
          parsePath(x);
        } catch (e) {
          return `${field}: ${(e as Error).message}`;
        }
        break;
      case "boolean":
        if (typeof x !== "boolean") return `${field} must be true or false`;
        break;
      case "binding": {
        const inner = bindingProblem(x, `${where}: ${k}`);
        if (inner) return inner;
        break;
      }
      case "bindings": {
        const inner = bindingsProblem(x, `${where}: ${k}`);
        if (inner) return inner;
        break;
      }
    }
  }
  return undefined;
}

/**
 * What is wrong with an action's inputs (kind "bindings" with `entriesOf`), or undefined: each a
 * binding, or, for the catalogue's `bindings` and `stringList` inputs (a Call Sequence's variables,
 * an Alert's buttons), a map of bindings or a list of texts (the catalogue's check says which).
 */
function catalogueInputsProblem(v: Record<string, unknown>, where: string): string | undefined {
  for (const [k, b] of Object.entries(v)) {
    if (Array.isArray(b) && b.every((x) => typeof x === "string")) continue;
    const p =
      isPlainObject(b) && !("script" in b) && !("source" in b)
        ? bindingsProblem(b, `${where} "${k}"`)
        : bindingProblem(b, `${where} "${k}"`);
    if (p) return p;
  }
  return undefined;
}

/** What is wrong with a map of bindings (kind "bindings"), or undefined. */
export function bindingsProblem(v: unknown, where: string): string | undefined {
  if (!isPlainObject(v)) return `${where} must be a map of names to bindings`;
  for (const [k, b] of Object.entries(v)) {
    const p = bindingProblem(b, `${where} "${k}"`);
    if (p) return p;
  }
  return undefined;
}

/** A name or id a binding holds (a source's field of kind "name" or "id"), found by `bindingNames`. */
export interface BindingName {
  source: BindingSource;
  /** The field of the source ("sequence", "connector", "directive"...). */
  field: string;
  value: string;
  /** Keys from the property's value down to this field (a rename writes there). */
  path: string[];
  /** The source object holding it (for its sibling fields: a sequence's project, a view's connector). */
  binding: Readonly<Record<string, unknown>>;
}

/**
 * The names and ids the bindings of a value hold, nested ones included (a view's query, a
 * document's id), in field order. `many`: the value is a map of bindings (kind "bindings").
 * Values of a wrong shape give what can be read of them.
 */
export function bindingNames(value: unknown, many = false, path: string[] = []): BindingName[] {
  if (many) {
    return isPlainObject(value) ? Object.entries(value).flatMap(([k, b]) => bindingNames(b, false, [...path, k])) : [];
  }
  if (!isPlainObject(value)) return [];
  const spec = sourceSpec(value.source);
  if (!spec) return [];
  const out: BindingName[] = [];
  for (const [k, kind] of Object.entries({ ...spec.needs, ...spec.may })) {
    const x = value[k];
    if (kind === "name" || kind === "id") {
      if (typeof x === "string" && x !== "") {
        out.push({ source: value.source as BindingSource, field: k, value: x, path: [...path, k], binding: value });
      }
    } else if (kind === "binding" || kind === "bindings") {
      out.push(...bindingNames(x, kind === "bindings", [...path, k]));
    }
  }
  return out;
}

/** Checks a value against a property definition; returns a message or undefined when valid. */
export function checkPropValue(def: PropDef, value: unknown, node: ObjNode): string | undefined {
  if (value === undefined || value === null || value === "") {
    return def.required ? `${def.label} is required` : undefined;
  }
  const kindError = checkKind(def, value);
  if (kindError) return kindError;
  return def.check?.(value, node);
}

function checkKind(def: PropDef, v: unknown): string | undefined {
  switch (def.kind) {
    case "string":
    case "text":
    case "expression":
    case "code":
    case "reference":
      if (typeof v !== "string") return `${def.label} must be text`;
      if (def.kind === "string" && v.includes("\n")) return `${def.label} must be a single line`;
      if (def.pattern && !new RegExp(`^(?:${def.pattern})$`).test(v)) {
        return `${def.label} has an invalid format (expected ${def.pattern})`;
      }
      return undefined;
    case "integer":
    case "number": {
      if (typeof v !== "number" || !Number.isFinite(v)) {
        // Settings placeholders are resolved at run time: ${timeout} is a valid number property.
        if (typeof v === "string" && /^\$\{[^}]+\}$/.test(v)) return undefined;
        return `${def.label} must be a number`;
      }
      if (def.kind === "integer" && !Number.isInteger(v)) return `${def.label} must be a whole number`;
      if (def.min !== undefined && v < def.min) return `${def.label} must be at least ${def.min}`;
      if (def.max !== undefined && v > def.max) return `${def.label} must be at most ${def.max}`;
      return undefined;
    }
    case "boolean":
      return typeof v === "boolean" ? undefined : `${def.label} must be true or false`;
    case "enum":
      return typeof v === "string" && def.values?.includes(v)
        ? undefined
        : `${def.label} must be one of: ${(def.values ?? []).join(", ")}`;
    case "json":
      return undefined;
    case "source": {
      if (!isPlainObject(v) || typeof v.step !== "string" || v.step === "") {
        return `${def.label} must name a step: { step: <step id>, path: <path> }`;
      }
      if (v.path !== undefined && typeof v.path !== "string") return `${def.label}: path must be text`;
      return undefined;
    }
    case "keyValue":
      if (!isPlainObject(v)) return `${def.label} must be a map of names to values`;
      for (const [k, val] of Object.entries(v)) {
        if (typeof val !== "string") return `${def.label}: the value of "${k}" must be text`;
      }
      return undefined;
    case "stringList":
      return Array.isArray(v) && v.every((x) => typeof x === "string")
        ? undefined
        : `${def.label} must be a list of text values`;
    case "binding":
      return bindingProblem(v, def.label);
    case "bindings":
      // Entries an action of the catalogue describes may be maps or lists themselves (a Call
      // Sequence's variables, an Alert's buttons): the catalogue's check looks at each.
      if (def.entriesOf && isPlainObject(v)) return catalogueInputsProblem(v, def.label);
      return bindingsProblem(v, def.label);
  }
}

/** True when a value equals the property's default (so the file format can leave it out). */
export function isDefaultValue(def: PropDef | undefined, value: unknown): boolean {
  if (value === undefined) return true;
  if (!def) return false;
  // Without a default, an empty text is "nothing" for text kinds; for JSON values (a variable's
  // default...) an empty string is a value of its own and is kept.
  if (def.default === undefined) return value === null || (value === "" && def.kind !== "json");
  return jsonEqual(def.default, value);
}

/** Structural equality of JSON values. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) =>
      Object.prototype.hasOwnProperty.call(b, k) &&
      jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}
