/**
 * One FullSync connector's database on the device (design §7.6): a PouchDB database per
 * database and user, `<database>_device_<first 16 hex of sha-256(user)>`, replicated with the
 * engine's `/fullsync/<database>` (same origin, the session cookie). Writes stamp the owner
 * (`~c8oAcl`) so the server stores the device's own body; views of the project are computed on
 * the device (`device-views.ts`); the replication state is kept as a SyncStatus for bindings.
 *
 * PouchDB is passed in (the app gives `pouchdb-browser`, tests `pouchdb` with the memory adapter).
 */
import { ACL_GROUPS_KEY, ACL_OWNER_KEY } from "../engine/common/model/fullsync.ts";
import { applyWritePolicy } from "../engine/common/types/connectors/fullsync/write-policy.ts";
import { sha256Hex } from "./digest.ts";
import { normalizeQuery, ViewIndex, type DeviceView, type ReducedAnswer, type ViewAnswer } from "./device-views.ts";
import { toCallError } from "./errors.ts";
import type { CallError, FullSyncSource, PostOptions, SyncDirection, SyncStatus } from "./services.ts";

// ---- the little of PouchDB used here ---------------------------------------------------------

type Doc = Record<string, unknown> & { _id: string; _rev?: string; _deleted?: boolean; _conflicts?: string[] };
type Seq = number | string;

export interface PouchChange {
  id: string;
  seq: Seq;
  changes: { rev: string }[];
  deleted?: boolean;
  doc?: Doc;
}

/** An event listener of any arguments (method-style parameters: each listener names its own). */
type Listener = { bivarianceHack(...args: unknown[]): void }["bivarianceHack"];

/** A change feed or a replication: an event emitter that can be cancelled (and awaited). */
export interface PouchEmitter extends PromiseLike<unknown> {
  on(event: string, listener: Listener): PouchEmitter;
  cancel(): void;
}

export interface PouchDatabase {
  info(): Promise<{ update_seq: Seq; doc_count: number }>;
  get(id: string, opts?: Record<string, unknown>): Promise<Doc>;
  put(doc: Record<string, unknown>): Promise<{ ok: boolean; id: string; rev: string }>;
  post(doc: Record<string, unknown>): Promise<{ ok: boolean; id: string; rev: string }>;
  allDocs(opts?: Record<string, unknown>): Promise<{
    rows: { id: string; key: string; value?: { rev: string; deleted?: boolean }; doc?: Doc | null; error?: string }[];
  }>;
  changes(opts?: Record<string, unknown>): PouchEmitter & PromiseLike<{ results: PouchChange[]; last_seq: Seq }>;
  replicate: {
    to(target: PouchDatabase, opts?: Record<string, unknown>): PouchEmitter;
    from(source: PouchDatabase, opts?: Record<string, unknown>): PouchEmitter;
  };
  destroy(): Promise<unknown>;
  close(): Promise<unknown>;
}

export type PouchConstructor = new (name: string, opts?: Record<string, unknown>) => PouchDatabase;

// ---- options ---------------------------------------------------------------------------------

export interface FullSyncSourceOptions {
  PouchDB: PouchConstructor;
  /** The engine's origin (`location.origin`), without a trailing slash. */
  origin: string;
  /** The connector's database name (`databaseName`). */
  database: string;
  /** The logged-in user: the device database is theirs. */
  user: string;
  /** The project's views of this database, `"ddoc/view"` → map function (and reduce). */
  views?: Record<string, DeviceView>;
  /** The fetch the remote database uses (tests: one that keeps the session cookie). */
  fetch?: (url: string, init?: RequestInit) => Promise<Response>;
  /** More options of the device database (tests: `{adapter: "memory"}`). */
  deviceOptions?: Record<string, unknown>;
  /** Whether the browser has a network (navigator.onLine by default). */
  online?: () => boolean;
  /** The wait before retrying a failed replication, from the previous wait (1 s doubling to 30 s by default). */
  backOff?: (previousMs: number) => number;
}

/** The device database of a database and user: `<database>_device_<first 16 hex of sha-256(user)>`. */
export async function deviceDatabaseName(database: string, user: string): Promise<string> {
  return `${database}_device_${(await sha256Hex(user)).slice(0, 16)}`;
}

