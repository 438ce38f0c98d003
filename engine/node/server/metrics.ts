/**
 * Prometheus metrics of an Atelier server, at `GET /metrics` (text exposition format) for callers
 * the admin API lets in with the `view` role and every project in scope: a PSC as bearer token
 * (what Prometheus sends with `authorization: {credentials: ...}`) or the admin session cookie.
 *
 * Each server has its own registry (several servers run in one test process); the process's
 * metrics (CPU, memory, event loop lag, GC), which are the process's and not a server's, are
 * collected once per process and shown by every server. Every label is bounded: HTTP routes are
 * route patterns (never the raw URL), projects and sequences are those deployed (any other name
 * is `(unknown)`), methods and statuses are HTTP's own, and each family has a ceiling of series
 * past which new label values collapse into `(other)`.
 */
import type { FastifyInstance } from "fastify";
import type { IncomingMessage, ServerResponse } from "node:http";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { FullSyncServer } from "../../../embedded-db/api.ts";
import { ApiError } from "../../common/http/api-error.ts";
import { answer, type RouteDef } from "../../common/http/routes.ts";
import { getType } from "../../common/model/registry.ts";
import { adminGuards, type AdminCtx, type AdminApiDeps } from "../admin/admin-api.ts";
import type { AuditRecord } from "../admin/audit.ts";
import type { Engine } from "../engine.ts";
import type { FinishedRun } from "../runtime/runner.ts";
import { SessionStore } from "../runtime/sessions.ts";
import { registerRouteTable } from "./typed-routes.ts";
import type { RawMount } from "./server.ts";

/** The prefix of every metric name. */
export const METRICS_PREFIX = "atelier_";

/** Where Prometheus scrapes. */
export const METRICS_PATH = "/metrics";

/** A label value standing for any name that is not a deployed project's or sequence's. */
export const UNKNOWN = "(unknown)";
/** A label value standing for the names past a family's ceiling of series. */
export const OTHER = "(other)";
/** A request no route matched (a 404 of the router, or a refused method). */
export const UNMATCHED = "(unmatched)";

/** Series ceilings: (project, sequence) pairs, HTTP routes, FullSync databases. */
const MAX_SEQUENCES = 2000;
const MAX_ROUTES = 500;
const MAX_DATABASES = 200;

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** The guard of /metrics: the admin API's `view` guard plus the whole scope (metrics name every project). */
const metricsRoutes = {
  metrics: { method: "GET", path: METRICS_PATH, guard: "view", answer: answer<string>() },
} as const satisfies Record<string, RouteDef<"view">>;

/** A set of label values that stops growing at `max`: past it, new values are `(other)`. */
class Bounded {
  private readonly seen = new Set<string>();
  constructor(private readonly max: number) {}
  label(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max) return OTHER;
    this.seen.add(value);
    return value;
  }
}

let processRegistry: Registry | undefined;

/** The process's metrics (CPU, memory, event loop lag, GC, handles), collected once per process. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: METRICS_PREFIX });
  }
  return processRegistry;
}

export interface ServerMetricsDeps {
  engine: Engine;
  /** For the guard of /metrics (the admin API's authentication). */
  store: AdminApiDeps["store"];
  sessions: AdminApiDeps["sessions"];
}

export interface ServerMetrics {
  /** This server's metrics and the process's. */
  registry: Registry;
  /** A global Fastify plugin: counts every request Fastify answers, and serves GET /metrics. */
  plugin: (app: FastifyInstance) => Promise<void>;
  /** A raw mount (FullSync) whose requests are counted too. */
  mount(m: RawMount): RawMount;
  /** Counts FullSync pulls and documents served. */
  watchFullSync(server: Pick<FullSyncServer, "onDeviceRead">): void;
  /** Counts deploys and rollbacks from the audit log's records (every deploy path writes one). */
  audited(record: AuditRecord): void;
  /** Stops listening to the engine and FullSync. */
  close(): void;
}

