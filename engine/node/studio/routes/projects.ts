import { listFolders } from "../folders.ts";
import type { StudioContext } from "./context.ts";
import type { StudioHandlers } from "./register.ts";

/** Whole projects: rename, duplicate, delete (to the workspace's trash), export as .car; the folder picker. */
export function projectRoutes(ctx: StudioContext) {
  const { engine, service, opts } = ctx;
  return {
    renameProject: ({ params, body, ctx }) => service.renameProject(params.project, body.name, ctx.origin),
    copyProject: ({ params, body, ctx }) => service.duplicateProject(params.project, body.name, ctx.origin),
    deleteProject: ({ params, ctx }) => service.deleteProject(params.project, ctx.origin),
    exportProject: async ({ params, reply }) => {
      const car = await service.exportProject(params.project, opts.atelierVersion ?? "dev");
      const ascii = car.name.replace(/[^\x20-\x7e]|["\\]/g, "_");
      reply
        .header("content-type", "application/zip")
        .header(
          "content-disposition",
          `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(car.name)}`,
        )
        .header("x-atelier-digest", car.digest);
      return car.bytes;
    },
    folders: ({ query }) =>
      listFolders(query.path, { workspaceDir: engine.workspace.dir, ...(opts.host ? { host: opts.host } : {}) }),
  } satisfies Partial<StudioHandlers>;
}
