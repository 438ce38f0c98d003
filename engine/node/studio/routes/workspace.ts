import { typeSchemas } from "../../../common/model/registry.ts";
import type { StudioContext } from "./context.ts";
import type { StudioHandlers } from "./register.ts";
import { StudioError } from "../studio-service.ts";

/** The workspace: session, types, projects, examples, imports, opening another workspace. */
export function workspaceRoutes(ctx: StudioContext) {
  const { engine, service, opts } = ctx;
  return {
    session: () => ({ workspace: engine.workspace.dir, history: service.historyState() }),
    types: () => typeSchemas(),
    workspace: async () => ({ ...(await service.info()), canOpenWorkspace: Boolean(opts.openWorkspace) }),
    openWorkspace: async ({ body, reply }) => {
      if (!opts.openWorkspace) {
        throw new StudioError(501, "not_available", "This engine cannot open another workspace from the Studio");
      }
      const opened = await opts.openWorkspace(body.dir, body.create === true);
      // The engine restarts once this answer has left: the page then follows the new URL (the
      // Studio keeps its token across the restart, so the answer never needs to carry one).
      reply.raw.once("finish", opened.afterReply);
      return { url: opened.url, dir: opened.dir };
    },
    createProject: ({ body, ctx }) => service.createProject(body.name, ctx.origin),
    addExample: ({ params, body, ctx }) => service.addExample(params.name, body.as, ctx.origin),
    importConvertigo: ({ body, ctx }) => service.importConvertigo(body.src, body.name || undefined, ctx.origin),
  } satisfies Partial<StudioHandlers>;
}
