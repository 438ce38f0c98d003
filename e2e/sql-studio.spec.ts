import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expand, expect, selectInTree, test } from "./fixtures.ts";

// The SQL connector in the Studio, on the example project SqlDemo (the embedded database): test
// the connection, completion of table names in the query editor, a run's rows as a table.

const EXAMPLE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../examples/workspace/SqlDemo");

/** The example project's files, to seed the workspace with. */
async function sqlDemo(): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const rel of await readdir(EXAMPLE, { recursive: true })) {
    const text = await readFile(path.join(EXAMPLE, rel), "utf8").catch(() => undefined);
    if (text !== undefined) files[path.join("SqlDemo", rel)] = text;
  }
  return files;
}

test("SqlDemo: test connection, table names completed, rows shown as a table", async ({ page, atelier }) => {
  await atelier.start(await sqlDemo());
  await atelier.open(page);
  await expand(page, "SqlDemo");
  await expand(page, "Notes");

  // Test connection: ok, with the embedded database's version.
  await page.getByRole("treeitem", { name: "Notes", exact: true }).click({ button: "right" });
  await page.getByRole("menuitem", { name: "Test connection" }).click();
  await expect(page.getByRole("status").filter({ hasText: /Notes: connected in \d+ ms — SQLite 3\./ })).toBeVisible();

  // Rows: a note added, then read back with LastBy (flat output) and shown as a table.
  const run = page.getByRole("region", { name: "Run" });
  await selectInTree(page, "Init");
  await run.getByRole("button", { name: "Run", exact: true }).click();
  await expect(run.getByRole("status").filter({ hasText: "✔ Done" })).toBeVisible();
  await selectInTree(page, "Add");
  await run.getByLabel("author").fill("ada");
  await run.getByLabel("text").fill("first note");
  await run.getByRole("button", { name: "Run", exact: true }).click();
  await expect(run.getByRole("status").filter({ hasText: "✔ Done" })).toBeVisible();
  await selectInTree(page, "LastBy");
  await run.getByLabel("author").fill("ada");
  await run.getByRole("button", { name: "Run", exact: true }).click();
  const table = run.getByTestId("rows-table");
  await expect(table).toBeVisible();
  await expect(table.getByRole("columnheader")).toHaveText(["id", "author", "text"]);
  await expect(table.getByRole("cell", { name: "first note" })).toBeVisible();
  // The toggle shows the JSON again.
  await run.getByRole("button", { name: "JSON", exact: true }).click();
  await expect(table).toHaveCount(0);
  await expect(run.getByRole("group", { name: "Output value" })).toContainText("first note");

  // Completion in the query editor: the connected schema's table names.
  const props = page.getByRole("region", { name: "Properties" });
  const editor = props.getByRole("textbox", { name: "SQL query", exact: true });
  await expect(editor).toBeAttached();
  await editor.focus();
  await page.keyboard.press("Control+End");
  await page.keyboard.type(" no");
  await page.keyboard.press("Control+Space");
  await expect(page.locator(".suggest-widget")).toContainText("notes");
  await page.keyboard.press("Escape");
});
