/**
 * Running a chain of actions (design §5): the same code in the Studio's preview and in a built app.
 *
 * - An Event's actions run in order (`parallel: true` on the Event: together).
 * - An Action's child actions run after it succeeds, in order (`parallel: true`: together, as
 *   Convertigo did); each sees the previous action's output as `out`.
 * - The first failure stops the chain: the nearest OnError up from the failed action runs (its
 *   actions see `out` = the error, `{code, message}`), then the chain ends. A failure in an OnError
 *   branch goes on up to the next OnError.
 * - If: its actions when the condition holds (`negate`: when it does not), else its Else branch,
 *   else nothing; the chain goes on after it either way.
 * - Iterate: its actions once per item (an `item` source naming the Iterate reads it).
 * - Each action's output is kept under its id (`action` sources); a failed action's is its error.
 * - The abort signal (the page was left) stops the chain before the next action and interrupts the
 *   one running; no OnError runs for it.
 * - `trace` hears every action: its id, name, catalogue action, time, output or error.
 *
 * Actions are looked up in `actionRegistry` by their catalogue name (engine/common/ui/actions.ts);
 * a context may add or replace some (`ChainContext.actions`).
 */
import type { ActionInput } from "../engine/common/ui/actions.ts";
import { evaluateAsync, truthy, type Scope } from "./bindings.ts";
import { actionEntry, type UiModel, type UiNode } from "./model.ts";
import type { AppServices, CallSequenceRequest, CachePolicy, FullSyncSource, PostOptions } from "./services.ts";
import type { StateScope } from "./state.ts";

/** What an OnError branch sees as `out`, and the trace shows. */
export interface ChainError {
  code: string;
  message: string;
  /** The HTTP status, when the engine answered. */
  status?: number;
}

export interface TraceEntry {
  /** The Action's id and name, and its catalogue action. */
  id: string;
  name: string;
  action: string;
  status: "ok" | "error" | "aborted";
  ms: number;
  output?: unknown;
  error?: ChainError;
}

export interface NavigateRequest {
  page?: string;
  params: Record<string, unknown>;
  mode: "push" | "root" | "back";
}

export interface ToastRequest {
  message: string;
  header?: string;
  duration: number;
  color?: string;
  position: "top" | "middle" | "bottom";
}

export interface AlertRequest {
  header?: string;
  message: string;
  buttons: string[];
}

/** What actions show: the app gives Ionic's overlays, tests and the preview their own. */
export interface ChainUi {
  toast(request: ToastRequest): Promise<void> | void;
  /** Answers the text of the button pressed, or null when dismissed. */
  alert(request: AlertRequest): Promise<string | null>;
  /** Shows a loading indicator; answers how to hide it. */
  loading(): () => void;
}

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface CustomActionContext {
  signal: AbortSignal;
  services: AppServices;
  out: unknown;
  event: unknown;
  state?: StateScope;
}

/** A function of `app/src/custom/actions.ts` (Custom action): its inputs in, its output out. */
export type CustomAction = (inputs: Record<string, unknown>, context: CustomActionContext) => unknown;

export interface ChainContext {
  model: UiModel;
  services: AppServices;
  /** What bindings read (item, form, states, inputs, event, data...); `out` and `outputs` are the runner's. */
  scope: Scope;
  /** The states SetState writes. */
  state?: StateScope;
  /** Told each Call Sequence's output (`sequence` sources read it). */
  data?: { setSequenceOutput(sequence: string, project: string | undefined, output: unknown): void };
  navigate?(request: NavigateRequest): void | Promise<void>;
  ui?: Partial<ChainUi>;
  log?(level: LogLevel, message: string): void;
  /** Fires an event of the enclosing shared component (Emit). */
  emit?(event: string, payload: unknown): void | Promise<void>;
  /** Custom actions by function name. */
  custom?: Readonly<Record<string, CustomAction>>;
  /** Actions added to or replacing the registry's, by catalogue name. */
  actions?: Readonly<Record<string, ActionImpl>>;
  signal?: AbortSignal;
  trace?(entry: TraceEntry): void;
  /** How long a Call Sequence lasts before its loading indicator shows (default 300 ms). */
  loadingDelayMs?: number;
}

