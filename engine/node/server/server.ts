import Fastify, { type FastifyInstance } from "fastify";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Engine } from "../engine.ts";
import { isRestCall, restApi } from "../api/rest-api.ts";
import { appsRoutes } from "./apps.ts";
import { DEFAULT_REST_PREFIX } from "../project/workspace.ts";
import { convertigoApi, DEFAULT_API_LIMITS, parseForm, type ApiLimits } from "./convertigo-api.ts";
import { faviconHandler, rootPageHandler, type RootPageOptions } from "./root-page.ts";

/** A handler that takes every request under a path prefix (FullSync's CouchDB API). */
export interface RawMount {
  prefix: string;
  handle(req: IncomingMessage, res: ServerResponse): void;
}

export interface ServerOptions {
  /** 127.0.0.1 unless told otherwise. */
  host?: string;
  /** 0 or undefined: a free port. */
  port?: number;
  /** Largest request body accepted, in bytes (any route; the Convertigo API has its own, below). */
  bodyLimit?: number;
  /**
   * Limits of the Convertigo API's requests (/projects, /services), over atelier.config.yaml's
   * `api:` section and the defaults (1 MiB bodies, 200 parameters...).
   */
  apiLimits?: Partial<ApiLimits>;
  /** Lets `.jsonp` answer (over atelier.config.yaml's `jsonp`; off by default). */
  jsonp?: boolean;
  /** Fastify plugins registered after the engine's own routes (Studio API, static files...). */
  plugins?: ((app: FastifyInstance) => Promise<void>)[];
  /** Prefixes served by raw Node handlers, ahead of Fastify. */
  mounts?: RawMount[];
  /** Called when the server closes (to stop what the plugins started). */
  onClose?: () => Promise<void>;
  /** Origins allowed to call the API and FullSync from their pages, with cookies (none by default). */
  cors?: { origins: readonly string[] };
  /** Time limits against slow clients (milliseconds): receiving headers, receiving the whole request. */
  timeouts?: { headersMs?: number; requestMs?: number };
  /**
   * Addresses of the proxies in front (IPs, CIDRs, or proxy-addr's names: loopback, linklocal,
   * uniquelocal): their X-Forwarded-For/-Proto are believed, so the client's address and whether
   * the call came over HTTPS are the client's, not the proxy's. None by default (never "all").
   */
  trustProxy?: readonly string[];
  /** A certificate and its key (PEM text): the server answers HTTPS only. */
  tls?: { cert: string; key: string };
  /**
   * The HTML page at `/` listing the projects and their sequences: a server's by default (Public
   * sequences only, no Studio link); `{local: true, studioPath}` for a local engine; false: none.
   */
  rootPage?: RootPageOptions | false;
}

