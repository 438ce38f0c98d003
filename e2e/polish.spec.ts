import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Locator, Page } from "@playwright/test";
import { expand, expect, selectInTree, shopProject, test } from "./fixtures.ts";

// Polish found on the way (issue 11, §6): each item checked as a user meets it in the browser.

/** Shop, plus a sequence Double with an integer input and a sequence with a long name. */
function files(port: number): Record<string, string> {
  return {
    ...shopProject(port),
    "Shop/sequences/Double.yaml": `type: Sequence
name: Double
id: seqdouble001
children:
  - type: Variable
    name: count
    id: varcount0001
    dataType: integer
  - type: Element
    name: twice
    id: sttwice00001
    expression: count * 2
`,
    "Shop/sequences/AVeryLongSequenceNameThatCannotFitInTheExplorerColumn.yaml": `type: Sequence
name: AVeryLongSequenceNameThatCannotFitInTheExplorerColumn
id: seqlong00001
`,
  };
}

/** WCAG contrast ratio between an element's text colour (or `fill` of its SVG) and its background. */
async function contrast(el: Locator, which: "color" | "fill" = "color"): Promise<number> {
  return el.evaluate((node, prop) => {
    // Computed colours come as rgb(...)/rgba(...) or, from color-mix(), as color(srgb r g b).
    const parse = (c: string): [number, number, number, number] => {
      const srgb = /color\(srgb ([\d.]+) ([\d.]+) ([\d.]+)(?: \/ ([\d.]+))?\)/.exec(c);
      if (srgb) return [+srgb[1]! * 255, +srgb[2]! * 255, +srgb[3]! * 255, srgb[4] ? +srgb[4] : 1];
      const rgb = /rgba?\(([\d.]+),? ([\d.]+),? ([\d.]+)(?:,? \/? ?([\d.]+))?\)/.exec(c);
      if (rgb) return [+rgb[1]!, +rgb[2]!, +rgb[3]!, rgb[4] ? +rgb[4] : 1];
      throw new Error(`Unknown colour ${c}`);
    };
    // The background actually painted: the first opaque one up the tree.
    let bg: [number, number, number, number] = [255, 255, 255, 1];
    for (let e: Element | null = node; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0.5) {
        bg = c;
        break;
      }
    }
    const target = prop === "fill" ? (node.querySelector("svg") ?? node) : node;
    const fg = parse(prop === "fill" ? getComputedStyle(target).fill : getComputedStyle(target).color);
    const lum = ([r, g, b]: number[]) => {
      const f = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
    };
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    return (a! + 0.05) / (b! + 0.05);
  }, which);
}

