import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { isPlainObject } from "../../common/model/props.ts";
import { isProjectDir, loadProject, type LoadedProject } from "./project-files.ts";

/** The workspace configuration file (optional), at the workspace's root. */
export const CONFIG_FILE = "atelier.config.yaml";

export interface WorkspaceConfig {
  /** Setting overrides: `name` or `Project.name` to a value. */
  settings: Record<string, string>;
}

/** Reads atelier.config.yaml; a missing file is an empty configuration, a bad one an error. */
export async function readWorkspaceConfig(dir: string): Promise<WorkspaceConfig> {
  const file = path.join(dir, CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { settings: {} };
    throw e;
  }
  let data: unknown;
  try {
    data = parseYaml(text) ?? {};
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message.split("\n")[0]}`);
  }
  if (!isPlainObject(data)) throw new Error(`${file}: the configuration must be a mapping`);
  const settings: Record<string, string> = {};
  if (data.settings !== undefined) {
    if (!isPlainObject(data.settings)) throw new Error(`${file}: settings must be a mapping of names to values`);
    for (const [k, v] of Object.entries(data.settings)) settings[k] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return { settings };
}

/** A folder of project folders, loaded. */
export class Workspace {
  readonly projects = new Map<string, LoadedProject>();
  /** Folders that look like projects but failed to load at all, with the reason. */
  readonly failures = new Map<string, string>();

  constructor(readonly dir: string) {}

  /** Loads every project folder of the workspace (a folder holding project.yaml). */
  async loadAll(): Promise<void> {
    let entries: string[];
    try {
      entries = await readdir(this.dir);
    } catch (e) {
      throw new Error(
        `Cannot read the workspace folder ${this.dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      );
    }
    this.projects.clear();
    this.failures.clear();
    for (const name of entries.sort()) {
      if (name.startsWith(".") || name === "node_modules") continue;
      const dir = path.join(this.dir, name);
      if (!(await isProjectDir(dir))) continue;
      await this.reload(name);
    }
  }

  /** (Re)loads one project from disk; answers it, or undefined when its folder is gone. */
  async reload(name: string): Promise<LoadedProject | undefined> {
    const dir = path.join(this.dir, name);
    if (!(await isProjectDir(dir))) {
      this.projects.delete(name);
      this.failures.delete(name);
      return undefined;
    }
    try {
      const p = await loadProject(dir);
      this.projects.set(name, p);
      this.failures.delete(name);
      return p;
    } catch (e) {
      this.projects.delete(name);
      this.failures.set(name, (e as Error).message);
      return undefined;
    }
  }

  /** Adds a project loaded from elsewhere (atelier run --project DIR). */
  add(project: LoadedProject): void {
    this.projects.set(project.name, project);
  }

  get(name: string): LoadedProject | undefined {
    return this.projects.get(name);
  }
}
