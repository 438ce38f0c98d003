import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { danglingMessage, danglingReferences } from "../../common/model/references.ts";
import { Engine } from "../engine.ts";
import { EngineLog } from "../log.ts";
import { loadProject } from "../project/project-files.ts";
import { importConvertigo } from "./import.ts";
import { parseProjectLocation } from "./map/references.ts";

const temps: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), "c8o-refs-"));
  temps.push(d);
  return d;
}
afterAll(async () => {
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

const GRP_URL = "lib_Lib=https://github.com/example/c8oprj-lib.git:branch=master";
const MISSING_URL = "lib_Missing=https://github.com/example/c8oprj-missing.git:branch=7.9.0";

/** Writes a Convertigo project folder (c8oProject.yaml and its sequences). */
async function c8oProject(dir: string, files: Record<string, string[]>): Promise<string> {
  for (const [rel, lines] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), `${lines.join("\n")}\n`);
  }
  return dir;
}

/** A folder of Convertigo projects: App references lib_Lib (which references App back) and lib_Missing. */
async function projectsFolder(): Promise<string> {
  const root = await tempDir();
  await c8oProject(path.join(root, "c8oprj-app"), {
    "c8oProject.yaml": [
      "↑convertigo: 7.9.0.m006",
      "↓App [core.Project]: ",
      "  ↓Main [sequences.GenericSequence]: 🗏 sequences/Main.yaml",
      "  ↓lib_Lib [references.ProjectSchemaReference]: ",
      `    projectName: ${GRP_URL}`,
      "  ↓lib_Missing [references.ProjectSchemaReference]: ",
      `    projectName: ${MISSING_URL}`,
    ],
    "_c8oProject/sequences/Main.yaml": [
      "↓Call_Sequence [steps.SequenceStep-1700000000010]: ",
      "  sourceSequence: lib_Lib.Hello",
      "  ↓name [variables.StepVariable-1700000000011]: ",
      "    value: Ada",
      "↓Element [steps.XMLElementStep-1700000000012]: ",
      "  nodeName: result",
      "  sourceDefinition: ",
      "    - xmlizable: ",
      "      - ↑classname: com.twinsoft.convertigo.beans.common.XMLVector",
      "      - com.twinsoft.convertigo.beans.common.XMLVector: ",
      "        - java.lang.String: ",
      "          - ↑value: 1700000000010",
      "        - java.lang.String: ",
      "          - ↑value: ./document/greeting/text()",
    ],
  });
  await c8oProject(path.join(root, "c8oprj-lib"), {
    "c8oProject.yaml": [
      "↑convertigo: 7.9.0.m006",
      "↓lib_Lib [core.Project]: ",
      "  ↓Hello [sequences.GenericSequence]: 🗏 sequences/Hello.yaml",
      "  ↓App [references.ProjectSchemaReference]: ",
      "    projectName: App",
    ],
    "_c8oProject/sequences/Hello.yaml": [
      "↓jElement [steps.ElementStep-1700000000020]: ",
      `  expression: '"Hello, " + name'`,
      "  nodeName: greeting",
      "↓name [variables.RequestableVariable-1700000000021]: ",
    ],
  });
  return root;
}

