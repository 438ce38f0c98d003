import { readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { addChild, expand, expect, selectInTree, shopProject, test } from "./fixtures.ts";

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

test("build a project from scratch and run it against a real HTTP server", async ({ page, atelier, upstream }) => {
  await atelier.open(page);
  const props = page.getByRole("region", { name: "Properties" });

  // A new project.
  await page.getByRole("button", { name: "New project" }).click();
  await page.getByLabel("Project name").fill("Shop");
  await page.getByRole("dialog").getByRole("button", { name: "Create" }).click();
  await expect(page.getByRole("treeitem", { name: "Shop" })).toHaveAttribute("aria-selected", "true");

  // An HTTP connector, from the palette of what a project accepts.
  await page.getByRole("button", { name: "Add child" }).click();
  const palette = page.getByRole("listbox", { name: "Object types" });
  await expect(palette.getByRole("option", { name: "HTTP connector" })).toBeVisible();
  await expect(palette.getByRole("option", { name: "Call Transaction" })).toHaveCount(0);
  await page.keyboard.press("Escape");
  await addChild(page, "http conn", "HttpConnector1", "Api");
  await props.getByLabel("Host").fill("127.0.0.1");
  await props.getByLabel("Port").fill(String(upstream.port));
  await props.getByLabel("Port").blur();

  // A JSON transaction with a path variable.
  await addChild(page, "json", "JsonHttpTransaction1", "GetItem");
  await props.getByLabel("Path", { exact: true }).fill("/items/{id}");
  await props.getByLabel("Path", { exact: true }).blur();
  await addChild(page, "variable", "Variable1", "id");
  await props.getByLabel("HTTP use").selectOption("path");

  // A sequence with a variable, a Call Transaction and an Element.
  await selectInTree(page, "Shop");
  await addChild(page, "sequence", "Sequence1", "Lookup");
  await addChild(page, "variable", "Variable1", "item");

  await selectInTree(page, "Lookup");
  await addChild(page, "call transaction", "CallTransaction1", "Fetch");
  await props.getByLabel("Connector").fill("Api");
  await props.getByLabel("Transaction").fill("GetItem");
  await props.getByLabel("Transaction").blur();
  await addChild(page, "step variable", "StepVariable1", "id");
  // The expression is typed in Monaco.
  const expression = props.getByRole("textbox", { name: "Expression", exact: true });
  await expect(expression).toBeAttached();
  await expression.focus();
  await page.keyboard.type("item");
  await expect(props.locator(".monaco-editor").first()).toContainText("item");

  await selectInTree(page, "Lookup");
  await addChild(page, "element", "Element1", "title");
  await props.getByLabel("Source step").selectOption({ label: "Fetch (CallTransaction)" });
  await props.getByLabel("Source path").fill("data.title");
  await props.getByLabel("Source path").press("Enter");

  // Everything is on disk already.
  await expect
    .poll(async () => readFile(path.join(atelier.dir, "Shop/sequences/Lookup.yaml"), "utf8").catch(() => ""))
    .toContain("path: data.title");
  expect(await readFile(path.join(atelier.dir, "Shop/sequences/Lookup.yaml"), "utf8")).toContain("expression: item");

  // Run it.
  await selectInTree(page, "Lookup");
  const run = page.getByRole("region", { name: "Run" });
  await run.getByLabel("item").fill("42");
  await run.getByRole("button", { name: "Run", exact: true }).click();
  await expect(page.getByTestId("run-output")).toHaveText('{"title":"Item 42"}');
  expect(upstream.calls).toContain("/items/42");
  // The trace: one row per step executed.
  await page.getByRole("tab", { name: "Trace" }).click();
  await expect(page.getByRole("table", { name: "Trace" }).getByRole("row")).toHaveCount(4);
});

test("an invalid value is refused and kept as typed with its message; undo and redo change the file", async ({
  page,
  atelier,
  upstream,
}) => {
  await atelier.start(shopProject(upstream.port));
  await atelier.open(page);
  await expand(page, "Shop");
  await selectInTree(page, "Lookup");
  const props = page.getByRole("region", { name: "Properties" });
  const limit = props.getByLabel("Time limit (ms)");
  const file = path.join(atelier.dir, "Shop/sequences/Lookup.yaml");
  await limit.fill("-5");
  await expect(props.getByText("Time limit (ms) must be at least 1")).toBeVisible();
  await expect(limit).toHaveValue("-5");
  await expect(limit).toHaveAttribute("aria-invalid", "true");
  expect(await readFile(file, "utf8")).not.toContain("timeoutMs");

  await limit.fill("5000");
  await expect(props.getByText("Time limit (ms) must be at least 1")).toHaveCount(0);
  await expect.poll(() => readFile(file, "utf8")).toContain("timeoutMs: 5000");

  await page.getByRole("button", { name: "Undo" }).click();
  await expect(limit).toHaveValue("");
  await expect.poll(() => readFile(file, "utf8")).not.toContain("timeoutMs");

  // Redo with the keyboard, from the explorer.
  await page.getByRole("tree", { name: "Workspace" }).focus();
  await page.keyboard.press("Control+Shift+Z");
  await expect(limit).toHaveValue("5000");
  await expect.poll(() => readFile(file, "utf8")).toContain("timeoutMs: 5000");
});

test("JavaScript errors show as you type in the code editor, with completion of the scope", async ({
  page,
  atelier,
  upstream,
}) => {
  await atelier.start(shopProject(upstream.port));
  await atelier.open(page);
  await expand(page, "Shop");
  await expand(page, "Lookup");
  await expand(page, "Fetch");
  await selectInTree(page, "id");
  const props = page.getByRole("region", { name: "Properties" });
  const editor = props.getByRole("textbox", { name: "Expression", exact: true });
  await expect(editor).toBeAttached();
  await editor.focus();
  await page.keyboard.press("End");
  await page.keyboard.type(" + (");
  await expect(props.getByRole("alert")).toContainText("Line 1");
  await page.keyboard.press("Backspace");
  await page.keyboard.press("Backspace");
  await page.keyboard.press("Backspace");
  await page.keyboard.press("Backspace");
  await expect(props.getByRole("alert")).toHaveCount(0);
  // Completion offers the sequence's variables.
  await page.keyboard.type(" + it");
  await page.keyboard.press("Control+Space");
  await expect(page.locator(".suggest-widget")).toContainText("item");
});

test("rename with F2 renames the file; a file edited on disk shows up in the tree", async ({
  page,
  atelier,
  upstream,
}) => {
  await atelier.start(shopProject(upstream.port));
  await atelier.open(page);
  await expand(page, "Shop");
  await selectInTree(page, "Lookup");
  await page.keyboard.press("F2");
  await page.getByLabel("New name").fill("Search");
  await page.getByLabel("New name").press("Enter");
  await expect(page.getByRole("treeitem", { name: "Search" })).toBeVisible();
  await expect.poll(() => exists(path.join(atelier.dir, "Shop/sequences/Search.yaml"))).toBe(true);
  expect(await exists(path.join(atelier.dir, "Shop/sequences/Lookup.yaml"))).toBe(false);

  // Someone edits the file in another editor.
  const file = path.join(atelier.dir, "Shop/sequences/Search.yaml");
  const text = await readFile(file, "utf8");
  await writeFile(
    file,
    text.replace(
      "children:\n",
      "children:\n  - type: Element\n    name: fromDisk\n    id: stfromdisk01\n    value: 1\n",
    ),
  );
  await expand(page, "Search");
  await expect(page.getByRole("treeitem", { name: "fromDisk" })).toBeVisible();
});

test("breakpoint, step, and the variables in scope while paused", async ({ page, atelier, upstream }) => {
  await atelier.start(shopProject(upstream.port));
  await atelier.open(page);
  await expand(page, "Shop");
  await expand(page, "Lookup");
  await page.getByRole("treeitem", { name: "Fetch" }).click({ button: "right" });
  await page.getByRole("menuitem", { name: /Toggle breakpoint/ }).click();
  await selectInTree(page, "Lookup");
  const run = page.getByRole("region", { name: "Run" });
  await run.getByLabel("item").fill("5");
  await run.getByRole("button", { name: "Debug" }).click();
  const debug = page.getByRole("region", { name: "Debugger" });
  await expect(debug).toContainText("Paused before Fetch");
  await expect(debug.getByRole("group", { name: "Variables in scope" })).toContainText('item: "5"');
  await expect(page.getByRole("treeitem", { name: "Fetch" })).toHaveAttribute("aria-selected", "true");
  await run.getByRole("button", { name: "Step" }).click();
  await expect(debug).toContainText("Paused before title");
  await expect(debug.getByRole("group", { name: "Outputs in scope" })).toContainText("Fetch");
  await run.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByTestId("run-output")).toHaveText('{"title":"Item 5"}');

  // Stop while paused.
  await run.getByRole("button", { name: "Debug" }).click();
  await expect(debug).toContainText("Paused before Fetch");
  await run.getByRole("button", { name: "Stop" }).click();
  await expect(run.getByRole("alert")).toContainText("stopped");
});

