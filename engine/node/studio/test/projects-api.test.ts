import { lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ChangeResult, FlatNode, ProjectTree, WorkspaceInfo } from "../../../common/studio/api.ts";
import type { FolderListing } from "../../../common/studio/projects.ts";
import { startAtelier, type RunningAtelier } from "../../app.ts";
import { buildCar } from "../../deploy/car.ts";
import { EngineLog } from "../../log.ts";

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../../examples/workspace");

let dir: string;
let app: RunningAtelier;
let token: string;

async function start(): Promise<void> {
  app = await startAtelier({
    workspaceDir: dir,
    port: 0,
    log: new EngineLog({ level: "silent" }),
    scheduler: false,
    fullsync: false,
    studio: { distDir: path.join(dir, "no-dist"), examplesDir: EXAMPLES, watch: false },
  });
  token = app.studio!.auth.token;
}

async function call<T = unknown>(method: string, url: string, body?: unknown) {
  const res = await fetch(new URL(url, app.url), {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      "x-atelier-studio": "1",
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch {
    json = undefined;
  }
  return { status: res.status, json: json as T, bytes, headers: res.headers };
}

async function ok<T>(method: string, url: string, body?: unknown): Promise<T> {
  const r = await call<T>(method, url, body);
  if (r.status !== 200) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

async function nodes(project: string): Promise<FlatNode[]> {
  return (await ok<ProjectTree>("GET", `/api/studio/projects/${project}/tree`)).nodes;
}

const projectNames = async () => (await ok<WorkspaceInfo>("GET", "/api/studio/workspace")).projects.map((p) => p.name);

/** Two projects: Shop (a sequence whose Element reads an earlier step), Front (calls Shop). */
async function seed(): Promise<void> {
  await mkdir(path.join(dir, "Shop", "sequences"), { recursive: true });
  await writeFile(path.join(dir, "Shop", "project.yaml"), "atelier: 1\ntype: Project\nname: Shop\nid: shoproot0001\n");
  await writeFile(
    path.join(dir, "Shop", "sequences", "Lookup.yaml"),
    `type: Sequence
name: Lookup
id: seqlookup001
children:
  - type: Element
    name: data
    id: stdata000001
    value: 4
  - type: Element
    name: copy
    id: stcopy000001
    source:
      step: stdata000001
`,
  );
  await writeFile(
    path.join(dir, "Shop", "sequences", "Caller.yaml"),
    `type: Sequence
name: Caller
id: seqcaller001
children:
  - type: CallSequence
    name: self
    id: stself000001
    project: Shop
    sequence: Lookup
`,
  );
  await mkdir(path.join(dir, "Front", "sequences"), { recursive: true });
  await writeFile(
    path.join(dir, "Front", "project.yaml"),
    "atelier: 1\ntype: Project\nname: Front\nid: frontroot001\n",
  );
  await writeFile(
    path.join(dir, "Front", "sequences", "Go.yaml"),
    `type: Sequence
name: Go
id: seqgo0000001
children:
  - type: CallSequence
    name: callShop
    id: stcall000001
    project: Shop
    sequence: Lookup
`,
  );
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "atelier-projects-"));
  await seed();
  await start();
});

