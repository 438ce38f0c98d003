import { createHash, randomBytes } from "node:crypto";
import { closeRedis, connectRedis, withTimeout, type RedisClient } from "../cluster/redis-connection.ts";
import { Session, SessionStore, type SessionRecord } from "./sessions.ts";

/**
 * Sessions in Redis, for several servers behind one load balancer with no sticky sessions: a
 * session created on one server is read by every other, a logout or a login (which moves the
 * session to a new id) and the inactivity timeout take effect everywhere at once. Each session
 * is one key, `<prefix>s:<SHA-256 of its id>` (Redis never holds a usable cookie), a JSON value
 * with a time to live of the session's inactivity timeout, renewed at each read. Values are
 * bounded as in memory (SESSION_MAX_BYTES); a record too large or malformed reads as no session.
 */

export interface RedisSessionOptions {
  /** redis:// or rediss:// URL (user and password in it when the server needs them). */
  url: string;
  /** Prefix of the keys (several deployments can share one Redis). */
  prefix?: string;
  defaultMaxInactiveSeconds?: number;
  /** Milliseconds to wait for Redis at start and for each command (default 5000). */
  timeoutMs?: number;
  /** Where connection problems are reported (once per outage). */
  onError?: (message: string) => void;
}

/** Redis could not be reached or answered an error: the call is refused with a 503. */
export class SessionsUnavailable extends Error {
  readonly status = 503;
  readonly code = "sessions_unavailable";
}

/** A record larger than this is not read (a session's values are bounded far below). */
const MAX_RECORD_BYTES = 1024 * 1024;

export class RedisSessionStore extends SessionStore {
  /** Sessions read from or written to Redis: the ones a login moves, a commit writes. */
  private readonly stored = new WeakSet<Session>();

  private constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
    private readonly timeoutMs: number,
    defaultMaxInactiveSeconds: number,
  ) {
    super(defaultMaxInactiveSeconds);
  }

  /** Connects to Redis (refused with a clear error when it cannot within the time limit). */
  static async connect(opts: RedisSessionOptions): Promise<RedisSessionStore> {
    const timeoutMs = opts.timeoutMs ?? 5000;
    const client = await connectRedis({
      url: opts.url,
      timeoutMs,
      what: "sessions",
      ...(opts.onError ? { onError: opts.onError } : {}),
    });
    const prefix = opts.prefix ?? "atelier:";
    const store = new RedisSessionStore(client, prefix, timeoutMs, opts.defaultMaxInactiveSeconds ?? 1800);
    // One label key for every server of the cluster: the first server draws it.
    await client.set(`${prefix}label-key`, randomBytes(32).toString("base64"), { NX: true });
    const shared = await client.get(`${prefix}label-key`);
    if (shared) store.labelKey = Buffer.from(shared, "base64");
    return store;
  }

  private key(id: string): string {
    return `${this.prefix}s:${createHash("sha256").update(id).digest("base64url")}`;
  }

  private async call<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      return await withTimeout(op(), this.timeoutMs, "no answer in time");
    } catch (e) {
      throw new SessionsUnavailable(`Sessions are unavailable (Redis, ${what}): ${(e as Error).message}`);
    }
  }

  /** A new session, kept by `adopt` (nothing is written before the call ends). */
  override create(maxInactiveSeconds = this.defaultMaxInactiveSeconds): Session {
    return new Session(randomBytes(24).toString("base64url"), maxInactiveSeconds, this);
  }

  override async get(id: string | undefined): Promise<Session | undefined> {
    if (!id || id.length > 256) return undefined;
    const key = this.key(id);
    const raw = await this.call("read", () => this.client.get(key));
    if (raw === null || raw === undefined || raw.length > MAX_RECORD_BYTES) return undefined;
    let record: SessionRecord;
    try {
      record = JSON.parse(raw) as SessionRecord;
    } catch {
      return undefined;
    }
    if (!record || typeof record !== "object" || !(Number(record.maxInactiveSeconds) > 0)) return undefined;
    const session = Session.fromRecord(id, record, this);
    this.stored.add(session);
    // Touched: its inactivity timeout starts again (on every server, since it is Redis's TTL).
    await this.call("touch", () => this.client.expire(key, Math.ceil(session.maxInactiveSeconds)));
    return session;
  }

  override async adopt(session: Session): Promise<void> {
    this.stored.add(session);
    await this.write(session);
  }

  /** A login or logout moves a stored session to a new id; the old key goes at the commit. */
  override renew(session: Session): void {
    if (this.stored.has(session)) session.newId();
  }

  override async commit(session: Session): Promise<void> {
    if (!this.stored.has(session)) return;
    if (!session.modified && session.replacedIds.length === 0) return;
    await this.write(session);
  }

  private async write(session: Session): Promise<void> {
    const old = session.replacedIds.splice(0).map((id) => this.key(id));
    const json = JSON.stringify(session.toRecord());
    const ttl = Math.max(1, Math.ceil(session.maxInactiveSeconds));
    const key = this.key(session.id);
    await this.call("write", async () => {
      const tx = this.client.multi().set(key, json, { EX: ttl });
      for (const k of old) tx.del(k);
      await tx.exec();
    });
    session.modified = false;
  }

  override async destroy(id: string): Promise<void> {
    await this.call("delete", () => this.client.del(this.key(id)));
  }

  override async health(): Promise<string | undefined> {
    try {
      await this.call("ping", () => this.client.ping());
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  }

  override async close(): Promise<void> {
    await super.close();
    await closeRedis(this.client, this.timeoutMs);
  }
}
