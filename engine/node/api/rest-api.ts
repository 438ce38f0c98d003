/**
 * The projects' REST APIs (Convertigo's URL mapper), served under the REST prefix (/api by
 * default): a request's path is matched against every project's paths (the most specific
 * first), its method against the path's operations; the operation's parameters are read from the
 * path, query, headers or body, converted to their types (a bad value is a 400 naming the
 * parameter), and given to the target sequence or transaction, run with the caller's session and
 * the rules for outside callers (Private refused, authenticated context checked). The answer is
 * the first declared response whose condition holds, else the output (200), else an RFC 9457
 * problem. The OpenAPI document and the docs page live beside it (api-docs.ts).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { conditionHolds, fillTemplate, matchPath, readPath } from "../../common/api/rest-paths.ts";
import { propOrDefault } from "../../common/model/registry.ts";
import { STUDIO_API } from "../../common/studio/api.ts";
import type { Engine, RunResult } from "../engine.ts";
import { SessionsUnavailable } from "../runtime/redis-sessions.ts";
import { RunError } from "../runtime/run-error.ts";
import { convert } from "../runtime/variables.ts";
import {
  ApiRefusal,
  checkJsonValue,
  ClientLeft,
  finishSession,
  sessionFor,
  type ApiLimits,
  type Call,
} from "../server/convertigo-api.ts";
import { noteRequest } from "../server/request-history.ts";
import { apiDocsRoutes } from "./api-docs.ts";
import {
  operationParams,
  operationResponses,
  operationTarget,
  restPaths,
  type RestParam,
  type RestPathDef,
  type RestResponseDef,
} from "./rest-model.ts";

export interface RestApiOptions {
  /** Where the APIs are served (`/api`). */
  prefix: string;
  limits: ApiLimits;
  /** Origins allowed by `cors` (their calls get the session cookie cross-site). */
  origins: ReadonlySet<string>;
}

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

const STATUS_TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** An RFC 9457 problem: type about:blank (the status says it all), its title, the detail, our code. */
export function problem(
  status: number,
  code: string,
  detail: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    type: "about:blank",
    title: STATUS_TITLES[status] ?? (status >= 500 ? "Server Error" : "Client Error"),
    status,
    detail,
    code,
    ...extra,
  };
}

function sendProblem(reply: FastifyReply, p: Record<string, unknown>, head = false): FastifyReply {
  reply.code(p.status as number);
  reply.header("x-content-type-options", "nosniff");
  reply.header("cache-control", "no-store");
  reply.type("application/problem+json; charset=utf-8");
  return reply.send(head ? undefined : JSON.stringify(p));
}

/** A request refused before any run, as a problem. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const EXPECTED: Record<string, string> = {
  integer: "a whole number",
  number: "a number",
  boolean: "true or false",
  json: "JSON",
};

/** Where a parameter is read, as the problem names it. */
const IN_LABEL: Record<RestParam["in"], string> = {
  query: "query parameter",
  path: "path parameter",
  header: "header",
  form: "body field",
  body: "body",
};

function paramLabel(p: RestParam): string {
  return p.in === "body" ? "The body" : `The ${IN_LABEL[p.in]} "${p.name.slice(0, 100)}"`;
}

/** Converts one parameter's value, or refuses it naming the parameter. */
function convertParam(p: RestParam, raw: unknown): unknown {
  const one = (v: unknown, index?: number): unknown => {
    try {
      return convert(v, p.dataType, p.name, "", index, false);
    } catch (e) {
      if (!(e instanceof RunError)) throw e;
      const shown = typeof v === "string" ? JSON.stringify(v.slice(0, 100)) : JSON.stringify(v)?.slice(0, 100);
      throw new Refusal(
        400,
        "invalid_parameter",
        `${paramLabel(p)}${index === undefined ? "" : ` (value ${index + 1})`} must be ${EXPECTED[p.dataType] ?? p.dataType}, got ${shown}`,
        { parameter: { name: p.name, in: p.in } },
      );
    }
  };
  if (p.multiValued) {
    const list = Array.isArray(raw) ? raw : [raw];
    return list.map((v, i) => one(v, i));
  }
  if (Array.isArray(raw) && p.dataType !== "json") {
    if (raw.length > 1) {
      throw new Refusal(400, "invalid_parameter", `${paramLabel(p)} takes one value, got ${raw.length}`, {
        parameter: { name: p.name, in: p.in },
      });
    }
    return one(raw[0]);
  }
  return one(raw);
}

/**
 * The request path as the router reads it: each %-escape decoded (a malformed one kept as it is),
 * empty segments dropped, so `/api/%73tudio` and `/api//studio` read as `/api/studio`.
 */
