/**
 * A client of an Atelier server's admin API, derived from its route table: the CLI's deploy and
 * rollback, and the local engine's Servers view, call servers through it.
 *
 * TLS: a target with a pin (from its PSC) accepts exactly the certificate whose SHA-256 is the pin,
 * self-signed ones included, and nothing else; a target without a pin uses the usual certificate
 * checks. There is no "trust all".
 */
import { createHash } from "node:crypto";
import type { TLSSocket } from "node:tls";
import { Agent, buildConnector, request, type Dispatcher } from "undici";
import {
  ADMIN_API,
  adminRoutes,
  type AdminRouteName,
  type AdminRoutes,
  type DeployStatus,
} from "../../common/admin/routes.ts";
import { ApiError, type ApiErrorBody } from "../../common/http/api-error.ts";
import { routePath, type PathParams, type RouteAnswer, type RouteRequest } from "../../common/http/routes.ts";

/** How a client proves who it is: a PSC (bearer), or a user and password (legacy targets). */
export type Credentials = { psc: string } | { user: string; password: string };

export interface ServerTarget {
  /** The server's base URL. */
  url: string;
  /** SHA-256 of its certificate (hex), from the PSC. */
  pin?: string;
  credentials: Credentials;
}

type Route<K extends AdminRouteName> = AdminRoutes[K];
type Body<K extends AdminRouteName> = RouteRequest<Route<K>>["body"];
type Query<K extends AdminRouteName> = RouteRequest<Route<K>>["query"];

export type AdminCallInput<K extends AdminRouteName> = (keyof PathParams<Route<K>["path"]> extends never
  ? { params?: undefined }
  : { params: PathParams<Route<K>["path"]> }) &
  (Body<K> extends undefined ? { body?: undefined } : { body: Body<K> }) &
  (Query<K> extends undefined ? { query?: undefined } : { query?: Query<K> });

/** An undici dispatcher that accepts only the pinned certificate. */
export function pinnedAgent(pin: string): Agent {
  // No TLS session resumption: a resumed session shows no certificate to check (and the check
  // must happen on every connection, since the usual verification is off for pinned servers).
  const connect = buildConnector({ rejectUnauthorized: false, maxCachedSessions: 0 });
  return new Agent({
    connect: (opts, cb) => {
      connect(opts, (err, socket) => {
        if (err || !socket) return cb(err ?? new Error("no socket"), null);
        const tls = socket as TLSSocket;
        if (typeof tls.getPeerCertificate !== "function") {
          socket.destroy();
          return cb(new Error("The server is pinned to a certificate but did not answer over TLS"), null);
        }
        const raw = tls.getPeerCertificate(false)?.raw;
        const got = raw ? createHash("sha256").update(raw).digest("hex") : "";
        if (got !== pin) {
          socket.destroy();
          return cb(
            Object.assign(
              new Error(
                `The server's certificate (SHA-256 ${got.slice(0, 16)}…) is not the one its PSC names (${pin.slice(0, 16)}…): connection refused`,
              ),
              { code: "ATELIER_PIN_MISMATCH" },
            ),
            null,
          );
        }
        cb(null, socket);
      });
    },
  });
}

/** A readable sentence for a failure to reach a server. */
export function reachProblem(url: string, e: unknown): string {
  const err = e as Error & { code?: string; cause?: Error & { code?: string } };
  const code = err.code ?? err.cause?.code;
  const why =
    code === "ATELIER_PIN_MISMATCH" || err.cause?.message?.includes("is not the one its PSC names")
      ? (err.cause?.message ?? err.message)
      : code === "ECONNREFUSED"
        ? "nothing answers at this address (is the server running?)"
        : code === "ENOTFOUND"
          ? "the host name is unknown"
          : code === "UND_ERR_CONNECT_TIMEOUT" || code === "ETIMEDOUT"
            ? "the connection timed out"
            : /certificate|self[- ]signed|SSL|TLS/i.test(`${code} ${err.message} ${err.cause?.message}`)
              ? `its TLS certificate is not trusted (${err.cause?.message ?? err.message}); use a PSC from that server, which pins its certificate`
              : (err.cause?.message ?? err.message);
  return `Cannot reach ${url}: ${why}`;
}

export class AdminClient {
  private readonly dispatcher: Dispatcher | undefined;
  private cookie: string | undefined;

  constructor(readonly target: ServerTarget) {
    const url = new URL(target.url);
    if (target.pin) {
      if (url.protocol !== "https:") throw new Error(`${target.url}: a certificate pin needs an https:// server URL`);
      this.dispatcher = pinnedAgent(target.pin);
    }
  }

  async close(): Promise<void> {
    await (this.dispatcher as Agent | undefined)?.close();
  }

