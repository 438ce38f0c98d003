/**
 * Whole projects from the Studio: rename, duplicate, delete (to the workspace's trash, undoable),
 * export as .car (a download), add an example under a name of one's own. The names proposed are
 * computed here (pure functions, tested beside).
 */
import { api, type ApiError } from "./api.ts";
import { mutate, notify, useStudio } from "./store.ts";
import { rowKey, WORKSPACE_KEY } from "./tree-model.ts";

/** A project folder's name: what the engine accepts (letters, digits, _ . -, not starting with a digit, . or -). */
const PROJECT_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Why a project name cannot be used, or undefined (the engine checks again). */
export function projectNameProblem(name: string, existing: readonly string[], self?: string): string | undefined {
  const n = name.trim();
  if (!n) return "Give a name";
  if (n.length > 200) return "A project name has at most 200 characters";
  if (!PROJECT_NAME.test(n)) return "Use letters, digits, _ . - (not starting with a digit, . or -)";
  if (n === self) return undefined;
  if (existing.some((e) => e.toLowerCase() === n.toLowerCase() && e !== self)) return `A project named ${n} exists`;
  return undefined;
}

/** A free name from `base`: base itself, else base_copy, base_copy2... (or base2, base3... for examples). */
export function freeProjectName(base: string, existing: readonly string[], style: "copy" | "number" = "copy"): string {
  const taken = new Set(existing.map((e) => e.toLowerCase()));
  if (style === "number") {
    if (!taken.has(base.toLowerCase())) return base;
    for (let i = 2; ; i++) if (!taken.has(`${base}${i}`.toLowerCase())) return `${base}${i}`;
  }
  const first = `${base}_copy`;
  if (!taken.has(first.toLowerCase())) return first;
  for (let i = 2; ; i++) if (!taken.has(`${first}${i}`.toLowerCase())) return `${first}${i}`;
}

/** Keys of the explorer moved from one project name to another (open nodes follow a rename). */
export function renamedKeys(keys: Iterable<string>, from: string, to: string): Set<string> {
  const out = new Set<string>();
  const prefix = `${from}/`;
  for (const k of keys) out.add(k === WORKSPACE_KEY || !k.startsWith(prefix) ? k : `${to}/${k.slice(prefix.length)}`);
  return out;
}

/** The names of the workspace's projects (loaded or not). */
export function workspaceProjectNames(): string[] {
  const ws = useStudio.getState().workspace;
  return [...(ws?.projects.map((p) => p.name) ?? []), ...(ws?.failures.map((f) => f.name) ?? [])];
}

/** Renames a project (an undoable change); the explorer keeps its open nodes. */
export async function renameProject(project: string, name: string, onError?: (e: ApiError) => void): Promise<boolean> {
  const to = name.trim();
  const r = await mutate(() => api.renameProject(project, to), project, onError ? { onError } : {});
  if (!r) return false;
  useStudio.setState((s) => ({
    expanded: renamedKeys(s.expanded, project, to),
    ...(s.selection?.project === project ? { selection: { project: to, id: s.selection.id } } : {}),
  }));
  // The other project names in the workspace view follow at the next delta; open the renamed one.
  const root = r.focus?.id;
  if (root) useStudio.setState((s) => ({ expanded: new Set([...s.expanded, rowKey(to, root)]) }));
  return true;
}

export async function duplicateProject(
  project: string,
  name: string,
  onError?: (e: ApiError) => void,
): Promise<boolean> {
  return Boolean(await mutate(() => api.copyProject(project, name.trim()), project, onError ? { onError } : {}));
}

export async function deleteProject(project: string, onError?: (e: ApiError) => void): Promise<boolean> {
  const r = await mutate(() => api.deleteProject(project), project, onError ? { onError } : {});
  if (!r) return false;
  useStudio.setState((s) => (s.selection?.project === project ? { selection: undefined } : {}));
  notify(`Project ${project} moved to the workspace's trash: Undo (Ctrl+Z) brings it back`, "info");
  return true;
}

/** Adds an example: at once when its name is free, else the dialog asking for a name. */
export function addExample(example: string): void {
  if (!workspaceProjectNames().some((n) => n.toLowerCase() === example.toLowerCase())) {
    void mutate(() => api.addExample(example));
    return;
  }
  useStudio.setState({ dialog: { kind: "add-example", example } });
}

export async function addExampleAs(example: string, name: string, onError?: (e: ApiError) => void): Promise<boolean> {
  return Boolean(await mutate(() => api.addExample(example, name.trim()), undefined, onError ? { onError } : {}));
}

/** Downloads the project's .car (the archive a deploy sends). */
export async function exportProject(project: string): Promise<void> {
  try {
    const { blob, fileName } = await api.exportProject(project);
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = fileName;
    a.style.display = "none";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    notify(`${fileName} exported (${Math.max(1, Math.round(blob.size / 1024))} KiB)`, "info");
  } catch (e) {
    notify(`The export of ${project} failed: ${(e as Error).message}`);
  }
}

/** Opens the dialog of a project action. */
export function openProjectDialog(action: "rename" | "duplicate" | "delete", project: string): void {
  useStudio.setState({ dialog: { kind: "project", action, project } });
}

/** The explorer's menu items for a project row (after the ones every row has). */
export function projectMenuItems(project: string): { label: string; key?: string; action: () => void }[] {
  return [
    { label: "Rename project…", key: "F2", action: () => openProjectDialog("rename", project) },
    { label: "Duplicate project…", key: "Ctrl+D", action: () => openProjectDialog("duplicate", project) },
    { label: "Export as .car", action: () => void exportProject(project) },
    { label: "Delete project…", key: "Delete", action: () => openProjectDialog("delete", project) },
  ];
}

/** Keys on a project row: F2 renames, Delete deletes, Ctrl+D duplicates (each asks first). */
export function projectKey(e: { key: string; ctrlKey: boolean; metaKey: boolean }, project: string): boolean {
  const ctrl = e.ctrlKey || e.metaKey;
  if (e.key === "F2") openProjectDialog("rename", project);
  else if (e.key === "Delete") openProjectDialog("delete", project);
  else if (ctrl && e.key.toLowerCase() === "d") openProjectDialog("duplicate", project);
  else return false;
  return true;
}