test("save the inputs as a test case, run the cases, see pass and fail with the differences", async ({
  page,
  atelier,
  upstream,
}) => {
  await atelier.start(shopProject(upstream.port));
  await atelier.open(page);
  await expand(page, "Shop");
  await selectInTree(page, "Lookup");
  const run = page.getByRole("region", { name: "Run" });
  await run.getByLabel("item").fill("9");
  await run.getByRole("button", { name: "Run", exact: true }).click();
  await expect(page.getByTestId("run-output")).toHaveText('{"title":"Item 9"}');
  await run.getByRole("button", { name: "Save test case" }).click();
  await page.getByLabel("Test case name").fill("Item9");
  await expect(page.getByLabel("Expect the output of the last run")).toBeChecked();
  await page.getByRole("dialog").getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("treeitem", { name: "Item9" })).toBeVisible();
  await expect
    .poll(() => readFile(path.join(atelier.dir, "Shop/sequences/Lookup.yaml"), "utf8"))
    .toContain("name: Item9");

  await selectInTree(page, "Lookup");
  await run.getByRole("button", { name: "Run test cases" }).click();
  const results = page.getByRole("list", { name: "Test results" });
  await expect(results.getByRole("listitem", { name: "Item9 passed" })).toBeVisible();
  const wrong = results.getByRole("listitem", { name: "Wrong failed" });
  await expect(wrong).toBeVisible();
  await expect(wrong.getByRole("table", { name: "Differences of Wrong" })).toContainText('"Item 4"');
  await expect(wrong.getByRole("table", { name: "Differences of Wrong" })).toContainText('"Item 3"');
});

