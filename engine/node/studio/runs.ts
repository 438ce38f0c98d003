import { randomBytes } from "node:crypto";
import type { TraceEntry } from "../../common/model/trace.ts";
import type { DebugAction, RunStart, RunStreamEvent } from "../../common/studio/api.ts";
import type { Engine, RunResult } from "../engine.ts";
import type { DebugHooks } from "../runtime/interpreter.ts";
import { StudioError } from "./studio-service.ts";

/**
 * The debugger of one run: pauses before steps that carry a breakpoint (or before every step
 * when stepping), shows the scope, and waits for the user's continue / step / stop.
 */
export class DebugSession implements DebugHooks {
  private readonly breakpoints: Set<string>;
  private stepping = false;
  private stopped = false;
  private waiting: ((action: DebugAction) => void) | undefined;
  private pausedAt: TraceEntry | undefined;

  constructor(
    breakpoints: Iterable<string>,
    private readonly emit: (ev: RunStreamEvent) => void,
  ) {
    this.breakpoints = new Set(breakpoints);
  }

  get paused(): TraceEntry | undefined {
    return this.pausedAt;
  }

  setBreakpoints(ids: Iterable<string>): void {
    this.breakpoints.clear();
    for (const id of ids) this.breakpoints.add(id);
  }

  async beforeStep(entry: TraceEntry, scope: () => Record<string, unknown>): Promise<void | "stop"> {
    if (this.stopped) return "stop";
    if (!this.stepping && !this.breakpoints.has(entry.id)) return undefined;
    this.pausedAt = entry;
    this.emit({ kind: "paused", entry: { ...entry }, scope: scope() });
    const action = await new Promise<DebugAction>((resolve) => {
      this.waiting = resolve;
    });
    this.waiting = undefined;
    this.pausedAt = undefined;
    if (action === "stop") {
      this.stopped = true;
      return "stop";
    }
    this.stepping = action === "step";
    this.emit({ kind: "resumed", entry: { ...entry, status: "running" } });
    return undefined;
  }

  /** Answers the pause under way; a stop given while running ends the run at the next step. */
  command(action: DebugAction): boolean {
    if (action === "stop") this.stopped = true;
    if (action === "step" && !this.waiting) this.stepping = true;
    const w = this.waiting;
    if (w) w(action);
    return Boolean(w) || action !== "continue";
  }
}

interface LiveRun {
  id: string;
  debug?: DebugSession;
  abort: AbortController;
  done: Promise<RunResult>;
}

/** Runs started from the Studio: streamed, stoppable, debuggable. */
export class StudioRuns {
  private readonly live = new Map<string, LiveRun>();

  constructor(private readonly engine: Engine) {}

  /**
   * Starts a run and streams its events to `emit` (the run id first); resolves with the result
   * when the run ends.
   */
  start(req: RunStart, emit: (ev: RunStreamEvent) => void): { runId: string; done: Promise<RunResult> } {
    if (!req || typeof req.project !== "string") throw new StudioError(400, "invalid_run", "A project is required");
    if (!req.sequence && !req.transaction && !req.connector) {
      throw new StudioError(400, "invalid_run", "Give a sequence, or a connector and a transaction");
    }
    const inputs = req.inputs && typeof req.inputs === "object" && !Array.isArray(req.inputs) ? req.inputs : {};
    const runId = randomBytes(8).toString("hex");
    const abort = new AbortController();
    const debug = req.debug ? new DebugSession(req.breakpoints ?? [], emit) : undefined;
    emit({ kind: "run", runId });
    const done = this.engine
      .run({
        project: req.project,
        ...(req.sequence
          ? { sequence: req.sequence }
          : {
              ...(req.connector ? { connector: req.connector } : {}),
              ...(req.transaction ? { transaction: req.transaction } : {}),
            }),
        inputs,
        runId,
        trace: true,
        onEvent: (ev) => emit(ev),
        ...(debug ? { debug } : {}),
        signal: abort.signal,
      })
      .finally(() => this.live.delete(runId));
    this.live.set(runId, { id: runId, abort, done, ...(debug ? { debug } : {}) });
    return { runId, done };
  }

  /** continue / step / stop for a run; stop also ends runs started without the debugger. */
  command(runId: string, action: DebugAction): void {
    const run = this.live.get(runId);
    if (!run) throw new StudioError(404, "unknown_run", `There is no run ${runId} under way`);
    if (!["continue", "step", "stop"].includes(action)) {
      throw new StudioError(400, "invalid_action", `Unknown debugger action "${String(action)}"`);
    }
    if (run.debug) run.debug.command(action);
    if (action === "stop") run.abort.abort();
    else if (!run.debug) throw new StudioError(409, "not_debugging", "This run was not started in the debugger");
  }

  setBreakpoints(runId: string, ids: string[]): void {
    const run = this.live.get(runId);
    if (!run?.debug) throw new StudioError(404, "unknown_run", `There is no debugged run ${runId} under way`);
    run.debug.setBreakpoints(ids);
  }

  /** Stops every run (engine shutdown). */
  async stopAll(): Promise<void> {
    const runs = [...this.live.values()];
    for (const r of runs) {
      r.debug?.command("stop");
      r.abort.abort();
    }
    await Promise.allSettled(runs.map((r) => r.done));
  }
}
