/**
 * FullSync listeners on servers that share one external CouchDB (claims shared by the servers,
 * listener-claims.ts). Every server follows each database's change feed, so a change written
 * through any server, or straight into the CouchDB, is seen by all of them; each change becomes
 * one task per listener, which the runner claims before running it (listener-runner.ts): one
 * server runs it, the others watch its claim until it is done, and claim and run it themselves if
 * its server died (its lease expired). A shared checkpoint per database (the last sequence whose
 * changes are all handled) is where a starting server begins, so it neither replays the feed nor
 * misses what was written while no server ran.
 *
 * What counts as a change: every new winning revision of a document (not `_design/`, not a
 * deletion: a view never returns a deleted document) except those the engine's own sequences
 * wrote (`markedWrite`): they do not run listeners, as on one server, so a listener's sequence
 * may update the documents it is given without running itself again.
 *
 * Bounded: pages of `batchSize` changes, at most `maxPending` changes waiting (the feed is not
 * read further until some are handled), claims and marks with a time to live.
 */
import { describeError } from "../../../embedded-db/index.ts";
import type { ChangesPage } from "../../../embedded-db/api.ts";
import type { LogLevel } from "../../common/model/typedef.ts";
import { seqNumber, type ChangeOrigin, type ListenerClaims } from "./listener-claims.ts";
import type { FeedTask, ListenerRef, ListenerRunner } from "./listener-runner.ts";

export interface FeedHost {
  /** The databases to follow (the declared ones). */
  databases(): string[];
  listenersOf(db: string): ListenerRef[];
  /** A page of a database's change feed (`since: "now"`: none, and the current sequence). */
  changes(db: string, since: number | string, limit: number): Promise<ChangesPage>;
  log(level: LogLevel, message: string, project?: string): void;
}

export interface FeedOptions {
  /**
   * Names the CouchDB the servers share, for a database that does not tell its identity (each
   * database's own identity is used otherwise: claims of another database never meet these).
   */
  scope: string;
  /** How often each database's feed is read when no device write rings (default 2000 ms). */
  pollMs?: number;
  /** Changes read at once (default 100). */
  batchSize?: number;
  /** Most changes waiting to be handled before the feed is read further (default 10,000). */
  maxPending?: number;
  /** How often claims held by other servers are looked at (default a third of the lease, at most 5 s). */
  watchMs?: number;
}

export interface FeedStatus {
  owner: string;
  claims: string;
  databases: { db: string; position?: string; pending: number; held: number; error?: string }[];
}

/** The name of a claim: one change of one document, for one listener. */
export function changeKey(scope: string, db: string, listener: ListenerRef, id: string, rev: string): string {
  return JSON.stringify(["c", scope, db, listener.project, listener.connector, listener.name, id, rev]);
}

/** A document of a database (writes in progress). */
export function docKey(scope: string, db: string, id: string): string {
  return JSON.stringify(["d", scope, db, id]);
}

/** A revision of a document (written by the engine). */
export function revKey(scope: string, db: string, id: string, rev: string): string {
  return JSON.stringify(["r", scope, db, id, rev]);
}

function checkpointName(scope: string, db: string): string {
  return JSON.stringify(["cp", scope, db]);
}

interface Batch {
  /** The last sequence of the page. */
  seq: number | string;
  /** Changes of the page not handled yet. */
  open: number;
}

interface Change {
  id: string;
  rev: string;
  batch: Batch;
}

interface DbFeed {
  db: string;
  /** The database's identity (in the names of its claims), once known. */
  scope: string | undefined;
  since: number | string | undefined;
  batches: Batch[];
  /** Changes whose document the engine is writing now: looked at again once the write ended. */
  deferred: Change[];
  stopped: boolean;
  dirty: boolean;
  wake: (() => void) | undefined;
  loop: Promise<void>;
  rounds: number;
  error: string | undefined;
  /** A checkpoint is being written; the next one to write. */
  advancing: boolean;
  nextCheckpoint: string | undefined;
  /** When the checkpoint was last written (it is written again now and then: its time to live). */
  checkpointAt: number;
}

class Task implements FeedTask {
  state: "queued" | "held" | "done" = "queued";
  readonly batches: Batch[] = [];

  constructor(
    private readonly feed: ListenerFeed,
    readonly f: DbFeed,
    readonly ref: ListenerRef,
    readonly key: string,
    readonly id: string,
    readonly rev: string,
  ) {}

