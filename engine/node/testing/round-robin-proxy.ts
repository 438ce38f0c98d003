/**
 * A small HTTP reverse proxy for tests and benchmarks: a load balancer without sticky sessions in
 * front of several servers. It listens on 127.0.0.1 (a free port), sends each request to the next
 * upstream in turn (round robin), and streams bodies both ways without buffering them.
 *
 * - Method, path and query, headers and body are forwarded; hop-by-hop headers (Connection,
 *   Keep-Alive, Proxy-*, TE, Trailer, Upgrade, Expect) are not. The client's Host is kept (as a
 *   load balancer configured with `proxy_set_header Host $host` does), X-Forwarded-For gets the
 *   client's address appended, X-Forwarded-Host and X-Forwarded-Proto are set when absent.
 * - Connections to the upstreams are kept alive (one agent for all of them).
 * - An upstream that cannot be reached (refused, reset before it answered, timed out) gives a 502
 *   (504 for a time-out) with a JSON error, after the next upstreams were tried, each once, when
 *   that is safe, as load balancers do: an idempotent request (GET, HEAD, PUT, DELETE...) on any
 *   failure before an answer; any request when its connection was refused (it reached no server)
 *   or when a kept-alive connection was found closed (Node's `reusedSocket` + ECONNRESET). Bodies
 *   up to 1 MiB are held to be sent again; a larger one is streamed and never sent twice.
 * - Upstreams can be added and removed while it runs; requests under way are not affected.
 * - No WebSocket (Upgrade) support, plain HTTP only.
 */
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface RoundRobinProxyOptions {
  /** Time without activity on an upstream request before it is abandoned with a 504 (default 30 s). */
  timeoutMs?: number;
  /** Connections per upstream (default: no limit). */
  maxSocketsPerUpstream?: number;
}

export interface RoundRobinProxy {
  /** The proxy's base URL, ending with "/" (e.g. http://127.0.0.1:41234/). */
  url: string;
  port: number;
  /** The upstreams, in the order they are taken. */
  upstreams(): string[];
  /** Adds an upstream (a base URL: scheme, host, port, optional path prefix); ignored if present. */
  add(upstream: string): void;
  /** Removes an upstream; false when it was not there. Requests under way finish. */
  remove(upstream: string): boolean;
  /** Responses received from each upstream (any status) since the start or the last reset. */
  counts(): Record<string, number>;
  /** Requests answered by the proxy itself with a 502/504 since the start or the last reset. */
  failures(): number;
  resetCounts(): void;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "upgrade",
  "expect",
  "host",
]);
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);

function normalize(upstream: string): string {
  const u = new URL(upstream);
  if (u.protocol !== "http:") throw new Error(`round-robin proxy: only http:// upstreams (got ${upstream})`);
  return u.toString().replace(/\/$/, "");
}

/** Whether a request carries a body (Content-Length > 0 or a Transfer-Encoding). */
/** Bodies held in memory so a request can be sent to another upstream. */
const MAX_HELD_BODY = 1024 * 1024;

function hasBody(req: IncomingMessage): boolean {
  const len = req.headers["content-length"];
  return (len !== undefined && Number(len) > 0) || req.headers["transfer-encoding"] !== undefined;
}

/** Headers to send on, from a raw header list: repeated headers become arrays (Cookie: joined). */
function forwardHeaders(raw: string[]): Record<string, string | string[]> {
  // Names listed in a Connection header are hop-by-hop too.
  const extra = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === "connection") {
      for (const n of raw[i + 1]!.split(",")) extra.add(n.trim().toLowerCase());
    }
  }
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    if (HOP_BY_HOP.has(name) || extra.has(name)) continue;
    const had = out[name];
    if (had === undefined) out[name] = value;
    else if (name === "cookie") out[name] = `${had as string}; ${value}`;
    else out[name] = [...(Array.isArray(had) ? had : [had]), value];
  }
  return out;
}