  private async headers(k: AdminRouteName): Promise<Record<string, string>> {
    const c = this.target.credentials;
    if ("psc" in c) return { authorization: `Bearer ${c.psc}` };
    if (k === "login") return {};
    if (!this.cookie) await this.login(c.user, c.password);
    return { cookie: this.cookie!, "x-atelier-admin": "1" };
  }

  private async login(user: string, password: string): Promise<void> {
    const res = await this.raw(
      "POST",
      `${ADMIN_API}/login`,
      {},
      JSON.stringify({ user, password }),
      "application/json",
    );
    const set = res.headers["set-cookie"];
    const first = Array.isArray(set) ? set[0] : set;
    if (!first) throw new ApiError(500, "no_session", "The server answered the login without a session");
    this.cookie = first.split(";")[0];
  }

  private async raw(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: string | Buffer,
    contentType?: string,
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; json: unknown }> {
    const url = new URL(
      path.replace(/^\//, ""),
      this.target.url.endsWith("/") ? this.target.url : `${this.target.url}/`,
    );
    let res;
    try {
      res = await request(url, {
        method: method as Dispatcher.HttpMethod,
        headers: { ...headers, ...(contentType ? { "content-type": contentType } : {}), accept: "application/json" },
        ...(body !== undefined ? { body } : {}),
        ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}),
        headersTimeout: 60_000,
        bodyTimeout: 120_000,
      });
    } catch (e) {
      throw new ApiError(0, "unreachable", reachProblem(this.target.url, e));
    }
    const text = await res.body.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (res.statusCode >= 400) {
      const err = (json as ApiErrorBody | undefined)?.error;
      throw new ApiError(
        res.statusCode,
        err?.code ?? "http_error",
        err?.message ?? `${this.target.url} answered HTTP ${res.statusCode}${text ? `: ${text.slice(0, 200)}` : ""}`,
        err?.details,
      );
    }
    return { status: res.statusCode, headers: res.headers, json };
  }

  /** Calls route K of the admin API; answers what the table says, or throws an ApiError naming the cause. */
  async call<K extends AdminRouteName>(name: K, input: AdminCallInput<K>): Promise<RouteAnswer<Route<K>>> {
    const def = adminRoutes[name];
    let path = ADMIN_API + routePath(def.path, (input.params ?? {}) as Record<string, string>);
    const query = input.query as Record<string, string | undefined> | undefined;
    if (query) {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, v);
      if (qs.size) path += `?${qs}`;
    }
    const raw = "bodyKind" in def && def.bodyKind === "raw";
    const body =
      input.body === undefined ? undefined : raw ? Buffer.from(input.body as Uint8Array) : JSON.stringify(input.body);
    const send = async () =>
      this.raw(
        def.method,
        path,
        await this.headers(name),
        body,
        body === undefined ? undefined : raw ? "application/zip" : "application/json",
      );
    try {
      return (await send()).json as RouteAnswer<Route<K>>;
    } catch (e) {
      // A password session may have expired on the server: sign in again once.
      if (e instanceof ApiError && e.status === 401 && this.cookie) {
        this.cookie = undefined;
        return (await send()).json as RouteAnswer<Route<K>>;
      }
      throw e;
    }
  }

  /**
   * Uploads a .car and waits for the deploy to end, polling its status (a long upload or a slow
   * server is never taken for a failure). Throws an ApiError carrying the server's reason.
   */
  async deploy(
    project: string,
    bytes: Buffer,
    opts: { replaces?: number | null; force?: boolean; onPhase?: (s: DeployStatus) => void; timeoutMs?: number } = {},
  ): Promise<NonNullable<DeployStatus["result"]>> {
    let status = await this.call("deploy", {
      params: { project },
      body: bytes,
      query: {
        ...(opts.replaces !== undefined ? { replaces: opts.replaces === null ? "none" : String(opts.replaces) } : {}),
        ...(opts.force ? { force: "true" as const } : {}),
      },
    });
    opts.onPhase?.(status);
    const deadline = Date.now() + (opts.timeoutMs ?? 10 * 60_000);
    let delay = 50;
    while (status.phase !== "done" && status.phase !== "failed") {
      if (Date.now() > deadline)
        throw new ApiError(
          504,
          "deploy_timeout",
          `The deploy ${status.id} did not end in time; its status: ${status.phase}`,
        );
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 1000);
      status = await this.call("deployStatus", { params: { id: status.id } });
      opts.onPhase?.(status);
    }
    if (status.phase === "failed" || !status.result) {
      const e = status.error;
      throw new ApiError(e?.status ?? 500, e?.code ?? "deploy_failed", e?.message ?? "The deploy failed", e?.details);
    }
    return status.result;
  }
}
