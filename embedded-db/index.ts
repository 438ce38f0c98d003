/**
 * embedded-db: the FullSync server. `createFullSync` opens the databases (LevelDB files, memory,
 * or an external CouchDB), keeps group membership and a principal index per database, and
 * serves devices' replication through the ACL layer (http.ts). The engine imports this file and
 * api.ts only.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";
import type {
  DevicePush,
  DeviceRead,
  FullSyncData,
  FullSyncDatabaseDecl,
  FullSyncOptions,
  FullSyncServer,
  GroupStore,
} from "./api.ts";
import { createData } from "./data.ts";
import { FullSyncDatabase, KeyedLock } from "./database.ts";
import { GROUPS_DB, PouchGroupStore } from "./groups.ts";
import { BackendError, describeError, isBackendError } from "./errors.ts";
import { FullSyncHttp } from "./http.ts";
import { DEFAULT_LIMITS, HttpError } from "./http-util.ts";
import { createPouchFactory, errorStatus, type PouchDb, type PouchFactory } from "./pouch.ts";

export type * from "./api.ts";
export { describeError } from "./errors.ts";

/** CouchDB's rule for database names (without `/`, which would need escaping everywhere). */
const DB_NAME = /^[a-z][a-z0-9_$()+-]{0,237}$/;

/** What embedded-db adds to the FullSyncServer interface. */
export interface FullSyncServerExt extends FullSyncServer {
  /** Resolves when the principal index of `db` (or of every database) holds every change so far. */
  flush(db?: string): Promise<void>;
  /** Names of the declared databases (those waiting to be opened too). */
  databases(): string[];
  /** How each database's index was obtained at start (snapshot or rebuilt) and how long it took. */
  indexStats(db: string): { source: "rebuilt" | "snapshot"; ms: number; docs: number } | undefined;
  /** The state of the database FullSync stands on: what the Studio and a health check show. */
  health(): FullSyncHealth;
}

export interface FullSyncHealth {
  /** `embedded`: LevelDB files or memory; `up` / `down`: the external CouchDB answers, or not. */
  database: "embedded" | "up" | "down";
  /** While it is down: since when (ISO 8601) and why. */
  downSince?: string;
  cause?: string;
  /** Declared databases not open yet (the CouchDB could not be used when they were declared), with why. */
  waiting: { db: string; since: string; cause: string }[];
  /** What opening the databases found that an operator must know (`_security`, revision limit). */
  warnings: string[];
}

/** Request limits per route family (README.md, "Limits"); each has a default. */
export interface FullSyncTuning {
  /** Largest body that carries documents (`_bulk_docs`, PUT/POST document, PUT attachment), in bytes (default 10 MiB). */
  maxBodyBytes?: number;
  /** Largest body that lists keys, ids or revisions (`_all_docs`, `_bulk_get`, `_revs_diff`, `_changes`), in bytes (default 1 MiB). */
  maxListBodyBytes?: number;
  /** Most entries of such a list, and most documents in one `_bulk_docs` (default 10,000). */
  maxListEntries?: number;
  /** Longest a longpoll/continuous `_changes` request is held, in ms (default 60 s). */
  maxFeedMs?: number;
  /** Longest wait between two attempts to open a database that could not be opened, in ms (default 30 s; the first after 1 s, then doubling). */
  reconnectMaxMs?: number;
}

const positive = (n: number | undefined): number | undefined =>
  typeof n === "number" && Number.isSafeInteger(n) && n > 0 ? n : undefined;

/** A declared database that is not open: its database could not be used yet. */
interface Waiting {
  decl: FullSyncDatabaseDecl;
  since: number;
  cause: string;
}

/** A database's data while it cannot be opened: every call fails with why. */
function unavailableData(error: BackendError): FullSyncData {
  const fail = () => Promise.reject(error);
  return {
    get: fail,
    put: fail,
    post: fail,
    bulkDocs: fail,
    remove: fail,
    allDocs: fail,
    query: fail,
    find: fail,
    changes: fail,
  };
}

/**
 * The key of this server's index snapshots in a shared external CouchDB: a random id kept in the
 * snapshot folder, so engines sharing the CouchDB each keep their own snapshot token.
 */
