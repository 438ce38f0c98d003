import os from "node:os";
import { MessageChannel, Worker, type MessagePort, type ResourceLimits } from "node:worker_threads";

/**
 * The worker threads that run sandboxed JavaScript (sandbox-worker.mjs), so that a JavaScript
 * step, however long it loops, never holds the engine's event loop. A context (one QuickJS
 * runtime, one sequence run) lives in one worker for its whole life; a new context goes to a
 * worker that hosts none, and one spare worker is kept ready while the pool is below its
 * maximum, so a run that loops only ever delays the runs that share its worker once the pool is
 * at its maximum. Idle workers do not keep the process alive.
 */

/** What a worker answers to an evaluation. */
export type EvalReply =
  | { ok: true; json?: string }
  | {
      ok: false;
      code: string;
      message: string;
      /** Where in the value a problem of the output was found (keys and indexes). */
      path?: (string | number)[];
      /** A timeout that came from the run's own deadline. */
      runLimit?: boolean;
    };

export interface ContextSpec {
  timeLimitMs: number;
  memoryBytes: number;
  /** Absolute deadline (ms since epoch) of the run; Infinity for none. */
  deadline: number;
  /** Host functions defined as globals, and objects of host functions (session.get...). */
  functions: string[];
  namespaces: Record<string, string[]>;
  /**
   * Answers a call of a host function ("log", "session.get"); throws to raise an error there. A
   * promise (the debugger's "__atl.pause") is answered when it settles; meanwhile the worker is
   * not taken for hung.
   */
  host(fn: string, args: unknown[]): unknown;
  /** A debugged context: `__atl.pause` exists there (line breakpoints); `exclude`: globals a pause does not show. */
  debug?: { exclude: string[] };
}

export interface EvalRequest {
  mode: "code" | "globals";
  code?: string;
  file?: string;
  /** Globals to set first: name and JSON text (undefined for the value undefined). */
  globals?: [string, string | undefined][];
  exclude?: string[];
  /** Top-level let / const names to show with the globals (mode "globals"). */
  lexicals?: string[];
}

export interface PoolOptions {
  /** Workers kept when idle (default: the number of cores). */
  base?: number;
  /** Most workers at once (default: twice the cores, plus two). */
  max?: number;
  /** An empty worker beyond `base` ends after this long unused. */
  idleMs?: number;
  /** How long past an evaluation's time limit a silent worker is taken as hung and ended. */
  graceMs?: number;
  resourceLimits?: ResourceLimits;
  /** Where faults of the machinery are reported (never to callers). */
  onFault?: (message: string) => void;
  /**
   * Keep one empty worker ready so the next run does not wait for a thread (default true). A
   * one-shot CLI command has no next run: a spare would only take a core and delay its exit.
   */
  spare?: boolean;
}

const WORKER_URL = new URL("./sandbox-worker.mjs", import.meta.url);

/** Most levels of nesting of a value leaving a sandbox (output, host function argument). */
export const MAX_OUTPUT_DEPTH = 256;
/** Most characters of JSON of a value leaving a sandbox. */
export const MAX_OUTPUT_CHARS = 8 * 1024 * 1024;

const CRASHED: EvalReply = { ok: false, code: "sandbox_crashed", message: "" };
const CLOSED: EvalReply = { ok: false, code: "sandbox_closed", message: "" };

interface PendingCall {
  ctx: PoolContext;
  resolve(reply: EvalReply): void;
}

class PoolWorker {
  readonly worker: Worker;
  private readonly hostPort: MessagePort;
  private readonly signal: Int32Array;
  readonly contexts = new Map<number, PoolContext>();
  /** Evaluations sent and not answered, in the order the worker runs them. */
  readonly calls = new Map<number, PendingCall>();
  readonly ready: Promise<void>;
  isReady = false;
  dead = false;
  idleSince = Date.now();
  private readyWaiters = 0;
  private refd = true;
  private watchdog: NodeJS.Timeout | undefined;
  /** When the worker last said anything while it had work (see watch()). */
  private lastHeard = 0;
  /** Host calls answered later (a debugger's pause): the worker waits for us, it is not hung. */
  hostWaits = 0;
  /** Contexts to free, sent together (nobody waits for it). */
  private closing: number[] = [];
  private fault: string | undefined;
  /** The pool ended this worker itself (idle, hung, closing): no fault to report on exit. */
  ended = false;
  /** Takes no new context; ends once empty (its WebAssembly memory grew large). */
  retiring = false;
  private markReady!: () => void;

