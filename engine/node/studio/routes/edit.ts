import { generateRestApi } from "../generate-api.ts";
import { importWsdl } from "../soap-import.ts";
import { sqlSchema, testSqlConnection } from "../sql-studio.ts";
import type { StudioContext } from "./context.ts";
import type { StudioHandlers } from "./register.ts";

/** Editing projects: the tree, changes to objects, undo and redo. */
export function editRoutes(ctx: StudioContext) {
  const { service, engine } = ctx;
  return {
    tree: ({ params }) => service.tree(params.project),
    create: ({ params, body, ctx }) => service.create(params.project, body, ctx.origin),
    update: ({ params, body, ctx }) => service.update(params.project, params.id, body, ctx.origin),
    remove: ({ params, body, ctx }) => service.remove(params.project, body.ids, ctx.origin),
    move: ({ params, body, ctx }) =>
      service.move(
        params.project,
        body.ids,
        {
          parent: body.parent,
          ...(body.toProject !== undefined ? { project: body.toProject } : {}),
          ...(body.index !== undefined ? { index: body.index } : {}),
        },
        ctx.origin,
      ),
    duplicate: ({ params, body, ctx }) => service.duplicate(params.project, body.ids, ctx.origin),
    paste: ({ params, body, ctx }) =>
      service.paste(
        params.project,
        { parent: body.parent, nodes: body.nodes, ...(body.index !== undefined ? { index: body.index } : {}) },
        ctx.origin,
        body.label,
      ),
    importWsdl: ({ params, ctx }) => importWsdl(engine, service, params.project, params.id, ctx.origin),
    generateRestApi: ({ params, ctx }) => generateRestApi(engine, service, params.project, ctx.origin),
    sqlTest: ({ params }) => testSqlConnection(engine, params.project, params.id),
    sqlSchema: ({ params }) => sqlSchema(engine, params.project, params.id),
    history: () => service.historyState(),
    undo: ({ ctx }) => service.undo(ctx.origin),
    redo: ({ ctx }) => service.redo(ctx.origin),
  } satisfies Partial<StudioHandlers>;
}
