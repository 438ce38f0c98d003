import { createHmac, randomBytes } from "node:crypto";
import type { SessionApi } from "../../common/model/typedef.ts";

/** Bytes a session's values may take (as JSON): a call that would go beyond fails, naming the key. */
export const SESSION_MAX_BYTES = 64 * 1024;

/** A caller's session: its authenticated user, groups and values, kept between calls. */
export class Session implements SessionApi {
  private data = new Map<string, unknown>();
  private _user: string | undefined;
  private _groups: string[] = [];
  lastAccess = Date.now();
  /** Set when the session gained a user or a value (a transient session is then worth keeping). */
  modified = false;

  constructor(
    id: string | undefined,
    public maxInactiveSeconds: number,
    private readonly store?: SessionStore,
  ) {
    this._id = id;
  }

  private _id: string | undefined;

  /** An unguessable id, drawn when first needed (most anonymous calls never need one). */
  get id(): string {
    return (this._id ??= randomBytes(24).toString("base64url"));
  }

  get user(): string | undefined {
    return this._user;
  }

  /** Groups given when the user was set, plus those of the group store (FullSync groups). */
  get groups(): readonly string[] {
    if (!this._user) return [];
    const extra = this.store?.groupsOf?.(this._user) ?? [];
    if (extra.length === 0) return this._groups;
    return [...new Set([...this._groups, ...extra])];
  }

  /** Ids this session had during the call (a login or logout moved it): the store forgets them. */
  readonly replacedIds: string[] = [];
  private sizes = new Map<string, number>();
  private bytes = 0;

  get(key: string): unknown {
    return this.data.get(key);
  }
  set(key: string, value: unknown): void {
    const v = value === undefined ? null : structuredClone(value);
    const size = Buffer.byteLength(key) + Buffer.byteLength(JSON.stringify(v) ?? "null");
    const total = this.bytes - (this.sizes.get(key) ?? 0) + size;
    if (total > SESSION_MAX_BYTES) {
      throw new Error(
        `session value "${key}" refused: the session's values would take ${total} bytes, more than ${SESSION_MAX_BYTES}`,
      );
    }
    this.data.set(key, v);
    this.sizes.set(key, size);
    this.bytes = total;
    this.modified = true;
  }
  delete(key: string): void {
    if (this.data.delete(key)) {
      this.bytes -= this.sizes.get(key) ?? 0;
      this.sizes.delete(key);
      this.modified = true;
    }
  }
  /**
   * Puts a user in the session. When the user changes, a stored session gets a new id at once
   * (the store moves it): an id known before the login (planted by an attacker: session fixation)
   * must not open the logged-in session, not even while the rest of the login run goes on.
   */
  setUser(user: string, groups?: readonly string[]): void {
    const changed = user !== this._user;
    this._user = user;
    this._groups = groups ? [...new Set(groups)] : [];
    this.modified = true;
    if (changed) this.store?.renew(this);
  }
  /** Removes the user; a stored session gets a new id at once (a logout also ends what the old id opened). */
  removeUser(): void {
    const had = this._user !== undefined;
    this._user = undefined;
    this._groups = [];
    if (had) {
      this.modified = true;
      this.store?.renew(this);
    }
  }
  /** Gives the session a new unguessable id (for the store, when it moves the session). */
  newId(): string {
    if (this._id !== undefined) this.replacedIds.push(this._id);
    this._id = randomBytes(24).toString("base64url");
    return this._id;
  }
  /** What a shared store keeps of the session. */
  toRecord(): SessionRecord {
    return {
      user: this._user ?? null,
      groups: this._groups,
      data: [...this.data],
      maxInactiveSeconds: this.maxInactiveSeconds,
    };
  }
  /** A session read back from a shared store. */
  static fromRecord(id: string, r: SessionRecord, store: SessionStore): Session {
    const s = new Session(id, r.maxInactiveSeconds, store);
    if (typeof r.user === "string") s._user = r.user;
    s._groups = Array.isArray(r.groups) ? r.groups.filter((g): g is string => typeof g === "string") : [];
    for (const [k, v] of Array.isArray(r.data) ? r.data : []) {
      if (typeof k !== "string") continue;
      const size = Buffer.byteLength(k) + Buffer.byteLength(JSON.stringify(v) ?? "null");
      s.data.set(k, v);
      s.sizes.set(k, size);
      s.bytes += size;
    }
    return s;
  }
  /** Session values, for the debugger and services/user.Get. */
  keys(): string[] {
    return [...this.data.keys()];
  }
}