/** One action being run, as its implementation sees it. */
export interface ActionRun {
  node: UiNode;
  /** Its inputs, evaluated, with the catalogue's defaults. */
  inputs: Record<string, unknown>;
  ctx: ChainContext;
  /** The scope it was evaluated in (`out`: the previous action's output). */
  scope: Scope;
  signal: AbortSignal;
  /** Runs action nodes (the Action ones of `nodes`), in order or together; answers the last output. */
  runActions(
    nodes: readonly UiNode[],
    options?: { out?: unknown; parallel?: boolean; scope?: Partial<Scope> },
  ): Promise<unknown>;
  /** Runs a shared action with inputs; answers its output. */
  invoke(shared: UiNode, inputs: Record<string, unknown>): Promise<unknown>;
}

export interface ActionImpl {
  /** Does the action's own work; its output. Throwing fails the action. */
  run(r: ActionRun): Promise<unknown> | unknown;
  /**
   * Runs what comes after it (default: its child actions with `out` = output); answers its final
   * output (Iterate: the children's outputs).
   */
  then?(r: ActionRun, output: unknown): Promise<unknown>;
}

export type ChainResult =
  | { status: "done"; output: unknown; outputs: Map<string, unknown> }
  | { status: "failed"; error: ChainError; handled: boolean; outputs: Map<string, unknown> }
  | { status: "aborted"; outputs: Map<string, unknown> };

/** An action failed and no OnError took it (yet): goes up the tree. */
class ChainFailure extends Error {
  constructor(readonly error: ChainError) {
    super(error.message);
  }
}

/** An OnError ran: the chain ends. */
class HandledFailure extends Error {
  constructor(readonly error: ChainError) {
    super(error.message);
  }
}

class ChainAborted extends Error {
  constructor() {
    super("The chain was aborted");
  }
}

/** An error an action throws with its own code (unknown action, missing input...). */
export class ActionError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Any thrown value as a ChainError: a CallError as it is, an Error's message, a text. */
export function toChainError(e: unknown): ChainError {
  if (e instanceof ChainFailure || e instanceof HandledFailure) return e.error;
  if (typeof e === "object" && e !== null) {
    const o = e as { code?: unknown; message?: unknown; status?: unknown; name?: unknown };
    if (typeof o.message === "string") {
      const code = typeof o.code === "string" && o.code !== "" ? o.code : "error";
      const out: ChainError = { code, message: o.message };
      if (typeof o.status === "number") out.status = o.status;
      return out;
    }
  }
  return { code: "error", message: typeof e === "string" ? e : (JSON.stringify(e) ?? String(e)) };
}

const now = (): number => (typeof performance !== "undefined" ? performance.now() : Date.now());
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function checkAbort(signal: AbortSignal): void {
  if (signal.aborted) throw new ChainAborted();
}

/** The promise, or a rejection as soon as the signal aborts. */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new ChainAborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new ChainAborted());
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e as Error);
      },
    );
  });
}

interface Frame {
  ctx: ChainContext;
  signal: AbortSignal;
  outputs: Map<string, unknown>;
  /** The frame's scope (items of Iterates, inputs of an invoked shared action...). */
  scope: Scope;
  /** Shared actions invoked above (a guard against endless recursion). */
  depth: number;
}

const MAX_INVOKE_DEPTH = 16;

