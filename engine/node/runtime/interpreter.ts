import { getPath } from "../../common/model/json-path.ts";
import type { ObjNode } from "../../common/model/node.ts";
import type { SourceRef } from "../../common/model/props.ts";
import { getType, propDef, propOrDefault } from "../../common/model/registry.ts";
import { resolveDeep, resolvePlaceholders, MissingSettingError } from "../../common/model/settings.ts";
import type { TraceEntry } from "../../common/model/trace.ts";
import type { LogLevel, StepContext, TransactionResult } from "../../common/model/typedef.ts";
import {
  CONVERTIGO_JS_GLOBALS,
  CONVERTIGO_JS_PRELUDES,
  convertigoJsFunctions,
  convertigoPreludes,
} from "./convertigo-js.ts";
import { LineDebugger } from "./line-debugger.ts";
import { OutputBuilder } from "./output-builder.ts";
import type { RunContext } from "./run-context.ts";
import { BreakSignal, FinishSignal, RunError } from "./run-error.ts";
import { Sandbox } from "./sandbox.ts";
import { simpleExpressionValue } from "./simple-expression.ts";
import type { ResolvedSettings } from "./settings.ts";

/** Hooks of the debugger: called before each step runs. */
export interface DebugHooks {
  /**
   * Resolve to go on; answer "stop" to end the run. `scope` gives the variables and outputs as
   * they were when the step was reached (taken before the call: JavaScript variables live in a
   * worker thread, read asynchronously).
   */
  beforeStep(entry: TraceEntry, scope: () => Record<string, unknown>): Promise<void | "stop">;
  /**
   * A line of a JavaScript step reached, at a line breakpoint or while stepping lines (its code is
   * instrumented when this hook exists: line-debugger.ts). `at.step` is the step whose code holds
   * the line (a function defined by an earlier step runs there); `entry` the step running.
   */
  beforeLine?(
    entry: TraceEntry,
    at: { step: string; line: number },
    scope: () => Record<string, unknown>,
  ): Promise<void | "stop">;
  /** The line breakpoints now (step id → lines) and whether the last line pause asked to step. */
  lineState?(): { stepping: boolean; lines: Readonly<Record<string, readonly number[]>> };
}

const MAX_CALL_DEPTH = 32;

/**
 * Runs the steps of one sequence (top level or called by a step) within a run's context: values,
 * outputs, the JSON output built, the JavaScript sandbox, the debugger's pauses. What lies beyond
 * the sequence (settings, services, the log, nested calls) comes from the run's runner.
 */
export class SequenceRun {
  private readonly outputs = new Map<string, unknown>();
  private readonly outputsByName = new Map<string, unknown>();
  /** Names of the steps whose outputs are kept (the debugger shows outputs by name). */
  private readonly outputNames = new Map<string, string>();
  private readonly lineDebug: LineDebugger | undefined;
  private readonly builder = new OutputBuilder();
  private sandbox: Sandbox | undefined;
  /** Convertigo's JavaScript API is defined in the sandbox (convertigo-js.ts). */
  private readonly convertigoApi = new Set<string>();
  private sandboxPromise: Promise<Sandbox> | undefined;
  private readonly scopeVars = new Map<string, unknown>();
  /** How many loop turns are running (a Break outside any loop does nothing, as in Convertigo). */
  private loopTurns = 0;
  private readonly settings: ResolvedSettings;

  constructor(
    private readonly run: RunContext,
    private readonly project: ObjNode,
    private readonly sequence: ObjNode,
    private readonly vars: Record<string, unknown>,
    private readonly parentEntry: number | undefined,
    private readonly depth: number,
  ) {
    if (depth > MAX_CALL_DEPTH) {
      throw new RunError(
        "call_depth",
        `Sequence calls are nested more than ${MAX_CALL_DEPTH} deep (a sequence calling itself?)`,
        undefined,
        500,
      );
    }
    this.settings = run.runner.settingsFor(project);
    for (const s of this.settings.secrets) run.secrets.add(s);
    for (const [k, v] of Object.entries(vars)) this.scopeVars.set(k, v);
    const debug = run.opts.debug;
    this.lineDebug = debug?.beforeLine ? new LineDebugger(run, debug, (v) => this.scopeOf(v)) : undefined;
  }

