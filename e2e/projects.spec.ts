import { mkdir, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Page } from "@playwright/test";
import { expect, selectInTree, test } from "./fixtures.ts";
import { addAdminUser, createPsc, startServerProcess, type ServerProcess } from "./server-process.ts";

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

/** Shop (Lookup answers {data: 4}) and Front, whose Go calls Shop's Lookup. */
const PROJECTS: Record<string, string> = {
  "Shop/project.yaml": "atelier: 1\ntype: Project\nname: Shop\nid: shoproot0001\n",
  "Shop/sequences/Lookup.yaml": `type: Sequence
name: Lookup
id: seqlookup001
children:
  - type: Element
    name: data
    id: stdata000001
    value: 4
`,
  "Front/project.yaml": "atelier: 1\ntype: Project\nname: Front\nid: frontroot001\n",
  "Front/sequences/Go.yaml": `type: Sequence
name: Go
id: seqgo0000001
children:
  - type: CallSequence
    name: callShop
    id: stcall000001
    project: Shop
    sequence: Lookup
  - type: Element
    name: got
    id: stgot0000001
    source:
      step: stcall000001
      path: data
`,
};

/** Calls a sequence as an outside client does (the engine's Convertigo API). */
async function callSequence(base: string, project: string, sequence: string) {
  const res = await fetch(new URL(`/projects/${project}/.json?__sequence=${sequence}`, base));
  return { status: res.status, text: await res.text() };
}

