import { randomBytes } from "node:crypto";
import { walk, type ObjNode } from "../../common/model/node.ts";
import { getType } from "../../common/model/registry.ts";
import type { LineBreakpoints } from "../../common/studio/projects.ts";
import type { TraceEntry } from "../../common/model/trace.ts";
import type { DebugAction, RunStart, RunStreamEvent } from "../../common/studio/api.ts";
import type { Engine, RunResult } from "../engine.ts";
import type { DebugHooks } from "../runtime/interpreter.ts";
import { StudioError } from "./studio-service.ts";

/**
 * The debugger of one run: pauses before steps that carry a breakpoint (or before every step
 * when stepping, or before the first step of a run debugged without a breakpoint in it), at
 * lines of JavaScript steps that carry one (or at every line when stepping there), shows the
 * scope, and waits for the user's continue / step / stop.
 */
export class DebugSession implements DebugHooks {
  private readonly breakpoints: Set<string>;
  private lines: LineBreakpoints = {};
  private stepping = false;
  /** "Step" at a line pause: the next line of JavaScript pauses too. */
  private lineStepping = false;
  private pauseAtStart: boolean;
  private stopped = false;
  private waiting: ((action: DebugAction) => void) | undefined;
  private pausedAt: TraceEntry | undefined;

  constructor(
    breakpoints: Iterable<string>,
    private readonly emit: (ev: RunStreamEvent) => void,
    opts: { lines?: LineBreakpoints; pauseAtStart?: boolean } = {},
  ) {
    this.breakpoints = new Set(breakpoints);
    if (opts.lines) this.lines = cleanLines(opts.lines);
    this.pauseAtStart = opts.pauseAtStart === true;
  }

  get paused(): TraceEntry | undefined {
    return this.pausedAt;
  }

  setBreakpoints(ids: Iterable<string>, lines?: LineBreakpoints): void {
    this.breakpoints.clear();
    for (const id of ids) this.breakpoints.add(id);
    if (lines) this.lines = cleanLines(lines);
  }

  lineState(): { stepping: boolean; lines: Readonly<Record<string, readonly number[]>> } {
    return { stepping: this.lineStepping, lines: this.lines };
  }

  async beforeStep(entry: TraceEntry, scope: () => Record<string, unknown>): Promise<void | "stop"> {
    if (this.stopped) return "stop";
    const start = this.pauseAtStart;
    this.pauseAtStart = false;
    const reason = this.breakpoints.has(entry.id) ? "breakpoint" : this.stepping ? "step" : start ? "start" : undefined;
    if (!reason) return undefined;
    return this.pause(entry, scope, { reason });
  }

  async beforeLine(
    entry: TraceEntry,
    at: { step: string; line: number },
    scope: () => Record<string, unknown>,
  ): Promise<void | "stop"> {
    if (this.stopped) return "stop";
    return this.pause(entry, scope, { line: at, reason: this.lineStepping ? "step" : "breakpoint" });
  }

  private async pause(
    entry: TraceEntry,
    scope: () => Record<string, unknown>,
    extra: { line?: { step: string; line: number }; reason: "breakpoint" | "step" | "start" },
  ): Promise<void | "stop"> {
    this.pausedAt = entry;
    this.emit({ kind: "paused", entry: { ...entry, status: "paused" }, scope: scope(), ...extra });
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
    // Stepping from a line goes on line by line (then step by step once the code is done);
    // stepping from a step goes to the next step.
    this.lineStepping = action === "step" && extra.line !== undefined;
    this.emit({
      kind: "resumed",
      entry: { ...entry, status: "running" },
    });
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

/** Line breakpoints as given (bounded by the route's schema), lines sorted and unique. */
function cleanLines(lines: LineBreakpoints): LineBreakpoints {
  const out: LineBreakpoints = {};
  for (const [step, ls] of Object.entries(lines)) {
    if (!Array.isArray(ls)) continue;
    const clean = [...new Set(ls.filter((l) => Number.isInteger(l) && l > 0))].sort((a, b) => a - b);
    if (clean.length) out[step] = clean;
  }
  return out;
}

/** The ids of a sequence (or transaction) and of everything it holds. */
function idsOf(node: ObjNode): Set<string> {
  const ids = new Set<string>();
  walk(node, (n) => void ids.add(n.id));
  return ids;
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
    const debug = req.debug ? this.debugSession(req, emit) : undefined;
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
    // A stop answered to a pause ends the run from there (the paused step ends first, then the
    // run); otherwise the run is aborted wherever it is.
    const paused = run.debug?.paused !== undefined;
    if (run.debug) run.debug.command(action);
    if (action === "stop" && !paused) run.abort.abort();
    else if (!run.debug) throw new StudioError(409, "not_debugging", "This run was not started in the debugger");
  }

  setBreakpoints(runId: string, ids: string[], lines?: LineBreakpoints): void {
    const run = this.live.get(runId);
    if (!run?.debug) throw new StudioError(404, "unknown_run", `There is no debugged run ${runId} under way`);
    run.debug.setBreakpoints(ids, lines);
  }

  /**
   * The debugger of a run. Without a breakpoint (on a step or a line) inside the sequence run,
   * it pauses before its first step: Debug never runs straight through without a word.
   */
  private debugSession(req: RunStart, emit: (ev: RunStreamEvent) => void): DebugSession {
    const breakpoints = req.breakpoints ?? [];
    const lines = req.lineBreakpoints ?? {};
    const project = this.engine.workspace.get(req.project);
    const target = req.sequence
      ? project?.root.children.find((c) => getType(c.type)?.category === "sequence" && c.name === req.sequence)
      : undefined;
    let pauseAtStart = false;
    if (target) {
      const inside = idsOf(target);
      const any = [...breakpoints, ...Object.keys(lines).filter((k) => lines[k]?.length)].some((id) => inside.has(id));
      pauseAtStart = !any;
    }
    return new DebugSession(breakpoints, emit, { lines, pauseAtStart });
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
