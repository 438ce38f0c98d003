/**
 * Evaluating a Binding (design §4.1; the type is engine/common/model/props.ts's): a plain value as
 * it is, `{script}` a JavaScript expression over the scope's names, `{source, ...}` a value read
 * from where the source says, then the part its `path` names (engine/common/model/json-path.ts).
 *
 * Evaluation never throws: a wrong binding (unknown state, script syntax error, bad path) answers
 * `{ error }`, which the interpreter reports and shows as nothing, and the chain runner turns into
 * a failure of the action (its OnError runs). Data read asynchronously (a view, a document) answers
 * `{ pending: true }` until it has loaded; `evaluateAsync` waits for it (the chain runner's way).
 *
 * Scripts: compiled by a `ScriptCompiler`. The default one, `functionCompiler`, uses `new Function`
 * (the Studio preview's path: its sandboxed iframe allows it); a generated app is built without
 * eval (CSP, §7.4) and passes a compiler answering its compiled-in functions instead.
 */
import { getPath } from "../engine/common/model/json-path.ts";
import type { Binding } from "../engine/common/model/props.ts";
import type { SyncStatus } from "./services.ts";

/** A read of asynchronous data: its value, an error, or still loading. */
export interface Read {
  value?: unknown;
  error?: string;
  pending?: boolean;
}

/** Where `sequence`, `view`, `doc` and `sync` sources read (data.ts's DataStore). */
export interface DataReader {
  /** The last output of a Call Sequence of this sequence (undefined before any). */
  sequence(sequence: string, project?: string): unknown;
  view(connector: string, view: string, query: Record<string, unknown>, live: boolean): Read;
  doc(connector: string, id: string, live: boolean): Read;
  sync(connector: string): SyncStatus;
  /** Resolves when no read is loading any more. */
  settled(): Promise<void>;
}

/** What the `app` source and `app` in scripts read. */
export interface AppInfo {
  online: boolean;
  /** The logged-in user (the app's user State), or null. */
  user: unknown;
}

/** A compiled script: called with the values of the names it was compiled over, in order. */
export type CompiledScript = (...values: unknown[]) => unknown;

/** Turns a script's text into a function of the given names; throws on a syntax error. */
export type ScriptCompiler = (text: string, names: readonly string[]) => CompiledScript;

/**
 * What bindings are evaluated against: where each source reads. Absent parts make the sources
 * reading them fail with a message (an `item` source outside its ForEach, `event` outside an
 * event...).
 */
export interface Scope {
  /** The current items of enclosing ForEach directives and Iterate actions, by their id. */
  items?: Readonly<Record<string, unknown>>;
  /** The innermost item (`item` in scripts). */
  item?: unknown;
  /** More names scripts see: the `itemName` of enclosing ForEach directives. */
  names?: Readonly<Record<string, unknown>>;
  /** A form's values by field name: the container's (by id), or the nearest one's (no id). */
  form?: (container?: string) => Record<string, unknown> | undefined;
  /** The states in reach. */
  state?: { has(name: string): boolean; get(name: string): unknown; values(): Record<string, unknown> };
  /** The inputs of the shared component or shared action being run. */
  input?: Readonly<Record<string, unknown>>;
  /** The event's payload (present, maybe undefined, inside an event's chain). */
  event?: unknown;
  /** The previous action's output (in a chain). */
  out?: unknown;
  /** The outputs of the chain's actions so far, by action id. */
  outputs?: ReadonlyMap<string, unknown>;
  data?: DataReader;
  app?: () => AppInfo;
  /** The FullSync connectors of the project: `sync` in scripts is the first one's status. */
  connectors?: readonly string[];
  /** How scripts are compiled (default: `functionCompiler`). */
  compile?: ScriptCompiler;
}

/** An evaluated binding: its value, or an error, or pending data (the value is then undefined). */
export interface Evaluation {
  value: unknown;
  error?: string;
  pending?: boolean;
}

/** A binding that cannot be evaluated: what the chain runner reports as the failed action's error. */
export class BindingError extends Error {
  readonly code = "binding";
}

/** The names every script sees, in this order (design §4.1). */
export const SCRIPT_NAMES = ["item", "form", "state", "input", "out", "event", "sync", "app"] as const;

/**
 * The preview's compiler: `new Function` over the scope's names, the script as one expression.
 * The only place the runtime evaluates text as code.
 */
