import path from "node:path";
import type { ObjNode } from "../common/model/node.ts";
import { OutputSchemas } from "./api/output-schemas.ts";
import { loadOutputSchemas, outputSchemasFile, OutputSchemasSaver } from "./api/output-schemas-file.ts";
import type { HttpClient, HttpRequest, HttpResponse, RunServices, SqlService } from "../common/model/typedef.ts";
import { EngineLog } from "./log.ts";
import { loadProject, type LoadedProject } from "./project/project-files.ts";
import { SecretBox } from "./project/secrets.ts";
import { readWorkspaceConfig, Workspace, type WorkspaceConfig } from "./project/workspace.ts";
import { RequestHistory } from "./server/request-history.ts";
import type { UndiciHttpClient } from "./runtime/http-client.ts";
import type { SoapCallRequest, SoapService, SoapWsdlSource } from "../common/model/soap.ts";
import type { NodeSoapService } from "./runtime/soap-service.ts";
import type { NodeSqlService } from "./runtime/sql/sql-service.ts";
import {
  findSequence,
  findTransaction,
  Runner,
  type FinishedRun,
  type RunRequest,
  type RunResult,
} from "./runtime/runner.ts";
import { loadJsSyntaxChecker } from "./runtime/js-syntax-check.ts";
import { loadSandboxModule } from "./runtime/sandbox.ts";
import { SessionStore } from "./runtime/sessions.ts";
import { SettingsResolver, type ResolvedSettings } from "./runtime/settings.ts";

export type { RunRequest, RunResult } from "./runtime/runner.ts";

/**
 * The HTTP client of transactions (runtime/http-client.ts), loaded with undici by the first call:
 * a run or a CLI command that calls no server does not parse undici (a fifth of a cold start).
 */
class LazyHttpClient implements HttpClient {
  private client: UndiciHttpClient | undefined;
  private loading: Promise<UndiciHttpClient> | undefined;

  /** `onLoad` receives the client once made (the engine then hands it to runs directly). */
  constructor(private readonly onLoad: (client: UndiciHttpClient) => void) {}

  request(req: HttpRequest, signal?: Parameters<HttpClient["request"]>[1]): Promise<HttpResponse> {
    return this.client ? this.client.request(req, signal) : this.load().then((c) => c.request(req, signal));
  }

  private load(): Promise<UndiciHttpClient> {
    return (this.loading ??= import("./runtime/http-client.ts").then((m) => {
      this.client = new m.UndiciHttpClient();
      this.onLoad(this.client);
      return this.client;
    }));
  }

  async close(): Promise<void> {
    const client = await this.loading?.catch(() => undefined);
    await client?.close();
  }
}

/**
 * The SOAP client of SOAP connectors (runtime/soap-service.ts), loaded with the `soap` package by
 * the first SOAP call: a run that calls no SOAP service never parses it.
 */
class LazySoapService implements SoapService {
  private loading: Promise<NodeSoapService> | undefined;

  constructor(private readonly make: () => Promise<NodeSoapService>) {}

  call(req: SoapCallRequest, signal?: Parameters<SoapService["call"]>[1]) {
    return this.load().then((s) => s.call(req, signal));
  }

  operations(source: SoapWsdlSource, signal?: Parameters<SoapService["operations"]>[1]) {
    return this.load().then((s) => s.operations(source, signal));
  }

  /** Drops the cached WSDLs of a project that reloaded (of all projects when none is named). */
  forget(project: string | undefined): void {
    void this.loading?.then((s) => s.forget(project)).catch(() => {});
  }

  private load(): Promise<NodeSoapService> {
    return (this.loading ??= this.make());
  }
}

/**
 * The SQL service of SQL connectors (runtime/sql/sql-service.ts), loaded by the first SQL
 * transaction; its drivers load with their first pool. A run without SQL loads none of it.
 */
class LazySqlService implements SqlService {
  private service: NodeSqlService | undefined;
  private loading: Promise<NodeSqlService> | undefined;

  constructor(private readonly dataDir: string) {}

  run(...args: Parameters<SqlService["run"]>): ReturnType<SqlService["run"]> {
    return this.service ? this.service.run(...args) : this.load().then((s) => s.run(...args));
  }