  get db(): string {
    return this.f.db;
  }

  resolve(): void {
    this.feed.resolveTask(this);
  }

  hold(): void {
    this.feed.holdTask(this);
  }

  retry(): void {
    this.feed.holdTask(this);
  }
}

export class ListenerFeed {
  private readonly feeds = new Map<string, DbFeed>();
  /** Each database's identity, asked once. */
  private readonly scopes = new Map<string, Promise<string>>();
  private readonly tasks = new Map<string, Task>();
  private readonly held = new Set<Task>();
  private deferredCount = 0;
  private readonly pollMs: number;
  private readonly batchSize: number;
  private readonly maxPending: number;
  private readonly watchMs: number;
  private watchTimer: NodeJS.Timeout | undefined;
  private watching = false;
  private roomWaiters: (() => void)[] = [];
  private closed = false;
  /** Claims' failures are said once until they work again. */
  private claimsDown = false;

  constructor(
    private readonly host: FeedHost,
    private readonly claims: ListenerClaims,
    private readonly runner: ListenerRunner,
    private readonly o: FeedOptions,
  ) {
    this.pollMs = Math.max(10, o.pollMs ?? 2000);
    this.batchSize = Math.min(10_000, Math.max(1, o.batchSize ?? 100));
    this.maxPending = Math.max(1, o.maxPending ?? 10_000);
    this.watchMs = Math.max(10, o.watchMs ?? Math.min(5000, Math.floor(claims.leaseMs / 3)));
  }

  /** Follows the declared databases (again after they change: new ones start, dropped ones stop). */
  sync(): void {
    if (this.closed) return;
    const wanted = new Set(this.host.databases());
    for (const [db, f] of this.feeds) {
      if (wanted.has(db)) continue;
      f.stopped = true;
      f.wake?.();
      this.feeds.delete(db);
      this.scopes.delete(db);
      for (const t of [...this.tasks.values()]) if (t.f === f) this.forget(t);
      this.deferredCount -= f.deferred.length;
      f.deferred.length = 0;
      // Its loop may wait for room: it ends now.
      for (const w of this.roomWaiters.splice(0)) w();
    }
    for (const db of wanted) {
      if (this.feeds.has(db)) continue;
      const f: DbFeed = {
        db,
        scope: undefined,
        since: undefined,
        batches: [],
        deferred: [],
        stopped: false,
        dirty: true,
        wake: undefined,
        loop: Promise.resolve(),
        rounds: 0,
        error: undefined,
        advancing: false,
        nextCheckpoint: undefined,
        checkpointAt: 0,
      };
      this.feeds.set(db, f);
      f.loop = this.loop(f);
    }
    if (!this.watchTimer) {
      this.watchTimer = setInterval(() => void this.watch(), this.watchMs);
      this.watchTimer.unref();
    }
  }

  /** A device wrote to `db` through this server: its feed is read now. */
  ring(db: string): void {
    const f = this.feeds.get(db);
    if (!f) return;
    f.dirty = true;
    const w = f.wake;
    f.wake = undefined;
    w?.();
  }

  /**
   * Resolves once every change written before the call has been read and handled (here or by
   * another server); for tests and orderly checks.
   */
  async settled(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const targets = [...this.feeds.values()].map((f) => [f, f.rounds + 2] as const);
    for (const [f] of targets) this.ring(f.db);
    for (;;) {
      const done = targets.every(
        ([f, round]) => f.stopped || (f.rounds >= round && f.batches.length === 0 && f.deferred.length === 0),
      );
      if (done || this.closed) return;
      if (Date.now() > deadline) throw new Error("FullSync listener feeds did not settle in time");
      for (const [f, round] of targets) if (f.rounds < round) this.ring(f.db);
      await sleep(10);
    }
  }

  status(): FeedStatus {
    return {
      owner: this.claims.owner,
      claims: this.claims.describe(),
      databases: [...this.feeds.values()].map((f) => {
        let pending = f.deferred.length;
        let held = 0;
        for (const t of this.tasks.values()) {
          if (t.f !== f) continue;
          pending++;
          if (t.state === "held") held++;
        }
        return {
          db: f.db,
          ...(f.since !== undefined ? { position: String(f.since) } : {}),
          pending,
          held,
          ...(f.error ? { error: f.error } : {}),
        };
      }),
    };
  }

