import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from "fastify";
import type { TSchema } from "typebox";
import { Compile } from "typebox/compile";
import { ApiError } from "../../common/http/api-error.ts";
import type { RouteAnswer, RouteDef, RouteRequest } from "../../common/http/routes.ts";

/** What a handler receives: the checked request, plus what the guard established. */
export type RouteInput<R extends RouteDef, Ctx = unknown> = RouteRequest<R> & {
  req: FastifyRequest;
  reply: FastifyReply;
  /** What the route's guard put on the request (the admin principal...). */
  ctx: Ctx;
};

/** A handler: plain routes answer a value (sent as JSON), streams write their own answer. */
export type RouteHandler<R extends RouteDef, Ctx = unknown> = R extends { stream: string }
  ? (input: RouteInput<R, Ctx>) => Promise<void> | void
  : (input: RouteInput<R, Ctx>) => Promise<RouteAnswer<R>> | RouteAnswer<R>;

/** One handler per route of a table: a missing or extra one is a type error. */
export type HandlersOf<T extends Record<string, RouteDef>, Ctx = unknown> = {
  [K in keyof T]: RouteHandler<T[K], Ctx>;
};

/** A guard: refuses (throws ApiError) or answers what handlers get as `ctx`. */
export type Guard<Ctx> = (req: FastifyRequest, def: RouteDef) => Promise<Ctx> | Ctx;

/** Marks routes registered through a table; any other route added to the scope fails the start. */
const GUARDED = Symbol("atelier.guarded");
const CTX = Symbol("atelier.ctx");

export interface TableOptions<T extends Record<string, RouteDef>, Ctx> {
  prefix: string;
  table: T;
  handlers: HandlersOf<T, Ctx>;
  /** The guard of each guard name the table uses. */
  guards: Record<T[keyof T]["guard"], Guard<Ctx>>;
  /**
   * How refusals are written (Convertigo's XML for its services); `{error: {...}}` JSON by default.
   * Answers undefined to leave an error to the server's own handler (a 500).
   */
  sendError?: (reply: FastifyReply, e: ApiError) => FastifyReply | undefined;
}

/**
 * Registers a route table in `scope` (an encapsulated Fastify plugin): each route with its guard
 * attached to the route (whatever the spelling of the URL, the router decodes first and the guard
 * runs on the route it found), its body and query checked against the table's schemas (a bad
 * request is a 400 naming the field), its handler. A route added to the scope without going
 * through the table makes the start fail.
 */
export function registerRouteTable<T extends Record<string, RouteDef>, Ctx>(
  scope: FastifyInstance,
  opts: TableOptions<T, Ctx>,
): void {
  scope.addHook("onRoute", (route) => {
    const config = route.config as Record<symbol, unknown> | undefined;
    if (!config?.[GUARDED]) {
      throw new Error(`Route ${route.method} ${route.url} is not declared in its route table (no guard)`);
    }
  });
  scope.setValidatorCompiler(({ schema, httpPart }) => {
    const validator = Compile(schema as TSchema);
    return (data: unknown) =>
      validator.Check(data) ? { value: data } : { error: validationError(httpPart ?? "body", validator.Errors(data)) };
  });
  const send = (reply: FastifyReply, e: ApiError) => {
    const sent = opts.sendError ? opts.sendError(reply, e) : sendApiError(reply, e);
    if (sent === undefined) throw e;
    return sent;
  };
  scope.setErrorHandler((e, _req, reply) => {
    if (e instanceof ApiError) return send(reply, e);
    const err = e as Error & { statusCode?: number; code?: string; validationContext?: string };
    if (
      err.validationContext ||
      err.code === "FST_ERR_CTP_INVALID_JSON_BODY" ||
      err.code === "FST_ERR_CTP_EMPTY_JSON_BODY"
    ) {
      return send(reply, new ApiError(400, "invalid_body", err.message));
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return send(
        reply,
        new ApiError(
          err.statusCode,
          err.code?.startsWith("FST_") ? "bad_request" : (err.code ?? "bad_request"),
          err.message,
        ),
      );
    }
    throw e;
  });

  for (const name of Object.keys(opts.table) as (keyof T & string)[]) {
    const def = opts.table[name] as RouteDef;
    const guard = opts.guards[def.guard as T[keyof T]["guard"]];
    if (!guard) throw new Error(`Route ${name} names the guard "${def.guard}", which is not given`);
    const handler = opts.handlers[name] as unknown as (input: RouteInput<RouteDef, Ctx>) => unknown;
    const onRequest: onRequestAsyncHookHandler = async (req) => {
      (req as unknown as Record<symbol, unknown>)[CTX] = await guard(req, def);
    };
    scope.route({
      method: def.method,
      url: opts.prefix + def.path,
      config: { [GUARDED]: true } as never,
      onRequest,
      ...(def.maxBytes ? { bodyLimit: def.maxBytes } : {}),
      schema: {
        ...(def.body ? { body: def.body } : {}),
        ...(def.query ? { querystring: def.query } : {}),
      },
      handler: async (req, reply) => {
        const input = {
          params: req.params,
          body: req.body,
          query: req.query,
          req,
          reply,
          ctx: (req as unknown as Record<symbol, unknown>)[CTX] as Ctx,
        } as RouteInput<RouteDef, Ctx>;
        if (def.stream) {
          await handler(input);
          return reply;
        }
        const result = await handler(input);
        // A handler may answer in its own format (Convertigo's XML): then it has sent already.
        if (reply.sent) return reply;
        return reply.header("cache-control", "no-store").send(result);
      },
    });
  }
}

interface SchemaError {
  keyword: string;
  instancePath: string;
  message: string;
  params: Record<string, unknown>;
}

/** A 400 naming the field: the most telling of the validator's errors. */
function validationError(part: string, errors: readonly SchemaError[]): ApiError {
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
  return new ApiError(
    part === "querystring" ? 400 : 400,
    part === "querystring" ? "invalid_query" : "invalid_body",
    message,
    {
      errors: errors.slice(0, 10).map((e) => ({ path: e.instancePath, message: e.message })),
    },
  );
}

/** Every refusal: `{error: {code, message, details?}}`, never cached. */
export function sendApiError(reply: FastifyReply, e: ApiError): FastifyReply {
  if (e.status === 429 || e.status === 503) {
    const retry = (e.details as { retryAfterMs?: number } | undefined)?.retryAfterMs;
    if (retry) reply.header("retry-after", String(Math.ceil(retry / 1000)));
  }
  return reply
    .code(e.status)
    .header("cache-control", "no-store")
    .type("application/json; charset=utf-8")
    .send(e.toBody());
}