/** The implementation's extras beyond FullSyncSource. */
export interface DeviceFullSyncSource extends FullSyncSource {
  /** The device's PouchDB database (custom actions: conflict resolution, attachments). */
  device(): Promise<PouchDatabase>;
  /** Stops replication and closes the device database (it stays on the device). */
  close(): Promise<void>;
}

export function createFullSyncSource(options: FullSyncSourceOptions): DeviceFullSyncSource {
  return new DeviceSource(options);
}

// ---- the source ------------------------------------------------------------------------------

const META_ID = "_local/atelier-sync";
/** Members a read adds to a document, never written back. */
const READ_ONLY_MEMBERS = ["_conflicts", "_deleted_conflicts", "_revs_info", "_revisions", "_local_seq"];

type DirState = "connecting" | "active" | "paused" | "complete" | "offline" | "error" | "denied-login";

interface Direction {
  name: "push" | "pull";
  rep: PouchEmitter;
  state: DirState;
  /** Reached its first pause, completion or failure. */
  settled: boolean;
}

interface Run {
  generation: number;
  live: boolean;
  options: { direction?: SyncDirection; mode?: "continuous" | "once"; retry?: boolean };
  dirs: Direction[];
  resolve: () => void;
  reject: (e: CallError) => void;
  done: boolean;
}

interface Opened {
  db: PouchDatabase;
  feed: PouchEmitter;
}

function seqNumber(s: Seq): number {
  return typeof s === "number" ? s : Number.parseInt(String(s), 10) || 0;
}

/** What a replication failure means for the status. */
function classify(err: unknown): "denied-login" | "offline" | "error" {
  const status = (err as { status?: unknown } | undefined)?.status;
  if (status === 401) return "denied-login";
  if (typeof status !== "number" || status === 0 || status === 502 || status === 503 || status === 504) {
    return "offline";
  }
  return "error";
}

class DeviceSource implements DeviceFullSyncSource {
  private readonly views = new Map<string, ViewIndex>();
  private opened: Promise<Opened>;
  private remote: PouchDatabase | undefined;
  private snapshot: SyncStatus;
  private readonly listeners = new Set<() => void>();
  private notifyQueued = false;
  private closed = false;

  private readonly conflicts = new Set<string>();
  private readonly denied = new Map<string, string>();
  /** Revisions the server is known to hold (pulled or pushed), by document. */
  private readonly serverRevs = new Map<string, string>();
  private lastPushedSeq: Seq = 0;
  private metaRev: string | undefined;
  private metaWrite: Promise<void> = Promise.resolve();
  private pendingRun: Promise<void> | undefined;
  private pendingDirty = false;

  /** The view index: built at the first query, then fed by the change feed. */
  private indexBuilt: Promise<void> | undefined;
  private indexReady = false;
  private indexSeq: Seq = 0;
  private readonly docSeq = new Map<string, number>();
  private indexQueue: Promise<void> = Promise.resolve();

  private run: Run | undefined;
  private generation = 0;
  private readonly onOnline = () => this.browserOnline(true);
  private readonly onOffline = () => this.browserOnline(false);

  constructor(private readonly opts: FullSyncSourceOptions) {
    for (const [name, view] of Object.entries(opts.views ?? {})) this.views.set(name, new ViewIndex(name, view));
    this.snapshot = Object.freeze({
      state: "offline",
      online: this.browserSaysOnline(),
      pending: 0,
      conflicts: 0,
      denied: [],
      lastSync: null,
    });
    this.opened = this.open();
    // A failure to open is answered by each call; never an unhandled rejection.
    this.opened.catch(() => {});
    const g = globalThis as { addEventListener?: (t: string, l: () => void) => void };
    if (typeof g.addEventListener === "function") {
      g.addEventListener("online", this.onOnline);
      g.addEventListener("offline", this.onOffline);
    }
  }

  // ---- opening, the change feed ----------------------------------------------------------------