export const functionCompiler: ScriptCompiler = (text, names) =>
  new Function(...names, `"use strict";\nreturn (${text}\n);`) as CompiledScript;

const compiled = new WeakMap<ScriptCompiler, Map<string, CompiledScript | Error>>();

/** The compiled script (cached per compiler, names and text), or the Error compiling it threw. */
export function compileScript(
  text: string,
  names: readonly string[],
  compiler: ScriptCompiler = functionCompiler,
): CompiledScript | Error {
  let cache = compiled.get(compiler);
  if (!cache) compiled.set(compiler, (cache = new Map()));
  const key = `${names.join(",")}\n${text}`;
  let fn = cache.get(key);
  if (!fn) {
    try {
      fn = compiler(text, names);
    } catch (e) {
      fn = e instanceof Error ? e : new Error(String(e));
    }
    cache.set(key, fn);
  }
  return fn;
}

const IDENT = /^[A-Za-z_$][\w$]*$/;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const fail = (error: string): Evaluation => ({ value: undefined, error });
const ok = (value: unknown): Evaluation => ({ value });
const PENDING: Evaluation = { value: undefined, pending: true };

/** The part of `value` a path names (no path: all of it). */
function atPath(value: unknown, path: unknown, what: string): Evaluation {
  if (path === undefined || path === "") return ok(value);
  if (typeof path !== "string") return fail(`${what}: the path must be text`);
  try {
    return ok(getPath(value, path));
  } catch (e) {
    return fail(`${what}: ${(e as Error).message}`);
  }
}

/** The `sync` object scripts see: the first connector's status, and each connector's by name. */
function syncObject(scope: Scope): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const data = scope.data;
  const connectors = scope.connectors ?? [];
  if (!data) return out;
  const first = connectors[0];
  if (first !== undefined) {
    for (const field of ["state", "online", "pending", "conflicts", "denied", "lastSync"] as const) {
      Object.defineProperty(out, field, { enumerable: true, get: () => data.sync(first)[field] });
    }
  }
  for (const c of connectors) {
    if (!(c in out)) Object.defineProperty(out, c, { enumerable: true, get: () => data.sync(c) });
  }
  return out;
}

