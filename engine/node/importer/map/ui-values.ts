import type { Binding } from "../../../common/model/props.ts";
import { parsePath } from "../../../common/model/json-path.ts";

/**
 * Convertigo's UI values (`MobileSmartSourceType`, design ui-builder.md §1.3) as Atelier bindings
 * (§4.1, §8 "Values"): `plain:X` a plain value typed by the prop's kind, `script:E` a `{script}`
 * (or a source when E is one of Convertigo's patterns: a sequence's `listen([...])`, an iteration's
 * `item<N>`, the shared object, a literal), `source:{...}` a typed source by its `filter`. What
 * cannot be typed stays a `{script}` with a reason the importer reports.
 */

/** One converted value: the binding, and why a script was kept (reported as a warning). */
export interface ConvertedValue {
  value: Binding;
  /** Set when Convertigo's value stays a script Atelier cannot check. */
  scriptKept?: string;
  /** Names of app States (Global) and page States (Local) the value reads, to declare. */
  states?: { scope: "app" | "page"; name: string }[];
}

/** The kinds a plain value is typed by (catalogue prop kinds, action input kinds). */
export type PlainKind = string | undefined;

/** What the converter needs to know of the project: its Convertigo name, and names of its objects. */
export interface ValueContext {
  /** Whether a Convertigo project name is the imported project's (its references are local). */
  isLocal(project: string): boolean;
  sequenceName(c8o: string): string;
}

/** Splits `mode:value` (plain, script, source); a value without a known mode is plain. */
export function splitSmart(raw: string): { mode: "plain" | "script" | "source"; text: string } {
  const m = /^(plain|script|source):/.exec(raw);
  if (!m) return { mode: "plain", text: raw };
  return { mode: m[1] as "plain" | "script" | "source", text: raw.slice(m[0].length) };
}

/** A plain text typed by the prop's kind: booleans and numbers from their text. */
export function typedPlain(text: string, kind: PlainKind, values?: Record<string, string | null>): Binding {
  if (values && Object.hasOwn(values, text)) {
    const v = values[text];
    return v === null ? null : (v as string);
  }
  if (kind === "boolean") {
    // Convertigo's `values: [false, "inset"]`: the attribute's name stands for true.
    if (text === "true" || text === "false") return text === "true";
    if (text.trim() !== "") return true;
  }
  if (kind === "number") {
    const n = Number(text);
    if (text.trim() !== "" && Number.isFinite(n)) return n;
  }
  return text;
}

/**
 * A JavaScript path tail (`?.a?.b[1]?.c`, `.a`) as a JSON path (`a.b[1].c`); undefined when it is
 * not a plain path (calls, computed keys other than numbers).
 */