  /** Runs the steps; answers the output built. */
  async execute(): Promise<Record<string, unknown>> {
    try {
      await this.runSteps(this.sequence.children, this.parentEntry, this.depth);
    } catch (e) {
      if (!(e instanceof FinishSignal)) throw e;
    } finally {
      this.closeSandbox();
    }
    return this.builder.root;
  }

  private lookupSetting = (name: string) => this.settings.lookup(name);

  /**
   * Frees the run's sandbox: when the run ends, or as soon as it is stopped or times out (its
   * JavaScript may be looping in a worker, which is then interrupted rather than left to reach
   * its own time limit).
   */
  private readonly closeSandbox = (): void => {
    this.run.removeEventListener("abort", this.closeSandbox);
    this.sandbox?.dispose();
    // A sandbox still being created is freed once it exists.
    if (!this.sandbox)
      this.sandboxPromise?.then(
        (b) => b.dispose(),
        () => {},
      );
  };

  resolveSettings(text: string, where: string): string {
    try {
      return resolvePlaceholders(text, this.lookupSetting);
    } catch (e) {
      if (e instanceof MissingSettingError)
        throw new RunError("missing_setting", `${where}: ${e.message}`, undefined, 500);
      throw e;
    }
  }

  private prop(node: ObjNode, name: string): unknown {
    const v = propOrDefault(node, name);
    // JavaScript is never rewritten: `${x}` in code is the language's own template syntax, and
    // settings reach code through setting("name").
    const kind = propDef(node.type, name)?.kind;
    if (kind === "code" || kind === "expression") return v;
    if (typeof v === "string") return v.includes("${") ? this.resolveSettings(v, describe(node)) : v;
    if (v && typeof v === "object") {
      try {
        return resolveDeep(v, this.lookupSetting);
      } catch (e) {
        if (e instanceof MissingSettingError)
          throw new RunError("missing_setting", `${describe(node)}: ${e.message}`, undefined, 500);
        throw e;
      }
    }
    return v;
  }

  /** The run's sandbox, with Convertigo's JavaScript API defined first when `code` uses it. */
  private async ensureSandbox(code?: string): Promise<Sandbox> {
    const box = await this.openSandbox();
    if (code === undefined || this.convertigoApi.size === 2) return box;
    for (const part of convertigoPreludes(code)) {
      // Defined on first use: runs that do not use it do not pay for it.
      if (this.convertigoApi.has(part)) continue;
      this.convertigoApi.add(part);
      await box.execute(CONVERTIGO_JS_PRELUDES[part], `convertigo-${part}`);
    }
    return box;
  }

  private async openSandbox(): Promise<Sandbox> {
    if (this.sandbox) return this.sandbox;
    this.sandboxPromise ??= Sandbox.create({
      ...this.run.runner.sandboxLimits,
      deadline: this.run.opts.deadline,
      functions: {
        log: (...args: unknown[]) => {
          const text = args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ");
          this.log("info", text);
          return undefined;
        },
        // Settings reach code through a function, never by pasting text into the code.
        setting: (name: unknown) => {
          const v = this.settings.lookup(String(name));
          if (v === undefined) throw new Error(`setting(${JSON.stringify(name)}): no such setting has a value`);
          return v;
        },
        step: (ref: unknown) => {
          const key = String(ref);
          if (this.outputs.has(key)) return this.outputs.get(key);
          if (this.outputsByName.has(key)) return this.outputsByName.get(key);
          throw new Error(`step(${JSON.stringify(key)}): no step of that id or name has run yet`);
        },
      },
      namespaces: {
        session: {
          get: (k: unknown) => this.run.session.get(String(k)) ?? null,
          set: (k: unknown, v: unknown) => {
            this.run.session.set(String(k), v);
            return undefined;
          },
          remove: (k: unknown) => {
            this.run.session.delete(String(k));
            return undefined;
          },
          user: () => this.run.session.user ?? null,
          groups: () => [...this.run.session.groups],
        },
        // Convertigo's JavaScript API for imported code (convertigo-js.ts).
        __c8o: convertigoJsFunctions({
          log: (level, text) => this.log(level, text),
          emitRoot: (name, value) => this.builder.emitRoot(name, value),
          projectName: this.project.name,
        }),
      },
      ...(this.lineDebug ? { debug: this.lineDebug.sandboxDebug() } : {}),
    });
    const box = await this.sandboxPromise;
    if (!this.sandbox) {
      this.sandbox = box;
      if (this.run.aborted) this.closeSandbox();
      else this.run.addEventListener("abort", this.closeSandbox);
      box.setGlobal("vars", this.vars);
      for (const [k, v] of this.scopeVars) if (/^[A-Za-z_$][\w$]*$/.test(k)) box.setGlobal(k, v);
    }
    return box;
  }

