import { randomBytes } from "node:crypto";
import type { ObjNode } from "../../common/model/node.ts";
import { referencesOf } from "../../common/model/references.ts";
import { getType, propOrDefault } from "../../common/model/registry.ts";
import { MissingSettingError, placeholderNames, resolvePlaceholders } from "../../common/model/settings.ts";
import type { RunEvent, TraceEntry } from "../../common/model/trace.ts";
import type {
  StopSignal,
  ErrorInfo,
  LogLevel,
  RunServices,
  SessionApi,
  TransactionContext,
  TransactionResult,
} from "../../common/model/typedef.ts";
import { describe, resolvedProp, SequenceRun, type DebugHooks } from "./interpreter.ts";
import { checkRunJavaScript } from "./js-preflight.ts";
import { RunContext } from "./run-context.ts";
import { RunError, toRunError } from "./run-error.ts";
import { DEFAULT_SANDBOX_LIMITS } from "./sandbox.ts";
import type { ResolvedSettings } from "./settings.ts";
import { prepareVariables } from "./variables.ts";

/** Run ids: unique per process start, cheap to make (one per HTTP call). */
const RUN_ID_PREFIX = randomBytes(4).toString("hex");
let runCounter = 0;

/** The time limit of a requestable whose type has none. */
const DEFAULT_TIMEOUT_MS = 60_000;

/** What a caller asks the runner to run. */
export interface RunRequest {
  project: string;
  /** A sequence; or else a transaction (of `connector`, or of the default connector). */
  sequence?: string;
  connector?: string;
  transaction?: string;
  /** Input values: text or lists of text from HTTP and the CLI, any JSON from other callers. */
  inputs: Record<string, unknown>;
  /** The caller's session; a transient one of the session store when absent. */
  session?: SessionApi;
  /** Applies the rules for outside callers: Private refused, authenticated context checked. */
  fromOutside?: boolean;
  trace?: boolean;
  onEvent?: (ev: RunEvent) => void;
  debug?: DebugHooks;
  /** Stops the run when aborted (an AbortSignal, or a lighter StopSignal). */
  signal?: StopSignal;
  /** A run id chosen by the caller (the Studio uses it to stop or step a run). */
  runId?: string;
}

export interface RunResult {
  runId: string;
  ok: boolean;
  output?: unknown;
  error?: ErrorInfo & { step?: { id: string; name: string; type: string; project: string } };
  trace?: TraceEntry[];
  durationMs: number;
}

/** A run `Runner.run` finished, as `Runner.onFinished` listeners get it (the server's metrics). */
export interface FinishedRun {
  project: string;
  /** The sequence of a sequence run; absent for a transaction run. */
  sequence?: string;
  /** A transaction run's connector and transaction as asked (absent: the default one). */
  connector?: string;
  transaction?: string;
  ok: boolean;
  /** The output of a successful run (the REST API's documentation samples its shape). */
  output?: unknown;
  /** The error code of a failed run. */
  code?: string | number;
  durationMs: number;
}

/** A project as the runner needs it: its name and its object tree. */
export interface RunnableProject {
  readonly name: string;
  readonly root: ObjNode;
}

/** Where the runner finds projects by name (a `Workspace` is one). */
export interface ProjectLookup {
  get(name: string): RunnableProject | undefined;
  /** Why a project could not be loaded, by name: the message of the 404 naming it. */
  readonly failures?: ReadonlyMap<string, string>;
}

/** Where runs write (Log steps, transactions, engine faults); an `EngineLog` is one. */
export interface RunLog {
  log(level: LogLevel, message: string, project?: string): void;
  /** Values to mask wherever the log writes them (secret settings a run resolved). */
  addSecrets(values: Iterable<string>): void;
}

export interface RunnerLimits {
  /** JavaScript: milliseconds one evaluation may run, bytes one sandbox runtime may use. */
  sandbox: { timeLimitMs: number; memoryBytes: number };
}

/**
 * Everything the runner needs, and nothing else: an `Engine` gives its workspace and services,
 * a server or a test may give plain pieces.
 */
export interface RunnerDeps {
  projects: ProjectLookup;
  /**
   * A project's resolved settings (values of `${name}`, secrets to mask). Called at every run and
   * nested call: the owner caches (`SettingsResolver` does) and may change what it answers.
   */
  settings(project: ObjNode): ResolvedSettings;
  /**
   * Services of transactions and steps (HTTP client, FullSync...). The object is kept, not copied:
   * a service set on it later (FullSync starts after the engine) is seen by the next run.
   */
  services: RunServices;
  log: RunLog;
  /** Gives the session of a run whose caller gave none. */
  sessions: { transient(): SessionApi };
  /** What is not given: `DEFAULT_SANDBOX_LIMITS`. */
  limits?: { sandbox?: Partial<RunnerLimits["sandbox"]> };
}