function normalizedPath(url: string): string {
  const raw = url.split("?")[0] ?? "";
  return (
    "/" +
    raw
      .split("/")
      .filter((s) => s !== "")
      .map((s) => {
        try {
          return decodeURIComponent(s);
        } catch {
          return s;
        }
      })
      .join("/")
  );
}

const under = (path: string, prefix: string) => path === prefix || path.startsWith(prefix + "/");

/**
 * Is this request one of the REST APIs' (under `prefix`)? The Studio's API (`/api/studio`) never
 * is, whatever the spelling: it answers only the Studio (no CORS, not in the request history).
 */
export function isRestCall(url: string, prefix: string): boolean {
  const path = normalizedPath(url);
  return under(path, prefix) && !under(path, STUDIO_API);
}

/** The decoded segments of a path under the prefix; a malformed %-escape is refused. */
function pathSegments(rest: string): string[] {
  const parts = rest.split("/").filter((s, i, all) => !(s === "" && (i === 0 || i === all.length - 1)));
  return parts.map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new Refusal(400, "invalid_path", `The path segment "${s.slice(0, 100)}" is not a valid %-encoded text`);
    }
  });
}

/** Reads the operation's parameters from the request, converted; missing required ones refused. */
function readParams(
  params: readonly RestParam[],
  pathValues: Record<string, string>,
  req: FastifyRequest,
  limits: ApiLimits,
): Record<string, unknown> {
  const query = (req.query ?? {}) as Record<string, unknown>;
  const queryKeys = Object.keys(query);
  if (queryKeys.length > limits.maxParameters) {
    throw new Refusal(
      413,
      "too_many_parameters",
      `More than ${limits.maxParameters} query parameters (atelier.config.yaml: api.maxParameters)`,
    );
  }
  for (const k of queryKeys) {
    const v = query[k];
    const list = Array.isArray(v) ? v : [v];
    if (list.length > limits.maxValuesPerParameter) {
      throw new Refusal(
        413,
        "too_many_values",
        `More than ${limits.maxValuesPerParameter} values for the query parameter "${k.slice(0, 100)}"`,
      );
    }
    if (
      k.length > limits.maxValueLength ||
      list.some((x) => typeof x === "string" && x.length > limits.maxValueLength)
    ) {
      throw new Refusal(413, "value_too_long", `A query parameter is longer than ${limits.maxValueLength} characters`);
    }
  }
  const body = req.body;
  const hasBody = body !== undefined && body !== null && !(typeof body === "string" && body === "");
  const bodyObject =
    hasBody && typeof body === "object" && !Array.isArray(body) && !Buffer.isBuffer(body)
      ? (body as Record<string, unknown>)
      : undefined;
  if (hasBody) checkJsonValue(body, limits, "body");
  const wantsFields = params.some((p) => p.in === "form");
  if (hasBody && wantsFields && !bodyObject) {
    throw new Refusal(400, "invalid_body", "The body must be a JSON object or a form of fields");
  }

  const inputs = Object.create(null) as Record<string, unknown>;
  for (const p of params) {
    let raw: unknown;
    switch (p.in) {
      case "path":
        raw = pathValues[p.name];
        break;
      case "query":
        raw = Object.prototype.hasOwnProperty.call(query, p.name) ? query[p.name] : undefined;
        break;
      case "header": {
        const h = req.headers[p.name.toLowerCase()];
        raw =
          h === undefined
            ? undefined
            : p.multiValued
              ? (Array.isArray(h) ? h : [h])
                  .flatMap((x) => x.split(","))
                  .map((x) => x.trim())
                  .filter((x) => x !== "")
              : Array.isArray(h)
                ? h.join(", ")
                : h;
        break;
      }
      case "form":
        raw = bodyObject && Object.prototype.hasOwnProperty.call(bodyObject, p.name) ? bodyObject[p.name] : undefined;
        break;
      case "body":
        raw = hasBody ? body : undefined;
        break;
    }
    if (raw === undefined || raw === "" || (Array.isArray(raw) && raw.length === 0)) {
      if (p.default !== undefined) {
        inputs[p.variable] = p.default;
        continue;
      }
      if (p.required) {
        throw new Refusal(400, "missing_parameter", `${paramLabel(p)} is required`, {
          parameter: { name: p.name, in: p.in },
        });
      }
      continue;
    }
    if (p.variable === "__proto__" || p.variable === "constructor" || p.variable === "prototype") continue;
    inputs[p.variable] = convertParam(p, raw);
  }
  return inputs;
}

