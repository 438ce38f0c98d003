import { create } from "zustand";
import type { ObjNode } from "../../engine/common/model/node.ts";
import type { TraceEntry } from "../../engine/common/model/trace.ts";
import type { ErrorInfo, TypeSchema } from "../../engine/common/model/typedef.ts";
import type {
  ChangeResult,
  FindResult,
  HistoryState,
  LogEntry,
  ProjectDelta,
  StudioEvent,
  TestResult,
  WorkspaceInfo,
} from "../../engine/common/studio/api.ts";
import { api, ApiError, clientId } from "./api.ts";
import { lineBreakpointsForRun } from "./line-breakpoints.ts";
import { touchesFailure } from "./run-model.ts";
import {
  ancestorKeys,
  applyDelta,
  fromTree,
  rowKey,
  toObjNode,
  WORKSPACE_KEY,
  type ProjectState,
} from "./tree-model.ts";

export interface Selection {
  project: string;
  id: string;
}

export interface Notice {
  id: number;
  level: "error" | "info";
  message: string;
}

export interface RunState {
  status: "idle" | "running" | "paused" | "done";
  runId?: string;
  project?: string;
  target?: string;
  trace: TraceEntry[];
  output?: unknown;
  error?: ErrorInfo & { step?: { id: string; name: string; type: string; project: string } };
  ok?: boolean;
  durationMs?: number;
  paused?: {
    entry: TraceEntry;
    scope: Record<string, unknown>;
    /** Paused at a line of a JavaScript step's code (`step`: the step whose code it is). */
    line?: { step: string; line: number };
    reason?: "breakpoint" | "step" | "start";
  };
  /** The last output of each step, by id (the source picker reads it). */
  outputs: Record<string, unknown>;
  inputs?: Record<string, unknown>;
  /** When the run started (this window's clock): the Run panel counts the elapsed time. */
  startedAt?: number;
  /** Time spent paused in the debugger so far, and since when it is paused: left out of the elapsed time. */
  pausedMs?: number;
  pausedSince?: number;
  /** The step the run failed at was edited or removed since: its mark leaves the tree. */
  failureEdited?: boolean;
}

type Dialog =
  | {
      kind: "palette";
      project: string;
      parent: string;
      index?: number;
      /** Adding relative to an object: inside it, after or before it (the dialog can switch). */
      target?: string;
      where?: "inside" | "after" | "before";
    }
  | { kind: "confirm-delete"; project: string; ids: string[] }
  | { kind: "rename"; project: string; id: string; name: string }
  | { kind: "new-project" }
  | { kind: "project"; action: "rename" | "duplicate" | "delete"; project: string }
  | { kind: "add-example"; example: string }
  | { kind: "import-convertigo"; src?: string }
  | { kind: "open-workspace" }
  | { kind: "help" }
  | { kind: "save-test"; project: string; owner: string }
  | { kind: "deploy"; project?: string }
  | { kind: "new-job"; project?: string; sequence?: string }
  | undefined;

export type BottomTab = "console" | "find" | "tests" | "trace" | "servers" | "jobs" | "requests" | "problems";

/** What the Servers view should show: a target and one of its projects (set by "Open in Servers"). */
export interface ServersFocus {
  target?: string;
  project?: string;
  /** Changes on each request, so asking twice for the same target still moves the view. */
  seq: number;
}

interface Prefs {
  theme: "light" | "dark";
  sizes: { explorer: number; run: number; bottom: number; graph: number; design: number };
  expanded: string[];
  selection?: Selection;
  breakpoints: string[];
  bottomTab: BottomTab;
  runInputs: Record<string, Record<string, string>>;
}

const PREFS_KEY = "atelier.studio.prefs";

function loadPrefs(): Prefs {
  const defaults: Prefs = {
    theme: window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light",
    sizes: { explorer: 320, run: 420, bottom: 220, graph: 260, design: 520 },
    expanded: [WORKSPACE_KEY],
    breakpoints: [],
    bottomTab: "console",
    runInputs: {},
  };
  try {
    const saved = JSON.parse(localStorage.getItem(PREFS_KEY) ?? "{}") as Partial<Prefs>;
    return { ...defaults, ...saved, sizes: { ...defaults.sizes, ...saved.sizes } };
  } catch {
    return defaults;
  }
}

