import type { StudioContext } from "./context.ts";
import type { StudioHandlers } from "./register.ts";

/** Refactoring: renames that update every reference (rename.ts), with a preview. */
export function refactorRoutes(ctx: StudioContext) {
  const { service } = ctx;
  return {
    rename: ({ params, body, ctx }) => service.rename(params.project, params.id, body, ctx.origin),
    renamePreview: ({ params, body }) => service.renamePreview(params.project, params.id, body),
  } satisfies Partial<StudioHandlers>;
}
