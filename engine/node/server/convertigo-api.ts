import { SessionsUnavailable } from "../runtime/redis-sessions.ts";
import type { ServerResponse } from "node:http";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { StopSignal } from "../../common/model/typedef.ts";
import type { Engine, RunResult } from "../engine.ts";
import { runAnswer } from "../test-cases/test-cases.ts";
import type { Session } from "../runtime/sessions.ts";
import {
  clearedSessionCookie,
  fromAllowedOrigin,
  readSessionId,
  sessionCookie,
  sessionOfRequest,
} from "./http-sessions.ts";
import { DeviceLogs } from "./device-logs.ts";
import { noteRequest } from "./request-history.ts";
import { toXmlDocument } from "./xml.ts";

type Format = "json" | "xml" | "pxml" | "jsonp";

/**
 * Limits of one request to the Convertigo API (/projects and /services), checked before any work:
 * a 10 MB form of a million parameters once held the event loop for seconds, and a public
 * sequence is open to anyone. Configurable in atelier.config.yaml (`api:`).
 */
export interface ApiLimits {
  /** Largest body, in bytes (forms and JSON). */
  bodyLimit: number;
  /** Most parameters (distinct names) in the query and body together. */
  maxParameters: number;
  /** Most values of one parameter (a repeated name, a JSON list). */
  maxValuesPerParameter: number;
  /** Longest value or name, in characters. */
  maxValueLength: number;
  /** Most JSON nodes (values, items, keys) in a JSON body. */
  maxJsonNodes: number;
}

export const DEFAULT_API_LIMITS: Readonly<ApiLimits> = {
  bodyLimit: 1024 * 1024,
  maxParameters: 200,
  maxValuesPerParameter: 1000,
  maxValueLength: 256 * 1024,
  maxJsonNodes: 10_000,
};

/** How the API is served: its limits, whether JSONP answers, the origins allowed by `cors`. */
export interface ApiOptions {
  limits: ApiLimits;
  /** `.jsonp` answers only when the workspace turns it on (atelier.config.yaml `jsonp: true`). */
  jsonp: boolean;
  /** Origins of `cors.origins` (lower case): their pages may call JSONP with a session cookie. */
  origins: ReadonlySet<string>;
  /** Where `logs.Add` puts apps' remote logs (one is made over the engine log when absent). */
  deviceLogs?: DeviceLogs;
}

/** JSON bodies nest at most this deep (a 1 MiB body can nest 500,000 levels). */
const MAX_JSON_DEPTH = 32;

/** A request the API refuses before running anything, with its status and error code. */
export class ApiRefusal extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** 1 MiB, 2 KiB, 1000 bytes: a size as a person reads it. */
function sizeText(bytes: number): string {
  return bytes % (1024 * 1024) === 0
    ? `${bytes / (1024 * 1024)} MiB`
    : bytes % 1024 === 0
      ? `${bytes / 1024} KiB`
      : `${bytes} bytes`;
}

const tooManyParameters = (l: ApiLimits) =>
  new ApiRefusal(
    413,
    "too_many_parameters",
    `More than ${l.maxParameters} parameters in one request (atelier.config.yaml: api.maxParameters)`,
  );
const tooManyValues = (l: ApiLimits, key: string) =>
  new ApiRefusal(
    413,
    "too_many_values",
    `More than ${l.maxValuesPerParameter} values for the parameter "${key.slice(0, 100)}" (atelier.config.yaml: api.maxValuesPerParameter)`,
  );
const tooLong = (l: ApiLimits, what: string) =>
  new ApiRefusal(
    413,
    "value_too_long",
    `A parameter ${what} is longer than ${l.maxValueLength} characters (atelier.config.yaml: api.maxValueLength)`,
  );

function decodeFormComponent(s: string): string {
  if (s.indexOf("+") < 0 && s.indexOf("%") < 0) return s;
  const spaced = s.replace(/\+/g, " ");
  try {
    return decodeURIComponent(spaced);
  } catch {
    // Malformed escapes stay as they were written (as fast-querystring does for the query).
    return spaced;
  }
}

/**
 * Parses a form-urlencoded body into names and values (a repeated name makes a list), refusing
 * it as soon as it passes a limit: the work done is bounded by the limits, not by the body.
 * The object has no prototype (a `__proto__` name is a plain key).
 */