export interface StudioState {
  ready: boolean;
  loadError?: string;
  connected: boolean;
  types: Map<string, TypeSchema>;
  workspace?: WorkspaceInfo;
  projects: Record<string, ProjectState | undefined>;
  expanded: Set<string>;
  selection?: Selection;
  /** The row the keyboard is on (may differ from the selection while moving). */
  renaming?: string;
  history: HistoryState;
  clipboard?: { mode: "copy" | "cut"; project: string; ids: string[]; nodes: ObjNode[] };
  notices: Notice[];
  dialog: Dialog;
  theme: "light" | "dark";
  sizes: Prefs["sizes"];
  breakpoints: Set<string>;
  run: RunState;
  runInputs: Record<string, Record<string, string>>;
  log: LogEntry[];
  bottomTab: BottomTab;
  filter: string;
  findResults?: { query: string; results: FindResult[]; truncated: boolean; title: string };
  testResults?: { project: string; results: TestResult[]; at: number };
  testsRunning: boolean;
  /** Incremented to ask the explorer to focus its filter box (Ctrl+F). */
  focusFilter: number;
  /** Incremented to ask the Find panel to focus its box (Ctrl+Shift+F). */
  focusFind: number;
  /** Saves of fields waiting for their debounce: flushed before undo, redo and runs. */
  pendingFlushes: Set<() => Promise<void>>;
  serversFocus: ServersFocus;
  /** The job the Jobs tab shows the runs of. */
  jobSelected?: string;
  /** Incremented when this window changed the jobs: the Jobs tab reloads at once. */
  jobsChanged: number;
}

export const useStudio = create<StudioState>(() => {
  const prefs = loadPrefs();
  return {
    ready: false,
    connected: false,
    types: new Map(),
    projects: {},
    expanded: new Set(prefs.expanded),
    ...(prefs.selection ? { selection: prefs.selection } : {}),
    history: { canUndo: false, canRedo: false },
    notices: [],
    dialog: undefined,
    theme: prefs.theme,
    sizes: prefs.sizes,
    breakpoints: new Set(prefs.breakpoints),
    run: { status: "idle", trace: [], outputs: {} },
    runInputs: prefs.runInputs,
    log: [],
    bottomTab: prefs.bottomTab,
    filter: "",
    testsRunning: false,
    focusFilter: 0,
    focusFind: 0,
    pendingFlushes: new Set(),
    serversFocus: { seq: 0 },
    jobsChanged: 0,
  };
});

const set = useStudio.setState;
const get = useStudio.getState;

let prefsTimer: ReturnType<typeof setTimeout> | undefined;

function savePrefs(): void {
  clearTimeout(prefsTimer);
  prefsTimer = undefined;
  const st = get();
  const prefs: Prefs = {
    theme: st.theme,
    sizes: st.sizes,
    expanded: [...st.expanded],
    ...(st.selection ? { selection: st.selection } : {}),
    breakpoints: [...st.breakpoints],
    bottomTab: st.bottomTab,
    runInputs: st.runInputs,
  };
  try {
    localStorage.setItem(PREFS_KEY, JSON.stringify(prefs));
  } catch {
    // private mode: preferences are not kept
  }
}

/** Remembers the window's layout, theme, open nodes and selection (a reload finds them). */
useStudio.subscribe((s, prev) => {
  if (
    s.theme === prev.theme &&
    s.sizes === prev.sizes &&
    s.expanded === prev.expanded &&
    s.selection === prev.selection &&
    s.breakpoints === prev.breakpoints &&
    s.bottomTab === prev.bottomTab &&
    s.runInputs === prev.runInputs
  )
    return;
  clearTimeout(prefsTimer);
  prefsTimer = setTimeout(savePrefs, 150);
});
// A change made just before a reload or a close is kept too.
window.addEventListener("pagehide", () => {
  if (prefsTimer !== undefined) savePrefs();
});

let noticeSeq = 0;
export function notify(message: string, level: Notice["level"] = "error"): void {
  const n = { id: ++noticeSeq, level, message };
  set((s) => ({ notices: [...s.notices.slice(-4), n] }));
  setTimeout(() => dismiss(n.id), level === "error" ? 9000 : 4000);
}

export function dismiss(id: number): void {
  set((s) => ({ notices: s.notices.filter((n) => n.id !== id) }));
}

// ---- loading ----

export async function loadAll(): Promise<void> {
  try {
    const [types, workspace, history, log] = await Promise.all([
      api.types(),
      api.workspace(),
      api.history(),
      api.log(),
    ]);
    set({ types: new Map(types.map((t) => [t.type, t])), workspace, history, log: log.slice(-1000) });
    const trees = await Promise.all(workspace.projects.map((p) => api.tree(p.name)));
    const projects: Record<string, ProjectState> = {};
    for (const t of trees) projects[t.project] = fromTree(t);
    const sel = get().selection;
    set({
      projects,
      ready: true,
      ...(sel && !projects[sel.project]?.nodes.has(sel.id) ? { selection: undefined } : {}),
    });
  } catch (e) {
    set({ loadError: (e as Error).message, ready: true });
  }
}

