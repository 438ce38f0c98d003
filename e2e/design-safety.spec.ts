import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { expand, expect, selectInTree, shopProject, test } from "./fixtures.ts";

// Design-time safety: the Problems view as you type, delete warnings, invalid values kept as
// typed and never written, JavaScript checked before a run, renames that update references.

/** Shop, plus a sequence Books calling GetBooks, a broken JavaScript step and a broken file. */
function files(port: number): Record<string, string> {
  return {
    ...shopProject(port),
    "Shop/sequences/GetBooks.yaml": `type: Sequence
name: GetBooks
id: seqgetbooks1
children:
  - type: Element
    name: books
    id: stbooks00001
    value: []
`,
    "Shop/sequences/Books.yaml": `type: Sequence
name: Books
id: seqbooks0001
children:
  - type: CallSequence
    name: callBooks
    id: stcallbooks1
    sequence: GetBooks
  - type: Element
    name: all
    id: stall0000001
    source:
      step: stcallbooks1
      path: books
`,
    "Shop/sequences/Transform.yaml": `type: Sequence
name: Transform
id: seqtransfor1
children:
  - type: CallTransaction
    name: Fetch
    id: sttrfetch001
    connector: Api
    transaction: GetItem
    children:
      - type: StepVariable
        name: id
        id: svtrid000001
        value: "1"
  - type: SequenceJS
    name: shape
    id: sttrshape001
    code: |
      var title = step("Fetch").data.title;
      var out = { title: title, ;
`,
    "Shop/sequences/Broken.yaml":
      "type: Sequence\nname: Broken\nid: seqbroken001\nchildren:\n  - type: Element\n    name: [oops\n",
  };
}

test("the Problems view: a delete that leaves a reference, JavaScript, values not saved, broken files", async ({
  page,
  atelier,
  upstream,
}) => {
  await atelier.start(files(upstream.port));
  await atelier.open(page);
  const props = page.getByRole("region", { name: "Properties" });
  await page.getByRole("tab", { name: /^Problems/ }).click();
  const problems = page.getByRole("list", { name: "Problems" });

  // Found at load: the JavaScript that does not parse (with its line), the YAML error (file and line).
  await expect(problems.getByRole("button", { name: /Shop › Transform › shape: Code: line 2/ })).toBeVisible();
  await expect(problems.getByRole("button", { name: /Broken/ }).first()).toContainText("Shop/sequences/Broken.yaml:");

  // Deleting GetBooks warns that callBooks refers to it, then shows the dangling reference.
  await expand(page, "Shop");
  await selectInTree(page, "GetBooks");
  await page.keyboard.press("Delete");
  const dialog = page.getByRole("dialog", { name: "Delete" });
  await expect(dialog).toContainText("1 object refers to it");
  await expect(dialog.getByRole("list", { name: "Objects that refer to it" })).toContainText(
    "Shop › Books › callBooks",
  );
  await dialog.getByRole("button", { name: "Delete" }).click();
  const dangling = problems.getByRole("button", {
    name: /Shop › Books › callBooks: Sequence: there is no sequence "GetBooks"/,
  });
  await expect(dangling).toBeVisible();
  await expect(page.getByRole("tab", { name: /^Problems/ })).toContainText(/\d/);

  // A click selects the object and focuses the field.
  await dangling.click();
  await expect(page.getByRole("treeitem", { name: "callBooks", selected: true })).toBeVisible();
  await expect(props.getByRole("combobox", { name: "Sequence" })).toBeFocused();
  // Fixing it clears the problem.
  await props.getByRole("combobox", { name: "Sequence" }).fill("Lookup");
  await props.getByRole("combobox", { name: "Sequence" }).blur();
  await expect(dangling).toHaveCount(0);

  // An invalid value is kept as typed, with why; it is listed as not saved; the file keeps its value.
  await selectInTree(page, "Api");
  const port = props.getByLabel("Port");
  await port.fill("abc");
  await expect(props.getByText("Port must be a number")).toBeVisible();
  await expect(port).toHaveValue("abc");
  const notSaved = problems.getByRole("button", { name: /Shop › Api: Port must be a number — "abc" was not saved/ });
  await expect(notSaved).toBeVisible();
  const host = props.getByLabel("Host");
  await host.fill("http://api.example.com/v1");
  await expect(props.getByText(/Host takes a host name or address, not a URL: give api\.example\.com/)).toBeVisible();
  const connector = await readFile(path.join(atelier.dir, "Shop/connectors/Api.yaml"), "utf8");
  expect(connector).toContain(`port: ${upstream.port}`);
  expect(connector).toContain("server: 127.0.0.1");
  // Selecting it again shows what was typed, still refused.
  await selectInTree(page, "Shop");
  await notSaved.click();
  await expect(port).toHaveValue("abc");
  await expect(port).toBeFocused();
  await port.fill(String(upstream.port));
  await port.blur();
  await expect(notSaved).toHaveCount(0);
  await host.fill("127.0.0.1");
  await host.blur();

  // The JavaScript problem leads to its line; the run is refused before the HTTP call.
  await problems.getByRole("button", { name: /Shop › Transform › shape: Code: line 2/ }).click();
  await expect(page.getByRole("treeitem", { name: "shape", selected: true })).toBeVisible();
  await expect(props.locator(".monaco-editor.focused")).toBeVisible();
  await expect(props.getByRole("alert")).toContainText(/line 2/i);
  await selectInTree(page, "Transform");
  const run = page.getByRole("region", { name: "Run" });
  await run.getByRole("button", { name: "Run", exact: true }).click();
  await expect(run.getByRole("alert").first()).toContainText('Sequence JS "shape": Code: line 2');
  expect(upstream.calls).toEqual([]);
});

