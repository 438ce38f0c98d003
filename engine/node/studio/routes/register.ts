import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from "fastify";
import { Compile } from "typebox/compile";
import type { TSchema } from "typebox";
import { STUDIO_API } from "../../../common/studio/api.ts";
import {
  studioRoutes,
  type RouteAnswer,
  type RouteDef,
  type RouteRequest,
  type StudioGuard,
  type StudioRouteName,
  type StudioRoutes,
} from "../../../common/studio/routes.ts";
import type { StudioAuth } from "../studio-auth.ts";
import { StudioError } from "../studio-service.ts";

/** What a handler of a plain route receives: the checked request, plus the window that sent it. */
export type RouteInput<R extends RouteDef> = RouteRequest<R> & {
  /** The Studio window that made the call (x-atelier-client), to tag the events of its changes. */
  origin: string | undefined;
  req: FastifyRequest;
  reply: FastifyReply;
};

/** A handler: plain routes answer a value (sent as JSON), streams write their own answer. */
export type RouteHandler<R extends RouteDef> = R extends { stream: string }
  ? (input: RouteInput<R>) => Promise<void> | void
  : (input: RouteInput<R>) => Promise<RouteAnswer<R>> | RouteAnswer<R>;

/** One handler per route of the table: a missing or extra one is a type error. */
export type StudioHandlers = { [K in StudioRouteName]: RouteHandler<StudioRoutes[K]> };

/** Marks routes registered through the table; a route of the Studio scope without it is refused at start. */
const GUARDED = Symbol("atelier.studio.guarded");

/** The guard of each kind, as a Fastify onRequest hook attached to every route of that kind. */
export function studioGuards(auth: StudioAuth): Record<StudioGuard, onRequestAsyncHookHandler> {
  const make =
    (stream: boolean): onRequestAsyncHookHandler =>
    async (req) => {
      const refusal = auth.refuse(req.raw, { api: true, stream });
      if (refusal) throw new StudioError(refusal.status, "refused", refusal.message);
      // Bodies are JSON only: a form or text body is no Studio window's (defence in depth
      // behind the header, which a cross-site page cannot send).
      if (hasBody(req) && !isJson(req.headers["content-type"])) {
        throw new StudioError(415, "unsupported_media_type", "Studio API bodies must be application/json");
      }
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

/**
 * Registers the Studio API in `scope` (an encapsulated Fastify plugin): each route of the table
 * with its guard attached to the route, its body and query checked against the table's schemas
 * (a bad request is a 400 naming the field), and its handler. Any other route added to the scope
 * without a guard makes the start fail.
 */
export function registerStudioRoutes(scope: FastifyInstance, auth: StudioAuth, handlers: StudioHandlers): void {
  const guards = studioGuards(auth);
  scope.addHook("onRoute", (route) => {
    const config = route.config as Record<symbol, unknown> | undefined;
    if (!config?.[GUARDED]) {
      throw new Error(`Studio route ${route.method} ${route.url} is not declared in the route table (no guard)`);
    }
  });
  scope.setValidatorCompiler(({ schema, httpPart }) => {
    const validator = Compile(schema as TSchema);
    return (data: unknown) =>
      validator.Check(data) ? { value: data } : { error: validationError(httpPart ?? "body", validator.Errors(data)) };
  });
  scope.setErrorHandler((e, _req, reply) => {
    if (e instanceof StudioError) return sendStudioError(reply, e);
    const err = e as Error & { statusCode?: number; code?: string; validationContext?: string };
    if (
      err.validationContext ||
      err.code === "FST_ERR_CTP_INVALID_JSON_BODY" ||
      err.code === "FST_ERR_CTP_EMPTY_JSON_BODY"
    ) {
      return sendStudioError(reply, new StudioError(400, "invalid_body", err.message));
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return sendStudioError(reply, new StudioError(err.statusCode, err.code ?? "http_error", err.message));
    }
    throw e;
  });

  for (const name of Object.keys(studioRoutes) as StudioRouteName[]) {
    const def: RouteDef = studioRoutes[name];
    const handler = handlers[name] as (input: RouteInput<RouteDef>) => unknown;
    scope.route({
      method: def.method,
      url: STUDIO_API + def.path,
      config: { [GUARDED]: true },
      onRequest: guards[def.guard],
      schema: {
        ...(def.body ? { body: def.body } : {}),
        ...(def.query ? { querystring: def.query } : {}),
      },
      handler: async (req, reply) => {
        const input = {
          params: req.params,
          body: req.body,
          query: req.query,
          origin: clientOf(req),
          req,
          reply,
        } as RouteInput<RouteDef>;
        if (def.stream) {
          await handler(input);
          return reply;
        }
        const result = await handler(input);
        return reply.header("cache-control", "no-store").send(result);
      },
    });
  }
}

function clientOf(req: FastifyRequest): string | undefined {
  const h = req.headers["x-atelier-client"];
  return typeof h === "string" ? h.slice(0, 64) : undefined;
}

interface SchemaError {
  keyword: string;
  instancePath: string;
  message: string;
  params: Record<string, unknown>;
}

/** A 400 naming the field: the most telling of the validator's errors. */
function validationError(part: string, errors: readonly SchemaError[]): StudioError {
  const telling = errors.find((e) => e.keyword !== "boolean") ?? errors[0];
  const where = `${part}${(telling?.instancePath ?? "").replace(/\//g, ".")}`;
  let message: string;
  if (!telling) message = `${where} is not valid`;
  else if (telling.keyword === "additionalProperties") {
    const extra = (telling.params.additionalProperties as string[] | undefined) ?? [];
    message = `${where}: unknown field${extra.length > 1 ? "s" : ""} ${extra.map((x) => JSON.stringify(x)).join(", ")}`;
  } else if (telling.keyword === "required") {
    const missing = (telling.params.requiredProperties as string[] | undefined) ?? [];
    message = `${where}: ${missing.map((x) => JSON.stringify(x)).join(", ")} ${missing.length > 1 ? "are" : "is"} required`;
  } else message = `${where} ${telling.message}`;
  return new StudioError(400, part === "querystring" ? "invalid_query" : "invalid_body", message, {
    errors: errors.slice(0, 10).map((e) => ({ path: e.instancePath, message: e.message })),
  });
}

/** Every Studio refusal: `{error: {code, message, details?}}`, never cached. */
export function sendStudioError(reply: FastifyReply, e: StudioError): FastifyReply {
  return reply
    .code(e.status)
    .header("cache-control", "no-store")
    .type("application/json; charset=utf-8")
    .send({ error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) } });
}