async function reloadProject(name: string): Promise<void> {
  try {
    const t = await api.tree(name);
    // An answer overtaken by a newer change (its delta arrived first) is dropped.
    const cur = get().projects[name];
    if (cur && cur.rev > t.rev) return;
    set((s) => ({ projects: { ...s.projects, [name]: fromTree(t) } }));
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) {
      set((s) => {
        const projects = { ...s.projects };
        delete projects[name];
        return { projects };
      });
    } else throw e;
  }
}

async function reloadWorkspace(): Promise<void> {
  const workspace = await api.workspace();
  set({ workspace });
  const missing = workspace.projects.filter((p) => !get().projects[p.name]);
  await Promise.all(missing.map((p) => reloadProject(p.name)));
}

function applyDeltas(deltas: ProjectDelta[]): void {
  // A failure mark leaves the tree once its step is edited (or removed).
  const run = get().run;
  if (run.status === "done" && !run.failureEdited && deltas.some((d) => touchesFailure(run.error?.step, d))) {
    set((s) => ({ run: { ...s.run, failureEdited: true } }));
  }
  for (const d of deltas) {
    const cur = get().projects[d.project];
    if (d.reload || d.created || d.deleted || !cur) {
      void (d.created || d.deleted ? reloadWorkspace() : Promise.resolve()).then(() => reloadProject(d.project));
      continue;
    }
    set((s) => ({ projects: { ...s.projects, [d.project]: applyDelta(cur, d) } }));
  }
  // Object counts and invalid marks of the projects list follow.
  if (deltas.length)
    void api.workspace().then(
      (workspace) => set({ workspace }),
      () => undefined,
    );
}

/** Handles a live event from the engine. */
export function onStudioEvent(ev: StudioEvent): void {
  switch (ev.kind) {
    case "delta":
      if (ev.origin === clientId) return;
      applyDeltas([ev.delta]);
      return;
    case "workspace":
      void reloadWorkspace();
      return;
    case "history":
      set({ history: ev.history });
      return;
    case "log":
      set((s) => ({ log: s.log.length >= 2000 ? [...s.log.slice(-1500), ev.record] : [...s.log, ev.record] }));
      return;
    case "hello":
      return;
  }
}

// ---- changes ----

let queue: Promise<unknown> = Promise.resolve();

/**
 * Sends a change to the engine after the ones before it (so each is made on top of the last),
 * applies the answer, and shows a refusal as a notice. A conflict reloads the project.
 */
export function mutate(
  fn: () => Promise<ChangeResult>,
  project?: string,
  /** A dialog shows the refusal itself (and stays open) instead of a notice. */
  opts: { onError?: (e: ApiError) => void } = {},
): Promise<ChangeResult | undefined> {
  const run = async () => {
    try {
      const result = await fn();
      applyDeltas(result.deltas);
      set({ history: result.history });
      if (result.focus) select(result.focus, { reveal: true });
      return result;
    } catch (e) {
      const err = e as ApiError;
      if (opts.onError) opts.onError(err);
      else notify(err.message);
      if (err.status === 409 && project) await reloadProject(project);
      if (err.status === 409) set({ history: await api.history() });
      return undefined;
    }
  };
  const next = queue.then(run, run);
  queue = next;
  return next;
}

/** Waits for fields to save what was typed, then for the changes under way. */
export async function flushEdits(): Promise<void> {
  await Promise.all([...get().pendingFlushes].map((f) => f()));
  await queue;
}

export async function undo(): Promise<void> {
  await flushEdits();
  if (!get().history.canUndo) return;
  await mutate(() => api.undo());
}

export async function redo(): Promise<void> {
  await flushEdits();
  if (!get().history.canRedo) return;
  await mutate(() => api.redo());
}

// ---- selection and tree ----

export function select(sel: Selection | undefined, opts: { reveal?: boolean } = {}): void {
  if (!sel) {
    set({ selection: undefined });
    return;
  }
  const p = get().projects[sel.project];
  if (opts.reveal && p) {
    const keys = ancestorKeys(p, sel.id);
    const expanded = new Set(get().expanded);
    let changed = false;
    for (const k of keys)
      if (!expanded.has(k)) {
        expanded.add(k);
        changed = true;
      }
    if (changed) set({ expanded });
  }
  set({ selection: sel });
}