/** The document a response's condition, headers and body read: the output, or `{error}` of a failed run. */
function answerDocument(result: RunResult): unknown {
  if (result.ok) return result.output;
  const e = result.error;
  return {
    error: {
      code: e?.code,
      message: e?.message,
      ...(e?.details !== undefined ? { details: e.details } : {}),
      status: e?.status ?? 500,
    },
  };
}

/** The declared response that applies: the first whose condition holds (no condition: a successful run). */
export function chooseResponse(
  responses: readonly RestResponseDef[],
  result: RunResult,
  doc: unknown,
): RestResponseDef | undefined {
  for (const r of responses) {
    if (r.badCondition) continue;
    if (!r.condition) {
      if (result.ok) return r;
      continue;
    }
    if (conditionHolds(r.condition, doc)) return r;
  }
  return undefined;
}

function failureProblem(result: RunResult): Record<string, unknown> {
  const e = result.error;
  const status = e?.status && e.status >= 400 && e.status < 600 ? e.status : 500;
  return problem(
    status,
    String(e?.code ?? "error"),
    e?.message ?? "The run failed",
    e?.details !== undefined ? { details: e.details } : {},
  );
}

/** Statuses that never carry a body. */
const NO_BODY = new Set([204, 205, 304]);

/**
 * Registers the REST APIs under `opts.prefix` (one wildcard route: the projects' paths change with
 * every Studio edit, so they are matched at each call, not registered).
 */