/**
 * Runs sequences and transactions of the projects it is given: resolves the requestable, checks
 * the caller's rights, sets the time limit, makes the run's context (trace, events, debugger,
 * stop), runs nested calls (Call Sequence, Call Transaction) and shapes every failure as a
 * Convertigo error. `run()` never throws.
 */
export class Runner {
  readonly services: RunServices;
  readonly sandboxLimits: RunnerLimits["sandbox"];
  private readonly finishedListeners = new Set<(run: FinishedRun) => void>();

  constructor(private readonly deps: RunnerDeps) {
    this.services = deps.services;
    this.sandboxLimits = { ...DEFAULT_SANDBOX_LIMITS, ...deps.limits?.sandbox };
  }

  /**
   * Calls `listener` when a run asked of `run()` ends (nested Call Sequence steps are part of
   * their caller's run); answers an unsubscribe function. A listener's fault never reaches a run.
   */
  onFinished(listener: (run: FinishedRun) => void): () => void {
    this.finishedListeners.add(listener);
    return () => this.finishedListeners.delete(listener);
  }

  private finished(req: RunRequest, result: RunResult): RunResult {
    if (!this.finishedListeners.size) return result;
    const run: FinishedRun = {
      project: req.project,
      ...(req.sequence !== undefined ? { sequence: req.sequence } : {}),
      ...(req.sequence === undefined && req.connector !== undefined ? { connector: req.connector } : {}),
      ...(req.sequence === undefined && req.transaction !== undefined ? { transaction: req.transaction } : {}),
      ok: result.ok,
      ...(result.ok ? { output: result.output } : {}),
      ...(result.error ? { code: result.error.code } : {}),
      durationMs: result.durationMs,
    };
    for (const l of this.finishedListeners) {
      try {
        l(run);
      } catch {
        // metrics only: never the run's concern
      }
    }
    return result;
  }

  /** A project's settings; its secrets are masked in the log from then on. */
  settingsFor(project: ObjNode): ResolvedSettings {
    const s = this.deps.settings(project);
    if (s.secrets.length) this.deps.log.addSecrets(s.secrets);
    return s;
  }

  writeLog(level: LogLevel, message: string, project?: string): void {
    this.deps.log.log(level, message, project);
  }

  project(name: string): RunnableProject | undefined {
    return this.deps.projects.get(name);
  }

  /** Why the project of that name could not be loaded, if it failed to load. */
  projectFailure(name: string): string | undefined {
    return this.deps.projects.failures?.get(name);
  }

  /**
   * A project by name, or a 404 RunError (saying why it failed to load, when it did). Called from
   * another project, a missing one is said with how to get it when that project's references say.
   */
  requireProject(name: string, from?: string): RunnableProject {
    const p = this.deps.projects.get(name);
    if (!p) {
      const failure = this.projectFailure(name);
      const hint = failure || from === undefined || from === name ? undefined : this.howToGet(name, from);
      throw new RunError(
        "unknown_project",
        failure
          ? `The project "${name}" could not be loaded: ${failure}`
          : `There is no project named "${name}"${hint ? ` (referenced by ${from}). ${hint}` : ""}`,
        { project: name },
        404,
      );
    }
    return p;
  }

  /** What the references of a project's root objects say about getting a project it names. */
  private howToGet(name: string, from: string): string | undefined {
    for (const c of this.deps.projects.get(from)?.root.children ?? []) {
      for (const r of referencesOf(c, from)) {
        if (r.target.refers === "project" && r.target.name === name && r.missing?.hint) return r.missing.hint;
      }
    }
    return undefined;
  }