  constructor(
    private readonly pool: SandboxPool,
    private readonly opts: Required<Pick<PoolOptions, "graceMs" | "onFault">> & { resourceLimits: ResourceLimits },
  ) {
    const { port1, port2 } = new MessageChannel();
    // [0]: bumped when a host answer is posted (the worker waits on it); [1]: a call to stop.
    const shared = new SharedArrayBuffer(8);
    this.signal = new Int32Array(shared);
    this.hostPort = port2;
    // Only written to (the worker reads it synchronously): it must not keep the process alive.
    port2.unref();
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.worker = new Worker(WORKER_URL, {
      workerData: { hostPort: port1, signal: shared, maxDepth: MAX_OUTPUT_DEPTH, maxChars: MAX_OUTPUT_CHARS },
      transferList: [port1],
      // A plain ES module: none of the parent's loaders (tsx, vitest) and none of its environment.
      execArgv: [],
      env: {},
      resourceLimits: opts.resourceLimits,
      name: "atelier-sandbox",
    });
    this.worker.on("message", (m: WorkerMessage) => this.onMessage(m));
    this.worker.on("error", (e) => {
      this.fault = e instanceof Error ? e.message : String(e);
    });
    this.worker.on("exit", (code) => this.onExit(code));
    // After the listeners: adding a "message" listener refs the worker again.
    this.worker.unref();
    this.refd = false;
  }

  /** Waits until the worker has loaded QuickJS (keeping the process alive meanwhile). */
  async whenReady(): Promise<void> {
    if (this.isReady || this.dead) return;
    this.readyWaiters++;
    this.updateRef();
    try {
      await this.ready;
    } finally {
      this.readyWaiters--;
      this.updateRef();
    }
  }

  /** Sends an evaluation; the context is opened in the worker by its first one. */
  call(ctx: PoolContext, id: number, req: EvalRequest, open: object | undefined): Promise<EvalReply> {
    return new Promise((resolve) => {
      if (this.calls.size === 0) this.watch();
      this.calls.set(id, { ctx, resolve });
      this.updateRef();
      const message: Record<string, unknown> = { t: "eval", id: ctx.id, call: id, ...req };
      if (open) message.open = open;
      if (this.closing.length) message.close = this.takeClosing();
      this.worker.postMessage(message);
    });
  }

  /** Frees a context in the worker, with the next message or shortly. */
  closeContext(id: number): void {
    if (this.dead) return;
    this.closing.push(id);
    if (this.closing.length === 1) {
      setImmediate(() => {
        if (this.closing.length && !this.dead) this.worker.postMessage({ t: "close", ids: this.takeClosing() });
      }).unref();
    }
  }

  /** Stops an evaluation under way or queued (its run has ended): the worker is free sooner. */
  cancel(call: number): void {
    if (this.dead || !this.calls.has(call)) return;
    Atomics.store(this.signal, 1, call);
    // A worker waiting for a host answer (a debugger's pause) sees it at once.
    Atomics.notify(this.signal, 0);
  }

  private takeClosing(): number[] {
    const ids = this.closing;
    this.closing = [];
    return ids;
  }

  /** The worker keeps the process alive only while someone waits for it. */
  private updateRef(): void {
    if (this.dead) return;
    const want = this.calls.size > 0 || this.readyWaiters > 0;
    if (want === this.refd) return;
    this.refd = want;
    if (want) this.worker.ref();
    else this.worker.unref();
  }

