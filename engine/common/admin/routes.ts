/**
 * The admin API of an Atelier server (`atelier server`), declared once: the server registers its
 * routes from this table (engine/node/admin/admin-api.ts), clients (the CLI's deploy client, the
 * Studio's Servers view through the local engine) derive their calls from it, and every route
 * names the role it needs, so a route cannot exist without its guard.
 */
import Type from "typebox";
import { answer, type RouteDef } from "../http/routes.ts";

/** The prefix of the admin API. */
export const ADMIN_API = "/admin/api";

/**
 * Who may call a route: `public` (nothing needs it today), `login` (throttled credentials check), or a
 * role: `view` (read), `deploy` (deploy and roll back), `configure` (settings, jobs). Routes with a
 * `:project` parameter also check the credential's project scope.
 */
export type AdminGuard = "public" | "login" | "view" | "deploy" | "configure";

export interface ServerInfo {
  atelier: string;
  /** The type versions this server reads (a deploy from a newer Studio is refused clearly). */
  types: Record<string, number>;
  startedAt: string;
  https: boolean;
  fullsync: { mode: "embedded" | "external" | "off"; databases: string[] };
}

/** A server of a cluster, as its heartbeat says it. */
export interface ClusterServer {
  id: string;
  host: string;
  pid: number;
  /** The URL it listens at (behind the load balancer, what the balancer reaches). */
  url: string;
  atelier: string;
  startedAt: string;
  lastSeen: string;
  /** Ready for traffic (what /health/ready answers). */
  ready: boolean;
  /** The version each deployed project serves on it. */
  serving: Record<string, number>;
  /** The server answering this call. */
  self: boolean;
}

/** `GET /admin/cluster`: one server alone, or the servers of a cluster and what each serves. */
export interface ClusterInfo {
  mode: "single" | "cluster";
  /** Where sessions, admin state and heartbeats are kept ("memory", or the Redis URL without password). */
  state: string;
  /** Where deployments are kept (the data folder, or the CouchDB database). */
  deployments: string;
  servers: ClusterServer[];
  /** Projects whose version differs between servers (a deploy still propagating, or a server that could not load it). */
  diverging: string[];
}

/** A deployment target as a developer's Studio and CLI show it (never its secret). */
export interface TargetSummary {
  id: string;
  kind: "psc" | "legacy";
  url: string;
  user: string;
  projects: string[];
  /** ISO date; absent for legacy (password) targets. */
  expires?: string;
  label?: string;
  /** Certificate pin (SHA-256 hex). */
  pin?: string;
  /** "legacy, password-based" for Convertigo PSCs. */
  note?: string;
}

export interface Whoami {
  user: string;
  roles: string[];
  via: string;
  projects: string[];
}

export interface DeployedVersion {
  version: number;
  digest: string;
  deployedBy: string;
  via: string;
  from: string;
  at: string;
  replaced?: number;
  builtWith?: string;
  projectVersion?: string;
  files: number;
  bytes: number;
}

export interface DeployedProject {
  project: string;
  current: number;
  versions: DeployedVersion[];
  rolledBack?: { to: number; by: string; at: string };
  /** Calls since the server started: answered, failed (4xx/5xx). */
  requests?: { ok: number; failed: number };
  /** The project's URL on the server. */
  url?: string;
}

export type DeployPhase = "received" | "checking" | "staging" | "validating" | "swapping" | "done" | "failed";

export interface DeployStatus {
  id: string;
  project?: string;
  phase: DeployPhase;
  startedAt: string;
  endedAt?: string;
  result?: { project: string; version: number; replaced?: number; digest: string; warnings: string[]; url: string };
  error?: { status: number; code: string; message: string; details?: unknown };
}

export interface SettingValue {
  name: string;
  /** Secret values are never sent back. */
  value?: string;
  secret: boolean;
}

/** A scheduled job, as the scheduler answers it (server and local engine alike). */
export interface JobInfo {
  id: string;
  project: string;
  sequence: string;
  cron: string;
  timezone: string;
  inputs: Record<string, string>;
  paused: boolean;
  /** ISO, UTC. */
  createdAt: string;
  /** The next time the schedule fires, ISO with the job's time zone offset; absent when paused. */
  nextRun?: string;
  running: boolean;
  /** When the run under way started (ISO, UTC). */
  runningSince?: string;
  /** The last run (skipped ticks left out). */
  lastRun?: JobRun;
}

/** One run of a scheduled job (one line of the runs file). */
export interface JobRun {
  /** The job's id. */
  job: string;
  /** When the run started (or the tick was skipped), ISO in UTC. */
  at: string;
  durationMs: number;
  ok: boolean;
  /** Why the run failed. */
  error?: string;
  /** Set when the tick did not run: why (the previous run was still under way). */
  skipped?: string;
  /** Set when the run was asked for (run now) rather than scheduled. */
  manual?: true;
  /** A cluster's runs: the server that ran it (or recorded the skip). */
  server?: string;
  /** A cluster's scheduled runs: the tick's time (ISO, UTC), the same on every server. */
  tick?: string;
  /** A cluster's runs: the fencing token of the claim it ran under (higher is newer). */
  fence?: number;
  /** A cluster's runs: set when this server took the tick over from one whose lease expired mid-run. */
  recovery?: true;
}