test("a reload finds everything as it was", async ({ page, atelier, upstream }) => {
  await atelier.start(shopProject(upstream.port));
  await atelier.open(page);
  await expand(page, "Shop");
  await expand(page, "Lookup");
  await selectInTree(page, "title");
  const props = page.getByRole("region", { name: "Properties" });
  await props.getByLabel("Comment").fill("kept");
  await props.getByLabel("Comment").blur();
  await expect
    .poll(() => readFile(path.join(atelier.dir, "Shop/sequences/Lookup.yaml"), "utf8"))
    .toContain("comment: kept");
  await page.getByRole("button", { name: "Dark theme" }).click();

  await page.reload();
  await expect(page.getByRole("treeitem", { name: "title" })).toHaveAttribute("aria-selected", "true");
  await expect(page.getByRole("region", { name: "Properties" }).getByLabel("Comment")).toHaveValue("kept");
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  await expect(page.getByRole("button", { name: "Undo" })).toBeEnabled();
});

test("the explorer is driven by the keyboard, with the types a parent accepts", async ({ page, atelier, upstream }) => {
  await atelier.start(shopProject(upstream.port));
  await atelier.open(page);
  const tree = page.getByRole("tree", { name: "Workspace" });
  await page.getByRole("treeitem", { name: "Shop" }).click();
  await page.keyboard.press("ArrowRight");
  await expect(page.getByRole("treeitem", { name: "Shop" })).toHaveAttribute("aria-expanded", "true");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  await expect(page.getByRole("treeitem", { name: "Lookup" })).toHaveAttribute("aria-selected", "true");
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  await expect(page.getByRole("treeitem", { name: "Fetch" })).toHaveAttribute("aria-selected", "true");
  // A Call Transaction accepts step variables only.
  await page.keyboard.press("Insert");
  const options = page.getByRole("listbox", { name: "Object types" }).getByRole("option");
  await expect(options).toHaveText([/Step variable/]);
  await page.keyboard.press("Escape");
  // Copy, paste next to it, delete with confirmation.
  await tree.focus();
  await page.keyboard.press("Control+c");
  await page.keyboard.press("Control+v");
  await expect(page.getByRole("treeitem", { name: "Fetch" })).toHaveCount(2);
  await page.keyboard.press("Delete");
  await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
  await expect(page.getByRole("treeitem", { name: "Fetch" })).toHaveCount(1);
  // Filter (Ctrl+F) by a property value.
  await page.keyboard.press("Control+f");
  await page.keyboard.type("data.title");
  await expect(tree.getByRole("treeitem")).toHaveText([/\S/, /Shop/, /Lookup/, /title/]);
});

