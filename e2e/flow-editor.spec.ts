import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Page } from "@playwright/test";
import { expand, expect, selectInTree, shopProject, test } from "./fixtures.ts";

/** The names of a sequence file's objects, in file order, with their depth (`  ` per level). */
async function namesInFile(file: string): Promise<string[]> {
  const text = await readFile(file, "utf8");
  return [...text.matchAll(/^( *)(?:- type: \w+\n\1 {2})?name: (\w+)$/gm)].map(
    (m) => `${".".repeat(Math.max(0, (m[1]!.length - 2) / 4))}${m[2]}`,
  );
}

/** A project "Flows": a sequence Flow of four steps (an empty Iterator among them). */
const flowsProject: Record<string, string> = {
  "Flows/project.yaml": "atelier: 1\ntype: Project\nname: Flows\nid: flowsproj001\n",
  "Flows/sequences/Flow.yaml": `type: Sequence
name: Flow
id: seqflow00001
children:
  - type: Variable
    name: n
    id: varflown0001
  - type: Element
    name: a
    id: stepa0000001
    value: 1
  - type: Iterator
    name: loop
    id: steploop0001
    expression: "[1, 2]"
  - type: Element
    name: b
    id: stepb0000001
    value: 2
  - type: Element
    name: c
    id: stepc0000001
    value: 3
  - type: TestCase
    name: Case
    id: tcflowcase01
`,
  "Flows/sequences/Slow.yaml": `type: Sequence
name: Slow
id: seqslow00001
children:
  - type: Element
    name: first
    id: stslowfirst1
    value: 1
  - type: SequenceJS
    name: wait
    id: stslowwait01
    code: "var t0 = Date.now(); while (Date.now() - t0 < 3000) {} 2"
  - type: Element
    name: last
    id: stslowlast01
    value: 3
`,
};

const graphNode = (page: Page, name: string) => page.getByTestId(`graph-node-${name}`);

// The graph draws only the steps in view: a taller graph pane than the default shows them all.
test.beforeEach(async ({ page }) => {
  await page.addInitScript(() => {
    const key = "atelier.studio.prefs";
    if (!localStorage.getItem(key)) localStorage.setItem(key, JSON.stringify({ sizes: { graph: 440, bottom: 160 } }));
  });
});

/** The steps the graph shows, top to bottom. */
async function graphOrder(page: Page): Promise<string[]> {
  const ids = await page
    .getByTestId("graph")
    .locator('[data-testid^="graph-node-"]')
    .evaluateAll((els) =>
      els
        .map((e) => ({
          name: e.getAttribute("data-testid")!.slice("graph-node-".length),
          y: e.getBoundingClientRect().y,
        }))
        .sort((a, b) => a.y - b.y)
        .map((e) => e.name),
    );
  return ids;
}

test("the palette: search, drag onto the graph between two steps, Enter and Insert at the selection", async ({
  page,
  atelier,
  upstream,
}) => {
  await atelier.start(shopProject(upstream.port));
  await atelier.open(page);
  await expand(page, "Shop");
  await expand(page, "Lookup");
  await selectInTree(page, "Lookup");
  await expect(graphNode(page, "Fetch")).toBeVisible();
  const file = path.join(atelier.dir, "Shop/sequences/Lookup.yaml");

  // Grouped, with one-line descriptions; a search narrows it, best match first.
  const palette = page.getByTestId("palette");
  await expect(palette.getByRole("group", { name: "Flow" })).toBeVisible();
  await expect(page.getByTestId("palette-item-Iterator")).toContainText("once per item");
  await page.getByTestId("palette-search").fill("log");
  await expect(palette.getByRole("option").first()).toHaveAccessibleName("Log");
  await expect(page.getByTestId("palette-item-Iterator")).toHaveCount(0);

  // Dragged onto the top edge of "title": between Fetch and title.
  await page.getByTestId("palette-item-Log").dragTo(graphNode(page, "title"), { targetPosition: { x: 60, y: 2 } });
  await expect(graphNode(page, "Log1")).toBeVisible();
  await expect.poll(() => graphOrder(page)).toEqual(["Fetch", "Log1", "title"]);
  await expect.poll(() => namesInFile(file)).toEqual(["Lookup", "item", "Fetch", ".id", "Log1", "title", "Wrong"]);
  // The tree shows the same (one model, two views), with the new step selected.
  const level4 = page.getByRole("tree", { name: "Workspace" }).getByRole("treeitem", { level: 4 });
  await expect(level4).toHaveText([/item/, /Fetch/, /Log1/, /title/, /Wrong/]);
  await expect(page.getByRole("treeitem", { name: "Log1", selected: true })).toBeVisible();

  // Enter in the palette adds after the selected step.
  await page.getByTestId("palette-search").fill("element");
  await page.getByTestId("palette-search").press("Enter");
  await expect(page.getByRole("treeitem", { name: "Element1", selected: true })).toBeVisible();
  await expect.poll(() => graphOrder(page)).toEqual(["Fetch", "Log1", "Element1", "title"]);

  // Insert in the tree on the last step: after it, before the test case.
  await selectInTree(page, "title");
  await page.keyboard.press("Insert");
  const dialog = page.getByTestId("palette-dialog");
  await expect(dialog).toHaveAccessibleName("Insert after title");
  await dialog.getByLabel("Search types").fill("sequence js");
  await dialog.getByLabel("Search types").press("Enter");
  await expect(page.getByRole("treeitem", { name: "SequenceJS1", selected: true })).toBeVisible();
  await expect
    .poll(() => namesInFile(file))
    .toEqual(["Lookup", "item", "Fetch", ".id", "Log1", "Element1", "title", "SequenceJS1", "Wrong"]);
  // The explorer's + on a step says where it adds.
  await expect(page.getByRole("button", { name: "Insert after", exact: true })).toBeEnabled();
});