  private log(level: LogLevel, message: string): void {
    const text = this.run.mask(message);
    this.run.runner.writeLog(level, text, this.project.name);
    this.run.opts.onEvent?.({ kind: "log", level, message: text, at: Date.now() });
  }

  private async scopeSnapshot(): Promise<Record<string, unknown>> {
    let variables: Record<string, unknown> = Object.fromEntries(this.scopeVars);
    if (this.sandbox) {
      try {
        variables = await this.sandbox.globals(
          new Set(["vars", "log", "step", "session", "setting", ...CONVERTIGO_JS_GLOBALS]),
          this.lineDebug?.lexicals,
        );
      } catch {
        // Showing the scope must not end the run (a getter that loops...): the known variables.
      }
    }
    return this.scopeOf(variables);
  }

  /** The scope the debugger shows: variables, the outputs of the steps run (by name), the output so far. */
  private scopeOf(variables: Record<string, unknown>): Record<string, unknown> {
    const outputs: Record<string, unknown> = {};
    for (const [id, v] of this.outputs) {
      const name = this.outputNames.get(id) ?? id;
      // Two steps of one name (in different blocks): the later one is told by its id.
      outputs[Object.hasOwn(outputs, name) ? `${name} (${id})` : name] = this.run.traceValue(v);
    }
    return {
      variables: this.run.traceValue(variables),
      outputs,
      output: this.run.traceValue(this.builder.root),
      session: { user: this.run.session.user ?? null, groups: [...this.run.session.groups] },
    };
  }

  async runSteps(nodes: readonly ObjNode[], parent: number | undefined, depth: number): Promise<void> {
    for (const node of nodes) {
      const def = getType(node.type);
      if (!def || (def.category !== "step" && def.category !== "foreign")) continue;
      await this.runStep(node, parent, depth);
    }
  }

  private async runStep(node: ObjNode, parent: number | undefined, depth: number): Promise<void> {
    const pause = this.run.pace();
    if (pause) await pause;
    const def = getType(node.type);
    const entry = this.run.begin(node, this.project.name, parent, depth);
    if (this.run.opts.debug) {
      entry.status = "paused";
      const scope = await this.scopeSnapshot();
      // Time paused in the debugger counts in no duration (RunContext.elapsed).
      this.run.pauseBegin();
      let decision: void | "stop";
      try {
        decision = await this.run.opts.debug.beforeStep(entry, () => scope);
      } finally {
        this.run.pauseEnd();
      }
      entry.status = "running";
      if (decision === "stop") {
        const err = new RunError("stopped", "The run was stopped in the debugger", undefined, 500);
        this.run.abort(err);
        this.run.end(entry, undefined, err);
        throw err;
      }
    }
    let output: unknown;
    try {
      if (!def?.run) {
        throw new RunError("not_runnable", `${describe(node)} cannot be run`, undefined, 500);
      }
      output = await def.run(this.stepContext(node, entry, depth));
      if (output !== undefined) {
        this.outputs.set(node.id, output);
        this.outputsByName.set(node.name, output);
        this.outputNames.set(node.id, node.name);
      }
      this.run.end(entry, output, undefined);
    } catch (e) {
      if (e instanceof FinishSignal || e instanceof BreakSignal) {
        this.run.end(entry, undefined, undefined);
        throw e;
      }
      const err =
        e instanceof RunError
          ? e
          : new RunError("step_error", `${describe(node)}: ${(e as Error).message}`, undefined, 500);
      err.where ??= { id: node.id, name: node.name, type: node.type, project: this.project.name };
      this.run.end(entry, undefined, err);
      throw err;
    }
  }

