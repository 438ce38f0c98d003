import { stat } from "node:fs/promises";
import path from "node:path";
import { newId, walk, type ObjNode } from "../../common/model/node.ts";
import { isPlainObject, jsonEqual } from "../../common/model/props.ts";
import { FILE_NAME_RULE, hasUniqueName, isFileName, nameProblem } from "../../common/model/naming.ts";
import { acceptsChild, annotateIssues, annotateNodeIssues, getType } from "../../common/model/registry.ts";
import {
  flattenTree,
  objectRevision,
  stableJson,
  toFlat,
  type ChangeResult,
  type FlatNode,
  type HistoryState,
  type ProjectDelta,
  type ProjectTree,
  type StudioEvent,
  type WorkspaceInfo,
} from "../../common/studio/api.ts";
import { ApiError as StudioError } from "../../common/http/api-error.ts";
import type { Engine } from "../engine.ts";
import { importConvertigo, type ImportSummary } from "../importer/import.ts";
import { objectFingerprint, serializeObjectFile, UNREADABLE_PREFIX } from "../../common/format/project-format.ts";
import {
  createProject,
  projectFileOf,
  saveProject,
  writeFileAtomic,
  type LoadedProject,
  type ProjectFileSlot,
} from "../project/project-files.ts";
import { DEFAULT_REST_PREFIX } from "../project/workspace.ts";
import { secondApplicationProblem } from "../../common/types/project.ts";
import type { RenamePlanInfo, RenameResult } from "../../common/studio/refactor.ts";
import { planRename } from "./rename.ts";
import { refuseInvalidValues } from "./value-checks.ts";
import { History, inverseOps, isProjectOp, type HistoryEntry, type HistoryOp, type TreeOp } from "./history.ts";
import { buildCar, CarError } from "../deploy/car.ts";
import {
  applyMixedOps,
  planCopyProject,
  planDeleteProject,
  planRenameProject,
  purgeTrash,
  type PlannedChange,
  type ProjectOpsHost,
} from "./project-ops.ts";

/** A refusal with the HTTP status the Studio API answers it with (the API's one error class). */
export { StudioError };

interface Located {
  node: ObjNode;
  parent: ObjNode | undefined;
  index: number;
}

/** What creating an object needs. */
export interface CreateRequest {
  parent: string;
  type: string;
  name?: string;
  index?: number;
  props?: Record<string, unknown>;
}

/** A change of one object's name or properties, made on top of revision `rev`. */
export interface UpdateRequest {
  rev?: string;
  name?: string;
  set?: Record<string, unknown>;
  unset?: string[];
}

/**
 * The Studio's editing service over an engine's workspace: every change is checked against the
 * type definitions, applied to the engine's loaded projects (what runs is what you see), written
 * to the project files at once (saveProject: atomic, only changed files), recorded for undo, and
 * announced to every Studio window. Changes run one at a time.
 */
export class StudioService {
  private readonly revs = new Map<string, number>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<(ev: StudioEvent) => void>();
  readonly history: History;

  constructor(
    readonly engine: Engine,
    readonly opts: {
      historyFile?: string;
      examplesDir?: string;
      /** Where trash entries no history entry reaches any more go (the desktop's system trash). */
      systemTrash?: (dir: string) => Promise<void>;
    } = {},
  ) {
    this.history = new History(opts.historyFile);
  }

  async init(): Promise<void> {
    await this.history.load();
    await this.purgeTrash();
  }

  // ---- events ----

