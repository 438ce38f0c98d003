import type { ObjNode } from "../../common/model/node.ts";
import type { RunEvent, TraceEntry } from "../../common/model/trace.ts";
import type { SessionApi } from "../../common/model/typedef.ts";
import type { DebugHooks } from "./interpreter.ts";
import { RunError } from "./run-error.ts";
import type { Runner } from "./runner.ts";
import { maskSecrets } from "./settings.ts";

const MAX_TRACE_VALUE_CHARS = 200_000;

/**
 * The state shared by everything a top-level run does (nested calls included): the runner it
 * belongs to, session, trace, time limit, stop signal, events. Made by `Runner.run`, one per run.
 */
export class RunContext {
  readonly trace: TraceEntry[] = [];
  readonly started = Date.now();
  private seq = 0;
  readonly controller = new AbortController();
  /** Secrets of every project the run touched, masked in traces and logs. */
  readonly secrets = new Set<string>();

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

  get signal(): AbortSignal {
    return this.controller.signal;
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
      ...(parent !== undefined ? { parent } : {}),
    };
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
    if (!this.signal.aborted && Date.now() > this.opts.deadline) {
      this.controller.abort(
        this.opts.timeLimitError?.() ?? new RunError("timeout", "The run went past its time limit", undefined, 500),
      );
    }
    if (this.signal.aborted) {
      const reason = this.signal.reason;
      throw reason instanceof RunError ? reason : new RunError("stopped", "The run was stopped", undefined, 500);
    }
  }

  /**
   * Steps of a sequence are mostly synchronous work; a long run must not starve the event loop
   * (other requests, timers, a stop button). Yields to it every few milliseconds of work.
   */
  async pace(): Promise<void> {
    const now = Date.now();
    if (now - this.lastYield >= 10) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.lastYield = Date.now();
    }
    this.checkAborted();
  }
}
