/**
 * The URL mapper's small languages, shared by the engine (serving, OpenAPI), the validator and the
 * Studio: path templates (`/orders/{id}`), response conditions (`error.code == not_found`) and
 * header templates (`{redirectUrl}`). Pure functions, no Node, no DOM.
 */

/** One segment of a path template: a literal, or `{name}` (a whole segment). */
export type PathSegment = { literal: string } | { param: string };

export interface PathTemplate {
  /** The template as written, normalized: one leading slash, no trailing slash. */
  text: string;
  segments: PathSegment[];
  params: string[];
}

export class PathTemplateError extends Error {}

const PARAM_NAME = /^[A-Za-z_][\w.-]{0,63}$/;
const LITERAL_SEGMENT = /^[A-Za-z0-9\-._~!$&'()*+,;=:@%]+$/;

/**
 * Reads a path template: segments separated by `/`, each a literal or `{name}`. Throws a
 * PathTemplateError saying what is wrong and where.
 */
export function parsePathTemplate(text: string): PathTemplate {
  const t = text.trim();
  if (t.length > 1000) throw new PathTemplateError("A path is at most 1000 characters");
  if (!t.startsWith("/")) throw new PathTemplateError(`The path "${t}" must start with /`);
  const parts = t.split("/").slice(1);
  if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
  const segments: PathSegment[] = [];
  const params: string[] = [];
  parts.forEach((p, i) => {
    if (p === "" && parts.length === 1) return; // "/" alone
    if (p === "") throw new PathTemplateError(`Empty segment (//) in the path "${t}"`);
    if (p.startsWith("{") && p.endsWith("}")) {
      const name = p.slice(1, -1);
      if (!PARAM_NAME.test(name)) {
        throw new PathTemplateError(
          `"${p}" (segment ${i + 1} of "${t}") is not a parameter name: use letters, digits, _ . -`,
        );
      }
      if (params.includes(name)) throw new PathTemplateError(`The parameter {${name}} appears twice in "${t}"`);
      params.push(name);
      segments.push({ param: name });
      return;
    }
    if (p.includes("{") || p.includes("}")) {
      throw new PathTemplateError(`"${p}" (segment ${i + 1} of "${t}"): a parameter {name} must be a whole segment`);
    }
    if (p === "." || p === "..") throw new PathTemplateError(`"${p}" cannot be a segment of a path`);
    if (!LITERAL_SEGMENT.test(p))
      throw new PathTemplateError(`"${p}" (segment ${i + 1} of "${t}") holds characters a URL path cannot`);
    segments.push({ literal: p });
  });
  return { text: "/" + parts.filter((p) => p !== "").join("/"), segments, params };
}

/** Joins path pieces (a mapper's prefix and a path) into one path: one slash between each. */
export function joinPaths(...pieces: string[]): string {
  const parts = pieces.flatMap((p) => p.split("/")).filter((p) => p !== "");
  return "/" + parts.join("/");
}

/**
 * Matches decoded path segments against a template; answers the parameters' values, or
 * undefined. A segment that does not decode (bad %-escape) never matches a literal.
 */
export function matchPath(template: PathTemplate, segments: readonly string[]): Record<string, string> | undefined {
  if (template.segments.length !== segments.length) return undefined;
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (let i = 0; i < segments.length; i++) {
    const t = template.segments[i]!;
    const s = segments[i]!;
    if ("literal" in t) {
      if (t.literal !== s) return undefined;
    } else {
      if (s === "") return undefined;
      out[t.param] = s;
    }
  }
  return out;
}

/**
 * Orders templates from the most specific: at the first segment where they differ, a literal
 * comes before a parameter (`/orders/new` before `/orders/{id}`). Equal specificity: 0.
 */
export function compareSpecificity(a: PathTemplate, b: PathTemplate): number {
  const n = Math.min(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const la = "literal" in a.segments[i]!;
    const lb = "literal" in b.segments[i]!;
    if (la !== lb) return la ? -1 : 1;
  }
  return a.segments.length - b.segments.length;
}

/** Two templates that match the same URLs (`/a/{x}` and `/a/{y}`): the same shape. */
export function sameShape(a: PathTemplate, b: PathTemplate): boolean {
  if (a.segments.length !== b.segments.length) return false;
  return a.segments.every((s, i) => {
    const o = b.segments[i]!;
    return "literal" in s ? "literal" in o && o.literal === s.literal : "param" in o;
  });
}

// ---------------------------------------------------------------------------------------------
// Paths into a value, conditions, header templates

/** Reads `a.b[0].c` in a JSON value (undefined when absent). */
export function readPath(value: unknown, path: string): unknown {
  let cur: unknown = value;
  const p = path.trim();
  if (p === "" || p === ".") return cur;
  for (const part of p.replace(/\[(\d+)\]/g, ".$1").split(".")) {
    if (part === "") continue;
    if (cur === null || typeof cur !== "object") return undefined;
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(part)) return undefined;
      cur = cur[Number(part)];
    } else {
      if (!Object.prototype.hasOwnProperty.call(cur, part)) return undefined;
      cur = (cur as Record<string, unknown>)[part];
    }
  }
  return cur;
}

export interface Condition {
  path: string;
  op?: "==" | "!=";
  /** Compared as text: `== 404` matches 404 and "404". */
  value?: string;
}

const CONDITION = /^\s*([A-Za-z_$][\w$]*(?:\[\d+\]|\.[A-Za-z_$][\w$]*|\.\d+)*)\s*(?:(==|!=)\s*(.*?))?\s*$/;

/**
 * Reads a response condition: `path` (present, and not false, null, 0 or an empty text or list),
 * or `path == value` / `path != value` (compared as text; quotes around the value are optional).
 */
export function parseCondition(text: string): Condition {
  const m = CONDITION.exec(text);
  if (!m) {
    throw new PathTemplateError(
      `"${text.slice(0, 100)}" is not a condition: write a path into the answer (error, data.items[0].id), optionally followed by == value or != value`,
    );
  }
  const path = m[1]!;
  if (m[2] === undefined) return { path };
  let value = m[3] ?? "";
  if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1);
  return { path, op: m[2] as "==" | "!=", value };
}

function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  return true;
}

/** Does the condition hold on this document (a run's output, or `{error: {...}}` for a failed run)? */
export function conditionHolds(c: Condition, doc: unknown): boolean {
  const v = readPath(doc, c.path);
  if (c.op === undefined) return truthy(v);
  const text = v === undefined || v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
  return c.op === "==" ? text === c.value : text !== c.value;
}

/**
 * Fills a header template: `{path}` is the value at that path of the document (empty when
 * absent), `{{` and `}}` are braces. The result is one line: control characters are removed.
 */
export function fillTemplate(template: string, doc: unknown): string {
  const out = template.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (all, path: string | undefined) => {
    if (all === "{{") return "{";
    if (all === "}}") return "}";
    const v = readPath(doc, path ?? "");
    return v === undefined || v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
  });
  // eslint-disable-next-line no-control-regex
  return out.replace(/[\u0000-\u001f\u007f]/g, "");
}

/** HTTP header names (RFC 9110 tokens). */
export const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,256}$/;
