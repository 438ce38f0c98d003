import { randomBytes } from "node:crypto";
import path from "node:path";
import type { ObjNode } from "../common/model/node.ts";
import { getType, propOrDefault } from "../common/model/registry.ts";
import { placeholderNames } from "../common/model/settings.ts";
import type { RunEvent, TraceEntry } from "../common/model/trace.ts";
import type { ErrorInfo, LogLevel, RunServices, TransactionResult } from "../common/model/typedef.ts";
import { EngineLog } from "./log.ts";
import { loadProject, type LoadedProject } from "./project/project-files.ts";
import { SecretBox } from "./project/secrets.ts";
import { readWorkspaceConfig, Workspace, type WorkspaceConfig } from "./project/workspace.ts";
import { UndiciHttpClient } from "./runtime/http-client.ts";
import {
  describe,
  resolvedProp,
  RunContext,
  SequenceRun,
  type DebugHooks,
  type RunHost,
} from "./runtime/interpreter.ts";
import { RunError, toRunError } from "./runtime/run-error.ts";
import { DEFAULT_SANDBOX_LIMITS, loadSandboxModule } from "./runtime/sandbox.ts";
import { Session, SessionStore } from "./runtime/sessions.ts";
import { SettingsResolver, type ResolvedSettings } from "./runtime/settings.ts";
import { prepareVariables } from "./runtime/variables.ts";

/** Run ids: unique per process start, cheap to make (one per HTTP call). */
const RUN_ID_PREFIX = randomBytes(4).toString("hex");
let runCounter = 0;

export interface EngineOptions {
  /** The workspace folder (a folder of project folders). */
  workspaceDir: string;
  /** Load only these project folders (absolute or relative paths), instead of the whole workspace. */
  projectDirs?: string[];
  /** --set overrides. */
  settings?: Record<string, string>;
  /** Server configuration overrides (below environment variables and --set). */
  configSettings?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
  log?: EngineLog;
  sandbox?: { timeLimitMs?: number; memoryBytes?: number };
  /** Extra services (FullSync...). */
  services?: Partial<RunServices>;
}

/** What a caller asks the engine to run. */
export interface RunRequest {
  project: string;
  /** A sequence; or else a transaction (of `connector`, or of the default connector). */
  sequence?: string;
  connector?: string;
  transaction?: string;
  /** Input values: text or lists of text from HTTP and the CLI, any JSON from other callers. */
  inputs: Record<string, unknown>;
  session?: Session;
  /** Applies the rules for outside callers: Private refused, authenticated context checked. */
  fromOutside?: boolean;
  trace?: boolean;
  onEvent?: (ev: RunEvent) => void;
  debug?: DebugHooks;
  /** Stops the run when aborted. */
  signal?: AbortSignal;
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

/**
 * The engine: a workspace of projects, the runtime that runs their sequences and transactions,
 * sessions, settings. It knows no screen and no HTTP server: the server, the CLI and the desktop
 * shell all drive this same class.
 */
export class Engine implements RunHost {
  readonly workspace: Workspace;
  readonly sessions = new SessionStore();
  readonly log: EngineLog;
  readonly services: RunServices;
  readonly sandboxLimits: { timeLimitMs: number; memoryBytes: number };
  private settingsResolver!: SettingsResolver;
  secretBox!: SecretBox;
  private readonly http = new UndiciHttpClient();
  private configSettings: Record<string, string> = {};
  /** The workspace configuration (atelier.config.yaml) as read at start. */
  config: WorkspaceConfig = { settings: {} };

  private constructor(private readonly opts: EngineOptions) {
    this.workspace = new Workspace(path.resolve(opts.workspaceDir));
    this.log = opts.log ?? new EngineLog();
    this.services = { http: this.http, ...opts.services };
    this.sandboxLimits = { ...DEFAULT_SANDBOX_LIMITS, ...opts.sandbox };
  }

  /** Opens a workspace: loads its configuration and projects, prepares the sandbox. */
  static async open(opts: EngineOptions): Promise<Engine> {
    const engine = new Engine(opts);
    await engine.init();
    return engine;
  }

