import { ApiError } from "../../../common/http/api-error.ts";
import type { StudioContext } from "./context.ts";
import type { StudioHandlers } from "./register.ts";

/**
 * The engine's request history (engine/node/server/request-history.ts): the HTTP calls to
 * /projects and /services, newest first, filtered; one call with its trace; whether runs of HTTP
 * calls are traced (off at start: tracing costs every call); clear.
 */
export function requestRoutes(ctx: StudioContext) {
  const { engine } = ctx;
  return {
    requests: ({ query }) =>
      engine.requests.list({
        ...(query.q ? { q: query.q } : {}),
        ...(query.status ? { status: query.status } : {}),
        ...(query.limit ? { limit: Number(query.limit) } : {}),
        ...(query.unchangedSince ? { unchangedSince: Number(query.unchangedSince) } : {}),
      }),

    request: ({ params }) => {
      const found = /^[0-9]{1,15}$/.test(params.id) ? engine.requests.get(Number(params.id)) : undefined;
      if (!found) {
        throw new ApiError(404, "unknown_request", `The call ${params.id} is not in the history (any more)`);
      }
      return found;
    },

    requestTracing: ({ body }) => {
      engine.requests.tracing = body.on;
      engine.log.info(
        body.on
          ? "HTTP calls are traced for the Studio's request history"
          : "HTTP calls are no longer traced for the Studio's request history",
      );
      return { tracing: engine.requests.tracing };
    },

    clearRequests: () => {
      engine.requests.clear();
      return { cleared: true };
    },
  } satisfies Partial<StudioHandlers>;
}
