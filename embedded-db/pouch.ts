/**
 * PouchDB 9, typed to the parts embedded-db uses, and the factory that opens a database either
 * embedded (LevelDB files in a folder, or in memory) or in an external CouchDB (PouchDB's http
 * adapter, so the FullSync layer talks to it over HTTP with the same API).
 */
import { mkdirSync } from "node:fs";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { randomUUID } from "node:crypto";
import leveldown from "leveldown";
import PouchDB from "pouchdb";
import PouchFind from "pouchdb-find";
import { CouchLink, DEFAULT_COUCH_TIMEOUTS, type CouchTimeouts } from "./couch-link.ts";
import type { LevelHandle } from "./level-reads.ts";

PouchDB.plugin(PouchFind);

export type Doc = Record<string, unknown> & {
  _id: string;
  _rev: string;
  _deleted?: boolean;
  _revisions?: { start: number; ids: string[] };
  _attachments?: Record<string, AttachmentMeta>;
  _conflicts?: string[];
};

export interface AttachmentMeta {
  content_type?: string;
  digest?: string;
  length?: number;
  revpos?: number;
  stub?: boolean;
  data?: string | Buffer;
}

export interface ChangeRow {
  id: string;
  seq: number | string;
  changes: { rev: string }[];
  deleted?: boolean;
  doc?: Doc;
}

export interface ChangesResult {
  results: ChangeRow[];
  last_seq: number | string;
}

export interface ChangesEmitter {
  on(event: "change", fn: (row: ChangeRow) => void): ChangesEmitter;
  on(event: "error", fn: (err: unknown) => void): ChangesEmitter;
  on(event: "complete", fn: (info: unknown) => void): ChangesEmitter;
  cancel(): void;
}

export type OpenRevResult = { ok: Doc } | { missing: string };

export interface BulkGetResult {
  results: {
    id: string;
    docs: ({ ok: Doc } | { error: { id: string; rev: string; error: string; reason: string } })[];
  }[];
}

export interface WriteResult {
  ok?: boolean;
  id: string;
  rev?: string;
  error?: string | boolean;
  name?: string;
  reason?: string;
  message?: string;
  status?: number;
}

export interface PouchError extends Error {
  status?: number;
  name: string;
  reason?: string;
  error?: string | boolean;
}

/** The PouchDB database API, as far as embedded-db uses it. */
export interface PouchDb {
  readonly name: string;
  readonly adapter: string;
  info(): Promise<{ update_seq: number | string; doc_count: number; db_name: string }>;
  get(id: string, opts?: Record<string, unknown>): Promise<unknown>;
  put(doc: Record<string, unknown>, opts?: Record<string, unknown>): Promise<WriteResult>;
  post(doc: Record<string, unknown>, opts?: Record<string, unknown>): Promise<WriteResult>;
  remove(idOrDoc: unknown, rev?: unknown): Promise<WriteResult>;
  bulkDocs(docs: Record<string, unknown>[], opts?: Record<string, unknown>): Promise<WriteResult[]>;
  bulkGet(opts: Record<string, unknown>): Promise<BulkGetResult>;
  allDocs(opts?: Record<string, unknown>): Promise<{
    total_rows: number;
    offset?: number;
    rows: { id: string; key: string; value: { rev: string; deleted?: boolean }; doc?: Doc | null; error?: string }[];
  }>;
  changes(opts: Record<string, unknown> & { live: true }): ChangesEmitter;
  changes(opts: Record<string, unknown>): Promise<ChangesResult>;
  revsDiff(
    req: Record<string, string[]>,
  ): Promise<Record<string, { missing: string[]; possible_ancestors?: string[] }>>;
  getAttachment(id: string, name: string, opts?: Record<string, unknown>): Promise<Buffer>;
  query(view: string, opts?: Record<string, unknown>): Promise<unknown>;
  find?(request: Record<string, unknown>): Promise<unknown>;
  close(): Promise<void>;
  destroy(): Promise<void>;
}

export interface PouchStatic {
  new (name: string, opts?: Record<string, unknown>): PouchDb;
  plugin(plugin: unknown): PouchStatic;
  defaults(opts: Record<string, unknown>): PouchStatic;
  fetch(url: string, opts?: Record<string, unknown>): Promise<unknown>;
}