  /** Stops reading and watching (tasks queued in the runner are dropped by its close). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.watchTimer);
    for (const f of this.feeds.values()) {
      f.stopped = true;
      f.wake?.();
    }
    for (const w of this.roomWaiters.splice(0)) w();
    await Promise.all([...this.feeds.values()].map((f) => f.loop));
  }

  /**
   * Runs an engine's write of documents, marked so that the changes it makes run no listener
   * (the marks are shared: the other servers see them). When the marks cannot be written, the
   * write happens anyway (its changes may then run listeners).
   */
  async markedWrite<T>(
    db: string,
    ids: string[],
    write: () => Promise<T>,
    revsOf: (r: T) => [string, string][],
  ): Promise<T> {
    let scope = this.o.scope;
    let docKeys: string[] = [];
    let marked = ids.length > 0;
    if (marked) {
      try {
        scope = await this.scopeOf(db);
        docKeys = [...new Set(ids)].map((id) => docKey(scope, db, id));
        await this.claims.writing(docKeys);
        this.claimsUp();
      } catch (e) {
        marked = false;
        this.claimsFailed(e, "the engine's write is not marked; its changes may run listeners");
      }
    }
    let revs: [string, string][] = [];
    try {
      const r = await write();
      try {
        revs = revsOf(r);
      } catch {
        revs = [];
      }
      return r;
    } finally {
      if (marked) {
        await this.claims
          .written(
            docKeys,
            revs.map(([id, rev]) => revKey(scope, db, id, rev)),
          )
          .catch((e: unknown) =>
            this.claimsFailed(e, "the engine's write is not marked; its changes may run listeners"),
          );
      }
    }
  }

  /** Who wrote these revisions of `db` (the runner's question when a document moved on). */
  async origins(db: string, revs: { id: string; rev: string }[]): Promise<ChangeOrigin[]> {
    const scope = await this.scopeOf(db);
    return this.claims.origins(
      revs.map((r) => docKey(scope, db, r.id)),
      revs.map((r) => revKey(scope, db, r.id, r.rev)),
    );
  }

  /** A database's identity (asked once; again after a failure). */
  private scopeOf(db: string): Promise<string> {
    let p = this.scopes.get(db);
    if (!p) {
      p = this.host.changes(db, "now", 1).then((page) => page.instance ?? this.o.scope);
      this.scopes.set(db, p);
      p.catch(() => {
        if (this.scopes.get(db) === p) this.scopes.delete(db);
      });
    }
    return p;
  }

  // ---- tasks -----------------------------------------------------------------------------------

  /** Called by a task: handled (here or elsewhere). */
  resolveTask(t: Task): void {
    if (t.state === "done") return;
    t.state = "done";
    this.held.delete(t);
    if (this.tasks.get(t.key) === t) this.tasks.delete(t.key);
    for (const b of t.batches) b.open--;
    this.advanceHead(t.f);
    this.room();
  }

  /** Called by a task: another server holds it, or it could not be claimed: watched. */
  holdTask(t: Task): void {
    if (t.state === "done") return;
    t.state = "held";
    this.held.add(t);
  }

  /** A task of a database no longer followed: dropped without being handled. */
  private forget(t: Task): void {
    t.state = "done";
    this.held.delete(t);
    this.tasks.delete(t.key);
  }

  private pending(): number {
    return this.tasks.size + this.deferredCount;
  }

  private room(): void {
    if (this.pending() >= this.maxPending) return;
    for (const w of this.roomWaiters.splice(0)) w();
  }

