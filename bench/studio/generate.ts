import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

/** What the generated project holds, for the benchmark to find its way. */
export interface BigProject {
  project: string;
  objects: number;
  /** The sequence with 1,000 children. */
  wide: { id: string; name: string; file: string };
  /** Elements to select (name, id), in different sequences. */
  samples: { name: string; id: string; sequence: string }[];
  /** Ids of the containers to open so that the whole tree shows. */
  containers: string[];
  rootId: string;
}

/**
 * Writes a project of about 5,000 objects into a workspace folder: a sequence with 1,000
 * elements, 8 sequences of 30 JSON objects of 15 elements, a connector with 100 transactions.
 * `tag` ends every id (projects of one workspace then share no id, as real ones do).
 */
export async function generateBigProject(workspace: string, project = "Big", tag = ""): Promise<BigProject> {
  const dir = path.join(workspace, project);
  await mkdir(path.join(dir, "sequences"), { recursive: true });
  await mkdir(path.join(dir, "connectors"), { recursive: true });
  let objects = 1;
  const rootId = `bigproject01${tag}`;
  await writeFile(path.join(dir, "project.yaml"), `atelier: 1\ntype: Project\nname: ${project}\nid: ${rootId}\n`);
  const containers: string[] = [];
  const samples: BigProject["samples"] = [];

  const wideLines = ["type: Sequence", "name: Wide", `id: seqwide00000${tag}`, "children:"];
  for (let i = 0; i < 1000; i++) {
    wideLines.push(
      `  - type: Element`,
      `    name: w${i}`,
      `    id: w${String(i).padStart(11, "0")}${tag}`,
      `    value: ${i}`,
    );
  }
  objects += 1001;
  await writeFile(path.join(dir, "sequences", "Wide.yaml"), wideLines.join("\n") + "\n");

  for (let s = 0; s < 8; s++) {
    const seqId = `seq${String(s).padStart(9, "0")}${tag}`;
    containers.push(seqId);
    const lines = [`type: Sequence`, `name: Seq${s}`, `id: ${seqId}`, `children:`];
    lines.push(`  - type: Variable`, `    name: input`, `    id: var${String(s).padStart(9, "0")}${tag}`);
    objects += 2;
    for (let o = 0; o < 30; o++) {
      const objId = `obj${s}x${String(o).padStart(7, "0")}${tag}`;
      containers.push(objId);
      lines.push(`  - type: JsonObject`, `    name: object${o}`, `    id: ${objId}`, `    children:`);
      objects++;
      for (let e = 0; e < 15; e++) {
        const id = `el${s}x${o}x${String(e).padStart(6, "0")}`.slice(0, 12).padEnd(12, "0") + tag;
        const name = `s${s}o${o}e${e}`;
        lines.push(
          `      - type: Element`,
          `        name: ${name}`,
          `        id: ${id}`,
          `        expression: input + ${e}`,
        );
        objects++;
        if (e === 3 && o % 10 === 0) samples.push({ name, id, sequence: `Seq${s}` });
      }
    }
    await writeFile(path.join(dir, "sequences", `Seq${s}.yaml`), lines.join("\n") + "\n");
  }

  const conn = [`type: HttpConnector`, `name: Api`, `id: conbigapi001${tag}`, `children:`];
  objects++;
  for (let t = 0; t < 100; t++) {
    conn.push(
      `  - type: JsonHttpTransaction`,
      `    name: Tx${t}`,
      `    id: tx${String(t).padStart(10, "0")}${tag}`,
      `    path: /items/${t}`,
      `    children:`,
      `      - type: Variable`,
      `        name: id`,
      `        id: txv${String(t).padStart(9, "0")}${tag}`,
    );
    objects += 2;
  }
  await writeFile(path.join(dir, "connectors", "Api.yaml"), conn.join("\n") + "\n");
  containers.push(`conbigapi001${tag}`);
  return {
    project,
    objects,
    wide: { id: `seqwide00000${tag}`, name: "Wide", file: path.join(dir, "sequences", "Wide.yaml") },
    samples,
    containers,
    rootId,
  };
}

/** What a generated workspace holds: its projects, each of about 5,000 objects. */
export interface BigWorkspace {
  projects: BigProject[];
  objects: number;
}

/**
 * Writes `count` projects of about 5,000 objects each (`generateBigProject`: Big, Big1, Big2...;
 * ids tagged by project), so 10 make a workspace of about 50,000 objects.
 */
export async function generateBigWorkspace(workspace: string, count: number): Promise<BigWorkspace> {
  const projects: BigProject[] = [];
  for (let p = 0; p < count; p++)
    projects.push(await generateBigProject(workspace, p === 0 ? "Big" : `Big${p}`, p === 0 ? "" : `p${p}`));
  return { projects, objects: projects.reduce((n, p) => n + p.objects, 0) };
}