  private async init(): Promise<void> {
    const env = this.opts.env ?? process.env;
    const config = await readWorkspaceConfig(this.workspace.dir);
    this.config = config;
    this.configSettings = { ...config.settings, ...this.opts.configSettings };
    this.secretBox = await SecretBox.open(this.workspace.dir, env);
    this.settingsResolver = new SettingsResolver(
      { config: this.configSettings, env, cli: this.opts.settings ?? {} },
      this.secretBox,
    );
    if (this.opts.projectDirs) {
      for (const dir of this.opts.projectDirs) this.workspace.add(await loadProject(dir));
    } else {
      await this.workspace.loadAll();
    }
    for (const [name, reason] of this.workspace.failures) this.log.error(`Project ${name} not loaded: ${reason}`, name);
    for (const p of this.workspace.projects.values()) {
      for (const e of p.errors)
        this.log.warn(`${e.location?.file}${e.location?.line ? `:${e.location.line}` : ""}: ${e.message}`, p.name);
      if (p.invalidCount > 0) this.log.warn(`Project ${p.name}: ${p.invalidCount} invalid object(s)`, p.name);
    }
    await loadSandboxModule();
  }

  /** Plugs in a service once available (FullSync starts after the engine). */
  setService<K extends keyof RunServices>(name: K, service: RunServices[K]): void {
    this.services[name] = service;
  }

  /**
   * Replaces the configuration's setting values (a server's admin changed them): the workspace
   * configuration's values, overridden by `values`; runs started afterwards see them.
   */
  setConfigSettings(values: Record<string, string>): void {
    const next = { ...this.config.settings, ...values };
    for (const k of Object.keys(this.configSettings)) delete this.configSettings[k];
    Object.assign(this.configSettings, next);
    this.settingsResolver = new SettingsResolver(
      { config: this.configSettings, env: this.opts.env ?? process.env, cli: this.opts.settings ?? {} },
      this.secretBox,
    );
  }

  settingsFor(project: ObjNode): ResolvedSettings {
    const s = this.settingsResolver.forProject(project);
    if (s.secrets.length) this.log.addSecrets(s.secrets);
    return s;
  }

  /** Looks settings of a project up (for `${setting}` in variable defaults). */
  private settingLookup(project: ObjNode): (name: string) => string | undefined {
    return (name) => this.settingsFor(project).lookup(name);
  }

  /**
   * A number property read by the engine itself (time limits, session timeout): `${setting}`
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

  /** RunHost: writes to the engine log. */
  writeLog(level: LogLevel, message: string, project?: string): void {
    this.log.log(level, message, project);
  }

  project(name: string): LoadedProject | undefined {
    return this.workspace.get(name);
  }

  private requireProject(name: string): LoadedProject {
    const p = this.workspace.get(name);
    if (!p) {
      const failure = this.workspace.failures.get(name);
      throw new RunError(
        "unknown_project",
        failure ? `The project "${name}" could not be loaded: ${failure}` : `There is no project named "${name}"`,
        { project: name },
        404,
      );
    }
    return p;
  }

