import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findById, walk, type ObjNode } from "../../common/model/node.ts";
import { Engine } from "../engine.ts";
import { EngineLog } from "../log.ts";
import { loadProject, saveProject } from "../project/project-files.ts";
import { cipherC8o } from "./c8o-crypto.ts";
import { C8oFormatError } from "./c8o-yaml.ts";
import { importConvertigo } from "./import.ts";
import { c8oSourceLines } from "../testing/c8o-snippets.ts";
import { convertigoFixtures } from "../testing/fixtures.ts";

const FIXTURES = convertigoFixtures();
const FIXTURE_NAMES = [
  "c8oprj-lib-http-action",
  "c8oprj-lib-fullsync-grp",
  "c8oprj-lib-prepare-fs-database",
  "c8oprj-lib-fullsync-backup",
];
const NO_KEY_ENV: NodeJS.ProcessEnv = {};

const temps: string[] = [];
async function tempDir(prefix = "c8o-import-"): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), prefix));
  temps.push(d);
  return d;
}
afterAll(async () => {
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

/** Every file under a folder, relative paths with / separators, sorted. */
async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (d: string, rel: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await visit(path.join(d, e.name), r);
      else out.push(r);
    }
  };
  await visit(dir, "");
  return out.sort();
}

/** Counts `↓` object lines in the project's YAML files, independently of the importer. */
async function countObjectLines(projectDir: string): Promise<number> {
  let n = 0;
  for (const f of await listFiles(projectDir)) {
    if (f !== "c8oProject.yaml" && !(f.startsWith("_c8oProject/") && f.endsWith(".yaml"))) continue;
    const text = await readFile(path.join(projectDir, f), "utf8");
    for (const line of text.split(/\r?\n/)) if (/^ *↓[^:]* \[[^\]]+\]: /.test(line)) n++;
  }
  return n;
}

/** Writes a Convertigo project folder from file texts. */
async function writeC8oProject(dir: string, files: Record<string, string>): Promise<string> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), text);
  }
  return dir;
}

function all(root: ObjNode): ObjNode[] {
  const out: ObjNode[] = [];
  walk(root, (n) => {
    out.push(n);
  });
  return out;
}