  /**
   * Every message of a sound worker comes within an evaluation's time limit (its interrupt
   * handler and its waits for host answers see to that): a worker silent longer while it has
   * work is stuck in native code, and is ended. One timer, re-armed only when it fires.
   */
  private watch(): void {
    this.lastHeard = Date.now();
    if (this.watchdog) return;
    const check = () => {
      this.watchdog = undefined;
      const head = this.calls.values().next().value;
      if (!head || this.dead) return;
      const limit = head.ctx.spec.timeLimitMs + this.opts.graceMs;
      if (this.hostWaits > 0) this.lastHeard = Date.now();
      const silent = Date.now() - this.lastHeard;
      if (silent >= limit) return this.hung();
      this.watchdog = setTimeout(check, limit - silent);
      this.watchdog.unref();
    };
    const head = this.calls.values().next().value;
    this.watchdog = setTimeout(check, (head?.ctx.spec.timeLimitMs ?? 0) + this.opts.graceMs);
    this.watchdog.unref();
  }

  private hung(): void {
    const head = this.calls.entries().next().value;
    if (!head) return;
    this.calls.delete(head[0]);
    head[1].resolve({ ok: false, code: "js_timeout", message: "" });
    this.opts.onFault(`a sandbox worker did not answer within its time limit and was ended`);
    this.ended = true;
    void this.worker.terminate();
  }

  private onMessage(m: WorkerMessage): void {
    this.lastHeard = Date.now();
    switch (m.t) {
      case "ready":
        this.isReady = true;
        this.markReady();
        this.updateRef();
        return;
      case "done": {
        const pending = this.calls.get(m.call);
        if (!pending) return;
        this.calls.delete(m.call);
        this.updateRef();
        pending.resolve(m);
        if (this.retiring) this.pool.retireIfEmpty(this);
        return;
      }
      case "host":
        this.answerHost(m);
        return;
      case "fault":
        this.fault = m.message;
        return;
      case "retire":
        this.retiring = true;
        this.pool.retireIfEmpty(this);
        return;
    }
  }

  private answerHost(m: Extract<WorkerMessage, { t: "host" }>): void {
    type Reply = { seq: number; ok: boolean; json?: string; message?: string };
    const ok = (value: unknown): Reply => {
      const reply: Reply = { seq: m.seq, ok: true };
      const json = value === undefined ? undefined : JSON.stringify(value);
      if (json !== undefined) reply.json = json;
      return reply;
    };
    const failed = (e: unknown): Reply => ({
      seq: m.seq,
      ok: false,
      message: e instanceof Error ? e.message : String(e),
    });
    const ctx = this.contexts.get(m.id);
    if (!ctx || ctx.closed) {
      this.postHost({ seq: m.seq, ok: false, message: `${m.fn}(): the run has ended` });
      return;
    }
    let value: unknown;
    try {
      const args = m.args.map((a) => (a === undefined ? undefined : JSON.parse(a)));
      value = ctx.spec.host(m.fn, args);
    } catch (e) {
      this.postHost(failed(e));
      return;
    }
    if (!(value instanceof Promise)) {
      let reply: Reply;
      try {
        reply = ok(value);
      } catch (e) {
        reply = failed(e);
      }
      this.postHost(reply);
      return;
    }
    // Answered later (the debugger's pause): the worker waits on the channel meanwhile.
    this.hostWaits++;
    value
      .then(ok, failed)
      .catch(failed)
      .then((reply) => {
        this.hostWaits--;
        this.lastHeard = Date.now();
        if (!this.dead) this.postHost(reply);
      });
  }

  private postHost(reply: { seq: number; ok: boolean; json?: string; message?: string }): void {
    this.hostPort.postMessage(reply);
    Atomics.add(this.signal, 0, 1);
    Atomics.notify(this.signal, 0);
  }