/** A Studio API call from the page (its cookie and header), as the Studio itself makes them. */
async function studioCall(page: Page, method: string, url: string, body?: unknown) {
  return page.evaluate(
    async ({ method, url, body }) => {
      const res = await fetch(url, {
        method,
        headers: { "x-atelier-studio": "1", ...(body !== undefined ? { "content-type": "application/json" } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, text: await res.text() };
    },
    { method, url, body },
  );
}

async function projectMenu(page: Page, project: string, item: RegExp | string): Promise<void> {
  await page.getByRole("treeitem", { name: project, exact: true }).click({ button: "right" });
  await page.getByRole("menuitem", { name: item }).click();
}

test("rename a project: bad names refused with their reason, references follow, undo puts it back", async ({
  page,
  atelier,
}) => {
  await atelier.start(PROJECTS);
  // A folder that is not a project: its name is taken all the same.
  await mkdir(path.join(atelier.dir, "notes"));
  await atelier.open(page);
  const base = new URL(atelier.studioUrl).origin;
  const lookupBefore = await readFile(path.join(atelier.dir, "Shop/sequences/Lookup.yaml"), "utf8");

  // The project's Name field is read-only and says how to rename it.
  await selectInTree(page, "Shop");
  const props = page.getByRole("region", { name: "Properties" });
  const nameField = props.getByLabel("Name", { exact: true });
  await expect(nameField).toHaveAttribute("readonly", "");
  await expect(nameField).toHaveCSS("cursor", "default");
  await expect(nameField).toHaveCSS("border-top-style", "dashed");
  await props.getByRole("button", { name: "rename the project…" }).click();

  const dialog = page.getByRole("dialog", { name: "Rename project Shop" });
  await expect(dialog).toBeVisible();
  // It says what the rename changes: the step of Front calling Shop.
  await expect(dialog.getByTestId("project-users")).toContainText("Front › Go › callShop");
  const field = dialog.getByLabel("New name");
  const submit = dialog.getByRole("button", { name: "Rename", exact: true });
  await field.fill("Front");
  await expect(dialog).toContainText("A project named Front exists");
  await expect(submit).toBeDisabled();
  await field.fill("../evil");
  await expect(dialog).toContainText("Use letters, digits");
  await expect(submit).toBeDisabled();
  // A folder the Studio does not list: the engine refuses, the dialog stays with what was typed.
  await field.fill("notes");
  await submit.click();
  await expect(dialog.getByRole("alert")).toContainText("named notes exists in the workspace");
  await expect(field).toHaveValue("notes");
  expect(await readFile(path.join(atelier.dir, "Shop/sequences/Lookup.yaml"), "utf8")).toBe(lookupBefore);

  await field.fill("Store");
  await submit.click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("treeitem", { name: "Store", exact: true })).toBeVisible();
  await expect(page.getByRole("treeitem", { name: "Shop", exact: true })).toHaveCount(0);
  expect(await exists(path.join(atelier.dir, "Shop"))).toBe(false);
  expect(await readFile(path.join(atelier.dir, "Store/project.yaml"), "utf8")).toContain("name: Store");
  expect(await readFile(path.join(atelier.dir, "Front/sequences/Go.yaml"), "utf8")).toContain("project: Store");
  // The engine serves it under its new name only, and the call from Front follows.
  expect((await callSequence(base, "Store", "Lookup")).text).toContain('"data":4');
  expect((await callSequence(base, "Shop", "Lookup")).text).not.toContain('"data":4');
  expect((await callSequence(base, "Front", "Go")).text).toContain('"got":4');

  // Names that would leave the workspace never reach the disk, whatever the client.
  for (const name of ["../evil", "..", "a/b", "C:\\x", ".atelier", "con\u0000"]) {
    const r = await studioCall(page, "POST", "/api/studio/projects/Store/rename", { name });
    expect(r.status, `${name}: ${r.text}`).toBe(400);
  }
  const traversal = await studioCall(page, "POST", "/api/studio/projects/..%2FStore/rename", { name: "X" });
  expect(traversal.status).toBeGreaterThanOrEqual(400);
  expect((await readdir(atelier.dir)).sort()).toEqual([".atelier", "Front", "Store", "notes"]);

  // Undo renames it back, with the reference.
  await page.getByRole("button", { name: "Undo" }).click();
  await expect(page.getByRole("treeitem", { name: "Shop", exact: true })).toBeVisible();
  await expect(page.getByRole("treeitem", { name: "Store", exact: true })).toHaveCount(0);
  await expect
    .poll(() => readFile(path.join(atelier.dir, "Front/sequences/Go.yaml"), "utf8"))
    .toContain("project: Shop");
  expect(await readFile(path.join(atelier.dir, "Shop/sequences/Lookup.yaml"), "utf8")).toBe(lookupBefore);
  expect((await callSequence(base, "Front", "Go")).text).toContain('"got":4');
});

test("duplicate a project: a copy with new ids that runs on its own", async ({ page, atelier }) => {
  await atelier.start(PROJECTS);
  await atelier.open(page);
  await selectInTree(page, "Shop");
  await page.getByRole("button", { name: "Duplicate", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Duplicate project Shop" });
  await expect(dialog.getByLabel("Name of the copy")).toHaveValue("Shop_copy");
  await dialog.getByRole("button", { name: "Duplicate", exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("treeitem", { name: "Shop_copy", exact: true })).toBeVisible();

  const original = await readFile(path.join(atelier.dir, "Shop/sequences/Lookup.yaml"), "utf8");
  const copy = await readFile(path.join(atelier.dir, "Shop_copy/sequences/Lookup.yaml"), "utf8");
  const ids = (text: string) => [...text.matchAll(/\bid: (\S+)/g)].map((m) => m[1]);
  expect(ids(copy)).toHaveLength(ids(original).length);
  expect(ids(copy).some((id) => ids(original).includes(id))).toBe(false);
  const root = await readFile(path.join(atelier.dir, "Shop_copy/project.yaml"), "utf8");
  expect(root).toContain("name: Shop_copy");
  expect(root).not.toContain("shoproot0001");
  const base = new URL(atelier.studioUrl).origin;
  expect((await callSequence(base, "Shop_copy", "Lookup")).text).toContain('"data":4');

  // Undo removes the copy.
  await page.getByRole("button", { name: "Undo" }).click();
  await expect(page.getByRole("treeitem", { name: "Shop_copy", exact: true })).toHaveCount(0);
  expect(await exists(path.join(atelier.dir, "Shop_copy"))).toBe(false);
});

test("delete a project: gone from the tree, the disk and the engine; undo brings it back whole", async ({
  page,
  atelier,
}) => {
  await atelier.start(PROJECTS);
  await atelier.open(page);
  const base = new URL(atelier.studioUrl).origin;
  const lookup = path.join(atelier.dir, "Shop/sequences/Lookup.yaml");
  const before = await readFile(lookup, "utf8");
  expect((await callSequence(base, "Shop", "Lookup")).text).toContain('"data":4');

  // A scheduled job runs Shop's Lookup (paused: it only has to exist).
  const job = await studioCall(page, "POST", "/api/studio/jobs", {
    project: "Shop",
    sequence: "Lookup",
    cron: "0 3 * * *",
    paused: true,
  });
  expect(job.status, job.text).toBe(200);

  // Names that are no project of the workspace delete nothing.
  for (const name of ["..", "%2E%2E", "..%2F..", ".atelier", "Nope"]) {
    const r = await studioCall(page, "DELETE", `/api/studio/projects/${name}`);
    expect(r.status, `${name}: ${r.text}`).toBeGreaterThanOrEqual(400);
  }
  expect(await readFile(lookup, "utf8")).toBe(before);

  await projectMenu(page, "Shop", /Delete project/);
  const dialog = page.getByRole("dialog", { name: "Delete project Shop" });
  await expect(dialog).toContainText(".atelier/trash");
  // It says what the deletion breaks: Front's call, the job.
  const users = dialog.getByTestId("project-users");
  await expect(users).toContainText("1 step calls Shop");
  await expect(users).toContainText("Front › Go › callShop");
  await expect(users).toContainText("1 scheduled job runs a sequence of Shop (Lookup (0 3 * * *))");
  await dialog.getByRole("button", { name: "Delete project" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("treeitem", { name: "Shop", exact: true })).toHaveCount(0);
  await expect(page.getByText("Project Shop moved to the workspace's trash")).toBeVisible();
  expect(await exists(path.join(atelier.dir, "Shop"))).toBe(false);
  const served = await callSequence(base, "Shop", "Lookup");
  expect(served.text).not.toContain('"data":4');
  expect(served.text).toContain("Shop");

  // Undo with the keyboard, from the explorer.
  await page.getByRole("tree", { name: "Workspace" }).focus();
  await page.keyboard.press("Control+Z");
  await expect(page.getByRole("treeitem", { name: "Shop", exact: true })).toBeVisible();
  expect(await readFile(lookup, "utf8")).toBe(before);
  expect((await callSequence(base, "Shop", "Lookup")).text).toContain('"data":4');
  expect(await readdir(path.join(atelier.dir, ".atelier", "trash"))).toEqual([]);

  // Deleted again, then a new project takes its name: Undo cannot give the name back, so the
  // deleted project returns under a free one (never lost in the trash), and the Studio says so.
  await projectMenu(page, "Shop", /Delete project/);
  await page
    .getByRole("dialog", { name: "Delete project Shop" })
    .getByRole("button", { name: "Delete project" })
    .click();
  await expect(page.getByRole("treeitem", { name: "Shop", exact: true })).toHaveCount(0);
  await page.getByRole("button", { name: "New project" }).click();
  await page.getByLabel("Project name").fill("Shop");
  await page.getByRole("dialog").getByRole("button", { name: "Create" }).click();
  await expect(page.getByRole("treeitem", { name: "Shop", exact: true })).toBeVisible();
  await page.getByRole("button", { name: "Undo" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "put back as Shop_restored" })).toBeVisible();
  await expect(page.getByRole("treeitem", { name: "Shop_restored", exact: true })).toBeVisible();
  expect(await readFile(path.join(atelier.dir, "Shop_restored/sequences/Lookup.yaml"), "utf8")).toBe(before);
  expect((await callSequence(base, "Shop_restored", "Lookup")).text).toContain('"data":4');
});

test("export a project as .car: the download is an archive a server deploys and serves", async ({ page, atelier }) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "atelier-e2e-server-"));
  let server: ServerProcess | undefined;
  try {
    [server] = await Promise.all([
      startServerProcess(dataDir),
      addAdminUser(dataDir, "ada", "correct horse battery staple"),
      atelier.start(PROJECTS),
    ]);
    const psc = await createPsc(dataDir, "ada", server.url);
    await atelier.open(page);

    const download = page.waitForEvent("download");
    await projectMenu(page, "Shop", "Export as .car");
    const file = await download;
    expect(file.suggestedFilename()).toBe("Shop.car");
    const saved = path.join(dataDir, "Shop.car");
    await file.saveAs(saved);
    await expect(page.getByText(/Shop\.car exported/)).toBeVisible();
    const bytes = await readFile(saved);
    expect(bytes.subarray(0, 4).toString("latin1")).toBe("PK\u0003\u0004");

    // The server reads it with its own checks (the deploy's reader), then serves the project.
    const auth = { authorization: `Bearer ${psc}` };
    const res = await fetch(new URL("admin/api/projects/Shop/deploys", server.url), {
      method: "POST",
      headers: { ...auth, "content-type": "application/zip" },
      body: bytes,
    });
    const started = (await res.json()) as { id?: string; phase?: string; error?: unknown };
    expect(res.status, JSON.stringify(started)).toBeLessThan(300);
    await expect
      .poll(
        async () => {
          const s = await fetch(new URL(`admin/api/deploys/${started.id}`, server!.url), { headers: auth });
          const status = (await s.json()) as { phase: string; error?: { message: string } };
          return status.error ? `failed: ${status.error.message}` : status.phase;
        },
        { timeout: 20_000 },
      )
      .toBe("done");
    expect((await callSequence(server.url, "Shop", "Lookup")).text).toContain('"data":4');
  } finally {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test("add the example when the workspace has it already: asks for a name, copies it with new ids", async ({
  page,
  atelier,
}) => {
  await atelier.open(page);
  // The first time, the example comes under its own name.
  await page.getByRole("button", { name: "Open the example project Demo" }).click();
  await expect(page.getByRole("treeitem", { name: "Demo", exact: true })).toBeVisible();
  const first = await readFile(path.join(atelier.dir, "Demo/project.yaml"), "utf8");

  await page.getByRole("button", { name: "New project" }).click();
  await page
    .getByRole("dialog", { name: "New project" })
    .getByRole("button", { name: /example project Demo/ })
    .click();
  const dialog = page.getByRole("dialog", { name: "Add the example Demo" });
  const field = dialog.getByLabel("Project name");
  await expect(field).toHaveValue("Demo2");
  await field.fill("demo");
  await expect(dialog).toContainText("A project named demo exists");
  await field.fill("MyDemo");
  await dialog.getByRole("button", { name: "Add", exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("treeitem", { name: "MyDemo", exact: true })).toBeVisible();

  const copy = await readFile(path.join(atelier.dir, "MyDemo/project.yaml"), "utf8");
  expect(copy).toContain("name: MyDemo");
  const idOf = (text: string) => /\nid: (\S+)/.exec(text)![1];
  expect(idOf(copy)).not.toBe(idOf(first));
  expect(idOf(copy)).not.toBe("demoproject1");
  const greet = await readFile(path.join(atelier.dir, "MyDemo/sequences/Greet.yaml"), "utf8");
  expect(greet).not.toContain("seqgreet0001");
  const base = new URL(atelier.studioUrl).origin;
  expect((await callSequence(base, "MyDemo", "Greet")).text).toContain("Hello, World!");
});
