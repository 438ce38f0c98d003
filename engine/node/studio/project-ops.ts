/**
 * The Studio's changes of whole projects: rename, delete (to the workspace's trash), duplicate,
 * add an example. Each one is planned as project ops (history.ts), so Undo and Redo replay them
 * like any other change: a deleted project is moved to `<workspace>/.atelier/trash/<id>/<name>`
 * (undo moves it back), a copy is prepared there first and then moved in (undo moves it out
 * again). Trash entries no history entry can reach any more are purged (or handed to the
 * system's trash when the host offers one).
 */
import { randomBytes } from "node:crypto";
import { cp, lstat, mkdir, readdir, realpath, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { newId, walk, type ObjNode } from "../../common/model/node.ts";
import { isPlainObject } from "../../common/model/props.ts";
import { FILE_NAME_RULE, isFileName } from "../../common/model/naming.ts";
import { getType } from "../../common/model/registry.ts";
import type { ChangeResult, ProjectDelta, StudioEvent } from "../../common/studio/api.ts";
import { ApiError } from "../../common/http/api-error.ts";
import type { Engine } from "../engine.ts";
import { isProjectDir, loadProject, saveProject } from "../project/project-files.ts";
import { inverseOps, isProjectOp, type HistoryEntry, type HistoryOp, type ProjectOp, type TreeOp } from "./history.ts";

/** What the project ops need of the Studio service. */
export interface ProjectOpsHost {
  readonly engine: Engine;
  /** Bumps a project's revision (every delta carries one). */
  bump(project: string): number;
  emit(ev: StudioEvent): void;
}

/** A change planned by the service's `change()`. */
export interface PlannedChange {
  label: string;
  ops: HistoryOp[];
  focus?: { project: string; id: string };
}

const TRASH_ID = /^[a-f0-9]{8,64}$/;

/** The workspace's trash folder. */
export function trashDir(workspaceDir: string): string {
  return path.join(workspaceDir, ".atelier", "trash");
}

export function newTrashId(): string {
  return `${Date.now().toString(16)}${randomBytes(6).toString("hex")}`;
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** fs.rename, retried a few times: a folder being watched or scanned may be busy for a moment (Windows). */
async function move(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rename(from, to);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (attempt >= 5 || (code !== "EPERM" && code !== "EBUSY" && code !== "EACCES")) throw e;
      await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
    }
  }
}

function checkProjectName(name: string): void {
  if (!isFileName(name)) {
    throw new ApiError(400, "invalid_name", `"${name}" cannot be a project name (${FILE_NAME_RULE})`);
  }
}

function checkTrashId(id: string): void {
  if (!TRASH_ID.test(id)) throw new ApiError(409, "conflict", `"${id}" is not an entry of the workspace's trash`);
}

/** Refuses a name a project folder of the workspace already has (loaded or not). */
export async function checkFreeName(engine: Engine, name: string): Promise<void> {
  checkProjectName(name);
  const ws = engine.workspace;
  const taken =
    ws.get(name) !== undefined ||
    ws.failures.has(name) ||
    (await readdir(ws.dir).catch(() => [] as string[])).some((n) => n.toLowerCase() === name.toLowerCase());
  if (taken) throw new ApiError(409, "exists", `A project (or folder) named ${name} exists in the workspace`);
}

// ---- planning ----

/**
 * Renaming a project: its folder and its name, and every reference naming it (Call Sequence and
 * Call Transaction steps of any project) changed with it, in one undoable change.
 */
