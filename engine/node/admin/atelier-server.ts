/**
 * The Atelier server (`atelier server --data DIR`): a headless engine serving the projects deployed
 * to it (`/projects/...`, `/fullsync/...`), with the admin API under `/admin/` and Convertigo's deploy
 * services, health endpoints, and no Studio API at all. Everything it keeps lives in the data folder:
 *
 *   DIR/atelier.config.yaml   the server's configuration (cors, fullsync, api limits), optional
 *   DIR/admin/                users, PSC tokens, server key, setting values, audit log, jobs
 *   DIR/projects/             deployed projects and their versions (see deployments.ts)
 *   DIR/.atelier/             the secret key of setting values, embedded FullSync databases
 */
import { RedisSessionStore } from "../runtime/redis-sessions.ts";
import type { ClusterInfo, ClusterServer, DeployStatus } from "../../common/admin/routes.ts";
import { CouchDeployments, type CouchTarget } from "../cluster/couch-deployments.ts";
import { Membership } from "../cluster/membership.ts";
import { redactedUrl } from "../cluster/redis-connection.ts";
import { FileDocs, RedisDocs, type DocStore } from "../cluster/shared-docs.ts";
import { DEFAULT_CAR_LIMITS } from "../deploy/car.ts";
import { X509Certificate } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { Engine } from "../engine.ts";
import { EngineLog } from "../log.ts";
import { fullSyncNotStarted, startEngineFullSync, type EngineFullSync } from "../fullsync/engine-fullsync.ts";
import { createServerMetrics } from "../server/metrics.ts";
import { startServer, type RawMount, type RunningServer } from "../server/server.ts";
import { redisListenerClaims } from "../fullsync/listener-claims.ts";
import { registerAdminApi } from "./admin-api.ts";
import { AdminSessions, RedisAdminSessions } from "./admin-sessions.ts";
import { AdminStore } from "./admin-store.ts";
import { AuditLog } from "./audit.ts";
import { registerConvertigoAdmin } from "./convertigo-admin.ts";
import { Deployments } from "./deployments.ts";
import { ServerSettings } from "./server-settings.ts";
import { schedulerRoutes, startServerScheduler, type ServerScheduler } from "./server-jobs.ts";

export interface ServerOptions {
  dataDir: string;
  host?: string;
  port?: number;
  /** PEM files: HTTPS when given. */
  tls?: { certFile: string; keyFile: string };
  /** Proxies whose X-Forwarded-For/-Proto are believed (see startServer's trustProxy). */
  trustProxy?: readonly string[];
  /** The URL clients reach the server at (PSCs carry it); default: the address it listens on. */
  publicUrl?: string;
  env?: NodeJS.ProcessEnv;
  log?: EngineLog;
  /** FullSync in memory (tests). */
  fullsyncInMemory?: boolean;
  /**
   * Sessions in this Redis (redis:// or rediss:// URL), shared by every server of a cluster;
   * default: this process's memory.
   */
  redisUrl?: string;
  /**
   * An external CouchDB (its password apart, or in the URL): FullSync's databases and the
   * deployments (a database every server reads, followed by its change feed).
   */
  couch?: CouchTarget;
  /** Prefix of the cluster's Redis keys (several clusters can share one Redis); default "atelier:". */
  clusterPrefix?: string;
  /** How long a cluster server's claim on a job's tick holds unless renewed (default 30 s). */
  jobLeaseMs?: number;
  /** How long a cluster server's claim on a FullSync listener's run holds unless renewed. */
  listenerLeaseMs?: number;
  /** Milliseconds between a cluster server's heartbeats (default 5000). */
  heartbeatMs?: number;
  atelierVersion: string;
}

export interface RunningAtelierServer {
  engine: Engine;
  server: RunningServer;
  url: string;
  store: AdminStore;
  deployments: Deployments;
  /** SHA-256 of the TLS certificate (DER, hex), for PSC pins. */
  certificatePin?: string;
  scheduler: ServerScheduler;
  close(): Promise<void>;
  /**
   * A graceful stop: not ready at once (`/health/ready` answers 503 "draining", so a load balancer
   * stops sending calls), still serving for `ms`, then closed (calls under way finish).
   */
  drain(ms: number): Promise<void>;
}

/** The SHA-256 pin of a PEM certificate: what PSCs carry and clients compare. */
export function certificatePin(pem: string): string {
  return new X509Certificate(pem).fingerprint256.replace(/:/g, "").toLowerCase();
}

/** Marks a plugin's hooks as global (Fastify's skip-override), for the request counters. */
function global<T extends (app: FastifyInstance) => Promise<void>>(fn: T): T {
  (fn as unknown as Record<symbol, boolean>)[Symbol.for("skip-override")] = true;
  return fn;
}

