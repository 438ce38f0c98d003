import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { isPlainObject } from "../../common/model/props.ts";
import { createPsc, hashSecret, parsePsc, PscError, pscSignatureValid, type Psc } from "../deploy/psc.ts";
import { FileDocs, RedisDocs, type DocStore, type SharedDoc } from "../cluster/shared-docs.ts";
import { decoyHash, hashAdminPassword, verifyAdminPassword } from "./passwords.ts";
import { LoginThrottle, RedisLoginThrottle, type Throttle } from "./throttle.ts";

/** What an admin may do: deploy and roll back; change settings, users, jobs; look. */
export const ROLES = ["deploy", "configure", "view"] as const;
export type Role = (typeof ROLES)[number];

export interface AdminUser {
  name: string;
  hash: string;
  roles: Role[];
  createdAt: string;
}

export interface TokenRecord {
  id: string;
  secretHash: string;
  user: string;
  projects: string[];
  exp: string;
  label?: string;
  createdAt: string;
  revokedAt?: string;
}

/** Who an admin request comes from, once authenticated. */
export interface AdminPrincipal {
  user: string;
  roles: Role[];
  /** "password" or the PSC's token id. */
  via: string;
  /** Projects this credential may touch (["*"]: all). */
  projects: string[];
}

/** A refused admin login, with the HTTP status to answer (401, 403 or 429). */
export class AdminAuthError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

const USER_RE = /^[A-Za-z0-9_.@-]{1,64}$/;

function checkUsers(v: unknown): { users: AdminUser[] } {
  if (!isPlainObject(v) || !Array.isArray(v.users)) throw new Error("users.json must hold {users: [...]}");
  return v as { users: AdminUser[] };
}
function checkTokens(v: unknown): { tokens: TokenRecord[] } {
  if (!isPlainObject(v) || !Array.isArray(v.tokens)) throw new Error("tokens.json must hold {tokens: [...]}");
  return v as { tokens: TokenRecord[] };
}

/**
 * The server's admin state in `<data>/admin/`: users (scrypt hashes), PSC tokens (hashes of their
 * secrets), and the server key that signs PSCs. Every file is owner-only.
 */
export class AdminStore {
  readonly dir: string;
  private readonly users: SharedDoc<{ users: AdminUser[] }>;
  private readonly tokens: SharedDoc<{ tokens: TokenRecord[] }>;
  readonly throttle: Throttle;
  private keyPromise: Promise<Buffer> | undefined;

  /**
   * `docs`: where users and tokens live: the data folder (one server, the default) or a cluster's
   * Redis, where the server key is shared too (the first server draws it).
   */
  constructor(
    dataDir: string,
    private readonly docs: DocStore = new FileDocs(),
  ) {
    this.dir = path.join(dataDir, "admin");
    this.throttle = docs instanceof RedisDocs ? new RedisLoginThrottle(docs.client, docs.prefix) : new LoginThrottle();
    this.users = docs.doc("admin-users", path.join(this.dir, "users.json"), () => ({ users: [] }), checkUsers);
    this.tokens = docs.doc("admin-tokens", path.join(this.dir, "tokens.json"), () => ({ tokens: [] }), checkTokens);
  }

  /** The server's key (32 bytes, `<data>/admin/server.key`, or the cluster's), created on first use. */
  key(): Promise<Buffer> {
    const docs = this.docs;
    if (docs instanceof RedisDocs) {
      this.keyPromise ??= (async () => {
        const name = `${docs.prefix}server-key`;
        await docs.client.set(name, randomBytes(32).toString("hex"), { NX: true });
        const text = (await docs.client.get(name)) ?? "";
        if (!/^[0-9a-f]{64}$/.test(text)) throw new Error(`The cluster's server key in Redis (${name}) is damaged`);
        return Buffer.from(text, "hex");
      })();
      this.keyPromise.catch(() => (this.keyPromise = undefined));
      return this.keyPromise;
    }
    this.keyPromise ??= (async () => {
      const file = path.join(this.dir, "server.key");
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      try {
        const text = (await readFile(file, "utf8")).trim();
        if (!/^[0-9a-f]{64}$/.test(text)) throw new Error(`${file} is not a valid key (64 hex digits)`);
        return Buffer.from(text, "hex");
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
        await writeFile(file, randomBytes(32).toString("hex") + "\n", { mode: 0o600, flag: "wx" }).catch(
          (x: NodeJS.ErrnoException) => {
            if (x.code !== "EEXIST") throw x;
          },
        );
        await chmod(file, 0o600);
        return Buffer.from((await readFile(file, "utf8")).trim(), "hex");
      }
    })();
    return this.keyPromise;
  }

  async listUsers(): Promise<Omit<AdminUser, "hash">[]> {
    return (await this.users.read()).users.map(({ hash: _h, ...u }) => u);
  }