  subscribe(listener: (ev: StudioEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(ev: StudioEvent): void {
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch {
        // a window that went away must not stop the others
      }
    }
  }

  /** Runs a task after the ones queued before it (one change at a time, reloads included). */
  serialize<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  // ---- reading ----

  rev(project: string): number {
    return this.revs.get(project) ?? 1;
  }

  private bump(project: string): number {
    const r = this.rev(project) + 1;
    this.revs.set(project, r);
    // Every change of a tree goes through here: the engine's caches of the trees (REST routes) follow.
    this.engine.workspace.edited(project);
    return r;
  }

  private project(name: string): LoadedProject {
    const p = this.engine.workspace.get(name);
    if (!p) {
      const failure = this.engine.workspace.failures.get(name);
      throw new StudioError(
        404,
        "unknown_project",
        failure ? `The project "${name}" could not be loaded: ${failure}` : `There is no project named "${name}"`,
      );
    }
    return p;
  }

  info(): WorkspaceInfo {
    const ws = this.engine.workspace;
    return {
      dir: ws.dir,
      projects: [...ws.projects.values()]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((p) => {
          let count = 0;
          walk(p.root, () => void count++);
          return {
            name: p.name,
            rev: this.rev(p.name),
            rootId: p.root.id,
            objectCount: count,
            invalidCount: p.invalidCount,
            errors: p.errors,
          };
        }),
      failures: [...ws.failures].map(([name, reason]) => ({ name, reason })),
      examples: this.opts.examplesDir ? ["Demo"] : [],
      restPrefix: this.engine.config.rest?.prefix ?? DEFAULT_REST_PREFIX,
    };
  }

  tree(name: string): ProjectTree {
    const p = this.project(name);
    return { project: p.name, rev: this.rev(p.name), rootId: p.root.id, nodes: flattenTree(p.root) };
  }

  historyState(): HistoryState {
    return this.history.state();
  }

  // ---- workspace ----

  async createProject(name: string, origin?: string): Promise<ChangeResult> {
    return this.serialize(async () => {
      // A project is a folder of the workspace: its name is a file name.
      if (!isFileName(name)) {
        throw new StudioError(400, "invalid_name", `"${name}" cannot be a project name (${FILE_NAME_RULE})`);
      }
      if (this.engine.workspace.get(name)) throw new StudioError(409, "exists", `A project named ${name} exists`);
      try {
        await createProject(this.engine.workspace.dir, name, {
          id: newId(),
          type: "Project",
          name,
          props: {},
          children: [],
        });
      } catch (e) {
        throw new StudioError(409, "exists", (e as Error).message);
      }
      await this.engine.workspace.reload(name);
      this.engine.log.info(`Project ${name} created in the Studio`, name);
      const delta: ProjectDelta = { project: name, rev: this.bump(name), upserts: [], removed: [], created: true };
      this.emit({ kind: "delta", delta, origin });
      return {
        deltas: [delta],
        history: this.history.state(),
        focus: { project: name, id: this.project(name).root.id },
      };
    });
  }

  /**
   * Copies an example project into the workspace under `name` (the example's own name by
   * default), with new ids, as an undoable change.
   */
  async addExample(example: string, name: string | undefined, origin?: string): Promise<ChangeResult> {
    return this.change(origin, async () => {
      const examplesDir = this.opts.examplesDir;
      if (!examplesDir || !isFileName(example)) throw new StudioError(404, "unknown_example", "No such example");
      const src = path.join(examplesDir, example);
      try {
        await stat(path.join(src, "project.yaml"));
      } catch {
        throw new StudioError(404, "unknown_example", `There is no example project named ${example}`);
      }
      const target = name?.trim() || example;
      const planned = await planCopyProject(
        this.engine,
        src,
        target,
        `Add the example ${example}${target !== example ? ` as ${target}` : ""}`,
      );
      this.engine.log.info(`Example project ${example} copied into the workspace as ${target}`, target);
      return planned;
    });
  }

  /** Imports a Convertigo project folder (on the engine's machine) as a new project. */
  async importConvertigo(
    src: string,
    name: string | undefined,
    origin?: string,
  ): Promise<ChangeResult & { warnings: string[] }> {
    return this.serialize(async () => {
      if (!path.isAbsolute(src))
        throw new StudioError(
          400,
          "invalid_path",
          `"${src}" is not an absolute path: give the absolute path of the Convertigo project folder`,
        );
      let summary: ImportSummary;
      try {
        // The projects it references come along when their folders are beside it.
        summary = await importConvertigo(src, this.engine.workspace.dir, {
          ...(name ? { name } : {}),
          references: { from: [path.dirname(src)] },
        });
      } catch (e) {
        throw new StudioError(400, "import_failed", `The import failed for the folder ${src}: ${(e as Error).message}`);
      }
      await this.engine.workspace.reload(summary.project);
      this.engine.log.info(
        `Convertigo project imported as ${summary.project}: ${summary.mapped} objects mapped, ${summary.foreign} kept as foreign, ${summary.warnings.length} warning(s)`,
        summary.project,
      );
      for (const w of summary.warnings.slice(0, 50)) this.engine.log.warn(w, summary.project);
      const project = summary.project;
      const refs = summary.references;
      const warnings = [...summary.warnings];
      const deltas: ProjectDelta[] = [];
      for (const p of [summary, ...(refs?.imported ?? [])]) {
        if (p !== summary) {
          await this.engine.workspace.reload(p.project);
          this.engine.log.info(`Referenced by ${project}, imported too: ${p.project}`, project);
          warnings.push(`${p.project} (referenced) imported too`, ...p.warnings.map((w) => `${p.project}: ${w}`));
        }
        const delta: ProjectDelta = {
          project: p.project,
          rev: this.bump(p.project),
          upserts: [],
          removed: [],
          created: true,
        };
        this.emit({ kind: "delta", delta, origin });
        deltas.push(delta);
      }
      for (const m of refs?.missing ?? []) {
        const from = m.location ? ` (it comes from ${m.location})` : "";
        warnings.push(`${m.project}, referenced by ${m.referencedBy}, is not in the workspace: ${m.reason}${from}`);
      }
      return {
        deltas,
        history: this.history.state(),
        focus: { project, id: this.project(project).root.id },
        warnings,
      };
    });
  }

  /** Reloads a project whose files changed outside the Studio, and tells every window. */
  async reloadFromDisk(name: string, reason: string): Promise<void> {
    return this.serialize(async () => {
      const before = this.engine.workspace.get(name);
      const after = await this.engine.workspace.reload(name);
      if (!before && !after) {
        this.emit({ kind: "workspace", reason });
        return;
      }
      if (after) {
        for (const e of after.errors)
          this.engine.log.warn(
            `${e.location?.file}${e.location?.line ? `:${e.location.line}` : ""}: ${e.message}`,
            name,
          );
      }
      this.engine.log.info(`Project ${name} reloaded: ${reason}`, name);
      const delta: ProjectDelta = {
        project: name,
        rev: this.bump(name),
        upserts: [],
        removed: [],
        reload: true,
        ...(after ? {} : { deleted: true }),
        ...(!before ? { created: true } : {}),
      };
      this.emit({ kind: "delta", delta });
    });
  }

  // ---- whole projects (project-ops.ts) ----

  /** Renames a project (its folder) and the references naming it, as one undoable change. */
  renameProject(project: string, to: string, origin?: string): Promise<ChangeResult> {
    return this.afterProjectChange(this.change(origin, () => planRenameProject(this.engine, project, to)));
  }

  /** Moves a project to the workspace's trash (Undo brings it back). */
  deleteProject(project: string, origin?: string): Promise<ChangeResult> {
    return this.afterProjectChange(this.change(origin, () => planDeleteProject(this.engine, project)));
  }

  /** Copies a project under a new name, with new ids (Undo removes the copy). */
  duplicateProject(project: string, name: string, origin?: string): Promise<ChangeResult> {
    return this.afterProjectChange(
      this.change(origin, () =>
        planCopyProject(
          this.engine,
          this.project(project).dir,
          name,
          `Duplicate project "${project}" as "${name.trim()}"`,
        ),
      ),
    );
  }

  /** The project's `.car` archive, as a deploy builds it (between changes, so never half-saved). */
  exportProject(project: string, atelierVersion: string): Promise<{ name: string; bytes: Buffer; digest: string }> {
    return this.serialize(async () => {
      const p = this.project(project);
      try {
        const car = await buildCar(p.dir, atelierVersion);
        return { name: `${car.project}.car`, bytes: car.bytes, digest: car.digest };
      } catch (e) {
        if (e instanceof CarError) throw new StudioError(400, e.code, e.message);
        throw e;
      }
    });
  }

  private afterProjectChange<T>(done: Promise<T>): Promise<T> {
    return done.finally(() => void this.serialize(() => this.purgeTrash()).catch(() => undefined));
  }

  private async purgeTrash(): Promise<void> {
    const purged = await purgeTrash(this.engine.workspace.dir, this.history.entries(), this.opts.systemTrash);
    if (purged.length)
      this.engine.log.debug(
        `Trash: ${purged.length} entr${purged.length > 1 ? "ies" : "y"} no undo reaches were removed`,
      );
  }

  private get projectHost(): ProjectOpsHost {
    return { engine: this.engine, bump: (project) => this.bump(project), emit: (ev) => this.emit(ev) };
  }

  /** Applies ops of any kind: whole-project ops through project-ops.ts, the rest here. */
  private async applyOps(ops: readonly HistoryOp[], origin: string | undefined): Promise<ChangeResult> {
    if (!ops.some(isProjectOp)) return this.applyAndSave(ops as TreeOp[], origin);
    const deltas = await applyMixedOps(this.projectHost, ops, (tree) => this.applyAndSave(tree, origin));
    return { deltas, history: this.history.state() };
  }

  // ---- changes ----

  /** Creates an object under a parent; the name defaults to a free one from the type. */
  create(project: string, req: CreateRequest, origin?: string): Promise<ChangeResult> {
    return this.change(origin, () => {
      const p = this.project(project);
      const parent = this.locate(p, req.parent).node;
      const def = getType(req.type);
      if (!def || req.type === "Foreign")
        throw new StudioError(400, "unknown_type", `Unknown object type "${req.type}"`);
      if (!acceptsChild(parent.type, req.type)) {
        throw new StudioError(400, "not_accepted", `A ${parent.type} cannot hold a ${req.type}`);
      }
      const name = req.name?.trim() || this.freeName(parent, def.type.replace(/[^A-Za-z0-9_]/g, ""), req.type);
      this.checkName(parent, req.type, name, undefined);
      if (req.type === "Application") this.refuseSecondApplication(parent, [name]);
      const props: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(req.props ?? {})) if (v !== undefined) props[k] = v;
      const node: ObjNode = { id: newId(), type: req.type, name, props, children: [] };
      refuseInvalidValues(node, props, Object.keys(props));
      const index = clampIndex(req.index, parent.children.length);
      return {
        label: `Add ${def.label} "${name}"`,
        ops: [{ op: "insert", project: p.name, parent: parent.id, index, node }],
        focus: { project: p.name, id: node.id },
      };
    });
  }