let memoryReady: Promise<void> | undefined;
/** Adds the memory adapter (a dev dependency: only tests and benchmarks keep data in memory). */
export function ensureMemoryAdapter(): Promise<void> {
  memoryReady ??= import("pouchdb-adapter-memory").then((m) => {
    PouchDB.plugin(m.default);
  });
  return memoryReady;
}

export { PouchDB };

export interface CouchTarget {
  url: string;
  username?: string;
  password?: string;
  /** Time limits of requests to it (couch-link.ts; defaults: reads 5 s, writes 15 s, queries 60 s). */
  timeouts?: Partial<CouchTimeouts>;
}

/** Opens the databases of one FullSync server. */
export interface PouchFactory {
  readonly kind: "leveldb" | "memory" | "couch";
  /** Opens (and creates when missing) a database, with a revision limit. */
  open(name: string, revsLimit?: number): Promise<PouchDb>;
  /** Where a database lives, for messages (never with credentials). */
  describe(name: string): string;
  /** The link to the external CouchDB (its state, its time limits); couch only. */
  readonly link?: CouchLink;
  /** What opening a database found that an operator must know (security, revision limit). */
  warnings(): string[];
  /** A database no longer served: its warnings no longer count. */
  forget(name: string): void;
  close(): Promise<void>;
}

export async function createPouchFactory(opts: {
  dataDir?: string;
  couch?: CouchTarget;
  log?: (level: "debug" | "info" | "warn" | "error", message: string) => void;
}): Promise<PouchFactory> {
  if (opts.couch) return couchFactory(opts.couch, opts.log ?? (() => {}));
  if (opts.dataDir) {
    const dir = opts.dataDir;
    mkdirSync(dir, { recursive: true });
    const prefix = dir.endsWith("/") ? dir : dir + "/";
    const Local = PouchDB.defaults({ prefix, db: levelFactory });
    return {
      kind: "leveldb",
      open: (name, revsLimit) => openKept(Local, prefix, name, revsLimit),
      describe: (name) => `${dir}/${name}`,
      warnings: () => [],
      forget: () => {},
      close: async () => {},
    };
  }
  await ensureMemoryAdapter();
  // A prefix of its own, so two servers in one process (tests) never share a memory database.
  const prefix = `fullsync-${randomUUID()}-`;
  memFactory ??= import("memdown").then((m) => capturing(m.default));
  const Mem = PouchDB.defaults({ adapter: "memory", prefix, db: await memFactory });
  return {
    kind: "memory",
    open: (name, revsLimit) => openKept(Mem, prefix, name, revsLimit),
    describe: (name) => `memory:${name}`,
    warnings: () => [],
    forget: () => {},
    close: async () => {},
  };
}

/**
 * PouchDB's leveldb and memory adapters open their stores through these factories: the
 * adapter's own leveldown (or memdown), under the same name (PouchDB keys its open databases by
 * the factory's name, so a store opened elsewhere in the process through PouchDB's default is
 * shared, never opened twice). Each instance is kept, so that level-reads.ts can read many
 * revisions in one call.
 */
const levelHandles = new Map<string, WeakRef<LevelHandle>>();
const levelOf = new WeakMap<PouchDb, LevelHandle>();
type LevelFactory = ((location: string) => LevelHandle) & {
  destroy?(location: string, cb: (err?: Error) => void): void;
};
function capturing(make: LevelFactory): LevelFactory {
  const factory = Object.assign(
    (location: string): LevelHandle => {
      const level = make(location);
      levelHandles.set(location, new WeakRef(level));
      return level;
    },
    make.destroy ? { destroy: make.destroy.bind(make) } : {},
  );
  Object.defineProperty(factory, "name", { value: make.name });
  return factory;
}
const levelFactory = capturing(leveldown);
let memFactory: Promise<LevelFactory> | undefined;

/** Opens a database through a capturing factory and keeps its store's handle. */
async function openKept(Kind: PouchStatic, prefix: string, name: string, revsLimit?: number): Promise<PouchDb> {
  const db = new Kind(name, revsLimit ? { revs_limit: revsLimit } : {});
  await db.info();
  const level = levelHandles.get(prefix + name)?.deref();
  if (level) levelOf.set(db, level);
  return db;
}

