/**
 * The admin API of an Atelier server, registered from its route table (engine/common/admin/routes.ts):
 * each route's guard authenticates (a PSC as bearer token, or the admin session cookie of a
 * password login), checks the role the table names, and the credential's project scope.
 */
import { randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import {
  ADMIN_API,
  adminRoutes,
  type AdminGuard,
  type AdminRoutes,
  type ClusterInfo,
  type DeployStatus,
} from "../../common/admin/routes.ts";
import { ApiError } from "../../common/http/api-error.ts";
import { registryVersions } from "../../common/model/versions.ts";
import { PscError } from "../deploy/psc.ts";
import type { Engine } from "../engine.ts";
import { readCookie } from "../server/http-sessions.ts";
import { registerRouteTable, type Guard, type HandlersOf } from "../server/typed-routes.ts";
import { AdminAuthError, type AdminPrincipal, type AdminStore, type Role } from "./admin-store.ts";
import { ADMIN_COOKIE, type AdminSessions } from "./admin-sessions.ts";
import type { AuditLog } from "./audit.ts";
import { DeployError, type Deployments, type DeployResult } from "./deployments.ts";
import type { ServerSettings } from "./server-settings.ts";

/** What admin handlers get from their guard. */
export interface AdminCtx {
  /** The caller's address. */
  from: string;
  /** Absent on public and login routes. */
  principal?: AdminPrincipal;
}

export interface AdminApiDeps {
  engine: Engine;
  store: AdminStore;
  sessions: AdminSessions;
  deployments: Deployments;
  audit: AuditLog;
  settings: ServerSettings;
  /** Re-reads the settings into the engine after a change. */
  applySettings: () => Promise<void>;
  /** The server's base URL (for the project URLs in answers). */
  baseUrl: () => string;
  https: boolean;
  atelierVersion: string;
  startedAt: Date;
  fullsync: () => { mode: "embedded" | "external" | "off"; databases: string[] };
  /** Calls answered per project since start. */
  requestCounts: Map<string, { ok: number; failed: number }>;
  /** The servers of the cluster (or this one alone) and what each serves. */
  cluster: () => Promise<ClusterInfo>;
  /**
   * Deploy statuses shared by a cluster's servers (the client may poll another server than the
   * one that took the deploy); default: this server's memory.
   */
  deployStatuses?: {
    put(status: DeployStatus): Promise<void>;
    get(id: string): Promise<DeployStatus | undefined>;
  };
  /** The scheduler's routes (wired by the server). */
  jobs: Pick<
    HandlersOf<AdminRoutes, AdminCtx>,
    "jobs" | "createJob" | "updateJob" | "removeJob" | "runJob" | "jobRuns"
  >;
}

/** Roles that also grant `view`. */
function hasRole(p: AdminPrincipal, role: Role): boolean {
  return p.roles.includes(role) || (role === "view" && p.roles.length > 0);
}

function pscStatus(e: PscError): number {
  return e.problem === "out_of_scope" ? 403 : 401;
}

/** Authenticates an admin request: a PSC (Authorization: Bearer atlpsc1_...) or the session cookie. */
export async function authenticate(
  req: FastifyRequest,
  deps: Pick<AdminApiDeps, "store" | "sessions">,
): Promise<AdminPrincipal> {
  const auth = req.headers.authorization;
  if (auth?.startsWith("Bearer ")) {
    try {
      return await deps.store.verifyPsc(auth.slice(7).trim());
    } catch (e) {
      if (e instanceof PscError) throw new ApiError(pscStatus(e), `psc_${e.problem}`, e.message);
      throw e;
    }
  }
  const principal = await deps.sessions.get(readCookie(req.headers.cookie, ADMIN_COOKIE));
  if (!principal)
    throw new ApiError(401, "not_signed_in", "Sign in first: a PSC (Authorization: Bearer …) or POST /admin/api/login");
  // A cookie is sent by browsers on their own: refuse what a page of another site could make.
  const origin = req.headers.origin;
  const host = req.headers.host ?? "";
  if (origin && origin !== `http://${host}` && origin !== `https://${host}`) {
    throw new ApiError(403, "cross_origin", "Cross-origin admin calls are not allowed");
  }
  const site = req.headers["sec-fetch-site"];
  if (site && site !== "same-origin" && site !== "none")
    throw new ApiError(403, "cross_site", "Cross-site admin calls are not allowed");
  if (req.method !== "GET" && req.method !== "HEAD" && req.headers["x-atelier-admin"] !== "1") {
    throw new ApiError(
      403,
      "missing_header",
      "Admin calls signed in by cookie must carry the x-atelier-admin: 1 header",
    );
  }
  return principal;
}

/** The guards of the admin table. */
export function adminGuards(deps: Pick<AdminApiDeps, "store" | "sessions">): Record<AdminGuard, Guard<AdminCtx>> {
  const role =
    (r: Role): Guard<AdminCtx> =>
    async (req) => {
      const principal = await authenticate(req, deps);
      if (!hasRole(principal, r)) {
        throw new ApiError(
          403,
          "forbidden",
          `${principal.user} lacks the "${r}" role this call needs (has: ${principal.roles.join(", ")})`,
        );
      }
      const project = (req.params as { project?: string } | undefined)?.project;
      if (project !== undefined && !principal.projects.includes("*") && !principal.projects.includes(project)) {
        throw new ApiError(
          403,
          "out_of_scope",
          `This credential may not touch "${project}" (its scope: ${principal.projects.join(", ")})`,
        );
      }
      return { from: req.ip, principal };
    };
  return {
    public: (req) => ({ from: req.ip }),
    login: (req) => ({ from: req.ip }),
    view: role("view"),
    deploy: role("deploy"),
    configure: role("configure"),
  };
}

const MAX_DEPLOY_STATUSES = 200;

/** Registers the admin API in `scope`. */
export function registerAdminApi(scope: FastifyInstance, deps: AdminApiDeps): void {
  // Archives arrive as raw bytes (bounded by the route's maxBytes).
  scope.addContentTypeParser(
    ["application/zip", "application/octet-stream", "application/x-zip-compressed"],
    { parseAs: "buffer" },
    (_req, body, done) => done(null, body),
  );
  const statuses = new Map<string, DeployStatus>();
  const remember = (s: DeployStatus) => {
    statuses.set(s.id, s);
    while (statuses.size > MAX_DEPLOY_STATUSES) statuses.delete(statuses.keys().next().value as string);
    // Published for the other servers; a failure there is logged, the deploy goes on.
    deps.deployStatuses
      ?.put(s)
      .catch((e: Error) => deps.engine.log.warn(`The status of deploy ${s.id} is not shared: ${e.message}`));
  };
  const projectUrl = (project: string) =>
    new URL(`projects/${encodeURIComponent(project)}/`, deps.baseUrl()).toString();
  const who = (ctx: AdminCtx) => ctx.principal!;

  const handlers: HandlersOf<AdminRoutes, AdminCtx> = {
    server: () => ({
      atelier: deps.atelierVersion,
      types: registryVersions(),
      startedAt: deps.startedAt.toISOString(),
      https: deps.https,
      fullsync: deps.fullsync(),
    }),

    login: async ({ body, ctx, reply }) => {
      let principal: AdminPrincipal;
      try {
        principal = await deps.store.login(body.user, body.password, ctx.from);
      } catch (e) {
        if (e instanceof AdminAuthError) {
          await deps.audit.append({
            user: body.user.slice(0, 64),
            via: "password",
            from: ctx.from,
            action: "login",
            ok: false,
          });
          throw new ApiError(
            e.status,
            e.code,
            e.message,
            e.retryAfterMs ? { retryAfterMs: e.retryAfterMs } : undefined,
          );
        }
        throw e;
      }
      const id = await deps.sessions.create(principal);
      reply.header("set-cookie", deps.sessions.cookie(id, deps.https));
      await deps.audit.append({ user: principal.user, via: "password", from: ctx.from, action: "login", ok: true });
      return { user: principal.user, roles: principal.roles, via: principal.via, projects: principal.projects };
    },

    logout: async ({ req, reply }) => {
      await deps.sessions.destroy(readCookie(req.headers.cookie, ADMIN_COOKIE));
      reply.header("set-cookie", deps.sessions.clearedCookie());
      return { ok: true as const };
    },

    cluster: () => deps.cluster(),

    whoami: ({ ctx }) => {
      const p = who(ctx);
      return { user: p.user, roles: p.roles, via: p.via, projects: p.projects };
    },

    projects: async ({ ctx }) => {
      const p = who(ctx);
      return (await deps.deployments.list())
        .filter((s) => p.projects.includes("*") || p.projects.includes(s.project))
        .map((s) => ({
          ...s,
          requests: deps.requestCounts.get(s.project) ?? { ok: 0, failed: 0 },
          url: projectUrl(s.project),
        }));
    },

    project: async ({ params }) => {
      const s = await deps.deployments.state(params.project);
      if (!s) throw new ApiError(404, "unknown_project", `There is no deployed project "${params.project}"`);
      return { ...s, requests: deps.requestCounts.get(s.project) ?? { ok: 0, failed: 0 }, url: projectUrl(s.project) };
    },

    deploy: ({ params, query, body, ctx, reply }) => {
      const p = who(ctx);
      const bytes = Buffer.isBuffer(body) ? body : undefined;
      if (!bytes || bytes.length === 0) {
        throw new ApiError(415, "archive_expected", "Send the .car as the body, with Content-Type: application/zip");
      }
      const status: DeployStatus = {
        id: `dep_${randomBytes(8).toString("hex")}`,
        project: params.project,
        phase: "received",
        startedAt: new Date().toISOString(),
      };
      remember(status);
      const replaces =
        query.replaces === undefined ? undefined : query.replaces === "none" ? null : Number(query.replaces);
      // The deploy goes on after this answer: the client polls its status, so a slow server or
      // a large project never looks like a failure.
      void deps.deployments
        .deploy(
          {
            bytes,
            project: params.project,
            ...(replaces !== undefined ? { replaces } : {}),
            force: query.force === "true",
            by: { user: p.user, via: p.via, from: ctx.from, projects: p.projects },
          },
          (phase) => {
            // "done" is said once the result is there (below), never before.
            if (phase !== "done") status.phase = phase as DeployStatus["phase"];
            remember(status);
          },
        )
        .then(
          async (r: DeployResult) => {
            status.phase = "done";
            status.endedAt = new Date().toISOString();
            status.result = { ...r, url: projectUrl(r.project) };
            remember(status);
            await deps.audit.append({
              user: p.user,
              via: p.via,
              from: ctx.from,
              action: "deploy",
              project: r.project,
              version: r.version,
              ok: true,
              details: { replaced: r.replaced, digest: r.digest },
            });
          },
          async (e: unknown) => {
            status.phase = "failed";
            status.endedAt = new Date().toISOString();
            const err =
              e instanceof DeployError
                ? e
                : new DeployError(500, "deploy_failed", `The deploy failed: ${(e as Error).message}`);
            if (!(e instanceof DeployError))
              deps.engine.log.error(
                `Deploy of ${params.project} failed: ${(e as Error).stack ?? String(e)}`,
                params.project,
              );
            status.error = {
              status: err.status,
              code: err.code,
              message: err.message,
              ...(err.details !== undefined ? { details: err.details } : {}),
            };
            remember(status);
            await deps.audit.append({
              user: p.user,
              via: p.via,
              from: ctx.from,
              action: "deploy",
              project: params.project,
              ok: false,
              details: { code: err.code, message: err.message },
            });
          },
        );
      reply.code(202);
      return status;
    },

    deployStatus: async ({ params, ctx }) => {
      const s = statuses.get(params.id) ?? (await deps.deployStatuses?.get(params.id));
      const p = who(ctx);
      if (!s || (s.project && !p.projects.includes("*") && !p.projects.includes(s.project))) {
        throw new ApiError(
          404,
          "unknown_deploy",
          `There is no deploy ${params.id} (statuses are kept for the last ${MAX_DEPLOY_STATUSES})`,
        );
      }
      return s;
    },

    rollback: async ({ params, body, ctx }) => {
      const p = who(ctx);
      try {
        const r = await deps.deployments.rollback(params.project, body.to, { user: p.user, projects: p.projects });
        await deps.audit.append({
          user: p.user,
          via: p.via,
          from: ctx.from,
          action: "rollback",
          project: r.project,
          version: r.version,
          ok: true,
          details: { replaced: r.replaced },
        });
        return {
          project: r.project,
          version: r.version,
          ...(r.replaced !== undefined ? { replaced: r.replaced } : {}),
        };
      } catch (e) {
        if (e instanceof DeployError) throw new ApiError(e.status, e.code, e.message, e.details);
        throw e;
      }
    },

    logs: ({ params, query }) => {
      const n = Math.min(Number(query.lines ?? 100) || 100, 1000);
      return deps.engine.log
        .recent(0)
        .filter((r) => r.project === params.project)
        .slice(-n)
        .map((r) => ({ at: r.at, level: r.level, message: r.message, ...(r.project ? { project: r.project } : {}) }));
    },

    audit: async ({ query, ctx }) => {
      const p = who(ctx);
      const n = Math.min(Number(query.lines ?? 100) || 100, 1000);
      const records = await deps.audit.tail(n, query.project);
      return records.filter(
        (r) => p.projects.includes("*") || (r.project !== undefined && p.projects.includes(r.project)),
      );
    },

    settings: ({ params }) => deps.settings.list(params.project),

    setSetting: async ({ params, body, ctx }) => {
      const p = who(ctx);
      try {
        await deps.settings.set(params.project, params.name, body.value, body.secret === true);
      } catch (e) {
        throw new ApiError(400, "invalid_setting", (e as Error).message);
      }
      await deps.applySettings();
      // The value is never written to the audit log, only that it changed.
      await deps.audit.append({
        user: p.user,
        via: p.via,
        from: ctx.from,
        action: "setting.set",
        project: params.project,
        ok: true,
        details: { name: params.name, secret: body.secret === true },
      });
      return body.secret
        ? { name: params.name, secret: true }
        : { name: params.name, value: body.value, secret: false };
    },

    removeSetting: async ({ params, ctx }) => {
      const p = who(ctx);
      const removed = await deps.settings.remove(params.project, params.name);
      await deps.applySettings();
      await deps.audit.append({
        user: p.user,
        via: p.via,
        from: ctx.from,
        action: "setting.remove",
        project: params.project,
        ok: true,
        details: { name: params.name },
      });
      return { removed };
    },

    ...deps.jobs,
  };

  registerRouteTable(scope, { prefix: ADMIN_API, table: adminRoutes, handlers, guards: adminGuards(deps) });
}