export function createServerMetrics(deps: ServerMetricsDeps): ServerMetrics {
  const { engine } = deps;
  const own = new Registry();
  const registers = [own];
  const p = METRICS_PREFIX;

  const httpRequests = new Counter({
    name: `${p}http_requests_total`,
    help: "HTTP requests answered, by method, route pattern and status",
    labelNames: ["method", "route", "status"] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: `${p}http_request_duration_seconds`,
    help: "Time to answer HTTP requests (FullSync feeds: until the feed ends), by method and route pattern",
    labelNames: ["method", "route"] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const runs = new Counter({
    name: `${p}sequence_runs_total`,
    help: "Sequence runs (HTTP calls, scheduled jobs, FullSync listeners), by project, sequence and outcome (ok, error, timeout, stopped)",
    labelNames: ["project", "sequence", "outcome"] as const,
    registers,
  });
  const runDuration = new Histogram({
    name: `${p}sequence_run_duration_seconds`,
    help: "Duration of sequence runs, by project and sequence",
    labelNames: ["project", "sequence"] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const pulls = new Counter({
    name: `${p}fullsync_pulls_total`,
    help: "FullSync _changes requests answered (each pull of a device's replication starts with one), by database",
    labelNames: ["db"] as const,
    registers,
  });
  const docsServed = new Counter({
    name: `${p}fullsync_docs_served_total`,
    help: "Documents FullSync sent to devices (_bulk_get, document GETs, _all_docs with include_docs), by database",
    labelNames: ["db"] as const,
    registers,
  });
  const deploys = new Counter({
    name: `${p}deploys_total`,
    help: "Deploys, by outcome (ok, failed) and client (atelier, convertigo)",
    labelNames: ["outcome", "client"] as const,
    registers,
  });
  const rollbacks = new Counter({
    name: `${p}rollbacks_total`,
    help: "Rollbacks done",
    registers,
  });
  new Gauge({
    name: `${p}projects_loaded`,
    help: "Projects the server serves",
    registers,
    collect() {
      this.set(engine.workspace.projects.size);
    },
  });
  // Sessions kept in memory only: with --redis they are the cluster's, counted by Redis.
  if (Object.getPrototypeOf(engine.sessions) === SessionStore.prototype) {
    new Gauge({
      name: `${p}sessions_active`,
      help: "Sessions of apps and devices kept by this server (in memory; expired ones go within 30 s)",
      registers,
      collect() {
        this.set(engine.sessions.size);
      },
    });
  }
  const registry = Registry.merge([processMetrics(), own]);

  const sequences = new Bounded(MAX_SEQUENCES);
  const routes = new Bounded(MAX_ROUTES);
  const databases = new Bounded(MAX_DATABASES);

  /** Project and sequence labels: deployed names only. */
  const runLabels = (run: FinishedRun & { sequence: string }) => {
    const project = engine.project(run.project);
    if (!project) return { project: UNKNOWN, sequence: UNKNOWN };
    const known = project.root.children.some(
      (c) => c.name === run.sequence && getType(c.type)?.category === "sequence",
    );
    if (!known) return { project: project.name, sequence: UNKNOWN };
    const pair = sequences.label(`${project.name}\u0000${run.sequence}`);
    return { project: project.name, sequence: pair === OTHER ? OTHER : run.sequence };
  };
  const outcome = (run: FinishedRun) =>
    run.ok ? "ok" : run.code === "timeout" ? "timeout" : run.code === "stopped" ? "stopped" : "error";

  const stopRuns = engine.runner.onFinished((run) => {
    if (run.sequence === undefined) return;
    const labels = runLabels(run as FinishedRun & { sequence: string });
    runs.inc({ ...labels, outcome: outcome(run) });
    runDuration.observe(labels, run.durationMs / 1000);
  });
  const stops: (() => void)[] = [stopRuns];

  const countRequest = (method: string, route: string, status: number, seconds: number) => {
    const m = METHODS.has(method) ? method : "OTHER";
    const r = routes.label(route);
    httpRequests.inc({ method: m, route: r, status: String(status) });
    httpDuration.observe({ method: m, route: r }, seconds);
  };

  const guards = adminGuards({ store: deps.store, sessions: deps.sessions });
  const plugin = async (app: FastifyInstance) => {
    app.addHook("onResponse", async (req, reply) => {
      countRequest(req.method, req.routeOptions.url ?? UNMATCHED, reply.statusCode, reply.elapsedTime / 1000);
    });
    await app.register(async (scope) =>
      registerRouteTable<typeof metricsRoutes, AdminCtx>(scope, {
        prefix: "",
        table: metricsRoutes,
        guards: {
          view: async (req, def) => {
            const ctx = await guards.view(req, def);
            if (!ctx.principal?.projects.includes("*")) {
              throw new ApiError(
                403,
                "out_of_scope",
                `The metrics name every project: a credential for all projects (*) is needed (this one's: ${ctx.principal?.projects.join(", ")})`,
              );
            }
            return ctx;
          },
        },
        handlers: {
          metrics: async ({ reply }) => {
            const text = await registry.metrics();
            return reply
              .code(200)
              .type(registry.contentType)
              .header("cache-control", "no-store")
              .send(text) as unknown as string;
          },
        },
      }),
    );
  };
  // Its hooks apply to every route of the server (Fastify's skip-override).
  (plugin as unknown as Record<symbol, boolean>)[Symbol.for("skip-override")] = true;

  return {
    registry,
    plugin,
    mount: (m) => ({
      prefix: m.prefix,
      handle: (req: IncomingMessage, res: ServerResponse) => {
        const started = process.hrtime.bigint();
        const method = req.method ?? "GET";
        const route = mountRoute(m.prefix, req.url ?? "/");
        res.once("close", () =>
          countRequest(method, route, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9),
        );
        m.handle(req, res);
      },
    }),
    watchFullSync: (server) => {
      stops.push(
        server.onDeviceRead((read) => {
          const db = databases.label(read.db);
          if (read.kind === "changes") pulls.inc({ db });
          else if (read.docs > 0) docsServed.inc({ db }, read.docs);
        }),
      );
    },
    audited: (record) => {
      if (record.action === "deploy") {
        deploys.inc({
          outcome: record.ok ? "ok" : "failed",
          client: record.details?.client === "convertigo" ? "convertigo" : "atelier",
        });
      } else if (record.action === "rollback" && record.ok) {
        rollbacks.inc();
      }
    },
    close: () => {
      for (const stop of stops.splice(0)) stop();
    },
  };
}

/** FullSync's endpoints a route label names; any other `_name` is `_other`. */
const FULLSYNC_ENDPOINTS = new Set([
  "_changes",
  "_all_docs",
  "_bulk_get",
  "_bulk_docs",
  "_revs_diff",
  "_ensure_full_commit",
  "_local",
  "_design",
]);

/**
 * The route pattern of a request to a raw mount: FullSync's CouchDB endpoints with `:db`, `:doc`
 * and `:attachment` for the names; anything under another mount is `<prefix>/*`.
 */
export function mountRoute(prefix: string, url: string): string {
  if (prefix !== "/fullsync") return `${prefix}/*`;
  const path = url.split("?")[0]!.slice(prefix.length);
  if (path !== "" && !path.startsWith("/")) return UNMATCHED;
  const segs = path.split("/").slice(1);
  if (segs.length && segs[segs.length - 1] === "") segs.pop();
  if (segs.length === 0) return `${prefix}/`;
  const second = segs[1] === undefined ? undefined : decodeSegment(segs[1]);
  if (second === undefined) return `${prefix}/:db`;
  if (second.startsWith("_")) {
    const endpoint = FULLSYNC_ENDPOINTS.has(second) ? second : "_other";
    if (endpoint === "_local" || endpoint === "_design") return `${prefix}/:db/${endpoint}/:id`;
    return `${prefix}/:db/${endpoint}`;
  }
  return segs.length === 2 ? `${prefix}/:db/:doc` : `${prefix}/:db/:doc/:attachment`;
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