test("renaming a variable updates every reference after a preview, as one undoable change", async ({
  page,
  atelier,
  upstream,
}) => {
  await atelier.start(files(upstream.port));
  await atelier.open(page);
  const props = page.getByRole("region", { name: "Properties" });
  await expand(page, "Shop");
  await expand(page, "Lookup");
  await selectInTree(page, "item");
  const name = props.getByLabel("Name", { exact: true });
  await name.fill("itemId");
  await name.press("Enter");

  const dialog = page.getByRole("dialog", { name: 'Rename Variable "item"' });
  const changes = dialog.getByRole("list", { name: "Changes" });
  await expect(changes).toContainText("Shop › Lookup › Fetch › id · expression");
  await expect(changes).toContainText("Shop › Lookup › Wrong · inputs");
  const lookup = path.join(atelier.dir, "Shop/sequences/Lookup.yaml");
  expect(await readFile(lookup, "utf8")).toContain("name: item\n");
  await dialog.getByRole("button", { name: "Rename and update 2 references" }).click();
  await expect(dialog).toHaveCount(0);

  await expect(page.getByRole("treeitem", { name: "itemId" })).toBeVisible();
  await expect.poll(() => readFile(lookup, "utf8")).toContain("expression: itemId");
  expect(await readFile(lookup, "utf8")).toContain('itemId: "3"');
  // The expression in the editor follows.
  await expand(page, "Fetch");
  await selectInTree(page, "id");
  await expect(props.locator(".monaco-editor").first()).toContainText("itemId");

  // One undo puts everything back.
  await page.getByRole("button", { name: "Undo" }).click();
  await expect(page.getByRole("treeitem", { name: "item", exact: true })).toBeVisible();
  await expect.poll(() => readFile(lookup, "utf8")).toContain("expression: item\n");
  expect(await readFile(lookup, "utf8")).toContain('item: "3"');
});

test('F2 on step("name") in code renames the step through the same preview', async ({ page, atelier, upstream }) => {
  const base = files(upstream.port);
  await atelier.start({
    ...base,
    "Shop/sequences/Transform.yaml": base["Shop/sequences/Transform.yaml"]!.replace(
      "var out = { title: title, ;",
      "var out = { title: title };\n      out",
    ),
  });
  await atelier.open(page);
  const props = page.getByRole("region", { name: "Properties" });
  await expand(page, "Shop");
  await expand(page, "Transform");
  await selectInTree(page, "shape");
  const editor = props.getByRole("textbox", { name: "Code", exact: true });
  await expect(editor).toBeAttached();
  await editor.focus();
  // The caret inside "Fetch" of step("Fetch"), line 1.
  await page.keyboard.press("Control+Home");
  for (let i = 0; i < 'var title = step("Fe'.length; i++) await page.keyboard.press("ArrowRight");
  await page.keyboard.press("F2");
  const box = page.locator("input.rename-input");
  await expect(box).toBeVisible();
  await box.fill("fetchItem");
  await box.press("Enter");

  const dialog = page.getByRole("dialog", { name: 'Rename Call Transaction "Fetch"' });
  await expect(dialog.getByLabel("New name")).toHaveValue("fetchItem");
  await expect(dialog.getByRole("list", { name: "Changes" })).toContainText(
    'var title = step("fetchItem").data.title;',
  );
  await dialog.getByRole("button", { name: /Rename and update 1 reference/ }).click();
  await expect(page.getByRole("treeitem", { name: "fetchItem" })).toBeVisible();
  const file = path.join(atelier.dir, "Shop/sequences/Transform.yaml");
  await expect.poll(() => readFile(file, "utf8")).toContain('step("fetchItem")');
  await selectInTree(page, "shape");
  await expect(props.locator(".monaco-editor").first()).toContainText('step("fetchItem")');
});