  /** Renames an object and/or changes its properties. */
  update(project: string, id: string, req: UpdateRequest, origin?: string): Promise<ChangeResult> {
    return this.change(origin, () => {
      const p = this.project(project);
      const { node, parent } = this.locate(p, id);
      if (req.rev !== undefined && req.rev !== objectRevision(node)) {
        throw new StudioError(
          409,
          "conflict",
          `"${node.name}" was changed elsewhere (another window or its file) since you loaded it: your change was not saved. The Studio shows it as it is now.`,
          { current: toFlat(node, parent?.id), rev: objectRevision(node) },
        );
      }
      const name = req.name === undefined ? node.name : req.name.trim();
      if (name !== node.name) {
        if (!parent) throw new StudioError(400, "rename_project", "A project is renamed by renaming its folder");
        this.checkName(parent, node.type, name, node.id);
      }
      const props = { ...node.props };
      for (const [k, v] of Object.entries(req.set ?? {})) {
        if (k === "__proto__" || k === "constructor" || k === "prototype") {
          throw new StudioError(400, "invalid_property", `The property name "${k}" is not allowed`);
        }
        if (v === undefined || v === null) delete props[k];
        else props[k] = v;
      }
      for (const k of req.unset ?? []) delete props[k];
      refuseInvalidValues(node, props, Object.keys(req.set ?? {}));
      if (name === node.name && jsonEqual(props, node.props)) return undefined;
      const label =
        name !== node.name
          ? `Rename "${node.name}" to "${name}"`
          : `Change ${Object.keys({ ...req.set, ...Object.fromEntries((req.unset ?? []).map((k) => [k, 1])) }).join(", ")} of "${node.name}"`;
      return {
        label,
        ops: [
          {
            op: "props",
            project: p.name,
            id: node.id,
            before: { name: node.name, props: structuredClone(node.props) },
            after: { name, props },
          },
        ],
      };
    });
  }

