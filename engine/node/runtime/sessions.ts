import { createHmac, randomBytes } from "node:crypto";
import type { SessionApi } from "../../common/model/typedef.ts";

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

  get(key: string): unknown {
    return this.data.get(key);
  }
  set(key: string, value: unknown): void {
    this.data.set(key, value === undefined ? null : structuredClone(value));
    this.modified = true;
  }
  delete(key: string): void {
    if (this.data.delete(key)) this.modified = true;
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
    this._id = randomBytes(24).toString("base64url");
    return this._id;
  }
  /** Session values, for the debugger and services/user.Get. */
  keys(): string[] {
    return [...this.data.keys()];
  }
}

/** In-memory cookie sessions, expired after their inactivity timeout. */
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
  adopt(session: Session): void {
    session.lastAccess = Date.now();
    this.sessions.set(session.id, session);
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
  private readonly labelKey = randomBytes(32);

  /** The live session with this id, touched; undefined when unknown or expired. */
  get(id: string | undefined): Session | undefined {
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

  destroy(id: string): void {
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

  /** Stops the sweeper and forgets every session (the engine closes). */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.sessions.clear();
  }
}
