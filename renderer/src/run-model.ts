/**
 * Run progress and the request history as the Studio shows them: elapsed times, the step under
 * way, whether a failure mark still applies after edits, the history's labels. Pure functions
 * (unit-tested).
 */
import type { TraceEntry } from "../../engine/common/model/trace.ts";
import type { ProjectDelta } from "../../engine/common/studio/api.ts";
import type { RequestEntry } from "../../engine/common/studio/requests.ts";

/** A duration for people: "850 ms", "4.2 s", "1 min 05 s", "2 h 03 min". */
export function durationText(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.floor(s)} s`;
  const totalS = Math.floor(s);
  const m = Math.floor(totalS / 60);
  if (m < 60) return `${m} min ${String(totalS % 60).padStart(2, "0")} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${String(m % 60).padStart(2, "0")} min`;
  return `${Math.floor(h / 24)} days`;
}

/** The step being executed: the deepest running entry started last (a call's inner step). */
export function executingStep(trace: readonly TraceEntry[]): TraceEntry | undefined {
  for (let i = trace.length - 1; i >= 0; i--) {
    const t = trace[i]!;
    if (t.status === "running" || t.status === "paused") return t;
  }
  return undefined;
}

/** Steps finished so far (of any depth). */
export function stepsDone(trace: readonly TraceEntry[]): number {
  let n = 0;
  for (const t of trace) if (t.status === "ok" || t.status === "error") n++;
  return n;
}

/**
 * Whether a change touches the step a failed run was marked on: the step edited (its name,
 * properties or children) or removed. Then the mark leaves the tree: the user is fixing it, and
 * the next run says whether they did.
 */
export function touchesFailure(step: { id: string; project: string } | undefined, delta: ProjectDelta): boolean {
  if (!step || step.project !== delta.project) return false;
  if (delta.reload || delta.deleted) return true;
  return delta.removed.includes(step.id) || delta.upserts.some((n) => n.id === step.id);
}

/** The run target's text for a requestable, as the store names runs (`Seq`, or `Connector.Transaction`). */
export function targetOf(t: { sequence?: string; connector?: string; transaction?: string }): string {
  return t.sequence ?? `${t.connector}.${t.transaction}`;
}

/** The class of a status for colouring: ok, redirect, refused, failed, left (the client left). */
export function statusKind(
  e: Pick<RequestEntry, "status" | "aborted">,
): "ok" | "redirect" | "refused" | "failed" | "left" {
  if (e.aborted || e.status === 0) return "left";
  if (e.status >= 500) return "failed";
  if (e.status >= 400) return "refused";
  if (e.status >= 300) return "redirect";
  return "ok";
}

/** A call's time of day, with milliseconds (calls come close together). */
export function timeOfDay(at: number): string {
  const d = new Date(at);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}
