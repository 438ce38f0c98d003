/**
 * PouchDB 9, typed to the parts embedded-db uses, and the factory that opens a database either
 * embedded (LevelDB files in a folder, or in memory) or in an external CouchDB (PouchDB's http
 * adapter, so the FullSync layer talks to it over HTTP with the same API).
 */
import { mkdirSync } from "node:fs";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { randomUUID } from "node:crypto";
import PouchDB from "pouchdb";
import PouchFind from "pouchdb-find";

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
}

/** Opens the databases of one FullSync server. */
export interface PouchFactory {
  readonly kind: "leveldb" | "memory" | "couch";
  /** Opens (and creates when missing) a database, with a revision limit. */
  open(name: string, revsLimit?: number): Promise<PouchDb>;
  /** Where a database lives, for messages (never with credentials). */
  describe(name: string): string;
  close(): Promise<void>;
}

export async function createPouchFactory(opts: {
  dataDir?: string;
  couch?: CouchTarget;
  log?: (level: "warn", message: string) => void;
}): Promise<PouchFactory> {
  if (opts.couch) return couchFactory(opts.couch, opts.log ?? (() => {}));
  if (opts.dataDir) {
    const dir = opts.dataDir;
    mkdirSync(dir, { recursive: true });
    const Local = PouchDB.defaults({ prefix: dir.endsWith("/") ? dir : dir + "/" });
    return {
      kind: "leveldb",
      open: async (name, revsLimit) => {
        const db = new Local(name, revsLimit ? { revs_limit: revsLimit } : {});
        await db.info();
        return db;
      },
      describe: (name) => `${dir}/${name}`,
      close: async () => {},
    };
  }
  await ensureMemoryAdapter();
  // A prefix of its own, so two servers in one process (tests) never share a memory database.
  const prefix = `fullsync-${randomUUID()}-`;
  const Mem = PouchDB.defaults({ adapter: "memory", prefix });
  return {
    kind: "memory",
    open: async (name, revsLimit) => {
      const db = new Mem(name, revsLimit ? { revs_limit: revsLimit } : {});
      await db.info();
      return db;
    },
    describe: (name) => `memory:${name}`,
    close: async () => {},
  };
}

function couchFactory(couch: CouchTarget, log: (level: "warn", message: string) => void): PouchFactory {
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
  // PouchDB's http adapter fetches with node-fetch; give it a keep-alive agent.
  const fetchWithAgent = (url: string, o: Record<string, unknown> = {}) => PouchDB.fetch(url, { ...o, agent });
  const opened: PouchDb[] = [];
  return {
    kind: "couch",
    open: async (name, revsLimit) => {
      const db = new PouchDB(root + encodeURIComponent(name), {
        ...(auth ? { auth } : {}),
        fetch: fetchWithAgent,
      });
      await db.info(); // creates it when missing
      if (revsLimit) {
        const res = (await PouchDB.fetch(root + encodeURIComponent(name) + "/_revs_limit", {
          method: "PUT",
          body: String(revsLimit),
          headers: { "Content-Type": "application/json", ...(authHeader ? { Authorization: authHeader } : {}) },
          agent,
        })) as { ok: boolean; status: number };
        if (!res.ok) {
          log(
            "warn",
            `FullSync: ${name}: the CouchDB refused _revs_limit (HTTP ${res.status}); revisions are not limited`,
          );
        }
      }
      opened.push(db);
      return db;
    },
    describe: (name) => `${base.origin}${base.pathname.replace(/\/$/, "")}/${name}`,
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