async function evaluateInputs(
  node: UiNode,
  defs: Record<string, ActionInput>,
  scope: Scope,
): Promise<Record<string, unknown>> {
  const raw = isObject(node.props.inputs) ? node.props.inputs : {};
  const out: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(defs)) {
    const b = raw[name];
    // An empty text is "not set" for texts and names; for other kinds (a condition) it is a value.
    const textKind = def.kind === "string" || def.kind === "reference" || def.kind === "enum" || def.kind === "text";
    if (b === undefined || b === null || (b === "" && textKind)) {
      if (def.required && def.kind !== "boolean")
        throw new ActionError("missing_input", `${node.name} needs its input "${name}"`);
      if (def.default !== undefined) out[name] = structuredClone(def.default);
      continue;
    }
    let v: unknown;
    try {
      v = await evaluateAsync(b, scope);
    } catch (e) {
      throw new ActionError("binding", `${node.name}, input "${name}": ${(e as Error).message}`);
    }
    if (def.kind === "bindings" && v !== undefined && !isObject(v)) {
      throw new ActionError("binding", `${node.name}, input "${name}" must give an object (names and values)`);
    }
    if (v === undefined && def.default !== undefined) v = structuredClone(def.default);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

async function runList(nodes: readonly UiNode[], frame: Frame, out: unknown, parallel: boolean): Promise<unknown> {
  const actions = nodes.filter((n) => n.type === "Action");
  if (!parallel) {
    let cur = out;
    for (const a of actions) cur = await runAction(a, frame, cur);
    return cur;
  }
  const settled = await Promise.allSettled(actions.map((a) => runAction(a, frame, out)));
  // Several failed: an abort first, then a handled one (its OnError ran), then the first in order.
  const rejected = settled
    .filter((s): s is PromiseRejectedResult => s.status === "rejected")
    .map((s) => s.reason as unknown);
  const first =
    rejected.find((e) => e instanceof ChainAborted) ?? rejected.find((e) => e instanceof HandledFailure) ?? rejected[0];
  if (rejected.length) throw first instanceof Error ? first : new ChainFailure(toChainError(first));
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value);
}

/** After a failure of (or under) `node`: its OnError branch, then the chain ends; none: up it goes. */
async function handleFailure(node: UiNode, frame: Frame, error: ChainError): Promise<never> {
  const onError = node.children.find((c) => c.type === "OnError");
  if (!onError) throw new ChainFailure(error);
  await runList(onError.children, frame, error, false);
  throw new HandledFailure(error);
}

async function runAction(node: UiNode, frame: Frame, out: unknown): Promise<unknown> {
  checkAbort(frame.signal);
  const { ctx, signal } = frame;
  const name = typeof node.props.action === "string" ? node.props.action : "";
  const started = now();
  const trace = (entry: Omit<TraceEntry, "id" | "name" | "action" | "ms">) =>
    ctx.trace?.({ id: node.id, name: node.name, action: name, ms: Math.round((now() - started) * 10) / 10, ...entry });
  const scope: Scope = { ...frame.scope, outputs: frame.outputs, out };
  const impl = ctx.actions?.[name] ?? actionRegistry[name];
  const entry = actionEntry(node);

  const r: ActionRun = {
    node,
    inputs: {},
    ctx,
    scope,
    signal,
    runActions: (nodes, options = {}) =>
      runList(
        nodes,
        options.scope ? { ...frame, scope: { ...frame.scope, ...options.scope } } : frame,
        options.out,
        options.parallel ?? false,
      ),
    invoke: (shared, inputs) => invokeShared(shared, inputs, frame),
  };

  let output: unknown;
  try {
    if (!impl) throw new ActionError("unknown_action", `Unknown action "${name}" (${node.name})`);
    r.inputs = entry ? await evaluateInputs(node, entry.inputs, scope) : {};
    checkAbort(signal);
    output = await raceAbort(Promise.resolve(impl.run(r)), signal);
  } catch (e) {
    if (e instanceof ChainAborted || signal.aborted) {
      trace({ status: "aborted" });
      throw new ChainAborted();
    }
    if (e instanceof HandledFailure) throw e;
    // Its own failure, or that of the chain it ran (Invoke): its output is the error.
    const error = toChainError(e);
    frame.outputs.set(node.id, error);
    trace({ status: "error", error });
    return handleFailure(node, frame, error);
  }
  frame.outputs.set(node.id, output);
  trace({ status: "ok", output });

  try {
    const final = impl.then
      ? await impl.then(r, output)
      : await runList(node.children, frame, output, node.props.parallel === true);
    if (impl.then) frame.outputs.set(node.id, final);
    return impl.then ? final : output;
  } catch (e) {
    if (e instanceof ChainAborted || e instanceof HandledFailure) throw e;
    if (signal.aborted) throw new ChainAborted();
    return handleFailure(node, frame, toChainError(e));
  }
}