export function parseForm(body: string, limits: ApiLimits): Record<string, string | string[]> {
  const out = Object.create(null) as Record<string, string | string[]>;
  let names = 0;
  // An escaped character takes 3 characters: a longer raw text cannot decode within the limit.
  const rawMax = limits.maxValueLength * 3;
  for (let i = 0; i < body.length;) {
    let amp = body.indexOf("&", i);
    if (amp < 0) amp = body.length;
    if (amp > i) {
      const eq = body.indexOf("=", i);
      const keyEnd = eq >= 0 && eq < amp ? eq : amp;
      if (keyEnd - i > rawMax) throw tooLong(limits, "name");
      if (amp - keyEnd - 1 > rawMax) throw tooLong(limits, "value");
      const key = decodeFormComponent(body.slice(i, keyEnd));
      const value = keyEnd < amp ? decodeFormComponent(body.slice(keyEnd + 1, amp)) : "";
      if (key.length > limits.maxValueLength) throw tooLong(limits, "name");
      if (value.length > limits.maxValueLength) throw tooLong(limits, "value");
      const prev = out[key];
      if (prev === undefined) {
        if (++names > limits.maxParameters) throw tooManyParameters(limits);
        out[key] = value;
      } else if (typeof prev === "string") {
        if (limits.maxValuesPerParameter < 2) throw tooManyValues(limits, key);
        out[key] = [prev, value];
      } else {
        if (prev.length >= limits.maxValuesPerParameter) throw tooManyValues(limits, key);
        prev.push(value);
      }
    }
    i = amp + 1;
  }
  return out;
}

/** The parameters of a call: reserved ones (`__sequence`...) as single texts, and the variables. */
interface Parameters {
  reserved: Map<string, string>;
  inputs: Record<string, unknown>;
}

/**
 * Reads and checks the parameters of a call, from the query and a form or JSON body, before any
 * work. Types, decided once for every parameter:
 * - reserved parameters (`__` names) are texts (a JSON number or boolean is taken as its text);
 *   repeated with different values, or given as an object or list of objects, they are refused
 *   (400): two readers of one request must not see two different sequences;
 * - variables from the query and forms are texts or lists of texts (a repeated name);
 * - variables from a JSON object body may also be numbers, booleans, null, lists and objects
 *   (json variables), at most MAX_JSON_DEPTH deep and `maxJsonNodes` nodes in all.
 * A name given in the query and the body gets the values of both.
 */
function readParameters(req: FastifyRequest, limits: ApiLimits): Parameters {
  const reserved = new Map<string, string>();
  const inputs = Object.create(null) as Record<string, unknown>;
  const seen = new Set<string>();
  let jsonNodes = 0;

  const checkJson = (v: unknown, depth: number, key: string): void => {
    jsonNodes = checkJsonValue(v, limits, key, depth, jsonNodes);
  };

  const addReserved = (key: string, v: unknown): void => {
    const items = Array.isArray(v) ? v : [v];
    for (const item of items) {
      if (item === null || item === undefined) continue;
      if (typeof item !== "string" && typeof item !== "number" && typeof item !== "boolean") {
        throw new ApiRefusal(400, "invalid_parameter", `The parameter ${key.slice(0, 100)} must be a text`);
      }
      const text = String(item);
      if (text.length > limits.maxValueLength) throw tooLong(limits, "value");
      const prev = reserved.get(key);
      if (prev !== undefined && prev !== text) {
        throw new ApiRefusal(
          400,
          "conflicting_parameter",
          `The parameter ${key.slice(0, 100)} is given more than once, with different values`,
        );
      }
      reserved.set(key, text);
    }
  };

  const add = (key: string, v: unknown, fromJson: boolean): void => {
    if (key.length > limits.maxValueLength) throw tooLong(limits, "name");
    if (!seen.has(key)) {
      seen.add(key);
      if (seen.size > limits.maxParameters) throw tooManyParameters(limits);
    }
    if (key.startsWith("__")) return addReserved(key, v);
    // Names every object has: skipped, so no later reader can mistake them for an input.
    if (key === "__proto__" || key === "constructor" || key === "prototype") return;
    if (fromJson) {
      if (Array.isArray(v) && v.length > limits.maxValuesPerParameter) throw tooManyValues(limits, key);
      checkJson(v, 1, key);
    } else if (Array.isArray(v)) {
      if (v.length > limits.maxValuesPerParameter) throw tooManyValues(limits, key);
      for (const item of v)
        if (typeof item === "string" && item.length > limits.maxValueLength) throw tooLong(limits, "value");
    } else if (typeof v === "string" && v.length > limits.maxValueLength) throw tooLong(limits, "value");
    const prev = inputs[key];
    if (prev === undefined) {
      if (Array.isArray(v) && v.length > limits.maxValuesPerParameter) throw tooManyValues(limits, key);
      inputs[key] = v;
      return;
    }
    const merged = [...(Array.isArray(prev) ? prev : [prev]), ...(Array.isArray(v) ? v : [v])];
    if (merged.length > limits.maxValuesPerParameter) throw tooManyValues(limits, key);
    inputs[key] = merged;
  };

  const query = req.query as Record<string, unknown> | undefined;
  if (query) for (const k of Object.keys(query)) add(k, query[k], false);
  const body = req.body;
  if (body !== undefined && body !== null && typeof body === "object" && !Buffer.isBuffer(body)) {
    if (Array.isArray(body)) {
      throw new ApiRefusal(400, "invalid_body", "A JSON body must be an object of parameters, not a list");
    }
    const fromJson = isJson(req);
    for (const k in body) add(k, (body as Record<string, unknown>)[k], fromJson);
  } else if (typeof body === "number" || typeof body === "boolean" || (typeof body === "string" && isJson(req))) {
    throw new ApiRefusal(400, "invalid_body", "A JSON body must be an object of parameters");
  }
  return { reserved, inputs };
}