  private async open(): Promise<Opened> {
    const name = await deviceDatabaseName(this.opts.database, this.opts.user);
    const db = new this.opts.PouchDB(name, { ...this.opts.deviceOptions });
    const meta = await db.get(META_ID).catch(() => undefined);
    if (meta) {
      this.metaRev = meta._rev;
      if (typeof meta.lastPushedSeq === "number" || typeof meta.lastPushedSeq === "string") {
        this.lastPushedSeq = meta.lastPushedSeq;
      }
    }
    // Documents holding conflicts, then kept by the live feed.
    const initial = await db.changes({ since: 0, include_docs: true, conflicts: true });
    for (const c of initial.results) this.noteConflicts(c);
    const feed = db.changes({ live: true, since: initial.last_seq, include_docs: true, conflicts: true });
    feed.on("change", (c: PouchChange) => this.onLocalChange(c));
    feed.on("error", () => {});
    this.update({ conflicts: this.conflicts.size });
    // Counted before the first call answers: a reload offline shows what is still to push.
    await this.schedulePending(db);
    return { db, feed };
  }

  private async db(): Promise<PouchDatabase> {
    if (this.closed) throw { code: "closed", message: "This FullSync source is closed" } satisfies CallError;
    return (await this.opened).db;
  }

  private noteConflicts(c: PouchChange): boolean {
    const had = this.conflicts.has(c.id);
    const has = !c.deleted && Array.isArray(c.doc?._conflicts) && c.doc._conflicts.length > 0;
    if (has) this.conflicts.add(c.id);
    else this.conflicts.delete(c.id);
    return had !== has;
  }

  private onLocalChange(c: PouchChange): void {
    this.noteConflicts(c);
    if (this.indexReady) this.applyToIndex(c);
    this.update({ conflicts: this.conflicts.size });
    void this.opened.then(({ db }) => this.schedulePending(db));
    this.notify();
  }

  // ---- status --------------------------------------------------------------------------------

