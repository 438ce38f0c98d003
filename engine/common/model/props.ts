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
  | "reference"; // names another object: what and where say `refers` and `qualifiedBy` (references.ts)

/** What a "reference" property names. */
export type RefersTo = "project" | "connector" | "transaction" | "sequence" | "step";

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
  language?: "sql";
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
