import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { walk, type ObjNode } from "../../common/model/node.ts";
import { referencesOf } from "../../common/model/references.ts";
import { isFileName, NAME_PATTERN } from "../../common/model/naming.ts";
import { exists, loadProject, saveProject, type LoadedProject } from "../project/project-files.ts";
import { SecretBox } from "../project/secrets.ts";
import { C8O_DEFAULT_PASSPHRASE } from "./c8o-crypto.ts";
import { readC8oProject } from "./c8o-yaml.ts";
import { mapC8oProject, type UiShare } from "./mapper.ts";

export interface ImportOptions {
  /** The Atelier project's name (its folder in the workspace); default: the Convertigo project's name. */
  name?: string;
  /** Convertigo's crypto passphrase, when the server did not keep the default one. */
  passphrase?: string;
  /** Environment for the workspace secret key (ATELIER_SECRET_KEY); default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * Also import the projects it references (project references, calls to other projects) found
   * in these folders of Convertigo projects (the CLI gives the source's parent folder), then
   * theirs, each once; absent: the project alone.
   */
  references?: { from: readonly string[]; max?: number };
}

/** What became of a project the imported ones reference. */
export interface ReferencedProjects {
  /** Imported from a folder of `from`, each with its own summary. */
  imported: ImportSummary[];
  /** Already in the workspace: left as they are. */
  present: string[];
  /** Not imported: found nowhere (with where to get it, when a project reference says), or failed. */
  missing: { project: string; referencedBy: string; location?: string; reason: string }[];
}

export interface ImportSummary {
  /** The Atelier project's name. */
  project: string;
  /** Every object of the source (every `↓` entry of every file). */
  objects: number;
  /** Objects that became native Atelier objects. */
  mapped: number;
  /** Objects kept as Foreign objects. */
  foreign: number;
  /** Objects by Convertigo class. */
  byClass: Record<string, number>;
  /** Objects kept as Foreign, by Convertigo class. */
  foreignByClass: Record<string, number>;
  /** What needs the user's attention, each with the file and line of the source object. */
  warnings: string[];
  /** The project folder written. */
  projectDir: string;
  /** The Convertigo format version of the source (`↑convertigo:`). */
  convertigoVersion: string | undefined;
  /** Secret settings created for ciphered or secret values. */
  secrets: string[];
  /** The share of the mobile application's objects (Convertigo's UI: pages, components, actions). */
  ui: UiShare;
  /** The projects it references (only when `references` was asked). */
  references?: ReferencedProjects;
}

/**
 * Imports a Convertigo project folder (c8oProject.yaml + _c8oProject/) into a workspace: the
 * project folder `<workspaceDir>/<name>` is created, never overwritten. The project is built in a
 * temporary folder beside it and renamed into place only once complete, so a failed import
 * leaves nothing behind. Throws C8oFormatError (file and line) for malformed input.
 */
export async function importConvertigo(
  src: string,
  workspaceDir: string,
  opts: ImportOptions = {},
): Promise<ImportSummary> {
  const { references, ...own } = opts;
  const summary = await importOne(src, workspaceDir, own);
  if (references) {
    const { name: _name, ...shared } = own;
    summary.references = await importReferenced(summary, workspaceDir, shared, references);
  }
  return summary;
}

/** At most this many referenced projects are imported with one project (a bound, not a habit). */
const MAX_REFERENCED = 50;
/** Folders of a `from` folder looked at, at most. */
const MAX_CANDIDATES = 1000;

/**
 * Imports what an imported project references, breadth first: each referenced project is
 * looked for among the Convertigo projects of `from` (by the name in its c8oProject.yaml), left
 * alone when the workspace has it, imported (atomically, as any import) otherwise, then its own
 * references are followed. Each name is visited once, so cycles end; at most `max` imports.
 */
