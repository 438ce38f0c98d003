/**
 * The Problems list, kept up to date as the workspace changes (problems-model.ts): computed
 * once for every window's views (the tab's badge and the list), a moment after the last change
 * (typing does not wait for it: a 50,000-object workspace takes a noticeable part of a second).
 */
import { create } from "zustand";
import { useUnsaved } from "./field-errors.ts";
import { collectProblems, type Problem } from "./problems-model.ts";
import { useStudio } from "./store.ts";

const QUIET_MS = 200;

export const useProblemList = create<{ problems: Problem[] }>(() => ({ problems: [] }));

let timer: ReturnType<typeof setTimeout> | undefined;

function recompute(): void {
  timer = undefined;
  const { projects, workspace, types } = useStudio.getState();
  const unsaved = Object.values(useUnsaved.getState().values);
  useProblemList.setState({
    problems: collectProblems({ projects, types, unsaved, ...(workspace ? { workspace } : {}) }),
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
});
useUnsaved.subscribe(schedule);
schedule();
