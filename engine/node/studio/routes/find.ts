import { findObjects, findReferences } from "../find.ts";
import type { StudioContext } from "./context.ts";
import type { StudioHandlers } from "./register.ts";

const FIELDS = ["name", "type", "value"] as const;
type Field = (typeof FIELDS)[number];

/** Finding objects and references; the engine's log. */
export function findRoutes(ctx: StudioContext) {
  const { engine } = ctx;
  return {
    find: ({ query }) =>
      findObjects(engine.workspace, {
        text: query.q ?? "",
        ...(query.project ? { project: query.project } : {}),
        in: (query.in ?? "").split(",").filter((x): x is Field => (FIELDS as readonly string[]).includes(x)),
        limit: Math.min(Number(query.limit) || 500, 2000),
      }),
    references: ({ params }) => findReferences(engine.workspace, params.project, params.id),
    log: ({ query }) => engine.log.recent(Number(query.after ?? 0) || 0),
  } satisfies Partial<StudioHandlers>;
}