  private stepContext(node: ObjNode, entry: TraceEntry, depth: number): StepContext {
    return new SequenceRun.StepCtx(this, node, entry, depth);
  }

  /**
   * What a step's `run` receives. One object per step run with its methods on the class (a step
   * costs no closures); they are called as methods (`ctx.prop(...)`). Written inside SequenceRun
   * so that it reaches the run's private state.
   */
  private static readonly StepCtx = class implements StepContext {
    readonly session: StepContext["session"];
    readonly services: StepContext["services"];
    constructor(
      private readonly seq: SequenceRun,
      readonly node: ObjNode,
      private readonly entry: TraceEntry,
      private readonly depth: number,
    ) {
      this.session = seq.run.session;
      this.services = seq.run.runner.services;
    }
    prop<T>(name: string): T {
      return this.seq.prop(this.node, name) as T;
    }
    async value(): Promise<unknown> {
      return this.seq.valueOf(this.node, (name, value) => this.input(name, value));
    }
    source(ref: SourceRef): unknown {
      return this.seq.readSource(ref, this.node);
    }
    async evaluate(expression: string, what: string): Promise<unknown> {
      const simple = this.seq.simpleValue(expression);
      if (simple) return simple.value;
      const box = await this.seq.ensureSandbox(expression);
      return await box.evaluate(expression, what);
    }
    async execute(code: string, what: string): Promise<unknown> {
      const seq = this.seq;
      const box = await seq.ensureSandbox(code);
      if (seq.lineDebug) return await seq.lineDebug.execute(box, this.node, this.entry, code, what);
      return await box.execute(code, what);
    }
    async setScopeVariable(name: string, value: unknown): Promise<void> {
      this.seq.scopeVars.set(name, value);
      if (this.seq.sandbox) this.seq.sandbox.setGlobal(name, value);
    }
    async runChildren(children?: readonly ObjNode[]): Promise<void> {
      await this.seq.runSteps(children ?? this.node.children, this.entry.seq, this.depth + 1);
    }
    async runLoopTurn(): Promise<boolean> {
      const seq = this.seq;
      seq.loopTurns++;
      try {
        await seq.runSteps(this.node.children, this.entry.seq, this.depth + 1);
        return true;
      } catch (e) {
        if (e instanceof BreakSignal) return false;
        throw e;
      } finally {
        seq.loopTurns--;
      }
    }
    breakLoop(): void {
      if (this.seq.loopTurns > 0) throw new BreakSignal();
    }
    emit(name: string, value: unknown): void {
      this.seq.builder.emit(name, value);
    }
    nest(kind: "object" | "array", name: string, fill: () => Promise<void>, opts?: { output?: boolean }) {
      return this.seq.builder.nest(kind, name, fill, opts?.output !== false);
    }
    async stepVariables(): Promise<Record<string, unknown>> {
      const out: Record<string, unknown> = {};
      for (const c of this.node.children) {
        if (c.type !== "StepVariable") continue;
        out[c.name] = await this.seq.valueOf(c, () => {});
      }
      return out;
    }
    callTransaction(
      target: { project?: string; connector?: string; transaction: string },
      vars: Record<string, unknown>,
    ): Promise<TransactionResult> {
      return this.seq.run.runner.callTransaction(this.seq.run, this.from(), target, vars);
    }
    callSequence(target: { project?: string; sequence: string }, vars: Record<string, unknown>): Promise<unknown> {
      return this.seq.run.runner.callSequence(this.seq.run, this.from(), target, vars);
    }
    /** Where a call made by this step comes from. */
    private from(): { project: string; entry: TraceEntry } {
      return { project: this.seq.project.name, entry: this.entry };
    }
    log(level: LogLevel, message: string): void {
      this.seq.log(level, message);
    }
    input(name: string, value: unknown): void {
      const run = this.seq.run;
      if (!run.recording) return;
      (this.entry.inputs ??= {})[name] = run.traceValue(value);
    }
    fail(code: string | number, message: string, details?: unknown, status?: number): never {
      const node = this.node;
      throw new RunError(code, message, details, status ?? 500, {
        id: node.id,
        name: node.name,
        type: node.type,
        project: this.seq.project.name,
      });
    }
    finish(): never {
      throw new FinishSignal();
    }
    async checkAborted(): Promise<void> {
      return this.seq.run.pace();
    }
  };