  /**
   * Renames an object and updates every reference to it, in every project (rename.ts): one
   * undoable change. `preview` answers what it would change without changing anything.
   */
  async rename(
    project: string,
    id: string,
    req: { name: string; rev?: string; references?: boolean },
    origin?: string,
  ): Promise<RenameResult> {
    let info: RenamePlanInfo = { label: "", changes: [], skipped: [] };
    const result = await this.change(origin, () => {
      const plan = this.planRename(project, id, req);
      info = { label: plan.label, changes: plan.changes, skipped: plan.skipped };
      return plan;
    });
    return { ...result, ...info };
  }

  /** What renaming an object would change (nothing is changed). */
  renamePreview(
    project: string,
    id: string,
    req: { name: string; rev?: string; references?: boolean },
  ): RenamePlanInfo {
    const { label, changes, skipped } = this.planRename(project, id, req);
    return { label, changes, skipped };
  }

  private planRename(project: string, id: string, req: { name: string; rev?: string; references?: boolean }) {
    const p = this.project(project);
    const { node, parent } = this.locate(p, id);
    if (req.rev !== undefined && req.rev !== objectRevision(node)) {
      throw new StudioError(
        409,
        "conflict",
        `"${node.name}" was changed elsewhere since you loaded it: it was not renamed`,
        { current: toFlat(node, parent?.id), rev: objectRevision(node) },
      );
    }
    return planRename([...this.engine.workspace.projects.values()], p.name, id, req.name, {
      ...(req.references !== undefined ? { references: req.references } : {}),
      checkName: (par, n, name) => this.checkName(par, n.type, name, n.id),
    });
  }

  /** Deletes objects (and what they hold). */
  remove(project: string, ids: string[], origin?: string): Promise<ChangeResult> {
    return this.change(origin, () => {
      const p = this.project(project);
      const located = this.topLevel(p, ids);
      const ops: TreeOp[] = [];
      // Highest index first per parent, so recorded indexes stay right when replayed in order.
      located.sort((a, b) => b.index - a.index);
      for (const l of located) {
        if (!l.parent) throw new StudioError(400, "delete_project", "A project is deleted by removing its folder");
        ops.push({ op: "remove", project: p.name, parent: l.parent.id, index: l.index, node: structuredClone(l.node) });
      }
      const names = located.map((l) => `"${l.node.name}"`);
      return { label: `Delete ${names.slice(0, 3).join(", ")}${names.length > 3 ? "…" : ""}`, ops };
    });
  }