/**
 * Checks a JSON value against the API's limits (nodes, depth, text lengths), starting from
 * `nodes` already counted; answers the new count or throws an ApiRefusal.
 */
export function checkJsonValue(v: unknown, limits: ApiLimits, key: string, depth = 1, nodes = 0): number {
  let count = nodes;
  const walk = (x: unknown, d: number): void => {
    if (++count > limits.maxJsonNodes) {
      throw new ApiRefusal(
        413,
        "too_many_json_nodes",
        `The JSON body holds more than ${limits.maxJsonNodes} values (atelier.config.yaml: api.maxJsonNodes)`,
      );
    }
    if (typeof x === "string") {
      if (x.length > limits.maxValueLength) throw tooLong(limits, "value");
      return;
    }
    if (x === null || typeof x !== "object") return;
    if (d > MAX_JSON_DEPTH) {
      throw new ApiRefusal(
        400,
        "too_deep",
        `The JSON value of "${key.slice(0, 100)}" nests more than ${MAX_JSON_DEPTH} levels`,
      );
    }
    if (Array.isArray(x)) {
      for (const item of x) walk(item, d + 1);
      return;
    }
    for (const k in x) {
      if (k.length > limits.maxValueLength) throw tooLong(limits, "name");
      count++;
      walk((x as Record<string, unknown>)[k], d + 1);
    }
  };
  walk(v, depth);
  return count;
}

export function isJson(req: FastifyRequest): boolean {
  return /^application\/(?:[\w.+-]+\+)?json\b/i.test(String(req.headers["content-type"] ?? ""));
}

export type Call = { session: Session; isNew: boolean; cookieId?: string };

/**
 * The session for a call: the cookie's, or a new one kept only if the call puts something in it.
 * Without a session cookie, answered at once (no store to ask: a promise only when one is asked).
 */
export function sessionFor(engine: Engine, req: FastifyRequest): Call | Promise<Call> {
  const cookieId = readSessionId(req.raw);
  const fresh = (): Call => ({ session: engine.sessions.transient(), isNew: true });
  if (cookieId === undefined) return fresh();
  return engine.sessions
    .get(cookieId)
    .then((existing) => (existing ? { session: existing, isNew: false, cookieId } : fresh()));
}

/**
 * What a call leaves of its session: the cookie of a session it created or changed, the store
 * updated, the authenticated header. A new session the run left untouched (most anonymous calls)
 * needs nothing: then no promise.
 */
