import { createHash, randomBytes } from "node:crypto";
import type { RedisClient } from "../cluster/redis-connection.ts";
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
 * This one keeps them in memory (one server); RedisAdminSessions shares them in a cluster.
 */
export class AdminSessions {
  private readonly sessions = new Map<string, AdminSession>();

  constructor(
    protected readonly idleMs = 30 * 60_000,
    protected readonly maxAgeMs = 12 * 3_600_000,
    private readonly max = 1000,
    protected readonly now: () => number = Date.now,
  ) {}

  async create(principal: AdminPrincipal): Promise<string> {
    const id = randomBytes(32).toString("base64url");
    const t = this.now();
    this.sessions.set(id, { principal, created: t, last: t });
    while (this.sessions.size > this.max) this.sessions.delete(this.sessions.keys().next().value as string);
    return id;
  }

  async get(id: string | undefined): Promise<AdminPrincipal | undefined> {
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

  async destroy(id: string | undefined): Promise<void> {
    if (id) this.sessions.delete(id);
  }

  cookie(id: string, secure: boolean): string {
    return `${ADMIN_COOKIE}=${id}; Path=/admin; HttpOnly; SameSite=Strict${secure ? "; Secure" : ""}; Max-Age=${Math.floor(this.maxAgeMs / 1000)}`;
  }

  clearedCookie(): string {
    return `${ADMIN_COOKIE}=; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0`;
  }
}

/**
 * Admin sessions in Redis, for a cluster: a login through one server is valid on every other, a
 * logout everywhere at once. Key `<prefix>as:<SHA-256 of the id>` (Redis never holds a usable
 * cookie), its time to live the idle limit, renewed at each use; the absolute limit is checked
 * from the creation time it holds.
 */
export class RedisAdminSessions extends AdminSessions {
  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
    idleMs?: number,
    maxAgeMs?: number,
  ) {
    super(idleMs, maxAgeMs);
  }

  private key(id: string): string {
    return `${this.prefix}as:${createHash("sha256").update(id).digest("base64url")}`;
  }

  override async create(principal: AdminPrincipal): Promise<string> {
    const id = randomBytes(32).toString("base64url");
    const record: AdminSession = { principal, created: this.now(), last: this.now() };
    await this.client.set(this.key(id), JSON.stringify(record), { PX: this.idleMs });
    return id;
  }

  override async get(id: string | undefined): Promise<AdminPrincipal | undefined> {
    if (!id || id.length > 256) return undefined;
    const key = this.key(id);
    const raw = await this.client.get(key);
    if (!raw || raw.length > 64 * 1024) return undefined;
    let s: AdminSession;
    try {
      s = JSON.parse(raw) as AdminSession;
    } catch {
      return undefined;
    }
    if (!s?.principal || typeof s.created !== "number" || this.now() - s.created > this.maxAgeMs) {
      await this.client.del(key);
      return undefined;
    }
    await this.client.pExpire(key, this.idleMs);
    return s.principal;
  }

  override async destroy(id: string | undefined): Promise<void> {
    if (id && id.length <= 256) await this.client.del(this.key(id));
  }
}
