/**
 * The UI builder's files (issue 18, docs/design/ui-builder.md §2.1): a project's Application in
 * ui/<name>.yaml, its pages, shared components and shared actions in ui/pages/, ui/shared/ and
 * ui/actions/, read after it and attached under it; everything else inline. Round trips, renames,
 * deletions, unreadable files, a second application, the .car.
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rm, unlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OWN_FILE_FOLDERS } from "../../common/format/project-format.ts";
import { findById, walk, type ObjNode } from "../../common/model/node.ts";
import { listTypes } from "../../common/model/registry.ts";
import { buildCar, extractCar } from "../deploy/car.ts";
import { loadProject, projectFileOf, saveProject, type LoadedProject } from "./project-files.ts";

const demo = path.resolve(import.meta.dirname, "../../../examples/workspace/Demo");
let tmp: string;
let dir: string;

beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "atelier-ui-files-"));
  dir = path.join(tmp, "Demo");
  await cp(demo, dir, { recursive: true });
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function snapshot(folder: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const p = path.join(entry.parentPath, entry.name);
    out[path.relative(folder, p).split(path.sep).join("/")] = await readFile(p, "utf8");
  }
  return out;
}

const node = (id: string, type: string, name: string, props: Record<string, unknown> = {}, children: ObjNode[] = []) =>
  ({ id, type, name, props, children }) satisfies ObjNode;

/** An application with two pages, a shared component and a shared action (the order loading gives). */
function application(): ObjNode {
  return node(
    "app000000001",
    "Application",
    "App",
    { title: "Orders", startPage: "Orders", loginPage: "Login", pageOrder: ["Orders"] },
    [
      node("appuser00001", "State", "user", { schema: { type: "string" }, persist: "device" }),
      node("appstyle0001", "Style", "Global", { css: "ion-content {\n  --background: #fafafa;\n}\n" }),
      // Pages in pageOrder first (Orders), then by name.
      node("ordpage00001", "Page", "Orders", { title: "My orders", requiresLogin: true }, [
        node("ordfilt00001", "State", "filter", { schema: { type: "string" }, default: "" }),
        node(
          "ordcont00001",
          "Component",
          "Content",
          { component: "Content", layout: { direction: "column", gap: 8 } },
          [
            node("ordrow000001", "UseShared", "Row", {
              component: "OrderRow",
              inputs: { order: { source: "state", name: "filter" } },
            }),
          ],
        ),
      ]),
      node("logpage00001", "Page", "Login", { route: "login" }, [
        node("logform00001", "Component", "Form", { component: "Stack" }, [
          node("loguser00001", "Component", "User", { component: "Input", inputs: { label: "User" } }),
          node("logbtn000001", "Component", "LogIn", { component: "Button", text: "Log in" }, [
            node("logclick0001", "Event", "Click", { on: "click" }, [
              node("loginvoke001", "Action", "Greet", {
                action: "CallSequence",
                inputs: { sequence: "Greet", variables: { script: "({ name: form.user })" } },
              }),
            ]),
          ]),
        ]),
      ]),
      node("rowshared001", "SharedComponent", "OrderRow", {}, [
        node("rowinput0001", "ComponentInput", "order", { schema: { type: "object" } }),
        node("rowtext00001", "Text", "Item", { value: { source: "input", name: "order", path: "item" } }),
      ]),
      node("aftershare01", "SharedAction", "AfterLogin", {}, [
        node("afterinput01", "ActionInput", "user", { required: true }),
        node("afterlog0001", "Action", "Log", { action: "Log", inputs: { message: "logged in" } }),
      ]),
    ],
  );
}

const UI_FILES = [
  "ui/App.yaml",
  "ui/actions/AfterLogin.yaml",
  "ui/pages/Login.yaml",
  "ui/pages/Orders.yaml",
  "ui/shared/OrderRow.yaml",
];

/** The tree as data (ids, types, names, properties, children), without issues and locations. */
function plain(n: ObjNode): unknown {
  return { id: n.id, type: n.type, name: n.name, props: n.props, children: n.children.map(plain) };
}