export async function planRenameProject(engine: Engine, project: string, to: string): Promise<PlannedChange> {
  const ws = engine.workspace;
  const p = ws.get(project);
  if (!p && ws.failures.has(project)) {
    throw new ApiError(
      409,
      "project_not_loaded",
      `The project "${project}" did not load (${ws.failures.get(project)}): fix it (the Problems tab says where) before renaming it, or delete it`,
    );
  }
  if (!p) throw new ApiError(404, "unknown_project", `There is no project named "${project}"`);
  to = to.trim();
  if (to === project) throw new ApiError(400, "same_name", `The project is already named ${project}`);
  // A change of case only is a rename too (the folder check ignores the project itself).
  if (to.toLowerCase() !== project.toLowerCase()) await checkFreeName(engine, to);
  else checkProjectName(to);
  const ops: HistoryOp[] = [{ op: "project-rename", project, to }];
  // Reference properties naming a project (Call Sequence, Call Transaction), in every project.
  const byNode = new Map<string, { project: string; node: ObjNode; props: Record<string, unknown> }>();
  for (const q of ws.projects.values()) {
    walk(q.root, (n) => {
      for (const prop of getType(n.type)?.props ?? []) {
        if (prop.kind !== "reference" || prop.refers !== "project" || n.props[prop.name] !== project) continue;
        const key = `${q.name}\u0000${n.id}`;
        let e = byNode.get(key);
        if (!e) byNode.set(key, (e = { project: q.name, node: n, props: structuredClone(n.props) }));
        e.props[prop.name] = to;
      }
    });
  }
  for (const e of byNode.values()) {
    ops.push({
      op: "props",
      // Objects of the renamed project itself are changed after its rename, under its new name.
      project: e.project === project ? to : e.project,
      id: e.node.id,
      before: { name: e.node.name, props: structuredClone(e.node.props) },
      after: { name: e.node.name, props: e.props },
    });
  }
  const refs = byNode.size;
  return {
    label: `Rename project "${project}" to "${to}"${refs ? ` (and ${refs} reference${refs > 1 ? "s" : ""})` : ""}`,
    ops,
    focus: { project: to, id: p.root.id },
  };
}

/** Deleting a project: its folder goes to the workspace's trash (Undo brings it back). */
export async function planDeleteProject(engine: Engine, project: string): Promise<PlannedChange> {
  const ws = engine.workspace;
  if (!ws.get(project) && !(ws.failures.has(project) && (await isProjectDir(path.join(ws.dir, project))))) {
    throw new ApiError(404, "unknown_project", `There is no project named "${project}"`);
  }
  return { label: `Delete project "${project}"`, ops: [{ op: "project-trash", project, trashId: newTrashId() }] };
}

/**
 * A copy of a project folder under a new name, with new ids, prepared in the trash: the change
 * then moves it into the workspace (so Undo moves it out again, and Redo back in).
 */
export async function planCopyProject(
  engine: Engine,
  srcDir: string,
  name: string,
  label: string,
): Promise<PlannedChange> {
  name = name.trim();
  await checkFreeName(engine, name);
  const trashId = newTrashId();
  const stage = path.join(trashDir(engine.workspace.dir), trashId, name);
  try {
    const rootId = await copyWithNewIds(srcDir, stage);
    return { label, ops: [{ op: "project-restore", project: name, trashId }], focus: { project: name, id: rootId } };
  } catch (e) {
    await rm(path.dirname(stage), { recursive: true, force: true }).catch(() => undefined);
    if (e instanceof ApiError) throw e;
    throw new ApiError(
      400,
      "copy_failed",
      `The copy of ${path.basename(srcDir)} could not be made: ${(e as Error).message}`,
    );
  }
}

/**
 * Copies a project folder to `dest` (whose last segment is the new name), gives every object a
 * new id (sources naming steps follow), renames the project and the references naming the old
 * one, and saves. Answers the new root's id.
 */
