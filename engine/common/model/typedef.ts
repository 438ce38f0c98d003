import type { FullSyncService } from "./fullsync.ts";
import type { ObjNode } from "./node.ts";
import type { PropDef, SourceRef } from "./props.ts";
import type { SoapService } from "./soap.ts";

/** Broad families of object types: they decide where an object lives and who may hold it. */
export type Category =
  | "project"
  | "connector"
  | "transaction"
  | "sequence"
  | "step"
  | "variable"
  | "test"
  | "setting"
  | "design"
  | "listener"
  | "reference"
  | "foreign"
  | "api"
  // The UI builder (issue 18): the application and its styles, pages, what pages show (components,
  // texts, directives, shared components), events, actions, and declared values (states, inputs).
  | "app"
  | "page"
  | "ui"
  | "event"
  | "action"
  | "state";

/** JSON value produced by runs. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What a sequence or a transaction answers: an output, or an error in Convertigo's shape. */
export interface ErrorInfo {
  /** A number for codes given by Error steps (Convertigo's habit), a word for engine errors. */
  code: string | number;
  message: string;
  details?: unknown;
  /** HTTP status the engine answers with when the error reaches an HTTP caller. */
  status?: number;
}

/** The cookie session of a caller, as steps and transactions see it. */
export interface SessionApi {
  readonly id: string;
  readonly user: string | undefined;
  readonly groups: readonly string[];
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  delete(key: string): void;
  setUser(user: string, groups?: readonly string[]): void;
  removeUser(): void;
}

export type LogLevel = "debug" | "info" | "warn" | "error";

/** An HTTP exchange, as the engine's HTTP client performs it for a transaction. */
export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  tlsVerify: boolean;
  /** Refuse an answer whose body is larger (the client's own bound applies when absent). */
  maxBodyBytes?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * What stops a call or a run: an AbortSignal, or anything shaped like one (a run is its own, so
 * that a run costs no AbortController unless something asks for one). Listeners are called once.
 */
