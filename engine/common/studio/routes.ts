/**
 * The Studio API's route table: every route the engine serves under STUDIO_API, once, with its
 * method, path, request schema, answer type and guard. The engine registers its routes from this
 * table (engine/node/studio/routes/), the renderer derives its client from it (renderer/src/api.ts),
 * and a test checks that the routes served and the table are the same set.
 *
 * Why a table: authorization used to be decided from a URL prefix while the router matched the
 * decoded path, so `/api/%73tudio/...` reached the routes unguarded. A route here cannot be declared
 * without its `guard`, and the guard is attached to the route itself.
 */
import Type from "typebox";
import { answer, type RouteDef } from "../http/routes.ts";
import type { SqlSchema, SqlTestResult, TypeSchema } from "../model/typedef.ts";
import type {
  ChangeResult,
  FindResult,
  HistoryState,
  LogEntry,
  OpenWorkspaceResult,
  ProjectTree,
  TestResult,
  WorkspaceInfo,
} from "./api.ts";
import { LineBreakpointsSchema, type FolderListing } from "./projects.ts";
import type { GeneratedApiSummary } from "../api/generate-mapper.ts";
import type { EngineStatus, RequestDetail, RequestList } from "./requests.ts";
import { RenameBody, type RenamePlanInfo, type RenameResult } from "./refactor.ts";
import type { UiCatalogue } from "../ui/ui-catalogue.ts";

/** What the Studio's app build answers. */
export interface AppBuildSummary {
  /** Where the engine serves it (`/apps/<project>/`). */
  url: string;
  ms: number;
  files: number;
  bytes: number;
  warnings: string[];
  /** What the build said, one line each (as the CLI prints it). */
  lines: string[];
}
import type { JsonSchema } from "../model/json-schema.ts";
import {
  adminRoutes,
  type DeployedProject,
  type JobInfo,
  type JobRun,
  type LogLine,
  type ServerInfo,
  type SettingValue,
  type TargetSummary,
} from "../admin/routes.ts";
export type { JobInfo, JobRun, TargetSummary };

/**
 * Who may call a route. `studio`: a signed-in Studio window (token cookie or bearer, same origin,
 * the x-atelier-studio header). `studio-stream`: the same without the header, for EventSource,
 * which cannot send headers (read-only streams only).
 */
export type StudioGuard = "studio" | "studio-stream";

// Bounds on what a caller may send: every list and string has a ceiling.
const MAX_IDS = 10_000;
const Id = Type.String({ minLength: 1, maxLength: 200 });
const Name = Type.String({ minLength: 1, maxLength: 200 });
const Ids = Type.Array(Id, { maxItems: MAX_IDS });
const Index = Type.Integer({ minimum: 0, maximum: 1_000_000 });
const Props = Type.Record(Type.String({ maxLength: 200 }), Type.Unknown());
const Path = Type.String({ minLength: 1, maxLength: 4096 });

export interface TargetsInfo {
  targets: TargetSummary[];
  /** The target used last, per project name. */
  last: Record<string, string>;
}

/** A deploy started from the Studio, followed by polling. */
export interface StudioDeploy {
  id: string;
  project: string;
  target: string;
  /** checking, testing, building, uploading, then the server's phases; done or failed. */
  step: string;
  startedAt: string;
  endedAt?: string;
  result?: { version: number; replaced?: number; url: string; digest: string; warnings: string[]; bytes: number };
  error?: { status: number; code: string; message: string; details?: unknown };
}

const strict = { additionalProperties: false } as const;

export const CreateBody = Type.Object(
  {
    parent: Id,
    type: Type.String({ minLength: 1, maxLength: 100 }),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    index: Type.Optional(Index),
    props: Type.Optional(Props),
  },
  strict,
);
export const UpdateBody = Type.Object(
  {
    rev: Type.Optional(Type.String({ maxLength: 100 })),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    set: Type.Optional(Props),
    unset: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 1000 })),
  },
  strict,
);
export const MoveBody = Type.Object(
  { ids: Ids, parent: Id, toProject: Type.Optional(Name), index: Type.Optional(Index) },
  strict,
);
export const PasteBody = Type.Object(
  {
    parent: Id,
    nodes: Type.Array(Type.Unknown(), { maxItems: MAX_IDS }),
    index: Type.Optional(Index),
    /** How the change is named in the undo history: "Add" for what the designer's palette adds. */
    label: Type.Optional(Type.Literal("Add")),
  },
  strict,
);
export const RunStartBody = Type.Object(
  {
    project: Name,
    sequence: Type.Optional(Name),
    connector: Type.Optional(Name),
    transaction: Type.Optional(Name),
    inputs: Props,
    debug: Type.Optional(Type.Boolean()),
    breakpoints: Type.Optional(Ids),
    lineBreakpoints: Type.Optional(LineBreakpointsSchema),
  },
  strict,
);
export const FindQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 1000 })),
    project: Type.Optional(Type.String({ maxLength: 200 })),
    in: Type.Optional(Type.String({ maxLength: 100 })),
    limit: Type.Optional(Type.String({ pattern: "^[0-9]{1,5}$" })),
  },
  strict,
);

