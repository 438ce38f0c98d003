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
export function sessionOfRequest(store: SessionStore, req: Pick<IncomingMessage, "headers">): Session | undefined {
  return store.get(readCookie(req.headers.cookie, SESSION_COOKIE));
}

/** The Set-Cookie value for a session (HttpOnly, SameSite=Lax, Secure when asked). */
export function sessionCookie(session: Session, secure: boolean): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(session.id)}; Path=/; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}

/** The Set-Cookie value that removes the session cookie. */
export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`;
}

/** The session id a request's cookie carries (checked by no one yet), or undefined. */
export function readSessionId(req: Pick<IncomingMessage, "headers">): string | undefined {
  return readCookie(req.headers.cookie, SESSION_COOKIE);
}
