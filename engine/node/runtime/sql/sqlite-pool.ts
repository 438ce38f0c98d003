import { Worker } from "node:worker_threads";
import type { RunScope } from "../../../common/model/typedef.ts";
import {
  cancelFailure,
  openAfter,
  jsonRow,
  watchCancel,
  type DriverAnswer,
  type RunOptions,
  type SqlPool,
  type Statements,
} from "./sql-driver.ts";

const WORKER_URL = new URL("./sqlite-worker.mjs", import.meta.url);

/**
 * The embedded SQLite database of one file (or of memory), on its own thread (sqlite-worker.mjs).
 * Batches run one at a time. A time limit or a stop ends the thread: the batch's changes are
 * lost (as a rollback would lose them) and the next batch opens the file again. A run that
 * leaves a transaction open (BEGIN in one step, COMMIT in a later one) holds the database until
 * it closes it or ends (then it is rolled back): other batches wait, as SQLite's writers do.
 */
export class SqlitePool implements SqlPool {
  private worker: Worker | undefined;
  private ready: Promise<Worker> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  private closed = false;

  /** `file`: the database's file, or undefined for a database in memory. */
  constructor(private readonly file: string | undefined) {}

  /** The run holding the database inside its transaction, and what lets the others go on. */
  private holder: { scope: RunScope; release: () => void } | undefined;

  run(statements: Statements, opts: RunOptions): Promise<DriverAnswer> {
    const scope = opts.scope;
    if (scope && this.holder?.scope === scope) return this.runHeld(scope, statements, opts);
    return new Promise<DriverAnswer>((answer) => {
      const turn = this.queue.then(async () => {
        const a = await this.runNow(statements, opts);
        if (!scope || !openAfter(false, statements, a)) return answer(a);
        // The queue stays on this turn until the run's transaction ends.
        const gate = new Promise<void>((release) => (this.holder = { scope, release }));
        scope.onEnd(() => this.endHold(scope, true));
        answer(a);
        await gate;
      });
      this.queue = turn.catch(() => {});
    });
  }

  private async runHeld(scope: RunScope, statements: Statements, opts: RunOptions): Promise<DriverAnswer> {
    const a = await this.runNow(statements, opts);
    if (!openAfter(true, statements, a)) await this.endHold(scope, false);
    return a;
  }

  /** Ends a run's hold of the database (rolling back what it left open when it ended first). */
  private async endHold(scope: RunScope, rollback: boolean): Promise<void> {
    const h = this.holder;
    if (h?.scope !== scope) return;
    if (rollback && this.worker) await this.runNow([{ text: "ROLLBACK", params: [] }], { timeoutMs: 10000 });
    this.holder = undefined;
    h.release();
  }

  private start(): Promise<Worker> {
    return (this.ready ??= new Promise<Worker>((resolve, reject) => {
      const w = new Worker(WORKER_URL, { workerData: { file: this.file }, execArgv: [] });
      this.worker = w;
      const onError = (e: unknown) => {
        this.worker = undefined;
        this.ready = undefined;
        reject(e instanceof Error ? e : new Error(String(e)));
      };
      w.once("error", onError);
      w.once("message", () => {
        w.off("error", onError);
        w.on("error", () => this.drop(w));
        w.on("exit", () => this.drop(w));
        resolve(w);
      });
    }));
  }

  private drop(w: Worker): void {
    if (this.worker !== w) return;
    this.worker = undefined;
    this.ready = undefined;
  }

  private async runNow(statements: Statements, opts: RunOptions): Promise<DriverAnswer> {
    if (this.closed) return { results: [], failure: { kind: "connect", message: "the database is closed" } };
    let worker: Worker;
    try {
      worker = await this.start();
    } catch (e) {
      return {
        results: [],
        failure: { kind: "connect", message: `the embedded database did not open: ${(e as Error).message}` },
      };
    }
    const id = this.nextId++;
    return new Promise<DriverAnswer>((resolve) => {
      const finish = (a: DriverAnswer) => {
        watch.done();
        worker.unref();
        worker.off("message", onMessage);
        worker.off("exit", onExit);
        resolve(a);
      };
      const onMessage = (m: { id: number; results: DriverAnswer["results"]; failure?: DriverAnswer["failure"] }) => {
        if (m.id !== id) return;
        for (const r of m.results) r.rows?.forEach(jsonRow);
        finish(m.failure ? { results: m.results, failure: m.failure } : { results: m.results });
      };
      const onExit = () => {
        const why = watch.why;
        finish({
          results: [],
          failure: why
            ? cancelFailure(why, opts.timeoutMs)
            : { kind: "query", message: "the embedded database stopped" },
        });
      };
      const watch = watchCancel(opts, () => {
        this.drop(worker);
        void worker.terminate();
      });
      worker.on("message", onMessage);
      worker.on("exit", onExit);
      // Idle, the thread keeps no process alive (`atelier run` ends when its run does).
      worker.ref();
      worker.postMessage({ id, statements });
    });
  }

  holds(): boolean {
    return this.holder !== undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    const h = this.holder;
    this.holder = undefined;
    h?.release();
    await this.queue;
    const w = this.worker;
    this.drop(w as Worker);
    await w?.terminate();
  }
}
