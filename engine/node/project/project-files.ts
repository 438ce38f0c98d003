import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink } from "node:fs/promises";
import path from "node:path";
import {
  FORMAT_VERSION,
  inOwnFile,
  objectFingerprint,
  ownFileFolder,
  ownFileOptions,
  OWN_FILE_FOLDERS,
  parseObjectFile,
  serializeObjectFile,
  UNREADABLE_PREFIX,
  type FileOptions,
} from "../../common/format/project-format.ts";
import type { Issue, ObjNode } from "../../common/model/node.ts";
import { annotateIssues } from "../../common/model/registry.ts";
import { NAME_PATTERN } from "../../common/types/shared-props.ts";

/** What Atelier knows of one file of a project folder, as last read or written. */
export interface FileState {
  /** The text on disk. */
  text: string;
  /**
   * The fingerprint of what Atelier would write for the object(s) as read or last written
   * (`objectFingerprint`); undefined when the file could not be read (such a file is never
   * rewritten: the user's text is kept until they fix or delete it).
   */
  fingerprint: string | undefined;
  /** The id of the object the file holds. */
  nodeId: string;
}

/** A project loaded from its folder. */
export interface LoadedProject {
  /** Absolute path of the project folder. */
  dir: string;
  /** The project's name (its folder's name). */
  name: string;
  root: ObjNode;
  /** Files by path relative to the project folder (with / separators). */
  files: Map<string, FileState>;
  /** Problems that kept whole files from loading. */
  errors: Issue[];
  /** Number of objects with issues. */
  invalidCount: number;
}

const NAME_RE = new RegExp(`^${NAME_PATTERN}$`);

/** Writes a file so that a crash leaves either the old or the new text, never a mix. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  const fh = await open(tmp, "w", 0o644);
  try {
    await fh.writeFile(text, "utf8");
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Does a file or folder exist at this path? */
export async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** Is this folder a project (has a project.yaml)? */
export function isProjectDir(dir: string): Promise<boolean> {
  return exists(path.join(dir, "project.yaml"));
}

function rel(workspaceRelative: string, file: string): string {
  return `${workspaceRelative}/${file}`;
}

/**
 * Loads a project folder. A file that cannot be read becomes an object marked invalid (the rest
 * loads); objects with bad properties or misplaced children load and are marked invalid too.
 */
