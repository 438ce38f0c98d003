import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { STUDIO_HEADER } from "../../common/studio/api.ts";
import { readCookie } from "../server/http-sessions.ts";

/**
 * The local Studio's guard. Each start makes a random token; the URL the engine prints carries
 * it, the first page load trades it for an HttpOnly, SameSite=Strict cookie (named after the
 * port: cookies do not tell ports apart). API calls must also carry the `x-atelier-studio`
 * header, which a page of another origin cannot send without a CORS preflight the engine never
 * grants, and an Origin, when sent, must be the engine's own: so other local processes and web
 * pages can neither read nor drive the engine.
 */
export class StudioAuth {
  readonly token: string;

  constructor(
    token?: string,
    private readonly boundHost = "127.0.0.1",
  ) {
    this.token = token ?? randomBytes(24).toString("base64url");
  }

  cookieName(req: IncomingMessage): string {
    return `atelier_studio_${req.socket.localPort ?? 0}`;
  }

  /** The Set-Cookie header value that lets a browser in. */
  cookie(req: IncomingMessage): string {
    return `${this.cookieName(req)}=${this.token}; Path=/; HttpOnly; SameSite=Strict`;
  }

  matches(candidate: string | undefined): boolean {
    if (!candidate) return false;
    const a = Buffer.from(candidate);
    const b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** The token a request carries: its cookie, or a bearer token (tools, tests). */
  carried(req: IncomingMessage): string | undefined {
    const auth = req.headers.authorization;
    if (auth?.startsWith("Bearer ")) return auth.slice(7).trim();
    return readCookie(req.headers.cookie, this.cookieName(req));
  }

  /** Host names a request may address (a DNS-rebinding page names its own). */
  hostAllowed(req: IncomingMessage): boolean {
    const loopback = ["127.0.0.1", "localhost", "::1", "[::1]"];
    if (!loopback.includes(this.boundHost)) return true;
    const host = (req.headers.host ?? "").replace(/:\d+$/, "").toLowerCase();
    return loopback.includes(host);
  }

  /** Why a request is refused, or undefined when it may go on. */
  refuse(
    req: IncomingMessage,
    opts: { api: boolean; stream?: boolean },
  ): { status: number; message: string } | undefined {
    if (!this.hostAllowed(req)) return { status: 403, message: "This host name is not allowed" };
    const origin = req.headers.origin;
    if (origin && origin !== "null") {
      const host = req.headers.host ?? "";
      if (origin !== `http://${host}` && origin !== `https://${host}`) {
        return { status: 403, message: "Cross-origin requests are not allowed" };
      }
    } else if (origin === "null") {
      return { status: 403, message: "Cross-origin requests are not allowed" };
    }
    const site = req.headers["sec-fetch-site"];
    if (site && site !== "same-origin" && site !== "none") {
      return { status: 403, message: "Cross-site requests are not allowed" };
    }
    if (!this.matches(this.carried(req))) {
      return {
        status: 401,
        message: "Not signed in to this Atelier Studio: open the URL the engine printed (it carries a token)",
      };
    }
    // EventSource cannot send headers; its stream is read-only and same-origin by the checks above.
    if (opts.api && !opts.stream && req.headers[STUDIO_HEADER] !== "1") {
      return { status: 403, message: `Studio API calls must carry the ${STUDIO_HEADER} header` };
    }
    return undefined;
  }
}