async function snapshotTokenDoc(dir: string): Promise<string> {
  const file = join(dir, "instance-id");
  try {
    const id = (await readFile(file, "utf8")).trim();
    if (/^[0-9a-f]{16}$/.test(id)) return `_local/c8o-fullsync-index-${id}`;
  } catch {
    // made below
  }
  const id = randomBytes(8).toString("hex");
  await mkdir(dir, { recursive: true });
  await writeFile(file, id + "\n");
  return `_local/c8o-fullsync-index-${id}`;
}

class Server implements FullSyncServerExt {
  private readonly dbs = new Map<string, FullSyncDatabase>();
  /** Declared databases not open yet (an external CouchDB that could not be used), tried again by themselves. */
  private readonly waiting = new Map<string, Waiting>();
  /** Open databases whose design documents could not be installed (the CouchDB failed meanwhile). */
  private readonly designRetry = new Set<string>();
  private groupStore: PouchGroupStore | undefined;
  /**
   * The group database as a connector's transactions reach it (Convertigo's lib_FullSyncGrp
   * declares c8ofullsyncgrp): the declaration (its design documents) and, once open, its data
   * API. Never served to devices.
   */
  private groupsDecl: FullSyncDatabaseDecl | undefined;
  private groupsDb: PouchDb | undefined;
  private groupsData: FullSyncData | undefined;
  private groupsWaiting: { since: number; cause: string } | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay = 1000;
  private readonly reconnectMaxMs: number;
  private readonly snapshotDir: string | undefined;
  private tokenDoc: string | undefined;
  private readonly listeners = new Set<(push: DevicePush) => void>();
  private readonly readListeners = new Set<(read: DeviceRead) => void>();
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  readonly http: FullSyncHttp;
  readonly groups: GroupStore;

  constructor(
    private readonly opts: FullSyncOptions,
    private readonly factory: PouchFactory,
    tuning: FullSyncTuning,
  ) {
    this.reconnectMaxMs = positive(tuning.reconnectMaxMs) ?? 30_000;
    this.snapshotDir = opts.snapshotDir ?? (opts.dataDir ? join(opts.dataDir, ".fullsync-index") : undefined);
    this.http = new FullSyncHttp({
      database: (name) => this.dbs.get(name),
      unavailable: (name) => {
        const w = this.waiting.get(name);
        return w
          ? new HttpError(503, "service_unavailable", `FullSync cannot open the database ${name} yet: ${w.cause}`)
          : undefined;
      },
      resolvePrincipal: (req) => opts.resolvePrincipal(req),
      groupsOf: (user) => this.groups.groupsOf(user),
      devicePush: (push) => this.emitPush(push),
      deviceRead: (read) => {
        for (const l of this.readListeners) {
          try {
            l(read);
          } catch (e) {
            this.opts.log("error", `FullSync: a device read listener failed: ${describeError(e)}`);
          }
        }
      },
      log: opts.log,
      limits: {
        docBodyBytes: positive(tuning.maxBodyBytes) ?? DEFAULT_LIMITS.docBodyBytes,
        listBodyBytes: positive(tuning.maxListBodyBytes) ?? DEFAULT_LIMITS.listBodyBytes,
        listEntries: positive(tuning.maxListEntries) ?? DEFAULT_LIMITS.listEntries,
      },
      maxFeedMs: tuning.maxFeedMs ?? 60_000,
    });
    // Group membership answers from the store once it is open; until then nobody is in a group
    // (deny by default) and changing membership fails with why.
    const store = (): PouchGroupStore => {
      if (this.groupStore) return this.groupStore;
      throw new BackendError(
        503,
        "service_unavailable",
        `the group database ${GROUPS_DB} is not open yet: ${this.groupsWaiting?.cause ?? "FullSync is starting"}`,
      );
    };
    this.groups = {
      groupsOf: (user) => this.groupStore?.groupsOf(user) ?? [],
      addUserToGroup: async (user, group) => store().addUserToGroup(user, group),
      removeUserFromGroup: async (user, group) => store().removeUserFromGroup(user, group),
      usersOf: async (group) => store().usersOf(group),
      listGroups: async () => store().listGroups(),
    };
  }

  private get couch(): boolean {
    return this.factory.kind === "couch";
  }