export function jsPathToJsonPath(tail: string): string | undefined {
  const t = tail.trim();
  if (t === "") return "";
  if (!/^(?:\??\.[A-Za-z_$][\w$]*|\??\.?\[\d+\])+$/.test(t)) return undefined;
  const p = t.replace(/\?\./g, ".").replace(/\.\[/g, "[").replace(/^\./, "");
  try {
    parsePath(p);
    return p;
  } catch {
    return undefined;
  }
}

const LISTEN_RE = /^listen\(\[\s*'([^']+)'\s*\]\)((?:\??\.?[\w$[\]]+)*)$/;

function withPath<T extends object>(b: T, path: string | undefined): T & { path?: string } {
  return path ? { ...b, path } : b;
}

/** A sequence source from `P.Seq` (and a path), project left out when it is this one. */
function sequenceSource(ref: string, path: string | undefined, ctx: ValueContext): Binding | undefined {
  const dot = ref.indexOf(".");
  if (dot <= 0 || ref.startsWith("fs://")) return undefined;
  const project = ref.slice(0, dot);
  const seq = ref.slice(dot + 1).replace(/#.*$/, "");
  if (seq === "" || seq.includes(".")) return undefined;
  const local = ctx.isLocal(project);
  return withPath(
    {
      source: "sequence" as const,
      sequence: local ? ctx.sequenceName(seq) : seq,
      ...(local ? {} : { project }),
    },
    path,
  );
}

/**
 * Convertigo's generated expressions Atelier reads as sources: `listen(['P.S'])?.a` (a sequence),
 * `item<N>?.a` (a ForEach's item: N is the directive's priority, its Atelier id),
 * `router.sharedObject?.x` / `this.global.x` (an app State), `this.local.x` (a page State),
 * `params.x` / `params<N>.x` (a shared action's input), a quoted literal or a boolean (a plain
 * value). Undefined for anything else.
 */
export function patternOf(expr: string, ctx: ValueContext): ConvertedValue | undefined {
  const e = expr.trim();
  const lit = /^'((?:[^'\\]|\\.)*)'$/.exec(e);
  if (lit) return { value: (lit[1] as string).replace(/\\(.)/g, "$1") };
  if (e === "true" || e === "false") return { value: e === "true" };
  const listen = LISTEN_RE.exec(e);
  if (listen) {
    const path = jsPathToJsonPath(listen[2] ?? "");
    const b = path === undefined ? undefined : sequenceSource(listen[1] as string, path, ctx);
    if (b) return { value: b };
    return undefined;
  }
  const item = /^item(\d+)((?:\??\.?[\w$[\]]+)*)$/.exec(e);
  if (item) {
    const path = jsPathToJsonPath(item[2] ?? "");
    if (path !== undefined) return { value: withPath({ source: "item" as const, directive: item[1] as string }, path) };
  }
  const state = /^(?:this\.)?(?:router\.sharedObject|global)\??\.([A-Za-z_$][\w$]*)((?:\??\.?[\w$[\]]+)*)$/.exec(e);
  if (state) {
    const path = jsPathToJsonPath(state[2] ?? "");
    const name = state[1] as string;
    if (path !== undefined) {
      return { value: withPath({ source: "state" as const, name }, path), states: [{ scope: "app", name }] };
    }
  }
  const local = /^(?:this\.)?local\??\.([A-Za-z_$][\w$]*)((?:\??\.?[\w$[\]]+)*)$/.exec(e);
  if (local) {
    const path = jsPathToJsonPath(local[2] ?? "");
    const name = local[1] as string;
    if (path !== undefined) {
      return { value: withPath({ source: "state" as const, name }, path), states: [{ scope: "page", name }] };
    }
  }
  const input = /^params(?:\d+)?\??\.([A-Za-z_$][\w$]*)((?:\??\.?[\w$[\]]+)*)$/.exec(e);
  if (input) {
    const path = jsPathToJsonPath(input[2] ?? "");
    if (path !== undefined) return { value: withPath({ source: "input" as const, name: input[1] as string }, path) };
  }
  return undefined;
}

/** A `script:` value: a source when it is one of Convertigo's patterns, else kept as a script. */
export function convertScript(expr: string, ctx: ValueContext): ConvertedValue {
  const p = patternOf(expr, ctx);
  if (p) return p;
  return { value: { script: expr }, scriptKept: `script kept as it is: ${short(expr)}` };
}

function short(s: string): string {
  const one = s.replace(/\s+/g, " ").trim();
  return one.length > 80 ? `${one.slice(0, 77)}...` : one;
}

interface SourceJson {
  filter?: string;
  project?: string;
  input?: string;
  model?: {
    data?: Record<string, unknown>[];
    path?: string;
    prefix?: string;
    suffix?: string;
    custom?: string;
    useCustom?: boolean;
  };
}

/**
 * A `source:{...}` value by its filter (design §8): Sequence → sequence, Iteration → item,
 * Global → app State, Local → page State, Shared → input, Action → action, Form → form, Icon →
 * the icon's name; Database and the rest stay a script of Convertigo's expression (reported).
 */