  /**
   * Moves objects under a parent at an index (reorder, drag and drop, cut and paste), possibly
   * into another project.
   */
  move(
    project: string,
    ids: string[],
    to: { project?: string; parent: string; index?: number },
    origin?: string,
  ): Promise<ChangeResult> {
    return this.change(origin, () => {
      const src = this.project(project);
      const dst = this.project(to.project ?? project);
      const target = this.locate(dst, to.parent).node;
      const located = this.topLevel(src, ids);
      for (const l of located) {
        if (!l.parent) throw new StudioError(400, "move_project", "A project cannot be moved");
        if (src === dst && (l.node.id === target.id || this.isInside(l.node, target.id))) {
          throw new StudioError(400, "move_inside", `"${l.node.name}" cannot be moved inside itself`);
        }
        if (!acceptsChild(target.type, l.node.type)) {
          throw new StudioError(400, "not_accepted", `A ${target.type} cannot hold a ${l.node.type}`);
        }
        if (l.parent.id !== target.id || src !== dst) this.checkName(target, l.node.type, l.node.name, l.node.id);
        // A file that could not be read is kept where it is: the other project has no copy of its text.
        if (src !== dst) {
          walk(l.node, (n) => {
            if (n.id.startsWith(UNREADABLE_PREFIX)) {
              throw new StudioError(
                400,
                "unreadable_file",
                `"${n.name}" stands for a file that could not be read (${n.location?.file ?? "its file"}): fix the file before moving it to another project`,
              );
            }
          });
        }
      }
      this.refuseSecondApplication(
        target,
        located.flatMap((l) =>
          l.node.type === "Application" && (l.parent!.id !== target.id || src !== dst) ? [l.node.name] : [],
        ),
      );
      // Remove all (highest index first), then insert in the original order at the target index,
      // adjusted for removed siblings that were before it.
      let index = clampIndex(to.index, target.children.length);
      const ordered = [...located].sort((a, b) => this.order(src, a.node.id) - this.order(src, b.node.id));
      const ops: TreeOp[] = [];
      for (const l of [...located].sort((a, b) => b.index - a.index)) {
        ops.push({ op: "remove", project: src.name, parent: l.parent!.id, index: l.index, node: l.node });
        if (src === dst && l.parent!.id === target.id && l.index < index) index--;
      }
      ordered.forEach((l, i) => {
        ops.push({ op: "insert", project: dst.name, parent: target.id, index: index + i, node: l.node });
      });
      // When the result is the same order, there is nothing to do.
      if (src === dst && located.every((l) => l.parent!.id === target.id)) {
        const after = target.children.filter((c) => !located.some((l) => l.node.id === c.id));
        after.splice(index, 0, ...ordered.map((l) => l.node));
        if (after.every((c, i) => c.id === target.children[i]?.id)) return undefined;
      }
      const names = ordered.map((l) => `"${l.node.name}"`);
      return {
        label: `Move ${names.slice(0, 3).join(", ")}${names.length > 3 ? "…" : ""}`,
        ops: ops.map((o) => (o.op === "props" ? o : { ...o, node: structuredClone(o.node) })),
        focus: { project: dst.name, id: ordered[0]!.node.id },
      };
    });
  }

  /** Pastes copies of objects (new ids, free names) under a parent: copy and paste, duplicate. */
  paste(
    project: string,
    req: { parent: string; index?: number; nodes: unknown[] },
    origin?: string,
    label = "Paste",
  ): Promise<ChangeResult> {
    return this.change(origin, () => {
      const p = this.project(project);
      const parent = this.locate(p, req.parent).node;
      if (!Array.isArray(req.nodes) || req.nodes.length === 0)
        throw new StudioError(400, "nothing_to_paste", "Nothing to paste");
      let index = clampIndex(req.index, parent.children.length);
      const ops: TreeOp[] = [];
      const names = new Set(parent.children.map((c) => c.name));
      for (const raw of req.nodes) {
        const node = sanitizeNode(raw, "nodes");
        if (!acceptsChild(parent.type, node.type)) {
          throw new StudioError(400, "not_accepted", `A ${parent.type} cannot hold a ${node.type}`);
        }
        renewIds(node);
        const def = getType(node.type);
        if ((hasUniqueName(def?.category) || def?.file !== undefined) && names.has(node.name)) {
          let i = 1;
          const base = node.name.replace(/_copy\d*$/, "");
          let n = `${base}_copy`;
          while (names.has(n)) n = `${base}_copy${++i}`;
          node.name = n;
        }
        names.add(node.name);
        ops.push({ op: "insert", project: p.name, parent: parent.id, index: index++, node });
      }
      this.refuseSecondApplication(
        parent,
        ops.flatMap((o) => (o.op === "insert" && o.node.type === "Application" ? [o.node.name] : [])),
      );
      return {
        label: `${label} ${ops.length === 1 ? `"${(ops[0] as { node: ObjNode }).node.name}"` : `${ops.length} objects`}`,
        ops,
        focus: { project: p.name, id: (ops[0] as { node: ObjNode }).node.id },
      };
    });
  }