describe("project references", () => {
  it("reads Convertigo's forms of a project reference", () => {
    expect(parseProjectLocation("lib_FullSyncGrp")).toEqual({ project: "lib_FullSyncGrp", options: {} });
    expect(
      parseProjectLocation("lib_FullSyncGrp=https://github.com/convertigo/c8oprj-lib-fullsync-grp.git:branch=master"),
    ).toEqual({
      project: "lib_FullSyncGrp",
      url: "https://github.com/convertigo/c8oprj-lib-fullsync-grp.git",
      options: { branch: "master" },
    });
    expect(
      parseProjectLocation("lib_X=https://host/group/mono/.git:path=projects/x:branch=dev:autoPull=true"),
    ).toMatchObject({
      project: "lib_X",
      url: "https://host/group/mono/.git",
      options: { path: "projects/x", branch: "dev" },
    });
    expect(
      parseProjectLocation("https://github.com/convertigo/c8oprj-lib-fullsync-backup/archive/7.9.0.zip"),
    ).toMatchObject({
      project: "7.9.0",
      url: "https://github.com/convertigo/c8oprj-lib-fullsync-backup/archive/7.9.0.zip",
    });
    expect(
      parseProjectLocation(
        "lib_FullSyncImportExport=https://github.com/convertigo/c8oprj-lib-fullsync-backup/archive/7.9.0.zip",
      ),
    ).toMatchObject({ project: "lib_FullSyncImportExport" });
  });

  it("imports the referenced projects found beside, once each, and calls across them", async () => {
    const folder = await projectsFolder();
    const ws = await tempDir();
    const summary = await importConvertigo(path.join(folder, "c8oprj-app"), ws, {
      env: {},
      references: { from: [folder] },
    });
    expect(summary.project).toBe("App");
    expect(summary.byClass["references.ProjectSchemaReference"]).toBe(2);
    expect(summary.foreign).toBe(0);
    expect(summary.references?.imported.map((s) => s.project)).toEqual(["lib_Lib"]);
    expect(summary.references?.present).toEqual([]);
    expect(summary.references?.missing).toEqual([
      {
        project: "lib_Missing",
        referencedBy: "App",
        location: MISSING_URL,
        reason: `not found in ${folder}`,
      },
    ]);

    const app = await loadProject(path.join(ws, "App"));
    const ref = app.root.children.find((c) => c.name === "lib_Lib");
    expect(ref).toMatchObject({ type: "ProjectReference", props: { project: "lib_Lib", location: GRP_URL } });
    const call = app.root.children.find((c) => c.name === "Main")?.children.find((c) => c.id === "1700000000010");
    expect(call).toMatchObject({ type: "CallSequence", props: { project: "lib_Lib", sequence: "Hello" } });
    const lib = await loadProject(path.join(ws, "lib_Lib"));
    expect(lib.root.children.find((c) => c.type === "ProjectReference")?.props).toEqual({ project: "App" });

    // The missing one is an error saying how to get it; the others resolve.
    const dangling = danglingReferences([app, lib]);
    expect(dangling.map((h) => [h.node.name, h.reference.missing?.severity])).toEqual([["lib_Missing", "error"]]);
    expect(danglingMessage(dangling[0]!.reference)).toContain(`It comes from ${MISSING_URL}.`);

    const engine = await Engine.open({ workspaceDir: ws, env: {}, log: new EngineLog({ level: "error" }) });
    try {
      const r = await engine.run({ project: "App", sequence: "Main", inputs: {} });
      expect(r.error).toBeUndefined();
      expect(r.output).toEqual({ result: "Hello, Ada" });
    } finally {
      await engine.close();
    }
  });

  it("leaves the referenced projects the workspace has, and says so", async () => {
    const folder = await projectsFolder();
    const ws = await tempDir();
    await importConvertigo(path.join(folder, "c8oprj-lib"), ws, { env: {} });
    const before = await readFile(path.join(ws, "lib_Lib", "project.yaml"), "utf8");
    const summary = await importConvertigo(path.join(folder, "c8oprj-app"), ws, {
      env: {},
      references: { from: [folder], max: 0 },
    });
    expect(summary.references?.imported).toEqual([]);
    expect(summary.references?.present).toEqual(["lib_Lib"]);
    expect(await readFile(path.join(ws, "lib_Lib", "project.yaml"), "utf8")).toBe(before);
  });

  it("stops at the bound, and imports nothing more without references", async () => {
    const folder = await projectsFolder();
    const ws = await tempDir();
    const bounded = await importConvertigo(path.join(folder, "c8oprj-app"), ws, {
      env: {},
      references: { from: [folder], max: 0 },
    });
    expect(bounded.references?.missing.map((m) => [m.project, m.reason])).toEqual([
      ["lib_Lib", "not imported: more than 0 referenced projects"],
      ["lib_Missing", `not found in ${folder}`],
    ]);
    const alone = await importConvertigo(path.join(folder, "c8oprj-lib"), await tempDir(), { env: {} });
    expect(alone.references).toBeUndefined();
  });

  it("a call to a referenced project the workspace lacks says how to get it", async () => {
    const folder = await projectsFolder();
    const ws = await tempDir();
    await importConvertigo(path.join(folder, "c8oprj-app"), ws, { env: {} });
    const engine = await Engine.open({ workspaceDir: ws, env: {}, log: new EngineLog({ level: "error" }) });
    try {
      const r = await engine.run({ project: "App", sequence: "Main", inputs: {} });
      expect(r.error).toMatchObject({ code: "unknown_project", status: 404 });
      expect(r.error?.message).toMatch(
        /^There is no project named "lib_Lib" \(referenced by App\)\. Add it to the workspace/,
      );
      expect(r.error?.message).toContain(`It comes from ${GRP_URL}.`);
    } finally {
      await engine.close();
    }
  });

  it("atelier import-convertigo imports the projects found beside the source", async () => {
    const folder = await projectsFolder();
    const ws = await tempDir();
    const bin = path.resolve(import.meta.dirname, "../../../bin/atelier.js");
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [bin, "import-convertigo", path.join(folder, "c8oprj-app"), "--out", ws],
        { env: { ...process.env, ATELIER_SECRET_KEY: "" } },
        (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)),
      ),
    );
    const summary = JSON.parse(stdout) as { references: { imported: { project: string }[] } };
    expect(summary.references.imported.map((s) => s.project)).toEqual(["lib_Lib"]);
  });
});