export const RequestsQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 500 })),
    status: Type.Optional(Type.String({ pattern: "^([1-5]xx|[1-5][0-9]{2}|failed)$" })),
    limit: Type.Optional(Type.String({ pattern: "^[0-9]{1,4}$" })),
    unchangedSince: Type.Optional(Type.String({ pattern: "^[0-9]{1,15}$" })),
  },
  strict,
);

/** Every route of the Studio API. */
export const studioRoutes = {
  session: {
    method: "GET",
    path: "/session",
    guard: "studio",
    answer: answer<{ workspace: string; history: HistoryState }>(),
  },
  types: { method: "GET", path: "/types", guard: "studio", answer: answer<TypeSchema[]>() },
  workspace: { method: "GET", path: "/workspace", guard: "studio", answer: answer<WorkspaceInfo>() },
  openWorkspace: {
    method: "POST",
    path: "/workspace/open",
    guard: "studio",
    body: Type.Object({ dir: Path, create: Type.Optional(Type.Boolean()) }, strict),
    answer: answer<OpenWorkspaceResult>(),
  },
  createProject: {
    method: "POST",
    path: "/projects",
    guard: "studio",
    body: Type.Object({ name: Name }, strict),
    answer: answer<ChangeResult>(),
  },
  addExample: {
    method: "POST",
    path: "/examples/:name",
    guard: "studio",
    body: Type.Object({ as: Type.Optional(Name) }, strict),
    answer: answer<ChangeResult>(),
  },

  // ---- whole projects (engine/node/studio/routes/projects.ts) ----
  renameProject: {
    method: "POST",
    path: "/projects/:project/rename",
    guard: "studio",
    body: Type.Object({ name: Name }, strict),
    answer: answer<ChangeResult>(),
  },
  copyProject: {
    method: "POST",
    path: "/projects/:project/copy",
    guard: "studio",
    body: Type.Object({ name: Name }, strict),
    answer: answer<ChangeResult>(),
  },
  deleteProject: { method: "DELETE", path: "/projects/:project", guard: "studio", answer: answer<ChangeResult>() },
  /** The project's .car (application/zip, as a download). */
  exportProject: { method: "GET", path: "/projects/:project/export", guard: "studio", answer: answer<Uint8Array>() },
  /** Sub-folders of a folder under the user's home or the workspace's parent (the import dialog's picker). */
  folders: {
    method: "GET",
    path: "/folders",
    guard: "studio",
    query: Type.Object({ path: Type.Optional(Type.String({ maxLength: 4096 })) }, strict),
    answer: answer<FolderListing>(),
  },
  importConvertigo: {
    method: "POST",
    path: "/import/convertigo",
    guard: "studio",
    body: Type.Object({ src: Path, name: Type.Optional(Type.String({ maxLength: 200 })) }, strict),
    answer: answer<ChangeResult & { warnings: string[] }>(),
  },
  tree: { method: "GET", path: "/projects/:project/tree", guard: "studio", answer: answer<ProjectTree>() },
  create: {
    method: "POST",
    path: "/projects/:project/objects",
    guard: "studio",
    body: CreateBody,
    answer: answer<ChangeResult>(),
  },
  update: {
    method: "PATCH",
    path: "/projects/:project/objects/:id",
    guard: "studio",
    body: UpdateBody,
    answer: answer<ChangeResult>(),
  },
  // ---- refactoring: renames that update references (engine/node/studio/rename.ts) ----
  rename: {
    method: "POST",
    path: "/projects/:project/objects/:id/rename",
    guard: "studio",
    body: RenameBody,
    answer: answer<RenameResult>(),
  },
  renamePreview: {
    method: "POST",
    path: "/projects/:project/objects/:id/rename-preview",
    guard: "studio",
    body: RenameBody,
    answer: answer<RenamePlanInfo>(),
  },
  remove: {
    method: "POST",
    path: "/projects/:project/delete",
    guard: "studio",
    body: Type.Object({ ids: Ids }, strict),
    answer: answer<ChangeResult>(),
  },
  move: {
    method: "POST",
    path: "/projects/:project/move",
    guard: "studio",
    body: MoveBody,
    answer: answer<ChangeResult>(),
  },
  duplicate: {
    method: "POST",
    path: "/projects/:project/duplicate",
    guard: "studio",
    body: Type.Object({ ids: Ids }, strict),
    answer: answer<ChangeResult>(),
  },
  paste: {
    method: "POST",
    path: "/projects/:project/paste",
    guard: "studio",
    body: PasteBody,
    answer: answer<ChangeResult>(),
  },
  /** One SoapTransaction per operation of a SOAP connector's WSDL not yet made (engine/node/studio/soap-import.ts). */
  importWsdl: {
    method: "POST",
    path: "/projects/:project/soap/:id/import",
    guard: "studio",
    body: Type.Object({}, strict),
    answer: answer<ChangeResult & { operations: number; added: number }>(),
  },
  /**
   * A REST API made from the project's sequences (engine/common/api/generate-mapper.ts): a UrlMapper,
   * or new paths in the existing one, added as one undoable change (engine/node/studio/generate-api.ts).
   */
  generateRestApi: {
    method: "POST",
    path: "/projects/:project/api/generate",
    guard: "studio",
    body: Type.Object({}, strict),
    answer: answer<ChangeResult & GeneratedApiSummary>(),
  },
  /** Opens a SQL connector's database and asks its version (engine/node/studio/sql-studio.ts). */
  sqlTest: {
    method: "POST",
    path: "/projects/:project/sql/:id/test",
    guard: "studio",
    body: Type.Object({}, strict),
    answer: answer<SqlTestResult>(),
  },
  /** A SQL connector's tables and columns, bounded (the query editor's completion). */
  sqlSchema: {
    method: "GET",
    path: "/projects/:project/sql/:id/schema",
    guard: "studio",
    answer: answer<SqlSchema>(),
  },
  history: { method: "GET", path: "/history", guard: "studio", answer: answer<HistoryState>() },
  undo: { method: "POST", path: "/undo", guard: "studio", answer: answer<ChangeResult>() },
  redo: { method: "POST", path: "/redo", guard: "studio", answer: answer<ChangeResult>() },
  find: {
    method: "GET",
    path: "/find",
    guard: "studio",
    query: FindQuery,
    answer: answer<{ results: FindResult[]; truncated: boolean }>(),
  },
  references: {
    method: "GET",
    path: "/projects/:project/references/:id",
    guard: "studio",
    answer: answer<FindResult[]>(),
  },
  log: {
    method: "GET",
    path: "/log",
    guard: "studio",
    query: Type.Object({ after: Type.Optional(Type.String({ pattern: "^[0-9]{1,15}$" })) }, strict),
    answer: answer<LogEntry[]>(),
  },
  runTests: {
    method: "POST",
    path: "/projects/:project/tests/run",
    guard: "studio",
    body: Type.Object({ ids: Type.Optional(Ids) }, strict),
    answer: answer<TestResult[]>(),
  },
  run: { method: "POST", path: "/runs", guard: "studio", body: RunStartBody, stream: "ndjson", answer: answer<void>() },
  debug: {
    method: "POST",
    path: "/runs/:id/debug",
    guard: "studio",
    body: Type.Object(
      { action: Type.Union([Type.Literal("continue"), Type.Literal("step"), Type.Literal("stop")]) },
      strict,
    ),
    answer: answer<{ ok: boolean }>(),
  },
  breakpoints: {
    method: "PUT",
    path: "/runs/:id/breakpoints",
    guard: "studio",
    body: Type.Object({ ids: Ids, lines: Type.Optional(LineBreakpointsSchema) }, strict),
    answer: answer<{ ok: boolean }>(),
  },
  events: { method: "GET", path: "/events", guard: "studio-stream", stream: "sse", answer: answer<void>() },
  status: { method: "GET", path: "/status", guard: "studio", answer: answer<EngineStatus>() },

  // ---- the UI builder: its component and actions catalogues (engine/common/ui) ----
  uiCatalogue: { method: "GET", path: "/ui/catalogue", guard: "studio", answer: answer<UiCatalogue>() },
  /**
   * The shapes of what the project's sequences and transactions answered in runs, by
   * `project/sequence` and `project/connector.transaction` (engine/common/model/output-schema.ts).
   */
  outputSchemas: {
    method: "GET",
    path: "/outputSchemas/:project",
    guard: "studio",
    answer: answer<Record<string, JsonSchema>>(),
  },

  /**
   * Generates and builds the project's app (engine/node/app-builder/app-build.ts), served at
   * /apps/<project>/ when done; a build that cannot be made is a 422 saying why.
   */
  buildApp: {
    method: "POST",
    path: "/projects/:project/app/build",
    guard: "studio",
    body: Type.Object({}, strict),
    answer: answer<AppBuildSummary>(),
  },

  // ---- the request history: HTTP calls to /projects and /services (engine/node/studio/routes/requests.ts) ----
  requests: { method: "GET", path: "/requests", guard: "studio", query: RequestsQuery, answer: answer<RequestList>() },
  request: { method: "GET", path: "/requests/:id", guard: "studio", answer: answer<RequestDetail>() },
  requestTracing: {
    method: "PUT",
    path: "/requests/tracing",
    guard: "studio",
    body: Type.Object({ on: Type.Boolean() }, strict),
    answer: answer<{ tracing: boolean }>(),
  },
  clearRequests: { method: "DELETE", path: "/requests", guard: "studio", answer: answer<{ cleared: boolean }>() },

  // ---- deployment targets (imported PSCs) and deploys, through this engine ----
  targets: { method: "GET", path: "/targets", guard: "studio", answer: answer<TargetsInfo>() },
  importTarget: {
    method: "POST",
    path: "/targets",
    guard: "studio",
    body: Type.Object({ psc: Type.String({ minLength: 1, maxLength: 200_000 }) }, strict),
    answer: answer<TargetSummary[]>(),
  },
  removeTarget: { method: "DELETE", path: "/targets/:target", guard: "studio", answer: answer<{ removed: boolean }>() },
  startDeploy: {
    method: "POST",
    path: "/deploys",
    guard: "studio",
    body: Type.Object(
      {
        project: Name,
        target: Id,
        force: Type.Optional(Type.Boolean()),
        requireTests: Type.Optional(Type.Boolean()),
      },
      strict,
    ),
    answer: answer<StudioDeploy>(),
  },
  deployStatus: { method: "GET", path: "/deploys/:id", guard: "studio", answer: answer<StudioDeploy>() },
  serverInfo: { method: "GET", path: "/targets/:target/server", guard: "studio", answer: answer<ServerInfo>() },
  serverProjects: {
    method: "GET",
    path: "/targets/:target/projects",
    guard: "studio",
    answer: answer<DeployedProject[]>(),
  },
  serverLogs: {
    method: "GET",
    path: "/targets/:target/projects/:project/logs",
    guard: "studio",
    answer: answer<LogLine[]>(),
  },
  serverRollback: {
    method: "POST",
    path: "/targets/:target/projects/:project/rollback",
    guard: "studio",
    body: Type.Object({ to: Type.Optional(Type.Integer({ minimum: 1, maximum: 1e9 })) }, strict),
    answer: answer<{ project: string; version: number; replaced?: number }>(),
  },
  serverSettings: {
    method: "GET",
    path: "/targets/:target/projects/:project/settings",
    guard: "studio",
    answer: answer<SettingValue[]>(),
  },
  serverSetSetting: {
    method: "PUT",
    path: "/targets/:target/projects/:project/settings/:name",
    guard: "studio",
    body: Type.Object({ value: Type.String({ maxLength: 100_000 }), secret: Type.Optional(Type.Boolean()) }, strict),
    answer: answer<SettingValue>(),
  },
  serverAudit: { method: "GET", path: "/targets/:target/audit", guard: "studio", answer: answer<unknown[]>() },
  serverJobs: { method: "GET", path: "/targets/:target/jobs", guard: "studio", answer: answer<JobInfo[]>() },

  // ---- this workspace's scheduled jobs, run by this engine (the same shapes as a server's) ----
  jobs: { method: "GET", path: "/jobs", guard: "studio", answer: answer<LocalJob[]>() },
  createJob: {
    method: "POST",
    path: "/jobs",
    guard: "studio",
    body: adminRoutes.createJob.body,
    answer: answer<LocalJob>(),
  },
  updateJob: {
    method: "PATCH",
    path: "/jobs/:id",
    guard: "studio",
    body: adminRoutes.updateJob.body,
    answer: answer<LocalJob>(),
  },
  removeJob: { method: "DELETE", path: "/jobs/:id", guard: "studio", answer: answer<{ removed: boolean }>() },
  runJob: { method: "POST", path: "/jobs/:id/run", guard: "studio", answer: answer<LocalJobRun>() },
  jobRuns: {
    method: "GET",
    path: "/jobs/:id/runs",
    guard: "studio",
    query: adminRoutes.jobRuns.query,
    answer: answer<LocalJobRun[]>(),
  },
} as const satisfies Record<string, RouteDef<StudioGuard>>;

export type StudioRoutes = typeof studioRoutes;
export type StudioRouteName = keyof StudioRoutes;

export type { PathParams, RouteAnswer, RouteDef, RouteRequest } from "../http/routes.ts";
export { routePath } from "../http/routes.ts";

/** A run of one of this workspace's jobs (the same shape as a server's). */
export type LocalJobRun = JobRun;

/** One of this workspace's scheduled jobs (`<workspace>/.atelier/jobs.json`), as the local engine runs it. */
export type LocalJob = JobInfo;
