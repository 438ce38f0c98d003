import type { StudioContext } from "./context.ts";
import type { StudioHandlers } from "./register.ts";

/** Editing projects: the tree, changes to objects, undo and redo. */
export function editRoutes(ctx: StudioContext) {
  const { service } = ctx;
  return {
    tree: ({ params }) => service.tree(params.project),
    create: ({ params, body, origin }) => service.create(params.project, body, origin),
    update: ({ params, body, origin }) => service.update(params.project, params.id, body, origin),
    remove: ({ params, body, origin }) => service.remove(params.project, body.ids, origin),
    move: ({ params, body, origin }) =>
      service.move(
        params.project,
        body.ids,
        {
          parent: body.parent,
          ...(body.toProject !== undefined ? { project: body.toProject } : {}),
          ...(body.index !== undefined ? { index: body.index } : {}),
        },
        origin,
      ),
    duplicate: ({ params, body, origin }) => service.duplicate(params.project, body.ids, origin),
    paste: ({ params, body, origin }) =>
      service.paste(
        params.project,
        { parent: body.parent, nodes: body.nodes, ...(body.index !== undefined ? { index: body.index } : {}) },
        origin,
      ),
    history: () => service.historyState(),
    undo: ({ origin }) => service.undo(origin),
    redo: ({ origin }) => service.redo(origin),
  } satisfies Partial<StudioHandlers>;
}