  /** The sequence of a project, or a 404 RunError. */
  findSequence(project: LoadedProject, name: string): ObjNode {
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
  findTransaction(
    project: LoadedProject,
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
    else
      transaction = txs.find((t) => propOrDefault<boolean>(t, "isDefault")) ?? (txs.length === 1 ? txs[0] : undefined);
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
  private checkRunnable(node: ObjNode, projectName: string): void {
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

  private checkAccess(node: ObjNode, session: Session, what: string): void {
    const access = propOrDefault<string>(node, "accessibility");
    if (access === "Private") {
      throw new RunError("private_requestable", `${what} is private: only other sequences may call it`, undefined, 403);
    }
    if (propOrDefault<boolean>(node, "authenticatedContextRequired") && !session.user) {
      throw new RunError("authentication_required", `${what} requires an authenticated session`, undefined, 401);
    }
  }

  /** Runs a sequence or a transaction; never throws: errors come back in the result. */
  async run(req: RunRequest): Promise<RunResult> {
    const runId = req.runId ?? `${RUN_ID_PREFIX}-${++runCounter}`;
    const started = Date.now();
    const session = req.session ?? this.sessions.transient();
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
        const seq = this.findSequence(project, req.sequence);
        const what = `The sequence "${project.name}.${seq.name}"`;
        if (req.fromOutside) this.checkAccess(seq, session, what);
        this.checkRunnable(seq, project.name);
        timeoutMs = this.numberProp(seq, "timeoutMs", project.root, 60_000);
        exec = async (r) => {
          const vars = prepareVariables(seq, req.inputs, what, this.settingLookup(project.root));
          return new SequenceRun(r, project.root, seq, vars, undefined, 0).execute();
        };
      } else {
        const { connector, transaction } = this.findTransaction(project, req.connector, req.transaction);
        const what = `The transaction "${project.name}.${connector.name}.${transaction.name}"`;
        if (req.fromOutside) this.checkAccess(transaction, session, what);
        this.checkRunnable(connector, project.name);
        // The connector's own limit, plus a second for the transaction to report it in words.
        timeoutMs = this.numberProp(connector, "timeoutMs", project.root, 60_000) + 1000;
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
      const ctl = run.controller;
      if (!req.debug) timer = setTimeout(() => ctl.abort(timeLimitError()), timeoutMs);
      if (req.signal) {
        onAbort = () => ctl.abort(new RunError("stopped", "The run was stopped", undefined, 500));
        if (req.signal.aborted) onAbort();
        else req.signal.addEventListener("abort", onAbort, { once: true });
      }
      const output = await Promise.race([
        exec(run),
        new Promise<never>((_, reject) => {
          if (ctl.signal.aborted) reject(ctl.signal.reason);
          ctl.signal.addEventListener("abort", () => reject(ctl.signal.reason), { once: true });
        }),
      ]);
      const durationMs = Date.now() - started;
      req.onEvent?.({ kind: "end", ok: true, output, durationMs });
      return { runId, ok: true, output, durationMs, ...(req.trace ? { trace: run.trace } : {}) };
    } catch (e) {
      const err = toRunError(e);
      if (err.code === "engine_error") this.log.error(`Engine fault: ${(e as Error).stack ?? String(e)}`, req.project);
      const info: RunResult["error"] = { ...err.toInfo(), message: run ? run.mask(err.message) : err.message };
      if (err.where) info.step = err.where;
      const durationMs = Date.now() - started;
      req.onEvent?.({ kind: "end", ok: false, error: info, durationMs });
      return { runId, ok: false, error: info, durationMs, ...(req.trace && run ? { trace: run.trace } : {}) };
    } finally {
      if (timer) clearTimeout(timer);
      if (onAbort) req.signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Runs a transaction within a run (top level or called by a step). */
  private async executeTransaction(
    run: RunContext,
    project: LoadedProject,
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
        if (run.opts.trace || run.opts.onEvent) (entry.inputs ??= {})[name] = run.traceValue(value);
      };
      record("variables", vars);
      const ctx = SequenceRun.transactionContext(run, project.name, settings, vars, record);
      let result: TransactionResult;
      try {
        result = await def.execute(transaction, connector, ctx);
      } catch (e) {
        if (e instanceof RunError) throw e;
        throw new RunError("transaction_error", (e as Error).message, undefined, 500);
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

  /** RunHost: a Call Transaction step. */
  async callTransaction(
    run: RunContext,
    from: { project: string; entry: TraceEntry },
    target: { project?: string; connector?: string; transaction: string },
    vars: Record<string, unknown>,
  ): Promise<TransactionResult> {
    const project = this.requireProject(target.project ?? from.project);
    const { connector, transaction } = this.findTransaction(project, target.connector, target.transaction);
    this.checkRunnable(connector, project.name);
    return this.executeTransaction(run, project, connector, transaction, vars, from.entry.seq, from.entry.depth + 1);
  }

  /** RunHost: a Call Sequence step. */
  async callSequence(
    run: RunContext,
    from: { project: string; entry: TraceEntry },
    target: { project?: string; sequence: string },
    vars: Record<string, unknown>,
  ): Promise<unknown> {
    const project = this.requireProject(target.project ?? from.project);
    const seq = this.findSequence(project, target.sequence);
    this.checkRunnable(seq, project.name);
    const typed = prepareVariables(
      seq,
      vars,
      `The sequence "${project.name}.${seq.name}"`,
      this.settingLookup(project.root),
    );
    return new SequenceRun(run, project.root, seq, typed, from.entry.seq, from.entry.depth + 1).execute();
  }

  /** Stops background work and closes connections. */
  async close(): Promise<void> {
    this.sessions.close();
    await this.http.close();
  }
}