export function finishSession(
  engine: Engine,
  reply: FastifyReply,
  req: FastifyRequest,
  call: Call,
  remove: boolean,
  projectName: string,
  origins: ReadonlySet<string>,
): Promise<void> | undefined {
  if (!remove && call.isNew && !call.session.modified) {
    if (call.session.user) reply.header("x-convertigo-authenticated", headerText(call.session.user));
    return undefined;
  }
  return storeSession(engine, reply, req, call, remove, projectName, origins);
}

async function storeSession(
  engine: Engine,
  reply: FastifyReply,
  req: FastifyRequest,
  call: Call,
  remove: boolean,
  projectName: string,
  origins: ReadonlySet<string>,
): Promise<void> {
  const { session, isNew, cookieId } = call;
  const secure = req.protocol === "https";
  const crossSite = fromAllowedOrigin(req.raw, origins);
  if (remove) {
    for (const id of [session.id, ...session.replacedIds]) await engine.sessions.destroy(id);
    reply.header("set-cookie", clearedSessionCookie(secure, crossSite));
    return;
  }
  if (isNew && session.modified) {
    // A session lives as long as the project of the call that created it says.
    const project = engine.project(projectName);
    if (project) {
      try {
        session.maxInactiveSeconds = engine.numberProp(project.root, "sessionTimeout", project.root);
      } catch (e) {
        engine.log.warn(`${(e as Error).message}; sessions last ${session.maxInactiveSeconds} s`, project.name);
      }
    }
    await engine.sessions.adopt(session);
    reply.header("set-cookie", sessionCookie(session, secure, crossSite));
  } else if (!isNew) {
    // Saved before the answer leaves: the next call may reach another server.
    await engine.sessions.commit(session);
  }
  if (!isNew && session.id !== cookieId) {
    // The run changed the session's user: the session moved to a new id (old id now dead).
    reply.header("set-cookie", sessionCookie(session, secure, crossSite));
  }
  if (session.user) reply.header("x-convertigo-authenticated", headerText(session.user));
}

/**
 * A user name as a header value: names beyond printable ASCII (a caller-chosen "日本" or one with
 * a line break) are percent-encoded; written raw, Node refuses them and the call answered 500.
 */
export function headerText(text: string): string {
  return /^[\x20-\x7e]*$/.test(text) ? text : encodeURIComponent(text.replace(LONE_SURROGATE, "\ufffd"));
}
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The callback of a JSONP answer: a plain dotted name, else "callback" (never caller code). */
const CALLBACK_NAME = /^[A-Za-z_$][\w$.]{0,100}$/;

function send(reply: FastifyReply, format: Format, status: number, body: unknown, callback?: string): FastifyReply {
  // Answers of this API are data, never something to sniff into a script or a page.
  reply.header("x-content-type-options", "nosniff");
  reply.code(status);
  switch (format) {
    case "xml":
    case "pxml":
      return reply.type("text/xml; charset=utf-8").send(toXmlDocument(body));
    case "jsonp": {
      const cb = callback && CALLBACK_NAME.test(callback) ? callback : "callback";
      return reply.type("application/javascript; charset=utf-8").send(`/**/${cb}(${JSON.stringify(body)});`);
    }
    default:
      return reply.type("application/json; charset=utf-8").send(JSON.stringify(body));
  }
}

/** A refusal in the route's format; a JSONP route answers refusals as JSON (no callback runs). */
function refuse(reply: FastifyReply, format: Format, e: ApiRefusal): FastifyReply {
  noteRequest(reply.request.raw, { code: e.code });
  return send(reply, format === "jsonp" ? "json" : format, e.statusCode, {
    error: { code: e.code, message: e.message },
  });
}

/** How a run's error is answered: its HTTP status (4xx/5xx), or 200 as Convertigo's engine does. */
export type ErrorStatusMode = "http" | "convertigo";

/** The setting (project Setting, atelier.config.yaml `settings:`, ATELIER_SET_, --set) that decides it. */
export const ERROR_STATUS_SETTING = "errorStatus";

/**
 * Whether a request comes from one of Convertigo's SDKs: the newer ones send `x-convertigo-sdk`;
 * every SDK's form carries `__removeNamespaces=true` (the older one's header is lost in a stray
 * `headers` header).
 */
export function fromConvertigoSdk(req: FastifyRequest, reserved: ReadonlyMap<string, string>): boolean {
  return req.headers["x-convertigo-sdk"] !== undefined || reserved.has("__removeNamespaces");
}

