/**
 * The Problems list, kept up to date as the workspace changes (problems-model.ts): computed
 * once for every window's views (the tab's badge and the list), a moment after the last change
 * (typing does not wait for it: a 50,000-object workspace takes a noticeable part of a second).
 * The UI bindings are also checked against the shapes of the last runs (route outputSchemas),
 * asked again when the workspace loads and when a run ends, for projects holding an application.
 */
import { create } from "zustand";
import type { JsonSchema } from "../../engine/common/model/json-schema.ts";
import { api } from "./api.ts";
import { useUnsaved } from "./field-errors.ts";
import { collectProblems, type Problem } from "./problems-model.ts";
import { useStudio } from "./store.ts";

const QUIET_MS = 200;

export const useProblemList = create<{ problems: Problem[] }>(() => ({ problems: [] }));

let timer: ReturnType<typeof setTimeout> | undefined;

/** The run schemas of the projects holding an application, by `project/sequence`. */
let runSchemas: Record<string, JsonSchema> = {};
/** The projects whose run schemas were asked (a project loaded later is asked then). */
let asked = new Set<string>();

/** The run schemas last served (the binding picker offers what the Problems view checks against). */
export function currentRunSchemas(): Readonly<Record<string, JsonSchema>> {
  return runSchemas;
}

/** The names of the loaded projects holding an application. */
function appProjects(): string[] {
  const { projects } = useStudio.getState();
  return Object.entries(projects)
    .filter(([, p]) => p?.nodes.get(p.rootId)?.children.some((id) => p.nodes.get(id)?.type === "Application"))
    .map(([name]) => name);
}

async function fetchRunSchemas(): Promise<void> {
  const names = appProjects();
  asked = new Set(names);
  const next: Record<string, JsonSchema> = {};
  for (const name of names) {
    try {
      Object.assign(next, await api.outputSchemas(name));
    } catch {
      // An engine that cannot answer: the bindings are checked without run schemas.
    }
  }
  runSchemas = next;
  schedule();
}

function recompute(): void {
  timer = undefined;
  const { projects, workspace, types } = useStudio.getState();
  const unsaved = Object.values(useUnsaved.getState().values);
  useProblemList.setState({
    problems: collectProblems({
      projects,
      types,
      unsaved,
      outputSchemas: runSchemas,
      ...(workspace ? { workspace } : {}),
    }),
  });
}

/** After the quiet time, when the page is idle (a click or a keystroke first), within a second. */
function whenIdle(): void {
  if (typeof requestIdleCallback === "function") requestIdleCallback(recompute, { timeout: 1000 });
  else recompute();
}

function schedule(): void {
  if (timer !== undefined) clearTimeout(timer);
  timer = setTimeout(whenIdle, QUIET_MS);
}

useStudio.subscribe((s, prev) => {
  if (s.projects !== prev.projects || s.workspace !== prev.workspace || s.types !== prev.types) schedule();
  const runEnded = s.run.status === "done" && prev.run.status !== "done";
  const loaded = s.projects !== prev.projects && appProjects().some((name) => !asked.has(name));
  if (s.workspace !== prev.workspace || runEnded || loaded) void fetchRunSchemas();
});
useUnsaved.subscribe(schedule);
schedule();
