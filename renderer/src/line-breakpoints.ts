/**
 * Line breakpoints in the code of JavaScript steps: per step id, the lines to pause at (set in the
 * code editor's margin or with F9 there). Kept in localStorage like the step breakpoints, sent
 * with a debugged run and to a run under way when they change.
 */
import { create } from "zustand";
import { api } from "./api.ts";

export type LineBreakpoints = Record<string, number[]>;

const KEY = "atelier.studio.lineBreakpoints";

function load(): LineBreakpoints {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? "{}") as unknown;
    if (!raw || typeof raw !== "object" || Array.isArray(raw)) return {};
    const out: LineBreakpoints = {};
    for (const [step, lines] of Object.entries(raw as Record<string, unknown>)) {
      if (!Array.isArray(lines)) continue;
      const clean = lines.filter((l): l is number => Number.isInteger(l) && l > 0);
      if (clean.length) out[step] = clean;
    }
    return out;
  } catch {
    return {};
  }
}

export const useLineBreakpoints = create<{ lines: LineBreakpoints }>(() => ({ lines: load() }));

useLineBreakpoints.subscribe((s) => {
  try {
    localStorage.setItem(KEY, JSON.stringify(s.lines));
  } catch {
    // private mode: not kept
  }
});

/** The lines with a breakpoint in a step's code, ascending. */
export function linesOf(all: LineBreakpoints, step: string): number[] {
  // One empty array for all: a store selector must return the same value for the same state.
  return all[step] ?? NONE;
}
const NONE: number[] = [];

/** Breakpoints with one line added or removed (pure). */
export function toggledLine(all: LineBreakpoints, step: string, line: number): LineBreakpoints {
  const current = new Set(all[step] ?? []);
  if (current.has(line)) current.delete(line);
  else current.add(line);
  const next = { ...all };
  if (current.size) next[step] = [...current].sort((a, b) => a - b);
  else delete next[step];
  return next;
}

/** Breakpoints moved with the code: lines shift when lines are inserted or removed above them (pure). */
export function shiftedLines(lines: number[], fromLine: number, delta: number): number[] {
  const out = new Set<number>();
  for (const l of lines) {
    if (l < fromLine) out.add(l);
    else if (l + delta >= fromLine) out.add(l + delta);
    else out.add(fromLine);
  }
  return [...out].sort((a, b) => a - b);
}

/** A run under way, to tell about changed breakpoints. */
export interface LiveRun {
  runId?: string;
  status: string;
}

function tell(run: LiveRun | undefined, stepBreakpoints: Iterable<string>): void {
  if (run?.runId && (run.status === "running" || run.status === "paused")) {
    void api.breakpoints(run.runId, [...stepBreakpoints], useLineBreakpoints.getState().lines).catch(() => undefined);
  }
}

/** Sets or removes a line breakpoint; a debugged run under way hears of it. */
export function toggleLineBreakpoint(
  step: string,
  line: number,
  run?: LiveRun,
  stepBreakpoints: Iterable<string> = [],
): void {
  useLineBreakpoints.setState((s) => ({ lines: toggledLine(s.lines, step, line) }));
  tell(run, stepBreakpoints);
}

/** Replaces a step's line breakpoints (the code changed under them). */
export function setStepLines(step: string, lines: number[]): void {
  useLineBreakpoints.setState((s) => {
    const next = { ...s.lines };
    if (lines.length) next[step] = lines;
    else delete next[step];
    return { lines: next };
  });
}

/** What a debugged run is sent. */
export function lineBreakpointsForRun(): LineBreakpoints {
  return useLineBreakpoints.getState().lines;
}