  private onExit(code: number): void {
    this.dead = true;
    clearTimeout(this.watchdog);
    this.hostPort.close();
    if (!this.isReady) this.markReady();
    const busy = this.calls.size > 0 || this.contexts.size > 0;
    if (busy && !this.ended && !this.pool.closing) {
      this.opts.onFault(
        `a sandbox worker stopped (exit code ${code}${this.fault ? `: ${this.fault}` : ""}); its runs end with an error`,
      );
    }
    for (const c of this.calls.values()) c.resolve(this.pool.closing ? CLOSED : CRASHED);
    this.calls.clear();
    for (const ctx of this.contexts.values()) ctx.dead = true;
    this.contexts.clear();
    this.pool.removed(this);
  }
}

type WorkerMessage =
  | { t: "ready" }
  | ({ t: "done"; call: number } & EvalReply)
  | { t: "host"; id: number; seq: number; fn: string; args: (string | undefined)[] }
  | { t: "fault"; message: string }
  | { t: "retire" };

/** One sandbox context, as the main thread holds it. */
export class PoolContext {
  closed = false;
  dead = false;
  /** Sent to the worker with the first evaluation. */
  private opened = false;
  /** The evaluations under way. */
  private readonly pending = new Set<number>();

  constructor(
    private readonly pool: SandboxPool,
    readonly id: number,
    readonly worker: PoolWorker,
    readonly spec: ContextSpec,
  ) {}

  /** Runs a request in the context. Never rejects: faults come back as replies. */
  call(req: EvalRequest): Promise<EvalReply> {
    if (this.dead) return Promise.resolve(CRASHED);
    if (this.closed) return Promise.resolve(CLOSED);
    let open: object | undefined;
    if (!this.opened) {
      this.opened = true;
      const { timeLimitMs, memoryBytes, deadline, functions, namespaces, debug } = this.spec;
      open = { timeLimitMs, memoryBytes, deadline, functions, namespaces, ...(debug ? { debug } : {}) };
    }
    const id = this.pool.nextCallId();
    this.pending.add(id);
    return this.worker.call(this, id, req, open).finally(() => this.pending.delete(id));
  }

  /** Frees the context in its worker (no answer awaited). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.dead) return;
    this.worker.contexts.delete(this.id);
    for (const call of this.pending) this.worker.cancel(call);
    if (this.opened) this.worker.closeContext(this.id);
    if (this.worker.contexts.size === 0) this.worker.idleSince = Date.now();
    this.pool.retireIfEmpty(this.worker);
    this.pool.scheduleTrim();
  }
}

export class SandboxPool {
  private readonly workers: PoolWorker[] = [];
  private nextContext = 1;
  private nextCall = 1;
  private trimTimer: NodeJS.Timeout | undefined;
  closing = false;
  readonly base: number;
  readonly max: number;
  private readonly idleMs: number;
  private readonly spare: boolean;
  private readonly workerOpts: ConstructorParameters<typeof PoolWorker>[1];

  constructor(opts: PoolOptions = {}) {
    const cores = Math.max(1, os.availableParallelism());
    this.base = Math.max(1, opts.base ?? cores);
    this.max = Math.max(this.base, opts.max ?? cores * 2 + 2);
    this.idleMs = opts.idleMs ?? 30_000;
    this.spare = opts.spare ?? true;
    this.workerOpts = {
      graceMs: opts.graceMs ?? 2000,
      onFault: opts.onFault ?? ((message) => console.error(`[sandbox] ${message}`)),
      // A backstop: QuickJS's memory lives in WebAssembly memory under each runtime's own limit;
      // the worker's JavaScript heap only holds messages.
      resourceLimits: opts.resourceLimits ?? { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 32 },
    };
  }

  nextCallId(): number {
    return this.nextCall++;
  }

  /** Starts one worker if there is none, and waits until one is ready. */
  async warm(): Promise<void> {
    const live = this.live();
    await (live[0] ?? this.spawn()).whenReady();
  }

  /** A new context in the least loaded worker; resolves once that worker is ready. */
  async open(spec: ContextSpec): Promise<PoolContext> {
    if (this.closing) throw new Error("The sandbox pool is closed");
    const worker = this.pick();
    const ctx = new PoolContext(this, this.nextContext++, worker, spec);
    worker.contexts.set(ctx.id, ctx);
    this.keepSpare();
    await worker.whenReady();
    return ctx;
  }