export function toggle(key: string, open?: boolean): void {
  const expanded = new Set(get().expanded);
  const isOpen = expanded.has(key);
  if (open === undefined ? isOpen : !open) expanded.delete(key);
  else expanded.add(key);
  set({ expanded });
}

export function selectedNode() {
  const s = get();
  const sel = s.selection;
  return sel ? s.projects[sel.project]?.nodes.get(sel.id) : undefined;
}

// ---- clipboard ----

export function copy(project: string, ids: string[], mode: "copy" | "cut"): void {
  const p = get().projects[project];
  if (!p) return;
  const nodes = ids.map((id) => toObjNode(p, id)).filter((n): n is ObjNode => Boolean(n));
  if (nodes.some((n) => n.id === p.rootId)) {
    notify("A project cannot be copied here");
    return;
  }
  set({ clipboard: { mode, project, ids, nodes } });
  notify(`${mode === "cut" ? "Cut" : "Copied"} ${nodes.map((n) => `"${n.name}"`).join(", ")}`, "info");
}

/** Pastes into the target (as a child when it accepts the objects, else after it). */
export async function paste(target: Selection): Promise<void> {
  const s = get();
  const clip = s.clipboard;
  const p = s.projects[target.project];
  if (!clip || !p) return;
  const node = p.nodes.get(target.id);
  if (!node) return;
  const accepts = (parentType: string) => clip.nodes.every((n) => s.types.get(parentType)?.accepts.includes(n.type));
  let parent = node.id;
  let index: number | undefined;
  if (!accepts(node.type) && node.parent !== undefined) {
    const par = p.nodes.get(node.parent)!;
    parent = par.id;
    index = par.children.indexOf(node.id) + 1;
  }
  if (clip.mode === "cut") {
    await mutate(
      () =>
        api.move(clip.project, clip.ids, parent, index, clip.project === target.project ? undefined : target.project),
      target.project,
    );
    set({ clipboard: undefined });
  } else {
    await mutate(() => api.paste(target.project, parent, clip.nodes, index), target.project);
  }
}

// ---- breakpoints and runs ----

export function toggleBreakpoint(id: string): void {
  const breakpoints = new Set(get().breakpoints);
  if (breakpoints.has(id)) breakpoints.delete(id);
  else breakpoints.add(id);
  set({ breakpoints });
  const run = get().run;
  if (run.runId && (run.status === "running" || run.status === "paused")) {
    void api.breakpoints(run.runId, [...breakpoints]).catch(() => undefined);
  }
}

let runAbort: AbortController | undefined;

export async function startRun(req: {
  project: string;
  sequence?: string;
  connector?: string;
  transaction?: string;
  inputs: Record<string, unknown>;
  debug: boolean;
}): Promise<void> {
  await flushEdits();
  // A run still streaming is left (its stream stops the run); a finished one has nothing to abort.
  const before = get().run.status;
  if (before === "running" || before === "paused") runAbort?.abort();
  const abort = new AbortController();
  runAbort = abort;
  const target = req.sequence ?? `${req.connector}.${req.transaction}`;
  set({
    run: {
      status: "running",
      project: req.project,
      target,
      trace: [],
      outputs: {},
      inputs: req.inputs,
      startedAt: Date.now(),
    },
    bottomTab: "trace",
  });
  const update = (fn: (r: RunState) => Partial<RunState>) => set((s) => ({ run: { ...s.run, ...fn(s.run) } }));
  try {
    await api.run(
      {
        ...req,
        breakpoints: req.debug ? [...get().breakpoints] : [],
        ...(req.debug ? { lineBreakpoints: lineBreakpointsForRun() } : {}),
      },
      (ev) => {
        switch (ev.kind) {
          case "run":
            update(() => ({ runId: ev.runId }));
            break;
          case "step-start":
            update((r) => ({ trace: [...r.trace, ev.entry] }));
            break;
          case "step-end":
            update((r) => ({
              trace: r.trace.map((t) => (t.seq === ev.entry.seq ? ev.entry : t)),
              outputs: ev.entry.output !== undefined ? { ...r.outputs, [ev.entry.id]: ev.entry.output } : r.outputs,
            }));
            break;
          case "paused": {
            update((r) => ({
              status: "paused",
              pausedSince: r.pausedSince ?? Date.now(),
              paused: {
                entry: ev.entry,
                scope: ev.scope,
                ...(ev.line ? { line: ev.line } : {}),
                ...(ev.reason ? { reason: ev.reason } : {}),
              },
              trace: r.trace.map((t) => (t.seq === ev.entry.seq ? { ...t, status: "paused" } : t)),
            }));
            const p = get().projects[ev.entry.project];
            // At a line, the step whose code holds it (its editor shows the line).
            const shown = ev.line && p?.nodes.has(ev.line.step) ? ev.line.step : ev.entry.id;
            if (p?.nodes.has(shown)) select({ project: ev.entry.project, id: shown }, { reveal: true });
            break;
          }
          case "resumed":
            update((r) => ({
              status: "running",
              paused: undefined,
              pausedMs: (r.pausedMs ?? 0) + (r.pausedSince !== undefined ? Date.now() - r.pausedSince : 0),
              pausedSince: undefined,
              trace: r.trace.map((t) =>
                t.seq === ev.entry.seq && t.status === "paused" ? { ...t, status: "running" } : t,
              ),
            }));
            break;
          case "end":
            update(() => ({
              status: "done",
              ok: ev.ok,
              output: ev.output,
              error: ev.error,
              durationMs: ev.durationMs,
              paused: undefined,
            }));
            break;
          default:
            break;
        }
      },
      abort.signal,
    );
  } catch (e) {
    if (!abort.signal.aborted) {
      notify((e as Error).message);
      update(() => ({ status: "done", ok: false, error: { code: "run_failed", message: (e as Error).message } }));
    }
  } finally {
    if (get().run.status !== "done") update(() => ({ status: "done" }));
  }
}

