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
 * both kinds.
 */
export async function generateLongSequence(workspace: string, steps = 500, project = "Graph"): Promise<LongSequence> {
  const dir = path.join(workspace, project);
  await mkdir(path.join(dir, "sequences"), { recursive: true });
  const rootId = "graphproj001";
  await writeFile(path.join(dir, "project.yaml"), `atelier: 1\ntype: Project\nname: ${project}\nid: ${rootId}\n`);
  const id = (prefix: string, i: number) => `${prefix}${String(i).padStart(12 - prefix.length, "0")}`;
  const lines = ["type: Sequence", "name: Long", "id: seqlong00001", "children:"];
  lines.push("  - type: Variable", "    name: n", "    id: varlongn0001", "    default: 3");
  const chunks = Math.ceil(steps / 5);
  for (let c = 0; c < chunks; c++) {
    lines.push(
      "  - type: Element",
      `    name: value${c}`,
      `    id: ${id("ev", c)}`,
      `    value: ${c}`,
      "  - type: SequenceJS",
      `    name: compute${c}`,
      `    id: ${id("js", c)}`,
      `    code: var x${c} = ${c} * 2`,
      "  - type: Iterator",
      `    name: loop${c}`,
      `    id: ${id("it", c)}`,
      '    expression: "[1, 2]"',
      "    children:",
      "      - type: Element",
      `        name: item${c}`,
      `        id: ${id("ei", c)}`,
      "        expression: item",
      "      - type: Log",
      `        name: log${c}`,
      `        id: ${id("lg", c)}`,
      "        value: step",
    );
  }
  await writeFile(path.join(dir, "sequences", "Long.yaml"), lines.join("\n") + "\n");
  return {
    project,
    rootId,
    sequence: { id: "seqlong00001", name: "Long" },
    steps: chunks * 5,
    firstStep: "value0",
    lastStep: `log${chunks - 1}`,
  };
}