async function importReferenced(
  first: ImportSummary,
  workspaceDir: string,
  opts: Omit<ImportOptions, "references" | "name">,
  refs: NonNullable<ImportOptions["references"]>,
): Promise<ReferencedProjects> {
  const out: ReferencedProjects = { imported: [], present: [], missing: [] };
  const max = refs.max ?? MAX_REFERENCED;
  let sources: Map<string, string> | undefined;
  const seen = new Set<string>([first.project]);
  const queue: { project: string; referencedBy: string; location?: string }[] = [];
  const follow = async (summary: ImportSummary) => {
    for (const r of await referencedProjects(summary.projectDir)) {
      if (seen.has(r.project)) continue;
      seen.add(r.project);
      queue.push({ ...r, referencedBy: summary.project });
    }
  };
  await follow(first);
  while (queue.length) {
    const next = queue.shift()!;
    const where = next.location ? { location: next.location } : {};
    if (!isFileName(next.project)) {
      out.missing.push({ ...next, reason: `"${next.project}" is not a valid project name` });
      continue;
    }
    if (await exists(path.join(workspaceDir, next.project))) {
      out.present.push(next.project);
      continue;
    }
    sources ??= await convertigoProjectsIn(refs.from);
    const dir = sources.get(next.project);
    if (!dir) {
      const looked = refs.from.length ? `not found in ${refs.from.join(", ")}` : "no folder to look in";
      out.missing.push({ ...next, ...where, reason: looked });
      continue;
    }
    if (out.imported.length >= max) {
      out.missing.push({ ...next, ...where, reason: `not imported: more than ${max} referenced projects` });
      continue;
    }
    try {
      const summary = await importOne(dir, workspaceDir, opts);
      out.imported.push(summary);
      await follow(summary);
    } catch (e) {
      out.missing.push({ ...next, ...where, reason: `the import of ${dir} failed: ${(e as Error).message}` });
    }
  }
  return out;
}

/** The projects an imported project names: its project references, then its calls' projects. */
async function referencedProjects(projectDir: string): Promise<{ project: string; location?: string }[]> {
  const loaded = await loadProject(projectDir);
  const found = new Map<string, string | undefined>();
  walk(loaded.root, (n) => {
    if (n.type === "ProjectReference") {
      const project = typeof n.props.project === "string" ? n.props.project : "";
      const location = typeof n.props.location === "string" && n.props.location ? n.props.location : undefined;
      if (project && !found.get(project)) found.set(project, location);
      return;
    }
    for (const r of referencesOf(n, loaded.name)) {
      if (r.target.refers !== "project" || r.value.includes("${")) continue;
      if (r.target.name !== loaded.name && !found.has(r.target.name)) found.set(r.target.name, undefined);
    }
  });
  return [...found].map(([project, location]) => (location ? { project, location } : { project }));
}

/**
 * The Convertigo projects of some folders, by project name: each folder itself when it is a
 * project, else its sub-folders holding a c8oProject.yaml (the name read from its `core.Project`
 * line). The first folder naming a project wins.
 */
async function convertigoProjectsIn(folders: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const add = async (dir: string) => {
    const text = await readFile(path.join(dir, "c8oProject.yaml"), "utf8").catch(() => undefined);
    const name = text && /^\s*↓(.+?) \[core\.Project\]:/m.exec(text.slice(0, 64 * 1024))?.[1];
    if (name && !out.has(name)) out.set(name, dir);
  };
  for (const folder of folders) {
    const dir = path.resolve(folder);
    await add(dir);
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries.slice(0, MAX_CANDIDATES)) {
      if (e.isDirectory() && !e.name.startsWith(".")) await add(path.join(dir, e.name));
    }
  }
  return out;
}