export async function startAtelierServer(opts: ServerOptions): Promise<RunningAtelierServer> {
  const dataDir = path.resolve(opts.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const env = opts.env ?? process.env;
  const log = opts.log ?? new EngineLog();
  const prefix = opts.clusterPrefix ?? "atelier:";
  // A cluster's shared state (admin users, tokens, settings, admin sessions, deploy statuses,
  // audit, heartbeats) is in Redis; alone, in the data folder and this process's memory.
  const docs: DocStore = opts.redisUrl
    ? await RedisDocs.connect({ url: opts.redisUrl, prefix, onError: (m) => log.warn(m) })
    : new FileDocs();
  const redis = docs instanceof RedisDocs ? docs : undefined;
  const settings = await ServerSettings.open(dataDir, env, docs);
  const engine = await Engine.open({
    workspaceDir: dataDir,
    projectDirs: [],
    configSettings: await settings.resolved(),
    env,
    log,
    ...(opts.redisUrl
      ? {
          sessions: await RedisSessionStore.connect({
            url: opts.redisUrl,
            onError: (message) => log.warn(message),
          }),
        }
      : {}),
  });
  const deployments = new Deployments(
    dataDir,
    engine,
    DEFAULT_CAR_LIMITS,
    opts.couch ? { registry: new CouchDeployments(opts.couch), atelierVersion: opts.atelierVersion } : undefined,
  );
  const store = new AdminStore(dataDir, docs);
  const sessions = redis ? new RedisAdminSessions(redis.client, prefix) : new AdminSessions();
  const metrics = createServerMetrics({ engine, store, sessions });
  const audit = new AuditLog(
    path.join(dataDir, "admin", "audit.jsonl"),
    redis ? { client: redis.client, prefix } : undefined,
    metrics.audited,
  );
  await store.key();
  await deployments.loadAll();
  // Setting values changed through another server reach this engine at once.
  docs.onChange((name) => {
    if (name !== "server-settings") return;
    void settings
      .resolved()
      .then((values) => engine.setConfigSettings(values))
      .catch((e: Error) => log.warn(`Settings changed by another server cannot be read: ${e.message}`));
  });
  const deployStatuses = redis
    ? {
        put: async (s: DeployStatus) => {
          await redis.client.set(`${prefix}deploy:${s.id}`, JSON.stringify(s), { EX: 3600 });
        },
        get: async (id: string) => {
          if (!/^dep_[0-9a-f]{16}$/.test(id)) return undefined;
          const raw = await redis.client.get(`${prefix}deploy:${id}`);
          return raw ? (JSON.parse(raw) as DeployStatus) : undefined;
        },
      }
    : undefined;

  let fullsync: EngineFullSync | undefined;
  const mounts: RawMount[] = [];
  try {
    fullsync = await startEngineFullSync(
      engine,
      opts.fullsyncInMemory
        ? { inMemory: true }
        : opts.couch
          ? {
              couch: opts.couch,
              // A cluster's servers follow the databases' change feeds and run each listener once.
              ...(opts.redisUrl
                ? {
                    claims: await redisListenerClaims(opts.redisUrl, prefix, {
                      onError: (m) => log.warn(m),
                      ...(opts.listenerLeaseMs ? { leaseMs: opts.listenerLeaseMs } : {}),
                    }),
                  }
                : {}),
            }
          : {},
      env,
    );
  } catch (e) {
    mounts.push(fullSyncNotStarted(engine, e));
  }
  if (fullsync) mounts.push(fullsync.mount);
  if (fullsync) metrics.watchFullSync(fullsync.server);

  let tls: { cert: string; key: string } | undefined;
  let pin: string | undefined;
  if (opts.tls) {
    const [cert, key] = await Promise.all([readFile(opts.tls.certFile, "utf8"), readFile(opts.tls.keyFile, "utf8")]);
    tls = { cert, key };
    pin = certificatePin(cert);
  }

  const requestCounts = new Map<string, { ok: number; failed: number }>();
  const startedAt = new Date();
  let baseUrl = "";
  let ready = false;
  let draining = false;
  // In a cluster, jobs and their runs are the cluster's, each tick run by one server.
  const scheduler = await startServerScheduler(
    dataDir,
    engine,
    docs,
    opts.jobLeaseMs ? { leaseMs: opts.jobLeaseMs } : undefined,
  );

  const counters = global(async (app: FastifyInstance) => {
    app.addHook("onResponse", async (req, reply) => {
      const project = (req.params as { project?: string } | undefined)?.project;
      if (!project || !req.routeOptions.url?.startsWith("/projects/")) return;
      let c = requestCounts.get(project);
      if (!c) {
        if (requestCounts.size > 10_000) return;
        c = { ok: 0, failed: 0 };
        requestCounts.set(project, c);
      }
      if (reply.statusCode < 400) c.ok++;
      else c.failed++;
    });
  });

  const health = async (app: FastifyInstance) => {
    app.get("/health/live", async (_req, reply) => reply.header("cache-control", "no-store").send({ status: "live" }));
    app.get("/health/ready", async (_req, reply) => {
      const problems: string[] = [];
      if (draining) problems.push("draining: this server is stopping");
      else if (!ready) problems.push("starting");
      for (const [name, reason] of engine.workspace.failures) problems.push(`${name}: ${reason}`);
      // A server whose sessions cannot be kept (Redis out of reach) takes no traffic.
      const sessions = await engine.sessions.health();
      if (sessions) problems.push(sessions);
      if (deployments.sharedProblem) problems.push(`deployments: ${deployments.sharedProblem}`);
      reply.header("cache-control", "no-store");
      if (problems.length) return reply.code(503).send({ status: "not_ready", problems });
      return reply.send({ status: "ready", projects: [...engine.workspace.projects.keys()] });
    });
  };

  const selfRecord = (): Omit<ClusterServer, "id" | "host" | "pid" | "startedAt" | "lastSeen" | "self"> => ({
    url: baseUrl,
    atelier: opts.atelierVersion,
    ready,
    serving: deployments.serving(),
  });
  const membership = redis ? new Membership(redis.client, prefix, selfRecord, opts.heartbeatMs) : undefined;
  const clusterInfo = async (): Promise<ClusterInfo> => {
    const servers: ClusterServer[] = membership
      ? await membership.list()
      : [
          {
            ...selfRecord(),
            id: "local",
            host: "",
            pid: process.pid,
            startedAt: startedAt.toISOString(),
            lastSeen: new Date().toISOString(),
            self: true,
          },
        ];
    const projects = new Set(servers.flatMap((s) => Object.keys(s.serving)));
    const diverging = [...projects].filter((p) => new Set(servers.map((s) => s.serving[p] ?? 0)).size > 1).sort();
    return {
      mode: redis ? "cluster" : "single",
      state: opts.redisUrl ? `Redis ${redactedUrl(opts.redisUrl)}` : "memory and the data folder",
      deployments: deployments.describe(),
      servers,
      diverging,
    };
  };

  const admin = async (app: FastifyInstance) => {
    await app.register(async (scope) =>
      registerAdminApi(scope, {
        engine,
        store,
        sessions,
        deployments,
        audit,
        settings,
        applySettings: async () => engine.setConfigSettings(await settings.resolved()),
        baseUrl: () => baseUrl,
        https: Boolean(tls),
        atelierVersion: opts.atelierVersion,
        startedAt,
        fullsync: () => ({
          mode: fullsync ? (fullsync.placement.startsWith("http") ? "external" : "embedded") : "off",
          databases: fullsync?.databases() ?? [],
        }),
        requestCounts,
        cluster: clusterInfo,
        ...(deployStatuses ? { deployStatuses } : {}),
        jobs: schedulerRoutes(scheduler, audit),
      }),
    );
    await app.register(async (scope) =>
      registerConvertigoAdmin(scope, {
        store,
        sessions,
        deployments,
        audit,
        https: Boolean(tls),
        tmpDir: path.join(dataDir, ".atelier", "tmp"),
      }),
    );
  };

  let server: RunningServer;
  try {
    server = await startServer(engine, {
      host: opts.host,
      port: opts.port,
      ...(tls ? { tls } : {}),
      ...(opts.trustProxy?.length ? { trustProxy: opts.trustProxy } : {}),
      ...(engine.config.cors ? { cors: engine.config.cors } : {}),
      plugins: [counters, health, admin, metrics.plugin],
      mounts: mounts.map(metrics.mount),
      onClose: async () => {
        await membership?.stop();
        metrics.close();
        await scheduler.close();
        await deployments.close();
        await fullsync?.close();
        await docs.close();
      },
    });
  } catch (e) {
    await scheduler.close();
    await deployments.close();
    await fullsync?.close();
    await engine.close();
    await docs.close();
    throw e;
  }
  baseUrl = opts.publicUrl ?? server.url;
  ready = true;
  await membership?.start((m) => log.warn(m));
  return {
    engine,
    server,
    url: baseUrl,
    store,
    deployments,
    scheduler,
    ...(pin ? { certificatePin: pin } : {}),
    close: async () => {
      ready = false;
      await server.close();
      await engine.close();
    },
    drain: async (ms: number) => {
      draining = true;
      ready = false;
      // The cluster's list says it at once.
      await membership?.beat().catch(() => undefined);
      if (ms > 0) await new Promise((r) => setTimeout(r, ms));
      await server.close();
      await engine.close();
    },
  };
}
