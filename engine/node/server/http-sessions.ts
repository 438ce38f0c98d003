import type { IncomingMessage } from "node:http";
import type { Session, SessionStore } from "../runtime/sessions.ts";

/** The name of the session cookie (shared by /projects calls and /fullsync replication). */
export const SESSION_COOKIE = "atelier_sid";

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** The live session of a request, from its cookie; undefined when none or expired. */
export function sessionOfRequest(
  store: SessionStore,
  req: Pick<IncomingMessage, "headers">,
): Promise<Session | undefined> {
  return store.get(readCookie(req.headers.cookie, SESSION_COOKIE));
}

/**
 * The attributes of the session cookie: HttpOnly, SameSite=Lax (Secure over HTTPS); for a call
 * from an origin of `cors.origins` over HTTPS, `SameSite=None; Secure; Partitioned`, so that an
 * app served elsewhere (Capacitor, Cordova, a web app on another host) sends it back, on FullSync
 * too. Browsers take SameSite=None only with Secure (over HTTP, cross-site apps get no session);
 * Partitioned (CHIPS) keeps it when third-party cookies are blocked (Chromium's default now): the
 * cookie then belongs to the app's site only. Browsers that do not know the attribute ignore it.
 */
function cookieAttributes(secure: boolean, crossSite: boolean): string {
  if (secure && crossSite) return "Path=/; HttpOnly; SameSite=None; Secure; Partitioned";
  return `Path=/; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}

/** The Set-Cookie value for a session (see cookieAttributes). */
export function sessionCookie(session: Session, secure: boolean, crossSite = false): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(session.id)}; ${cookieAttributes(secure, crossSite)}`;
}

/** The Set-Cookie value that removes the session cookie. */
export function clearedSessionCookie(secure = false, crossSite = false): string {
  return `${SESSION_COOKIE}=; ${cookieAttributes(secure, crossSite)}; Max-Age=0`;
}

/** Whether a request comes from a page of an allowed origin other than this server's own. */
export function fromAllowedOrigin(req: Pick<IncomingMessage, "headers">, origins: ReadonlySet<string>): boolean {
  const origin = req.headers.origin;
  return typeof origin === "string" && origins.has(origin.toLowerCase());
}

/** The session id a request's cookie carries (checked by no one yet), or undefined. */
export function readSessionId(req: Pick<IncomingMessage, "headers">): string | undefined {
  return readCookie(req.headers.cookie, SESSION_COOKIE);
}