/**
 * The error status mode of a call: the `errorStatus` setting when it says `http` or `convertigo`,
 * else (`auto`, absent) Convertigo's way for calls of its SDKs, which give an answer's body to the
 * app only when its status is 200 (`throw_http_500=false`, Convertigo's default), and HTTP
 * statuses for everyone else.
 */
export function errorStatusMode(
  engine: Engine,
  projectName: string,
  req: FastifyRequest,
  reserved: ReadonlyMap<string, string>,
): ErrorStatusMode {
  const project = engine.project(projectName);
  let value: string | undefined;
  if (project) {
    try {
      value = engine.settingsFor(project.root).lookup(ERROR_STATUS_SETTING)?.trim().toLowerCase();
    } catch (e) {
      engine.log.warn(`The setting ${ERROR_STATUS_SETTING}: ${(e as Error).message}`, projectName);
    }
  }
  if (value === "http" || value === "convertigo") return value;
  if (value && value !== "auto" && !warnedErrorStatus.has(`${projectName}\u0000${value}`)) {
    // Once per project and value (a call must not write a line to the log).
    if (warnedErrorStatus.size < 100) warnedErrorStatus.add(`${projectName}\u0000${value}`);
    engine.log.warn(
      `The setting ${ERROR_STATUS_SETTING} is "${value.slice(0, 40)}": expected http, convertigo or auto (auto is used)`,
      projectName,
    );
  }
  return fromConvertigoSdk(req, reserved) ? "convertigo" : "http";
}

const warnedErrorStatus = new Set<string>();

/** The body of an error answer, in Convertigo's shape (never a stack trace). */
export function errorBody(result: RunResult): unknown {
  return runAnswer(result);
}

/**
 * Whether a JSONP call carrying a session may answer: a script tag sends no Origin, so the
 * browser's Sec-Fetch-Site (same-origin, or none: typed by the user) or the Origin/Referer must
 * show this server's own pages or an origin of `cors.origins`. Without any of them, no.
 */
function jsonpCallerAllowed(req: FastifyRequest, origins: ReadonlySet<string>): boolean {
  const site = req.headers["sec-fetch-site"];
  if (site === "same-origin" || site === "none") return true;
  const from = req.headers.origin ?? req.headers.referer;
  if (typeof from !== "string" || from === "") return false;
  let origin: string;
  try {
    origin = new URL(from).origin.toLowerCase();
  } catch {
    return false;
  }
  if (origins.has(origin)) return true;
  // Older browsers send no Sec-Fetch-Site: their Referer from this server's own pages will do.
  return site === undefined && origin === `${req.protocol}://${String(req.headers.host ?? "")}`.toLowerCase();
}

function jsonpRefusal(req: FastifyRequest, opts: ApiOptions, withSession: boolean): ApiRefusal | undefined {
  if (!opts.jsonp) {
    return new ApiRefusal(
      403,
      "jsonp_disabled",
      "JSONP is off on this server (any web page could load the answer with a script tag): call .json, allowing the page's origin in cors.origins of atelier.config.yaml, or turn JSONP on there with jsonp: true",
    );
  }
  if (withSession && !jsonpCallerAllowed(req, opts.origins)) {
    return new ApiRefusal(
      403,
      "jsonp_cross_site",
      "A JSONP call with a session cookie is answered only to this server's pages or to an origin listed in cors.origins of atelier.config.yaml (from Sec-Fetch-Site, Origin or Referer)",
    );
  }
  return undefined;
}

/**
 * A run's stop signal that aborts when the caller leaves before its answer (the connection
 * closed): the response's "close" is listened to only while the run listens.
 */
export class ClientLeft implements StopSignal {
  aborted = false;
  private listener: (() => void) | undefined;
  constructor(private readonly res: ServerResponse) {}
  private readonly onClose = () => {
    if (this.res.writableFinished || this.aborted) return;
    this.aborted = true;
    const l = this.listener;
    this.listener = undefined;
    l?.();
  };
  addEventListener(_type: "abort", listener: () => void): void {
    if (this.listener) throw new Error("ClientLeft takes one listener");
    this.listener = listener;
    this.res.on("close", this.onClose);
  }
  removeEventListener(_type: "abort", listener: () => void): void {
    if (this.listener !== listener) return;
    this.listener = undefined;
    this.res.off("close", this.onClose);
  }
}

