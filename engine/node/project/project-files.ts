import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink } from "node:fs/promises";
import path from "node:path";
import {
  FORMAT_VERSION,
  objectFingerprint,
  ownFileFolder,
  parseObjectFile,
  serializeObjectFile,
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
      fingerprint: objectFingerprint(root, projectFileOptions),
      nodeId: root.id,
    });
  } else {
    errors.push(...parsed.errors);
    root = {
      id: `unreadable-${name}`,
      type: "Project",
      name,
      props: {},
      children: [],
      issues: parsed.errors,
      location: { file: rel(name, "project.yaml") },
    };
    files.set("project.yaml", { text: projectText, fingerprint: undefined, nodeId: root.id });
  }

  for (const folder of ["connectors", "sequences", "api"] as const) {
    const folderPath = path.join(abs, folder);
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
      if (p.node && p.errors.length === 0) {
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
        root.children.push(node);
        files.set(relPath, { text, fingerprint: objectFingerprint(node), nodeId: node.id });
      } else {
        errors.push(...p.errors);
        const placeholder: ObjNode = {
          id: `unreadable-${folder}-${baseName}`,
          type: folder === "sequences" ? "Sequence" : folder === "api" ? "UrlMapper" : "UnreadableConnector",
          name: baseName,
          props: {},
          children: [],
          issues: p.errors,
          location: { file },
        };
        root.children.push(placeholder);
        files.set(relPath, { text, fingerprint: undefined, nodeId: placeholder.id });
      }
    }
  }
  // Settings and other children of project.yaml first, then connectors, sequences, the REST API.
  const order = (n: ObjNode) =>
    ownFileFolder(n) === "connectors" || n.type === "UnreadableConnector"
      ? 1
      : ownFileFolder(n) === "sequences"
        ? 2
        : ownFileFolder(n) === "api"
          ? 3
          : 0;
  root.children = root.children
    .map((n, i) => ({ n, i }))
    .sort((a, b) => order(a.n) - order(b.n) || a.i - b.i)
    .map((x) => x.n);
  const invalidCount = annotateIssues(root);
  return { dir: abs, name, root, files, errors, invalidCount };
}

/** project.yaml: the project and its children that have no file of their own, the format version first. */
const projectFileOptions: FileOptions = {
  inOwnFile: (c) => ownFileFolder(c) !== undefined || c.id.startsWith("unreadable-"),
  header: { atelier: FORMAT_VERSION },
};

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
  const problems: string[] = [];
  if (project.files.get("project.yaml")?.fingerprint === undefined && root.id.startsWith("unreadable-")) {
    desired.set("project.yaml", { node: undefined, opts: projectFileOptions, nodeId: root.id });
  } else {
    desired.set("project.yaml", { node: root, opts: projectFileOptions, nodeId: root.id });
  }
  for (const child of root.children) {
    const folder = ownFileFolder(child) ?? (child.type === "UnreadableConnector" ? "connectors" : undefined);
    if (!folder) continue;
    if (!NAME_RE.test(child.name)) {
      problems.push(
        `"${child.name}" cannot be a file name (use letters, digits, _ . -, not starting with a digit, . or -)`,
      );
      continue;
    }
    const relPath = `${folder}/${child.name}.yaml`;
    if (desired.has(relPath)) {
      problems.push(`Two objects would be saved to ${relPath}`);
      continue;
    }
    const state = project.files.get(relPath);
    const unreadable = child.id.startsWith("unreadable-") && state?.nodeId === child.id;
    desired.set(relPath, { node: unreadable ? undefined : child, opts: {}, nodeId: child.id });
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
