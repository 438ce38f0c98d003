import { ACL_OWNER_KEY, stripAclKeys, type FullSyncDocument } from "../../common/model/fullsync.ts";
import type { LogLevel } from "../../common/model/typedef.ts";
import { describeError } from "../../../embedded-db/index.ts";
import type { ChangeOrigin, ListenerClaims } from "./listener-claims.ts";

/** A FullSync listener of a loaded project, as the runner needs it. */
export interface ListenerRef {
  project: string;
  connector: string;
  /** The listener's name. */
  name: string;
  db: string;
  targetSequence: string;
  designDocument: string;
  view: string;
  chunkSize: number;
  maxRetries: number;
  retryDelayMs: number;
}

/** A row of a view queried with keys and include_docs. */
export interface ViewRow {
  id?: string;
  key?: unknown;
  value?: unknown;
  doc?: FullSyncDocument | null;
  error?: string;
}

/** What the runner needs from the engine and the FullSync server. */
export interface ListenerHost {
  /** The enabled listeners of a database, as the loaded projects declare them now. */
  listenersOf(db: string): ListenerRef[];
  /** Queries `designDocument/view` with `keys` and their documents. */
  queryView(listener: ListenerRef, ids: string[]): Promise<ViewRow[]>;
  /** Runs the listener's target sequence with the documents, the given user in its session. */
  runSequence(
    listener: ListenerRef,
    docs: FullSyncDocument[],
    user: string | undefined,
    signal: AbortSignal,
  ): Promise<{ ok: true } | { ok: false; code: string | number; message: string }>;
  log(level: LogLevel, message: string, project?: string): void;
}

/**
 * One change of a document (its winning revision), for one listener, from a database's change
 * feed (listener-feed.ts); the runner claims it before running it.
 */
export interface FeedTask {
  readonly db: string;
  readonly id: string;
  readonly rev: string;
  /** The name of its claim. */
  readonly key: string;
  /** Handled: run (or given up after its retries, or nothing to run) here, or done by another server. */
  resolve(): void;
  /** Another server holds its claim: watched until done, or free again. */
  hold(): void;
  /** Not handled here (the claims could not be reached, the engine stops): tried again later. */
  retry(): void;
}

/** What the runner needs to run feed tasks: the claims, and who wrote a revision. */
export interface FeedWork {
  claims: ListenerClaims;
  origins(db: string, revs: { id: string; rev: string }[]): Promise<ChangeOrigin[]>;
}

/** A batch that still failed after its retries. */
export interface FailedBatch {
  at: number;
  /** The document ids of the batch. */
  ids: string[];
  /** The session's user of the run, when there was one. */
  user?: string;
  attempts: number;
  code: string | number;
  message: string;
}

/** What the Studio can show of a listener. */
export interface ListenerStatus {
  project: string;
  connector: string;
  listener: string;
  db: string;
  targetSequence: string;
  /** idle, running, or retrying (a failed run waits for its next attempt). */
  state: "idle" | "running" | "retrying";
  /** Documents waiting to be handed to the sequence. */
  pending: number;
  runs: number;
  succeeded: number;
  /** Batches given up after their retries. */
  failed: number;
  retries: number;
  lastRunAt?: number;
  lastSuccessAt?: number;
  /** The latest failed batches, newest last (at most 20). */
  failures: FailedBatch[];
}

/** Errors that retrying cannot fix: the project itself must change. */
const PERMANENT = new Set([
  "unknown_project",
  "unknown_sequence",
  "invalid_object",
  "not_runnable",
  "missing_variable",
]);
const MAX_FAILURES_KEPT = 20;
const MAX_DELAY_MS = 5 * 60_000;

/** Documents a device pushed through this server. */
interface PushJob {
  kind: "push";
  ids: Set<string>;
  /** The pushing user: the session's user for documents without an owner. */
  pusher: string | undefined;
}

/** Changes of the feed (servers sharing claims). */
interface FeedJob {
  kind: "feed";
  tasks: Map<string, FeedTask>;
}

type Job = PushJob | FeedJob;

function sizeOf(job: Job): number {
  return job.kind === "push" ? job.ids.size : job.tasks.size;
}