const FORMAT_OF_URL = /\.(json|xml|pxml|jsonp)$/;

/** Errors before a handler runs (body too large, malformed JSON...), answered as the API answers. */
export function apiErrorHandler(engine: Engine, opts: ApiOptions) {
  return (e: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const format = (FORMAT_OF_URL.exec(req.routeOptions.url ?? "")?.[1] ?? "json") as Format;
    if (e instanceof ApiRefusal) return refuse(reply, format, e);
    const status = e.statusCode && e.statusCode >= 400 && e.statusCode < 600 ? e.statusCode : 500;
    let refusal: ApiRefusal;
    switch (e.code) {
      case "FST_ERR_CTP_BODY_TOO_LARGE":
        refusal = new ApiRefusal(
          413,
          "body_too_large",
          `The request body is larger than ${sizeText(req.routeOptions.bodyLimit ?? opts.limits.bodyLimit)}, the limit of the Convertigo API (atelier.config.yaml: api.bodyLimit)`,
        );
        break;
      case "FST_ERR_CTP_INVALID_JSON_BODY":
        refusal = new ApiRefusal(
          400,
          "invalid_body",
          "The body is not valid JSON, or holds a __proto__ or constructor.prototype key",
        );
        break;
      case "FST_ERR_CTP_EMPTY_JSON_BODY":
        refusal = new ApiRefusal(400, "invalid_body", "The body is empty but its content type says JSON");
        break;
      case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
        refusal = new ApiRefusal(
          415,
          "unsupported_media_type",
          "Send parameters in the query, a form (application/x-www-form-urlencoded) or a JSON object",
        );
        break;
      default:
        if (status >= 500) {
          engine.log.error(`HTTP ${status} ${req.method} ${req.url.split("?")[0]}: ${e.stack ?? e.message}`);
          refusal = new ApiRefusal(500, "internal_error", "Internal error");
        } else {
          refusal = new ApiRefusal(status, "bad_request", `The request was refused (${e.code ?? status})`);
        }
    }
    return refuse(reply, format, refusal);
  };
}

/**
 * The Convertigo-compatible API: `/projects/<project>/.json|.xml|.pxml|.jsonp` runs a sequence
 * (`__sequence`) or a transaction (`__connector`, `__transaction`); `/services/user.Get` tells
 * who the session's user is.
 */
