import type { ObjNode } from "../../common/model/node.ts";
import type { RunEvent, TraceEntry } from "../../common/model/trace.ts";
import type { SessionApi, StopSignal } from "../../common/model/typedef.ts";
import type { DebugHooks } from "./interpreter.ts";
import { RunError } from "./run-error.ts";
import type { Runner } from "./runner.ts";
import { maskSecrets } from "./settings.ts";

const MAX_TRACE_VALUE_CHARS = 200_000;

/**
 * The state shared by everything a top-level run does (nested calls included): the runner it
 * belongs to, session, trace, time limit, stop signal, events. Made by `Runner.run`, one per run.
 */
export class RunContext implements StopSignal {
  readonly trace: TraceEntry[] = [];
  readonly started = Date.now();
  private seq = 0;
  /** Made only when something asks for an AbortSignal (`signal`); the run stops without one. */
  private controller: AbortController | undefined;
  private stopped = false;
  private reason: unknown;
  private stopListeners: (() => void)[] | undefined;
  /** Secrets of every project the run touched, masked in traces and logs. */
  readonly secrets = new Set<string>();
  /** What to do when the run ends (RunScope.onEnd: a SQL transaction left open is rolled back). */
  private endHooks: (() => Promise<void>)[] | undefined;
  private scopeOf: { onEnd(fn: () => Promise<void>): void } | undefined;
  /** The run as transactions see it across steps (TransactionContext.scope); made when first asked. */
  get scope(): { onEnd(fn: () => Promise<void>): void } {
    return (this.scopeOf ??= { onEnd: (fn) => void (this.endHooks ??= []).push(fn) });
  }

  /** Runs the onEnd functions (once; a failing one does not stop the others). */
  async runEndHooks(): Promise<void> {
    const hooks = this.endHooks;
    this.endHooks = undefined;
    for (const fn of hooks ?? []) await fn().catch(() => {});
  }

  constructor(
    /** Where nested calls, settings, services and the log come from. */
    readonly runner: Runner,
    readonly session: SessionApi,
    readonly opts: {
      trace: boolean;
      onEvent?: (ev: RunEvent) => void;
      debug?: DebugHooks;
      /** When the run must end (Infinity: no limit, as under the debugger). */
      deadline: number;
      /** The error a run past its deadline ends with. */
      timeLimitError?: () => RunError;
    },
  ) {}

  private lastYield = Date.now();
  /** Milliseconds spent paused in the debugger, and since when a pause under way lasts. */
  private pausedMs = 0;
  private pausedSince: number | undefined;
  private pauses = 0;

  /** The debugger paused the run (a step or a line breakpoint): paused time counts in no duration. */
  pauseBegin(): void {
    if (this.pauses++ === 0) this.pausedSince = Date.now();
  }

  pauseEnd(): void {
    if (this.pauses === 0) return;
    if (--this.pauses === 0 && this.pausedSince !== undefined) {
      this.pausedMs += Date.now() - this.pausedSince;
      this.pausedSince = undefined;
    }
  }

  /** Milliseconds the run has spent paused in the debugger. */
  pausedTotal(): number {
    return this.pausedMs + (this.pausedSince !== undefined ? Date.now() - this.pausedSince : 0);
  }

  /** Milliseconds since the run started, paused time left out. */
  elapsed(): number {
    return Date.now() - this.started - this.pausedTotal();
  }

