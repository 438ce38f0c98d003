import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, rmdir } from "node:fs/promises";
import path from "node:path";
import type { ObjNode } from "../../common/model/node.ts";
import { isFileName, NAME_PATTERN } from "../../common/model/naming.ts";
import { exists, loadProject, saveProject, type LoadedProject } from "../project/project-files.ts";
import { SecretBox } from "../project/secrets.ts";
import { C8O_DEFAULT_PASSPHRASE } from "./c8o-crypto.ts";
import { readC8oProject } from "./c8o-yaml.ts";
import { mapC8oProject } from "./mapper.ts";

export interface ImportOptions {
  /** The Atelier project's name (its folder in the workspace); default: the Convertigo project's name. */
  name?: string;
  /** Convertigo's crypto passphrase, when the server did not keep the default one. */
  passphrase?: string;
  /** Environment for the workspace secret key (ATELIER_SECRET_KEY); default process.env. */
  env?: NodeJS.ProcessEnv;
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
  /** What needs the user's attention, each with the file and line of the source object. */
  warnings: string[];
  /** The project folder written. */
  projectDir: string;
  /** The Convertigo format version of the source (`↑convertigo:`). */
  convertigoVersion: string | undefined;
  /** Secret settings created for ciphered or secret values. */
  secrets: string[];
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
    warnings,
    projectDir: target,
    convertigoVersion: source.version,
    secrets: mapped.secrets.map((s) => s.setting),
  };
}