describe("importConvertigo on real Convertigo projects", () => {
  for (const fixture of FIXTURE_NAMES) {
    it(`${fixture}: imports every object, loads and saves back without a byte changed`, async () => {
      const src = path.join(FIXTURES, fixture);
      const expected = await countObjectLines(src);
      expect(expected).toBeGreaterThan(0);
      const ws = await tempDir();
      const summary = await importConvertigo(src, ws, { env: NO_KEY_ENV });

      expect(summary.objects).toBe(expected);
      expect(summary.mapped + summary.foreign).toBe(expected);
      expect(Object.values(summary.byClass).reduce((a, b) => a + b, 0)).toBe(expected);
      expect(summary.mapped).toBeGreaterThan(0);
      expect(summary.projectDir).toBe(path.join(ws, summary.project));
      // Only the project folder is left in the workspace (no temporary folder).
      expect((await readdir(ws)).filter((f) => f !== ".atelier")).toEqual([summary.project]);

      const project = await loadProject(summary.projectDir);
      expect(project.errors).toEqual([]);
      // Every source object is in the tree (synthetic wrappers aside), with its priority as id.
      const ids = new Set(all(project.root).map((n) => n.id));
      const srcText = (await listFiles(src)).filter((f) => f.endsWith(".yaml"));
      for (const f of srcText) {
        const text = await readFile(path.join(src, f), "utf8");
        for (const m of text.matchAll(/^ *↓[^:]* \[[\w.]+-(\d+)\]: /gmu)) {
          // Test case variables are folded into their test case's inputs.
          if (/TestCase(MultiValued)?Variable-/.test(m[0])) continue;
          expect(ids.has(m[1] as string), `${f}: object ${m[1]}`).toBe(true);
        }
      }

      const before = new Map<string, Buffer>();
      for (const f of await listFiles(summary.projectDir))
        before.set(f, await readFile(path.join(summary.projectDir, f)));
      const saved = await saveProject(project);
      expect(saved).toEqual({ written: [], deleted: [] });
      for (const [f, bytes] of before)
        expect((await readFile(path.join(summary.projectDir, f))).equals(bytes)).toBe(true);

      // A second import gives the same files, byte for byte.
      const ws2 = await tempDir();
      const again = await importConvertigo(src, ws2, { env: NO_KEY_ENV });
      expect(again.warnings).toEqual(summary.warnings);
      const files2 = await listFiles(again.projectDir);
      expect(files2).toEqual([...before.keys()]);
      for (const f of files2) {
        expect((await readFile(path.join(again.projectDir, f))).equals(before.get(f) as Buffer), f).toBe(true);
      }
    });
  }

  it("keeps foreign objects whole: class, properties (CDATA texts, vectors), children", async () => {
    const ws = await tempDir();
    const summary = await importConvertigo(path.join(FIXTURES, "c8oprj-lib-fullsync-grp"), ws, { env: NO_KEY_ENV });
    const project = await loadProject(summary.projectDir);
    const nodes = all(project.root);

    // A foreign step keeps its properties (lib_FullSyncBackup's Process_execute)...
    const backup = await importConvertigo(path.join(FIXTURES, "c8oprj-lib-fullsync-backup"), ws, { env: NO_KEY_ENV });
    const backupRoot = (await loadProject(backup.projectDir)).root;
    expect(findById(backupRoot, "1615997952561")).toMatchObject({
      type: "Foreign",
      props: { class: "steps.ProcessExecStep", properties: { commandLine: "cmd", executionDirectory: ".//" } },
    });

    // ... and its children, native where Atelier accepts them (lib_FullSyncBackup's IfDirectoryExists).
    const ifDir = findById(backupRoot, "1700663406055");
    expect(ifDir).toMatchObject({
      type: "Foreign",
      props: { class: "steps.IfFileExistStep", properties: { condition: '".//" + cdb_folder' } },
    });
    expect(ifDir?.children.map((c) => [c.name, c.type])).toEqual([
      ["List_directory", "Foreign"],
      ["Iterator", "Iterator"],
    ]);

    // Attributes (↑default) of foreign transactions are kept too.
    const info = nodes.find((n) => n.name === "GetServerInfo");
    expect((info?.props.properties as Record<string, unknown>)["↑default"]).toBe("true");

    // And foreign objects refuse to run, naming themselves (lib_PrepareFSDatabase's Logout ends
    // the session with a RemoveSessionStep, which Atelier does not have).
    const other = await importConvertigo(path.join(FIXTURES, "c8oprj-lib-prepare-fs-database"), ws, {
      env: NO_KEY_ENV,
    });
    const engine = await Engine.open({
      workspaceDir: ws,
      projectDirs: [summary.projectDir, other.projectDir],
      env: NO_KEY_ENV,
      log: new EngineLog({ level: "error" }),
    });
    try {
      const r = await engine.run({ project: other.project, sequence: "Logout", inputs: {} });
      expect(r.ok).toBe(false);
      expect(r.error?.code).toBe("foreign_object");
      expect(r.error?.message).toContain("steps.RemoveSessionStep");
      // SetUserInGroupBulk's Source step is native now: the run goes on to its Java.
      const bulk = await engine.run({ project: summary.project, sequence: "SetUserInGroupBulk", inputs: {} });
      expect(bulk.error).toMatchObject({ code: "js_error", step: { name: "CalcID" } });
    } finally {
      await engine.close();
    }
  });

  it("maps the void SQL connectors natively and harmlessly: no query, no connection, handlers kept in the comment", async () => {
    const ws = await tempDir();
    const src = path.join(FIXTURES, "c8oprj-lib-prepare-fs-database");
    const summary = await importConvertigo(src, ws, { env: NO_KEY_ENV });
    const project = await loadProject(summary.projectDir);
    const sql = project.root.children.find((c) => c.name === "void");
    expect(sql).toMatchObject({
      type: "SqlConnector",
      props: { url: "jdbc:hsqldb:file:.//hsqldb", user: "SA", isDefault: true },
    });
    expect(String(sql?.props.comment)).toContain("embedded SQLite database instead (hsqldb.sqlite)");
    const tx = sql?.children[0];
    expect(tx).toMatchObject({
      type: "SqlTransaction",
      name: "void",
      props: { accessibility: "Private", isDefault: true },
    });
    expect(tx?.props.sqlQuery).toBeUndefined();
    // The handlers' text as the file has it (6 spaces of indentation off, quotes off), in the comment.
    const lines = (await readFile(path.join(src, "_c8oProject/connectors/void.yaml"), "utf8")).split("\n");
    const start = lines.findIndex((l) => l === "    →: |") + 1;
    const block = lines.slice(start).filter((l) => l.startsWith("      "));
    const text = block
      .map((l) => l.slice(6))
      .join("\n")
      .slice(1, -1)
      .replace(/''/g, "'");
    expect(text).toContain('return "cancel";');
    for (const line of text.split("\n").filter((l) => l.trim() !== ""))
      expect(String(tx?.props.comment)).toContain(line);
    expect(project.invalidCount).toBe(0);
    // Run, it does nothing: no database is opened, no file made.
    const engine = await Engine.open({ workspaceDir: ws, projectDirs: [summary.projectDir], env: NO_KEY_ENV });
    try {
      const r = await engine.run({ project: summary.project, connector: "void", transaction: "void", inputs: {} });
      expect(r).toMatchObject({ ok: true, output: {} });
      await expect(readdir(path.join(ws, ".atelier", "sql"))).rejects.toThrow();
    } finally {
      await engine.close();
    }
  });

  it("maps FullSync connectors: transactions, their parameters, design documents, callers", async () => {
    const ws = await tempDir();
    const summary = await importConvertigo(path.join(FIXTURES, "c8oprj-lib-fullsync-grp"), ws, { env: NO_KEY_ENV });
    const project = await loadProject(summary.projectDir);
    const conn = project.root.children.find((c) => c.type === "FullSyncConnector");
    expect(conn?.props).toMatchObject({
      databaseName: "c8ofullsyncgrp",
      anonymousReplication: "allow",
      isDefault: true,
    });
    const byName = (n: string) => conn?.children.find((c) => c.name === n);
    // viewname "design/get_groups_by_user", q_reduce: false, and the _use_key variable.
    expect(byName("GetGroupsByUser")).toMatchObject({
      type: "FullSyncGetView",
      props: { designDocument: "design", view: "get_groups_by_user" },
    });
    expect(byName("GetGroupsByUser")?.children.map((c) => [c.name, c.props.default])).toEqual([
      ["reduce", false],
      ["key", undefined],
    ]);
    expect(byName("SetUserInGroup")).toMatchObject({
      type: "FullSyncPostDocument",
      props: { aclPolicy: "fromKeyC8oAcl" },
    });
    expect(byName("SetUserInGroup")?.children.find((c) => c.name === "data")?.props.default).toBe('{"type":"c8oGrp"}');
    expect(byName("RemoveUserFromGroup")?.children.map((c) => c.name)).toEqual(["docid"]);
    expect(byName("GetServerInfo")?.type).toBe("Foreign");
    // The design document's views (its JSON has line breaks after its \r\n escapes).
    const design = byName("design");
    expect(design?.type).toBe("FullSyncDesignDocument");
    expect(design?.children.map((v) => [v.type, v.name, v.props.reduce])).toEqual([
      ["FullSyncView", "get_users_by_group", "_count"],
      ["FullSyncView", "get_groups_by_user", "_count"],
    ]);
    expect(String(design?.children[0]?.props.map)).toMatch(
      /^function \(doc\) \{\n[\s\S]*emit\(doc\.group, doc\.user\);/,
    );
    // Callers: the step variable _use_key is the built-in key, CouchDB's couchdb_output is gone.
    expect(findById(project.root, "1486393576615")?.name).toBe("key");
    expect(findById(project.root, "1487150591004")?.props.source).toEqual({ step: "1487150590996", path: "data.rows" });
  });

  it("maps a Get View whose view the caller gives (lib_UserManager's GetView)", async () => {
    // lib_UserManager's connector, as published (github.com/convertigo/c8oprj-lib-user-manager).
    const src = await writeC8oProject(path.join(await tempDir(), "src"), {
      "c8oProject.yaml": [
        "↑convertigo: 8.0.0.m006",
        "↓lib_UserManager [core.Project]: ",
        "  ↓lib_usermanager_fullsync [connectors.FullSyncConnector]: 🗏 connectors/lib_usermanager_fullsync.yaml",
        "",
      ].join("\n"),
      "_c8oProject/connectors/lib_usermanager_fullsync.yaml": [
        "↑default: true",
        "databaseName: lib_usermanager_fullsync",
        "↓GetView [transactions.couchdb.GetViewTransaction]: ",
        "  accessibility: Public",
        "  ↓_use_ddoc [variables.RequestableVariable-1582124298856]: ",
        "    description: Design document name",
        "  ↓_use_view [variables.RequestableVariable-1582124298858]: ",
        "    description: View function name",
        "  ↓_use_key [variables.RequestableVariable-1582125233230]: ",
        "    description: (string) – Return only documents that match the specified key. Optional",
        "",
      ].join("\n"),
    });
    const summary = await importConvertigo(src, await tempDir(), { env: NO_KEY_ENV });
    expect(summary.foreignByClass).toEqual({});
    const project = await loadProject(summary.projectDir);
    const getView = all(project.root).find((n) => n.name === "GetView");
    expect(getView?.type).toBe("FullSyncGetView");
    expect(getView?.props.designDocument).toBeUndefined();
    expect(getView?.children.map((c) => c.name)).toEqual(["ddoc", "view", "key"]);
  });

  it("flags JavaScript that uses Java interop, naming the object and its file", async () => {
    const ws = await tempDir();
    const summary = await importConvertigo(path.join(FIXTURES, "c8oprj-lib-prepare-fs-database"), ws, {
      env: NO_KEY_ENV,
    });
    const w = summary.warnings.find((x) => x.includes("CheckAuthenticate"));
    expect(w).toMatch(
      /^_c8oProject\/sequences\/Authenticate\.yaml:2: CheckAuthenticate \(steps\.SimpleStep\): .*Java interop/,
    );
    const project = await loadProject(summary.projectDir);
    const step = findById(project.root, "1545299790842");
    expect(step?.type).toBe("SequenceJS");
    expect(String(step?.props.code)).toContain("java.lang.System.clearProperty"); // kept as written
    expect(String(step?.props.comment)).toContain("needs a rewrite");
  });

  it("maps elements as Convertigo's JSON has them: hidden ones, text and attributes", async () => {
    const ws = await tempDir();
    const summary = await importConvertigo(path.join(FIXTURES, "c8oprj-lib-fullsync-backup"), ws, { env: NO_KEY_ENV });
    const project = await loadProject(summary.projectDir);
    // jElement with output: false → an Element kept out of the response (a source of a later step).
    expect(findById(project.root, "1700861159154")).toMatchObject({
      type: "Element",
      props: { expression: "item", output: false },
    });
    expect(findById(project.root, "1701091811044")?.props.source).toEqual({ step: "1700861159154", path: "" });
    // jElement with an attribute → {"db": {"text": item, "attr": {"success": ...}}}.
    const db = findById(project.root, "1701170780543");
    expect(db?.type).toBe("JsonObject");
    expect(db?.name).toBe("db");
    expect(db?.children.map((c) => [c.name, c.type])).toEqual([
      ["text", "Element"],
      ["attr", "JsonObject"],
    ]);
    expect(db?.children[0]?.props.expression).toBe("item");
    expect(db?.children[1]?.children[0]).toMatchObject({
      id: "1701170794996",
      name: "success",
      props: { source: { step: "1701091811042", path: "isSuccess" } },
    });
    // A jIterator's expression, a call's variables from the JavaScript scope or their value.
    expect(findById(project.root, "1700861140673")).toMatchObject({
      type: "Iterator",
      props: { expression: "all_dbs" },
    });
    // FS_backup has a variable reset_db_folder: Convertigo's scope lookup, then the value.
    expect(findById(project.root, "1700820088168")?.props.expression).toBe(
      'typeof reset_db_folder === "undefined" || reset_db_folder === null ? "1" : reset_db_folder',
    );
    // FS_backup_all has none: the value.
    expect(findById(project.root, "1701091811048")?.props).toEqual({ value: "0" });
  });

  it("refuses to overwrite an existing project", async () => {
    const ws = await tempDir();
    await mkdir(path.join(ws, "lib_HttpAction"));
    await writeFile(path.join(ws, "lib_HttpAction", "keep.txt"), "mine");
    await expect(
      importConvertigo(path.join(FIXTURES, "c8oprj-lib-http-action"), ws, { env: NO_KEY_ENV }),
    ).rejects.toThrow(/already exists/);
    expect(await readFile(path.join(ws, "lib_HttpAction", "keep.txt"), "utf8")).toBe("mine");
    expect(await readdir(ws)).toEqual(["lib_HttpAction"]);
    // --name imports it beside.
    const s = await importConvertigo(path.join(FIXTURES, "c8oprj-lib-http-action"), ws, {
      name: "HttpAction2",
      env: NO_KEY_ENV,
    });
    expect(s.project).toBe("HttpAction2");
    expect((await loadProject(s.projectDir)).root.name).toBe("HttpAction2");
  });
});

describe("atelier import-convertigo", () => {
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const bin = path.resolve(import.meta.dirname, "../../../bin/atelier.js");
      execFile(
        process.execPath,
        [bin, ...args],
        { env: { ...process.env, ATELIER_SECRET_KEY: "" } },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  it("prints the JSON summary, then refuses a second import over the project", async () => {
    const ws = await tempDir();
    const src = path.join(FIXTURES, "c8oprj-lib-http-action");
    const first = await run(["import-convertigo", src, "--out", ws]);
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ project: "lib_HttpAction", objects: await countObjectLines(src), foreign: 0 });
    expect(Object.keys(summary).slice(0, 7)).toEqual([
      "project",
      "objects",
      "mapped",
      "foreign",
      "byClass",
      "foreignByClass",
      "warnings",
    ]);
    expect(summary.foreignByClass).toEqual({});
    const second = await run(["import-convertigo", src, "--out", ws]);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain("already exists");
  });

  it("names the file and line of malformed input", async () => {
    const src = await writeC8oProject(path.join(await tempDir(), "src"), {
      "c8oProject.yaml": "↑convertigo: 8.0.0\n↓P [core.Project]: \n  this line has no separator\n",
    });
    const r = await run(["import-convertigo", src, "--out", await tempDir()]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("c8oProject.yaml:3: unreadable line");
  });
});

describe("importConvertigo on malformed input", () => {
  /** Copies a fixture to a temp folder, changes one file, imports; answers the error and the workspace. */
  async function importBroken(edit: (dir: string) => Promise<void>): Promise<{ error: C8oFormatError; ws: string }> {
    const dir = path.join(await tempDir(), "src");
    await cp(path.join(FIXTURES, "c8oprj-lib-fullsync-grp"), dir, { recursive: true });
    await edit(dir);
    const ws = await tempDir();
    const error = await importConvertigo(dir, ws, { env: NO_KEY_ENV }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(C8oFormatError);
    // Nothing is written: no project folder, no temporary folder.
    expect(await readdir(ws)).toEqual([]);
    return { error: error as C8oFormatError, ws };
  }

  async function editLine(file: string, lineNo: number, change: (l: string) => string): Promise<void> {
    const lines = (await readFile(file, "utf8")).split("\n");
    lines[lineNo - 1] = change(lines[lineNo - 1] as string);
    await writeFile(file, lines.join("\n"));
  }

  it("bad indentation: names the file and line", async () => {
    const { error } = await importBroken((dir) =>
      editLine(path.join(dir, "_c8oProject/sequences/Groups.yaml"), 4, (l) => `  ${l}`),
    );
    expect(error.file).toBe("_c8oProject/sequences/Groups.yaml");
    expect(error.line).toBe(4);
    expect(error.message).toMatch(/^_c8oProject\/sequences\/Groups\.yaml:4: bad indentation/);
  });

  it("a missing sub-file: names the line that refers to it", async () => {
    const { error } = await importBroken((dir) => rm(path.join(dir, "_c8oProject/sequences/Users.yaml")));
    expect(error.file).toBe("c8oProject.yaml");
    expect(error.line).toBe(12); // the "↓Users [...]: 🗏 sequences/Users.yaml" line
    expect(error.message).toContain("_c8oProject/sequences/Users.yaml, which does not exist");
  });

  it("an unknown line form: names the file and line", async () => {
    const { error } = await importBroken((dir) =>
      editLine(path.join(dir, "_c8oProject/connectors/c8ofullsyncgrp.yaml"), 3, () => "databaseName = c8ofullsyncgrp"),
    );
    expect(error.file).toBe("_c8oProject/connectors/c8ofullsyncgrp.yaml");
    expect(error.line).toBe(3);
    expect(error.message).toContain("unreadable line");
  });

  it("a broken UTF-8 byte: names the file and line", async () => {
    const { error } = await importBroken(async (dir) => {
      const file = path.join(dir, "_c8oProject/sequences/UsersOf.yaml");
      const buf = await readFile(file);
      const lines: Buffer[] = [];
      let start = 0;
      for (let i = 0; i < buf.length; i++) {
        if (buf[i] === 0x0a) {
          lines.push(buf.subarray(start, i + 1));
          start = i + 1;
        }
      }
      lines.push(buf.subarray(start));
      lines[1] = Buffer.concat([Buffer.from("comment: list users "), Buffer.from([0xc3, 0x28]), Buffer.from("\n")]);
      await writeFile(file, Buffer.concat(lines));
    });
    expect(error.file).toBe("_c8oProject/sequences/UsersOf.yaml");
    expect(error.line).toBe(2);
    expect(error.message).toContain("invalid UTF-8");
  });

  describe("links and special files never bring outside content in", () => {
    // An outside file whose first line a parse error would quote, as /etc/passwd would be.
    async function outsideFile(): Promise<string> {
      const f = path.join(await tempDir("c8o-outside-"), "passwd");
      await writeFile(f, "root:x:0:0:SECRET-LINE:/root:/bin/bash\n");
      return f;
    }

    it("a sub-file that is a link out of the source is refused, its content never quoted", async () => {
      const outside = await outsideFile();
      const { error } = await importBroken(async (dir) => {
        const f = path.join(dir, "_c8oProject/sequences/Users.yaml");
        await rm(f);
        await symlink(outside, f);
      });
      expect(error.file).toBe("c8oProject.yaml");
      expect(error.message).toMatch(/link that leads out of the project folder/);
      expect(error.message).not.toContain("SECRET-LINE");
    });

    it("a folder link out of the source is refused too", async () => {
      const outsideDir = path.dirname(await outsideFile());
      await writeFile(path.join(outsideDir, "Users.yaml"), "↓Users [sequences.GenericSequence-1]: \n  SECRET-LINE\n");
      const { error } = await importBroken(async (dir) => {
        const seqs = path.join(dir, "_c8oProject/sequences");
        await cp(seqs, outsideDir, { recursive: true });
        await rm(seqs, { recursive: true });
        await symlink(outsideDir, seqs);
      });
      expect(error.message).toMatch(/link that leads out of the project folder/);
      expect(error.message).not.toContain("SECRET-LINE");
    });

    it("c8oProject.yaml itself as a link out of the source is refused", async () => {
      const outside = await outsideFile();
      const { error } = await importBroken(async (dir) => {
        await rm(path.join(dir, "c8oProject.yaml"));
        await symlink(outside, path.join(dir, "c8oProject.yaml"));
      });
      expect(error.file).toBe("c8oProject.yaml");
      expect(error.message).not.toContain("SECRET-LINE");
    });

    it("a link that stays inside the source is followed", async () => {
      const dir = path.join(await tempDir(), "src");
      await cp(path.join(FIXTURES, "c8oprj-lib-fullsync-grp"), dir, { recursive: true });
      const f = path.join(dir, "_c8oProject/sequences/Users.yaml");
      await rename(f, path.join(dir, "Users-real.yaml"));
      await symlink(path.join(dir, "Users-real.yaml"), f);
      const summary = await importConvertigo(dir, await tempDir(), { env: NO_KEY_ENV });
      expect(summary.objects).toBeGreaterThan(0);
    });

    it("a sub-file that is not a regular file (a FIFO) is refused without blocking", async () => {
      const { error } = await importBroken(async (dir) => {
        const f = path.join(dir, "_c8oProject/sequences/Users.yaml");
        await rm(f);
        await new Promise<void>((resolve, reject) => execFile("mkfifo", [f], (e) => (e ? reject(e) : resolve())));
      });
      expect(error.message).toMatch(/not a regular file/);
    });
  });

  it("an object written without its class", async () => {
    const { error } = await importBroken((dir) =>
      editLine(path.join(dir, "_c8oProject/sequences/Users.yaml"), 3, (l) => l.replace(/ \[.*\]/, "")),
    );
    expect(error.message).toMatch(/^_c8oProject\/sequences\/Users\.yaml:3: an object must be written/);
  });
});

describe("importConvertigo: a project of supported objects runs in the engine", () => {
  let server: Server;
  let port = 0;
  const seen: { url: string; auth: string | undefined }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ url: req.url ?? "", auth: req.headers.authorization });
      if (req.headers.authorization !== `Basic ${Buffer.from("ada:s3cret!").toString("base64")}`) {
        res.writeHead(401).end();
        return;
      }
      const url = new URL(req.url ?? "/", "http://x");
      const limit = Number(url.searchParams.get("limit") ?? "10");
      const items = [{ name: "a" }, { name: "b" }, { name: "c" }].slice(0, limit);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ items }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const smart = (indent: string, mode: string, text: string) =>
    [
      `${indent}- xmlizable: `,
      `${indent}  - ↑classname: com.twinsoft.convertigo.beans.steps.SmartType`,
      `${indent}  - SmartType: `,
      `${indent}    - ↑mode: ${mode}`,
      `${indent}    - →→: ${text}`,
    ].join("\n");
  const source = (indent: string, step: string, xpath: string) => c8oSourceLines(indent, step, xpath).join("\n");

  function projectFiles(): Record<string, string> {
    return {
      "c8oProject.yaml": [
        "↑convertigo: 8.0.0.m006",
        "↓ImportRun [core.Project]: ",
        "  comment: A project written by hand with supported objects only",
        "  corsOrigin: '*'",
        "  version: 2.1",
        "  ↓api [connectors.HttpConnector-1700000000001]: 🗏 connectors/api.yaml",
        "  ↓Hello [sequences.GenericSequence]: 🗏 sequences/Hello.yaml",
        "  ↓Fail [sequences.GenericSequence]: ",
        "    ↓check [steps.XMLErrorStep-1700000000300]: ",
        "      code: ",
        smart("        ", "PLAIN", "42"),
        "      message: ",
        smart("        ", "JS", `'"bad " + who'`),
        "    ↓Return [steps.ReturnStep-1700000000301]: ",
        "    ↓who [variables.RequestableVariable-1700000000302]: ",
        "      value: you",
        "  ↓db [connectors.SqlConnector]: ",
        `    jdbcUserPassword: ${cipherC8o("sql-pass", "another passphrase")}`,
        `    jdbcURL: jdbc:hsqldb:file:db`,
        "  ↓pgdb [connectors.SqlConnector]: ",
        `    jdbcUserPassword: ${cipherC8o("pg-pass")}`,
        "    jdbcURL: jdbc:postgresql://db.example.com:5432/shop",
        "    jdbcUserName: shop",
        "    jdbcMaxConnection: 4",
        "    ↓byName [transactions.SqlTransaction]: ",
        "      sqlQuery: SELECT * FROM people WHERE name = {name}",
        "      xmlOutput: 4",
        "      ↓name [variables.RequestableVariable]: ",
      ].join("\r\n"), // Convertigo on Windows writes CRLF
      "_c8oProject/connectors/api.yaml": [
        "↑default: true",
        "authenticationType: Basic",
        "authUser: ada",
        `authPassword: ${cipherC8o("s3cret!")}`,
        `port: ${port}`,
        "server: 127.0.0.1",
        "↓items [transactions.JsonHttpTransaction-1700000000010]: ",
        "  ↑default: true",
        "  subDir: /items",
        "  ↓limit [variables.RequestableHttpVariable-1700000000011]: ",
        // Convertigo's Studio names a new variable's HTTP parameter after it; without one, it is not sent.
        "    httpName: limit",
        "    value: 10",
      ].join("\n"),
      "_c8oProject/sequences/Hello.yaml": [
        "↓inputs [steps.InputVariablesStep-1700000000100]: ",
        "↓greeting [steps.ElementStep-1700000000101]: ",
        `  expression: '"Hello, " + name + "!"'`,
        "  nodeName: greeting",
        "↓jIf [steps.IfStep-1700000000102]: ",
        '  condition: name == "Ada"',
        "  ↓known [steps.ElementStep-1700000000103]: ",
        "    expression: true",
        "    nodeName: known",
        "↓jIfThenElse [steps.IfThenElseStep-1700000000104]: ",
        "  condition: name.length > 3",
        "  ↓jThen [steps.ThenStep-1700000000105]: ",
        "    ↓size [steps.XMLElementStep-1700000000106]: ",
        "      nodeName: size",
        "      nodeText: long",
        "  ↓jElse [steps.ElseStep-1700000000107]: ",
        "    ↓size [steps.XMLElementStep-1700000000108]: ",
        "      nodeName: size",
        "      nodeText: short",
        "↓init [steps.SimpleStep-1700000000109]: ",
        "  expression: |",
        "    var total = 0;",
        "    ",
        "    // a blank line above, as Convertigo writes it",
        "↓jIterator [steps.SimpleIteratorStep-1700000000110]: ",
        "  expression: '[1, 2, 3]'",
        "  ↓add [steps.SimpleStep-1700000000111]: ",
        "    expression: total += item;",
        "↓total [steps.ElementStep-1700000000112]: ",
        "  expression: total",
        "  nodeName: total",
        "↓Call_Transaction [steps.TransactionStep-1700000000120]: ",
        "  sourceTransaction: ImportRun.api.items",
        "  ↓limit [variables.StepVariable-1700000000121]: ",
        "    sourceDefinition: ",
        source("      ", "1700000000100", "./limit/text()"),
        "↓Iterator [steps.IteratorStep-1700000000130]: ",
        "  sourceDefinition: ",
        source("    ", "1700000000120", "./document/items/item"),
        "  ↓Element [steps.XMLElementStep-1700000000131]: ",
        "    nodeName: item",
        "    sourceDefinition: ",
        source("      ", "1700000000130", "./name/text()"),
        "↓login [steps.SetAuthenticatedUserStep-1700000000140]: ",
        "  userid: ",
        smart("    ", "JS", "name"),
        "↓remember [steps.SessionSetStep-1700000000141]: ",
        "  key: last",
        "  expression: ",
        smart("    ", "JS", "name"),
        "↓recall [steps.SessionGetStep-1700000000142]: ",
        "  key: last",
        "  output: false",
        "↓lastName [steps.XMLElementStep-1700000000143]: ",
        "  nodeName: lastName",
        "  sourceDefinition: ",
        source("    ", "1700000000142", "./expression/text()"),
        "↓log [steps.LogStep-1700000000144]: ",
        `  expression: '"greeted " + name'`,
        "↓meta [steps.JsonObjectStep-1700000000150]: ",
        "  key: ",
        smart("    ", "PLAIN", "meta"),
        "  ↓tags [steps.JsonArrayStep-1700000000151]: ",
        "    key: ",
        smart("      ", "PLAIN", "tags"),
        "    ↓f1 [steps.JsonFieldStep-1700000000152]: ",
        "      value: ",
        smart("        ", "PLAIN", "a"),
        "    ↓f2 [steps.JsonFieldStep-1700000000153]: ",
        "      type: number",
        "      value: ",
        smart("        ", "PLAIN", "2"),
        "↓never [steps.ElementStep-1700000000160]: ",
        `  expression: '"never"'`,
        "  isEnabled: false",
        "  nodeName: never",
        "↓name [variables.RequestableVariable-1700000000190]: ",
        "  value: World",
        "↓limit [variables.RequestableVariable-1700000000191]: ",
        "  value: 2",
        "↓ada [core.TestCase]: ",
        "  ↓name [variables.TestCaseVariable-1700000000195]: ",
        "    value: Ada",
        "↓secret [variables.RequestableVariable-1700000000196]: ",
        "  visibility: 8",
        `  value: ${cipherC8o("hidden-default")}`,
      ].join("\n"), // and a file without its final newline
    };
  }

  it("imports, keeps secrets out of the files, and runs the sequences", async () => {
    const src = await writeC8oProject(path.join(await tempDir(), "src"), projectFiles());
    const expected = await countObjectLines(src);
    const ws = await tempDir();
    const summary = await importConvertigo(src, ws, { env: NO_KEY_ENV });
    expect(summary.objects).toBe(expected);
    expect(summary.foreign).toBe(0);
    expect(summary.mapped).toBe(expected);
    expect(summary.secrets.sort()).toEqual(["api_authPassword", "pgdb_jdbcUserPassword", "secret_value"]);
    expect(summary.warnings.some((w) => /db \(connectors\.SqlConnector\): jdbcUserPassword is ciphered/.test(w))).toBe(
      true,
    );
    expect(summary.warnings.some((w) => /Iterator.*"item" read as the items of a JSON array/.test(w))).toBe(true);

    // No secret in clear anywhere in the project.
    for (const f of await listFiles(summary.projectDir)) {
      const text = await readFile(path.join(summary.projectDir, f), "utf8");
      expect(text).not.toContain("s3cret!");
      expect(text).not.toContain("pg-pass");
      expect(text).not.toContain(Buffer.from("ada:s3cret!").toString("base64"));
      expect(text).not.toContain("hidden-default");
    }
    const project = await loadProject(summary.projectDir);
    expect(project.invalidCount).toBe(0);
    const setting = project.root.children.find((c) => c.name === "api_authPassword");
    expect(setting).toMatchObject({ type: "Setting", props: { secret: true } });
    expect(String(setting?.props.value)).toMatch(/^enc:v1:/);
    // Errors answer as Convertigo's do (HTTP 200 with {"error"}), for the apps built on it.
    expect(project.root.children.find((c) => c.name === "errorStatus")).toMatchObject({
      type: "Setting",
      props: { value: "convertigo" },
    });
    const connector = project.root.children.find((c) => c.name === "api");
    expect(connector).toMatchObject({
      id: "1700000000001",
      type: "HttpConnector",
      props: { server: "127.0.0.1", port, isDefault: true, authUser: "ada", authPassword: "${api_authPassword}" },
    });
    // A password ciphered with another passphrase is left out (with a warning above), never kept in clear.
    const sql = project.root.children.find((c) => c.name === "db");
    expect(sql).toMatchObject({ type: "SqlConnector", props: { url: "jdbc:hsqldb:file:db" } });
    expect(sql?.props.password).toBeUndefined();
    expect(String(sql?.props.comment)).toContain("could not be deciphered");
    // Deciphered, it moves to a secret setting; the query and its output mode are kept.
    const pgdb = project.root.children.find((c) => c.name === "pgdb");
    expect(pgdb).toMatchObject({
      type: "SqlConnector",
      props: {
        url: "jdbc:postgresql://db.example.com:5432/shop",
        user: "shop",
        password: "${pgdb_jdbcUserPassword}",
        poolSize: 4,
      },
    });
    expect(pgdb?.children[0]).toMatchObject({
      type: "SqlTransaction",
      props: { sqlQuery: "SELECT * FROM people WHERE name = {name}", outputMode: "flat" },
      children: [{ type: "Variable", name: "name" }],
    });
    // Unmapped properties are kept in the comment.
    expect(String(project.root.props.comment)).toContain("corsOrigin (no Atelier equivalent): *");
    // Sources: plain paths become Atelier sources; a loop's item becomes an expression.
    expect(findById(project.root, "1700000000121")?.props.source).toEqual({ step: "1700000000100", path: "limit" });
    expect(findById(project.root, "1700000000130")?.props.source).toEqual({
      step: "1700000000120",
      path: "data.items",
    });
    expect(findById(project.root, "1700000000131")?.props.expression).toBe("item.name");
    expect(findById(project.root, "1700000000195")).toBeUndefined();
    expect(
      project.root.children.find((c) => c.name === "Hello")?.children.find((c) => c.type === "TestCase"),
    ).toMatchObject({
      props: { inputs: { name: "Ada" } },
    });

    const engine = await Engine.open({
      workspaceDir: ws,
      projectDirs: [summary.projectDir],
      env: NO_KEY_ENV,
      log: new EngineLog({ level: "error" }),
    });
    try {
      const r = await engine.run({ project: "ImportRun", sequence: "Hello", inputs: { name: "Ada" } });
      expect(r.error).toBeUndefined();
      expect(r.output).toEqual({
        greeting: "Hello, Ada!",
        known: true,
        size: "short",
        total: 6,
        item: ["a", "b"],
        lastName: "Ada",
        meta: { tags: ["a", 2] },
      });
      expect(seen.at(-1)?.url).toBe("/items?limit=2");

      const other = await engine.run({ project: "ImportRun", sequence: "Hello", inputs: { name: "Grace" } });
      expect(other.output).toMatchObject({ greeting: "Hello, Grace!", size: "long" });
      expect(other.output).not.toHaveProperty("known");

      const fail = await engine.run({ project: "ImportRun", sequence: "Fail", inputs: {} });
      expect(fail.ok).toBe(false);
      expect(fail.error).toMatchObject({ code: 42, message: "bad you" });
    } finally {
      await engine.close();
    }
  });
});