export interface RunningServer {
  url: string;
  port: number;
  host: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * The engine's HTTP server. Defaults protect it: loopback only, a body size limit, and time
 * limits on receiving headers and bodies so slow clients cannot hold it.
 */
export async function startServer(engine: Engine, opts: ServerOptions = {}): Promise<RunningServer> {
  const host = opts.host ?? "127.0.0.1";
  const cors = opts.cors?.origins.length ? new Set(opts.cors.origins.map((o) => o.toLowerCase())) : undefined;
  const mounts = opts.mounts ?? [];
  const requests = engine.requests;
  // The projects' REST APIs: their calls are recorded and open to CORS like the Convertigo API's.
  const restPrefix = engine.config.rest?.prefix ?? DEFAULT_REST_PREFIX;
  const underRest = (url: string) => url.startsWith(restPrefix) && isRestCall(url, restPrefix);
  let server!: Server;
  let closing = false;
  const headersTimeout = opts.timeouts?.headersMs ?? 15_000;
  const requestTimeout = Math.max(opts.timeouts?.requestMs ?? 30_000, headersTimeout);
  const app = Fastify({
    logger: false,
    bodyLimit: opts.bodyLimit ?? 10 * 1024 * 1024,
    requestTimeout,
    keepAliveTimeout: 5_000,
    trustProxy: opts.trustProxy?.length ? [...opts.trustProxy] : false,
    // A request that reaches a closing server on a connection it already had is served (its
    // answer closes the connection): a load balancer never sees a 503 from a drain.
    return503OnClosing: false,
    serverFactory: (handler) => {
      const serverOptions = {
        headersTimeout,
        requestTimeout,
        keepAliveTimeout: 5_000,
        maxHeaderSize: 32 * 1024,
        // How often Node checks the two time limits above.
        connectionsCheckingInterval: Math.min(headersTimeout, 5_000),
      };
      const create = opts.tls
        ? (l: (req: IncomingMessage, res: ServerResponse) => void) =>
            createHttpsServer({ ...serverOptions, cert: opts.tls!.cert, key: opts.tls!.key, minVersion: "TLSv1.2" }, l)
        : (l: (req: IncomingMessage, res: ServerResponse) => void) => createServer(serverOptions, l);
      server = create((req, res) => {
        const url = req.url ?? "/";
        if (closing) res.setHeader("connection", "close");
        if (cors && applyCors(cors, req, res, url, underRest(url))) return;
        // The request history: a record per call of the Convertigo API (a few assignments).
        if (url.startsWith("/projects/") || url.startsWith("/services/") || underRest(url)) requests.begin(req, res);
        for (const m of mounts) {
          if (url === m.prefix || url.startsWith(m.prefix + "/") || url.startsWith(m.prefix + "?")) {
            m.handle(req, res);
            return;
          }
        }
        handler(req, res);
      });
      return server;
    },
  });
  const apiLimits: ApiLimits = { ...DEFAULT_API_LIMITS, ...engine.config.api, ...opts.apiLimits };
  // A server-wide limit given by the caller bounds the API's too.
  if (opts.bodyLimit !== undefined) apiLimits.bodyLimit = Math.min(apiLimits.bodyLimit, opts.bodyLimit);
  // Forms are parsed within the API's parameter limits, stopping at the first one passed (a
  // general-purpose parser reads a whole 10 MB form of a million fields first).
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) => {
    try {
      done(null, parseForm(body as string, apiLimits));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
  app.setErrorHandler((e, _req, reply) => {
    const err = e as Error & { statusCode?: number; code?: string };
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) engine.log.error(`HTTP ${status}: ${err.stack ?? err.message}`);
    void reply
      .code(status)
      .type("application/json; charset=utf-8")
      .send(
        JSON.stringify({
          error: { code: err.code ?? "http_error", message: status >= 500 ? "Internal error" : err.message },
        }),
      );
  });
  app.setNotFoundHandler((req, reply) => {
    void reply
      .code(404)
      .type("application/json; charset=utf-8")
      .send(
        JSON.stringify({ error: { code: "not_found", message: `Nothing at ${req.method} ${req.url.split("?")[0]}` } }),
      );
  });
  await app.register(async (scope) =>
    convertigoApi(scope, engine, {
      limits: apiLimits,
      jsonp: opts.jsonp ?? engine.config.jsonp ?? false,
      origins: cors ?? new Set(),
    }),
  );
  await app.register(async (scope) =>
    restApi(scope, engine, { prefix: restPrefix, limits: apiLimits, origins: cors ?? new Set() }),
  );
  // The apps built with the UI builder, at /apps/<Project>/.
  await app.register(async (scope) => appsRoutes(scope, engine));
  if (opts.rootPage !== false) {
    app.get("/", rootPageHandler(engine, opts.rootPage ?? {}));
    app.get("/favicon.ico", faviconHandler);
  }
  for (const plugin of opts.plugins ?? []) await app.register(plugin);
  await app.listen({ host, port: opts.port ?? 0 });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return {
    url: `${opts.tls ? "https" : "http"}://${shownHost}:${addr.port}/`,
    port: addr.port,
    host: addr.address,
    app,
    close: async () => {
      closing = true;
      server.closeIdleConnections?.();
      const closed = app.close();
      // Streams that never end (live feeds) must not hold the close.
      setTimeout(() => server.closeAllConnections?.(), 2000).unref();
      await closed;
      await opts.onClose?.();
    },
  };
}

/**
 * Paths that cross-origin apps may call: the Convertigo API, its services, FullSync and the older
 * SDK's remote logs (`/admin/services/logs.Add`). Never the Studio's, nor the rest of /admin.
 */
const CORS_PATHS = /^\/(?:(?:projects|services|fullsync)(?:\/|$|\?)|admin\/services\/logs\.Add(?:$|\?))/;

/** A header name (RFC 9110 token); at most 50 names, 2,000 characters, are read from a preflight. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]{1,100}$/;

/**
 * Answers CORS for allowed origins on the app-facing paths: reflects the origin (never "*", as
 * calls carry the session cookie) and answers preflights. Returns true when the request is done.
 */
function applyCors(
  origins: ReadonlySet<string>,
  req: IncomingMessage,
  res: ServerResponse,
  url: string,
  restCall: boolean,
): boolean {
  const origin = req.headers.origin;
  if (!origin || !(restCall || CORS_PATHS.test(url)) || !origins.has(origin.toLowerCase())) return false;
  res.setHeader("access-control-allow-origin", origin);
  res.setHeader("access-control-allow-credentials", "true");
  res.setHeader("vary", "Origin");
  res.setHeader("access-control-expose-headers", "X-Convertigo-Authenticated, ETag");
  if (req.method === "OPTIONS" && req.headers["access-control-request-method"]) {
    res.setHeader("access-control-allow-methods", "GET, HEAD, POST, PUT, PATCH, DELETE");
    // The origin is one the configuration trusts: the headers its page asks for are allowed
    // (Convertigo's SDKs send x-convertigo-sdk, the older one a stray "headers", apps their own
    // with C8oSettings.addHeader). Only well-formed names, and a bounded number of them.
    const asked = String(req.headers["access-control-request-headers"] ?? "").slice(0, 2000);
    const allowed = asked
      .split(",")
      .slice(0, 50)
      .map((h) => h.trim().toLowerCase())
      .filter((h) => HEADER_NAME.test(h));
    if (allowed.length) res.setHeader("access-control-allow-headers", [...new Set(allowed)].join(", "));
    res.setHeader("access-control-max-age", "600");
    res.statusCode = 204;
    res.end();
    return true;
  }
  return false;
}
