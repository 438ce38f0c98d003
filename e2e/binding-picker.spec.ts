import { cp, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { expand, expect, selectInTree, test } from "./fixtures.ts";

// The binding field and picker of the UI builder (design §6.4): in FullSyncDemo's Orders page, a
// component's text is typed plain, then switched to a source picked from a sequence's output in
// the picker; the page's file holds the source binding and the preview renders again.

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The object of id `id` in a parsed object file. */
function findById(node: unknown, id: string): Record<string, unknown> | undefined {
  if (!node || typeof node !== "object") return undefined;
  const o = node as Record<string, unknown>;
  if (o.id === id) return o;
  for (const c of Array.isArray(o.children) ? o.children : []) {
    const hit = findById(c, id);
    if (hit) return hit;
  }
  return undefined;
}

test("a component's text: plain, then a source picked from a sequence's output", async ({ page, atelier }) => {
  await cp(path.join(repoRoot, "examples/workspace/FullSyncDemo"), path.join(atelier.dir, "FullSyncDemo"), {
    recursive: true,
  });
  // Orders requires login: the preview shows it all the same (it is the page designed).
  const file = path.join(atelier.dir, "FullSyncDemo/ui/pages/Orders.yaml");
  expect(await readFile(file, "utf8")).toContain("requiresLogin: true\n");
  await atelier.start();
  await atelier.open(page);
  await expand(page, "FullSyncDemo");
  await expand(page, "App");
  await selectInTree(page, "Orders");

  // The page's title, selected from the preview (as ui-designer.spec.ts does).
  const preview = page.frameLocator('iframe[title="Page preview"]');
  await preview.getByText("My orders", { exact: true }).dispatchEvent("click");
  await expect(page.getByRole("treeitem", { name: "Title", exact: true, selected: true })).toBeVisible();

  const panel = page.getByRole("region", { name: "Properties" });
  const textField = panel.locator('[data-prop="text"]');
  await expect(textField.getByRole("radio", { name: "Plain" })).toHaveAttribute("aria-checked", "true");
  const text = panel.getByLabel("Text", { exact: true });
  await text.fill("Orders of today");
  await text.press("Enter");
  await expect(preview.getByText("Orders of today")).toBeVisible();

  const time = page.getByTestId("preview-time");
  await expect(time).toBeVisible();
  const rendersBefore = Number(await time.getAttribute("data-renders"));

  // Source: the picker opens; Login's output field `user` is picked.
  await textField.getByRole("radio", { name: "Source" }).click();
  const dialog = page.getByRole("dialog", { name: "Pick a source" });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel("Filter sources").fill("user");
  const login = dialog.getByRole("treeitem", { name: "Login", exact: true });
  await login.getByRole("treeitem", { name: "user", exact: true }).locator(":scope > .pick-row").click();
  await expect(dialog).toBeHidden();
  await expect(textField.getByRole("radio", { name: "Source" })).toHaveAttribute("aria-checked", "true");
  await expect(textField.locator("output")).toHaveText("Login › user");

  // Saved as a source binding in the page's file.
  await expect
    .poll(async () => findById(parse(await readFile(file, "utf8")), "fsdordtitle1")?.text)
    .toEqual({ source: "sequence", sequence: "Login", path: "user" });
  // The preview rendered the page again with the binding.
  await expect.poll(async () => Number(await time.getAttribute("data-renders"))).toBeGreaterThan(rendersBefore);

  // A FullSync view read: live, with its documents, at the key of the user State; unticked, saved.
  for (const name of ["Content", "OrderList"]) await expand(page, name);
  await selectInTree(page, "EachOrder");
  const items = panel.locator('[data-prop="items"]');
  await expect(items.locator("output").first()).toHaveText("FullSync FullSync orders/byUser › rows");
  const read = items.getByRole("group", { name: "How it is read" });
  await expect(read.getByLabel("Live (follows the changes)")).toBeChecked();
  await expect(read.getByLabel("With the documents")).toBeChecked();
  await expect(read.locator("output")).toHaveText("State user");
  await read.getByLabel("Live (follows the changes)").uncheck();
  await expect
    .poll(async () => findById(parse(await readFile(file, "utf8")), "fsdordeach01")?.items)
    .toEqual({
      source: "view",
      connector: "FullSync",
      view: "orders/byUser",
      path: "rows",
      query: { key: { source: "state", name: "user" }, include_docs: true, reduce: false },
    });
});