export function convertSource(json: string, ctx: ValueContext): ConvertedValue {
  let s: SourceJson;
  try {
    s = JSON.parse(json) as SourceJson;
  } catch {
    return { value: { script: json }, scriptKept: `source not readable as JSON, kept as a script: ${short(json)}` };
  }
  const m = s.model ?? {};
  const modelPath = typeof m.path === "string" ? m.path : "";
  const input = typeof s.input === "string" ? s.input : "";
  const expr = input !== "" ? input : modelExpression(s);
  const custom = m.useCustom === true || (m.prefix ?? "") !== "" || (m.suffix ?? "") !== "";
  if (custom) {
    const body = m.useCustom && m.custom ? m.custom : `${m.prefix ?? ""}${expr ?? ""}${modelPath}${m.suffix ?? ""}`;
    return {
      value: { script: body },
      scriptKept: `${s.filter} source with a prefix, suffix or custom code kept as a script`,
    };
  }
  const full = expr === undefined ? undefined : `${expr}${modelPath}`;
  if (s.filter === "Icon") {
    const name = (full ?? "").replace(/^'|'$/g, "");
    return { value: name };
  }
  if (s.filter === "Action") {
    const first = m.data?.[0]?.priority;
    const path = jsPathToJsonPath(modelPath.replace(/^\??\.?out/, ""));
    if (first !== undefined && path !== undefined) {
      return { value: withPath({ source: "action" as const, action: String(first) }, path) };
    }
    const stack = /^stack\['(\d+)'\]\.out((?:\??\.?[\w$[\]]+)*)$/.exec(full ?? "");
    const p2 = stack ? jsPathToJsonPath(stack[2] ?? "") : undefined;
    if (stack && p2 !== undefined)
      return { value: withPath({ source: "action" as const, action: stack[1] as string }, p2) };
  }
  if (s.filter === "Form") {
    const f = /^form(\d+)(?:\??\.(?:value\??\.)?([A-Za-z_$][\w$]*))?$/.exec(full ?? "");
    if (f)
      return {
        value: f[2] ? { source: "form", form: f[1] as string, field: f[2] } : { source: "form", form: f[1] as string },
      };
  }
  if (s.filter === "Sequence" && m.data?.[0] && typeof m.data[0].sequence === "string") {
    const path = jsPathToJsonPath(modelPath);
    const b = path === undefined ? undefined : sequenceSource(m.data[0].sequence, path, ctx);
    if (b) return { value: b };
  }
  if (s.filter === "Global" && m.data?.[0] && typeof m.data[0].sharedObject === "string") {
    const g = /^\??\.([A-Za-z_$][\w$]*)((?:\??\.?[\w$[\]]+)*)$/.exec(modelPath);
    const path = g ? jsPathToJsonPath(g[2] ?? "") : undefined;
    if (g && path !== undefined) {
      const name = g[1] as string;
      return { value: withPath({ source: "state" as const, name }, path), states: [{ scope: "app", name }] };
    }
  }
  if (full !== undefined && full.trim() !== "") {
    const p = patternOf(full, ctx);
    if (p) return p;
    return { value: { script: full }, scriptKept: `${s.filter ?? "unknown"} source kept as a script: ${short(full)}` };
  }
  return {
    value: { script: json },
    scriptKept: `${s.filter ?? "unknown"} source not understood, kept as written: ${short(json)}`,
  };
}

/** The expression an ngx source's model stands for, when its data says it simply. */
function modelExpression(s: SourceJson): string | undefined {
  const d = s.model?.data?.[0];
  if (!d) return undefined;
  if (typeof d.sequence === "string") return `listen(['${d.sequence}'])`;
  if (typeof d.sharedObject === "string") return d.sharedObject;
  return undefined;
}

/** Any Convertigo UI value (`plain:`, `script:`, `source:`), plain values typed by `kind`. */
export function convertSmart(
  raw: string,
  kind: PlainKind,
  ctx: ValueContext,
  values?: Record<string, string | null>,
): ConvertedValue {
  const { mode, text } = splitSmart(raw);
  if (mode === "plain") return { value: typedPlain(text, kind, values) };
  if (mode === "script") {
    const c = convertScript(text, ctx);
    // A literal stands for a plain value: type it as one.
    if (typeof c.value === "string" && !c.states) return { value: typedPlain(c.value, kind, values) };
    return c;
  }
  return convertSource(text, ctx);
}