  /** Opens the group database; over an external CouchDB that cannot be used yet, keeps trying. */
  async start(): Promise<void> {
    if (this.couch && this.snapshotDir) this.tokenDoc = await snapshotTokenDoc(this.snapshotDir);
    try {
      await this.openGroups();
    } catch (e) {
      if (!this.couch) {
        throw new Error(`FullSync: cannot open ${this.factory.describe(GROUPS_DB)}: ${describeError(e)}`, { cause: e });
      }
      this.groupsWaiting = { since: Date.now(), cause: describeError(e) };
      this.opts.log(
        "warn",
        `FullSync cannot open ${this.factory.describe(GROUPS_DB)} yet (${describeError(e)}): /fullsync answers 503 and FullSync transactions fail until it opens; it tries again by itself`,
      );
      this.scheduleRetry();
    }
  }

  private async openGroups(): Promise<void> {
    const db = await this.factory.open(GROUPS_DB);
    const store = new PouchGroupStore(db, this.opts.log, this.couch ? 5000 : 0);
    await store.start();
    store.onChange((user) => {
      for (const d of this.dbs.values()) d.endFeedsOf(user);
    });
    this.groupStore = store;
    this.groupsDb = db;
    await this.installGroupsDesign();
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    this.http.handle(req, res);
  }

  setDatabases(decls: FullSyncDatabaseDecl[]): Promise<void> {
    const run = this.queue.then(() => this.applyDatabases(decls));
    this.queue = run.catch(() => {});
    return run;
  }

  private async applyDatabases(decls: FullSyncDatabaseDecl[]): Promise<void> {
    if (this.closed) throw new Error("FullSync server is closed");
    const wanted = new Map<string, FullSyncDatabaseDecl>();
    let groupsDecl: FullSyncDatabaseDecl | undefined;
    for (const d of decls) {
      const where = `${d.project}/${d.connector}`;
      if (typeof d.name !== "string" || !DB_NAME.test(d.name)) {
        this.opts.log(
          "error",
          `FullSync: ${where} declares the database ${JSON.stringify(d.name)}: a name starts with a lowercase letter and holds only a-z 0-9 _ $ ( ) + -`,
        );
        continue;
      }
      if (d.name === GROUPS_DB) {
        // Convertigo's lib_FullSyncGrp: its transactions reach the group database (sequences
        // only: it is never served at /fullsync), its design documents are installed there.
        if (groupsDecl) {
          this.opts.log("warn", `FullSync: ${GROUPS_DB} is declared twice; ${where} is left out`);
          continue;
        }
        groupsDecl = d;
        continue;
      }
      const prev = wanted.get(d.name);
      if (prev) {
        this.opts.log(
          "warn",
          `FullSync: ${d.name} is declared by ${prev.project}/${prev.connector} and ${where}; the first declaration counts`,
        );
        continue;
      }
      const revsLimit = Number.isInteger(d.revsLimit) && d.revsLimit > 0 ? d.revsLimit : 10;
      wanted.set(d.name, { ...d, revsLimit, anonymousReplication: d.anonymousReplication === true });
    }
    this.groupsDecl = groupsDecl;
    await this.installGroupsDesign();
    // Close what is no longer declared (or whose revision limit changed: reopened below).
    for (const [name, db] of [...this.dbs]) {
      const w = wanted.get(name);
      if (!w || w.revsLimit !== db.decl.revsLimit) {
        this.dbs.delete(name);
        this.designRetry.delete(name);
        this.factory.forget(name);
        await db.close();
        if (!this.couch) await db.db.close().catch(() => {});
      }
    }
    for (const name of [...this.waiting.keys()]) if (!wanted.has(name)) this.waiting.delete(name);
    for (const [name, decl] of wanted) {
      const existing = this.dbs.get(name);
      if (existing) {
        existing.decl = decl;
        await this.installDesign(existing);
        continue;
      }
      const w = this.waiting.get(name);
      if (w) w.decl = decl;
      // While the group database or the CouchDB cannot be used, the retry opens it.
      if (!this.groupStore) {
        this.waiting.set(name, {
          decl,
          since: w?.since ?? Date.now(),
          cause: `it waits for the group database ${GROUPS_DB}: ${this.groupsWaiting?.cause ?? "FullSync is starting"}`,
        });
        continue;
      }
      if (w && this.factory.link?.isUp() === false) continue;
      try {
        this.dbs.set(name, await this.openDatabase(decl));
        this.waiting.delete(name);
      } catch (e) {
        if (!this.couch) throw e;
        if (!w) {
          this.opts.log(
            "warn",
            `FullSync cannot open ${this.factory.describe(name)} yet (${describeError(e)}): devices get 503 and its transactions fail until it opens; it tries again by itself`,
          );
        }
        this.waiting.set(name, { decl, since: w?.since ?? Date.now(), cause: describeError(e) });
        this.scheduleRetry();
      }
    }
  }