export async function restApi(app: FastifyInstance, engine: Engine, opts: RestApiOptions): Promise<void> {
  const { prefix, limits } = opts;
  const history = engine.requests;

  app.setErrorHandler((e: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const head = req.method === "HEAD";
    if (e instanceof ApiRefusal) return sendProblem(reply, problem(e.statusCode, e.code, e.message), head);
    switch (e.code) {
      case "FST_ERR_CTP_BODY_TOO_LARGE":
        return sendProblem(
          reply,
          problem(
            413,
            "body_too_large",
            `The request body is larger than ${limits.bodyLimit} bytes (atelier.config.yaml: api.bodyLimit)`,
          ),
          head,
        );
      case "FST_ERR_CTP_INVALID_JSON_BODY":
        return sendProblem(
          reply,
          problem(400, "invalid_body", "The body is not valid JSON, or holds a __proto__ or constructor.prototype key"),
          head,
        );
      case "FST_ERR_CTP_EMPTY_JSON_BODY":
        return sendProblem(
          reply,
          problem(400, "invalid_body", "The body is empty but its content type says JSON"),
          head,
        );
      case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
        return sendProblem(
          reply,
          problem(
            415,
            "unsupported_media_type",
            "Send a JSON body (application/json) or a form (application/x-www-form-urlencoded)",
          ),
          head,
        );
      default: {
        const status = e.statusCode && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 500;
        if (status >= 500)
          engine.log.error(`HTTP ${status} ${req.method} ${req.url.split("?")[0]}: ${e.stack ?? e.message}`);
        return sendProblem(
          reply,
          problem(
            status,
            status >= 500 ? "internal_error" : "bad_request",
            status >= 500 ? "Internal error" : `The request was refused (${e.code ?? status})`,
          ),
          head,
        );
      }
    }
  });

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const head = req.method === "HEAD";
    try {
      return await serve(req, reply, head);
    } catch (e) {
      if (e instanceof Refusal) {
        noteRequest(req.raw, { code: e.code });
        return sendProblem(reply, problem(e.status, e.code, e.message, e.extra), head);
      }
      if (e instanceof ApiRefusal) {
        noteRequest(req.raw, { code: e.code });
        return sendProblem(reply, problem(e.statusCode, e.code, e.message), head);
      }
      if (e instanceof SessionsUnavailable) return sendProblem(reply, problem(503, e.code, e.message), head);
      throw e;
    }
  };

  // The paths, most specific first: read again when a tree changed (the workspace's revision).
  let routes: { revision: number; paths: RestPathDef[] } | undefined;
  const currentPaths = (): RestPathDef[] => {
    const ws = engine.workspace;
    if (routes?.revision !== ws.revision) routes = { revision: ws.revision, paths: restPaths(ws.projects.values()) };
    return routes.paths;
  };

  const serve = async (req: FastifyRequest, reply: FastifyReply, head: boolean) => {
    // The Studio's API shares /api: what it does not answer is no REST operation either.
    if (!isRestCall(req.url, prefix))
      throw new Refusal(404, "not_found", `Nothing at ${req.method} ${req.url.split("?")[0]!.slice(0, 200)}`);
    const rawPath = req.url.split("?")[0]!.slice(prefix.length);
    const segments = pathSegments(rawPath);
    const projects = engine.workspace.projects;
    // The most specific path that matches, then its operation for the method.
    let found: { path: RestPathDef; values: Record<string, string> } | undefined;
    for (const path of currentPaths()) {
      if (!path.template) continue;
      const values = matchPath(path.template, segments);
      if (values) {
        found = { path, values };
        break;
      }
    }
    if (!found) throw new Refusal(404, "not_found", `No operation at ${req.method} ${prefix}${rawPath.slice(0, 200)}`);
    const { path, values } = found;
    const methods = new Map<string, (typeof path.operations)[number]>();
    for (const op of path.operations) {
      const m = propOrDefault<string>(op, "method");
      if (!methods.has(m)) methods.set(m, op);
    }
    const allow = [...methods.keys()];
    if (methods.has("GET") && !methods.has("HEAD")) allow.push("HEAD");
    allow.push("OPTIONS");
    if (req.method === "OPTIONS") {
      reply.header("allow", allow.join(", "));
      return reply.code(204).send();
    }
    const op = methods.get(req.method) ?? (head ? methods.get("GET") : undefined);
    if (!op) {
      reply.header("allow", allow.join(", "));
      throw new Refusal(
        405,
        "method_not_allowed",
        `${prefix}${rawPath.slice(0, 200)} answers ${allow.join(", ")}, not ${req.method}`,
      );
    }
    const target = operationTarget(op, path.project, (n) => projects.get(n));
    if (!target.node) {
      engine.log.warn(
        `REST ${req.method} ${prefix}${path.template!.text}: ${target.problem ?? "no target"}`,
        path.project,
      );
      throw new Refusal(
        500,
        "operation_without_target",
        `The operation ${req.method} ${path.template!.text} cannot run: ${target.problem ?? "it has no target"}`,
      );
    }
    const params = operationParams(op, path.template, target.node);
    const inputs = readParams(params, values, req, limits);

    const found2 = sessionFor(engine, req);
    const call: Call = found2 instanceof Promise ? await found2 : found2;
    const result = await engine.run({
      project: target.project,
      ...(target.sequence !== undefined
        ? { sequence: target.sequence }
        : { connector: target.connector, transaction: target.transaction }),
      inputs,
      session: call.session,
      fromOutside: true,
      signal: new ClientLeft(reply.raw),
      ...(history.tracing ? { trace: true } : {}),
    });
    const finishing = finishSession(
      engine,
      reply,
      req,
      call,
      propOrDefault<boolean>(op, "terminateSession"),
      target.project,
      opts.origins,
    );
    if (finishing) await finishing;
    noteRequest(req.raw, {
      requestable: target.sequence ?? `${target.connector ?? "(default)"}.${target.transaction ?? ""}`,
      user: call.session.user,
      runId: result.runId,
      ...(result.ok ? {} : { code: String(result.error?.code ?? "error") }),
    });
    if (result.trace) history.noteTrace(req.raw, result.trace);

    const doc = answerDocument(result);
    const chosen = chooseResponse(operationResponses(op), result, doc);
    reply.header("x-content-type-options", "nosniff");
    reply.header("cache-control", "no-store");
    if (!chosen) {
      if (!result.ok) return sendProblem(reply, failureProblem(result), head);
      reply.code(200).type("application/json; charset=utf-8");
      return reply.send(head ? undefined : JSON.stringify(result.output ?? null));
    }
    reply.code(chosen.status);
    for (const [name, template] of Object.entries(chosen.headers)) {
      const value = fillTemplate(template, doc);
      if (value !== "") reply.header(name, value);
    }
    if (chosen.body === "none" || NO_BODY.has(chosen.status) || head) return reply.send();
    if (!result.ok && chosen.body === "output") {
      const p = failureProblem(result);
      p.status = chosen.status;
      p.title = STATUS_TITLES[chosen.status] ?? p.title;
      reply.type("application/problem+json; charset=utf-8");
      return reply.send(JSON.stringify(p));
    }
    const body = chosen.body === "output" ? doc : readPath(doc, chosen.body);
    reply.type("application/json; charset=utf-8");
    return reply.send(JSON.stringify(body ?? null));
  };

  // The OpenAPI document and the docs page: fixed routes, found before the wildcard.
  apiDocsRoutes(app, engine, prefix);
  app.route({ method: [...METHODS], url: `${prefix}/*`, bodyLimit: limits.bodyLimit, handler });
  app.route({ method: [...METHODS], url: prefix, bodyLimit: limits.bodyLimit, handler });
}