function runScript(text: string, scope: Scope): Evaluation {
  const extra = Object.keys(scope.names ?? {}).filter(
    (n) => IDENT.test(n) && !(SCRIPT_NAMES as readonly string[]).includes(n),
  );
  const names = [...SCRIPT_NAMES, ...extra];
  const fn = compileScript(text, names, scope.compile);
  if (fn instanceof Error) return fail(`Script "${text}": ${fn.message}`);
  const values: unknown[] = [
    scope.item,
    scope.form?.() ?? {},
    scope.state?.values() ?? {},
    scope.input ?? {},
    scope.out,
    scope.event,
    syncObject(scope),
    scope.app?.() ?? { online: true, user: null },
    ...extra.map((n) => scope.names?.[n]),
  ];
  try {
    return ok(fn(...values));
  } catch (e) {
    return fail(`Script "${text}": ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The evaluated entries of a map of bindings (a view's query); the first error or pending wins. */
export function evaluateMap(map: unknown, scope: Scope, what = "bindings"): Evaluation {
  if (map === undefined || map === null) return ok({});
  if (!isObject(map)) return fail(`${what} must be a map of names to values`);
  const out: Record<string, unknown> = {};
  let pending = false;
  for (const [k, b] of Object.entries(map)) {
    const r = evaluate(b, scope);
    if (r.error) return fail(`${k}: ${r.error}`);
    if (r.pending) pending = true;
    if (r.value !== undefined) out[k] = r.value;
  }
  return pending ? PENDING : ok(out);
}

/**
 * Evaluates a binding against a scope. Objects and lists that are no binding (no `script`, no
 * `source`) are taken as literals whose entries are evaluated in turn (a document to post whose
 * fields are bindings).
 */
export function evaluate(binding: Binding | unknown, scope: Scope): Evaluation {
  if (binding === null || typeof binding !== "object") return ok(binding);
  if (Array.isArray(binding)) {
    const out: unknown[] = [];
    let pending = false;
    for (const b of binding) {
      const r = evaluate(b, scope);
      if (r.error) return r;
      if (r.pending) pending = true;
      out.push(r.value);
    }
    return pending ? PENDING : ok(out);
  }
  const b = binding as Record<string, unknown>;
  if (typeof b.script === "string") return runScript(b.script, scope);
  if (!("source" in b)) return evaluateMap(b, scope, "A value");
  const source = b.source;
  switch (source) {
    case "state": {
      const name = String(b.name);
      if (!scope.state?.has(name)) return fail(`There is no state "${name}"`);
      return atPath(scope.state.get(name), b.path, `State ${name}`);
    }
    case "item": {
      const id = String(b.directive);
      if (!scope.items || !Object.hasOwn(scope.items, id))
        return fail(`No item of ${id} here (outside its ForEach or Iterate)`);
      return atPath(scope.items[id], b.path, "Item");
    }
    case "form": {
      const values = scope.form?.(String(b.form));
      if (!values) return fail(`No form ${String(b.form)} here`);
      return typeof b.field === "string" && b.field !== "" ? ok(values[b.field]) : ok(values);
    }
    case "action": {
      const id = String(b.action);
      if (!scope.outputs?.has(id)) return fail(`The action ${id} has not run in this chain`);
      return atPath(scope.outputs.get(id), b.path, "Action output");
    }
    case "input":
      return atPath(scope.input?.[String(b.name)], b.path, `Input ${String(b.name)}`);
    case "event":
      if (!("event" in scope)) return fail("No event here (an event source is read in an event's actions)");
      return atPath(scope.event, b.path, "Event");
    case "app": {
      const app = scope.app?.() ?? { online: true, user: null };
      if (b.field === "online") return ok(app.online);
      if (b.field === "user") return ok(app.user);
      return fail(`The app source has no field ${JSON.stringify(b.field)} (online, user)`);
    }
    case "sync": {
      if (!scope.data) return fail("No FullSync data here");
      const status = scope.data.sync(String(b.connector));
      const field = String(b.field);
      if (!Object.hasOwn(status, field)) return fail(`The sync source has no field "${field}"`);
      return ok(status[field as keyof SyncStatus]);
    }
    case "sequence": {
      if (!scope.data) return fail("No sequence outputs here");
      const project = typeof b.project === "string" && b.project !== "" ? b.project : undefined;
      return atPath(scope.data.sequence(String(b.sequence), project), b.path, `Sequence ${String(b.sequence)}`);
    }
    case "view": {
      if (!scope.data) return fail("No FullSync data here");
      const query = evaluateMap(b.query, scope, "The view's query");
      if (query.error || query.pending) return query;
      const read = scope.data.view(
        String(b.connector),
        String(b.view),
        query.value as Record<string, unknown>,
        b.live === true,
      );
      if (read.error) return fail(`View ${String(b.view)}: ${read.error}`);
      if (read.pending) return PENDING;
      return atPath(read.value, b.path, `View ${String(b.view)}`);
    }
    case "doc": {
      if (!scope.data) return fail("No FullSync data here");
      const id = evaluate(b.id, scope);
      if (id.error || id.pending) return id;
      if (typeof id.value !== "string" || id.value === "") return fail("A document's id must be a non-empty text");
      const read = scope.data.doc(String(b.connector), id.value, b.live === true);
      if (read.error) return fail(`Document ${id.value}: ${read.error}`);
      if (read.pending) return PENDING;
      return atPath(read.value, b.path, `Document ${id.value}`);
    }
    default:
      return fail(`Unknown source ${JSON.stringify(source)}`);
  }
}

/**
 * Evaluates a binding, waiting for asynchronous data; throws a BindingError when it cannot be
 * evaluated. The chain runner's way (an action's inputs).
 */
export async function evaluateAsync(binding: Binding | unknown, scope: Scope): Promise<unknown> {
  // Each round may start reads that depend on the previous ones (a document whose id a view gives).
  for (let round = 0; round < 8; round++) {
    const r = evaluate(binding, scope);
    if (r.error) throw new BindingError(r.error);
    if (!r.pending) return r.value;
    if (!scope.data) break;
    await scope.data.settled();
  }
  throw new BindingError("The data of a binding did not load");
}

/** Whether a value counts as true for an If (anything but false, null, undefined, 0, NaN, ""). */
export function truthy(v: unknown): boolean {
  return Boolean(v);
}

/** A value as the text a component shows: nothing for null/undefined, JSON for objects. */
export function displayText(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "object") {
    try {
      return JSON.stringify(v);
    } catch {
      return String(v);
    }
  }
  return String(v);
}
