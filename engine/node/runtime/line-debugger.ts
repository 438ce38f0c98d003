import { CONVERTIGO_JS_GLOBALS } from "./convertigo-js.ts";
import type { ObjNode } from "../../common/model/node.ts";
import type { TraceEntry } from "../../common/model/trace.ts";
import type { DebugHooks } from "./interpreter.ts";
import { instrumentCode, snapLine, withPrefix } from "./js-breakpoints.ts";
import type { RunContext } from "./run-context.ts";
import { RunError } from "./run-error.ts";
import type { Sandbox, SandboxDebug } from "./sandbox.ts";

/**
 * Line breakpoints of one sequence run's JavaScript steps: their code is instrumented
 * (js-breakpoints.ts) before it runs, the sandbox's pauses come here and go to the debugger's
 * `beforeLine`, with the names in scope at that line. Knows the statement lines of each step
 * run (a breakpoint on a blank line stops at the next statement) and the top-level let / const
 * names the steps declared (shown in the scope at every pause: they are not globals).
 */
export class LineDebugger {
  private readonly lines = new Map<string, number[]>();
  private readonly declared = new Set<string>();
  /** The JavaScript step running now (the one a pause belongs to). */
  private current: TraceEntry | undefined;

  constructor(
    private readonly run: RunContext,
    private readonly hooks: DebugHooks,
    /** The scope shown at a pause, from the variables there (globals, then the names in scope). */
    private readonly scopeOf: (variables: Record<string, unknown>) => Record<string, unknown>,
  ) {}

  /** Top-level let / const / class names declared by the steps run so far. */
  get lexicals(): readonly string[] {
    return [...this.declared];
  }

  /** What the sandbox of a debugged run is given: its pauses come here. */
  sandboxDebug(): SandboxDebug {
    return {
      exclude: ["vars", ...CONVERTIGO_JS_GLOBALS],
      pause: (step, line, locals, globals) => this.pause(step, line, locals, globals),
    };
  }

  /** Runs a JavaScript step's code, instrumented for line breakpoints (as written when it cannot be parsed). */
  async execute(box: Sandbox, node: ObjNode, entry: TraceEntry, code: string, what: string): Promise<unknown> {
    const inst = instrumentCode(code, node.id, this.lexicals);
    if (!inst) return box.execute(code, what);
    this.lines.set(node.id, inst.lines);
    for (const n of inst.lexicals) this.declared.add(n);
    const previous = this.current;
    this.current = entry;
    try {
      return await box.execute(withPrefix(inst, this.keys()), what);
    } finally {
      this.current = previous;
    }
  }

  /** The breakpoints as the checks read them: "<step>:<line>", each line moved to its statement. */
  private keys(): string[] {
    const state = this.hooks.lineState?.();
    if (!state) return [];
    const out: string[] = [];
    for (const [step, lines] of Object.entries(state.lines)) {
      const known = this.lines.get(step);
      for (const l of lines) {
        const at = known ? snapLine(known, l) : l;
        if (at !== undefined) out.push(`${step}:${at}`);
      }
    }
    return out;
  }

  private state(): { s: boolean; b: Record<string, 1> } {
    const b: Record<string, 1> = {};
    for (const k of this.keys()) b[k] = 1;
    return { s: this.hooks.lineState?.().stepping ?? false, b };
  }

  private async pause(
    step: string,
    line: number,
    locals: Record<string, unknown>,
    globals: Record<string, unknown>,
  ): Promise<{ s: boolean; b: Record<string, 1> }> {
    const entry = this.current;
    const hooks = this.hooks;
    if (!entry || !hooks.beforeLine || this.run.aborted) return this.state();
    // The sandbox's copy of the breakpoints may be older than the debugger's (one removed since).
    const stepping = hooks.lineState?.().stepping ?? false;
    if (!stepping && !this.keys().includes(`${step}:${line}`)) return this.state();
    const scope = this.scopeOf({ ...globals, ...locals });
    entry.status = "paused";
    this.run.pauseBegin();
    let decision: void | "stop";
    try {
      decision = await hooks.beforeLine({ ...entry }, { step, line }, () => scope);
    } finally {
      this.run.pauseEnd();
      entry.status = "running";
    }
    if (decision === "stop") {
      // The run ends with this error; closing its sandbox ends the evaluation waiting here.
      this.run.abort(new RunError("stopped", "The run was stopped in the debugger", undefined, 500));
    }
    return this.state();
  }
}
