/**
 * Pure logic of the Deploy dialog and the Servers view: the steps of a deploy and how far one
 * went, when a polled deploy is really over, and the words for targets, errors and records.
 */
import type { DeployedProject, TargetSummary } from "../../engine/common/admin/routes.ts";
import type { StudioDeploy } from "../../engine/common/studio/routes.ts";

/** The steps of a deploy in order: this engine's, then the server's (which checks again). */
export const DEPLOY_STEPS: { step: string; label: string; local?: boolean }[] = [
  { step: "checking", label: "Checking the project", local: true },
  { step: "testing", label: "Running the test cases", local: true },
  { step: "building-app", label: "Building the app", local: true },
  { step: "building", label: "Building the archive", local: true },
  { step: "uploading", label: "Uploading", local: true },
  { step: "received", label: "Received by the server" },
  { step: "checking", label: "Checked by the server" },
  { step: "staging", label: "Staging" },
  { step: "validating", label: "Validating" },
  { step: "swapping", label: "Switching to the new version" },
  { step: "done", label: "Done" },
];

/**
 * The steps shown for a deploy: the test step only when the test cases run first, the app's build
 * only for a project with an application.
 */
export function deploySteps(requireTests: boolean, hasApp = false): { step: string; label: string }[] {
  return DEPLOY_STEPS.filter((s) => (requireTests || s.step !== "testing") && (hasApp || s.step !== "building-app"));
}

/**
 * Where a deploy is now in `steps`, given where it was (`at`) and the step it reports: the first
 * place at or after `at` with that name (the server's "checking" comes after the upload), never
 * back; an unknown step leaves it where it was.
 */
export function advanceStep(steps: { step: string }[], at: number, step: string): number {
  for (let i = Math.max(at, 0); i < steps.length; i++) if (steps[i]!.step === step) return i;
  return at;
}

export type StepState = "done" | "current" | "todo" | "reached" | "failed";

/**
 * How each of `count` steps shows, the deploy being at `at`. A failure is not pinned on a step:
 * polling may not have seen the step it failed in, so the last row says it failed and the step
 * seen last is only marked as reached.
 */
export function stepStates(count: number, at: number, ended?: "done" | "failed"): StepState[] {
  return Array.from({ length: count }, (_, i): StepState => {
    if (ended === "done") return "done";
    if (ended === "failed") return i === count - 1 ? "failed" : i < at ? "done" : i === at ? "reached" : "todo";
    return i < at ? "done" : i === at ? "current" : "todo";
  });
}

/**
 * Is a polled deploy over? The engine reports the server's phases as they come, so "done" or
 * "failed" may show a moment before the outcome is there: only an outcome ends the polling.
 */
export function deployEnded(d: StudioDeploy): "done" | "failed" | undefined {
  if (d.result && d.step === "done") return "done";
  if (d.error && d.step === "failed") return "failed";
  return undefined;
}

/** The projects a PSC may deploy, in words. */
export function scopeText(projects: string[]): string {
  return projects.includes("*") ? "all projects" : projects.length ? projects.join(", ") : "no project";
}

/** A date in the user's words (and the ISO text when it does not parse). */
export function whenText(iso: string | number | undefined): string {
  if (iso === undefined || iso === "") return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
}

/** When a target stops working: "expires …", "expired on …", or nothing for password targets. */
export function expiryText(t: Pick<TargetSummary, "expires">, now = Date.now()): string {
  if (!t.expires) return "no expiry";
  const at = Date.parse(t.expires);
  if (Number.isNaN(at)) return `expires ${t.expires}`;
  if (at <= now) return `expired on ${whenText(t.expires)}`;
  const days = Math.floor((at - now) / 86_400_000);
  return `expires ${whenText(t.expires)} (${days === 0 ? "today" : `in ${days} day${days === 1 ? "" : "s"}`})`;
}

/** Is a target's PSC past its expiry? */
export function isExpired(t: Pick<TargetSummary, "expires">, now = Date.now()): boolean {
  return Boolean(t.expires && Date.parse(t.expires) <= now);
}

/** One line naming a target: server and user. */
export function targetTitle(t: TargetSummary): string {
  return `${t.label ? `${t.label}: ` : ""}${t.user} @ ${t.url}`;
}

export interface ConflictInfo {
  current?: number;
  deployedBy?: string;
  at?: string;
}

/** The server's 409 "someone deployed since": who and when, from the error's details. */
export function conflictOf(error: StudioDeploy["error"]): ConflictInfo | undefined {
  if (!error || error.status !== 409 || error.code !== "conflict") return undefined;
  const d = (error.details ?? {}) as Record<string, unknown>;
  return {
    ...(typeof d.current === "number" ? { current: d.current } : {}),
    ...(typeof d.deployedBy === "string" ? { deployedBy: d.deployedBy } : {}),
    ...(typeof d.at === "string" ? { at: d.at } : {}),
  };
}

/** The lines an error's details list: a project's problems, or the test cases that failed. */
export function problemLines(error: StudioDeploy["error"]): string[] {
  const d = error?.details;
  if (!d || typeof d !== "object") return [];
  const out: string[] = [];
  const problems = (d as { problems?: unknown }).problems;
  if (Array.isArray(problems)) for (const p of problems) out.push(typeof p === "string" ? p : JSON.stringify(p));
  const failed = (d as { failed?: unknown }).failed;
  if (Array.isArray(failed)) {
    for (const f of failed as { requestable?: string; testCase?: string; differences?: unknown[] }[]) {
      const n = Array.isArray(f.differences) ? f.differences.length : 0;
      out.push(
        `${f.requestable ?? "?"} › ${f.testCase ?? "?"} failed${n ? ` (${n} difference${n === 1 ? "" : "s"})` : ""}`,
      );
    }
  }
  return out;
}

/** The versions a project may be rolled back to: every kept one but the current, newest first. */
export function rollbackChoices(p: DeployedProject): number[] {
  return p.versions
    .map((v) => v.version)
    .filter((v) => v !== p.current)
    .sort((a, b) => b - a);
}

/** The version a rollback without a chosen version goes to: the newest before the current one. */
export function previousVersion(p: DeployedProject): number | undefined {
  return rollbackChoices(p).find((v) => v < p.current);
}

/** One audit record in words: when, who, what, on which project and version, refused or not. */
export function auditText(record: unknown): { at: string; text: string; ok: boolean } {
  if (!record || typeof record !== "object") return { at: "", text: JSON.stringify(record), ok: true };
  const r = record as Record<string, unknown>;
  const str = (k: string) => (typeof r[k] === "string" || typeof r[k] === "number" ? String(r[k]) : "");
  const parts = [
    str("user") || "?",
    str("action") || "?",
    str("project") ? `${str("project")}${str("version") ? ` v${str("version")}` : ""}` : "",
    str("from") ? `from ${str("from")}` : "",
    str("via") ? `(${str("via")})` : "",
  ].filter(Boolean);
  const details = r.details && typeof r.details === "object" ? JSON.stringify(r.details) : "";
  return { at: whenText(str("at")), text: parts.join(" ") + (details ? ` ${details}` : ""), ok: r.ok !== false };
}
