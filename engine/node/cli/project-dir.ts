import type { CommanderError } from "commander";
import path from "node:path";
import { exists, isProjectDir } from "../project/project-files.ts";

/**
 * Which project folder a command's `<dir>` and `--project` name: `<dir>` itself when it is a
 * project folder, else the project `--project` of the workspace `<dir>`. Refusals are `usage`'s
 * errors (exit code 2, the message printed).
 */
export async function resolveProjectDir(
  dir: string,
  project: string | undefined,
  usage: (message: string) => CommanderError,
): Promise<string> {
  if (await isProjectDir(dir)) {
    if (project !== undefined && project !== path.basename(dir))
      throw usage(`${dir} is the project ${path.basename(dir)}, not ${project}`);
    return dir;
  }
  if (!(await exists(dir))) throw usage(`${dir}: no such folder`);
  if (project === undefined) throw usage(`${dir} is not a project folder: give --project <name> of the workspace`);
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(project)) throw usage(`"${project}" is not a project name`);
  const p = path.join(dir, project);
  if (!(await isProjectDir(p))) throw usage(`The workspace ${dir} has no project ${project} (no ${p}/project.yaml)`);
  return p;
}
