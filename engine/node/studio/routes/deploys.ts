import { randomBytes } from "node:crypto";
import { ApiError } from "../../../common/http/api-error.ts";
import type { StudioDeploy } from "../../../common/studio/routes.ts";
// The deploy client (undici) and the deploy itself load when used, not with the Studio: an engine
// that deploys nothing does not hold them in memory.
import type { AdminClient } from "../../deploy/admin-client.ts";
import { PscError } from "../../deploy/psc.ts";
import type { TargetStore } from "../../deploy/targets.ts";
import type { StudioContext } from "./context.ts";
import type { StudioHandlers } from "./register.ts";

const MAX_DEPLOYS = 100;

/** What the Studio needs to deploy: the user's targets and where remembered versions live. */
export interface DeployContext {
  targets: TargetStore;
  /** The user's configuration folder (remembered versions). */
  stateDir: string;
  atelierVersion: string;
}

function pscProblem(e: unknown): never {
  if (e instanceof PscError) {
    throw new ApiError(e.problem === "unknown" ? 404 : 400, `psc_${e.problem}`, e.message);
  }
  throw e;
}

/**
 * Deployment targets, deploys and the Servers view: this engine holds the targets and talks to
 * the servers (with their certificate pins); the page only talks to this engine.
 */
export function deployRoutes(ctx: StudioContext, deploy: DeployContext) {
  const { engine } = ctx;
  const deploys = new Map<string, StudioDeploy>();

  const client = async (target: string) => {
    const { target: t } = await deploy.targets.connect(target).catch(pscProblem);
    const { AdminClient } = await import("../../deploy/admin-client.ts");
    return new AdminClient(t);
  };
  const viaServer = async <T>(target: string, call: (c: AdminClient) => Promise<T>): Promise<T> => {
    const c = await client(target);
    try {
      return await call(c);
    } catch (e) {
      // The server's refusal (or why it cannot be reached) goes to the page as is, 502 for
      // failures to reach it.
      if (e instanceof ApiError) throw new ApiError(e.status === 0 ? 502 : e.status, e.code, e.message, e.details);
      throw e;
    } finally {
      await c.close();
    }
  };

  return {
    targets: () => deploy.targets.info(),
    importTarget: ({ body }) => deploy.targets.import(body.psc).catch(pscProblem),
    removeTarget: async ({ params }) => ({ removed: await deploy.targets.remove(params.target) }),

    startDeploy: async ({ body }) => {
      const project = engine.project(body.project);
      if (!project) throw new ApiError(404, "unknown_project", `There is no project named "${body.project}"`);
      const { target } = await deploy.targets.connect(body.target).catch(pscProblem);
      const status: StudioDeploy = {
        id: randomBytes(8).toString("hex"),
        project: body.project,
        target: body.target,
        step: "checking",
        startedAt: new Date().toISOString(),
      };
      deploys.set(status.id, status);
      while (deploys.size > MAX_DEPLOYS) deploys.delete(deploys.keys().next().value as string);
      await deploy.targets.rememberFor(body.project, body.target);
      const { deployProject } = await import("../../deploy/deploy.ts");
      void deployProject({
        projectDir: project.dir,
        target,
        ...(body.force ? { force: true } : {}),
        ...(body.requireTests ? { requireTests: true } : {}),
        stateDir: deploy.stateDir,
        atelierVersion: deploy.atelierVersion,
        onProgress: (step) => {
          // "done" and "failed" are said here once the result or the error is there, never before.
          if (step !== "done" && step !== "failed") status.step = step;
        },
      }).then(
        (r) => {
          status.step = "done";
          status.endedAt = new Date().toISOString();
          status.result = {
            version: r.version,
            ...(r.replaced !== undefined ? { replaced: r.replaced } : {}),
            url: r.url,
            digest: r.digest,
            warnings: r.warnings,
            bytes: r.bytes,
          };
          engine.log.info(`Deployed ${r.project} to ${target.url}: version ${r.version}`, r.project);
        },
        (e: unknown) => {
          status.step = "failed";
          status.endedAt = new Date().toISOString();
          const err = e instanceof ApiError ? e : new ApiError(500, "deploy_failed", (e as Error).message);
          status.error = {
            status: err.status,
            code: err.code,
            message: err.message,
            ...(err.details !== undefined ? { details: err.details } : {}),
          };
          engine.log.warn(`Deploy of ${body.project} to ${target.url} failed: ${err.message}`, body.project);
        },
      );
      return status;
    },

    deployStatus: ({ params }) => {
      const s = deploys.get(params.id);
      if (!s) throw new ApiError(404, "unknown_deploy", `There is no deploy ${params.id}`);
      return s;
    },

    serverInfo: ({ params }) => viaServer(params.target, (c) => c.call("server", {})),
    serverProjects: ({ params }) => viaServer(params.target, (c) => c.call("projects", {})),
    serverLogs: ({ params }) =>
      viaServer(params.target, (c) => c.call("logs", { params: { project: params.project }, query: { lines: "200" } })),
    serverRollback: async ({ params, body }) => {
      const { target } = await deploy.targets.connect(params.target).catch(pscProblem);
      const { rollbackProject } = await import("../../deploy/deploy.ts");
      return rollbackProject({
        project: params.project,
        target,
        ...(body.to ? { to: body.to } : {}),
        stateDir: deploy.stateDir,
      }).catch((e: unknown) => {
        if (e instanceof ApiError) throw new ApiError(e.status === 0 ? 502 : e.status, e.code, e.message, e.details);
        throw e;
      });
    },
    serverSettings: ({ params }) =>
      viaServer(params.target, (c) => c.call("settings", { params: { project: params.project } })),
    serverSetSetting: ({ params, body }) =>
      viaServer(params.target, (c) =>
        c.call("setSetting", { params: { project: params.project, name: params.name }, body }),
      ),
    serverAudit: ({ params }) => viaServer(params.target, (c) => c.call("audit", { query: { lines: "100" } })),
    serverJobs: ({ params }) => viaServer(params.target, (c) => c.call("jobs", {})),
  } satisfies Partial<StudioHandlers>;
}