interface ListenerState {
  ref: ListenerRef;
  queue: Job[];
  running: boolean;
  status: ListenerStatus;
}

function keyOf(ref: ListenerRef): string {
  return `${ref.project}\u0000${ref.connector}\u0000${ref.name}`;
}

/**
 * Runs FullSync listeners ("update sequences") after devices push documents. Each listener has
 * its own queue, worked one batch at a time so a back end receives a document's changes in order;
 * pushes waiting in a queue are merged. A failing run is retried with a growing delay, then
 * reported (log + status); the device's write is stored before any of this and is never undone.
 *
 * Two ways in: `onPush` (one server: the device writes it receives) and `enqueue` (servers
 * sharing claims, `feed` given: changes read from the database's feed, each claimed before it
 * runs, marked done once run, given back when the engine stops first).
 */
export class ListenerRunner {
  private readonly states = new Map<string, ListenerState>();
  private readonly controller = new AbortController();
  private readonly idleWaiters = new Set<() => void>();
  private closed = false;
  private claimsDown = false;

  constructor(
    private readonly host: ListenerHost,
    private readonly feed?: FeedWork,
  ) {}

  /** Called by the FullSync server after a device push is stored; returns at once. */
  onPush(push: { db: string; ids: readonly string[]; user: string | undefined }): void {
    if (this.closed) return;
    const ids = push.ids.filter((id) => typeof id === "string" && id !== "" && !id.startsWith("_"));
    if (ids.length === 0) return;
    let listeners: ListenerRef[];
    try {
      listeners = this.host.listenersOf(push.db);
    } catch (e) {
      this.host.log("error", `FullSync listeners of "${push.db}" could not be read: ${describeError(e)}`);
      return;
    }
    for (const ref of listeners) {
      const state = this.stateOf(ref);
      const last = state.queue[state.queue.length - 1];
      if (last?.kind === "push" && last.pusher === push.user) for (const id of ids) last.ids.add(id);
      else state.queue.push({ kind: "push", ids: new Set(ids), pusher: push.user });
      this.queued(state);
    }
  }

  /** Changes of the feed for one listener (servers sharing claims); returns at once. */
  enqueue(ref: ListenerRef, tasks: readonly FeedTask[]): void {
    if (this.closed || !this.feed) return;
    const state = this.stateOf(ref);
    const last = state.queue[state.queue.length - 1];
    const job: FeedJob = last?.kind === "feed" ? last : { kind: "feed", tasks: new Map() };
    if (job !== last) state.queue.push(job);
    for (const t of tasks) job.tasks.set(t.key, t);
    this.queued(state);
  }

  private queued(state: ListenerState): void {
    state.status.pending = state.queue.reduce((n, j) => n + sizeOf(j), 0);
    if (!state.running) void this.drain(state);
  }

  /** The status of every listener that ran (or has work waiting) since the engine started. */
  status(): ListenerStatus[] {
    return [...this.states.values()].map((s) => ({ ...s.status, failures: [...s.status.failures] }));
  }

