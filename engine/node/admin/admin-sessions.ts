import { randomBytes } from "node:crypto";
import type { AdminPrincipal } from "./admin-store.ts";

/** The admin session cookie: its own name and path, never the apps' session. */
export const ADMIN_COOKIE = "atelier_admin";

interface AdminSession {
  principal: AdminPrincipal;
  created: number;
  last: number;
}

/**
 * Admin sessions after a password login (the console, Convertigo's clients): random ids, an idle
 * limit and an absolute one, at most `max` at once (the oldest dropped). PSC calls need none.
 */
export class AdminSessions {
  private readonly sessions = new Map<string, AdminSession>();

  constructor(
    private readonly idleMs = 30 * 60_000,
    private readonly maxAgeMs = 12 * 3_600_000,
    private readonly max = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  create(principal: AdminPrincipal): string {
    const id = randomBytes(32).toString("base64url");
    const t = this.now();
    this.sessions.set(id, { principal, created: t, last: t });
    while (this.sessions.size > this.max) this.sessions.delete(this.sessions.keys().next().value as string);
    return id;
  }

  get(id: string | undefined): AdminPrincipal | undefined {
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    const t = this.now();
    if (t - s.last > this.idleMs || t - s.created > this.maxAgeMs) {
      this.sessions.delete(id);
      return undefined;
    }
    s.last = t;
    return s.principal;
  }

  destroy(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }

  /** Ends every session of a user (removed, or password changed). */
  destroyUser(user: string): void {
    for (const [id, s] of this.sessions) if (s.principal.user === user) this.sessions.delete(id);
  }

  cookie(id: string, secure: boolean): string {
    return `${ADMIN_COOKIE}=${id}; Path=/admin; HttpOnly; SameSite=Strict${secure ? "; Secure" : ""}; Max-Age=${Math.floor(this.maxAgeMs / 1000)}`;
  }

  clearedCookie(): string {
    return `${ADMIN_COOKIE}=; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0`;
  }
}