afterEach(async () => {
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("Studio API: whole projects", () => {
  it("renames a project, its folder and the references naming it; undo and redo", async () => {
    const r = await ok<ChangeResult>("POST", "/api/studio/projects/Shop/rename", { name: "Store" });
    expect(r.focus).toEqual({ project: "Store", id: "shoproot0001" });
    expect(r.history.undoLabel).toBe('Rename project "Shop" to "Store" (and 2 references)');
    expect(await exists(path.join(dir, "Shop"))).toBe(false);
    expect(await readFile(path.join(dir, "Store", "project.yaml"), "utf8")).toContain("name: Store");
    expect(await readFile(path.join(dir, "Front", "sequences", "Go.yaml"), "utf8")).toContain("project: Store");
    expect(await readFile(path.join(dir, "Store", "sequences", "Caller.yaml"), "utf8")).toContain("project: Store");
    expect(await projectNames()).toEqual(["Front", "Store"]);
    expect((await call("GET", "/api/studio/projects/Shop/tree")).status).toBe(404);
    // The renamed project runs under its new name.
    const run = await app.engine.run({ project: "Front", sequence: "Go", inputs: {} });
    expect(run.error?.message ?? "").not.toContain("no project named");

    await ok("POST", "/api/studio/undo");
    expect(await projectNames()).toEqual(["Front", "Shop"]);
    expect(await readFile(path.join(dir, "Shop", "project.yaml"), "utf8")).toContain("name: Shop");
    expect(await readFile(path.join(dir, "Front", "sequences", "Go.yaml"), "utf8")).toContain("project: Shop");
    expect(await exists(path.join(dir, "Store"))).toBe(false);

    await ok("POST", "/api/studio/redo");
    expect(await projectNames()).toEqual(["Front", "Store"]);
    expect(await readFile(path.join(dir, "Front", "sequences", "Go.yaml"), "utf8")).toContain("project: Store");

    // Names the workspace has, or that are no file names, are refused.
    expect((await call("POST", "/api/studio/projects/Store/rename", { name: "Front" })).status).toBe(409);
    expect((await call("POST", "/api/studio/projects/Store/rename", { name: "a/b" })).status).toBe(400);

    // A change of case only is a rename too (through a temporary name), and undoes.
    await ok("POST", "/api/studio/projects/Store/rename", { name: "store" });
    expect(await projectNames()).toEqual(["Front", "store"]);
    expect(await readFile(path.join(dir, "store", "project.yaml"), "utf8")).toContain("name: store");
    expect(await readFile(path.join(dir, "Front", "sequences", "Go.yaml"), "utf8")).toContain("project: store");
    await ok("POST", "/api/studio/undo");
    expect(await projectNames()).toEqual(["Front", "Store"]);
    expect((await readdir(dir)).sort()).toEqual([".atelier", "Front", "Store"]);
  });

  it("says a project that did not load cannot be renamed before it is fixed, and still deletes it", async () => {
    // A project.yaml that cannot be read (here a folder): the project does not load at all.
    await mkdir(path.join(dir, "Broken", "project.yaml"), { recursive: true });
    await app.close();
    await start();
    expect(app.engine.workspace.failures.has("Broken")).toBe(true);
    const res = await call<{ error: { code: string; message: string } }>("POST", "/api/studio/projects/Broken/rename", {
      name: "Fixed",
    });
    expect(res.status).toBe(409);
    const body = res.json;
    expect(body.error.code).toBe("project_not_loaded");
    expect(body.error.message).toMatch(/^The project "Broken" did not load \(.+\): fix it/);
    expect(await exists(path.join(dir, "Fixed"))).toBe(false);
    await ok("DELETE", "/api/studio/projects/Broken");
    expect(await exists(path.join(dir, "Broken"))).toBe(false);
  });

  it("deletes a project to the workspace's trash; undo restores its files, redo deletes again", async () => {
    const before = await readFile(path.join(dir, "Shop", "sequences", "Lookup.yaml"), "utf8");
    const r = await ok<ChangeResult>("DELETE", "/api/studio/projects/Shop");
    expect(r.deltas).toEqual([expect.objectContaining({ project: "Shop", deleted: true })]);
    expect(r.history.undoLabel).toBe('Delete project "Shop"');
    expect(await exists(path.join(dir, "Shop"))).toBe(false);
    expect(await projectNames()).toEqual(["Front"]);
    const trash = path.join(dir, ".atelier", "trash");
    const [id] = await readdir(trash);
    expect(await readFile(path.join(trash, id!, "Shop", "sequences", "Lookup.yaml"), "utf8")).toBe(before);

    await ok("POST", "/api/studio/undo");
    expect(await projectNames()).toEqual(["Front", "Shop"]);
    expect(await readFile(path.join(dir, "Shop", "sequences", "Lookup.yaml"), "utf8")).toBe(before);
    expect(await readdir(trash)).toEqual([]);
    expect((await nodes("Shop")).map((n) => n.name)).toContain("copy");

    await ok("POST", "/api/studio/redo");
    expect(await exists(path.join(dir, "Shop"))).toBe(false);
    expect((await call("DELETE", "/api/studio/projects/Shop")).status).toBe(404);

    // The trash entry survives a restart while Undo can reach it, and Undo still works then.
    await app.close();
    await start();
    expect(await readdir(trash)).toHaveLength(1);
    await ok("POST", "/api/studio/undo");
    expect(await readFile(path.join(dir, "Shop", "sequences", "Lookup.yaml"), "utf8")).toBe(before);
  });

  it("undoing a delete whose name was taken since puts the project back under a free name", async () => {
    const before = await readFile(path.join(dir, "Shop", "sequences", "Lookup.yaml"), "utf8");
    await ok("DELETE", "/api/studio/projects/Shop");
    // A new project takes the name (creating a project is no entry of the history).
    await ok("POST", "/api/studio/projects", { name: "Shop" });
    const r = await call<{ error: { message: string } }>("POST", "/api/studio/undo");
    expect(r.status).toBe(409);
    expect(r.json.error.message).toContain("put back as Shop_restored");
    expect(await projectNames()).toEqual(["Front", "Shop", "Shop_restored"]);
    expect(await readFile(path.join(dir, "Shop_restored", "sequences", "Lookup.yaml"), "utf8")).toBe(before);
    expect(await readFile(path.join(dir, "Shop_restored", "project.yaml"), "utf8")).toContain("name: Shop_restored");
    expect((await nodes("Shop")).map((n) => n.name)).toEqual(["Shop"]);
    // Nothing is left in the trash for a purge to erase.
    await ok("POST", "/api/studio/projects/Front/copy", { name: "Front2" });
    await expect.poll(() => readdir(path.join(dir, ".atelier", "trash"))).toEqual([]);
    expect(await exists(path.join(dir, "Shop_restored", "sequences", "Lookup.yaml"))).toBe(true);
  });

  it("purges trash entries no undo reaches any more", async () => {
    const trash = path.join(dir, ".atelier", "trash");
    await mkdir(path.join(trash, "0123456789abcdef", "Old"), { recursive: true });
    await writeFile(path.join(trash, "0123456789abcdef", "Old", "project.yaml"), "type: Project\nname: Old\nid: x\n");
    await ok("DELETE", "/api/studio/projects/Front");
    // The orphan goes (after the change, in the background); the deleted project stays.
    await expect.poll(() => readdir(trash)).toHaveLength(1);
    const [id] = await readdir(trash);
    expect(await exists(path.join(trash, id!, "Front", "project.yaml"))).toBe(true);
  });

  it("duplicates a project with new ids and its own name; undo removes the copy", async () => {
    const r = await ok<ChangeResult>("POST", "/api/studio/projects/Shop/copy", { name: "Shop2" });
    expect(r.focus?.project).toBe("Shop2");
    expect(await projectNames()).toEqual(["Front", "Shop", "Shop2"]);
    const original = await nodes("Shop");
    const copy = await nodes("Shop2");
    expect(copy.slice(1).map((n) => n.name)).toEqual(original.slice(1).map((n) => n.name));
    const originalIds = new Set(original.map((n) => n.id));
    expect(copy.some((n) => originalIds.has(n.id))).toBe(false);
    expect(copy[0]!.name).toBe("Shop2");
    // The source follows its step's new id; the self-call names the copy.
    const data = copy.find((n) => n.name === "data")!;
    expect(copy.find((n) => n.name === "copy")!.props.source).toEqual({ step: data.id });
    expect(copy.find((n) => n.name === "self")!.props.project).toBe("Shop2");
    expect(await readFile(path.join(dir, "Shop2", "project.yaml"), "utf8")).toContain("name: Shop2");
    const run = await app.engine.run({ project: "Shop2", sequence: "Lookup", inputs: {} });
    expect(run.output).toMatchObject({ data: 4, copy: 4 });

    await ok("POST", "/api/studio/undo");
    expect(await projectNames()).toEqual(["Front", "Shop"]);
    expect(await exists(path.join(dir, "Shop2"))).toBe(false);
    await ok("POST", "/api/studio/redo");
    expect(await projectNames()).toEqual(["Front", "Shop", "Shop2"]);

    expect((await call("POST", "/api/studio/projects/Shop/copy", { name: "Front" })).status).toBe(409);
  });

  it("duplicates a project linked into the workspace from where it is; refuses links inside", async () => {
    const outside = `${dir}-outside`;
    try {
      await mkdir(path.join(outside, "Linked", "sequences"), { recursive: true });
      const rootYaml = "atelier: 1\ntype: Project\nname: Linked\nid: linkedroot01\n";
      await writeFile(path.join(outside, "Linked", "project.yaml"), rootYaml);
      await symlink(path.join(outside, "Linked"), path.join(dir, "Linked"));
      await app.close();
      await start();
      expect(await projectNames()).toContain("Linked");
      await ok("POST", "/api/studio/projects/Linked/copy", { name: "Linked2" });
      expect((await lstat(path.join(dir, "Linked2"))).isSymbolicLink()).toBe(false);
      expect(await readFile(path.join(dir, "Linked2", "project.yaml"), "utf8")).toContain("name: Linked2");
      // The original is untouched (the copy's new ids and name went into the copy only).
      expect(await readFile(path.join(outside, "Linked", "project.yaml"), "utf8")).toBe(rootYaml);
      const exported = await call("GET", "/api/studio/projects/Linked/export");
      expect(exported.status, exported.bytes.toString()).toBe(200);

      // A link inside a project: refused, naming it, and nothing is left behind.
      await symlink(path.join(outside, "Linked", "sequences"), path.join(dir, "Shop", "shared"));
      const r = await call<{ error: { message: string } }>("POST", "/api/studio/projects/Shop/copy", { name: "Shop3" });
      expect(r.status).toBe(400);
      expect(r.json.error.message).toContain("Shop/shared is a symbolic link");
      expect(await exists(path.join(dir, "Shop3"))).toBe(false);
      expect(await readdir(path.join(dir, ".atelier", "trash")).catch(() => [])).toEqual([]);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it("exports the .car a deploy builds, as a download", async () => {
    const r = await call("GET", "/api/studio/projects/Shop/export");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/zip");
    expect(r.headers.get("content-disposition")).toContain('filename="Shop.car"');
    const car = await buildCar(path.join(dir, "Shop"), "dev");
    expect(r.bytes.equals(car.bytes)).toBe(true);
    expect(r.headers.get("x-atelier-digest")).toBe(car.digest);
    expect((await call("GET", "/api/studio/projects/Nope/export")).status).toBe(404);
  });

  it("adds the example under the name given, with new ids; an existing name is refused", async () => {
    const first = await ok<ChangeResult>("POST", "/api/studio/examples/Demo", {});
    expect(first.focus?.project).toBe("Demo");
    expect((await call("POST", "/api/studio/examples/Demo", {})).status).toBe(409);
    const second = await ok<ChangeResult>("POST", "/api/studio/examples/Demo", { as: "MyDemo" });
    expect(second.focus?.project).toBe("MyDemo");
    expect(await readFile(path.join(dir, "MyDemo", "project.yaml"), "utf8")).toContain("name: MyDemo");
    const a = new Set((await nodes("Demo")).map((n) => n.id));
    const b = await nodes("MyDemo");
    expect(b.some((n) => a.has(n.id))).toBe(false);
    const shipped = await readFile(path.join(EXAMPLES, "Demo", "project.yaml"), "utf8");
    const shippedId = /\nid: (\S+)/.exec(shipped)![1]!;
    expect(a.has(shippedId)).toBe(false);
    const greet = await app.engine.run({ project: "MyDemo", sequence: "Greet", inputs: { name: "Ann" } });
    expect(greet.ok).toBe(true);
    await ok("POST", "/api/studio/undo");
    expect(await projectNames()).not.toContain("MyDemo");
  });

  it("lists folders under the workspace's parent for the import picker, and nothing beyond", async () => {
    const c8o = path.join(path.dirname(dir), path.basename(dir) + "-c8o");
    await mkdir(c8o, { recursive: true });
    await writeFile(path.join(c8o, "c8oProject.yaml"), "");
    try {
      const parent = await ok<FolderListing>(
        "GET",
        `/api/studio/folders?path=${encodeURIComponent(path.dirname(dir))}`,
      );
      expect(parent.roots).toContain(path.dirname(dir));
      expect(parent.folders).toContainEqual({ name: path.basename(c8o), convertigo: true });
      const ws = await ok<FolderListing>("GET", `/api/studio/folders?path=${encodeURIComponent(dir)}`);
      expect(ws.folders.map((f) => f.name)).toEqual(["Front", "Shop"]);
      expect(ws.folders[0]).toEqual({ name: "Front", atelier: true });
      expect(ws.parent).toBe(path.dirname(dir));
      // Hidden folders are not listed.
      expect(ws.folders.some((f) => f.name.startsWith("."))).toBe(false);
      const outside = await call<{ error: { message: string } }>(
        "GET",
        `/api/studio/folders?path=${encodeURIComponent("/proc")}`,
      );
      expect([403, 404]).toContain(outside.status);
      expect((await call("GET", "/api/studio/folders?path=relative")).status).toBe(400);
      const missing = await call<{ error: { message: string } }>(
        "GET",
        `/api/studio/folders?path=${encodeURIComponent(path.join(dir, "nothing"))}`,
      );
      expect(missing.status).toBe(404);
      expect(missing.json.error.message).toContain(path.join(dir, "nothing"));
    } finally {
      await rm(c8o, { recursive: true, force: true });
    }
  });

  it("names the folder when an import fails", async () => {
    const r = await call<{ error: { message: string } }>("POST", "/api/studio/import/convertigo", {
      src: path.join(dir, "Front"),
    });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toContain(path.join(dir, "Front"));
  });
});