  test(...args: Parameters<NonNullable<SqlService["test"]>>): ReturnType<NonNullable<SqlService["test"]>> {
    return this.load().then((s) => s.test(...args));
  }

  schema(...args: Parameters<NonNullable<SqlService["schema"]>>): ReturnType<NonNullable<SqlService["schema"]>> {
    return this.load().then((s) => s.schema(...args));
  }

  private load(): Promise<NodeSqlService> {
    return (this.loading ??= import("./runtime/sql/sql-service.ts").then(
      (m) => (this.service = new m.NodeSqlService(this.dataDir)),
    ));
  }

  /** Closes a project's pools (undefined: every project's) but those a run holds in a transaction. */
  async closeProject(project: string | undefined): Promise<void> {
    await this.service?.closeProject(project);
  }

  /** Closes every pool. */
  async close(): Promise<void> {
    await this.service?.close();
  }
}

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
  /**
   * Whether `open` starts the sandbox's first worker and waits for it (default true: a server's
   * first run finds it ready). False: it starts when a run first needs JavaScript (`atelier run`
   * of a sequence that may need none).
   */
  warmSandbox?: boolean;
  /** Extra services (FullSync...). */
  services?: Partial<RunServices>;
  /** Where sessions live: this process's memory by default, or a shared store (RedisSessionStore). */
  sessions?: SessionStore;
  /**
   * Keep `outputSchemas` across restarts in `<workspace>/.atelier/output-schemas.json`
   * (api/output-schemas-file.ts): read at open, written at most once a minute and at close.
   * Default: for a whole workspace (the Studio, a server), not for the one-shot runs of given
   * project folders (`projectDirs`: atelier run, test, deploy's tests).
   */
  persistOutputSchemas?: boolean;
}

/**
 * The engine: the owner of a workspace of projects and of what runs use (sessions, settings and
 * the secret box, the HTTP client, FullSync once plugged in, the log, the sandbox pool). Its
 * `runner` runs sequences and transactions (`runtime/runner.ts`); `run()` is a shortcut to it.
 * It knows no screen and no HTTP server: the server, the CLI and the desktop shell all drive this
 * same class.
 */
export class Engine {
  readonly workspace: Workspace;
  readonly sessions: SessionStore;
  readonly log: EngineLog;
  readonly services: RunServices;
  /** Of the JavaScript sandbox (the runner's). */
  readonly sandboxLimits: { timeLimitMs: number; memoryBytes: number };
  /** Runs the workspace's sequences and transactions with the engine's services. */
  readonly runner: Runner;
  /** Incoming HTTP calls to /projects and /services (a bounded ring; the Studio's Requests tab). */
  readonly requests: RequestHistory;
  /** The shapes of the requestables' successful outputs (the REST API's documentation, api/openapi.ts). */
  readonly outputSchemas = new OutputSchemas();
  private outputSchemasSaver: OutputSchemasSaver | undefined;
  private settingsResolver!: SettingsResolver;
  secretBox!: SecretBox;
  // Replaced in `services` by the client itself once loaded: later calls go straight to it.
  private readonly http: LazyHttpClient = new LazyHttpClient((client) => {
    if (this.services.http === this.http) this.services.http = client;
  });
  private readonly soap = new LazySoapService(() =>
    import("./runtime/soap-service.ts").then(
      (m) =>
        new m.NodeSoapService({
          http: () => this.services.http,
          projectDir: (name) => this.workspace.get(name)?.dir,
        }),
    ),
  );
  private readonly sql: LazySqlService;
  private configSettings: Record<string, string> = {};
  /** The workspace configuration (atelier.config.yaml) as read at start. */
  config: WorkspaceConfig = { settings: {} };

  private constructor(private readonly opts: EngineOptions) {
    this.workspace = new Workspace(path.resolve(opts.workspaceDir));
    this.sessions = opts.sessions ?? new SessionStore();
    this.log = opts.log ?? new EngineLog();
    this.requests = new RequestHistory({ log: this.log });
    // Embedded SQL databases live in the workspace's data folder, beside FullSync's.
    this.sql = new LazySqlService(path.join(this.workspace.dir, ".atelier", "sql"));
    this.services = { http: this.http, soap: this.soap, sql: this.sql, ...opts.services };
    // A reloaded project's connectors may have changed: its WSDLs are read again, its pools close
    // (the next query reopens them).
    this.workspace.onChange((project) => {
      this.soap.forget(project);
      void this.sql.closeProject(project);
    });
    this.runner = new Runner({
      projects: this.workspace,
      // Read at each call: setConfigSettings replaces the resolver.
      settings: (project) => this.settingsResolver.forProject(project),
      services: this.services,
      log: this.log,
      sessions: this.sessions,
      limits: { sandbox: opts.sandbox },
    });
    this.sandboxLimits = this.runner.sandboxLimits;
    this.runner.onFinished((run) => this.sampleOutput(run));
    // A changed project may answer differently: its outputs are sampled again.
    this.workspace.onChange((project) => this.outputSchemas.forget(project));
  }