test("insert between two steps and inside a block from the graph", async ({ page, atelier }) => {
  await atelier.start(flowsProject);
  await atelier.open(page);
  await expand(page, "Flows");
  await selectInTree(page, "Flow");
  const file = path.join(atelier.dir, "Flows/sequences/Flow.yaml");
  await expect.poll(() => graphOrder(page)).toEqual(["a", "loop", "b", "c"]);

  // The + under a: between a and loop.
  await graphNode(page, "a").hover();
  await page.getByTestId("graph-insert-after-a").click();
  const dialog = page.getByTestId("palette-dialog");
  await expect(dialog).toHaveAccessibleName("Insert after a");
  await dialog.getByLabel("Search types").fill("log");
  await dialog.getByLabel("Search types").press("Enter");
  await expect.poll(() => graphOrder(page)).toEqual(["a", "Log1", "loop", "b", "c"]);

  // The empty Iterator's "+ inside".
  await graphNode(page, "loop").hover();
  await page.getByTestId("graph-insert-inside-loop").click();
  await expect(dialog).toHaveAccessibleName("Add to loop");
  await dialog.getByLabel("Search types").fill("element");
  await dialog.getByLabel("Search types").press("Enter");
  await expect.poll(() => namesInFile(file)).toEqual(["Flow", "n", "a", "Log1", "loop", ".Element1", "b", "c", "Case"]);

  // The sequence's + adds a first step (after the variables); the Where choice moves the place.
  await page.getByTestId("graph-start").hover();
  await page.getByTestId("graph-insert-first").click();
  await expect(dialog).toHaveAccessibleName("Insert before a");
  await dialog.getByTestId("palette-where").selectOption("after");
  await expect(dialog).toHaveAccessibleName("Insert after a");
  await dialog.getByTestId("palette-where").selectOption("before");
  await dialog.getByLabel("Search types").fill("return");
  await dialog.getByLabel("Search types").press("Enter");
  await expect.poll(() => graphOrder(page)).toEqual(["Return1", "a", "Log1", "loop", "Element1", "b", "c"]);
});