export async function convertigoApi(
  app: FastifyInstance,
  engine: Engine,
  options: Partial<ApiOptions> = {},
): Promise<void> {
  const opts: ApiOptions = {
    limits: { ...DEFAULT_API_LIMITS, ...options.limits },
    jsonp: options.jsonp ?? false,
    origins: options.origins ?? new Set(),
  };
  const limits = opts.limits;
  app.setErrorHandler(apiErrorHandler(engine, opts));
  const history = engine.requests;

  const handler = async (format: Format, req: FastifyRequest<{ Params: { project: string } }>, reply: FastifyReply) => {
    let params: Parameters;
    try {
      params = readParameters(req, limits);
    } catch (e) {
      if (e instanceof ApiRefusal) return refuse(reply, format, e);
      throw e;
    }
    const { reserved, inputs } = params;
    let call: Call;
    try {
      const found = sessionFor(engine, req);
      call = found instanceof Promise ? await found : found;
    } catch (e) {
      if (e instanceof SessionsUnavailable) return refuse(reply, format, new ApiRefusal(503, e.code, e.message));
      throw e;
    }
    if (format === "jsonp") {
      const refusal = jsonpRefusal(req, opts, !call.isNew);
      if (refusal) return refuse(reply, format, refusal);
    }
    const callback = reserved.get("__callback");
    const sequence = reserved.get("__sequence");
    const connector = reserved.get("__connector");
    const transaction = reserved.get("__transaction");
    // Convertigo takes the project from `__project` first: an SDK's callJson("Demo.Greet") posts
    // `__project=Demo` to the endpoint of whatever project the app was configured with.
    const project = reserved.get("__project") || req.params.project;
    if (sequence === undefined && connector === undefined && transaction === undefined) {
      return send(
        reply,
        format,
        400,
        {
          error: {
            code: "missing_requestable",
            message: "Give __sequence=<name>, or __transaction=<name> (and __connector=<name>)",
          },
        },
        callback,
      );
    }
    const result = await engine.run({
      project,
      ...(sequence !== undefined ? { sequence } : { connector, transaction }),
      inputs,
      session: call.session,
      fromOutside: true,
      signal: new ClientLeft(reply.raw),
      // Traces only while the Studio's request history asks for them.
      ...(history.tracing ? { trace: true } : {}),
    });
    const remove = ["true", "1"].includes(reserved.get("__removeSession") ?? "");
    try {
      const finishing = finishSession(engine, reply, req, call, remove, project, opts.origins);
      if (finishing) await finishing;
    } catch (e) {
      if (e instanceof SessionsUnavailable) return refuse(reply, format, new ApiRefusal(503, e.code, e.message));
      throw e;
    }
    noteRequest(req.raw, {
      requestable: sequence ?? `${connector ?? "(default)"}.${transaction ?? "(default)"}`,
      user: call.session.user,
      runId: result.runId,
      ...(result.ok ? {} : { code: String(result.error?.code ?? "error") }),
    });
    if (result.trace) history.noteTrace(req.raw, result.trace);
    if (result.ok) return send(reply, format, 200, result.output, callback);
    const status =
      errorStatusMode(engine, project, req, reserved) === "convertigo" ? 200 : (result.error?.status ?? 500);
    return send(reply, format, status, errorBody(result), callback);
  };

  for (const format of ["json", "xml", "pxml", "jsonp"] as const) {
    app.route<{ Params: { project: string } }>({
      method: ["GET", "POST"],
      url: `/projects/:project/.${format}`,
      bodyLimit: limits.bodyLimit,
      handler: (req, reply) => handler(format, req, reply),
    });
  }

  const userGet = async (req: FastifyRequest, reply: FastifyReply) => {
    let session: Session | undefined;
    try {
      session = await sessionOfRequest(engine.sessions, req.raw);
    } catch (e) {
      if (e instanceof SessionsUnavailable) return refuse(reply, "json", new ApiRefusal(503, e.code, e.message));
      throw e;
    }
    reply.header("x-content-type-options", "nosniff");
    noteRequest(req.raw, { requestable: "user.Get", user: session?.user });
    return reply.type("application/json; charset=utf-8").send(
      JSON.stringify({
        authenticated: Boolean(session?.user),
        user: session?.user ?? null,
        groups: session ? [...session.groups] : [],
        // Never the id itself: it is the cookie (HttpOnly so that scripts cannot read it). SDKs
        // read authenticated and user; this label only tells sessions apart.
        session: session ? engine.sessions.publicLabel(session) : null,
        maxInactive: session?.maxInactiveSeconds ?? engine.sessions.defaultMaxInactiveSeconds,
      }),
    );
  };
  app.route({ method: ["GET", "POST"], url: "/services/user.Get", bodyLimit: limits.bodyLimit, handler: userGet });

  // logs.Add: the remote logs of apps made with Convertigo's SDKs (the older SDK posts to
  // /admin/services, the newer to /services, which it also calls to know the server is reachable).
  const deviceLogs = options.deviceLogs ?? new DeviceLogs(engine.log, engine.config.deviceLogs);
  const logsAdd = async (req: FastifyRequest, reply: FastifyReply) => {
    let params: Parameters;
    try {
      params = readParameters(req, limits);
    } catch (e) {
      if (e instanceof ApiRefusal) return refuse(reply, "json", e);
      throw e;
    }
    const level = deviceLogs.add(
      { logs: params.inputs.logs, env: params.inputs.env, uuid: params.reserved.get("__uuid") },
      req.ip,
      (name) => engine.project(name) !== undefined,
    );
    noteRequest(req.raw, { requestable: "logs.Add" });
    reply.header("cache-control", "no-store");
    return send(reply, "json", 200, { remoteLogLevel: level });
  };
  for (const url of ["/services/logs.Add", "/admin/services/logs.Add"]) {
    app.route({
      method: ["GET", "POST"],
      url,
      bodyLimit: Math.min(limits.bodyLimit, deviceLogs.limits.bodyLimit),
      handler: logsAdd,
    });
  }
}