  /** A node's value by the source / expression / constant convention. */
  private async valueOf(node: ObjNode, record: (name: string, value: unknown) => void): Promise<unknown> {
    const source = node.props.source as SourceRef | undefined;
    if (source && typeof source === "object" && source.step) {
      const v = this.readSource(source, node);
      if (this.run.recording) record("source", { ...source, value: v });
      return v;
    }
    const expression = node.props.expression;
    if (typeof expression === "string" && expression.trim() !== "") {
      // Literals and variables holding plain values joined by "+" need no interpreter: while no
      // sandbox exists, no JavaScript can have changed the variables, so this is the sandbox's
      // answer. (Creating a QuickJS context is most of a simple sequence's cost.)
      const simple = this.simpleValue(expression);
      if (simple) {
        record("expression", expression);
        return simple.value;
      }
      const box = await this.ensureSandbox(expression);
      const v = await box.evaluate(expression, `expression of ${describe(node)}`);
      record("expression", expression);
      return v;
    }
    const value = node.props.value;
    return value === undefined ? null : this.prop(node, "value");
  }

  /** An expression's value without the sandbox, when it is simple enough (simple-expression.ts). */
  private simpleValue(expression: string): { value: unknown } | undefined {
    return this.sandboxPromise ? undefined : simpleExpressionValue(expression, this.scopeVars);
  }

  private readSource(ref: SourceRef, node: ObjNode): unknown {
    if (!this.outputs.has(ref.step)) {
      throw new RunError(
        "source_not_ready",
        `${describe(node)}: its source is step ${ref.step}, which has not run before it (or gave no output)`,
        { source: ref },
        500,
      );
    }
    try {
      return getPath(this.outputs.get(ref.step), ref.path);
    } catch (e) {
      throw new RunError("invalid_source", `${describe(node)}: ${(e as Error).message}`, { source: ref }, 500);
    }
  }
}

/**
 * A property's value at run time: `${setting}` placeholders resolved, and a number property
 * given as a placeholder converted to a number (a setting that is not one is an error).
 */
export function resolvedProp(node: ObjNode, name: string, lookup: (n: string) => string | undefined): unknown {
  const def = propDef(node.type, name);
  const own = node.props[name];
  const v = own === undefined ? def?.default : own;
  const kind = def?.kind;
  // Code is given to the sandbox as written, never through `${setting}` substitution.
  if (kind === "code" || kind === "expression") return v;
  try {
    if (typeof v === "string") {
      if (!v.includes("${")) return v;
      const text = resolvePlaceholders(v, lookup);
      if ((kind === "integer" || kind === "number") && text !== v) {
        const n = Number(text);
        if (text.trim() === "" || !Number.isFinite(n) || (kind === "integer" && !Number.isInteger(n))) {
          throw new RunError(
            "invalid_setting",
            `${describe(node)}: ${name} is "${v}", which gives "${text}": not ${kind === "integer" ? "a whole number" : "a number"}`,
            undefined,
            500,
          );
        }
        return n;
      }
      return text;
    }
    if (v && typeof v === "object") return resolveDeep(v, lookup);
    return v;
  } catch (e) {
    if (e instanceof MissingSettingError)
      throw new RunError("missing_setting", `${describe(node)}: ${e.message}`, undefined, 500);
    throw e;
  }
}

/** "Element \"greeting\"": how messages name an object. */
export function describe(node: ObjNode): string {
  const label = getType(node.type)?.label ?? node.type;
  return `${label} "${node.name}"`;
}
