import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

/** What the generated project holds, for the graph benchmark to find its way. */
export interface LongSequence {
  project: string;
  rootId: string;
  sequence: { id: string; name: string };
  /** Steps in the sequence (blocks and what they hold). */
  steps: number;
  /** The names of the first and last steps. */
  firstStep: string;
  lastStep: string;
}

/**
 * Writes a project with one sequence of `steps` steps (a multiple of 5): chunks of an Element, a
 * Sequence JS and an Iterator holding an Element and a Log, so the graph has nesting and edges of
 * both kinds. Called again with another `name` (and `tag`, which starts every step id and name),
 * it adds a sequence to the same project.
 */
export async function generateLongSequence(
  workspace: string,
  steps = 500,
  project = "Graph",
  name = "Long",
  tag = "",
): Promise<LongSequence> {
  const dir = path.join(workspace, project);
  await mkdir(path.join(dir, "sequences"), { recursive: true });
  const rootId = "graphproj001";
  await writeFile(path.join(dir, "project.yaml"), `atelier: 1\ntype: Project\nname: ${project}\nid: ${rootId}\n`);
  const id = (prefix: string, i: number) => `${tag}${prefix}${String(i).padStart(12 - prefix.length, "0")}`;
  const seqId = `${tag}seqlong00001`;
  const lines = ["type: Sequence", `name: ${name}`, `id: ${seqId}`, "children:"];
  lines.push("  - type: Variable", "    name: n", `    id: ${tag}varlongn0001`, "    default: 3");
  const chunks = Math.ceil(steps / 5);
  for (let c = 0; c < chunks; c++) {
    lines.push(
      "  - type: Element",
      `    name: ${tag}value${c}`,
      `    id: ${id("ev", c)}`,
      `    value: ${c}`,
      "  - type: SequenceJS",
      `    name: ${tag}compute${c}`,
      `    id: ${id("js", c)}`,
      `    code: var x${c} = ${c} * 2`,
      "  - type: Iterator",
      `    name: ${tag}loop${c}`,
      `    id: ${id("it", c)}`,
      '    expression: "[1, 2]"',
      "    children:",
      "      - type: Element",
      `        name: ${tag}item${c}`,
      `        id: ${id("ei", c)}`,
      "        expression: item",
      "      - type: Log",
      `        name: ${tag}log${c}`,
      `        id: ${id("lg", c)}`,
      "        value: step",
    );
  }
  await writeFile(path.join(dir, "sequences", `${name}.yaml`), lines.join("\n") + "\n");
  return {
    project,
    rootId,
    sequence: { id: seqId, name },
    steps: chunks * 5,
    firstStep: `${tag}value0`,
    lastStep: `${tag}log${chunks - 1}`,
  };
}