test("the editor shows what the response will contain, and where a JavaScript value goes", async ({
  page,
  atelier,
  upstream,
}) => {
  const base = files(upstream.port);
  await atelier.start({
    ...base,
    "Shop/sequences/Transform.yaml": base["Shop/sequences/Transform.yaml"]!.replace(
      "var out = { title: title, ;",
      "({ title: title })",
    ),
  });
  await atelier.open(page);
  const props = page.getByRole("region", { name: "Properties" });
  await expand(page, "Shop");
  await selectInTree(page, "Transform");
  const response = props.getByRole("region", { name: "Response" });
  await expect(response).toContainText("Empty ({}): none of its steps writes the response");
  await page.getByRole("tab", { name: /^Problems/ }).click();
  await expect(page.getByRole("list", { name: "Problems" })).toContainText("Its response is empty");

  await expand(page, "Transform");
  await selectInTree(page, "shape");
  const flow = props.getByRole("note", { name: "Where its value goes" });
  await expect(flow).toContainText("Its value goes nowhere");
  await flow.getByRole("button", { name: "Add an Element with its value" }).click();
  // The new Element is named after the step (its key in the response), right after it.
  await expect(page.getByRole("treeitem", { name: "shape", exact: true })).toHaveCount(2);

  await selectInTree(page, "Transform");
  await expect(response).toContainText("shape");
  await expect(response).toContainText("← source shape");
  const run = page.getByRole("region", { name: "Run" });
  await run.getByRole("button", { name: "Run", exact: true }).click();
  await expect(page.getByTestId("run-output")).toHaveText('{"shape":{"title":"Item 1"}}');
});

test("renaming a sequence updates the calls of other projects, listed in the preview", async ({
  page,
  atelier,
  upstream,
}) => {
  await atelier.start({
    ...files(upstream.port),
    "Other/project.yaml": "atelier: 1\ntype: Project\nname: Other\nid: otherproj001\n",
    "Other/sequences/Remote.yaml": `type: Sequence
name: Remote
id: seqremote001
children:
  - type: CallSequence
    name: remoteLookup
    id: stremote0001
    project: Shop
    sequence: Lookup
`,
  });
  await atelier.open(page);
  await expand(page, "Shop");
  await selectInTree(page, "Lookup");
  // A delete names the callers in other projects too.
  await page.keyboard.press("Delete");
  const confirm = page.getByRole("dialog", { name: "Delete" });
  await expect(confirm.getByRole("list", { name: "Objects that refer to it" })).toContainText(
    "Other › Remote › remoteLookup",
  );
  await confirm.getByRole("button", { name: "Cancel" }).click();
  const name = page.getByRole("region", { name: "Properties" }).getByLabel("Name", { exact: true });
  await name.fill("Find");
  await name.press("Enter");
  const dialog = page.getByRole("dialog", { name: 'Rename Sequence "Lookup"' });
  await expect(dialog.getByRole("list", { name: "Changes" })).toContainText("Other › Remote › remoteLookup · sequence");
  const remote = path.join(atelier.dir, "Other/sequences/Remote.yaml");
  expect(await readFile(remote, "utf8")).toContain("sequence: Lookup\n");
  await dialog.getByRole("button", { name: /Rename and update 1 reference/ }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole("treeitem", { name: "Find", exact: true })).toBeVisible();
  await expect.poll(() => readFile(remote, "utf8")).toContain("sequence: Find\n");
  // No dangling reference left behind.
  await page.getByRole("tab", { name: /^Problems/ }).click();
  await expect(page.getByRole("list", { name: "Problems" })).not.toContainText("remoteLookup");
});