  private async openDatabase(decl: FullSyncDatabaseDecl): Promise<FullSyncDatabase> {
    const pouch = await this.factory.open(decl.name, decl.revsLimit);
    let db: FullSyncDatabase;
    try {
      db = await FullSyncDatabase.open({
        decl,
        db: pouch,
        snapshotDir: this.snapshotDir,
        location: this.factory.describe(decl.name),
        log: this.opts.log,
        pollMs: this.couch ? 5000 : 0,
        ...(this.tokenDoc ? { snapshotTokenDoc: this.tokenDoc } : {}),
        ...(this.factory.link ? { reachable: () => this.factory.link!.isUp() } : {}),
      });
    } catch (e) {
      if (!this.couch) await pouch.close().catch(() => {});
      throw e;
    }
    await this.installDesign(db);
    return db;
  }

  /** Installs the design documents the declaration of the group database gives (views only). */
  private async installGroupsDesign(): Promise<void> {
    const db = this.groupsDb;
    if (!db || !this.groupsDecl) return;
    for (const d of this.groupsDecl.designDocs ?? []) {
      const id = `_design/${d.name}`;
      try {
        const cur = (await db.get(id).catch((e: unknown) => {
          if (errorStatus(e) === 404) return undefined;
          throw e;
        })) as { _rev?: string; views?: unknown } | undefined;
        if (cur && JSON.stringify(cur.views) === JSON.stringify(d.views)) continue;
        await db.put({ _id: id, ...(cur?._rev ? { _rev: cur._rev } : {}), language: "javascript", views: d.views });
      } catch (e) {
        this.opts.log(
          "warn",
          `FullSync: the design document ${id} of ${GROUPS_DB} was not installed: ${describeError(e)}`,
        );
      }
    }
  }