export async function copyWithNewIds(srcDir: string, dest: string): Promise<string> {
  const oldName = path.basename(srcDir);
  const name = path.basename(dest);
  // A project folder linked into the workspace is copied from where it is: copying the link
  // would make the copy the original, and the new ids would be written into it.
  const from = await realpath(srcDir);
  await mkdir(path.dirname(dest), { recursive: true });
  await cp(from, dest, {
    recursive: true,
    errorOnExist: true,
    force: false,
    filter: async (item) => {
      if (item === from) return true;
      const base = path.basename(item);
      // Local state and temp files stay with the original.
      if (base === ".atelier" || base === "node_modules" || /^\..*\.tmp$/.test(base)) return false;
      // A link inside would be shared by both projects (or reach outside of them).
      if ((await lstat(item)).isSymbolicLink()) {
        throw new ApiError(
          400,
          "copy_failed",
          `${oldName}/${path.relative(from, item).split(path.sep).join("/")} is a symbolic link: a copy would share it with ${oldName}; replace it with the file or folder it points to, then copy again`,
        );
      }
      return true;
    },
  });
  const loaded = await loadProject(dest);
  const ids = new Map<string, string>();
  walk(loaded.root, (n) => {
    // A placeholder of a file that could not be read keeps its id (the file is kept as it is).
    if (!n.id.startsWith("unreadable-")) ids.set(n.id, newId());
  });
  walk(loaded.root, (n) => {
    const next = ids.get(n.id);
    if (next) n.id = next;
    const def = getType(n.type);
    for (const prop of def?.props ?? []) {
      const v = n.props[prop.name];
      if (prop.kind === "source" && isPlainObject(v) && typeof v.step === "string" && ids.has(v.step)) {
        n.props[prop.name] = { ...v, step: ids.get(v.step) };
      } else if (prop.kind === "reference" && prop.refers === "project" && v === oldName) {
        n.props[prop.name] = name;
      }
    }
  });
  loaded.root.name = name;
  forceRewrite(loaded.files.get("project.yaml"));
  // The name mismatch noted while loading is fixed by this save.
  loaded.root.issues = loaded.root.issues?.filter((i) => i.origin !== "file" || !i.message.includes("its folder is"));
  await saveProject(loaded);
  return loaded.root.id;
}

/** Makes saveProject write a file whose fingerprint matches what it was read as (a readable one only). */
function forceRewrite(state: { fingerprint: string | undefined } | undefined): void {
  if (state?.fingerprint !== undefined) state.fingerprint = "";
}

// ---- applying ----

/** A folder name of the workspace not taken (any case): `base`, else base2, base3... */
async function freeFolderName(workspaceDir: string, base: string): Promise<string> {
  const taken = new Set((await readdir(workspaceDir).catch(() => [] as string[])).map((n) => n.toLowerCase()));
  if (!taken.has(base.toLowerCase())) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}${i}`.toLowerCase())) return `${base}${i}`;
}

/**
 * Loads a project folder whose project.yaml names it otherwise (moved to a new name): the loader
 * takes the folder's name; project.yaml is written again with it, then read clean.
 */
async function loadRenamed(engine: Engine, name: string): Promise<void> {
  const ws = engine.workspace;
  const loaded = await ws.reload(name, false);
  if (!loaded) return;
  loaded.root.name = name;
  forceRewrite(loaded.files.get("project.yaml"));
  await saveProject(loaded);
  await ws.reload(name);
}

function delta(host: ProjectOpsHost, project: string, kind: "created" | "deleted"): ProjectDelta {
  const d: ProjectDelta = { project, rev: host.bump(project), upserts: [], removed: [], [kind]: true };
  host.emit({ kind: "delta", delta: d });
  return d;
}

/** Applies one project op to the workspace (folders moved, projects reloaded); answers its deltas. */
export async function applyProjectOp(host: ProjectOpsHost, op: ProjectOp): Promise<ProjectDelta[]> {
  const ws = host.engine.workspace;
  switch (op.op) {
    case "project-rename": {
      checkProjectName(op.to);
      if (!ws.get(op.project)) {
        throw new ApiError(409, "conflict", `There is no project named "${op.project}" any more`);
      }
      const from = path.join(ws.dir, op.project);
      const to = path.join(ws.dir, op.to);
      const caseOnly = op.to.toLowerCase() === op.project.toLowerCase();
      if (!caseOnly && (await exists(to))) {
        throw new ApiError(409, "conflict", `A folder named ${op.to} exists in the workspace`);
      }
      if (caseOnly) {
        // Through a temporary name: a case-insensitive file system sees one name.
        const tmp = path.join(ws.dir, `.${op.to}.${randomBytes(4).toString("hex")}.renaming`);
        await move(from, tmp);
        await move(tmp, to);
      } else await move(from, to);
      ws.projects.delete(op.project);
      await ws.reload(op.project);
      await loadRenamed(host.engine, op.to);
      return [delta(host, op.project, "deleted"), delta(host, op.to, "created")];
    }
    case "project-trash": {
      checkProjectName(op.project);
      checkTrashId(op.trashId);
      const src = path.join(ws.dir, op.project);
      if (!(await isProjectDir(src))) {
        throw new ApiError(409, "conflict", `There is no project named "${op.project}" any more`);
      }
      const dest = path.join(trashDir(ws.dir), op.trashId, op.project);
      if (await exists(dest))
        throw new ApiError(409, "conflict", `The trash already holds ${op.project} (${op.trashId})`);
      await mkdir(path.dirname(dest), { recursive: true });
      await move(src, dest);
      await ws.reload(op.project);
      return [delta(host, op.project, "deleted")];
    }
    case "project-restore": {
      checkProjectName(op.project);
      checkTrashId(op.trashId);
      const src = path.join(trashDir(ws.dir), op.trashId, op.project);
      if (!(await isProjectDir(src))) {
        throw new ApiError(409, "conflict", `The project ${op.project} is not in the workspace's trash any more`);
      }
      const dest = path.join(ws.dir, op.project);
      if (await exists(dest)) {
        // The name was taken since (a project created or a folder added after the delete): the
        // project comes back under a free name, never left in a trash no undo reaches any more.
        const free = await freeFolderName(ws.dir, `${op.project}_restored`);
        await move(src, path.join(ws.dir, free));
        await rm(path.dirname(src), { recursive: true, force: true }).catch(() => undefined);
        await loadRenamed(host.engine, free);
        delta(host, free, "created");
        throw new ApiError(
          409,
          "conflict",
          `A folder named ${op.project} exists in the workspace: the project was put back as ${free} instead`,
        );
      }
      await mkdir(ws.dir, { recursive: true });
      await move(src, dest);
      await rm(path.dirname(src), { recursive: true, force: true }).catch(() => undefined);
      await ws.reload(op.project);
      return [delta(host, op.project, "created")];
    }
  }
}