test("a file broken on disk while the Studio is open is a problem with its file and line", async ({
  page,
  atelier,
  upstream,
}) => {
  const base = files(upstream.port);
  delete base["Shop/sequences/Broken.yaml"];
  await atelier.start(base);
  await atelier.open(page);
  await page.getByRole("tab", { name: /^Problems/ }).click();
  const problems = page.getByRole("list", { name: "Problems" });
  const file = path.join(atelier.dir, "Shop/sequences/Lookup.yaml");
  const good = await readFile(file, "utf8");
  // The line of the default loses its closing quote.
  const broken = good.replace('default: "7"', 'default: "7');
  const line = broken.split("\n").indexOf('    default: "7') + 1;
  expect(line).toBeGreaterThan(1);
  await writeFile(file, broken);
  const row = problems.getByRole("listitem").filter({ hasText: "Shop/sequences/Lookup.yaml:" });
  await expect(row).toBeVisible();
  await expect(row.locator(".problem-file")).toHaveText(`Shop/sequences/Lookup.yaml:${line}`);
  await writeFile(file, good);
  await expect(row).toHaveCount(0);
});

test("a number variable's bad default and a time limit of 0 are refused with why, never written", async ({
  page,
  atelier,
  upstream,
}) => {
  await atelier.start(files(upstream.port));
  await atelier.open(page);
  const props = page.getByRole("region", { name: "Properties" });
  const file = path.join(atelier.dir, "Shop/sequences/Lookup.yaml");
  await expand(page, "Shop");
  await expand(page, "Lookup");
  await selectInTree(page, "item");
  await props.getByLabel("Type", { exact: true }).selectOption("number");
  await expect.poll(() => readFile(file, "utf8")).toContain("dataType: number");
  const def = props.getByLabel("Default value");
  await def.fill("abc");
  await expect(props.getByRole("alert")).toContainText("Default value must be a number for a number variable");
  await def.fill('"abc"');
  await expect(props.getByRole("alert")).toContainText('must be a number for a number variable, not "abc"');
  await page.getByRole("tab", { name: /^Problems/ }).click();
  await expect(page.getByRole("list", { name: "Problems" })).toContainText("was not saved");
  expect(await readFile(file, "utf8")).not.toContain("abc");
  await def.fill("12");
  await expect.poll(() => readFile(file, "utf8")).toContain("default: 12\n");
  await expect(props.getByRole("alert")).toHaveCount(0);

  await selectInTree(page, "Lookup");
  const limit = props.getByLabel("Time limit (ms)");
  await limit.fill("0");
  await expect(props.getByRole("alert")).toContainText("Time limit (ms) must be at least 1");
  await expect(limit).toHaveValue("0");
  expect(await readFile(file, "utf8")).not.toContain("timeoutMs");
  await limit.fill("5000");
  await expect.poll(() => readFile(file, "utf8")).toContain("timeoutMs: 5000");
});

test("JavaScript typed with a syntax error is a problem at once, and goes when fixed", async ({
  page,
  atelier,
  upstream,
}) => {
  const base = files(upstream.port);
  await atelier.start({
    ...base,
    "Shop/sequences/Transform.yaml": base["Shop/sequences/Transform.yaml"]!.replace(
      "var out = { title: title, ;",
      "({ title: title })",
    ),
  });
  await atelier.open(page);
  await page.getByRole("tab", { name: /^Problems/ }).click();
  const problems = page.getByRole("list", { name: "Problems" });
  const row = problems.getByRole("button", { name: /Shop › Transform › shape: Code: line 4/ });
  await expect(row).toHaveCount(0);
  await expand(page, "Shop");
  await expand(page, "Transform");
  await selectInTree(page, "shape");
  const editor = page.getByRole("region", { name: "Properties" }).getByRole("textbox", { name: "Code", exact: true });
  await expect(editor).toBeAttached();
  await editor.focus();
  await page.keyboard.press("Control+End");
  await page.keyboard.type("\nvar broken = ;");
  await expect(row).toBeVisible();
  const file = path.join(atelier.dir, "Shop/sequences/Transform.yaml");
  await page.keyboard.press("Backspace");
  await page.keyboard.type("1;");
  await expect(row).toHaveCount(0);
  await expect.poll(() => readFile(file, "utf8")).toContain("var broken = 1;");
});
