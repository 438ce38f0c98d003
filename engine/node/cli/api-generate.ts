import path from "node:path";
import { generateMapper, summarize, type GeneratedApiSummary } from "../../common/api/generate-mapper.ts";
import { findById, type ObjNode } from "../../common/model/node.ts";
import { loadProject, saveProject } from "../project/project-files.ts";
import { DEFAULT_REST_PREFIX, readWorkspaceConfig } from "../project/workspace.ts";
import { apiUsage } from "./api-command.ts";
import { resolveProjectDir } from "./project-dir.ts";

export interface GenerateApiResult extends GeneratedApiSummary {
  project: string;
  /** Files written (relative to the project folder); none on a dry run or when nothing is added. */
  written: string[];
  /** Where the REST APIs are served (the workspace's rest.prefix). */
  restPrefix: string;
  /** What to print, one line each. */
  lines: string[];
}

/** Generates the project's REST API from its sequences and saves it (see apiCommand). */
export async function generateApiFiles(
  dir: string,
  projectName: string | undefined,
  opts: { dryRun?: boolean } = {},
): Promise<GenerateApiResult> {
  const folder = await resolveProjectDir(dir, projectName, apiUsage);
  const project = await loadProject(folder);
  if (project.errors.length) {
    throw new Error(
      `The project cannot be saved safely: ${project.errors.map((e) => `${e.location?.file}:${e.location?.line ?? "?"}: ${e.message}`).join("; ")}`,
    );
  }
  let restPrefix = DEFAULT_REST_PREFIX;
  try {
    restPrefix = (await readWorkspaceConfig(path.dirname(folder))).rest?.prefix ?? DEFAULT_REST_PREFIX;
  } catch {
    // A workspace configuration that does not read changes nothing here: the engine says why.
  }
  const plan = generateMapper(project.root);
  let written: string[] = [];
  if (plan.nodes.length > 0 && !opts.dryRun) {
    const parent = findById(project.root, plan.parent) as ObjNode;
    parent.children.push(...plan.nodes);
    written = (await saveProject(project)).written;
  }
  const summary = summarize(plan);
  const lines: string[] = [];
  const file = `api/${plan.mapper}.yaml`;
  if (plan.operations.length === 0) {
    lines.push(`Nothing to add to the REST API of ${project.name}: no sequence lacks an operation.`);
  } else {
    const verb = opts.dryRun ? "would add" : "added";
    lines.push(
      plan.created
        ? `${project.name}: REST API "${plan.mapper}" (prefix ${plan.prefix}) ${opts.dryRun ? "would be made" : "made"} in ${file}, served under ${restPrefix}:`
        : `${project.name}: ${verb} to the REST API "${plan.mapper}" (${file}), served under ${restPrefix}:`,
    );
    const width = Math.max(...plan.operations.map((op) => op.url.length));
    for (const op of plan.operations) {
      const params = op.parameters.length ? ` (${op.parameters.join(", ")})` : "";
      lines.push(
        `  ${op.method.padEnd(4)} ${(restPrefix + op.url).padEnd(width + restPrefix.length)}  ${op.sequence}${params}`,
      );
      if (op.because) lines.push(`       POST: ${op.because}`);
    }
  }
  for (const s of plan.skipped) lines.push(`  left out: ${s.sequence}: ${s.reason}`);
  return { project: project.name, ...summary, written, restPrefix, lines };
}
