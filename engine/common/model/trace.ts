import type { ErrorInfo } from "./typedef.ts";

/** One step (or transaction) executed during a run, as the debugger and the CLI show it. */
export interface TraceEntry {
  /** Order of start within the run, from 0. */
  seq: number;
  /** The object run (a step, a transaction, a called sequence). */
  id: string;
  name: string;
  type: string;
  /** The entry of the enclosing step, when nested. */
  parent?: number;
  depth: number;
  /** Milliseconds since the run started (time paused in the debugger left out, as in durations). */
  start: number;
  durationMs?: number;
  /** What the step read: resolved properties, variables sent, request made... (secrets masked). */
  inputs?: Record<string, unknown>;
  output?: unknown;
  error?: ErrorInfo;
  status: "running" | "ok" | "error" | "paused";
  /** The project of the object (calls may cross projects). */
  project: string;
}

/** Events a run emits while it goes (the Studio streams them). */
export type RunEvent =
  | { kind: "start"; runId: string; project: string; requestable: string; at: number }
  | { kind: "step-start"; entry: TraceEntry }
  | { kind: "step-end"; entry: TraceEntry }
  | { kind: "log"; level: string; message: string; at: number }
  | {
      kind: "paused";
      entry: TraceEntry;
      scope: Record<string, unknown>;
      /** Paused at a line of a JavaScript step's code (`step`: the id of the step whose code it is). */
      line?: { step: string; line: number };
      /** Why: a breakpoint, a step of the debugger, or the start of a run debugged without breakpoints. */
      reason?: "breakpoint" | "step" | "start";
    }
  | { kind: "resumed"; entry: TraceEntry }
  | { kind: "end"; ok: boolean; output?: unknown; error?: ErrorInfo; durationMs: number };