export interface LogLine {
  at: number;
  level: string;
  message: string;
  project?: string;
}

const Project = Type.String({ minLength: 1, maxLength: 200, pattern: "^[A-Za-z_][A-Za-z0-9_.-]*$" });
const strict = { additionalProperties: false } as const;
const JobInputs = Type.Record(Type.String({ maxLength: 200 }), Type.String({ maxLength: 10_000 }), {
  maxProperties: 200,
});

/** Largest archive a deploy may upload. */
export const MAX_CAR_BYTES = 64 * 1024 * 1024;

export const adminRoutes = {
  server: { method: "GET", path: "/server", guard: "view", answer: answer<ServerInfo>() },
  login: {
    method: "POST",
    path: "/login",
    guard: "login",
    body: Type.Object(
      { user: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 1024 }) },
      strict,
    ),
    answer: answer<Whoami>(),
  },
  logout: { method: "POST", path: "/logout", guard: "view", answer: answer<{ ok: true }>() },
  whoami: { method: "GET", path: "/whoami", guard: "view", answer: answer<Whoami>() },
  cluster: { method: "GET", path: "/cluster", guard: "view", answer: answer<ClusterInfo>() },
  projects: { method: "GET", path: "/projects", guard: "view", answer: answer<DeployedProject[]>() },
  project: { method: "GET", path: "/projects/:project", guard: "view", answer: answer<DeployedProject>() },
  deploy: {
    method: "POST",
    path: "/projects/:project/deploys",
    guard: "deploy",
    bodyKind: "raw",
    maxBytes: MAX_CAR_BYTES,
    query: Type.Object(
      {
        replaces: Type.Optional(Type.String({ pattern: "^(none|[0-9]{1,9})$" })),
        force: Type.Optional(Type.Union([Type.Literal("true"), Type.Literal("false")])),
      },
      strict,
    ),
    answer: answer<DeployStatus>(),
  },
  deployStatus: { method: "GET", path: "/deploys/:id", guard: "deploy", answer: answer<DeployStatus>() },
  rollback: {
    method: "POST",
    path: "/projects/:project/rollback",
    guard: "deploy",
    body: Type.Object({ to: Type.Optional(Type.Integer({ minimum: 1, maximum: 1e9 })) }, strict),
    answer: answer<{ project: string; version: number; replaced?: number }>(),
  },
  logs: {
    method: "GET",
    path: "/projects/:project/logs",
    guard: "view",
    query: Type.Object({ lines: Type.Optional(Type.String({ pattern: "^[0-9]{1,4}$" })) }, strict),
    answer: answer<LogLine[]>(),
  },
  audit: {
    method: "GET",
    path: "/audit",
    guard: "view",
    query: Type.Object(
      { lines: Type.Optional(Type.String({ pattern: "^[0-9]{1,4}$" })), project: Type.Optional(Project) },
      strict,
    ),
    answer: answer<unknown[]>(),
  },
  settings: { method: "GET", path: "/projects/:project/settings", guard: "view", answer: answer<SettingValue[]>() },
  setSetting: {
    method: "PUT",
    path: "/projects/:project/settings/:name",
    guard: "configure",
    body: Type.Object({ value: Type.String({ maxLength: 100_000 }), secret: Type.Optional(Type.Boolean()) }, strict),
    answer: answer<SettingValue>(),
  },
  removeSetting: {
    method: "DELETE",
    path: "/projects/:project/settings/:name",
    guard: "configure",
    answer: answer<{ removed: boolean }>(),
  },
  jobs: { method: "GET", path: "/jobs", guard: "view", answer: answer<JobInfo[]>() },
  createJob: {
    method: "POST",
    path: "/jobs",
    guard: "configure",
    body: Type.Object(
      {
        id: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9_.-]{1,64}$" })),
        project: Project,
        sequence: Type.String({ minLength: 1, maxLength: 200 }),
        cron: Type.String({ minLength: 1, maxLength: 200 }),
        timezone: Type.Optional(Type.String({ maxLength: 100 })),
        inputs: Type.Optional(JobInputs),
        paused: Type.Optional(Type.Boolean()),
      },
      strict,
    ),
    answer: answer<JobInfo>(),
  },
  updateJob: {
    method: "PATCH",
    path: "/jobs/:id",
    guard: "configure",
    body: Type.Object(
      {
        paused: Type.Optional(Type.Boolean()),
        cron: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        timezone: Type.Optional(Type.String({ maxLength: 100 })),
        inputs: Type.Optional(JobInputs),
      },
      strict,
    ),
    answer: answer<JobInfo>(),
  },
  removeJob: { method: "DELETE", path: "/jobs/:id", guard: "configure", answer: answer<{ removed: boolean }>() },
  runJob: { method: "POST", path: "/jobs/:id/run", guard: "configure", answer: answer<JobRun>() },
  jobRuns: {
    method: "GET",
    path: "/jobs/:id/runs",
    guard: "view",
    query: Type.Object({ lines: Type.Optional(Type.String({ pattern: "^[0-9]{1,4}$" })) }, strict),
    answer: answer<JobRun[]>(),
  },
} as const satisfies Record<string, RouteDef<AdminGuard>>;

export type AdminRoutes = typeof adminRoutes;
export type AdminRouteName = keyof AdminRoutes;
