import type { FastifyInstance, FastifyRequest } from "fastify";
import { ApiError } from "../../../common/http/api-error.ts";
import { STUDIO_API } from "../../../common/studio/api.ts";
import { studioRoutes, type StudioGuard, type StudioRoutes } from "../../../common/studio/routes.ts";
import { registerRouteTable, type Guard, type HandlersOf, type RouteInput } from "../../server/typed-routes.ts";
import type { StudioAuth } from "../studio-auth.ts";

/** What a Studio route handler gets from its guard: the window that made the call. */
export interface StudioCtx {
  /** The Studio window (x-atelier-client), to tag the events of its changes. */
  origin: string | undefined;
}

/** One handler per Studio route: a missing or extra one is a type error. */
export type StudioHandlers = HandlersOf<StudioRoutes, StudioCtx>;
export type StudioInput<K extends keyof StudioRoutes> = RouteInput<StudioRoutes[K], StudioCtx>;

/** The Studio's guards: a signed-in window of this engine, with (or, for streams, without) the header. */
export function studioGuards(auth: StudioAuth): Record<StudioGuard, Guard<StudioCtx>> {
  const make =
    (stream: boolean): Guard<StudioCtx> =>
    (req) => {
      const refusal = auth.refuse(req.raw, { api: true, stream });
      if (refusal) throw new ApiError(refusal.status, "refused", refusal.message);
      // Bodies are JSON only: a form or text body is no Studio window's (defence in depth
      // behind the header, which a cross-site page cannot send).
      if (hasBody(req) && !isJson(req.headers["content-type"])) {
        throw new ApiError(415, "unsupported_media_type", "Studio API bodies must be application/json");
      }
      const h = req.headers["x-atelier-client"];
      return { origin: typeof h === "string" ? h.slice(0, 64) : undefined };
    };
  return { studio: make(false), "studio-stream": make(true) };
}

function hasBody(req: FastifyRequest): boolean {
  const len = req.headers["content-length"];
  return (len !== undefined && len !== "0") || req.headers["transfer-encoding"] !== undefined;
}

function isJson(type: string | undefined): boolean {
  return /^application\/json\s*(;|$)/i.test(type ?? "");
}

/** Registers the Studio API in `scope`: every route of the table, each behind its guard. */
export function registerStudioRoutes(scope: FastifyInstance, auth: StudioAuth, handlers: StudioHandlers): void {
  registerRouteTable(scope, { prefix: STUDIO_API, table: studioRoutes, handlers, guards: studioGuards(auth) });
}