/**
 * Applies a list of ops holding project ops: each project op alone, each run of tree ops through
 * `applyTree` (the service's own apply-and-save). A failure reverts what was applied, newest
 * first, and is thrown.
 */
export async function applyMixedOps(
  host: ProjectOpsHost,
  ops: readonly HistoryOp[],
  applyTree: (ops: TreeOp[]) => Promise<ChangeResult>,
): Promise<ProjectDelta[]> {
  const done: ({ project: ProjectOp } | { tree: TreeOp[] })[] = [];
  const deltas: ProjectDelta[] = [];
  try {
    for (let i = 0; i < ops.length;) {
      const op = ops[i]!;
      if (isProjectOp(op)) {
        deltas.push(...(await applyProjectOp(host, op)));
        done.push({ project: op });
        i++;
        continue;
      }
      const run: TreeOp[] = [];
      for (let o = ops[i]; o && !isProjectOp(o); o = ops[++i]) run.push(o);
      const r = await applyTree(run);
      deltas.push(...r.deltas);
      done.push({ tree: run });
    }
  } catch (e) {
    for (const d of done.reverse()) {
      try {
        if ("project" in d) await applyProjectOp(host, inverseOps([d.project])[0]!);
        else await applyTree(inverseOps(d.tree));
      } catch {
        // Putting back what was just done fails only if the disk does: keep going regardless.
      }
    }
    throw e;
  }
  return deltas;
}

/**
 * Empties the trash of what no history entry can reach (a delete pushed out of the history, a
 * copy whose creation was undone then replaced by another change). `systemTrash` (the desktop's)
 * receives them instead of their being erased.
 */
export async function purgeTrash(
  workspaceDir: string,
  entries: readonly HistoryEntry[],
  systemTrash?: (dir: string) => Promise<void>,
): Promise<string[]> {
  const dir = trashDir(workspaceDir);
  let items: string[];
  try {
    items = await readdir(dir);
  } catch {
    return [];
  }
  const kept = new Set<string>();
  for (const e of entries)
    for (const op of e.ops) if (op.op === "project-trash" || op.op === "project-restore") kept.add(op.trashId);
  const purged: string[] = [];
  for (const id of items) {
    if (kept.has(id)) continue;
    const item = path.join(dir, id);
    try {
      if (systemTrash) {
        for (const name of await readdir(item)) await systemTrash(path.join(item, name));
      }
      await rm(item, { recursive: true, force: true });
      purged.push(id);
    } catch {
      // Left for the next purge.
    }
  }
  return purged;
}