export async function loadProject(dir: string): Promise<LoadedProject> {
  const abs = path.resolve(dir);
  const name = path.basename(abs);
  const files = new Map<string, FileState>();
  const errors: Issue[] = [];

  const projectFile = path.join(abs, "project.yaml");
  let projectText: string;
  try {
    projectText = await readFile(projectFile, "utf8");
  } catch (e) {
    throw new Error(`${projectFile}: cannot read the project file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let root: ObjNode;
  const parsed = parseObjectFile(projectText, rel(name, "project.yaml"));
  if (parsed.node && parsed.errors.length === 0) {
    root = parsed.node;
    if (root.type !== "Project") {
      (root.issues ??= []).push({
        message: `project.yaml must hold a Project, not a ${root.type}`,
        location: root.location,
        origin: "file",
      });
    }
    if (root.name !== name) {
      (root.issues ??= []).push({
        message: `The project is named "${root.name}" but its folder is "${name}": the folder name is used`,
        location: root.location,
        origin: "file",
      });
      root.name = name;
    }
    files.set("project.yaml", {
      text: projectText,
      fingerprint: objectFingerprint(root, projectFileOptions(root)),
      nodeId: root.id,
    });
  } else {
    errors.push(...parsed.errors);
    root = {
      id: `${UNREADABLE_PREFIX}${name}`,
      type: "Project",
      name,
      props: {},
      children: [],
      issues: parsed.errors,
      location: { file: rel(name, "project.yaml") },
    };
    files.set("project.yaml", { text: projectText, fingerprint: undefined, nodeId: root.id });
  }

  // The folders of own files (OWN_FILE_FOLDERS): the project's children first (connectors,
  // sequences, the REST API, the application), then what the application holds in files of its
  // own (pages, shared components, shared actions), attached under it.
  const attached = new Map<ObjNode, ObjNode[]>();
  for (const info of OWN_FILE_FOLDERS) {
    const folder = info.folder;
    const folderPath = path.join(abs, ...folder.split("/"));
    let entries: string[] = [];
    try {
      entries = (await readdir(folderPath)).filter((f) => f.endsWith(".yaml") && !f.startsWith("."));
    } catch {
      continue;
    }
    entries.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const f of entries) {
      const relPath = `${folder}/${f}`;
      const file = rel(name, relPath);
      let text: string;
      try {
        text = await readFile(path.join(folderPath, f), "utf8");
      } catch (e) {
        errors.push({ message: `Cannot read the file: ${String(e)}`, location: { file } });
        continue;
      }
      const p = parseObjectFile(text, file);
      const baseName = f.slice(0, -".yaml".length);
      // Where the object goes: the project, or the first object of its file parent's type.
      const holder = info.parent === undefined ? root : root.children.find((c) => c.type === info.parent);
      let problems = p.errors;
      if (p.node && problems.length === 0 && info.type !== undefined && p.node.type !== info.type) {
        problems = [
          {
            message: `${relPath} must hold a ${info.type}, not ${p.node.type ? `a ${p.node.type}` : "an object without a type"}: the file is kept as it is`,
            location: { file, line: p.node.location?.line ?? 1 },
            origin: "file",
          },
        ];
      }
      if (problems.length === 0 && !holder) {
        problems = [
          {
            message: `${relPath} belongs to the project's ${info.parent ?? ""}, but the project has none (a ui/<name>.yaml file holding an Application): add one, or move the file away`,
            location: { file, line: p.node?.location?.line ?? 1 },
            origin: "file",
          },
        ];
      }
      if (p.node && problems.length === 0) {
        const node = p.node;
        if (ownFileFolder(node) !== folder && node.issues === undefined) {
          (node.issues ??= []).push({
            message: `A ${node.type || "object without type"} does not belong in ${folder}/`,
            location: node.location,
            origin: "file",
          });
        }
        if (node.name && node.name !== baseName) {
          (node.issues ??= []).push({
            message: `The object is named "${node.name}" but its file is ${f}: the file name is used`,
            location: node.location,
            origin: "file",
          });
          node.name = baseName;
        }
        holder!.children.push(node);
        if (holder !== root) attached.set(holder!, [...(attached.get(holder!) ?? []), node]);
        files.set(relPath, {
          text,
          fingerprint: objectFingerprint(node, ownFileOptions(node, false)),
          nodeId: node.id,
        });
      } else {
        errors.push(...problems);
        const placeholder: ObjNode = {
          id: `${UNREADABLE_PREFIX}${folder.replaceAll("/", "-")}-${baseName}`,
          type: info.placeholder,
          name: baseName,
          props: {},
          children: [],
          issues: problems,
          location: { file },
        };
        // A file of a file parent the project lacks stays beside the project's own files.
        (holder ?? root).children.push(placeholder);
        if (holder && holder !== root) attached.set(holder, [...(attached.get(holder) ?? []), placeholder]);
        files.set(relPath, { text, fingerprint: undefined, nodeId: placeholder.id });
      }
    }
  }
  // Under a file parent, its own children first, then its files' objects: pages in the order the
  // application's pageOrder gives (the others after, by file name), shared components, shared actions.
  for (const [holder, nodes] of attached) {
    const order = Array.isArray(holder.props.pageOrder) ? (holder.props.pageOrder as unknown[]) : [];
    const rank = (n: ObjNode) => {
      if (ownFileFolder(n) !== "ui/pages") return order.length;
      const i = order.indexOf(n.name);
      return i < 0 ? order.length : i;
    };
    const folderRank = (n: ObjNode) => OWN_FILE_FOLDERS.findIndex((x) => x.folder === ownFileFolder(n));
    const sorted = nodes
      .map((n, i) => ({ n, i }))
      .sort((a, b) => folderRank(a.n) - folderRank(b.n) || rank(a.n) - rank(b.n) || a.i - b.i)
      .map((x) => x.n);
    const set = new Set(nodes);
    holder.children = [...holder.children.filter((c) => !set.has(c)), ...sorted];
  }
  // Settings and other children of project.yaml first, then connectors, sequences, the REST API,
  // the application (and the files of one the project lacks).
  const order = (n: ObjNode) => {
    const folder = ownFileFolder(n) ?? (n.type === "UnreadableConnector" ? "connectors" : undefined);
    return folder === undefined ? 0 : 1 + OWN_FILE_FOLDERS.findIndex((x) => x.folder === folder);
  };
  root.children = root.children
    .map((n, i) => ({ n, i }))
    .sort((a, b) => order(a.n) - order(b.n) || a.i - b.i)
    .map((x) => x.n);
  const invalidCount = annotateIssues(root);
  return { dir: abs, name, root, files, errors, invalidCount };
}

/** project.yaml: the project and its children that have no file of their own, the format version first. */
function projectFileOptions(root: ObjNode): FileOptions {
  return ownFileOptions(root, true, { atelier: FORMAT_VERSION });
}

/** One file of a project's tree: its path in the project folder, the object it holds, how it is written. */
export interface ProjectFileSlot {
  relPath: string;
  node: ObjNode;
  opts: FileOptions;
}

/**
 * The files a project's tree is written to: project.yaml, then each object written in a file of
 * its own (`<folder>/<name>.yaml`), depth first (the application, then its pages...). Names that
 * cannot be file names and two objects for one file are answered as problems.
 */
export function projectFileSlots(root: ObjNode): { slots: ProjectFileSlot[]; problems: string[] } {
  const slots: ProjectFileSlot[] = [{ relPath: "project.yaml", node: root, opts: projectFileOptions(root) }];
  const problems: string[] = [];
  const seen = new Set<string>(["project.yaml"]);
  const visit = (holder: ObjNode, isRoot: boolean) => {
    for (const child of holder.children) {
      if (!inOwnFile(child, holder, isRoot)) continue;
      const folder = ownFileFolder(child) ?? (child.type === "UnreadableConnector" ? "connectors" : undefined);
      if (!folder) continue;
      if (!NAME_RE.test(child.name)) {
        problems.push(
          `"${child.name}" cannot be a file name (use letters, digits, _ . -, not starting with a digit, . or -)`,
        );
        continue;
      }
      const relPath = `${folder}/${child.name}.yaml`;
      if (seen.has(relPath)) {
        problems.push(`Two objects would be saved to ${relPath}`);
        continue;
      }
      seen.add(relPath);
      slots.push({ relPath, node: child, opts: ownFileOptions(child, false) });
      visit(child, false);
    }
  };
  visit(root, true);
  return { slots, problems };
}

