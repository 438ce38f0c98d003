/**
 * Follows a database's change feed in order, in batches, and hands each batch to a handler
 * (the principal index, the group cache). Works the same over a local PouchDB and over an
 * external CouchDB (PouchDB's http adapter): a live `changes` listener only rings a doorbell,
 * and the follower then reads what is new with ordinary `changes` calls from where it stopped,
 * so a missed or duplicated notification costs nothing. Over HTTP a periodic poll backs the
 * doorbell up.
 */
import { describeError } from "./errors.ts";
import type { ChangeRow, ChangesEmitter, PouchDb } from "./pouch.ts";

export interface FollowerOptions {
  db: PouchDb;
  since: number | string;
  batchSize?: number;
  includeDocs?: boolean;
  /** Handles one batch; the follower resumes after `lastSeq` once it resolves. */
  onBatch(rows: ChangeRow[], lastSeq: number | string): Promise<void>;
  /** A failure, said in words; `error` tells an outage of the database (BackendError) from the rest. */
  onError(message: string, error: unknown): void;
  /** Poll period when the doorbell cannot be trusted (remote databases); 0 = never. */
  pollMs?: number;
}

export class ChangeFollower {
  private since: number | string;
  private stopped = false;
  private dirty = true;
  private wake: (() => void) | undefined;
  private bell: ChangesEmitter | undefined;
  private loopDone: Promise<void> | undefined;
  private requested = 0;
  private completed = 0;
  private flushWaiters: { target: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private pollTimer: NodeJS.Timeout | undefined;
  private bellRetry: NodeJS.Timeout | undefined;
  private bellDelay = 1000;
  private failure: unknown;

  constructor(private readonly o: FollowerOptions) {
    this.since = o.since;
  }

  get position(): number | string {
    return this.since;
  }

  /** Starts following; resolves once the feed has been read up to its end once. */
  async start(): Promise<void> {
    this.listen();
    if (this.o.pollMs) {
      this.pollTimer = setInterval(() => this.ring(), this.o.pollMs);
      this.pollTimer.unref();
    }
    this.loopDone = this.loop();
    await this.flush();
  }

  /** Resolves when every change written before the call has been handed to `onBatch`. */
  flush(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const target = ++this.requested;
    this.ring();
    return new Promise((resolve, reject) => {
      if (this.failure) reject(this.failure);
      else this.flushWaiters.push({ target, resolve, reject });
    });
  }

  /** Stops following and releases the feed and timers (idempotent). */
  async close(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.bellRetry) clearTimeout(this.bellRetry);
    this.bell?.cancel();
    this.ring();
    await this.loopDone;
    for (const w of this.flushWaiters.splice(0)) w.resolve();
  }

  private ring(): void {
    this.dirty = true;
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private listen(): void {
    if (this.stopped) return;
    try {
      const feed = this.o.db.changes({ live: true, since: "now", return_docs: false, heartbeat: 10_000 });
      this.bell = feed;
      feed.on("change", () => {
        this.bellDelay = 1000;
        this.ring();
      });
      feed.on("error", (e: unknown) => {
        if (this.stopped) return;
        this.o.onError(`change notifications of ${this.o.db.name} stopped: ${describeError(e)}; listening again`, e);
        // Again at once after a feed that worked a while; slower while the database fails.
        this.bellRetry = setTimeout(() => this.listen(), this.bellDelay);
        this.bellRetry.unref();
        this.bellDelay = Math.min(this.bellDelay * 2, 10_000);
        this.ring();
      });
    } catch (e) {
      this.o.onError(`cannot listen to ${this.o.db.name}: ${describeError(e)}`, e);
    }
  }

  private async loop(): Promise<void> {
    let backoff = 100;
    while (!this.stopped) {
      if (!this.dirty) {
        await new Promise<void>((r) => (this.wake = r));
        continue;
      }
      this.dirty = false;
      const round = this.requested;
      try {
        for (;;) {
          const res = await this.o.db.changes({
            since: this.since,
            limit: this.o.batchSize ?? 500,
            // PouchDB's http adapter reads a feed in requests of 25 rows unless told otherwise:
            // one request per batch (rebuilding an index of 100,000 documents: 200 requests, not 4,000).
            batch_size: this.o.batchSize ?? 500,
            style: "all_docs",
            include_docs: this.o.includeDocs ?? true,
            return_docs: true,
          });
          if (this.stopped) return;
          if (res.results.length === 0) break;
          await this.o.onBatch(res.results, res.last_seq);
          this.since = res.last_seq;
        }
        backoff = 100;
        this.completed = round;
        this.failure = undefined;
        const done = this.flushWaiters.filter((w) => w.target <= this.completed);
        this.flushWaiters = this.flushWaiters.filter((w) => w.target > this.completed);
        for (const w of done) w.resolve();
      } catch (e) {
        if (this.stopped) return;
        this.o.onError(`reading the changes of ${this.o.db.name} failed: ${describeError(e)}; retrying`, e);
        this.failure = e;
        // Waiters learn of a failure that lasts (a few attempts, each with its time limit): one
        // slow read does not undo a start that read most of the feed.
        if (backoff >= 3200) for (const w of this.flushWaiters.splice(0)) w.reject(e);
        this.dirty = true;
        await new Promise<void>((r) => {
          const t = setTimeout(r, backoff);
          t.unref();
        });
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }
}