  /** Duplicates objects next to themselves. */
  async duplicate(project: string, ids: string[], origin?: string): Promise<ChangeResult> {
    const p = this.project(project);
    const located = this.topLevel(p, ids);
    const first = located[0];
    if (!first?.parent) throw new StudioError(400, "duplicate_project", "Choose objects inside a project");
    const parentId = first.parent.id;
    const sameParent = located.filter((l) => l.parent?.id === parentId).sort((a, b) => a.index - b.index);
    const last = sameParent.at(-1)!;
    return this.paste(
      project,
      { parent: parentId, index: last.index + 1, nodes: sameParent.map((l) => stripForCopy(l.node)) },
      origin,
      "Duplicate",
    );
  }

  undo(origin?: string): Promise<ChangeResult> {
    return this.replay("undo", origin);
  }

  redo(origin?: string): Promise<ChangeResult> {
    return this.replay("redo", origin);
  }

  private replay(which: "undo" | "redo", origin?: string): Promise<ChangeResult> {
    return this.serialize(async () => {
      const entry = which === "undo" ? this.history.peekUndo() : this.history.peekRedo();
      if (!entry) throw new StudioError(409, "nothing_to_" + which, `Nothing to ${which}`);
      const ops = which === "undo" ? inverseOps(entry.ops) : entry.ops;
      try {
        const result = await this.applyOps(ops, origin);
        if (which === "undo") this.history.undone();
        else this.history.redone();
        result.history = this.history.state();
        this.emit({ kind: "history", history: result.history });
        return result;
      } catch (e) {
        if (e instanceof StudioError && e.status === 409) {
          if (which === "undo") this.history.dropUndo();
          else this.history.dropRedo();
          this.emit({ kind: "history", history: this.history.state() });
          throw new StudioError(
            409,
            "conflict",
            `Cannot ${which} "${entry.label}": the objects it changed were changed since (${e.message}). It was removed from the history.`,
          );
        }
        throw e;
      }
    });
  }

  /** Plans a change (or nothing) from the current trees, applies it, saves, records it. */
  private change(
    origin: string | undefined,
    plan: () =>
      | { label: string; ops: TreeOp[]; focus?: { project: string; id: string } }
      | undefined
      | Promise<PlannedChange | undefined>,
  ): Promise<ChangeResult> {
    return this.serialize(async () => {
      const planned = await plan();
      if (!planned) return { deltas: [], history: this.history.state() };
      const result = await this.applyOps(planned.ops, origin);
      const entry: HistoryEntry = { label: planned.label, ops: planned.ops, at: Date.now() };
      this.history.record(entry);
      result.history = this.history.state();
      if (planned.focus) result.focus = planned.focus;
      this.emit({ kind: "history", history: result.history });
      return result;
    });
  }

  /**
   * Applies ops to the loaded trees and saves the projects touched. Any failure (a stale tree, a
   * file that cannot be written) puts the trees back as they were: nothing half-done is kept.
   */
  private async applyAndSave(ops: readonly TreeOp[], origin: string | undefined): Promise<ChangeResult> {
    const touched = new Map<
      string,
      { upserts: Set<string>; removed: Set<string>; issuesBefore: Map<string, string> }
    >();
    const track = (project: string) => {
      let t = touched.get(project);
      if (!t) {
        t = { upserts: new Set(), removed: new Set(), issuesBefore: issueMap(this.project(project).root) };
        touched.set(project, t);
      }
      return t;
    };
    const applied: TreeOp[] = [];
    try {
      for (const op of ops) {
        const t = track(op.project);
        this.applyOp(op, t);
        applied.push(op);
      }
      for (const name of touched.keys()) {
        const p = this.project(name);
        if (!(await this.saveEditsFast(p, ops))) await saveProject(p);
      }
    } catch (e) {
      for (const op of inverseOps(applied)) {
        try {
          this.applyOp(op, track(op.project));
        } catch {
          // the inverse of what was just applied cannot fail; keep going regardless
        }
      }
      for (const name of touched.keys()) annotateIssues(this.project(name).root);
      if (e instanceof StudioError) throw e;
      throw new StudioError(400, "not_saved", (e as Error).message);
    }
    const deltas: ProjectDelta[] = [];
    for (const [name, t] of touched) {
      const p = this.project(name);
      const byId = indexTree(p.root);
      const after = issueMap(p.root);
      for (const id of new Set([...t.issuesBefore.keys(), ...after.keys()])) {
        if (t.issuesBefore.get(id) !== after.get(id)) t.upserts.add(id);
      }
      const upserts: FlatNode[] = [];
      for (const id of t.upserts) {
        const l = byId.get(id);
        if (l) upserts.push(toFlat(l.node, l.parent?.id));
      }
      const removed = [...t.removed].filter((id) => !byId.has(id));
      const delta: ProjectDelta = { project: name, rev: this.bump(name), upserts, removed };
      deltas.push(delta);
      this.emit({ kind: "delta", delta, origin });
    }
    return { deltas, history: this.history.state() };
  }

