import path from "node:path";
import type { AdminRoutes } from "../../common/admin/routes.ts";
import { ApiError } from "../../common/http/api-error.ts";
import type { Engine } from "../engine.ts";
import type { DocStore } from "../cluster/shared-docs.ts";
import { engineJobHooks, jobFiles, Scheduler, type ClusterOptions } from "../scheduler/scheduler.ts";
import type { HandlersOf } from "../server/typed-routes.ts";
import type { AdminCtx } from "./admin-api.ts";
import type { AuditLog } from "./audit.ts";

export type ServerScheduler = Scheduler;

/**
 * The server's scheduler: jobs in `<data>/admin/jobs.json`, runs in `<data>/admin/job-runs.jsonl`.
 * With a cluster's shared `docs` (RedisDocs), the jobs and their runs are the cluster's, and each
 * tick runs on one server only (`cluster`: this server's name and lease, mostly for tests).
 */
export async function startServerScheduler(
  dataDir: string,
  engine: Engine,
  docs?: DocStore,
  cluster?: ClusterOptions,
): Promise<Scheduler> {
  const scheduler = new Scheduler({
    ...jobFiles(path.join(dataDir, "admin")),
    ...engineJobHooks(engine),
    log: engine.log,
    // `atelier jobs --data DIR` changes the file while the server runs (a cluster follows Redis).
    watch: true,
    ...(docs ? { docs } : {}),
    ...(cluster ? { cluster } : {}),
  });
  await scheduler.start();
  return scheduler;
}

/** The admin routes of the scheduler, each change audited; a job's project must be in the caller's scope. */
export function schedulerRoutes(
  scheduler: Scheduler,
  audit: AuditLog,
): Pick<HandlersOf<AdminRoutes, AdminCtx>, "jobs" | "createJob" | "updateJob" | "removeJob" | "runJob" | "jobRuns"> {
  const inScope = (ctx: AdminCtx, project: string) => {
    const p = ctx.principal!;
    if (!p.projects.includes("*") && !p.projects.includes(project)) {
      throw new ApiError(
        403,
        "out_of_scope",
        `This credential may not touch "${project}" (its scope: ${p.projects.join(", ")})`,
      );
    }
  };
  const jobOf = async (ctx: AdminCtx, id: string) => {
    const job = await scheduler.get(id);
    inScope(ctx, job.project);
    return job;
  };
  const record = (ctx: AdminCtx, action: string, project: string, details: Record<string, unknown>) =>
    audit.append({
      user: ctx.principal!.user,
      via: ctx.principal!.via,
      from: ctx.from,
      action,
      project,
      ok: true,
      details,
    });
  return {
    jobs: async ({ ctx }) => {
      const p = ctx.principal!;
      return (await scheduler.list()).filter((j) => p.projects.includes("*") || p.projects.includes(j.project));
    },
    createJob: async ({ body, ctx }) => {
      inScope(ctx, body.project);
      const job = await scheduler.create(body);
      await record(ctx, "job.create", job.project, { id: job.id, cron: job.cron, timezone: job.timezone });
      return job;
    },
    updateJob: async ({ params, body, ctx }) => {
      await jobOf(ctx, params.id);
      const job = await scheduler.update(params.id, body);
      await record(ctx, "job.update", job.project, {
        id: job.id,
        ...body,
        inputs: body.inputs ? Object.keys(body.inputs) : undefined,
      });
      return job;
    },
    removeJob: async ({ params, ctx }) => {
      const job = await jobOf(ctx, params.id);
      await scheduler.remove(params.id);
      await record(ctx, "job.remove", job.project, { id: job.id });
      return { removed: true };
    },
    runJob: async ({ params, ctx }) => {
      const job = await jobOf(ctx, params.id);
      await record(ctx, "job.run", job.project, { id: job.id });
      return scheduler.runNow(params.id);
    },
    jobRuns: async ({ params, query, ctx }) => {
      await jobOf(ctx, params.id);
      return scheduler.runs(params.id, Math.min(Number(query.lines ?? 20) || 20, 1000));
    },
  };
}