async function invokeShared(shared: UiNode, inputs: Record<string, unknown>, frame: Frame): Promise<unknown> {
  if (frame.depth >= MAX_INVOKE_DEPTH) {
    throw new ActionError(
      "invoke_depth",
      `Shared actions invoked ${MAX_INVOKE_DEPTH} deep (${shared.name}): endless recursion?`,
    );
  }
  const given: Record<string, unknown> = {};
  for (const decl of shared.children.filter((c) => c.type === "ActionInput")) {
    const v = inputs[decl.name];
    if (v === undefined && decl.props.required === true) {
      throw new ActionError("missing_input", `The shared action ${shared.name} needs its input "${decl.name}"`);
    }
    if (v !== undefined) given[decl.name] = v;
  }
  for (const [k, v] of Object.entries(inputs)) if (!(k in given)) given[k] = v;
  // Its own frame: its inputs, its own outputs; no items or event of the caller.
  const { items: _items, item: _item, names: _names, event: _event, ...base } = frame.scope;
  const inner: Frame = {
    ...frame,
    outputs: new Map(),
    scope: { ...base, input: given },
    depth: frame.depth + 1,
  };
  await runList(shared.children, inner, undefined, false);
  const output = shared.props.output;
  if (output === undefined || output === null || output === "") return undefined;
  try {
    return await evaluateAsync(output, { ...inner.scope, outputs: inner.outputs });
  } catch (e) {
    throw new ActionError("binding", `The output of ${shared.name}: ${(e as Error).message}`);
  }
}

/**
 * Runs a chain: an Event's actions, or the given action nodes. Never throws: a failure nobody
 * handled is logged and answered as `failed`.
 */
export async function runChain(chain: UiNode | readonly UiNode[], ctx: ChainContext): Promise<ChainResult> {
  const nodes = Array.isArray(chain) ? (chain as readonly UiNode[]) : [chain as UiNode];
  const single = nodes.length === 1 ? nodes[0] : undefined;
  const actions = single && single.type === "Event" ? single.children : nodes;
  const parallel = single?.type === "Event" && single.props.parallel === true;
  const outputs = new Map<string, unknown>();
  const frame: Frame = {
    ctx,
    signal: ctx.signal ?? new AbortController().signal,
    outputs,
    scope: ctx.scope,
    depth: 0,
  };
  try {
    const output = await runList(actions, frame, ctx.scope.out, parallel);
    return { status: "done", output, outputs };
  } catch (e) {
    if (e instanceof ChainAborted) return { status: "aborted", outputs };
    if (e instanceof HandledFailure) return { status: "failed", error: e.error, handled: true, outputs };
    const error = toChainError(e);
    (ctx.log ?? defaultLog)("error", `${single?.name ?? "Chain"} failed: ${error.message} (${error.code})`);
    return { status: "failed", error, handled: false, outputs };
  }
}

function defaultLog(level: LogLevel, message: string): void {
  console[level](message);
}

// ---- the actions ----

const text = (v: unknown): string | undefined => (v === undefined || v === null || v === "" ? undefined : String(v));
const need = (v: unknown, what: string): string => {
  const s = text(v);
  if (s === undefined) throw new ActionError("missing_input", `${what} is needed`);
  return s;
};