  /**
   * Typing in a field changes properties of objects of one file: only that file is serialized
   * and written (saveProject would serialize every file of the project to compare it, which a
   * project of thousands of objects feels at every keystroke). Answers false when the change
   * needs the full save (structure, renames of file objects, several files).
   */
  private async saveEditsFast(p: LoadedProject, ops: readonly TreeOp[]): Promise<boolean> {
    const mine = ops.filter((o) => o.project === p.name);
    if (mine.length === 0 || mine.some((o) => o.op !== "props")) return false;
    let slot: ProjectFileSlot | undefined;
    for (const o of mine) {
      if (o.op !== "props") return false;
      // The file the object is written in (a page's own file, not its application's).
      const s = projectFileOf(p.root, o.id);
      if (!s || s.node === p.root || (slot && slot.node !== s.node)) return false;
      slot = s;
      // A file object's new name is a new file: the full save renames it.
      if (s.node.id === o.id && o.before.name !== o.after.name) return false;
    }
    if (!slot) return false;
    const top = slot.node;
    if (top.id.startsWith(UNREADABLE_PREFIX)) return false;
    const rel = slot.relPath;
    const state = p.files.get(rel);
    if (!state || state.nodeId !== top.id || state.fingerprint === undefined) return false;
    const fingerprint = objectFingerprint(top, slot.opts);
    if (fingerprint !== state.fingerprint) {
      const text = serializeObjectFile(top, slot.opts);
      if (text !== state.text) await writeFileAtomic(path.join(p.dir, rel), text);
      p.files.set(rel, { text, fingerprint, nodeId: top.id });
    }
    // Issues of the file's objects, and the own issues of the objects holding it below the root
    // (an application checks its pages' routes); the root's only change with names and structure.
    let invalidBefore = 0;
    walk(top, (n) => void (n.issues?.length && invalidBefore++));
    let invalidNow = 0;
    let located = this.locate(p, top.id);
    invalidNow += annotateIssues(top, located.parent);
    while (located.parent && located.parent !== p.root) {
      const holder = located.parent;
      located = this.locate(p, holder.id);
      if (holder.issues?.length) invalidBefore++;
      if (annotateNodeIssues(holder, located.parent)) invalidNow++;
    }
    p.invalidCount = p.invalidCount - invalidBefore + invalidNow;
    return true;
  }

  private applyOp(op: TreeOp, t: { upserts: Set<string>; removed: Set<string> }): void {
    const p = this.project(op.project);
    if (op.op === "props") {
      const { node, parent } = this.locate(p, op.id);
      if (objectRevision(node) !== objectRevision(op.before)) {
        throw new StudioError(409, "conflict", `"${node.name}" is not as it was`);
      }
      node.name = op.after.name;
      node.props = structuredClone(op.after.props);
      t.upserts.add(node.id);
      if (parent) t.upserts.add(parent.id);
      return;
    }
    const parent = this.locate(p, op.parent).node;
    if (op.op === "insert") {
      if (findIn(p.root, op.node.id)) throw new StudioError(409, "conflict", `"${op.node.name}" already exists`);
      const node = structuredClone(op.node);
      parent.children.splice(clampIndex(op.index, parent.children.length), 0, node);
      t.upserts.add(parent.id);
      walk(node, (n) => {
        t.upserts.add(n.id);
        t.removed.delete(n.id);
      });
      return;
    }
    const index = parent.children.findIndex((c) => c.id === op.node.id);
    const current = parent.children[index];
    if (!current || stableJson(strip(current)) !== stableJson(strip(op.node))) {
      throw new StudioError(409, "conflict", `"${op.node.name}" is not as it was`);
    }
    parent.children.splice(index, 1);
    t.upserts.add(parent.id);
    walk(current, (n) => {
      t.removed.add(n.id);
      t.upserts.delete(n.id);
    });
  }

  // ---- helpers ----

  private locate(p: LoadedProject, id: string): Located {
    const found = findIn(p.root, id);
    if (!found) throw new StudioError(404, "unknown_object", `The project ${p.name} has no object with id ${id}`);
    return found;
  }

  /** The objects of a list that are not inside another one of the list. */
  private topLevel(p: LoadedProject, ids: string[]): Located[] {
    if (!Array.isArray(ids) || ids.length === 0) throw new StudioError(400, "no_objects", "No object given");
    const set = new Set(ids);
    const located = [...set].map((id) => this.locate(p, id));
    return located.filter((l) => !located.some((o) => o !== l && this.isInside(o.node, l.node.id)));
  }

  private isInside(ancestor: ObjNode, id: string): boolean {
    let found = false;
    for (const c of ancestor.children) {
      walk(c, (n) => {
        if (n.id === id) found = true;
        return !found;
      });
      if (found) return true;
    }
    return false;
  }