/** The LevelDB instance under an embedded database (undefined in memory, over HTTP, or once closed). */
export function levelHandleOf(db: PouchDb): LevelHandle | undefined {
  const level = levelOf.get(db);
  return level && level.status === "open" ? level : undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** An answer of the CouchDB in words: `HTTP 403 forbidden: You are not a server admin.` */
function answer(r: { status: number; body: unknown }): string {
  const b = isObject(r.body) ? r.body : {};
  const error = typeof b.error === "string" ? b.error : "";
  const reason = typeof b.reason === "string" ? b.reason : "";
  return `HTTP ${r.status}${error ? ` ${error}` : ""}${reason && reason !== error ? `: ${reason}` : ""}`;
}

const namesOf = (v: unknown): unknown[] => (isObject(v) && Array.isArray(v.names) ? v.names : []);
const rolesOf = (v: unknown): unknown[] => (isObject(v) && Array.isArray(v.roles) ? v.roles : []);

/**
 * The databases of an external CouchDB (3.x; any server speaking its API). Each open:
 * - creates the database when missing, and then sets its `_security` at once: admins and members
 *   are the configured user (the `_admin` role without one), so only that user and the server's
 *   admins reach it, whatever the server's default for new databases;
 * - on a database it did not create, reads `_security` and says when it has no members;
 * - asks, without credentials, whether the database answers anyone: said loudly when it does;
 * - sets the revision limit as CouchDB 3 documents it (PUT `_revs_limit`, a JSON number with a
 *   JSON content type), after reading it; a server without that endpoint (pouchdb-server,
 *   express-pouchdb) keeps its own limit, which is said at every open.
 * Every request goes through the link (couch-link.ts): time limits, outages named and logged once.
 */
function couchFactory(
  couch: CouchTarget,
  log: (level: "debug" | "info" | "warn" | "error", message: string) => void,
): PouchFactory {
  let base: URL;
  try {
    base = new URL(couch.url);
  } catch {
    throw new Error(`FullSync: the CouchDB URL ${JSON.stringify(couch.url)} is not a valid URL`);
  }
  if (base.username || base.password) {
    throw new Error("FullSync: put the CouchDB credentials in couch.username/password, not in the URL");
  }
  const root = base.href.endsWith("/") ? base.href : base.href + "/";
  const agent =
    base.protocol === "https:"
      ? new HttpsAgent({ keepAlive: true, maxSockets: 32 })
      : new HttpAgent({ keepAlive: true, maxSockets: 32 });
  const auth = couch.username !== undefined ? { username: couch.username, password: couch.password ?? "" } : undefined;
  const authHeader = auth
    ? "Basic " + Buffer.from(`${auth.username}:${auth.password}`, "utf8").toString("base64")
    : undefined;
  const timeouts: CouchTimeouts = { ...DEFAULT_COUCH_TIMEOUTS };
  for (const k of ["readMs", "writeMs", "queryMs"] as const) {
    const v = couch.timeouts?.[k];
    if (typeof v === "number" && Number.isFinite(v) && v > 0) timeouts[k] = v;
  }
  const link = new CouchLink({
    root,
    ...(authHeader ? { authHeader } : {}),
    agent,
    timeouts,
    log,
    fetch: (url, o) => PouchDB.fetch(url, o),
  });
  const where = (name: string) => `${link.where}/${name}`;
  const notes = new Map<string, string[]>();
  /**
   * Databases this server created whose `_security` is not set yet (the CouchDB failed right
   * after creating them): the next open sets it, as if it had just created them.
   */
  const unsecured = new Set<string>();

  const secure = async (name: string, path: string, created: boolean, said: string[]) => {
    const user = couch.username;
    const who = user ? { names: [user], roles: [] } : { names: [], roles: ["_admin"] };
    if (created) {
      unsecured.add(name);
      const r = await link.json("PUT", `${path}/_security`, { body: { admins: who, members: who }, judge: false });
      unsecured.delete(name);
      if (r.status !== 200 && r.status !== 201) {
        said.push(
          `FullSync created ${where(name)} but could not set its _security (${answer(r)}): it is open to whatever the server allows by default`,
        );
        log("error", said[said.length - 1]!);
      }
    } else {
      const r = await link.json("GET", `${path}/_security`, { judge: false });
      if (r.status === 200 && isObject(r.body)) {
        const members = r.body.members;
        if (namesOf(members).length === 0 && rolesOf(members).length === 0) {
          log(
            "info",
            `${where(name)} has no members in its _security: it is closed only while the server keeps new and member-less databases admin-only (CouchDB 3's default_security)`,
          );
        }
      }
    }
    // The one check that does not depend on the server's defaults: ask without credentials.
    const anonymous = await link.json("GET", path, { anonymous: true });
    if (anonymous.status >= 200 && anonymous.status < 300) {
      said.push(
        user
          ? `${where(name)} is readable without credentials: anyone who reaches the CouchDB reads (and may write) every document, around FullSync's ACLs. Set its _security (members: ${JSON.stringify(user)}), as FullSync does on the databases it creates`
          : `FullSync reaches ${where(name)} without credentials, so anyone who reaches the CouchDB reads every document, around FullSync's ACLs: give FullSync a CouchDB user (fullsync.username and password)`,
      );
      log("warn", said[said.length - 1]!);
    }
  };

  const applyRevsLimit = async (name: string, path: string, revsLimit: number, said: string[]) => {
    // Read and set with the answers read here: a user who may not set it is said, not an outage.
    const current = await link.json("GET", `${path}/_revs_limit`, { judge: false });
    if (current.status === 200 && current.body === revsLimit) return;
    // CouchDB 3: the body is a JSON number, sent as application/json.
    const r = await link.json("PUT", `${path}/_revs_limit`, { body: revsLimit, judge: false });
    if (r.status === 200 && isObject(r.body) && r.body.ok === true) return;
    const kept = current.status === 200 && typeof current.body === "number" ? `${current.body}` : "its own number of";
    said.push(
      `${where(name)}: the server does not apply the revision limit ${revsLimit} (PUT _revs_limit answered ${answer(r)}); it keeps ${kept} revisions per document (pouchdb-server and express-pouchdb have no _revs_limit: PouchDB keeps up to 1000)`,
    );
    log("warn", said[said.length - 1]!);
  };

  return {
    kind: "couch",
    link,
    open: async (name, revsLimit) => {
      const path = encodeURIComponent(name);
      const said: string[] = [];
      let created = false;
      const info = await link.json("GET", path);
      if (info.status === 404) {
        // A creation whose answer is lost (the CouchDB failed meanwhile) may have happened.
        const pending = unsecured.has(name);
        unsecured.add(name);
        const put = await link.json("PUT", path);
        // Another program created it meanwhile: its _security is that program's.
        if (put.status === 412 && !pending) unsecured.delete(name);
        if (put.status === 201 || put.status === 202) created = true;
        else if (put.status !== 412) throw new Error(`cannot create ${where(name)}: ${answer(put)}`);
      } else if (info.status !== 200) {
        throw new Error(`cannot open ${where(name)}: ${answer(info)}`);
      }
      await secure(name, path, created || unsecured.has(name), said);
      if (revsLimit) await applyRevsLimit(name, path, revsLimit, said);
      notes.set(name, said);
      // Created above: PouchDB's own setup (GET, then PUT on 404) is skipped.
      return new PouchDB(root + path, { skip_setup: true, ...(auth ? { auth } : {}), fetch: link.pouchFetch });
    },
    describe: (name) => where(name),
    warnings: () => [...notes.values()].flat(),
    forget: (name) => void notes.delete(name),
    close: async () => {
      agent.destroy();
    },
  };
}

/** Generation of a revision id ("3-abc" → 3). */
export function revGen(rev: string): number {
  const dash = rev.indexOf("-");
  return dash > 0 ? Number(rev.slice(0, dash)) : NaN;
}

/** CouchDB's order of leaves: live before deleted, then higher generation, then higher id. */
export function compareLeaves(a: { rev: string; deleted: boolean }, b: { rev: string; deleted: boolean }): number {
  if (a.deleted !== b.deleted) return a.deleted ? 1 : -1;
  const ga = revGen(a.rev);
  const gb = revGen(b.rev);
  if (ga !== gb) return gb - ga;
  const ha = a.rev.slice(a.rev.indexOf("-") + 1);
  const hb = b.rev.slice(b.rev.indexOf("-") + 1);
  return ha < hb ? 1 : ha > hb ? -1 : 0;
}

export function isPouchError(e: unknown): e is PouchError {
  return e instanceof Error || (typeof e === "object" && e !== null && "status" in e);
}

export function errorStatus(e: unknown): number | undefined {
  return typeof e === "object" && e !== null && "status" in e ? Number((e as { status: unknown }).status) : undefined;
}
