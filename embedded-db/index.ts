/**
 * embedded-db: the FullSync server. `createFullSync` opens the databases (LevelDB files, memory,
 * or an external CouchDB), keeps group membership and a principal index per database, and
 * serves devices' replication through the ACL layer (http.ts). The engine imports this file and
 * api.ts only.
 */
import { join } from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";
import type {
  DevicePush,
  FullSyncData,
  FullSyncDatabaseDecl,
  FullSyncOptions,
  FullSyncServer,
  GroupStore,
} from "./api.ts";
import { createData } from "./data.ts";
import { FullSyncDatabase } from "./database.ts";
import { GROUPS_DB, PouchGroupStore } from "./groups.ts";
import { FullSyncHttp } from "./http.ts";
import { DEFAULT_LIMITS } from "./http-util.ts";
import { createPouchFactory, type PouchFactory } from "./pouch.ts";

export type * from "./api.ts";

/** CouchDB's rule for database names (without `/`, which would need escaping everywhere). */
const DB_NAME = /^[a-z][a-z0-9_$()+-]{0,237}$/;

/** What embedded-db adds to the FullSyncServer interface. */
export interface FullSyncServerExt extends FullSyncServer {
  /** Resolves when the principal index of `db` (or of every database) holds every change so far. */
  flush(db?: string): Promise<void>;
  /** Names of the declared databases. */
  databases(): string[];
  /** How each database's index was obtained at start (snapshot or rebuilt) and how long it took. */
  indexStats(db: string): { source: "rebuilt" | "snapshot"; ms: number; docs: number } | undefined;
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
}

const positive = (n: number | undefined): number | undefined =>
  typeof n === "number" && Number.isSafeInteger(n) && n > 0 ? n : undefined;

class Server implements FullSyncServerExt {
  private readonly dbs = new Map<string, FullSyncDatabase>();
  private readonly listeners = new Set<(push: DevicePush) => void>();
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  readonly http: FullSyncHttp;

  constructor(
    private readonly opts: FullSyncOptions,
    private readonly factory: PouchFactory,
    readonly groups: PouchGroupStore,
    tuning: FullSyncTuning,
  ) {
    this.http = new FullSyncHttp({
      database: (name) => this.dbs.get(name),
      resolvePrincipal: (req) => opts.resolvePrincipal(req),
      groupsOf: (user) => groups.groupsOf(user),
      devicePush: (push) => this.emitPush(push),
      log: opts.log,
      limits: {
        docBodyBytes: positive(tuning.maxBodyBytes) ?? DEFAULT_LIMITS.docBodyBytes,
        listBodyBytes: positive(tuning.maxListBodyBytes) ?? DEFAULT_LIMITS.listBodyBytes,
        listEntries: positive(tuning.maxListEntries) ?? DEFAULT_LIMITS.listEntries,
      },
      maxFeedMs: tuning.maxFeedMs ?? 60_000,
    });
    groups.onChange((user) => {
      for (const d of this.dbs.values()) d.endFeedsOf(user);
    });
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
        this.opts.log("error", `FullSync: ${where} may not declare ${GROUPS_DB} (the group membership database)`);
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
    // Close what is no longer declared (or whose revision limit changed: reopened below).
    for (const [name, db] of [...this.dbs]) {
      const w = wanted.get(name);
      if (!w || w.revsLimit !== db.decl.revsLimit) {
        this.dbs.delete(name);
        await db.close();
        if (this.factory.kind !== "couch") await db.db.close().catch(() => {});
      }
    }
    for (const [name, decl] of wanted) {
      const existing = this.dbs.get(name);
      if (existing) {
        existing.decl = decl;
        await existing.installDesignDocs(decl.designDocs ?? []);
        continue;
      }
      const pouch = await this.factory.open(name, decl.revsLimit);
      const db = await FullSyncDatabase.open({
        decl,
        db: pouch,
        snapshotDir: this.opts.dataDir ? join(this.opts.dataDir, ".fullsync-index") : undefined,
        location: this.factory.describe(name),
        log: this.opts.log,
        pollMs: this.factory.kind === "couch" ? 5000 : 0,
      });
      await db.installDesignDocs(decl.designDocs ?? []);
      this.dbs.set(name, db);
    }
  }

  data(db: string): FullSyncData {
    const d = this.dbs.get(db);
    if (!d) throw new Error(`FullSync database ${JSON.stringify(db)} is not declared by any FullSync connector`);
    return createData(d);
  }

  onDevicePush(listener: (push: DevicePush) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private emitPush(push: DevicePush): void {
    for (const l of this.listeners) {
      try {
        const r = l(push) as unknown;
        if (r instanceof Promise) {
          r.catch((e: unknown) => this.opts.log("error", `FullSync: a device push listener failed: ${String(e)}`));
        }
      } catch (e) {
        this.opts.log("error", `FullSync: a device push listener failed: ${String(e)}`);
      }
    }
  }

  async flush(db?: string): Promise<void> {
    if (db !== undefined) {
      const d = this.dbs.get(db);
      if (!d) throw new Error(`FullSync database ${JSON.stringify(db)} is not declared`);
      await d.flush();
      return;
    }
    await Promise.all([...this.dbs.values()].map((d) => d.flush()));
  }

  databases(): string[] {
    return [...this.dbs.keys()].sort();
  }

  indexStats(db: string) {
    return this.dbs.get(db)?.startInfo;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    this.http.close();
    for (const db of this.dbs.values()) {
      await db.close();
      await db.db.close().catch(() => {});
    }
    this.dbs.clear();
    await this.groups.close();
    await this.factory.close();
  }
}

/** Opens a FullSync server (databases are declared afterwards with setDatabases). */
export async function createFullSync(opts: FullSyncOptions & { tuning?: FullSyncTuning }): Promise<FullSyncServerExt> {
  const factory = await createPouchFactory({ dataDir: opts.dataDir, couch: opts.couch, log: opts.log });
  let groupsDb;
  try {
    groupsDb = await factory.open(GROUPS_DB);
  } catch (e) {
    await factory.close();
    throw new Error(
      `FullSync: cannot open ${factory.describe(GROUPS_DB)}: ${e instanceof Error ? e.message : String(e)}`,
      {
        cause: e,
      },
    );
  }
  const groups = new PouchGroupStore(groupsDb, opts.log, factory.kind === "couch" ? 5000 : 0);
  await groups.start();
  return new Server(opts, factory, groups, opts.tuning ?? {});
}

export type { GroupStore };