  private order(p: LoadedProject, id: string): number {
    let i = 0;
    let at = -1;
    walk(p.root, (n) => {
      if (n.id === id) at = i;
      i++;
      return at < 0;
    });
    return at;
  }

  private freeName(parent: ObjNode, base: string, type: string): string {
    const names = new Set(parent.children.map((c) => c.name));
    void type;
    for (let i = 1; ; i++) if (!names.has(`${base}${i}`)) return `${base}${i}`;
  }

  /** A project has one application (Project's check): adding another is refused. */
  private refuseSecondApplication(parent: ObjNode, adding: readonly string[]): void {
    if (parent.type !== "Project" || adding.length === 0) return;
    const existing = parent.children.filter((c) => c.type === "Application").map((c) => c.name);
    if (!secondApplicationProblem(parent.name, [...existing, ...adding])) return;
    throw new StudioError(
      409,
      "one_application",
      existing.length
        ? `The project ${parent.name} already holds an application ("${existing[0]}"): a project has one (add pages, shared components and actions to it)`
        : `A project has one application: ${adding.map((a) => `"${a}"`).join(" and ")} cannot all be added to ${parent.name}`,
    );
  }

  private checkName(parent: ObjNode, type: string, name: string, selfId: string | undefined): void {
    const siblings = parent.children.map((c) => {
      const t = getType(c.type);
      return { id: c.id, name: c.name, category: t?.category, file: t?.file };
    });
    const problem = nameProblem(name, getType(type), {
      parentName: parent.name,
      siblings,
      ...(selfId ? { selfId } : {}),
    });
    // A clash is a conflict with what exists (409); a malformed name is the request's fault (400).
    if (problem) throw new StudioError(problem.code === "name_taken" ? 409 : 400, problem.code, problem.message);
  }
}

function clampIndex(index: number | undefined, length: number): number {
  if (index === undefined || !Number.isInteger(index) || index < 0 || index > length) return length;
  return index;
}

function findIn(root: ObjNode, id: string): Located | undefined {
  if (root.id === id) return { node: root, parent: undefined, index: 0 };
  const stack: ObjNode[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    for (let i = 0; i < n.children.length; i++) {
      const c = n.children[i]!;
      if (c.id === id) return { node: c, parent: n, index: i };
      stack.push(c);
    }
  }
  return undefined;
}

function indexTree(root: ObjNode): Map<string, { node: ObjNode; parent: ObjNode | undefined }> {
  const m = new Map<string, { node: ObjNode; parent: ObjNode | undefined }>();
  walk(root, (n, parent) => void m.set(n.id, { node: n, parent }));
  return m;
}

function issueMap(root: ObjNode): Map<string, string> {
  const m = new Map<string, string>();
  walk(root, (n) => {
    if (n.issues?.length) m.set(n.id, JSON.stringify(n.issues));
  });
  return m;
}

/** The parts of a node that its files hold (no issues, no location). */
function strip(n: ObjNode): unknown {
  return { id: n.id, type: n.type, name: n.name, props: n.props, children: n.children.map(strip) };
}

/** A copy of a node for the clipboard: no issues, no locations. */
export function stripForCopy(n: ObjNode): ObjNode {
  return {
    id: n.id,
    type: n.type,
    name: n.name,
    props: structuredClone(n.props),
    children: n.children.map(stripForCopy),
  };
}

function renewIds(n: ObjNode): void {
  walk(n, (x) => void (x.id = newId()));
}

/** Checks a node sent by a client (paste) and builds a clean ObjNode from it. */
function sanitizeNode(raw: unknown, where: string, depth = 0): ObjNode {
  if (depth > 200) throw new StudioError(400, "too_deep", `${where}: objects nested too deep`);
  if (!isPlainObject(raw)) throw new StudioError(400, "invalid_object", `${where}: an object is expected`);
  const { type, name, props, children } = raw;
  if (typeof type !== "string" || !getType(type) || type === "Foreign") {
    throw new StudioError(400, "unknown_type", `${where}: unknown object type "${String(type)}"`);
  }
  if (typeof name !== "string" || name.trim() === "")
    throw new StudioError(400, "invalid_name", `${where}: a name is required`);
  if (props !== undefined && !isPlainObject(props))
    throw new StudioError(400, "invalid_object", `${where}: props must be an object`);
  const clean: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props ?? {})) {
    if (k === "__proto__" || k === "constructor" || k === "prototype") continue;
    clean[k] = structuredClone(v);
  }
  const kids = children === undefined ? [] : children;
  if (!Array.isArray(kids)) throw new StudioError(400, "invalid_object", `${where}: children must be a list`);
  return {
    id: newId(),
    type,
    name: name.trim(),
    props: clean,
    children: kids.map((c, i) => sanitizeNode(c, `${where}/${name}[${i}]`, depth + 1)),
  };
}