  /**
   * A number property read by the runtime itself (time limits, session timeout): `${setting}`
   * placeholders resolved with the project's settings and the value checked against the type's
   * bounds. Read raw, `"${itemsTimeoutMs}"` became NaN and a timer of NaN ms fires at once (every
   * call timed out), or a session with a NaN timeout never expired. `fallback` serves types
   * without the property. Throws a RunError naming the property and its settings.
   */
  numberProp(node: ObjNode, name: string, project: ObjNode, fallback?: number): number {
    const def = getType(node.type)?.props.find((p) => p.name === name);
    if (!def && fallback !== undefined) return fallback;
    const raw = propOrDefault(node, name);
    const v = resolvedProp(node, name, (n) => this.settingsFor(project).lookup(n));
    const integer = def?.kind === "integer";
    const min = def?.min ?? -Infinity;
    const max = def?.max ?? Infinity;
    if (typeof v === "number" && Number.isFinite(v) && (!integer || Number.isInteger(v)) && v >= min && v <= max) {
      return v;
    }
    const settings = typeof raw === "string" ? placeholderNames(raw) : [];
    const given =
      typeof raw === "string" && raw !== String(v) ? `"${raw}", which gives ${JSON.stringify(v)}` : JSON.stringify(v);
    const bounds = `${integer ? "a whole number" : "a number"}${min > -Infinity ? ` from ${min}` : ""}${max < Infinity ? ` to ${max}` : ""}`;
    throw new RunError(
      "invalid_setting",
      `${describe(node)}: ${name} is ${given}: not ${bounds}${settings.length ? ` (change the setting ${settings.join(", ")})` : ""}`,
      { property: name, ...(settings.length ? { settings } : {}) },
      500,
    );
  }