  /** Feeds `outputSchemas` with a successful run's output, until its requestable's schema is frozen. */
  private sampleOutput(run: FinishedRun): void {
    if (!run.ok || run.output === undefined) return;
    let key: string;
    if (run.sequence !== undefined) {
      key = OutputSchemas.key(run.project, { sequence: run.sequence });
    } else {
      const p = this.workspace.get(run.project);
      if (!p) return;
      try {
        const { connector, transaction } = findTransaction(p, run.connector, run.transaction);
        key = OutputSchemas.key(run.project, { connector: connector.name, transaction: transaction.name });
      } catch {
        return;
      }
    }
    this.outputSchemas.record(key, run.output);
  }

  /** Opens a workspace: loads its configuration and projects, prepares the sandbox. */
  static async open(opts: EngineOptions): Promise<Engine> {
    const engine = new Engine(opts);
    await engine.init();
    return engine;
  }

  private async init(): Promise<void> {
    const env = this.opts.env ?? process.env;
    // The validator reports JavaScript that does not parse once the parser is in (js-syntax.ts).
    const parser = loadJsSyntaxChecker();
    // The sandbox's first worker boots on another thread while the projects load (awaited last).
    const sandbox = this.opts.warmSandbox === false ? Promise.resolve() : loadSandboxModule();
    sandbox.catch(() => {}); // a failure is thrown by the await below, or dropped with a failed open
    const config = await readWorkspaceConfig(this.workspace.dir);
    this.config = config;
    this.configSettings = { ...config.settings, ...this.opts.configSettings };
    this.secretBox = await SecretBox.open(this.workspace.dir, env);
    this.settingsResolver = new SettingsResolver(
      { config: this.configSettings, env, cli: this.opts.settings ?? {} },
      this.secretBox,
    );
    await parser;
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
    if (this.opts.persistOutputSchemas ?? this.opts.projectDirs === undefined) {
      // After the projects loaded: loading them forgets their run schemas.
      const file = outputSchemasFile(this.workspace.dir);
      await loadOutputSchemas(file, this.outputSchemas, this.log);
      this.outputSchemasSaver = new OutputSchemasSaver(file, this.outputSchemas, this.log);
    }
    await sandbox;
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

  /** A project's settings (its secrets masked in the log from then on). */
  settingsFor(project: ObjNode): ResolvedSettings {
    return this.runner.settingsFor(project);
  }

  /** A number property read by the engine itself (time limits, session timeout): see `Runner.numberProp`. */
  numberProp(node: ObjNode, name: string, project: ObjNode, fallback?: number): number {
    return this.runner.numberProp(node, name, project, fallback);
  }

  project(name: string): LoadedProject | undefined {
    return this.workspace.get(name);
  }

  /** The sequence of a project, or a 404 RunError. */
  findSequence(project: LoadedProject, name: string): ObjNode {
    return findSequence(project, name);
  }

  /** A connector and transaction, by name or by default, or a 404 RunError. */
  findTransaction(
    project: LoadedProject,
    connectorName: string | undefined,
    txName: string | undefined,
  ): { connector: ObjNode; transaction: ObjNode } {
    return findTransaction(project, connectorName, txName);
  }

  /** Runs a sequence or a transaction (`Runner.run`); never throws: errors come back in the result. */
  run(req: RunRequest): Promise<RunResult> {
    return this.runner.run(req);
  }

  /** Stops background work and closes connections. */
  async close(): Promise<void> {
    await this.outputSchemasSaver?.close();
    this.outputSchemasSaver = undefined;
    await this.sessions.close();
    await this.http.close();
    await this.sql.close();
  }
}