test("graph editing: reorder by drag, move into a block, the context menu, copy and paste", async ({
  page,
  atelier,
}) => {
  await atelier.start(flowsProject);
  await atelier.open(page);
  await expand(page, "Flows");
  await expand(page, "Flow");
  await selectInTree(page, "Flow");
  const file = path.join(atelier.dir, "Flows/sequences/Flow.yaml");
  await expect.poll(() => graphOrder(page)).toEqual(["a", "loop", "b", "c"]);

  // c dropped on the top edge of a: first.
  await graphNode(page, "c").dragTo(graphNode(page, "a"), { targetPosition: { x: 60, y: 2 } });
  await expect.poll(() => namesInFile(file)).toEqual(["Flow", "n", "c", "a", "loop", "b", "Case"]);
  await expect.poll(() => graphOrder(page)).toEqual(["c", "a", "loop", "b"]);
  const level4 = page.getByRole("tree", { name: "Workspace" }).getByRole("treeitem", { level: 4 });
  await expect(level4).toHaveText([/n/, /c/, /a/, /loop/, /b/, /Case/]);

  // b dropped in the middle of the Iterator: inside it.
  const box = (await graphNode(page, "loop").boundingBox())!;
  await graphNode(page, "b").dragTo(graphNode(page, "loop"), { targetPosition: { x: 60, y: box.height / 2 } });
  await expect.poll(() => namesInFile(file)).toEqual(["Flow", "n", "c", "a", "loop", ".b", "Case"]);
  await expect(page.getByRole("treeitem", { name: "loop" })).toHaveAttribute("aria-expanded", "true");
  // Undo puts it back.
  await page.getByRole("button", { name: "Undo" }).click();
  await expect.poll(() => namesInFile(file)).toEqual(["Flow", "n", "c", "a", "loop", "b", "Case"]);

  // The context menu has the tree's actions.
  await graphNode(page, "a").click({ button: "right" });
  const menu = page.getByRole("menu", { name: "Actions on a" });
  await expect(menu.getByRole("menuitem")).toHaveText([
    /Add child/,
    /Insert after/,
    /Rename/,
    /Duplicate/,
    /Cut/,
    /Copy/,
    /Paste/,
    /Toggle breakpoint/,
    /Delete/,
  ]);
  await menu.getByRole("menuitem", { name: /Toggle breakpoint/ }).click();
  await expect(graphNode(page, "a")).toHaveClass(/breakpoint/);
  await graphNode(page, "a").click({ button: "right" });
  await menu.getByRole("menuitem", { name: /Rename/ }).click();
  await page.getByLabel("New name").fill("start");
  await page.getByLabel("New name").press("Enter");
  await expect(graphNode(page, "start")).toBeVisible();
  await expect(page.getByRole("treeitem", { name: "start" })).toBeVisible();

  // Keys on the focused graph: copy and paste (after the step), then delete with confirmation.
  await graphNode(page, "c").click();
  await expect(page.getByRole("treeitem", { name: "c", selected: true })).toBeVisible();
  await page.keyboard.press("Control+c");
  await page.keyboard.press("Control+v");
  // Steps may share a name: the copy is a second "c", right after the first, and selected.
  await expect.poll(() => graphOrder(page)).toEqual(["c", "c", "start", "loop", "b"]);
  await expect.poll(() => namesInFile(file)).toEqual(["Flow", "n", "c", "c", "start", "loop", "b", "Case"]);
  const copies = page.getByTestId("graph-node-c");
  await expect(copies.nth(1)).toHaveClass(/selected/);
  // ↑ ↓ move along the steps.
  await page.keyboard.press("ArrowUp");
  await expect(copies.nth(0)).toHaveClass(/selected/);
  await page.keyboard.press("ArrowDown");
  await expect(copies.nth(1)).toHaveClass(/selected/);
  await page.keyboard.press("Delete");
  await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
  await expect.poll(() => graphOrder(page)).toEqual(["c", "start", "loop", "b"]);
  await expect.poll(() => namesInFile(file)).toEqual(["Flow", "n", "c", "start", "loop", "b", "Case"]);
});

test("the graph shows each step's run status and time, live while it runs", async ({ page, atelier }) => {
  await atelier.start(flowsProject);
  await atelier.open(page);
  await expand(page, "Flows");
  await selectInTree(page, "Slow");
  await expect(graphNode(page, "wait")).toBeVisible();
  await page.getByRole("region", { name: "Run" }).getByRole("button", { name: "Run", exact: true }).click();
  // While the JavaScript step runs: it is highlighted, the one before is done.
  await expect(page.locator('[data-testid="graph-node-wait"].run-running[data-status="running"]')).toBeVisible();
  await expect(graphNode(page, "first")).toHaveAttribute("data-status", "ok");
  await expect(graphNode(page, "last")).toHaveAttribute("data-status", "");
  // Afterwards: every step done, with its time.
  await expect(page.getByTestId("run-output")).toBeVisible();
  await expect(graphNode(page, "last")).toHaveAttribute("data-status", "ok");
  await expect(graphNode(page, "wait")).toHaveAttribute("data-status", "ok");
  await expect(page.getByTestId("graph-time-wait")).toHaveText(/^3\.\d\d s$/);
  await expect(page.getByTestId("graph-time-first")).toHaveText(/ms$/);
});