  status(): SyncStatus {
    return this.snapshot;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Listeners are told once per turn of the event loop, whatever changed. */
  private notify(): void {
    if (this.notifyQueued) return;
    this.notifyQueued = true;
    queueMicrotask(() => {
      this.notifyQueued = false;
      for (const l of [...this.listeners]) {
        try {
          l();
        } catch {
          // A listener's failure is its own.
        }
      }
    });
  }

  /** A new status snapshot when something changed (the same object otherwise: React's stores). */
  private update(patch: Partial<SyncStatus>): void {
    const cur = this.snapshot;
    const next = { ...cur, ...patch };
    const same =
      next.state === cur.state &&
      next.online === cur.online &&
      next.pending === cur.pending &&
      next.conflicts === cur.conflicts &&
      next.lastSync === cur.lastSync &&
      next.denied === cur.denied;
    if (same) return;
    this.snapshot = Object.freeze(next);
    this.notify();
  }

  private browserSaysOnline(): boolean {
    if (this.opts.online) return this.opts.online();
    const nav = (globalThis as { navigator?: { onLine?: unknown } }).navigator;
    return typeof nav?.onLine === "boolean" ? nav.onLine : true;
  }

  private browserOnline(online: boolean): void {
    this.update({ online });
    if (!online) {
      if (this.run) this.update({ state: "offline" });
      return;
    }
    // Back online: restart at once (the replication may be waiting out a long back-off).
    const run = this.run;
    if (run && (this.snapshot.state === "offline" || this.snapshot.state === "error")) {
      void this.sync(run.options).catch(() => {});
    }
  }

  // ---- pending -------------------------------------------------------------------------------

  /** Recounts the local changes after the push checkpoint (coalesced: one count at a time). */
  private schedulePending(db: PouchDatabase): Promise<void> {
    if (this.pendingRun) {
      this.pendingDirty = true;
      return this.pendingRun;
    }
    this.pendingRun = (async () => {
      do {
        this.pendingDirty = false;
        try {
          await this.countPending(db);
        } catch {
          // A closed or destroyed database: nothing to count.
        }
      } while (this.pendingDirty);
    })().finally(() => {
      this.pendingRun = undefined;
    });
    return this.pendingRun;
  }

  private async countPending(db: PouchDatabase): Promise<void> {
    const r = await db.changes({ since: this.lastPushedSeq });
    let pending = 0;
    for (const c of r.results) {
      if (c.id.startsWith("_design/")) continue;
      // A revision the server sent (or took) is not pending, though after the push checkpoint.
      if (this.serverRevs.get(c.id) === c.changes[0]?.rev) continue;
      pending++;
    }
    this.update({ pending });
  }

  private notePushed(seq: Seq, db: PouchDatabase): void {
    if (seqNumber(seq) <= seqNumber(this.lastPushedSeq)) return;
    this.lastPushedSeq = seq;
    void this.schedulePending(db);
    // Kept on the device, so a reload offline counts from here.
    this.metaWrite = this.metaWrite.then(async () => {
      try {
        const r = await db.put({ _id: META_ID, ...(this.metaRev ? { _rev: this.metaRev } : {}), lastPushedSeq: seq });
        this.metaRev = r.rev;
      } catch {
        const cur = await db.get(META_ID).catch(() => undefined);
        this.metaRev = cur?._rev;
      }
    });
  }

  // ---- documents -----------------------------------------------------------------------------

  async get(id: string): Promise<Record<string, unknown>> {
    const db = await this.db();
    try {
      return await db.get(id, { conflicts: true });
    } catch (e) {
      throw toCallError(e, "not_found");
    }
  }

  async post(doc: Record<string, unknown>, options: PostOptions = {}): Promise<{ ok: true; id: string; rev: string }> {
    const db = await this.db();
    const policy = options.policy ?? "override";
    const given: Record<string, unknown> = { ...doc };
    for (const k of READ_ONLY_MEMBERS) delete given[k];
    if (options.id !== undefined && options.id !== "") given._id = options.id;
    const id = typeof given._id === "string" && given._id !== "" ? given._id : undefined;
    try {
      const existing =
        id !== undefined && (policy === "override" || policy === "merge")
          ? await db.get(id).catch((e: { status?: number }) => {
              if (e?.status === 404) return undefined;
              throw e;
            })
          : undefined;
      // Convertigo's create: always a new document, with a new id (the engine's Post transactions alike).
      const out = applyWritePolicy(given, existing, policy);
      if (options.public) {
        delete out[ACL_OWNER_KEY];
        delete out[ACL_GROUPS_KEY];
      } else if (options.groups !== undefined) {
        delete out[ACL_OWNER_KEY];
        out[ACL_GROUPS_KEY] = [...options.groups];
      } else {
        out[ACL_OWNER_KEY] = this.opts.user;
      }
      const r = typeof out._id === "string" ? await db.put(out) : await db.post(out);
      await this.schedulePending(db);
      return { ok: true, id: r.id, rev: r.rev };
    } catch (e) {
      throw toCallError(e);
    }
  }

  async remove(id: string): Promise<{ ok: true }> {
    const db = await this.db();
    try {
      const doc = await db.get(id);
      // The tombstone keeps the ACL keys: the server stores it as it is, and every reader gets it.
      const tombstone: Record<string, unknown> = { _id: id, _rev: doc._rev, _deleted: true };
      if (doc[ACL_OWNER_KEY] !== undefined) tombstone[ACL_OWNER_KEY] = doc[ACL_OWNER_KEY];
      if (doc[ACL_GROUPS_KEY] !== undefined) tombstone[ACL_GROUPS_KEY] = doc[ACL_GROUPS_KEY];
      await db.put(tombstone);
      await this.schedulePending(db);
      return { ok: true };
    } catch (e) {
      throw toCallError(e);
    }
  }

  async device(): Promise<PouchDatabase> {
    return this.db();
  }

  // ---- views ---------------------------------------------------------------------------------

  async view(name: string, query: Record<string, unknown> = {}): Promise<ViewAnswer | ReducedAnswer> {
    const db = await this.db();
    const index = this.views.get(name);
    if (!index) {
      throw {
        code: "not_found",
        message: `No view ${name} on the device (views: ${[...this.views.keys()].join(", ") || "none"})`,
        status: 404,
      } satisfies CallError;
    }
    try {
      const q = normalizeQuery(query);
      this.indexBuilt ??= this.buildIndex(db);
      await this.indexBuilt;
      await this.catchUpIndex(db);
      return await index.query(q, async (ids) => {
        const found = new Map<string, Record<string, unknown>>();
        if (!ids.length) return found;
        const r = await db.allDocs({ keys: ids, include_docs: true });
        for (const row of r.rows) if (row.doc) found.set(row.id, row.doc);
        return found;
      });
    } catch (e) {
      throw toCallError(e);
    }
  }

  private async buildIndex(db: PouchDatabase): Promise<void> {
    const info = await db.info();
    const all = await db.allDocs({ include_docs: true });
    const seq = seqNumber(info.update_seq);
    for (const row of all.rows) {
      if (!row.doc) continue;
      this.docSeq.set(row.id, seq);
      for (const index of this.views.values()) index.update(row.id, row.doc);
    }
    this.indexSeq = info.update_seq;
    this.indexReady = true;
  }

  /** Applies the changes the feed has not delivered yet, so a query sees every write before it. */
  private catchUpIndex(db: PouchDatabase): Promise<void> {
    this.indexQueue = this.indexQueue.then(async () => {
      const r = await db.changes({ since: this.indexSeq, include_docs: true });
      for (const c of r.results) this.applyToIndex(c);
      if (seqNumber(r.last_seq) > seqNumber(this.indexSeq)) this.indexSeq = r.last_seq;
    });
    return this.indexQueue;
  }

  private applyToIndex(c: PouchChange): void {
    const seq = seqNumber(c.seq);
    const prev = this.docSeq.get(c.id);
    if (prev !== undefined && seq <= prev) return;
    this.docSeq.set(c.id, seq);
    for (const index of this.views.values()) index.update(c.id, c.deleted ? undefined : c.doc);
  }

  // ---- replication ---------------------------------------------------------------------------

  private remoteDb(): PouchDatabase {
    if (!this.remote) {
      const f = this.opts.fetch;
      this.remote = new this.opts.PouchDB(`${this.opts.origin}/fullsync/${encodeURIComponent(this.opts.database)}`, {
        skip_setup: true,
        ...(f ? { fetch: (url: string, init: RequestInit) => f(url, { ...init, credentials: "include" }) } : {}),
      });
    }
    return this.remote;
  }

  async sync(
    options: { direction?: SyncDirection; mode?: "continuous" | "once"; retry?: boolean } = {},
  ): Promise<void> {
    const db = await this.db();
    this.stopReplication();
    const direction = options.direction ?? "both";
    const live = (options.mode ?? "continuous") === "continuous";
    const retry = options.retry ?? true;
    const online = this.browserSaysOnline();
    this.update({ online, state: online ? "connecting" : "offline" });
    if (!online && !live) return;

    const remote = this.remoteDb();
    const generation = ++this.generation;
    const backOff = this.opts.backOff ?? ((prev: number) => Math.min(30_000, Math.max(1000, prev * 2)));
    const repOpts = { live, retry: live && retry, back_off_function: backOff };
    const finished = new Promise<void>((resolve, reject) => {
      const run: Run = { generation, live, options, dirs: [], resolve, reject, done: false };
      this.run = run;
      if (direction !== "pull") run.dirs.push(this.track(run, "push", db.replicate.to(remote, repOpts), db));
      if (direction !== "push") run.dirs.push(this.track(run, "pull", db.replicate.from(remote, repOpts), db));
    });
    // Offline: replication waits for the network (retry); the caller goes on at once.
    if (!online) {
      finished.catch(() => {});
      return;
    }
    await finished;
    await this.schedulePending(db);
  }

  private track(run: Run, name: "push" | "pull", rep: PouchEmitter, db: PouchDatabase): Direction {
    const dir: Direction = { name, rep, state: "connecting", settled: false };
    // The replication's own promise: its failure is handled by the events below.
    Promise.resolve(rep).catch(() => {});
    const current = () => this.run === run && run.generation === this.generation;
    const on = (event: string, fn: Listener) =>
      rep.on(event, (...args: unknown[]) => {
        if (current()) fn(...args);
      });

    on("active", () => {
      dir.state = "active";
      this.update({ online: true });
      this.settle(run);
    });
    on("paused", (err?: unknown) => {
      if (err) return this.failed(run, dir, err, false);
      dir.state = "paused";
      dir.settled = true;
      this.update({ online: true, lastSync: new Date().toISOString() });
      this.settle(run);
    });
    on("change", (info: { docs?: Doc[] }) => {
      for (const d of info.docs ?? []) {
        if (typeof d._rev === "string") this.serverRevs.set(d._id, d._rev);
        if (name === "push" && this.denied.delete(d._id)) this.update({ denied: this.deniedList() });
      }
      void this.schedulePending(db);
      this.notify();
    });
    on("checkpoint", (c: { checkpoint?: Seq }) => {
      if (name === "push" && c.checkpoint !== undefined) this.notePushed(c.checkpoint, db);
    });
    on("denied", (err: { id?: string; reason?: string; message?: string; error?: string }) => {
      if (name !== "push" || typeof err?.id !== "string") return;
      this.denied.set(err.id, err.reason || err.message || err.error || "forbidden");
      this.update({ denied: this.deniedList() });
      void this.schedulePending(db);
    });
    on("complete", () => {
      if (run.done && dir.settled) return;
      dir.state = "complete";
      dir.settled = true;
      this.update({ lastSync: new Date().toISOString() });
      this.settle(run);
    });
    on("error", (err: unknown) => this.failed(run, dir, err, true));
    return dir;
  }

  private deniedList(): { id: string; reason: string }[] {
    return [...this.denied].map(([id, reason]) => ({ id, reason }));
  }

  /** A replication failed (`fatal`: it stopped) or is waiting to retry (paused with an error). */
  private failed(run: Run, dir: Direction, err: unknown, fatal: boolean): void {
    const kind = classify(err);
    dir.state = kind;
    dir.settled = true;
    if (kind === "offline") this.update({ online: false });
    if (kind === "denied-login") {
      // The session is gone: stop (the app logs in again and syncs); data and pending writes stay.
      this.stopReplication();
      this.update({ state: "denied-login" });
      this.finish(run);
      return;
    }
    this.settle(run);
    if (fatal && kind === "error" && !run.done) {
      run.done = true;
      run.reject(toCallError(err, "sync_failed"));
    }
  }

  /** The status from the directions' states; the caller of sync() goes on once each has settled. */
  private settle(run: Run): void {
    const states = run.dirs.map((d) => d.state);
    const state: SyncStatus["state"] = states.includes("denied-login")
      ? "denied-login"
      : states.includes("error")
        ? "error"
        : states.includes("offline")
          ? "offline"
          : states.includes("connecting")
            ? "connecting"
            : states.includes("active")
              ? "active"
              : "paused";
    this.update({ state });
    // Settled together: a pull's documents make the push active again before both rest.
    if (run.dirs.length && run.dirs.every((d) => d.settled && d.state !== "active" && d.state !== "connecting")) {
      this.finish(run);
    }
  }

  private finish(run: Run): void {
    if (run.done) return;
    run.done = true;
    run.resolve();
  }

  private stopReplication(): void {
    const run = this.run;
    if (!run) return;
    this.run = undefined;
    this.generation++;
    for (const d of run.dirs) {
      try {
        d.rep.cancel();
      } catch {
        // Already stopped.
      }
    }
    this.finish(run);
  }

  // ---- reset, close --------------------------------------------------------------------------

  async reset(): Promise<void> {
    const { db, feed } = await this.opened;
    this.stopReplication();
    feed.cancel();
    await this.indexQueue.catch(() => {});
    await this.metaWrite.catch(() => {});
    await db.destroy();
    this.conflicts.clear();
    this.denied.clear();
    this.serverRevs.clear();
    this.docSeq.clear();
    for (const index of this.views.values()) index.clear();
    this.indexBuilt = undefined;
    this.indexReady = false;
    this.indexSeq = 0;
    this.lastPushedSeq = 0;
    this.metaRev = undefined;
    this.update({ state: "offline", pending: 0, conflicts: 0, denied: [], lastSync: null });
    // A new, empty device database: the next sync pulls everything again.
    this.opened = this.open();
    this.opened.catch(() => {});
    await this.opened;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopReplication();
    const g = globalThis as { removeEventListener?: (t: string, l: () => void) => void };
    if (typeof g.removeEventListener === "function") {
      g.removeEventListener("online", this.onOnline);
      g.removeEventListener("offline", this.onOffline);
    }
    try {
      const { db, feed } = await this.opened;
      feed.cancel();
      await this.pendingRun?.catch(() => {});
      await this.metaWrite.catch(() => {});
      await db.close();
    } catch {
      // It never opened.
    }
    this.update({ state: "offline" });
  }
}