/** A session as a shared store (Redis) keeps it, as JSON. */
export interface SessionRecord {
  user: string | null;
  groups: string[];
  data: [string, unknown][];
  maxInactiveSeconds: number;
}

/**
 * Cookie sessions, expired after their inactivity timeout. This class keeps them in this
 * process's memory (one server); RedisSessionStore (redis-sessions.ts) keeps them where every
 * server of a cluster reads them. Callers use only the methods here: `get` a request's session,
 * `adopt` a new one worth keeping, `commit` one the call changed, `destroy` on logout.
 */
export class SessionStore {
  private sessions = new Map<string, Session>();
  private sweeper: NodeJS.Timeout;
  /** Extra groups of a user (the FullSync group store plugs in here). */
  groupsOf?: (user: string) => readonly string[];

  constructor(readonly defaultMaxInactiveSeconds = 1800) {
    this.sweeper = setInterval(() => this.sweep(), 30_000);
    this.sweeper.unref();
  }

  /** A new session with an unguessable id. */
  create(maxInactiveSeconds = this.defaultMaxInactiveSeconds): Session {
    const id = randomBytes(24).toString("base64url");
    const s = new Session(id, maxInactiveSeconds, this);
    this.sessions.set(id, s);
    return s;
  }

  /** A session that is not stored yet (CLI runs; HTTP calls that may not need one). */
  transient(): Session {
    return new Session(undefined, this.defaultMaxInactiveSeconds, this);
  }

  /** Keeps a transient session (it gained a user or values). */
  async adopt(session: Session): Promise<void> {
    session.lastAccess = Date.now();
    this.sessions.set(session.id, session);
  }

  /**
   * Saves what a call changed in a kept session (its values, its user, its new id). Sessions in
   * memory are the live objects, so there is nothing to write here.
   */
  async commit(session: Session): Promise<void> {
    session.replacedIds.length = 0;
  }

  /**
   * Moves a stored session to a new id, its user and values with it; the old id stops working at
   * once. Called when the session's user changes (login, logout). A session that is not stored
   * (transient: its id was never sent to anyone) is left as it is.
   */
  renew(session: Session): void {
    const old = session.id;
    if (this.sessions.get(old) !== session) return;
    this.sessions.delete(old);
    this.sessions.set(session.newId(), session);
  }

  /**
   * A label of a session that is safe to show (services/user.Get answers it as `session`): stable
   * while the session keeps its id, different after a login or logout, and useless as a cookie
   * (an HMAC of the id under a key of this process, so it reveals nothing of the id).
   */
  publicLabel(session: Session): string {
    return createHmac("sha256", this.labelKey).update(session.id).digest("base64url").slice(0, 22);
  }
  /** The key of public labels (a shared store shares it, so a label is the same on every server). */
  protected labelKey = randomBytes(32);

  /** The live session with this id, touched; undefined when unknown or expired. */
  async get(id: string | undefined): Promise<Session | undefined> {
    return this.getNow(id);
  }

  /** `get` for this store, whose sessions are in memory (tests, the CLI). */
  getNow(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    const now = Date.now();
    if (now - s.lastAccess > s.maxInactiveSeconds * 1000) {
      this.sessions.delete(id);
      return undefined;
    }
    s.lastAccess = now;
    return s;
  }

  async destroy(id: string): Promise<void> {
    this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, s] of this.sessions) {
      if (now - s.lastAccess > s.maxInactiveSeconds * 1000) this.sessions.delete(id);
    }
  }

  /** Why sessions cannot be kept now (a shared store out of reach), or undefined: for readiness checks. */
  async health(): Promise<string | undefined> {
    return undefined;
  }

  /** Stops the sweeper and forgets every session (the engine closes). */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.sessions.clear();
  }
}