  /** Runs a sequence or a transaction; never throws: errors come back in the result. */
  async run(req: RunRequest): Promise<RunResult> {
    const runId = req.runId ?? `${RUN_ID_PREFIX}-${++runCounter}`;
    const started = Date.now();
    const session = req.session ?? this.deps.sessions.transient();
    let run: RunContext | undefined;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      const project = this.requireProject(req.project);
      const target = req.sequence ?? `${req.connector ?? "(default)"}.${req.transaction ?? "(default)"}`;
      req.onEvent?.({ kind: "start", runId, project: project.name, requestable: target, at: started });
      let timeoutMs: number;
      let exec: (run: RunContext) => Promise<unknown>;
      if (req.sequence !== undefined) {
        const seq = findSequence(project, req.sequence);
        const what = `The sequence "${project.name}.${seq.name}"`;
        if (req.fromOutside) checkAccess(seq, session, what);
        // JavaScript that does not parse stops the run before any step (and any call) is made.
        const preflight = checkRunJavaScript(project.name, seq, (name) => this.project(name));
        if (preflight) await preflight;
        checkRunnable(seq, project.name);
        timeoutMs = this.numberProp(seq, "timeoutMs", project.root, DEFAULT_TIMEOUT_MS);
        exec = async (r) => {
          const vars = prepareVariables(seq, req.inputs, what, this.settingLookup(project.root));
          return new SequenceRun(r, project.root, seq, vars, undefined, 0).execute();
        };
      } else {
        const { connector, transaction } = findTransaction(project, req.connector, req.transaction);
        const what = `The transaction "${project.name}.${connector.name}.${transaction.name}"`;
        if (req.fromOutside) checkAccess(transaction, session, what);
        checkRunnable(connector, project.name);
        // The connector's own limit, plus a second for the transaction to report it in words.
        timeoutMs = this.numberProp(connector, "timeoutMs", project.root, DEFAULT_TIMEOUT_MS) + 1000;
        exec = async (r) =>
          (await this.executeTransaction(r, project, connector, transaction, req.inputs, undefined, 0)).data;
      }
      // The debugger may hold a run paused for as long as the user wants: no time limit then.
      const deadline = req.debug ? Infinity : started + timeoutMs;
      const timeLimitError = () =>
        new RunError(
          "timeout",
          `${target} of ${project.name} ran longer than its time limit of ${timeoutMs} ms`,
          undefined,
          504,
        );
      run = new RunContext(this, session, {
        trace: Boolean(req.trace),
        onEvent: req.onEvent,
        debug: req.debug,
        deadline,
        timeLimitError,
      });
      const ctl = run;
      if (!req.debug) timer = setTimeout(() => ctl.abort(timeLimitError()), timeoutMs);
      if (req.signal) {
        onAbort = () => ctl.abort(new RunError("stopped", "The run was stopped", undefined, 500));
        if (req.signal.aborted) onAbort();
        else req.signal.addEventListener("abort", onAbort, { once: true });
      }
      const output = await Promise.race([
        exec(run),
        new Promise<never>((_, reject) => {
          if (ctl.aborted) reject(ctl.stopReason);
          ctl.addEventListener("abort", () => reject(ctl.stopReason));
        }),
      ]);
      const durationMs = Date.now() - started - (run?.pausedTotal() ?? 0);
      req.onEvent?.({ kind: "end", ok: true, output, durationMs });
      return this.finished(req, { runId, ok: true, output, durationMs, ...(req.trace ? { trace: run.trace } : {}) });
    } catch (e) {
      const err = toRunError(e);
      if (err.code === "engine_error")
        this.writeLog("error", `Engine fault: ${(e as Error).stack ?? String(e)}`, req.project);
      const info: RunResult["error"] = { ...err.toInfo(), message: run ? run.mask(err.message) : err.message };
      if (err.where) info.step = err.where;
      const durationMs = Date.now() - started - (run?.pausedTotal() ?? 0);
      req.onEvent?.({ kind: "end", ok: false, error: info, durationMs });
      return this.finished(req, {
        runId,
        ok: false,
        error: info,
        durationMs,
        ...(req.trace && run ? { trace: run.trace } : {}),
      });
    } finally {
      if (timer) clearTimeout(timer);
      if (onAbort) req.signal?.removeEventListener("abort", onAbort);
      // Before the caller hears the result: what the run left open (a SQL transaction) is closed.
      await run?.runEndHooks();
    }
  }

  /** A Call Transaction step: runs a transaction within the step's run. */
  async callTransaction(
    run: RunContext,
    from: { project: string; entry: TraceEntry },
    target: { project?: string; connector?: string; transaction: string },
    vars: Record<string, unknown>,
  ): Promise<TransactionResult> {
    const project = this.requireProject(target.project ?? from.project, from.project);
    const { connector, transaction } = findTransaction(project, target.connector, target.transaction);
    checkRunnable(connector, project.name);
    return this.executeTransaction(run, project, connector, transaction, vars, from.entry.seq, from.entry.depth + 1);
  }

  /** A Call Sequence step: runs a sequence within the step's run; answers its output. */
  async callSequence(
    run: RunContext,
    from: { project: string; entry: TraceEntry },
    target: { project?: string; sequence: string },
    vars: Record<string, unknown>,
  ): Promise<unknown> {
    const project = this.requireProject(target.project ?? from.project, from.project);
    const seq = findSequence(project, target.sequence);
    checkRunnable(seq, project.name);
    const typed = prepareVariables(
      seq,
      vars,
      `The sequence "${project.name}.${seq.name}"`,
      this.settingLookup(project.root),
    );
    return new SequenceRun(run, project.root, seq, typed, from.entry.seq, from.entry.depth + 1).execute();
  }

  /** Looks settings of a project up (for `${setting}` in variable defaults). */
  private settingLookup(project: ObjNode): (name: string) => string | undefined {
    return (name) => this.settingsFor(project).lookup(name);
  }

  /** Runs a transaction within a run (top level or called by a step). */
  private async executeTransaction(
    run: RunContext,
    project: RunnableProject,
    connector: ObjNode,
    transaction: ObjNode,
    inputs: Record<string, unknown>,
    parent: number | undefined,
    depth: number,
  ): Promise<TransactionResult> {
    const def = getType(transaction.type);
    const label = `${connector.name}.${transaction.name}`;
    const entry = run.begin(transaction, project.name, parent, depth);
    try {
      if (transaction.type === "Foreign") {
        throw new RunError(
          "foreign_object",
          `"${label}" is a foreign object (${String(transaction.props.class ?? "unknown class")}) that Atelier cannot run`,
          undefined,
          500,
        );
      }
      if (!def?.execute)
        throw new RunError("not_runnable", `${describe(transaction)} cannot be run by Atelier`, undefined, 500);
      const settings = this.settingsFor(project.root);
      // Called by a step (a parent entry), the inputs are JSON values rather than HTTP text.
      const vars = prepareVariables(
        transaction,
        inputs,
        `The transaction "${project.name}.${label}"`,
        settings.lookup,
        parent !== undefined,
      );
      for (const s of settings.secrets) run.secrets.add(s);
      const record = (name: string, value: unknown) => {
        if (run.recording) (entry.inputs ??= {})[name] = run.traceValue(value);
      };
      record("variables", vars);
      const ctx = this.transactionContext(run, project.name, settings, vars, record);
      let result: TransactionResult;
      try {
        result = await def.execute(transaction, connector, ctx);
      } catch (e) {
        if (e instanceof TransactionAnswer) result = e.result;
        else if (e instanceof RunError) throw e;
        else throw new RunError("transaction_error", (e as Error).message, undefined, 500);
      }
      run.end(entry, result, undefined);
      return result;
    } catch (e) {
      const err = toRunError(e);
      err.where ??= { id: transaction.id, name: transaction.name, type: transaction.type, project: project.name };
      run.end(entry, undefined, err);
      throw err;
    }
  }

  /** What a transaction's `execute` receives (settings of its own project). */
  private transactionContext(
    run: RunContext,
    projectName: string,
    settings: ResolvedSettings,
    vars: Record<string, unknown>,
    record: (name: string, value: unknown) => void,
  ): TransactionContext {
    const lookup = (n: string) => settings.lookup(n);
    const resolve = (text: string, where: string) => {
      try {
        return resolvePlaceholders(text, lookup);
      } catch (e) {
        if (e instanceof MissingSettingError)
          throw new RunError("missing_setting", `${where}: ${e.message}`, undefined, 500);
        throw e;
      }
    };
    return {
      vars,
      project: projectName,
      scope: run.scope,
      prop<T>(node: ObjNode, name: string): T {
        return resolvedProp(node, name, lookup) as T;
      },
      resolveSettings: (text) => resolve(text, projectName),
      services: this.services,
      session: run.session,
      signal: run,
      log: (level, message) => this.writeLog(level, run.mask(message), projectName),
      input: record,
      fail(code, message, details, status) {
        throw new RunError(code, message, details, status ?? 500);
      },
      answer(result) {
        throw new TransactionAnswer(result);
      },
    };
  }
}