  /** Workers that take new contexts. */
  private live(): PoolWorker[] {
    return this.workers.filter((w) => !w.dead && !w.retiring);
  }

  /** Ends a retiring worker once it hosts nothing. */
  retireIfEmpty(w: PoolWorker): void {
    if (!w.retiring || w.dead || !isEmpty(w)) return;
    w.dead = true;
    w.ended = true;
    void w.worker.terminate();
  }

  private pick(): PoolWorker {
    const live = this.live();
    // A worker hosting no context (ready ones first): a new run shares a thread with nobody.
    const empty = live.filter(isEmpty).sort((a, b) => Number(b.isReady) - Number(a.isReady));
    if (empty[0]) return empty[0];
    if (live.length < this.max) return this.spawn();
    // At the maximum: the worker with the fewest contexts, then the fewest evaluations under way;
    // one held by a debugger's pause only when every worker is.
    const free = live.filter((w) => w.hostWaits === 0);
    return (free.length ? free : live).reduce((a, b) =>
      b.contexts.size < a.contexts.size || (b.contexts.size === a.contexts.size && b.calls.size < a.calls.size) ? b : a,
    );
  }

  /** Keeps one empty worker ready so that the next run does not wait for a thread to start. */
  private keepSpare(): void {
    if (!this.spare) return;
    const live = this.live();
    if (live.length < this.max && !live.some(isEmpty)) this.spawn();
  }

  private spawn(): PoolWorker {
    const w = new PoolWorker(this, this.workerOpts);
    this.workers.push(w);
    return w;
  }

  removed(w: PoolWorker): void {
    const i = this.workers.indexOf(w);
    if (i >= 0) this.workers.splice(i, 1);
  }

  /** Ends empty workers beyond `base` once they have been idle for a while. */
  scheduleTrim(): void {
    if (this.trimTimer || this.closing) return;
    this.trimTimer = setTimeout(() => {
      this.trimTimer = undefined;
      const now = Date.now();
      const empty = this.live()
        .filter(isEmpty)
        .sort((a, b) => a.idleSince - b.idleSince);
      let extra = this.live().length - this.base;
      for (const w of empty) {
        if (extra <= 0) break;
        if (now - w.idleSince < this.idleMs) continue;
        extra--;
        w.dead = true;
        w.ended = true;
        void w.worker.terminate();
      }
      if (this.live().length > this.base) this.scheduleTrim();
    }, this.idleMs);
    this.trimTimer.unref();
  }

  /** Numbers for tests and diagnostics. */
  stats(): { workers: number; ready: number; contexts: number; busy: number; emptyReady: number } {
    const live = this.live();
    return {
      workers: live.length,
      ready: live.filter((w) => w.isReady).length,
      contexts: live.reduce((n, w) => n + w.contexts.size, 0),
      busy: live.filter((w) => w.calls.size > 0).length,
      emptyReady: live.filter((w) => w.isReady && isEmpty(w)).length,
    };
  }

  /** The worker threads (for tests that check how a dead worker is handled). */
  threads(): Worker[] {
    return this.live().map((w) => w.worker);
  }

  /** Ends every worker; their runs end with an error. */
  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.trimTimer);
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}

/** No context, and no evaluation still finishing for a context that has closed. */
function isEmpty(w: PoolWorker): boolean {
  return w.contexts.size === 0 && w.calls.size === 0;
}

let shared: SandboxPool | undefined;
let sharedOptions: PoolOptions = {};

/** The process's pool (created on first use). */
export function sandboxPool(): SandboxPool {
  if (!shared || shared.closing) shared = new SandboxPool(sharedOptions);
  return shared;
}

/** Options of the process's pool, for a pool created after this call (the CLI's `spare: false`). */
export function configureSandboxPool(opts: PoolOptions): void {
  sharedOptions = { ...opts };
}

/** Ends the process's pool (a later use starts a new one). */
export async function closeSandboxPool(): Promise<void> {
  const p = shared;
  shared = undefined;
  await p?.close();
}