  private async waitForRoom(f: DbFeed): Promise<void> {
    while (this.pending() >= this.maxPending && !f.stopped && !this.closed) {
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
  }

  /** One task per listener for a change (joined to a task of the same change still open). */
  private addTasks(f: DbFeed, change: Change, listeners: ListenerRef[]): Map<ListenerRef, Task[]> {
    const out = new Map<ListenerRef, Task[]>();
    for (const ref of listeners) {
      const key = changeKey(f.scope ?? this.o.scope, f.db, ref, change.id, change.rev);
      let t = this.tasks.get(key);
      if (t) {
        t.batches.push(change.batch);
        change.batch.open++;
        continue;
      }
      t = new Task(this, f, ref, key, change.id, change.rev);
      t.batches.push(change.batch);
      change.batch.open++;
      this.tasks.set(key, t);
      let list = out.get(ref);
      if (!list) out.set(ref, (list = []));
      list.push(t);
    }
    return out;
  }

  private enqueue(groups: Map<ListenerRef, Task[]>): void {
    for (const [ref, tasks] of groups) if (tasks.length) this.runner.enqueue(ref, tasks);
  }

  // ---- the feed ----------------------------------------------------------------------------------

  private async loop(f: DbFeed): Promise<void> {
    let backoff = 200;
    let failing = false;
    while (!f.stopped) {
      if (!f.dirty) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            f.dirty = true;
            resolve();
          }, this.pollMs);
          timer.unref();
          f.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        f.wake = undefined;
        continue;
      }
      f.dirty = false;
      try {
        if (f.since === undefined) f.since = await this.startPosition(f);
        for (;;) {
          await this.waitForRoom(f);
          if (f.stopped) return;
          const page = await this.host.changes(f.db, f.since, this.batchSize);
          if (f.stopped) return;
          if (page.results.length === 0) break;
          await this.take(f, page);
          f.since = page.last_seq;
          if (page.results.length < this.batchSize) break;
        }
        f.rounds++;
        // Nothing waits: the checkpoint is where this server is (written again now and then,
        // so that a database without changes keeps it).
        if (f.batches.length === 0 && Date.now() - f.checkpointAt > CHECKPOINT_REFRESH_MS) {
          f.nextCheckpoint = JSON.stringify(f.since);
          if (!f.advancing) void this.writeCheckpoint(f);
        }
        backoff = 200;
        if (failing) this.host.log("info", `FullSync listeners: the changes of "${f.db}" are read again`);
        failing = false;
        f.error = undefined;
      } catch (e) {
        if (f.stopped) return;
        f.error = describeError(e);
        if (!failing) {
          this.host.log(
            "warn",
            `FullSync listeners: reading the changes of "${f.db}" failed: ${f.error}; trying again (changes wait, none is lost)`,
          );
        }
        failing = true;
        f.dirty = true;
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 10_000);
      }
    }
  }

  /** Where a database's feed starts: the shared checkpoint, else now. */
  private async startPosition(f: DbFeed): Promise<number | string> {
    f.scope = await this.scopeOf(f.db);
    const now = (await this.host.changes(f.db, "now", 1)).last_seq;
    const name = checkpointName(f.scope, f.db);
    const stored = await this.claims.checkpoint(name);
    if (stored !== undefined) {
      let seq: unknown;
      try {
        seq = JSON.parse(stored);
      } catch {
        seq = undefined;
      }
      const a = seqNumber(stored);
      const b = seqNumber(JSON.stringify(now));
      if ((typeof seq === "number" || typeof seq === "string") && !(a !== undefined && b !== undefined && a > b)) {
        return seq;
      }
      this.host.log(
        "warn",
        `FullSync listeners: the checkpoint of "${f.db}" (${stored}) is not a position of the database now (${JSON.stringify(now)}; was it created again?): following from now`,
      );
    }
    // The first server: from now on (and a checkpoint, so a later start misses nothing).
    await this.claims.advance(name, JSON.stringify(now));
    f.checkpointAt = Date.now();
    return now;
  }

  /** A page of changes: tasks for the listeners, or waiting for an engine's write, or nothing. */
  private async take(f: DbFeed, page: ChangesPage): Promise<void> {
    const rows = page.results.filter(
      (r) => typeof r.id === "string" && r.id !== "" && !r.id.startsWith("_") && !r.deleted && r.rev,
    );
    const listeners = rows.length ? this.host.listenersOf(f.db) : [];
    const origins = rows.length && listeners.length ? await this.originsOf(f.db, rows) : [];
    const batch: Batch = { seq: page.last_seq, open: 0 };
    f.batches.push(batch);
    const groups = new Map<ListenerRef, Task[]>();
    if (listeners.length) {
      rows.forEach((r, i) => {
        const origin = origins[i];
        if (origin === "engine") return;
        const change: Change = { id: r.id, rev: r.rev, batch };
        if (origin === "writing") {
          batch.open++;
          f.deferred.push(change);
          this.deferredCount++;
          return;
        }
        for (const [ref, tasks] of this.addTasks(f, change, listeners)) {
          const list = groups.get(ref);
          if (list) list.push(...tasks);
          else groups.set(ref, tasks);
        }
      });
    }
    this.enqueue(groups);
    this.advanceHead(f);
  }

  /** Moves the shared checkpoint over the pages whose changes are all handled. */
  private advanceHead(f: DbFeed): void {
    let seq: number | string | undefined;
    while (f.batches.length && f.batches[0]!.open <= 0) seq = f.batches.shift()!.seq;
    if (seq === undefined || f.stopped) return;
    f.nextCheckpoint = JSON.stringify(seq);
    if (!f.advancing) void this.writeCheckpoint(f);
  }

  private async writeCheckpoint(f: DbFeed): Promise<void> {
    f.advancing = true;
    try {
      while (f.nextCheckpoint !== undefined && !this.closed) {
        const seq = f.nextCheckpoint;
        f.nextCheckpoint = undefined;
        try {
          await this.claims.advance(checkpointName(f.scope ?? this.o.scope, f.db), seq);
          f.checkpointAt = Date.now();
          this.claimsUp();
        } catch (e) {
          // The next page handled writes a later one.
          this.claimsFailed(e, "the checkpoint was not moved");
        }
      }
    } finally {
      f.advancing = false;
    }
  }

  // ---- watching ------------------------------------------------------------------------------------

  /** Claims held elsewhere: done (forgotten here) or free again (their server died: ours to run). */
  private async watch(): Promise<void> {
    if (this.watching || this.closed) return;
    this.watching = true;
    try {
      const held = [...this.held];
      if (held.length) {
        let states: string[] | undefined;
        try {
          states = await this.claims.peek(held.map((t) => t.key));
          this.claimsUp();
        } catch (e) {
          this.claimsFailed(e, "changes held by other servers wait");
        }
        if (states) {
          const again = new Map<ListenerRef, Task[]>();
          held.forEach((t, i) => {
            if (t.state !== "held") return;
            if (states[i] === "done") t.resolve();
            else if (states[i] === "free") {
              // The listener as the project declares it now (gone: nothing to run).
              const ref = this.host
                .listenersOf(t.db)
                .find((l) => l.project === t.ref.project && l.connector === t.ref.connector && l.name === t.ref.name);
              if (!ref) return t.resolve();
              t.state = "queued";
              this.held.delete(t);
              let list = again.get(ref);
              if (!list) again.set(ref, (list = []));
              list.push(t);
            }
          });
          this.enqueue(again);
        }
      }
      for (const f of this.feeds.values()) if (f.deferred.length) await this.recheck(f);
    } finally {
      this.watching = false;
    }
  }

  /** Changes that waited for an engine's write: its own (nothing to run) or not (tasks). */
  private async recheck(f: DbFeed): Promise<void> {
    const changes = [...f.deferred];
    let origins: ChangeOrigin[];
    try {
      origins = await this.originsOf(f.db, changes);
    } catch (e) {
      this.claimsFailed(e, "changes wait");
      return;
    }
    if (f.stopped) return;
    const listeners = this.host.listenersOf(f.db);
    const groups = new Map<ListenerRef, Task[]>();
    const touched = new Set<Batch>();
    changes.forEach((c, i) => {
      if (origins[i] === "writing") return;
      f.deferred.splice(f.deferred.indexOf(c), 1);
      this.deferredCount--;
      c.batch.open--;
      touched.add(c.batch);
      if (origins[i] === "engine") return;
      for (const [ref, tasks] of this.addTasks(f, c, listeners)) {
        const list = groups.get(ref);
        if (list) list.push(...tasks);
        else groups.set(ref, tasks);
      }
    });
    this.enqueue(groups);
    this.advanceHead(f);
    this.room();
  }

  private async originsOf(db: string, rows: { id: string; rev: string }[]): Promise<ChangeOrigin[]> {
    const r = await this.origins(db, rows);
    this.claimsUp();
    return r;
  }

  private claimsFailed(e: unknown, consequence: string): void {
    if (this.claimsDown) return;
    this.claimsDown = true;
    this.host.log("warn", `FullSync listeners: ${describeError(e)}; ${consequence}`);
  }

  private claimsUp(): void {
    if (!this.claimsDown) return;
    this.claimsDown = false;
    this.host.log("info", `FullSync listeners: the claims (${this.claims.describe()}) answer again`);
  }
}

/** How often a feed's checkpoint is written when nothing moves it (far within its time to live). */
const CHECKPOINT_REFRESH_MS = 3600_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    t.unref();
  });
}