  /** Resolves once no listener has work queued or running (for tests and orderly shutdowns). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.add(resolve));
  }

  /** Stops: queued work is dropped (and logged), a running sequence is stopped. */
  async close(timeoutMs = 5000): Promise<void> {
    this.closed = true;
    for (const s of this.states.values()) {
      const pushed = s.queue.reduce((n, j) => n + (j.kind === "push" ? j.ids.size : 0), 0);
      const changes = s.queue.reduce((n, j) => n + (j.kind === "feed" ? j.tasks.size : 0), 0);
      if (pushed > 0) {
        this.host.log(
          "warn",
          `FullSync listener ${this.label(s.ref)}: stopping with ${pushed} document(s) not handed to ${s.ref.targetSequence} (they are stored; push them again to run it)`,
          s.ref.project,
        );
      }
      if (changes > 0) {
        this.host.log(
          "info",
          `FullSync listener ${this.label(s.ref)}: stopping with ${changes} change(s) not claimed; the other servers run them (or this one when it starts again)`,
          s.ref.project,
        );
      }
      s.queue.length = 0;
    }
    this.controller.abort();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.whenIdle(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }

  private isIdle(): boolean {
    for (const s of this.states.values()) if (s.running || s.queue.length > 0) return false;
    return true;
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return;
    for (const w of this.idleWaiters) w();
    this.idleWaiters.clear();
  }

  private stateOf(ref: ListenerRef): ListenerState {
    const key = keyOf(ref);
    let s = this.states.get(key);
    if (!s) {
      s = {
        ref,
        queue: [],
        running: false,
        status: {
          project: ref.project,
          connector: ref.connector,
          listener: ref.name,
          db: ref.db,
          targetSequence: ref.targetSequence,
          state: "idle",
          pending: 0,
          runs: 0,
          succeeded: 0,
          failed: 0,
          retries: 0,
          failures: [],
        },
      };
      this.states.set(key, s);
    }
    // The project may have been reloaded: the latest definition wins.
    s.ref = ref;
    s.status.targetSequence = ref.targetSequence;
    s.status.db = ref.db;
    return s;
  }

  private label(ref: ListenerRef): string {
    return `${ref.project}.${ref.connector}.${ref.name}`;
  }

  private async drain(state: ListenerState): Promise<void> {
    state.running = true;
    try {
      while (!this.closed && state.queue.length > 0) {
        const job = state.queue.shift() as Job;
        state.status.pending = state.queue.reduce((n, j) => n + sizeOf(j), 0);
        try {
          if (job.kind === "push") await this.work(state, job);
          else await this.workFeed(state, job);
        } catch (e) {
          // work() handles its own failures; this is a fault of the runner itself.
          this.host.log("error", `FullSync listener ${this.label(state.ref)}: ${(e as Error).stack ?? String(e)}`);
        }
      }
    } finally {
      state.running = false;
      state.status.state = "idle";
      this.notifyIdle();
    }
  }

  private async work(state: ListenerState, job: PushJob): Promise<void> {
    const ref = state.ref;
    const ids = [...job.ids];
    const size = Math.max(1, Math.floor(ref.chunkSize) || 10);
    for (let i = 0; i < ids.length && !this.closed; i += size) {
      const chunk = ids.slice(i, i + size);
      const rows = await this.attempt(state, chunk, job.pusher, "query", () => this.queryView(ref, chunk));
      if (!rows) continue;
      for (const [owner, docs] of groupByOwner(rows, job.pusher)) {
        if (this.closed) return;
        await this.attempt(
          state,
          docs.map((d) => d._id as string),
          owner,
          "run",
          () => this.runSequence(state, ref, docs, owner),
        );
      }
    }
  }

  /**
   * Feed tasks, by chunks: claimed first (those done or held elsewhere are left to the feed),
   * the view queried with the claimed ids, then one run per owner. A claimed change whose
   * document moved on (the view shows a later revision) is left to that later change, unless the
   * engine wrote it (that change runs no listener: this one runs, with the document as it is).
   * Handled changes are marked done (also after a run given up: it is reported, as on one
   * server); when the engine stops first, the claims are given back.
   */
  private async workFeed(state: ListenerState, job: FeedJob): Promise<void> {
    const feed = this.feed;
    if (!feed) return;
    const ref = state.ref;
    const tasks = [...job.tasks.values()];
    const size = Math.max(1, Math.floor(ref.chunkSize) || 10);
    for (let i = 0; i < tasks.length; i += size) {
      if (this.closed) return;
      const chunk = tasks.slice(i, i + size);
      let states: string[];
      try {
        states = await feed.claims.claim(chunk.map((t) => t.key));
        this.claimsUp();
      } catch (e) {
        this.claimsFailed(e);
        for (const t of chunk) t.retry();
        continue;
      }
      const mine: FeedTask[] = [];
      chunk.forEach((t, j) => {
        if (states[j] === "claimed") mine.push(t);
        else if (states[j] === "done") t.resolve();
        else t.hold();
      });
      if (mine.length === 0) continue;
      const ids = [...new Set(mine.map((t) => t.id))];
      const rows = await this.attempt(state, ids, undefined, "query", () => this.queryView(ref, ids), true);
      if (!rows) {
        await this.finish(mine, this.closed ? "release" : "done");
        continue;
      }
      const current = new Map<string, FullSyncDocument>();
      for (const r of rows) {
        const d = r.doc;
        if (d && typeof d === "object" && typeof d._id === "string" && !current.has(d._id)) current.set(d._id, d);
      }
      // A later revision of the document: its own change runs, unless the engine wrote it.
      const moved = mine.filter((t) => current.has(t.id) && current.get(t.id)!._rev !== t.rev);
      const carried = new Set<FeedTask>();
      if (moved.length) {
        try {
          const origins = await feed.origins(
            ref.db,
            moved.map((t) => ({ id: t.id, rev: String(current.get(t.id)!._rev) })),
          );
          moved.forEach((t, j) => {
            if (origins[j] !== "other") carried.add(t);
          });
        } catch {
          // Cannot tell: run it (at least once).
          for (const t of moved) carried.add(t);
        }
      }
      const toRun = mine.filter((t) => current.has(t.id) && (current.get(t.id)!._rev === t.rev || carried.has(t)));
      await this.finish(
        mine.filter((t) => !toRun.includes(t)),
        "done",
      );
      const runIds = new Set(toRun.map((t) => t.id));
      const runRows = rows.filter((r) => typeof r.doc?._id === "string" && runIds.has(r.doc._id));
      const groups = [...groupByOwner(runRows, undefined)];
      for (let g = 0; g < groups.length; g++) {
        const [owner, docs] = groups[g]!;
        const docIds = new Set(docs.map((d) => d._id as string));
        const groupTasks = toRun.filter((t) => docIds.has(t.id));
        if (this.closed) {
          const left = new Set(groups.slice(g).flatMap(([, ds]) => ds.map((d) => d._id as string)));
          await this.finish(
            toRun.filter((t) => left.has(t.id)),
            "release",
          );
          return;
        }
        const ran = await this.attempt(
          state,
          [...docIds],
          owner,
          "run",
          () => this.runSequence(state, ref, docs, owner),
          true,
        );
        await this.finish(groupTasks, ran || !this.closed ? "done" : "release");
      }
    }
  }

  /** Marks feed tasks done (or gives their claims back) and tells the feed. */
  private async finish(tasks: FeedTask[], how: "done" | "release"): Promise<void> {
    if (tasks.length === 0 || !this.feed) return;
    const keys = tasks.map((t) => t.key);
    try {
      await (how === "done" ? this.feed.claims.done(keys) : this.feed.claims.release(keys));
      this.claimsUp();
    } catch (e) {
      // Not recorded: the claims expire after their lease and another server may run them again.
      this.claimsFailed(e);
    }
    for (const t of tasks) {
      if (how === "done") t.resolve();
      else t.retry();
    }
  }

  private claimsFailed(e: unknown): void {
    if (this.claimsDown) return;
    this.claimsDown = true;
    this.host.log(
      "warn",
      `FullSync listeners: ${describeError(e)}; changes wait (a change run meanwhile may run again on another server)`,
    );
  }

  private claimsUp(): void {
    this.claimsDown = false;
  }

  /** Runs the listener's sequence with `docs` (their ACL keys removed), counted in its status. */
  private async runSequence(
    state: ListenerState,
    ref: ListenerRef,
    docs: FullSyncDocument[],
    owner: string | undefined,
  ): Promise<{ ok: true; value: true } | { ok: false; code: string | number; message: string }> {
    state.status.runs++;
    state.status.lastRunAt = Date.now();
    const r = await this.host.runSequence(ref, docs.map(stripAclKeys), owner, this.controller.signal);
    return r.ok ? { ok: true, value: true } : r;
  }

  /** The listener's view rows of `ids`, or why it could not be queried. */
  private async queryView(
    ref: ListenerRef,
    ids: string[],
  ): Promise<{ ok: true; value: ViewRow[] } | { ok: false; code: string; message: string }> {
    try {
      return { ok: true, value: await this.host.queryView(ref, ids) };
    } catch (e) {
      const err = e as { status?: number };
      return {
        ok: false,
        code: err.status === 404 ? "view_not_found" : "view_query_failed",
        message: `the view ${ref.designDocument}/${ref.view} of "${ref.db}" could not be queried: ${describeError(e)}`,
      };
    }
  }

  /**
   * Tries an operation, again after growing delays while it fails (up to the listener's
   * retries); a final failure is logged and kept in the status. Answers the value, or undefined.
   */
  private async attempt<T>(
    state: ListenerState,
    ids: string[],
    user: string | undefined,
    kind: "query" | "run",
    op: () => Promise<{ ok: true; value: T } | { ok: false; code: string | number; message: string }>,
    handBack = false,
  ): Promise<T | undefined> {
    const ref = state.ref;
    const maxRetries = Math.max(0, Math.floor(ref.maxRetries) || 0);
    for (let attempt = 1; ; attempt++) {
      state.status.state = "running";
      const r = await op();
      if (r.ok) {
        if (attempt > 1) {
          this.host.log("info", `FullSync listener ${this.label(ref)}: succeeded on attempt ${attempt}`, ref.project);
        }
        if (kind === "run") {
          state.status.succeeded++;
          state.status.lastSuccessAt = Date.now();
        }
        return r.value;
      }
      const what = `FullSync listener ${this.label(ref)} → ${ref.targetSequence} (${ids.length} document(s): ${ids.slice(0, 5).join(", ")}${ids.length > 5 ? ", ..." : ""}${user ? `; user ${user}` : ""})`;
      const permanent = PERMANENT.has(String(r.code));
      if (this.closed && handBack) {
        this.host.log(
          "info",
          `${what}: stopped by the engine's stop; the change is given back to the other servers`,
          ref.project,
        );
        return undefined;
      }
      if (this.closed || permanent || attempt > maxRetries) {
        this.report(state, what, ids, user, attempt, r);
        return undefined;
      }
      const delay = Math.min(MAX_DELAY_MS, Math.max(0, ref.retryDelayMs) * 2 ** (attempt - 1));
      this.host.log(
        "warn",
        `${what}: attempt ${attempt} failed: [${r.code}] ${r.message}; retrying in ${delay} ms`,
        ref.project,
      );
      state.status.retries++;
      state.status.state = "retrying";
      await sleep(delay, this.controller.signal);
      if (this.closed && handBack) {
        this.host.log(
          "info",
          `${what}: stopped by the engine's stop; the change is given back to the other servers`,
          ref.project,
        );
        return undefined;
      }
      if (this.closed) {
        this.report(state, what, ids, user, attempt, r);
        return undefined;
      }
    }
  }

  /** Logs a batch given up and keeps it in the status. */
  private report(
    state: ListenerState,
    what: string,
    ids: string[],
    user: string | undefined,
    attempts: number,
    r: { code: string | number; message: string },
  ): void {
    this.host.log(
      "error",
      `${what}: failed${attempts > 1 ? ` after ${attempts} attempts` : ""}${this.closed ? " (the engine is stopping)" : ""}: [${r.code}] ${r.message}. The documents are stored; the back end did not receive this change.`,
      state.ref.project,
    );
    state.status.failed++;
    state.status.failures.push({
      at: Date.now(),
      ids,
      ...(user ? { user } : {}),
      attempts,
      code: r.code,
      message: r.message,
    });
    if (state.status.failures.length > MAX_FAILURES_KEPT) state.status.failures.shift();
  }
}

/**
 * The documents found, one per id (a view may emit several rows for one document), grouped by
 * owner: `~c8oAcl`, or the pushing user for documents without one.
 */
export function groupByOwner(rows: ViewRow[], pusher: string | undefined): Map<string | undefined, FullSyncDocument[]> {
  const seen = new Set<string>();
  const groups = new Map<string | undefined, FullSyncDocument[]>();
  for (const row of rows) {
    const doc = row.doc;
    if (!doc || typeof doc !== "object" || typeof doc._id !== "string" || seen.has(doc._id)) continue;
    seen.add(doc._id);
    const acl = doc[ACL_OWNER_KEY];
    const owner = typeof acl === "string" && acl !== "" ? acl : pusher;
    let list = groups.get(owner);
    if (!list) groups.set(owner, (list = []));
    list.push(doc);
  }
  return groups;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
