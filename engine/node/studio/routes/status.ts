import { ATELIER_VERSION } from "../../version.ts";
import type { StudioContext } from "./context.ts";
import type { StudioHandlers } from "./register.ts";

/** The engine's status for the Studio's status bar: workspace, start time, version. */
export function statusRoutes(ctx: StudioContext) {
  const { engine } = ctx;
  // The Studio is made as the engine starts: its uptime counts from here.
  const startedAt = Date.now();
  return {
    status: ({ req }) => ({
      workspace: engine.workspace.dir,
      startedAt,
      now: Date.now(),
      version: ATELIER_VERSION,
      pid: process.pid,
      url: `${req.protocol}://${String(req.headers.host ?? "")}/`,
    }),
  } satisfies Partial<StudioHandlers>;
}
