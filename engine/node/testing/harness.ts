import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { Engine, type EngineOptions, type RunRequest, type RunResult } from "../engine.ts";
import { EngineLog } from "../log.ts";

/** A plain object written as one project file (type, name, id?, properties..., children). */
export type PlainObject = { type: string; name: string; id?: string; children?: PlainObject[] } & Record<
  string,
  unknown
>;

let counter = 0;

/**
 * Fills in readable ids so tests can point sources at steps: a file's object is named by its
 * name, a child by its parent's id, its index and its name (`Main-0-data`).
 */
function withIds(o: PlainObject, id: string = o.name): PlainObject {
  const out: PlainObject = { ...o, id: o.id ?? id.replace(/[^A-Za-z0-9_-]/g, "_") };
  if (o.children) out.children = o.children.map((c, i) => withIds(c, `${out.id}-${i}-${c.name}`));
  return out;
}

export interface TestWorkspace {
  dir: string;
  engine: Engine;
  run(req: Omit<RunRequest, "project"> & { project?: string }): Promise<RunResult>;
  close(): Promise<void>;
}

/**
 * A temporary workspace with one project "P" made of the given connectors and sequences (plus
 * settings), opened by a real Engine. For tests.
 */
export async function testWorkspace(
  content: {
    sequences?: PlainObject[];
    connectors?: PlainObject[];
    settings?: PlainObject[];
    projectProps?: Record<string, unknown>;
    /** REST APIs (UrlMapper objects), written to api/NAME.yaml. */
    api?: PlainObject[];
  },
  opts: Partial<EngineOptions> = {},
): Promise<TestWorkspace> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `atelier-test-${process.pid}-${counter++}-`));
  const projectDir = path.join(dir, "P");
  await mkdir(path.join(projectDir, "sequences"), { recursive: true });
  await mkdir(path.join(projectDir, "connectors"), { recursive: true });
  const project = {
    atelier: 1,
    type: "Project",
    name: "P",
    id: "project-P",
    ...content.projectProps,
    ...(content.settings ? { children: content.settings.map((s) => withIds(s, `setting-${s.name}`)) } : {}),
  };
  await writeFile(path.join(projectDir, "project.yaml"), stringify(project));
  for (const s of content.sequences ?? []) {
    await writeFile(path.join(projectDir, "sequences", `${s.name}.yaml`), stringify(withIds(s)));
  }
  for (const c of content.connectors ?? []) {
    await writeFile(path.join(projectDir, "connectors", `${c.name}.yaml`), stringify(withIds(c)));
  }
  if (content.api?.length) await mkdir(path.join(projectDir, "api"), { recursive: true });
  for (const a of content.api ?? []) {
    await writeFile(path.join(projectDir, "api", `${a.name}.yaml`), stringify(withIds(a)));
  }
  const engine = await Engine.open({ workspaceDir: dir, log: new EngineLog({ level: "silent" }), ...opts });
  return {
    dir,
    engine,
    run: (req) => engine.run({ project: "P", ...req }),
    close: async () => {
      await engine.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs one sequence made of the given steps (and variables) once; for step tests. */
export async function runSteps(
  children: PlainObject[],
  inputs: Record<string, unknown> = {},
  extra: {
    sequences?: PlainObject[];
    connectors?: PlainObject[];
    settings?: PlainObject[];
    trace?: boolean;
    engine?: Partial<EngineOptions>;
  } = {},
): Promise<RunResult> {
  const ws = await testWorkspace(
    {
      sequences: [{ type: "Sequence", name: "Main", children }, ...(extra.sequences ?? [])],
      connectors: extra.connectors,
      settings: extra.settings,
    },
    extra.engine,
  );
  try {
    return await ws.run({ sequence: "Main", inputs, trace: extra.trace ?? true });
  } finally {
    await ws.close();
  }
}
