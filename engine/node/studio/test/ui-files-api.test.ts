/**
 * The UI builder's files through the real Studio API (issue 18, step C1): an Application created
 * under a project and pages under it through the create and paste routes land in ui/<name>.yaml
 * and ui/pages/<name>.yaml; edits, renames, moves, deletions and undo keep the files right; a
 * second application is refused; the type definitions offer Application under a project.
 */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TypeSchema } from "../../../common/model/typedef.ts";
import { objectRevision, type ChangeResult, type FlatNode, type ProjectTree } from "../../../common/studio/api.ts";
import type { RenameResult } from "../../../common/studio/refactor.ts";
import { startAtelier, type RunningAtelier } from "../../app.ts";
import { EngineLog } from "../../log.ts";

let dir: string;
let app: RunningAtelier;

async function start(): Promise<void> {
  app = await startAtelier({
    workspaceDir: dir,
    port: 0,
    log: new EngineLog({ level: "silent" }),
    fullsync: false,
    studio: { distDir: path.join(dir, "no-dist"), watch: false, persistHistory: false },
  });
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "atelier-ui-files-api-"));
  await start();
});

afterEach(async () => {
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

async function call<T = unknown>(method: string, url: string, body?: unknown) {
  const res = await fetch(new URL(url, app.url), {
    method,
    headers: {
      authorization: `Bearer ${app.studio!.auth.token}`,
      "x-atelier-studio": "1",
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : undefined) as T };
}

async function ok<T>(method: string, url: string, body?: unknown): Promise<T> {
  const r = await call<T>(method, url, body);
  if (r.status !== 200) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

async function tree(project: string): Promise<Map<string, FlatNode> & { root: FlatNode }> {
  const t = await ok<ProjectTree>("GET", `/api/studio/projects/${project}/tree`);
  const m = new Map(t.nodes.map((n) => [n.id, n])) as Map<string, FlatNode> & { root: FlatNode };
  m.root = m.get(t.rootId)!;
  return m;
}

const create = (project: string, body: Record<string, unknown>) =>
  ok<ChangeResult>("POST", `/api/studio/projects/${project}/objects`, body);
const read = (file: string) => readFile(path.join(dir, file), "utf8");
const gone = async (file: string) => expect(stat(path.join(dir, file))).rejects.toThrow();

describe("Studio API: the UI's files", () => {
  it("offers an application under a project, pages and shared objects under it, in files of their own", async () => {
    const types = new Map((await ok<TypeSchema[]>("GET", "/api/studio/types")).map((t) => [t.type, t]));
    expect(types.get("Project")?.accepts).toContain("Application");
    expect(types.get("Application")?.accepts).toEqual(
      expect.arrayContaining(["Page", "SharedComponent", "SharedAction", "State", "Style", "Event"]),
    );
    expect(types.get("Application")).toMatchObject({ file: "ui", onlyIn: ["Project"] });
    expect(types.get("Page")).toMatchObject({ file: "ui/pages", fileParent: "Application" });
    expect(types.get("SharedComponent")).toMatchObject({ file: "ui/shared", fileParent: "Application" });
    expect(types.get("SharedAction")).toMatchObject({ file: "ui/actions", fileParent: "Application" });
    expect(types.get("Component")?.file).toBeUndefined();
  });

  it("creates an application and pages, edits, renames, moves, deletes and undoes them on disk", async () => {
    await ok("POST", "/api/studio/projects", { name: "Shop" });
    const projectYaml = await read("Shop/project.yaml");
    let t = await tree("Shop");

    // The application: ui/<name>.yaml, project.yaml untouched.
    const created = await create("Shop", { parent: t.root.id, type: "Application", props: { title: "Shop" } });
    const appId = created.focus!.id;
    expect(created.deltas[0]!.upserts.find((n) => n.id === appId)?.name).toBe("Application1");
    expect(await read("Shop/ui/Application1.yaml")).toMatch(
      /^versions:\n {2}Application: 2\ntype: Application\nname: Application1\nid: \w+\ntitle: Shop\n$/,
    );
    expect(await read("Shop/project.yaml")).toBe(projectYaml);
    await ok("PATCH", `/api/studio/projects/Shop/objects/${appId}`, { name: "App" });
    await gone("Shop/ui/Application1.yaml");

    // A second one is refused, saying why.
    const second = await call<{ error: { code: string; message: string } }>(
      "POST",
      "/api/studio/projects/Shop/objects",
      {
        parent: t.root.id,
        type: "Application",
      },
    );
    expect(second.status).toBe(409);
    expect(second.json.error).toEqual({
      code: "one_application",
      message:
        'The project Shop already holds an application ("App"): a project has one (add pages, shared components and actions to it)',
    });
    const pastedApp = await call("POST", "/api/studio/projects/Shop/paste", {
      parent: t.root.id,
      nodes: [{ type: "Application", name: "Other", props: {}, children: [] }],
    });
    expect(pastedApp.status).toBe(409);
    expect(await readdir(path.join(dir, "Shop/ui"))).toEqual(["App.yaml"]);

    // Pages: ui/pages/<name>.yaml; what they hold is in their file, not the application's.
    const orders = (await create("Shop", { parent: appId, type: "Page", name: "Orders", props: { title: "Orders" } }))
      .focus!.id;
    const content = (
      await create("Shop", { parent: orders, type: "Component", name: "Content", props: { component: "Content" } })
    ).focus!.id;
    await create("Shop", { parent: content, type: "Text", name: "Hello", props: { value: "Hello" } });
    const ordersText = await read("Shop/ui/pages/Orders.yaml");
    expect(ordersText).toMatch(/^type: Page\nname: Orders\n/);
    expect(ordersText).toContain("    component: Content\n");
    expect(ordersText).toContain("        value: Hello\n");
    const appText = await read("Shop/ui/App.yaml");
    expect(appText).not.toContain("Orders");

    // A page's name is a file name, unique among the pages.
    const badName = await call("POST", "/api/studio/projects/Shop/objects", {
      parent: appId,
      type: "Page",
      name: "my page",
    });
    expect(badName.status).toBe(400);
    const taken = await call<{ error: { message: string } }>("POST", "/api/studio/projects/Shop/objects", {
      parent: appId,
      type: "Page",
      name: "Orders",
    });
    expect(taken.status).toBe(409);
    expect(taken.json.error.message).toBe('App already holds a page named "Orders"');

    // Typing in a page's field rewrites that page's file only.
    t = await tree("Shop");
    await ok("PATCH", `/api/studio/projects/Shop/objects/${orders}`, {
      rev: objectRevision(t.get(orders)!),
      set: { title: "My orders" },
    });
    expect(await read("Shop/ui/pages/Orders.yaml")).toContain("title: My orders\n");
    expect(await read("Shop/ui/App.yaml")).toBe(appText);

    // Paste: a page with what it holds, under a free name when its own is taken.
    const pasted = await ok<ChangeResult>("POST", "/api/studio/projects/Shop/paste", {
      parent: appId,
      nodes: [
        {
          type: "Page",
          name: "Login",
          props: { route: "login" },
          children: [{ type: "Component", name: "Form", props: { component: "Stack" }, children: [] }],
        },
        { type: "Page", name: "Orders", props: {}, children: [] },
        { type: "SharedAction", name: "AfterLogin", props: {}, children: [] },
      ],
    });
    expect(pasted.deltas[0]!.upserts.filter((n) => n.type === "Page").map((n) => n.name)).toEqual([
      "Login",
      "Orders_copy",
    ]);
    expect(await read("Shop/ui/pages/Login.yaml")).toContain("name: Form\n");
    expect((await readdir(path.join(dir, "Shop/ui/pages"))).sort()).toEqual([
      "Login.yaml",
      "Orders.yaml",
      "Orders_copy.yaml",
    ]);
    expect(await read("Shop/ui/actions/AfterLogin.yaml")).toMatch(/^type: SharedAction\nname: AfterLogin\n/);

    // The application's start page names a page: renaming the page renames its file and the reference.
    t = await tree("Shop");
    await ok("PATCH", `/api/studio/projects/Shop/objects/${appId}`, {
      rev: objectRevision(t.get(appId)!),
      set: { startPage: "Orders" },
    });
    const renamed = await ok<RenameResult>("POST", `/api/studio/projects/Shop/objects/${orders}/rename`, {
      name: "List",
    });
    expect(renamed.changes.map((c) => [c.path.at(-1), c.field, c.before, c.after])).toEqual([
      ["Orders", "name", "Orders", "List"],
      ["App", "startPage", "Orders", "List"],
    ]);
    await gone("Shop/ui/pages/Orders.yaml");
    expect(await read("Shop/ui/pages/List.yaml")).toMatch(/^type: Page\nname: List\n/);
    expect(await read("Shop/ui/App.yaml")).toContain("startPage: List\n");

    // Delete, undo, redo.
    const copy = [...(await tree("Shop")).values()].find((n) => n.name === "Orders_copy")!.id;
    await ok("POST", "/api/studio/projects/Shop/delete", { ids: [copy] });
    await gone("Shop/ui/pages/Orders_copy.yaml");
    await ok("POST", "/api/studio/undo");
    expect(await read("Shop/ui/pages/Orders_copy.yaml")).toMatch(/name: Orders_copy/);
    await ok("POST", "/api/studio/redo");
    await gone("Shop/ui/pages/Orders_copy.yaml");

    // Moving a page into another project's application moves its file.
    await ok("POST", "/api/studio/projects", { name: "Other" });
    const otherApp = (
      await create("Other", { parent: (await tree("Other")).root.id, type: "Application", name: "App" })
    ).focus!.id;
    const login = [...(await tree("Shop")).values()].find((n) => n.name === "Login")!.id;
    await ok("POST", "/api/studio/projects/Shop/move", { ids: [login], toProject: "Other", parent: otherApp });
    await gone("Shop/ui/pages/Login.yaml");
    expect(await read("Other/ui/pages/Login.yaml")).toContain("name: Form\n");
    // An application cannot be moved into a project that has one.
    const moved = await call("POST", "/api/studio/projects/Shop/move", {
      ids: [appId],
      toProject: "Other",
      parent: (await tree("Other")).root.id,
    });
    expect(moved.status).toBe(409);

    // What was written reads back the same after a restart.
    const before = await tree("Shop");
    await app.close();
    await start();
    const after = await tree("Shop");
    const shape = (m: Map<string, FlatNode>) =>
      [...m.values()].map((n) => ({ id: n.id, type: n.type, name: n.name, props: n.props, children: n.children }));
    expect(shape(after)).toEqual(shape(before));
    expect([...after.values()].find((n) => n.id === appId)?.children.map((c) => after.get(c)?.name)).toEqual([
      "List",
      "AfterLogin",
    ]);
  });

  it("shows a page file that cannot be read as a problem naming the file and line, and keeps it", async () => {
    await ok("POST", "/api/studio/projects", { name: "Shop" });
    const appId = (await create("Shop", { parent: (await tree("Shop")).root.id, type: "Application", name: "App" }))
      .focus!.id;
    await create("Shop", { parent: appId, type: "Page", name: "Orders" });
    await ok("POST", "/api/studio/projects", { name: "Other" });
    const otherApp = (
      await create("Other", { parent: (await tree("Other")).root.id, type: "Application", name: "App" })
    ).focus!.id;
    const broken = "type: Page\nname: Broken\nchildren:\n  - type: Text\n    name: a\n   value: [unclosed\n";
    await writeFile(path.join(dir, "Shop/ui/pages/Broken.yaml"), broken);
    await app.close();
    await start();

    const t = await ok<ProjectTree>("GET", "/api/studio/projects/Shop/tree");
    const placeholder = t.nodes.find((n) => n.name === "Broken")!;
    expect(placeholder).toMatchObject({ type: "Page", parent: appId, file: "Shop/ui/pages/Broken.yaml" });
    expect(placeholder.issues?.[0]?.location).toEqual({ file: "Shop/ui/pages/Broken.yaml", line: 6 });
    const info = await ok<{ projects: { name: string; errors: { location?: { file: string; line?: number } }[] }[] }>(
      "GET",
      "/api/studio/workspace",
    );
    expect(info.projects.find((p) => p.name === "Shop")?.errors[0]?.location).toEqual({
      file: "Shop/ui/pages/Broken.yaml",
      line: 6,
    });
    // Other pages are edited as usual; the broken file stays as written, and does not leave its project.
    const orders = t.nodes.find((n) => n.name === "Orders")!;
    await ok("PATCH", `/api/studio/projects/Shop/objects/${orders.id}`, { set: { title: "Orders" } });
    const moved = await call<{ error: { code: string } }>("POST", "/api/studio/projects/Shop/move", {
      ids: [placeholder.id],
      toProject: "Other",
      parent: otherApp,
    });
    expect(moved.status).toBe(400);
    expect(moved.json.error.code).toBe("unreadable_file");
    expect(await read("Shop/ui/pages/Broken.yaml")).toBe(broken);
    await gone("Other/ui/pages/Broken.yaml");
  });
});