export async function debugCommand(action: "continue" | "step" | "stop"): Promise<void> {
  const run = get().run;
  if (!run.runId) return;
  try {
    await api.debug(run.runId, action);
  } catch (e) {
    notify((e as Error).message);
  }
}

export async function runTests(project: string, ids?: string[]): Promise<void> {
  await flushEdits();
  set({ testsRunning: true, bottomTab: "tests" });
  try {
    const results = await api.runTests(project, ids);
    set({ testResults: { project, results, at: Date.now() } });
  } catch (e) {
    notify((e as Error).message);
  } finally {
    set({ testsRunning: false });
  }
}

export async function findInWorkspace(q: string, opts: { in?: string[] } = {}): Promise<void> {
  if (!q.trim()) return;
  try {
    const r = await api.find(q, opts);
    set({ findResults: { query: q, title: `Results for "${q}"`, ...r }, bottomTab: "find" });
  } catch (e) {
    notify((e as Error).message);
  }
}

export async function findReferences(project: string, id: string): Promise<void> {
  const node = get().projects[project]?.nodes.get(id);
  try {
    const results = await api.references(project, id);
    set({
      findResults: {
        query: "",
        title: `Calls of "${node?.name ?? id}" (${results.length})`,
        results,
        truncated: false,
      },
      bottomTab: "find",
    });
  } catch (e) {
    notify((e as Error).message);
  }
}

// ---- deploys and servers ----

/** The project a Deploy… without a project in hand is about: the selected one, else the only one. */
export function deployProjectGuess(): string | undefined {
  const s = get();
  if (s.selection && s.projects[s.selection.project]) return s.selection.project;
  const names = s.workspace?.projects.map((p) => p.name) ?? [];
  return names.length === 1 ? names[0] : undefined;
}

/** Opens the Deploy dialog for a project (or the one guessed). */
export function openDeploy(project?: string): void {
  const name = project ?? deployProjectGuess();
  set({ dialog: { kind: "deploy", ...(name ? { project: name } : {}) } });
}

/** Shows the Servers view (on a target and project when given), making the bottom panel tall enough. */
export function openServers(focus: { target?: string; project?: string } = {}): void {
  set((s) => ({
    bottomTab: "servers",
    serversFocus: { ...focus, seq: s.serversFocus.seq + 1 },
    sizes: tallBottom(s.sizes),
  }));
}

export function keyOf(sel: Selection): string {
  return rowKey(sel.project, sel.id);
}

// ---- scheduled jobs ----

/** The bottom panel made tall enough for a view with a table and a detail. */
function tallBottom(sizes: StudioState["sizes"]): StudioState["sizes"] {
  return sizes.bottom < 320 ? { ...sizes, bottom: 320 } : sizes;
}

/** Opens the New job form (on a sequence when given: "Schedule…" in the explorer). */
export function openNewJob(project?: string, sequence?: string): void {
  set({ dialog: { kind: "new-job", ...(project ? { project } : {}), ...(sequence ? { sequence } : {}) } });
}

/** Shows the Jobs tab (on a job when given) and has it reload. */
export function showJobs(job?: string): void {
  set((s) => ({
    bottomTab: "jobs",
    sizes: tallBottom(s.sizes),
    jobsChanged: s.jobsChanged + 1,
    ...(job ? { jobSelected: job } : {}),
  }));
}