function source(r: ActionRun): FullSyncSource {
  return r.ctx.services.fullsync(need(r.inputs.connector, "The FullSync connector"));
}

const VIEW_QUERY = ["key", "startkey", "endkey", "keys", "limit", "skip", "descending", "include_docs", "reduce"];

/** The actions of the catalogue, by name. */
export const actionRegistry: Record<string, ActionImpl> = {
  CallSequence: {
    async run(r) {
      const { inputs, ctx } = r;
      const sequence = need(inputs.sequence, "The sequence");
      const project = text(inputs.project);
      const request: CallSequenceRequest = {
        sequence,
        variables: (inputs.variables as Record<string, unknown> | undefined) ?? {},
        signal: r.signal,
      };
      if (project) request.project = project;
      const policy = inputs.cachePolicy as CachePolicy | undefined;
      if (policy && policy !== "none") {
        request.cachePolicy = policy;
        if (typeof inputs.cacheTtlMs === "number") request.cacheTtlMs = inputs.cacheTtlMs;
      }
      if (typeof inputs.timeoutMs === "number") request.timeoutMs = inputs.timeoutMs;
      let hide: (() => void) | undefined;
      const showLoading = ctx.ui?.loading;
      const timer =
        inputs.loading !== false && showLoading
          ? setTimeout(() => (hide = showLoading()), ctx.loadingDelayMs ?? 300)
          : undefined;
      try {
        const output = await ctx.services.callSequence(request);
        ctx.data?.setSequenceOutput(sequence, project, output);
        return output;
      } finally {
        if (timer !== undefined) clearTimeout(timer);
        hide?.();
      }
    },
  },
  FullSyncGet: { run: (r) => source(r).get(need(r.inputs.id, "The document's id")) },
  FullSyncView: {
    run(r) {
      const query: Record<string, unknown> = {};
      for (const k of VIEW_QUERY) if (r.inputs[k] !== undefined) query[k] = r.inputs[k];
      return source(r).view(need(r.inputs.view, "The view"), query);
    },
  },
  FullSyncPost: {
    run(r) {
      const doc = r.inputs.doc;
      if (!isObject(doc)) throw new ActionError("binding", `${r.node.name}: the document must be an object`);
      const options: PostOptions = {};
      if (text(r.inputs.id)) options.id = String(r.inputs.id);
      if (r.inputs.policy) options.policy = r.inputs.policy as PostOptions["policy"];
      if (Array.isArray(r.inputs.groups) && r.inputs.groups.length) options.groups = r.inputs.groups.map(String);
      if (r.inputs.public === true) options.public = true;
      return source(r).post(doc, options);
    },
  },
  FullSyncDelete: { run: (r) => source(r).remove(need(r.inputs.id, "The document's id")) },
  FullSyncSync: {
    async run(r) {
      const s = source(r);
      await s.sync({
        direction: r.inputs.direction as "both" | "push" | "pull",
        mode: r.inputs.mode as "continuous" | "once",
        retry: r.inputs.retry !== false,
      });
      return s.status();
    },
  },
  FullSyncReset: {
    async run(r) {
      await source(r).reset();
      return undefined;
    },
  },
  Navigate: {
    async run(r) {
      const mode = (r.inputs.mode as NavigateRequest["mode"]) ?? "push";
      const page = text(r.inputs.page);
      if (mode !== "back" && !page) throw new ActionError("missing_input", `${r.node.name}: which page?`);
      if (!r.ctx.navigate) throw new ActionError("no_router", "No router to navigate with");
      const request: NavigateRequest = { mode, params: (r.inputs.params as Record<string, unknown>) ?? {} };
      if (page) request.page = page;
      await r.ctx.navigate(request);
      return undefined;
    },
  },
  Toast: {
    async run(r) {
      const request: ToastRequest = {
        message: text(r.inputs.message) ?? "",
        duration: typeof r.inputs.duration === "number" ? r.inputs.duration : 2000,
        position: (r.inputs.position as ToastRequest["position"]) ?? "bottom",
      };
      if (text(r.inputs.header)) request.header = String(r.inputs.header);
      if (text(r.inputs.color)) request.color = String(r.inputs.color);
      if (r.ctx.ui?.toast) await r.ctx.ui.toast(request);
      else (r.ctx.log ?? defaultLog)("info", `Toast: ${request.message}`);
      return undefined;
    },
  },
  Alert: {
    async run(r) {
      const buttons =
        Array.isArray(r.inputs.buttons) && r.inputs.buttons.length ? r.inputs.buttons.map(String) : ["OK"];
      const request: AlertRequest = { message: text(r.inputs.message) ?? "", buttons };
      if (text(r.inputs.header)) request.header = String(r.inputs.header);
      if (!r.ctx.ui?.alert) {
        (r.ctx.log ?? defaultLog)("info", `Alert: ${request.message}`);
        return { button: buttons[0] ?? null };
      }
      return { button: await r.ctx.ui.alert(request) };
    },
  },
  If: {
    run: (r) => r.inputs.condition,
    async then(r, condition) {
      const holds = truthy(condition) !== (r.inputs.negate === true);
      const parallel = r.node.props.parallel === true;
      if (holds) await r.runActions(r.node.children, { out: condition, parallel });
      else {
        const otherwise = r.node.children.find((c) => c.type === "ActionElse");
        if (otherwise) await r.runActions(otherwise.children, { out: condition, parallel });
      }
      return condition;
    },
  },
  Iterate: {
    run(r) {
      const items = r.inputs.items;
      if (items === undefined || items === null) return [];
      if (!Array.isArray(items)) throw new ActionError("binding", `${r.node.name}: its items must be a list`);
      return items;
    },
    async then(r, items) {
      const results: unknown[] = [];
      const parallel = r.node.props.parallel === true;
      for (const item of items as unknown[]) {
        checkAbort(r.signal);
        const scope: Partial<Scope> = { items: { ...(r.scope.items ?? {}), [r.node.id]: item }, item };
        results.push(await r.runActions(r.node.children, { out: item, parallel, scope }));
      }
      return results;
    },
  },
  SetState: {
    run(r) {
      const name = need(r.inputs.name, "The state");
      if (!r.ctx.state) throw new ActionError("no_state", "No states here");
      const path = text(r.inputs.path);
      r.ctx.state.set(name, r.inputs.value, path);
      return r.inputs.value;
    },
  },
  Invoke: {
    run(r) {
      const name = need(r.inputs.action, "The shared action");
      const shared = r.ctx.model.sharedAction(name);
      if (!shared) throw new ActionError("unknown_shared_action", `There is no shared action "${name}"`);
      return r.invoke(shared, (r.inputs.inputs as Record<string, unknown>) ?? {});
    },
  },
  Emit: {
    async run(r) {
      const event = need(r.inputs.event, "The event");
      if (!r.ctx.emit) throw new ActionError("no_component", `Emit ${event}: not in a shared component`);
      await r.ctx.emit(event, r.inputs.payload);
      return undefined;
    },
  },
  Log: {
    run(r) {
      const level = (["debug", "info", "warn", "error"] as const).find((l) => l === r.inputs.level) ?? "info";
      (r.ctx.log ?? defaultLog)(level, text(r.inputs.message) ?? "");
      return undefined;
    },
  },
  Custom: {
    run(r) {
      const name = need(r.inputs.function, "The function");
      const fn = r.ctx.custom?.[name];
      if (!fn)
        throw new ActionError("unknown_function", `There is no custom action "${name}" (app/src/custom/actions.ts)`);
      const context: CustomActionContext = {
        signal: r.signal,
        services: r.ctx.services,
        out: r.scope.out,
        event: r.scope.event,
      };
      if (r.ctx.state) context.state = r.ctx.state;
      return fn((r.inputs.inputs as Record<string, unknown>) ?? {}, context);
    },
  },
};