/** Thrown by a transaction's `ctx.answer`: its result, caught where the transaction runs. */
class TransactionAnswer {
  constructor(readonly result: TransactionResult) {}
}

/** The sequence of a project, or a 404 RunError. */
export function findSequence(project: RunnableProject, name: string): ObjNode {
  const seq = project.root.children.find((c) => getType(c.type)?.category === "sequence" && c.name === name);
  if (!seq) {
    throw new RunError(
      "unknown_sequence",
      `The project "${project.name}" has no sequence named "${name}"`,
      { project: project.name, sequence: name },
      404,
    );
  }
  return seq;
}

/** A connector and transaction, by name or by default, or a 404 RunError. */
export function findTransaction(
  project: RunnableProject,
  connectorName: string | undefined,
  txName: string | undefined,
): { connector: ObjNode; transaction: ObjNode } {
  const connectors = project.root.children.filter((c) => getType(c.type)?.category === "connector");
  let connector: ObjNode | undefined;
  if (connectorName) {
    connector = connectors.find((c) => c.name === connectorName);
    if (!connector) {
      throw new RunError(
        "unknown_connector",
        `The project "${project.name}" has no connector named "${connectorName}"`,
        { connector: connectorName },
        404,
      );
    }
  } else {
    connector =
      connectors.find((c) => propOrDefault<boolean>(c, "isDefault")) ??
      (connectors.length === 1 ? connectors[0] : undefined);
    if (!connector) {
      throw new RunError(
        "unknown_connector",
        `The project "${project.name}" has no default connector: give __connector`,
        undefined,
        404,
      );
    }
  }
  // Foreign transactions (imported, not runnable) are found too, so a call names them clearly.
  const txs = connector.children.filter((c) => getType(c.type)?.category === "transaction" || c.type === "Foreign");
  let transaction: ObjNode | undefined;
  if (txName) transaction = txs.find((t) => t.name === txName);
  else transaction = txs.find((t) => propOrDefault<boolean>(t, "isDefault")) ?? (txs.length === 1 ? txs[0] : undefined);
  if (!transaction) {
    throw new RunError(
      "unknown_transaction",
      txName
        ? `The connector "${connector.name}" of "${project.name}" has no transaction named "${txName}"`
        : `The connector "${connector.name}" has no default transaction: give __transaction`,
      { connector: connector.name, transaction: txName },
      404,
    );
  }
  return { connector, transaction };
}

/** Refuses to run an object tree holding invalid objects, naming the first problems. */
function checkRunnable(node: ObjNode, projectName: string): void {
  const problems: string[] = [];
  const visit = (n: ObjNode) => {
    for (const i of n.issues ?? []) {
      const where = i.location ? `${i.location.file}${i.location.line ? `:${i.location.line}` : ""}` : "";
      problems.push(`${describe(n)}: ${i.message}${where ? ` (${where})` : ""}`);
    }
    n.children.forEach(visit);
  };
  visit(node);
  if (problems.length) {
    throw new RunError(
      "invalid_object",
      `${describe(node)} of ${projectName} cannot run: ${problems.slice(0, 5).join("; ")}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ""}`,
      { problems },
      500,
    );
  }
}

/** The rules for outside callers: Private refused, authenticated context checked. */
function checkAccess(node: ObjNode, session: SessionApi, what: string): void {
  const access = propOrDefault<string>(node, "accessibility");
  if (access === "Private") {
    throw new RunError("private_requestable", `${what} is private: only other sequences may call it`, undefined, 403);
  }
  if (propOrDefault<boolean>(node, "authenticatedContextRequired") && !session.user) {
    throw new RunError("authentication_required", `${what} requires an authenticated session`, undefined, 401);
  }
}