async function importOne(src: string, workspaceDir: string, opts: ImportOptions): Promise<ImportSummary> {
  const srcDir = path.resolve(src);
  const wsDir = path.resolve(workspaceDir);
  const source = await readC8oProject(srcDir);
  const warnings = [...source.warnings];

  let name = opts.name ?? source.project.name;
  if (!isFileName(name)) {
    if (opts.name !== undefined) throw new Error(`"${name}" is not a valid project name (${NAME_PATTERN})`);
    const fixed = name.replace(/[^A-Za-z0-9_.-]/g, "_").replace(/^([^A-Za-z_])/, "_$1");
    warnings.push(`c8oProject.yaml:${source.project.location.line}: project "${name}" is imported as "${fixed}"`);
    name = fixed;
  }
  const target = path.join(wsDir, name);
  if (await exists(target)) {
    throw new Error(
      `${target} already exists: the import never overwrites a project (choose another name with --name)`,
    );
  }

  const mapped = mapC8oProject(source.project, {
    projectName: name,
    passphrase: opts.passphrase ?? C8O_DEFAULT_PASSPHRASE,
    version: source.version,
    sourceDir: srcDir,
  });
  if (mapped.objects !== source.objectCount) {
    throw new Error(`internal error: ${source.objectCount} objects read but ${mapped.objects} imported`);
  }
  warnings.push(...mapped.warnings);

  await mkdir(wsDir, { recursive: true });
  const settings: ObjNode[] = [];
  if (mapped.secrets.length) {
    const box = await SecretBox.open(wsDir, opts.env ?? process.env);
    for (const s of mapped.secrets) {
      settings.push({
        id: `setting-${s.setting}`,
        type: "Setting",
        name: s.setting,
        props: { value: await box.encrypt(s.plain), secret: true, description: s.description },
        children: [],
      });
    }
  }
  const root = mapped.root;
  // Apps built for Convertigo expect its errors as HTTP 200 with {"error": ...} (its
  // throw_http_500=false), whatever client they use: an imported project says so (the
  // errorStatus setting; README "HTTP API"), and its owner can change it.
  const hasSetting = (n: string) => [...settings, ...root.children].some((c) => c.type === "Setting" && c.name === n);
  if (!hasSetting("errorStatus")) {
    settings.push({
      id: "setting-errorStatus",
      type: "Setting",
      name: "errorStatus",
      props: {
        value: "convertigo",
        description:
          "Imported from Convertigo: a run's error answers HTTP 200 with {\"error\": ...}, as Convertigo does (http: the error's own status; auto: 200 for Convertigo's SDKs only)",
      },
      children: [],
    });
  }
  root.children = [...settings, ...root.children];

  const tmp = path.join(wsDir, `.${name}.import-${randomBytes(6).toString("hex")}`);
  let claimed = false;
  try {
    await mkdir(tmp);
    const project: LoadedProject = { dir: tmp, name, root, files: new Map(), errors: [], invalidCount: 0 };
    await saveProject(project);
    // Files beside the objects (custom code kept for the app): never outside the project.
    for (const [rel, text] of mapped.files) {
      const file = path.resolve(tmp, rel);
      if (!file.startsWith(tmp + path.sep)) throw new Error(`internal error: the file ${rel} is outside the project`);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, text);
    }
    // Read back what was written: the project must load without a file error.
    const check = await loadProject(tmp);
    if (check.errors.length) {
      const e = check.errors[0]!;
      throw new Error(`internal error: the imported project does not load (${e.location?.file}: ${e.message})`);
    }
    // Claim the name (fails if it appeared meanwhile), then move the finished folder onto it.
    await mkdir(target);
    claimed = true;
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    if (claimed) await rmdir(target).catch(() => {});
    if ((e as NodeJS.ErrnoException).code === "EEXIST") {
      throw new Error(`${target} already exists: the import never overwrites a project`);
    }
    throw e;
  }

  return {
    project: name,
    objects: mapped.objects,
    mapped: mapped.mapped,
    foreign: mapped.foreign,
    byClass: mapped.byClass,
    foreignByClass: mapped.foreignByClass,
    warnings,
    projectDir: target,
    convertigoVersion: source.version,
    secrets: mapped.secrets.map((s) => s.setting),
    ui: mapped.ui,
  };
}