test("find across the workspace, and where a transaction is called from", async ({ page, atelier, upstream }) => {
  await atelier.start(shopProject(upstream.port));
  await atelier.open(page);
  await page.keyboard.press("Control+Shift+F");
  await expect(page.getByLabel("Find in the workspace")).toBeFocused();
  await page.keyboard.type("items/");
  await page.keyboard.press("Enter");
  const results = page.getByRole("list", { name: "Results" });
  await expect(results.getByRole("listitem")).toHaveCount(1);
  await results.getByRole("button", { name: "Shop › Api › GetItem" }).click();
  await expect(page.getByRole("treeitem", { name: "GetItem" })).toHaveAttribute("aria-selected", "true");

  await page.getByRole("treeitem", { name: "GetItem" }).click({ button: "right" });
  await page.getByRole("menuitem", { name: "Find references" }).click();
  await expect(page.getByText('Calls of "GetItem" (1)')).toBeVisible();
  await results.getByRole("button", { name: "Shop › Lookup › Fetch" }).click();
  await expect(page.getByRole("treeitem", { name: "Fetch" })).toHaveAttribute("aria-selected", "true");
});

test("drag and drop reorders steps, and the file follows", async ({ page, atelier, upstream }) => {
  await atelier.start(shopProject(upstream.port));
  await atelier.open(page);
  await expand(page, "Shop");
  await expand(page, "Lookup");
  const fetchRow = page.getByRole("treeitem", { name: "Fetch" });
  // Dropped on the top edge of Fetch: before it.
  await page.getByRole("treeitem", { name: "title" }).dragTo(fetchRow, { targetPosition: { x: 60, y: 2 } });
  const names = page.getByRole("tree", { name: "Workspace" }).getByRole("treeitem", { level: 4 });
  await expect(names).toHaveText([/^.*item/, /title/, /Fetch/, /Wrong/]);
  const file = path.join(atelier.dir, "Shop/sequences/Lookup.yaml");
  await expect
    .poll(async () => {
      const text = await readFile(file, "utf8");
      return text.indexOf("name: title") < text.indexOf("name: Fetch");
    })
    .toBe(true);
  // Undo puts it back.
  await page.getByRole("button", { name: "Undo" }).click();
  await expect(names).toHaveText([/^.*item/, /Fetch/, /title/, /Wrong/]);
});

test("open a new workspace from the Studio: the engine restarts there and the page follows", async ({
  page,
  atelier,
}) => {
  await atelier.start({ "Old/project.yaml": "atelier: 1\ntype: Project\nname: Old\nid: old\n" });
  await atelier.open(page);
  await expect(page.getByRole("treeitem", { name: "Old" })).toBeVisible();
  const fresh = path.join(atelier.dir, "..", `${path.basename(atelier.dir)}-fresh`);
  await page.getByRole("button", { name: "Open workspace…" }).click();
  await page.getByLabel("Workspace folder").fill(fresh);
  await page.getByLabel(/Create the folder if it does not exist/).check();
  await page.getByRole("button", { name: "Open", exact: true }).click();
  // The page follows the restarted engine: an empty workspace, the new folder in the title bar.
  try {
    await expect(page.getByText(fresh, { exact: true })).toBeVisible({ timeout: 30_000 });
    await expect(page.getByRole("treeitem", { name: "Old" })).toHaveCount(0);
    expect(await exists(fresh)).toBe(true);
  } finally {
    await rm(fresh, { recursive: true, force: true });
  }
});
