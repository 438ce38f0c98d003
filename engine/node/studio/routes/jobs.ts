import { ApiError } from "../../../common/http/api-error.ts";
import type { Scheduler } from "../../scheduler/scheduler.ts";
import type { StudioContext } from "./context.ts";
import type { StudioHandlers } from "./register.ts";

/** Runs answered by `jobRuns` when the query does not say (at most 1000). */
const DEFAULT_RUNS = 20;
const MAX_RUNS = 1000;

/**
 * The scheduler's refusals as they are; its other failures (a damaged jobs file, a disk error) in
 * their own words rather than a bare "Internal error": the files are the user's own workspace's.
 */
async function said<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError(500, "jobs_failed", `Scheduled jobs: ${(e as Error).message}`);
  }
}

/**
 * The workspace's scheduled jobs (`<workspace>/.atelier/jobs.json`), run by this engine's
 * scheduler: list, create, change (pause, resume), remove, run now, and the last runs of one.
 * The scheduler checks everything and refuses with `ApiError`s (400 naming the field, 404 for an
 * unknown job, 409 for a taken id or a job already running), which go to the page as they are.
 */
export function jobRoutes(
  ctx: StudioContext,
): Pick<StudioHandlers, "jobs" | "createJob" | "updateJob" | "removeJob" | "runJob" | "jobRuns"> {
  const scheduler = (): Scheduler => {
    const s = ctx.opts.scheduler;
    if (!s)
      throw new ApiError(
        503,
        "jobs_off",
        "Scheduled jobs are off in this engine (it was started without its scheduler): `atelier jobs` edits them",
      );
    return s;
  };
  return {
    jobs: () => said(scheduler().list()),
    createJob: ({ body }) => said(scheduler().create(body)),
    updateJob: ({ params, body }) => said(scheduler().update(params.id, body)),
    removeJob: async ({ params }) => {
      await said(scheduler().remove(params.id));
      return { removed: true };
    },
    runJob: ({ params }) => said(scheduler().runNow(params.id)),
    jobRuns: ({ params, query }) =>
      said(scheduler().runs(params.id, Math.min(Number(query.lines ?? DEFAULT_RUNS) || DEFAULT_RUNS, MAX_RUNS))),
  };
}