/**
 * The file an object is written in: the innermost object on its path from the root that has a
 * file of its own (project.yaml for the root and what it holds inline); undefined when the id is
 * not in the tree.
 */
export function projectFileOf(root: ObjNode, id: string): ProjectFileSlot | undefined {
  const path: ObjNode[] = [];
  const find = (n: ObjNode): boolean => {
    path.push(n);
    if (n.id === id) return true;
    for (const c of n.children) if (find(c)) return true;
    path.pop();
    return false;
  };
  if (!find(root)) return undefined;
  let slot: ProjectFileSlot = { relPath: "project.yaml", node: root, opts: projectFileOptions(root) };
  // Down the path while each object has a file of its own: below an inline one, all is inline.
  for (let i = 1; i < path.length; i++) {
    const node = path[i]!;
    if (!inOwnFile(node, path[i - 1]!, i === 1)) break;
    const folder = ownFileFolder(node) ?? (node.type === "UnreadableConnector" ? "connectors" : undefined);
    if (!folder) break;
    slot = { relPath: `${folder}/${node.name}.yaml`, node, opts: ownFileOptions(node, false) };
  }
  return slot;
}

export interface SaveResult {
  written: string[];
  deleted: string[];
}

/**
 * Saves a project's tree to its folder: only files whose content changed are written (each one
 * atomically), files of removed objects are deleted. Refuses (before touching any file) a tree
 * whose names would clash or escape the folder.
 */
export async function saveProject(project: LoadedProject): Promise<SaveResult> {
  const root = project.root;
  // What each file should hold; `node` undefined: an unreadable file, kept as the user wrote it.
  const desired = new Map<string, { node: ObjNode | undefined; opts: FileOptions; nodeId: string }>();
  const { slots, problems } = projectFileSlots(root);
  for (const slot of slots) {
    const state = project.files.get(slot.relPath);
    if (slot.relPath === "project.yaml") {
      const unreadable = state?.fingerprint === undefined && root.id.startsWith(UNREADABLE_PREFIX);
      desired.set(slot.relPath, { node: unreadable ? undefined : root, opts: slot.opts, nodeId: root.id });
      continue;
    }
    const child = slot.node;
    const placeholder = child.id.startsWith(UNREADABLE_PREFIX);
    if (placeholder && state?.nodeId !== child.id) {
      // A placeholder renamed or moved to another folder: its file's text would be lost.
      const from = [...project.files].find(([, s]) => s.nodeId === child.id)?.[0];
      if (from) {
        problems.push(
          `${from} could not be read: it cannot be renamed or moved to ${slot.relPath} until the file is fixed`,
        );
        continue;
      }
    }
    desired.set(slot.relPath, {
      node: placeholder && state?.nodeId === child.id ? undefined : child,
      opts: slot.opts,
      nodeId: child.id,
    });
  }
  if (problems.length) throw new Error(`Project ${project.name} not saved: ${problems.join("; ")}`);

  const result: SaveResult = { written: [], deleted: [] };
  for (const [relPath, want] of desired) {
    const state = project.files.get(relPath);
    if (want.node === undefined) continue; // unreadable file kept as the user wrote it
    const fingerprint = objectFingerprint(want.node, want.opts);
    if (state && state.nodeId === want.nodeId && state.fingerprint === fingerprint) continue; // unchanged: keep the bytes
    const text = serializeObjectFile(want.node, want.opts);
    if (!state || state.text !== text) {
      await writeFileAtomic(path.join(project.dir, relPath), text);
      result.written.push(relPath);
    }
    project.files.set(relPath, { text, fingerprint, nodeId: want.nodeId });
  }
  for (const relPath of [...project.files.keys()]) {
    if (desired.has(relPath)) continue;
    await unlink(path.join(project.dir, relPath)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== "ENOENT") throw e;
    });
    project.files.delete(relPath);
    result.deleted.push(relPath);
  }
  project.invalidCount = annotateIssues(root);
  return result;
}

/** Creates a new project folder with an empty project; refuses an existing folder. */
export async function createProject(workspaceDir: string, name: string, root: ObjNode): Promise<LoadedProject> {
  if (!NAME_RE.test(name)) throw new Error(`"${name}" is not a valid project name`);
  const dir = path.join(workspaceDir, name);
  if (await exists(dir)) throw new Error(`A folder named ${name} already exists in the workspace`);
  const project: LoadedProject = { dir, name, root: { ...root, name }, files: new Map(), errors: [], invalidCount: 0 };
  await mkdir(dir, { recursive: true });
  await saveProject(project);
  return project;
}