/** Records console errors and failed or refused requests of the page. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`page: ${e.message}`));
  page.on("requestfailed", (r) => errors.push(`failed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
  page.on("response", (r) => {
    if (r.status() >= 400) errors.push(`${r.status()}: ${r.url()}`);
  });
  return errors;
}

test("a run leaves no failed request or console error; the favicon is served", async ({ page, atelier, upstream }) => {
  await atelier.start(files(upstream.port));
  const errors = watchErrors(page);
  await atelier.open(page);
  await expand(page, "Shop");
  await selectInTree(page, "Lookup");
  const run = page.getByRole("region", { name: "Run" });
  for (let i = 0; i < 2; i++) {
    await run.getByRole("button", { name: "Run", exact: true }).click();
    await expect(run.getByRole("status").filter({ hasText: "Done" })).toBeVisible();
    await expect(page.getByTestId("run-output")).toHaveText('{"title":"Item 7"}');
  }
  const icon = await page.locator('link[rel="icon"]').evaluate((l) => (l as HTMLLinkElement).href);
  const res = await page.request.get(icon);
  expect(res.status()).toBe(200);
  expect(res.headers()["content-type"]).toMatch(/image\/svg\+xml/);
  expect(errors).toEqual([]);
});

test("the Run button keeps a readable label under the pointer", async ({ page, atelier, upstream }) => {
  await atelier.start(files(upstream.port));
  await atelier.open(page);
  await expand(page, "Shop");
  await selectInTree(page, "Lookup");
  const button = page.getByRole("region", { name: "Run" }).getByRole("button", { name: "Run", exact: true });
  expect(await contrast(button)).toBeGreaterThan(3);
  await button.hover();
  expect(await contrast(button)).toBeGreaterThan(3);
});

test("the graph's controls are readable in the dark theme", async ({ page, atelier, upstream }) => {
  await atelier.start(files(upstream.port));
  await atelier.open(page);
  await page.getByRole("button", { name: "Dark theme" }).click();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  const graph = page.getByRole("button", { name: "Graph", exact: true });
  if ((await graph.getAttribute("aria-pressed")) !== "true") await graph.click();
  await expand(page, "Shop");
  await selectInTree(page, "Lookup");
  const zoomIn = page.locator(".react-flow__controls-zoomin");
  await expect(zoomIn).toBeVisible();
  expect(await contrast(zoomIn, "fill")).toBeGreaterThan(3);
  const fit = page.getByTestId("graph-fit");
  expect(await contrast(fit)).toBeGreaterThan(3);
  await zoomIn.hover();
  expect(await contrast(zoomIn, "fill")).toBeGreaterThan(3);
  // Not a white button in a dark page.
  const bg = await zoomIn.evaluate((e) => getComputedStyle(e).backgroundColor);
  expect(bg).not.toMatch(/^rgb\(25[0-5], 25[0-5], 25[0-5]\)$/);
});

test("a saved test case keeps typed inputs; its check box sits beside its label", async ({
  page,
  atelier,
  upstream,
}) => {
  await atelier.start(files(upstream.port));
  await atelier.open(page);
  await expand(page, "Shop");
  await selectInTree(page, "Double");
  const run = page.getByRole("region", { name: "Run" });
  await run.getByLabel("count").fill("3");
  await run.getByRole("button", { name: "Run", exact: true }).click();
  await expect(page.getByTestId("run-output")).toHaveText('{"twice":6}');
  await run.getByRole("button", { name: "Save test case" }).click();
  const dialog = page.getByRole("dialog", { name: "Save test case" });
  await expect(dialog).toContainText('{"count":3}');
  const box = dialog.getByRole("checkbox", { name: "Expect the output of the last run" });
  await expect(box).toBeChecked();
  // The box and its text on one line, the box first.
  const layout = await box.evaluate((input) => {
    const label = input.closest("label")!;
    const range = document.createRange();
    range.selectNodeContents(label);
    range.setStartAfter(input);
    const text = range.getBoundingClientRect();
    const b = input.getBoundingClientRect();
    return { overlap: b.top < text.bottom && b.bottom > text.top, before: b.right <= text.left + 1 };
  });
  expect(layout).toEqual({ overlap: true, before: true });
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole("treeitem", { name: "Case1" })).toBeVisible();
  const file = path.join(atelier.dir, "Shop/sequences/Double.yaml");
  await expect.poll(() => readFile(file, "utf8")).toMatch(/inputs:\n\s+count: 3\n/);
  expect(await readFile(file, "utf8")).toMatch(/expected:\n\s+twice: 6\n/);
});

test("failing test cases are marked in the explorer, with why", async ({ page, atelier, upstream }) => {
  await atelier.start(files(upstream.port));
  await atelier.open(page);
  await expand(page, "Shop");
  await expand(page, "Lookup");
  await selectInTree(page, "Lookup");
  const wrong = page.getByRole("treeitem", { name: "Wrong", exact: true });
  await expect(wrong.getByTestId("test-failed-mark")).toHaveCount(0);
  await page.getByRole("region", { name: "Run" }).getByRole("button", { name: "Run test cases" }).click();
  await expect(wrong.getByTestId("test-failed-mark")).toBeVisible();
  await expect(wrong).toHaveAttribute("title", /Test case Wrong failed: 1 difference/);
});

test("a truncated name has its full name as a tooltip", async ({ page, atelier, upstream }) => {
  await atelier.start(files(upstream.port));
  await atelier.open(page);
  await expand(page, "Shop");
  const long = "AVeryLongSequenceNameThatCannotFitInTheExplorerColumn";
  const name = page.getByRole("treeitem", { name: long }).locator(".name");
  expect(await name.evaluate((e) => e.scrollWidth > e.clientWidth)).toBe(true);
  await expect(name).toHaveAttribute("title", long);
  // The Run panel's title too.
  await selectInTree(page, long);
  const title = page.getByRole("region", { name: "Run" }).locator(".pane-title");
  expect(await title.evaluate((e) => e.scrollWidth > e.clientWidth)).toBe(true);
  await expect(title).toHaveAttribute("title", `Run ${long}`);
});

test("another object's properties start at their top", async ({ page, atelier, upstream }) => {
  await page.setViewportSize({ width: 1440, height: 640 });
  await atelier.start(files(upstream.port));
  await atelier.open(page);
  await expand(page, "Shop");
  await selectInTree(page, "Api");
  const scroller = page.locator(".main-scroll");
  await scroller.evaluate((e) => (e.scrollTop = e.scrollHeight));
  expect(await scroller.evaluate((e) => e.scrollTop)).toBeGreaterThan(100);
  await selectInTree(page, "Lookup");
  await expect(page.getByRole("region", { name: "Properties" })).toHaveAttribute("data-object", "Shop/seqlookup001");
  expect(await scroller.evaluate((e) => e.scrollTop)).toBe(0);
});

test("the explorer's divider follows a drag both ways, holding the pointer", async ({ page, atelier, upstream }) => {
  await atelier.start(files(upstream.port));
  await atelier.open(page);
  await expand(page, "Shop");
  const divider = page.getByRole("separator", { name: "Resize the explorer" });
  await divider.evaluate((el) => {
    (window as unknown as { captured: number }).captured = 0;
    el.addEventListener("gotpointercapture", () => (window as unknown as { captured: number }).captured++);
  });
  const width = () => page.locator(".area-explorer").evaluate((e) => e.getBoundingClientRect().width);
  const before = await width();
  const box = (await divider.boundingBox())!;
  const x = box.x + box.width / 2;
  const y = 200; // over the explorer's rows (draggable): no native drag may take the pointer
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + 150, y, { steps: 10 });
  await page.mouse.move(x + 250, y + 40, { steps: 10 });
  await page.mouse.up();
  await expect.poll(width).toBeCloseTo(before + 250, -1);
  expect(await page.evaluate(() => (window as unknown as { captured: number }).captured)).toBe(1);
  // And back to the left, over the rows.
  const box2 = (await divider.boundingBox())!;
  await page.mouse.move(box2.x + box2.width / 2, y);
  await page.mouse.down();
  await page.mouse.move(box2.x + box2.width / 2 - 200, y, { steps: 10 });
  await page.mouse.up();
  await expect.poll(width).toBeCloseTo(before + 50, -1);
  await expect(page.locator("body.resizing")).toHaveCount(0);
});

test("a dialog refused by the engine stays open, with the error and what was typed", async ({
  page,
  atelier,
  upstream,
}) => {
  await atelier.start(files(upstream.port));
  await atelier.open(page);
  await page.getByRole("button", { name: "New project" }).first().click();
  const dialog = page.getByRole("dialog", { name: "New project" });
  await dialog.getByLabel("Project name").fill("Shop");
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(dialog.getByRole("alert")).toContainText(/Shop/);
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel("Project name")).toHaveValue("Shop");

  // The same for saving a test case under a name taken.
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expand(page, "Shop");
  await selectInTree(page, "Lookup");
  await page.getByRole("region", { name: "Run" }).getByRole("button", { name: "Save test case" }).click();
  const save = page.getByRole("dialog", { name: "Save test case" });
  await save.getByLabel("Test case name").fill("Wrong");
  await save.getByRole("button", { name: "Save" }).click();
  await expect(save.getByRole("alert")).toContainText(/Wrong/);
  await expect(save.getByLabel("Test case name")).toHaveValue("Wrong");
});

test("the import dialog picks a folder in the browser, and its errors name the folder", async ({
  page,
  atelier,
  upstream,
}) => {
  // A Convertigo project folder beside the workspace (the picker lists the workspace's parent).
  const src = await mkdtemp(path.join(os.tmpdir(), "atelier-e2e-c8o-"));
  try {
    await mkdir(path.join(src, "Legacy"));
    await writeFile(path.join(src, "Legacy/c8oProject.yaml"), "this is: [not a convertigo project\n");
    await atelier.start(files(upstream.port));
    await atelier.open(page);
    await page.getByRole("button", { name: "New project" }).first().click();
    await page
      .getByRole("dialog", { name: "New project" })
      .getByRole("button", { name: /Import Convertigo/ })
      .click();
    const dialog = page.getByRole("dialog", { name: "Import Convertigo project" });
    const field = dialog.getByLabel("Convertigo project folder");
    await field.fill(src);
    await dialog.getByRole("button", { name: "Browse…" }).click();
    const picker = dialog.getByRole("group", { name: "Folder picker" });
    const row = picker.getByRole("listitem").filter({ hasText: "Legacy" });
    await expect(row).toContainText("Convertigo project");
    await row.getByRole("button", { name: "Choose" }).click();
    await expect(field).toHaveValue(path.join(src, "Legacy"));
    await dialog.getByRole("button", { name: "Import" }).click();
    await expect(dialog.getByRole("alert")).toContainText(path.join(src, "Legacy"));
    await expect(field).toHaveValue(path.join(src, "Legacy"));
  } finally {
    await rm(src, { recursive: true, force: true });
  }
});

test("fields save as you type; a name renames on Enter, and says so", async ({ page, atelier, upstream }) => {
  await atelier.start(files(upstream.port));
  await atelier.open(page);
  await expand(page, "Shop");
  await selectInTree(page, "Double");
  const props = page.getByRole("region", { name: "Properties" });
  const file = path.join(atelier.dir, "Shop/sequences/Double.yaml");
  // A field is saved as it is typed, focus staying in it.
  const comment = props.getByLabel("Comment");
  await comment.fill("Doubles a count");
  await expect.poll(() => readFile(file, "utf8")).toContain("comment: Doubles a count");
  await expect(comment).toBeFocused();
  // A name is a rename: the field says when it happens.
  const name = props.getByLabel("Name", { exact: true });
  await name.fill("Twice");
  await expect(
    props.getByRole("status").filter({ hasText: 'Enter (or leaving the field) renames "Double"' }),
  ).toBeVisible();
  await name.press("Escape");
  await expect(name).toHaveValue("Double");
  await name.fill("Twice");
  await name.press("Enter");
  await expect(page.getByRole("treeitem", { name: "Twice", exact: true })).toBeVisible();
  await expect
    .poll(() => readFile(path.join(atelier.dir, "Shop/sequences/Twice.yaml"), "utf8").catch(() => ""))
    .toContain("name: Twice");
});