  /** Adds a user, or replaces the password and roles of an existing one when `replace`. */
  async addUser(name: string, password: string, roles: Role[], replace = false): Promise<void> {
    if (!USER_RE.test(name)) throw new Error(`"${name}" is not a valid user name (letters, digits, _ . @ -)`);
    const bad = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
    if (bad.length || !roles.length)
      throw new Error(`Roles must be among ${ROLES.join(", ")} (got ${roles.join(", ")})`);
    const hash = await hashAdminPassword(password);
    await this.users.update((doc) => {
      const existing = doc.users.find((u) => u.name === name);
      if (existing && !replace) throw new Error(`The user ${name} exists already`);
      const user: AdminUser = { name, hash, roles: [...new Set(roles)], createdAt: new Date().toISOString() };
      doc.users = [...doc.users.filter((u) => u.name !== name), user];
    });
  }

  async removeUser(name: string): Promise<boolean> {
    return this.users.update((doc) => {
      const before = doc.users.length;
      doc.users = doc.users.filter((u) => u.name !== name);
      return doc.users.length < before;
    });
  }

  /**
   * Checks a user's password, throttled per user and per address; the same answer and about the
   * same time whether the user exists or not.
   */
  async login(name: string, password: string, from: string): Promise<AdminPrincipal> {
    const keys = [`user:${name.toLowerCase().slice(0, 64)}`, `ip:${from}`];
    const wait = await this.throttle.waitMs(keys);
    if (wait > 0) {
      throw new AdminAuthError(
        429,
        "too_many_attempts",
        `Too many failed logins: try again in ${Math.ceil(wait / 1000)} s`,
        wait,
      );
    }
    const user = (await this.users.read()).users.find((u) => u.name === name);
    const ok = await verifyAdminPassword(password, user?.hash ?? (await decoyHash()));
    if (!user || !ok) {
      await this.throttle.failed(keys);
      throw new AdminAuthError(401, "bad_credentials", "Wrong user name or password");
    }
    await this.throttle.succeeded([keys[0]!]);
    return { user: user.name, roles: user.roles, via: "password", projects: ["*"] };
  }

  /** Makes a PSC for a user: the server keeps the hash of its secret and its scope. */
  async createPsc(opts: {
    user: string;
    url: string;
    pin?: string;
    projects: string[];
    expiresInMs: number;
    label?: string;
  }): Promise<{ text: string; psc: Psc }> {
    const users = (await this.users.read()).users;
    if (!users.some((u) => u.name === opts.user))
      throw new Error(`There is no admin user ${opts.user} (atelier admin add-user)`);
    if (!opts.projects.length) throw new Error("A PSC needs at least one project (or * for all)");
    const exp = new Date(Date.now() + opts.expiresInMs).toISOString();
    const made = createPsc(
      {
        url: opts.url,
        ...(opts.pin ? { pin: opts.pin } : {}),
        user: opts.user,
        projects: opts.projects,
        exp,
        ...(opts.label ? { label: opts.label } : {}),
      },
      await this.key(),
    );
    await this.tokens.update((doc) => {
      doc.tokens.push({
        id: made.psc.id,
        secretHash: hashSecret(made.psc.secret),
        user: opts.user,
        projects: opts.projects,
        exp,
        ...(opts.label ? { label: opts.label } : {}),
        createdAt: new Date().toISOString(),
      });
    });
    return made;
  }

  async listTokens(): Promise<Omit<TokenRecord, "secretHash">[]> {
    return (await this.tokens.read()).tokens.map(({ secretHash: _s, ...t }) => t);
  }

  /** Revokes a token at once; false when there is no such token. */
  async revoke(id: string): Promise<boolean> {
    return this.tokens.update((doc) => {
      const t = doc.tokens.find((x) => x.id === id);
      if (!t) return false;
      t.revokedAt ??= new Date().toISOString();
      return true;
    });
  }

  /**
   * Checks a PSC presented by a client: well formed, signed by this server, known, not revoked,
   * not expired, its secret the one issued, its user still an admin. Throws PscError naming which.
   */
  async verifyPsc(text: string, now = Date.now()): Promise<AdminPrincipal> {
    const psc = parsePsc(text, now);
    const record = (await this.tokens.read()).tokens.find((t) => t.id === psc.id);
    const key = await this.key();
    if (!record) {
      if (!pscSignatureValid(psc, hashSecret(psc.secret), key)) {
        throw new PscError("wrong_server", "This PSC was not issued by this server");
      }
      throw new PscError("unknown", "This PSC is not known to this server (its token was deleted)");
    }
    if (!pscSignatureValid(psc, record.secretHash, key) || hashSecret(psc.secret) !== record.secretHash) {
      throw new PscError("tampered", "This PSC was altered: its signature does not match what this server issued");
    }
    if (record.revokedAt) throw new PscError("revoked", `This PSC (${record.id}) was revoked on ${record.revokedAt}`);
    if (Date.parse(record.exp) <= now) throw new PscError("expired", `This PSC expired on ${record.exp}`);
    const user = (await this.users.read()).users.find((u) => u.name === record.user);
    if (!user) throw new PscError("revoked", `The user of this PSC (${record.user}) is no longer an admin`);
    return { user: user.name, roles: user.roles, via: record.id, projects: record.projects };
  }
}