export interface StopSignal {
  readonly aborted: boolean;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

export interface HttpClient {
  request(req: HttpRequest, signal?: StopSignal): Promise<HttpResponse>;
}

/** The result of running a transaction. */
export interface TransactionResult {
  data: unknown;
  status?: number;
  headers?: Record<string, string>;
}

/** Services the runtime hands to the code of a type; each is optional where a host lacks it. */
export interface RunServices {
  http: HttpClient;
  /** FullSync data and groups for FullSync connectors and steps (present when FullSync runs). */
  fullsync?: FullSyncService;
  /** Why FullSync is not running, when it was asked for and could not start (said in failures). */
  fullsyncDown?: string;
  /** The SOAP client of SOAP connectors (the node engine loads it with the first SOAP call). */
  soap?: SoapService;
  /** Databases of SQL connectors (present where the host can open them; the node engine's loads lazily). */
  sql?: SqlService;
}

/** A database a SQL connector opens (see parseSqlUrl in types/connectors/sql-url.ts). */
export interface SqlConnection {
  /** The project and connector: pools are per connector, closed when the project reloads. */
  project: string;
  connector: string;
  /** The connector's database URL (settings resolved); empty for the embedded default. */
  url: string;
  user: string;
  password: string;
  poolSize: number;
  connectTimeoutMs: number;
}

/** The result of one statement: rows (a query) or a count of affected rows (any other). */
export interface SqlStatementResult {
  columns?: string[];
  rows?: Record<string, unknown>[];
  affectedRows?: number;
}

/** A database's error, with what the database said and where. */
export interface SqlFailure {
  kind: "connect" | "query" | "timeout" | "stopped";
  message: string;
  /** The index of the failing statement. */
  statement?: number;
  /** 1-based character position in the statement, when the database gives one. */
  position?: number;
  /** The database's error code (SQLSTATE, MySQL's code...). */
  code?: string;
}

/**
 * The run a transaction is part of, for what lasts across its steps (a SQL transaction left open
 * by one step, committed by a later one): `onEnd` functions run when the run ends, however it ends.
 */
export interface RunScope {
  onEnd(fn: () => Promise<void>): void;
}

/** Runs statements on SQL connectors' databases. */
export interface SqlService {
  /**
   * Runs statements in order on one connection; stops at the first error, rolled back if it
   * happened inside a transaction. Answers each statement's result, or the failure. With a
   * `scope`, a transaction the statements leave open (BEGIN without COMMIT) keeps its connection
   * for the run's next statements on the connector, and is rolled back if the run ends first.
   */
  run(
    conn: SqlConnection,
    statements: readonly { text: string; params: readonly unknown[] }[],
    opts: { timeoutMs: number; signal?: StopSignal; scope?: RunScope },
  ): Promise<{ results: SqlStatementResult[]; failure?: SqlFailure }>;
  /** Opens the database and asks its version (the Studio's "Test connection"), within `timeoutMs`. */
  test?(conn: SqlConnection, opts: { timeoutMs: number }): Promise<SqlTestResult>;
  /** The tables and columns of the connected schema (the Studio's query completion), bounded. */
  schema?(conn: SqlConnection, opts: { timeoutMs: number }): Promise<SqlSchema | { failure: SqlFailure }>;
}

/** What testing a connection answers: the server's version, or the database's error. */
export type SqlTestResult =
  | { ok: true; driver: string; version: string; ms: number }
  | { ok: false; driver?: string; kind: SqlFailure["kind"]; message: string; code?: string; ms: number };

/** Bounds of a schema answer: tables, and columns per table. */
export const SQL_SCHEMA_LIMITS = { tables: 500, columns: 200 } as const;

/** The tables (and views) of the connected schema with their columns, at most SQL_SCHEMA_LIMITS. */
export interface SqlSchema {
  driver: string;
  tables: { name: string; schema?: string; columns: { name: string; type: string }[]; truncated?: boolean }[];
  /** More tables than the limit: the first ones by name are given. */
  truncated: boolean;
}

/** What a transaction's `execute` receives. */
export interface TransactionContext {
  /** Input variables, with defaults applied and types converted. */
  vars: Record<string, unknown>;
  /** The name of the project running the transaction (the node engine's runs give it). */
  project?: string;
  /** The run, for what lasts across its steps (the node engine's runs give it). */
  scope?: RunScope;
  /** A property of the transaction or connector, with `${setting}` placeholders resolved. */
  prop<T = unknown>(node: ObjNode, name: string): T;
  /** Replaces `${setting}` placeholders in any text. */
  resolveSettings(text: string): string;
  services: RunServices;
  session: SessionApi;
  /** The run's stop: aborted when the run is stopped or passes its time limit. */
  signal: StopSignal;
  log(level: LogLevel, message: string): void;
  /** Records an input in the trace (secrets are masked by the runtime). */
  input(name: string, value: unknown): void;
  /** Ends the run with an error. */
  fail(code: string | number, message: string, details?: unknown, status?: number): never;
  /** Ends the transaction at once with this result (e.g. a database's error answered as data). */
  answer(result: TransactionResult): never;
}

/** Code run by a transaction type. */
export type TransactionExecute = (
  transaction: ObjNode,
  connector: ObjNode,
  ctx: TransactionContext,
) => Promise<TransactionResult>;

/** What a step's `run` receives; bound to the step being run. */
export interface StepContext {
  readonly node: ObjNode;
  /** A property of this step, with `${setting}` placeholders resolved (never in code or expression properties). */
  prop<T = unknown>(name: string): T;
  /**
   * The step's value by the common convention: its `source` when set, else its `expression`,
   * else its constant `value`.
   */
  value(): Promise<unknown>;
  /** Reads an earlier step's output through a source. */
  source(ref: SourceRef): unknown;
  /** Evaluates a JavaScript expression in the run's sandbox. */
  evaluate(expression: string, what: string): Promise<unknown>;
  /** Runs JavaScript statements in the run's sandbox; answers the completion value. */
  execute(code: string, what: string): Promise<unknown>;
  /** Defines a variable of the JavaScript scope (loop items, counters). */
  setScopeVariable(name: string, value: unknown): Promise<void>;
  /** Runs child steps in order (all children when none are given). */
  runChildren(children?: readonly ObjNode[]): Promise<void>;
  /**
   * For loops: runs the children as one turn of the loop; answers false when a Break step inside
   * ended the loop (the loop then stops).
   */
  runLoopTurn(): Promise<boolean>;
  /** Ends the innermost loop running this step, now (a Break step); outside a loop, does nothing. */
  breakLoop(): void;
  /** Adds a value to the output object or array being built. */
  emit(name: string, value: unknown): void;
  /**
   * Builds a nested object or array in the output; steps run by `fill` write into it. With
   * `output: false` it is built (the step's output, for sources) but not added to the output.
   */
  nest(
    kind: "object" | "array",
    name: string,
    fill: () => Promise<void>,
    opts?: { output?: boolean },
  ): Promise<unknown>;
  /** The values of this step's StepVariable children (for calls). */
  stepVariables(): Promise<Record<string, unknown>>;
  callTransaction(
    target: { project?: string; connector?: string; transaction: string },
    vars: Record<string, unknown>,
  ): Promise<TransactionResult>;
  callSequence(target: { project?: string; sequence: string }, vars: Record<string, unknown>): Promise<unknown>;
  session: SessionApi;
  services: RunServices;
  log(level: LogLevel, message: string): void;
  input(name: string, value: unknown): void;
  fail(code: string | number, message: string, details?: unknown, status?: number): never;
  /** Ends the sequence now, with the output built so far. */
  finish(): never;
  /**
   * Throws when the run was stopped or timed out; also lets the engine serve other work during
   * long loops. Loops call it once per iteration.
   */
  checkAborted(): Promise<void>;
}

/**
 * An input a requestable type always takes (Convertigo's built-in variables of FullSync
 * transactions): callers may give it without declaring it; a Variable child of the same name
 * overrides this definition (to give a default, make it required...).
 */
export interface BuiltInVariable {
  name: string;
  dataType: "string" | "integer" | "number" | "boolean" | "json";
  multiValued?: boolean;
  required?: boolean;
  /**
   * For json: a text that is not valid JSON is taken as a text (CouchDB keys are often plain
   * ids, given as `alice` by HTTP callers and as the string "alice" by sequences).
   */
  textIfNotJson?: boolean;
  description: string;
}

/** Code run by a step type; the value it answers is the step's output (for sources and traces). */
export type StepRun = (ctx: StepContext) => Promise<unknown> | unknown;

/**
 * One step of a type's history: turns the properties of an object saved at version `to - 1` into
 * the properties version `to` means. Pure: it gets a copy and answers the new properties (files
 * leave defaults out, so a changed default is a migration that writes the old default in).
 */
export interface Migration {
  to: number;
  /** What changed, for people (shown when a project is migrated). */
  description: string;
  up(props: Record<string, unknown>): Record<string, unknown>;
}

/**
 * One object type, defined once: the Studio's tree and property panel, the file format,
 * validation and the runtime all read this definition.
 */
export interface TypeDef {
  type: string;
  /**
   * The version of the type's properties (1 when absent). Files record the versions they were
   * written with; older objects are migrated when read, newer ones refused. Changing a property
   * (name, kind, default, allowed values) means a new version and a migration: a test holds the
   * registry to it (engine/common/model/versions.test.ts).
   */
  version?: number;
  /** Ordered steps from version 1 up to `version`: `to` is 2, 3, ... `version`. */
  migrations?: readonly Migration[];
  label: string;
  category: Category;
  /** Icon name (the Studio maps names to glyphs). */
  icon: string;
  description: string;
  props: readonly PropDef[];
  /** Child types accepted, by type name or by `category:<category>`. */
  accepts: readonly string[];
  /** Restricts where the type can be placed (parent type names). */
  onlyIn?: readonly string[];
  /**
   * Objects stored in a file of their own, `<file>/<name>.yaml` under the project folder (so
   * their names are file names, unique among their siblings of the same folder). Without
   * `fileParent`, the objects are children of the project; the loader reads these folders after
   * project.yaml (engine/node/project/project-files.ts).
   */
  file?: OwnFileFolder;
  /**
   * For own-file types held by another own-file object (a Page of the Application): the type of
   * that object. Their files are read after its file and attached under the first object of that
   * type (engine/common/format/project-format.ts, OWN_FILE_FOLDERS); anywhere else, they are
   * written inline in their parent's file.
   */
  fileParent?: string;
  /** For steps. */
  run?: StepRun;
  /** For transactions. */
  execute?: TransactionExecute;
  /** For transactions: the inputs the type always takes (see BuiltInVariable). */
  variables?: readonly BuiltInVariable[];
  /** For connectors: the transaction type created by default, and the types it holds. */
  transactionTypes?: readonly string[];
  /** Extra checks across the object (beyond each property's own). */
  check?: (node: ObjNode) => string[];
  /**
   * For steps that write the response: "value", a value under the step's name; "object" and
   * "array", a nested object or array the steps inside fill. The Studio derives a sequence's
   * response shape from it (and says when nothing writes one).
   */
  output?: "value" | "object" | "array";
  /** For steps that hold steps: "condition", they may not run; "loop", they may run many times. */
  flow?: "condition" | "loop";
  /**
   * What running an object of this type does to the world beyond its own answer: "write" when it
   * may change something (a database, a document, the caller's session, a remote service called
   * with a method that is not safe), "none" when it only reads and computes. A function decides
   * from the object's properties (a SQL query that only selects, an HTTP GET). Absent: "none".
   * Code whose effects cannot be known (JavaScript, foreign objects) says "write". Read by
   * "Generate REST API" (engine/common/api/generate-mapper.ts): a sequence none of whose steps,
   * called sequences and called transactions writes is read-only, answered to GET.
   */
  effects?: Effects | ((node: ObjNode) => Effects);
}

/**
 * The folders of a project holding one object per file (TypeDef.file): connectors, sequences, the
 * REST API, the UI's application (ui/) and what the application holds in files of their own.
 */
export type OwnFileFolder = "connectors" | "sequences" | "api" | "ui" | "ui/pages" | "ui/shared" | "ui/actions";

/** See TypeDef.effects. */
export type Effects = "none" | "write";

/** Declares a type while keeping its literal `type` name (so unions derive from the registry). */
export function defineType<const T extends string>(def: TypeDef & { type: T }): TypeDef & { type: T } {
  return def;
}

/** A serializable view of a type (what the engine serves to the Studio). */
export interface TypeSchema {
  type: string;
  label: string;
  category: Category;
  icon: string;
  description: string;
  props: Omit<PropDef, "check">[];
  accepts: string[];
  onlyIn?: string[];
  runnable: boolean;
  variables?: BuiltInVariable[];
  output?: TypeDef["output"];
  flow?: TypeDef["flow"];
  file?: TypeDef["file"];
  fileParent?: string;
}