export async function startRoundRobinProxy(
  initial: string[],
  opts: RoundRobinProxyOptions = {},
): Promise<RoundRobinProxy> {
  const list: string[] = [];
  for (const u of initial) {
    const n = normalize(u);
    if (!list.includes(n)) list.push(n);
  }
  let turn = 0;
  let counts: Record<string, number> = {};
  let failed = 0;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const agent = new Agent({
    keepAlive: true,
    ...(opts.maxSocketsPerUpstream ? { maxSockets: opts.maxSocketsPerUpstream } : {}),
    scheduling: "lifo",
  });
  const sockets = new Set<Socket>();

  const fail = (res: ServerResponse, status: 502 | 504, message: string) => {
    failed++;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = JSON.stringify({ error: { code: status === 504 ? "upstream_timeout" : "bad_gateway", message } });
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const headers = forwardHeaders(req.rawHeaders);
    const client = req.socket.remoteAddress ?? "";
    const xff = headers["x-forwarded-for"];
    headers["x-forwarded-for"] = xff === undefined ? client : `${[xff].flat().join(", ")}, ${client}`;
    if (req.headers.host) {
      headers["x-forwarded-host"] ??= req.headers.host;
      headers.host = req.headers.host;
    }
    headers["x-forwarded-proto"] ??= "http";

    const method = req.method ?? "GET";
    const idempotent = IDEMPOTENT.has(method);
    const length = Number(req.headers["content-length"] ?? NaN);
    // A body is held (to be sent again) unless it is large or of unknown length past the limit.
    const streamed = hasBody(req) && !(length <= MAX_HELD_BODY);
    let body: Buffer | undefined;
    const tried = new Set<string>();
    let clientGone = false;
    res.once("close", () => {
      if (!res.writableFinished) clientGone = true;
    });

    const attempt = (): void => {
      if (clientGone) return;
      const candidates = list.filter((u) => !tried.has(u));
      if (!candidates.length) {
        fail(res, 502, list.length ? `No upstream answered ${method} ${req.url}` : "No upstream");
        req.resume();
        return;
      }
      // The next in turn among those not tried yet.
      let upstream = list[turn++ % list.length]!;
      for (let n = 0; tried.has(upstream) && n < list.length; n++) upstream = list[turn++ % list.length]!;
      if (tried.has(upstream)) upstream = candidates[0]!;
      tried.add(upstream);
      const base = new URL(upstream);
      const path = (base.pathname === "/" ? "" : base.pathname.replace(/\/$/, "")) + (req.url ?? "/");
      let answered = false;
      const up = request({
        agent,
        host: base.hostname,
        port: base.port || 80,
        method,
        path,
        headers,
        timeout: timeoutMs,
      });
      up.on("response", (ur) => {
        answered = true;
        counts[upstream] = (counts[upstream] ?? 0) + 1;
        res.writeHead(ur.statusCode ?? 502, ur.statusMessage, forwardHeaders(ur.rawHeaders));
        ur.pipe(res);
        // The upstream went away in the middle of its answer: so does the client's.
        ur.once("close", () => {
          if (!ur.complete) res.destroy();
        });
      });
      up.on("timeout", () => {
        up.destroy(new Error("timeout"));
      });
      up.on("error", (e: NodeJS.ErrnoException) => {
        if (clientGone) return;
        if (answered) return; // the answer's own close handles it
        if (e.message === "timeout") {
          fail(res, 504, `${upstream} did not answer ${method} ${req.url} within ${timeoutMs} ms`);
          return;
        }
        const reachedNoServer = e.code === "ECONNREFUSED" || (up.reusedSocket && e.code === "ECONNRESET");
        if (!streamed && (idempotent || reachedNoServer)) {
          attempt();
          return;
        }
        fail(res, 502, `${upstream}: ${e.code ?? e.message} (${method} ${req.url})`);
      });
      res.once("close", () => {
        if (!res.writableFinished) up.destroy();
      });
      if (streamed) req.pipe(up);
      else up.end(body);
    };
    if (streamed) {
      attempt();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_HELD_BODY) {
        fail(res, 502, `the body of ${method} ${req.url} is larger than announced`);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.once("end", () => {
      if (size > MAX_HELD_BODY) return;
      body = chunks.length ? Buffer.concat(chunks) : undefined;
      attempt();
    });
  };

  const server: Server = createServer({ keepAliveTimeout: 30_000 }, handle);
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    upstreams: () => [...list],
    add(upstream) {
      const n = normalize(upstream);
      if (!list.includes(n)) list.push(n);
    },
    remove(upstream) {
      const i = list.indexOf(normalize(upstream));
      if (i < 0) return false;
      list.splice(i, 1);
      return true;
    },
    counts: () => ({ ...counts }),
    failures: () => failed,
    resetCounts() {
      counts = {};
      failed = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        agent.destroy();
      }),
  };
}