  /** An AbortSignal of the run's stop, for code that needs a real one (made on first use). */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.stopped) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** Whether steps' inputs and outputs are recorded (a trace or an event listener). */
  get recording(): boolean {
    return this.opts.trace || this.opts.onEvent !== undefined;
  }

  /** Whether the run was stopped (by a caller, the debugger or its time limit). */
  get aborted(): boolean {
    return this.stopped;
  }

  /** Why the run was stopped (a RunError, usually). */
  get stopReason(): unknown {
    return this.reason;
  }

  /** Stops the run: listeners are called once, the AbortSignal (if any) aborts. */
  abort(reason: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.reason = reason;
    this.controller?.abort(reason);
    const listeners = this.stopListeners;
    this.stopListeners = undefined;
    for (const l of listeners ?? []) {
      try {
        l();
      } catch {
        // a listener's failure is its own
      }
    }
  }

  addEventListener(_type: "abort", listener: () => void): void {
    if (!this.stopped) (this.stopListeners ??= []).push(listener);
  }

  removeEventListener(_type: "abort", listener: () => void): void {
    const list = this.stopListeners;
    const i = list ? list.indexOf(listener) : -1;
    if (i >= 0) list!.splice(i, 1);
  }

  nextSeq(): number {
    return this.seq++;
  }

  /** A JSON copy of a value for the trace, secrets masked, huge values cut. */
  traceValue(value: unknown): unknown {
    if (value === undefined) return undefined;
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch {
      return "<not JSON>";
    }
    if (text === undefined) return undefined;
    if (this.secrets.size) text = maskSecrets(text, [...this.secrets]);
    if (text.length > MAX_TRACE_VALUE_CHARS) return `<${text.length} characters, not kept in the trace>`;
    return JSON.parse(text);
  }

  begin(node: ObjNode, project: string, parent: number | undefined, depth: number): TraceEntry {
    const entry: TraceEntry = {
      seq: this.nextSeq(),
      id: node.id,
      name: node.name,
      type: node.type,
      depth,
      start: this.elapsed(),
      status: "running",
      project,
    };
    if (parent !== undefined) entry.parent = parent;
    if (this.opts.trace) this.trace.push(entry);
    this.opts.onEvent?.({ kind: "step-start", entry });
    return entry;
  }

  end(entry: TraceEntry, output: unknown, error: RunError | undefined): void {
    entry.durationMs = this.elapsed() - entry.start;
    if (error) {
      entry.status = "error";
      entry.error = { code: error.code, message: this.mask(error.message), status: error.status };
      if (error.details !== undefined) entry.error.details = this.traceValue(error.details);
    } else {
      entry.status = "ok";
      if (this.opts.trace || this.opts.onEvent) {
        const v = this.traceValue(output);
        if (v !== undefined) entry.output = v;
      }
    }
    this.opts.onEvent?.({ kind: "step-end", entry });
  }

  mask(text: string): string {
    return this.secrets.size ? maskSecrets(text, [...this.secrets]) : text;
  }

  /** Throws when the run was stopped or is past its deadline. */
  checkAborted(): void {
    if (!this.stopped && Date.now() > this.opts.deadline) {
      this.abort(
        this.opts.timeLimitError?.() ?? new RunError("timeout", "The run went past its time limit", undefined, 500),
      );
    }
    if (this.stopped) {
      const reason = this.reason;
      throw reason instanceof RunError ? reason : new RunError("stopped", "The run was stopped", undefined, 500);
    }
  }

  /** The event loop's turn when this run last yielded or saw it turn (see `loopTurn`). */
  private turnSeen = -1;

  /**
   * Steps of a sequence are mostly synchronous work; a long run must not starve the event loop
   * (other requests, timers, a stop button). Yields to it every few milliseconds of work: of
   * work without a break, since a run that waited for I/O (an HTTP call) has already let the
   * event loop turn, and yielding again would only delay it. Answers a promise only when it
   * yields (a step costs no promise otherwise); throws when the run was stopped.
   */
  pace(): Promise<void> | undefined {
    const turn = loopTurn();
    const now = Date.now();
    if (turn !== this.turnSeen) {
      this.turnSeen = turn;
      this.lastYield = now;
    } else if (now - this.lastYield >= 10) {
      return this.yieldNow();
    }
    this.checkAborted();
    return undefined;
  }

  private async yieldNow(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.lastYield = Date.now();
    this.turnSeen = loopTurn();
    this.checkAborted();
  }
}

let turns = 0;
let armed = false;
const countTurn = () => {
  turns++;
  armed = false;
};

/**
 * A number that changes once the event loop has gone through a turn since it was last read: a
 * `setImmediate` (the check phase, after I/O) armed at the first read of each turn, one for the
 * whole process whatever the number of runs.
 */
function loopTurn(): number {
  if (!armed) {
    armed = true;
    setImmediate(countTurn).unref();
  }
  return turns;
}