  /** Installs a database's design documents; when the CouchDB fails meanwhile, again later. */
  private async installDesign(db: FullSyncDatabase): Promise<void> {
    try {
      await db.installDesignDocs(db.decl.designDocs ?? []);
      this.designRetry.delete(db.decl.name);
    } catch (e) {
      if (!isBackendError(e)) throw e;
      this.designRetry.add(db.decl.name);
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      const run = this.queue.then(() => this.retry());
      this.queue = run.catch((e: unknown) =>
        this.opts.log("error", `FullSync: opening the waiting databases failed: ${describeError(e)}`),
      );
    }, this.retryDelay);
    this.retryTimer.unref();
    this.retryDelay = Math.min(this.retryDelay * 2, this.reconnectMaxMs);
  }

  /** Opens what waits (the group database first), once more. */
  private async retry(): Promise<void> {
    if (this.closed) return;
    const waited = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
    if (!this.groupStore) {
      try {
        await this.openGroups();
        this.opts.log(
          "info",
          `FullSync opened ${this.factory.describe(GROUPS_DB)} (after ${waited(this.groupsWaiting?.since ?? Date.now())})`,
        );
        this.groupsWaiting = undefined;
      } catch (e) {
        if (this.groupsWaiting) this.groupsWaiting.cause = describeError(e);
        for (const w of this.waiting.values()) {
          w.cause = `it waits for the group database ${GROUPS_DB}: ${describeError(e)}`;
        }
        this.scheduleRetry();
        return;
      }
    }
    for (const [name, w] of [...this.waiting]) {
      if (this.closed) return;
      try {
        const db = await this.openDatabase(w.decl);
        this.waiting.delete(name);
        this.dbs.set(name, db);
        this.opts.log("info", `FullSync opened ${this.factory.describe(name)} (after ${waited(w.since)})`);
      } catch (e) {
        w.cause = describeError(e);
      }
    }
    for (const name of [...this.designRetry]) {
      const d = this.dbs.get(name);
      if (d) await this.installDesign(d).catch(() => {});
      else this.designRetry.delete(name);
    }
    if (this.waiting.size || this.designRetry.size) this.scheduleRetry();
    else this.retryDelay = 1000;
  }

  data(db: string): FullSyncData {
    if (db === GROUPS_DB && this.groupsDecl) {
      if (!this.groupsDb) {
        return unavailableData(
          new BackendError(
            503,
            "service_unavailable",
            `the group database ${GROUPS_DB} is not open yet: ${this.groupsWaiting?.cause ?? "FullSync is starting"}`,
          ),
        );
      }
      this.groupsData ??= createData({ db: this.groupsDb, lock: new KeyedLock(), aclOfCurrent: async () => ({}) });
      return this.groupsData;
    }
    const d = this.dbs.get(db);
    if (d) return createData(d);
    const w = this.waiting.get(db);
    if (w) {
      return unavailableData(
        new BackendError(503, "service_unavailable", `the FullSync database "${db}" is not open yet: ${w.cause}`),
      );
    }
    throw new Error(`FullSync database ${JSON.stringify(db)} is not declared by any FullSync connector`);
  }

  onDevicePush(listener: (push: DevicePush) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  onDeviceRead(listener: (read: DeviceRead) => void): () => void {
    this.readListeners.add(listener);
    return () => {
      this.readListeners.delete(listener);
    };
  }

  private emitPush(push: DevicePush): void {
    // A listener's own fault reads as it was thrown ("Error: ..."); anything else in words.
    const said = (e: unknown) => (e instanceof Error ? String(e) : describeError(e));
    for (const l of this.listeners) {
      try {
        const r = l(push) as unknown;
        if (r instanceof Promise) {
          r.catch((e: unknown) => this.opts.log("error", `FullSync: a device push listener failed: ${said(e)}`));
        }
      } catch (e) {
        this.opts.log("error", `FullSync: a device push listener failed: ${said(e)}`);
      }
    }
  }

  async flush(db?: string): Promise<void> {
    if (db !== undefined) {
      const d = this.dbs.get(db);
      if (!d) {
        const w = this.waiting.get(db);
        if (w)
          throw new BackendError(
            503,
            "service_unavailable",
            `the FullSync database "${db}" is not open yet: ${w.cause}`,
          );
        throw new Error(`FullSync database ${JSON.stringify(db)} is not declared`);
      }
      await d.flush();
      return;
    }
    await Promise.all([...this.dbs.values()].map((d) => d.flush()));
  }

  databases(): string[] {
    return [...this.dbs.keys(), ...this.waiting.keys()].sort();
  }

  indexStats(db: string) {
    return this.dbs.get(db)?.startInfo;
  }

  health(): FullSyncHealth {
    const link = this.factory.link?.health();
    const iso = (ms: number) => new Date(ms).toISOString();
    const waiting = [...this.waiting].map(([db, w]) => ({ db, since: iso(w.since), cause: w.cause }));
    if (this.groupsWaiting) {
      waiting.unshift({ db: GROUPS_DB, since: iso(this.groupsWaiting.since), cause: this.groupsWaiting.cause });
    }
    return {
      database: !link ? "embedded" : link.up ? "up" : "down",
      ...(link && !link.up
        ? { downSince: iso(link.downSince ?? Date.now()), ...(link.cause ? { cause: link.cause } : {}) }
        : {}),
      waiting,
      warnings: this.factory.warnings(),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.queue;
    this.http.close();
    for (const db of this.dbs.values()) {
      await db.close();
      await db.db.close().catch(() => {});
    }
    this.dbs.clear();
    this.waiting.clear();
    await this.groupStore?.close();
    await this.factory.close();
  }
}

/**
 * Opens a FullSync server (databases are declared afterwards with setDatabases). Over an external
 * CouchDB that cannot be used yet (down, refusing the credentials...), it starts all the same:
 * `/fullsync` answers 503 with the cause, transactions fail with it, and the databases open by
 * themselves once the CouchDB can be used (`health()` says what waits and why).
 */
export async function createFullSync(opts: FullSyncOptions & { tuning?: FullSyncTuning }): Promise<FullSyncServerExt> {
  const factory = await createPouchFactory({ dataDir: opts.dataDir, couch: opts.couch, log: opts.log });
  const server = new Server(opts, factory, opts.tuning ?? {});
  try {
    await server.start();
  } catch (e) {
    await factory.close();
    throw e;
  }
  return server;
}

export type { GroupStore };