async function withApplication(): Promise<LoadedProject> {
  const p = await loadProject(dir);
  p.root.children.push(application());
  const saved = await saveProject(p);
  // project.yaml does not change: the application is in a file of its own.
  expect(saved).toEqual({
    written: [
      "ui/App.yaml",
      "ui/pages/Orders.yaml",
      "ui/pages/Login.yaml",
      "ui/shared/OrderRow.yaml",
      "ui/actions/AfterLogin.yaml",
    ],
    deleted: [],
  });
  return p;
}

const app = (p: LoadedProject) => p.root.children.find((c) => c.type === "Application")!;

describe("the UI's files", () => {
  it("agree with the registry: every own-file folder is read, file parents before their children", () => {
    const folders = OWN_FILE_FOLDERS.map((f) => f.folder);
    for (const t of listTypes()) {
      if (!t.file) continue;
      const info = OWN_FILE_FOLDERS.find((f) => f.folder === t.file);
      expect(info, t.type).toBeDefined();
      expect(info!.parent, t.type).toBe(t.fileParent);
      if (info!.type) expect(info!.type).toBe(t.type);
      if (t.fileParent) {
        const parentFolder = listTypes().find((x) => x.type === t.fileParent)?.file;
        expect(parentFolder, `${t.type}'s file parent has a file`).toBeDefined();
        expect(folders.indexOf(parentFolder!)).toBeLessThan(folders.indexOf(t.file));
      }
    }
  });

  it("writes the application and each page, shared component and shared action in its own file, and reads them back as they were", async () => {
    const p = await withApplication();
    const files = await snapshot(dir);
    expect(
      Object.keys(files)
        .filter((f) => f.startsWith("ui/"))
        .sort(),
    ).toEqual(UI_FILES);
    // The application's file holds what is inline (states, styles), not its pages.
    const appText = files["ui/App.yaml"]!;
    expect(appText).toContain("type: State");
    expect(appText).toContain("css: |\n");
    expect(appText).not.toMatch(/type: (Page|SharedComponent|SharedAction)/);
    expect(appText).not.toContain("ordpage00001");
    // A page's file holds its whole subtree, the versions of what it holds in its header.
    const login = files["ui/pages/Login.yaml"]!;
    expect(login.split("\n").slice(0, 3)).toEqual(["type: Page", "name: Login", "id: logpage00001"]);
    expect(login).toContain("action: CallSequence");
    expect(files["project.yaml"]).not.toContain("Application");

    const again = await loadProject(dir);
    expect(again.errors).toEqual([]);
    const invalid: string[] = [];
    walk(again.root, (n) => void n.issues?.forEach((i) => invalid.push(`${n.name}: ${i.message}`)));
    expect(invalid).toEqual([]);
    // The application last among the project's children; under it, its own children, then the
    // pages in pageOrder (Orders), the others by name, shared components, shared actions.
    expect(again.root.children.at(-1)?.name).toBe("App");
    expect(plain(app(again))).toEqual(plain(app(p)));
    expect(app(again).children.map((c) => c.name)).toEqual([
      "user",
      "Global",
      "Orders",
      "Login",
      "OrderRow",
      "AfterLogin",
    ]);
    expect(findById(again.root, "logbtn000001")?.location).toEqual({ file: "Demo/ui/pages/Login.yaml", line: 17 });
    expect(files["ui/pages/Login.yaml"]!.split("\n")[16]).toBe("      - type: Component");
    expect(files["ui/pages/Login.yaml"]!.split("\n")[18]).toBe("        id: logbtn000001");

    // Saving again changes nothing; serializing every file again gives the same bytes.
    expect(await saveProject(again)).toEqual({ written: [], deleted: [] });
    // (The example's own files are formatted by hand: only the UI's, written by Atelier, are.)
    for (const [f, state] of again.files) if (f.startsWith("ui/")) state.fingerprint = "stale";
    expect(await saveProject(again)).toEqual({ written: [], deleted: [] });
    expect(await snapshot(dir)).toEqual(files);
  });

  it("keeps hand-formatted UI files byte for byte, and writes only the file of what changed", async () => {
    await withApplication();
    const handWritten = [
      "# The orders of the logged-in user (design §2.4)",
      "type: Page",
      "name: Orders",
      "id: ordpage00001",
      "title: My orders",
      "requiresLogin: true",
      "children:",
      "  - type: Component",
      "    name: Content",
      "    id: ordcont00001",
      "    component: Content",
      "    layout: { direction: column, gap: 8, padding: 12 }",
      "    children:",
      "      - { type: Text, name: Hello, id: ordtext00001, value: { source: state, name: user } }",
      "",
    ].join("\n");
    await writeFile(path.join(dir, "ui/pages/Orders.yaml"), handWritten);
    const before = await snapshot(dir);
    const p = await loadProject(dir);
    expect(p.errors).toEqual([]);
    expect(findById(p.root, "ordtext00001")?.props.value).toEqual({ source: "state", name: "user" });
    expect(await saveProject(p)).toEqual({ written: [], deleted: [] });
    expect(await snapshot(dir)).toEqual(before);

    // A change inside a page rewrites that page's file only.
    findById(p.root, "loguser00001")!.props.inputs = { label: "Your name" };
    expect(await saveProject(p)).toEqual({ written: ["ui/pages/Login.yaml"], deleted: [] });
    // A change of the application rewrites its file only, its pages staying out of it.
    app(p).props.title = "My shop";
    expect(await saveProject(p)).toEqual({ written: ["ui/App.yaml"], deleted: [] });
    expect(await readFile(path.join(dir, "ui/App.yaml"), "utf8")).not.toContain("type: Page");
    expect(await readFile(path.join(dir, "ui/pages/Orders.yaml"), "utf8")).toBe(handWritten);
    // The file an object is written in: its page's, not its application's.
    expect(projectFileOf(p.root, "loguser00001")?.relPath).toBe("ui/pages/Login.yaml");
    expect(projectFileOf(p.root, "appuser00001")?.relPath).toBe("ui/App.yaml");
    expect(projectFileOf(p.root, "rowtext00001")?.relPath).toBe("ui/shared/OrderRow.yaml");
    expect(projectFileOf(p.root, p.root.id)?.relPath).toBe("project.yaml");
  });

  it("renames a page's file and deletes the old one; deleting a page deletes its file", async () => {
    const p = await withApplication();
    findById(p.root, "logpage00001")!.name = "SignIn";
    expect(await saveProject(p)).toEqual({ written: ["ui/pages/SignIn.yaml"], deleted: ["ui/pages/Login.yaml"] });
    const pages = await readdir(path.join(dir, "ui/pages"));
    expect(pages.sort()).toEqual(["Orders.yaml", "SignIn.yaml"]);
    expect(await readFile(path.join(dir, "ui/pages/SignIn.yaml"), "utf8")).toMatch(/^type: Page\nname: SignIn\n/);
    // Renaming the application renames its file only.
    app(p).name = "Shop";
    expect(await saveProject(p)).toEqual({ written: ["ui/Shop.yaml"], deleted: ["ui/App.yaml"] });

    const application = app(p);
    application.children = application.children.filter((c) => c.name !== "SignIn" && c.name !== "AfterLogin");
    const removed = await saveProject(p);
    expect(removed.written).toEqual([]);
    expect(removed.deleted.sort()).toEqual(["ui/actions/AfterLogin.yaml", "ui/pages/SignIn.yaml"]);
    expect(await readdir(path.join(dir, "ui/pages"))).toEqual(["Orders.yaml"]);
    // Deleting the application deletes the files of all it holds.
    p.root.children = p.root.children.filter((c) => c !== application);
    expect((await saveProject(p)).deleted.sort()).toEqual([
      "ui/Shop.yaml",
      "ui/pages/Orders.yaml",
      "ui/shared/OrderRow.yaml",
    ]);
  });

  it("refuses names that cannot be file names or would clash, touching no file", async () => {
    const p = await withApplication();
    const before = await snapshot(dir);
    findById(p.root, "logpage00001")!.name = "Orders";
    await expect(saveProject(p)).rejects.toThrow("Two objects would be saved to ui/pages/Orders.yaml");
    findById(p.root, "logpage00001")!.name = "../escape";
    await expect(saveProject(p)).rejects.toThrow("cannot be a file name");
    expect(await snapshot(dir)).toEqual(before);
    // A shared component may have a page's name: another folder.
    findById(p.root, "logpage00001")!.name = "Login";
    findById(p.root, "rowshared001")!.name = "Login";
    expect((await saveProject(p)).written).toEqual(["ui/shared/Login.yaml"]);
  });

  it("turns a page file that cannot be read into a placeholder naming the file and line, and never rewrites it", async () => {
    await withApplication();
    const broken =
      "type: Page\nname: Orders\nid: ordpage00001\nchildren:\n  - type: Text\n    name: a\n   value: [unclosed\n";
    await writeFile(path.join(dir, "ui/pages/Orders.yaml"), broken);
    const wrongType = "type: Sequence\nname: Stray\nid: stray0000001\n";
    await writeFile(path.join(dir, "ui/pages/Stray.yaml"), wrongType);
    const p = await loadProject(dir);
    // The YAML parser's errors, at the lines of the bad indentation.
    expect(p.errors.map((e) => e.location)).toEqual([
      { file: "Demo/ui/pages/Orders.yaml", line: 7 },
      { file: "Demo/ui/pages/Orders.yaml", line: 8 },
      { file: "Demo/ui/pages/Stray.yaml", line: 1 },
    ]);
    expect(p.errors.at(-1)!.message).toBe(
      "ui/pages/Stray.yaml must hold a Page, not a Sequence: the file is kept as it is",
    );
    // Placeholders under the application, with the file's problems; the rest loads.
    const orders = app(p).children.find((c) => c.name === "Orders")!;
    expect(orders).toMatchObject({ type: "Page", id: "unreadable-ui-pages-Orders", children: [] });
    expect(orders.issues?.[0]?.location?.file).toBe("Demo/ui/pages/Orders.yaml");
    expect(app(p).children.find((c) => c.name === "Stray")?.type).toBe("Page");
    expect(findById(p.root, "loguser00001")).toBeDefined();
    // Other changes save; the broken files stay as written.
    findById(p.root, "loguser00001")!.props.inputs = { label: "Your name" };
    expect(await saveProject(p)).toEqual({ written: ["ui/pages/Login.yaml"], deleted: [] });
    expect(await readFile(path.join(dir, "ui/pages/Orders.yaml"), "utf8")).toBe(broken);
    expect(await readFile(path.join(dir, "ui/pages/Stray.yaml"), "utf8")).toBe(wrongType);
    // Renamed, its text would be lost: refused until the file is fixed. Deleted, its file goes.
    orders.name = "Renamed";
    await expect(saveProject(p)).rejects.toThrow(
      "ui/pages/Orders.yaml could not be read: it cannot be renamed or moved to ui/pages/Renamed.yaml until the file is fixed",
    );
    orders.name = "Orders";
    app(p).children = app(p).children.filter((c) => c !== orders);
    expect(await saveProject(p)).toEqual({ written: [], deleted: ["ui/pages/Orders.yaml"] });
  });

  it("keeps the pages of a project without an application, and of an unreadable application file", async () => {
    await withApplication();
    const appText = await readFile(path.join(dir, "ui/App.yaml"), "utf8");
    // The application's file unreadable: a placeholder, and its pages still load under it.
    await writeFile(path.join(dir, "ui/App.yaml"), "type: Application\nname: [App\n");
    let p = await loadProject(dir);
    expect(p.errors.map((e) => e.location?.file)).toEqual(["Demo/ui/App.yaml"]);
    expect(app(p)).toMatchObject({ id: "unreadable-ui-App", name: "App" });
    expect(app(p).children.map((c) => c.name)).toEqual(["Login", "Orders", "OrderRow", "AfterLogin"]);
    findById(p.root, "loguser00001")!.props.inputs = { label: "Your name" };
    expect(await saveProject(p)).toEqual({ written: ["ui/pages/Login.yaml"], deleted: [] });
    expect(await readFile(path.join(dir, "ui/App.yaml"), "utf8")).toBe("type: Application\nname: [App\n");

    // No application at all: each file is kept, a placeholder beside the project's objects.
    await unlink(path.join(dir, "ui/App.yaml"));
    const before = await snapshot(dir);
    p = await loadProject(dir);
    expect(p.errors.map((e) => [e.location?.file, e.location?.line])).toEqual([
      ["Demo/ui/pages/Login.yaml", 1],
      ["Demo/ui/pages/Orders.yaml", 1],
      ["Demo/ui/shared/OrderRow.yaml", 1],
      ["Demo/ui/actions/AfterLogin.yaml", 1],
    ]);
    expect(p.errors[0]!.message).toBe(
      "ui/pages/Login.yaml belongs to the project's Application, but the project has none (a ui/<name>.yaml file holding an Application): add one, or move the file away",
    );
    expect(p.root.children.slice(-4).map((c) => [c.type, c.id])).toEqual([
      ["Page", "unreadable-ui-pages-Login"],
      ["Page", "unreadable-ui-pages-Orders"],
      ["SharedComponent", "unreadable-ui-shared-OrderRow"],
      ["SharedAction", "unreadable-ui-actions-AfterLogin"],
    ]);
    p.root.props.comment = "touched";
    expect(await saveProject(p)).toEqual({ written: ["project.yaml"], deleted: [] });
    const after = await snapshot(dir);
    expect({ ...after, "project.yaml": "" }).toEqual({ ...before, "project.yaml": "" });

    // The application back: everything is read as before.
    await writeFile(path.join(dir, "ui/App.yaml"), appText);
    p = await loadProject(dir);
    expect(p.errors).toEqual([]);
    expect(app(p).children.map((c) => c.name)).toEqual(["user", "Global", "Orders", "Login", "OrderRow", "AfterLogin"]);
  });

  it("reports a second application on the project, and reads the files into the first", async () => {
    await withApplication();
    await writeFile(path.join(dir, "ui/Other.yaml"), "type: Application\nname: Other\nid: otherapp0001\n");
    const p = await loadProject(dir);
    const apps = p.root.children.filter((c) => c.type === "Application");
    expect(apps.map((a) => [a.name, a.children.length])).toEqual([
      ["App", 6],
      ["Other", 0],
    ]);
    expect(p.root.issues?.map((i) => i.message)).toEqual([
      'The project Demo holds 2 applications ("App", "Other"): a project has one application, whose pages, shared components and shared actions are the files of ui/pages/, ui/shared/ and ui/actions/. Keep one (move what the others hold into it, then delete them)',
    ]);
    expect(await saveProject(p)).toEqual({ written: [], deleted: [] });
  });

  it("writes a page misplaced by hand inline, so nothing is left out of every file", async () => {
    const p = await loadProject(dir);
    const greet = p.root.children.find((c) => c.name === "Greet")!;
    greet.children.push(node("strayp000001", "Page", "Stray"));
    expect(await saveProject(p)).toEqual({ written: ["sequences/Greet.yaml"], deleted: [] });
    expect(await readFile(path.join(dir, "sequences/Greet.yaml"), "utf8")).toContain("name: Stray");
    expect(projectFileOf(p.root, "strayp000001")?.relPath).toBe("sequences/Greet.yaml");
    const again = await loadProject(dir);
    expect(findById(again.root, "strayp000001")?.issues?.map((i) => i.message)).toContain(
      "A Sequence cannot hold a Page",
    );
  });

  it("ships ui/ and www/ in the .car, and reads them back from it", async () => {
    await withApplication();
    await mkdir(path.join(dir, "www", "assets"), { recursive: true });
    await writeFile(path.join(dir, "www", "index.html"), "<!doctype html><title>Orders</title>");
    await writeFile(path.join(dir, "www", "assets", "index.js"), "console.log(1)");
    // A build folder of the generated app is left out (car.ts LEFT_OUT), www/ is not.
    await mkdir(path.join(dir, "app", "node_modules", "x"), { recursive: true });
    await writeFile(path.join(dir, "app", "node_modules", "x", "a.js"), "x");
    const car = await buildCar(dir, "0.1.0");
    expect(car.files.filter((f) => f.startsWith("ui/") || f.startsWith("www/") || f.startsWith("app/"))).toEqual([
      "ui/App.yaml",
      "ui/actions/AfterLogin.yaml",
      "ui/pages/Login.yaml",
      "ui/pages/Orders.yaml",
      "ui/shared/OrderRow.yaml",
      "www/assets/index.js",
      "www/index.html",
    ]);
    expect(car.manifest.types).toMatchObject({ Application: 2, Page: 1, SharedComponent: 1, SharedAction: 1 });
    await mkdir(path.join(tmp, "out"));
    const out = path.join(tmp, "out", "Demo");
    expect((await extractCar(car.bytes, out)).project).toBe("Demo");
    const p = await loadProject(out);
    expect(p.errors).toEqual([]);
    expect(app(p).children.map((c) => c.name)).toEqual(["user", "Global", "Orders", "Login", "OrderRow", "AfterLogin"]);
  });
});
