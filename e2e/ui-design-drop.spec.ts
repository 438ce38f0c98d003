import { cp, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Frame, Locator, Page } from "@playwright/test";
import { expect, expand, selectInTree, test } from "./fixtures.ts";

// Designing a page: components dragged from the designer's palette land in the live preview
// where the pointer is (the insertion line shows it), as new objects of the page with the
// catalogue's default children; an object of the page is moved by dragging it from the explorer
// onto the preview. Real native drags in Chromium, from the Studio's page into the sandboxed frame.

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const FILES = {
  "Shop/project.yaml": "atelier: 1\ntype: Project\nname: Shop\nid: shopprojec01\n",
  "Shop/ui/App.yaml": "type: Application\nname: App\nid: shopapplic01\ntitle: Shop\nstartPage: Home\n",
  "Shop/ui/pages/Home.yaml": `type: Page
name: Home
id: shophomepg01
title: Home
children:
  - type: Component
    name: Content
    id: shopcontnt01
    component: Content
    children:
      - type: Component
        name: Form
        id: shopstack001
        component: Stack
        layout: { direction: column, gap: 8, padding: 16 }
        children:
          - { type: Component, name: Title, id: shoptitle001, component: Label, text: "Welcome" }
          - { type: Component, name: Add, id: shopbutton01, component: Button, text: "Add one" }
`,
  "Shop/ui/shared/Tile.yaml": `type: SharedComponent
name: Tile
id: shopsharedc1
children:
  - { type: ComponentInput, name: caption, id: shopcaption1, schema: { type: string } }
  - { type: Component, name: CardLabel, id: shopcardlbl1, component: Label, text: "In a card" }
`,
};

/**
 * A drag from a Studio element (the palette, the explorer) onto an element of the preview, at a
 * fraction of its height. The drag events are dispatched: Playwright's mouse-driven drags do not
 * reach a sandboxed frame, which Chromium runs in another process (a user's drag does); every
 * handler of the Studio and of the preview runs as for a user's drag.
 */
async function dragOnto(page: Page, frame: Frame, from: Locator, target: string, fy = 0.5): Promise<void> {
  const studioData = await page.evaluateHandle(() => new DataTransfer());
  await from.dispatchEvent("dragstart", { dataTransfer: studioData });
  const el = frame.locator(target).first();
  const box = await el.evaluate((e, f) => {
    const r = e.getBoundingClientRect();
    return { x: r.left + r.width / 2, y: r.top + r.height * f };
  }, fy);
  const frameData = await frame.evaluateHandle(() => new DataTransfer());
  const at = { dataTransfer: frameData, clientX: box.x, clientY: box.y };
  await el.dispatchEvent("dragenter", at);
  await el.dispatchEvent("dragover", at);
  // The insertion line shows where it lands.
  await expect(frame.locator("[data-atl-drop-line]")).toBeVisible();
  await el.dispatchEvent("drop", at);
  await from.dispatchEvent("dragend", { dataTransfer: studioData });
}

test("components dragged from the palette land where they are dropped in the preview", async ({ page, atelier }) => {
  await atelier.start(FILES);
  await atelier.open(page);
  await expand(page, "Shop");
  await expand(page, "App");
  await selectInTree(page, "Home");
  const previewFrame = page.locator('iframe[title="Page preview"]');
  const preview = page.frameLocator('iframe[title="Page preview"]');
  await expect(preview.getByText("Welcome")).toBeVisible();
  const frame = (await (await previewFrame.elementHandle())!.contentFrame())!;

  // The palette: the catalogue by group, searchable.
  const palette = page.getByRole("region", { name: "Components palette" });
  await palette.getByLabel("Search components").fill("button");
  const button = palette.getByRole("option", { name: "Button", exact: true });
  await expect(button).toBeVisible();

  // A Button dropped on the upper half of "Welcome" goes before it, in the stack.
  await dragOnto(page, frame, button, '[data-atl-id="shoptitle001"]', 0.25);
  await expect(page.getByRole("treeitem", { name: "Button", exact: true, selected: true })).toBeVisible();
  const formChildren = async () =>
    frame.evaluate(() =>
      [...document.querySelectorAll('[data-atl-id="shopstack001"] > [data-atl-id]')].map((e) => e.textContent?.trim()),
    );
  await expect.poll(formChildren).toEqual(["Button", "Welcome", "Add one"]);
  // Saved in the page's file, with the catalogue's initial text.
  await expect
    .poll(() => readFile(path.join(atelier.dir, "Shop/ui/pages/Home.yaml"), "utf8"))
    .toMatch(/name: Button\n\s+id: \w+\n\s+component: Button\n\s+text: Button/);

  // A Header with its default Toolbar and Title goes on the page itself (the content refuses it).
  await palette.getByLabel("Search components").fill("header");
  await dragOnto(
    page,
    frame,
    palette.getByRole("option", { name: "Header", exact: true }),
    '[data-atl-id="shoptitle001"]',
  );
  await expect(page.getByRole("treeitem", { name: "Header", exact: true, selected: true })).toBeVisible();
  await expect(preview.locator("ion-header ion-toolbar ion-title")).toHaveText("Title");

  // An object of the page dragged from the explorer onto the preview moves: "Add one" to the top.
  await dragOnto(
    page,
    frame,
    page.getByRole("treeitem", { name: "Add", exact: true }),
    '[data-atl-id="shopstack001"] > [data-atl-id]',
    0.1,
  );
  await expect.poll(formChildren).toEqual(["Add one", "Button", "Welcome"]);

  // One undo takes the move back.
  await page.getByRole("button", { name: /Undo/ }).click();
  await expect.poll(formChildren).toEqual(["Button", "Welcome", "Add one"]);

  // From the keyboard: Enter in the palette adds the entry after the selected object (a Badge
  // shows "1" at first).
  await preview.getByText("Welcome").dispatchEvent("click");
  await expect(page.getByRole("treeitem", { name: "Title", exact: true, selected: true })).toBeVisible();
  await palette.getByLabel("Search components").fill("badge");
  await palette.getByLabel("Search components").press("Enter");
  await expect(page.getByRole("treeitem", { name: "Badge", exact: true, selected: true })).toBeVisible();
  await expect.poll(formChildren).toEqual(["Button", "Welcome", "1", "Add one"]);

  // The stack's layout, from its form: side by side, saved and shown.
  await selectInTree(page, "Form");
  const layout = page.getByRole("region", { name: "Properties" }).getByRole("group", { name: "Layout" }).last();
  await layout.getByLabel("Direction").selectOption("row");
  await expect
    .poll(() =>
      frame.evaluate(() => getComputedStyle(document.querySelector('[data-atl-id="shopstack001"]')!).flexDirection),
    )
    .toBe("row");
  await layout.getByLabel("Gap").fill("20%");
  await layout.getByLabel("Gap").press("Enter");
  await expect
    .poll(() => readFile(path.join(atelier.dir, "Shop/ui/pages/Home.yaml"), "utf8"))
    .toMatch(/layout:\n\s+direction: row\n\s+gap: 20%\n\s+padding: 16/);

  // The explorer's Add dialog offers the catalogue's components too, with their default children.
  await selectInTree(page, "Content");
  await page.getByRole("button", { name: "Add child" }).click();
  await page.getByLabel("Search types").fill("card");
  await expect(page.getByRole("option", { name: "Component", exact: true })).toHaveCount(0);
  await page.getByLabel("Search types").press("Enter");
  await expect(page.getByRole("treeitem", { name: "Card", exact: true, selected: true })).toBeVisible();
  await expect(preview.locator("ion-card ion-card-header")).toBeVisible();

  // A shared component is designed alone: a Button dropped after its label goes into its file.
  await selectInTree(page, "Tile");
  await expect(preview.getByText("In a card")).toBeVisible();
  await palette.getByLabel("Search components").fill("button");
  await dragOnto(page, frame, button, '[data-atl-id="shopcardlbl1"]', 0.9);
  await expect(page.getByRole("treeitem", { name: "Button", exact: true, selected: true })).toBeVisible();
  await expect
    .poll(() => readFile(path.join(atelier.dir, "Shop/ui/shared/Tile.yaml"), "utf8"))
    .toMatch(/name: CardLabel[\s\S]*name: Button\n\s+id: \w+\n\s+component: Button/);

  // The shared component used on the page, from the palette: its inputs are the fields of the use.
  await selectInTree(page, "Home");
  await palette.getByLabel("Search components").fill("tile");
  await dragOnto(
    page,
    frame,
    palette.getByRole("option", { name: "Tile", exact: true }),
    '[data-atl-id="shopcontnt01"]',
    0.9,
  );
  await expect(page.getByRole("treeitem", { name: "Tile", exact: true, selected: true })).toHaveCount(1);
  const caption = page.getByRole("region", { name: "Properties" }).getByLabel("caption", { exact: true });
  await caption.fill("Today");
  await caption.press("Enter");
  await expect
    .poll(() => readFile(path.join(atelier.dir, "Shop/ui/pages/Home.yaml"), "utf8"))
    .toMatch(/type: UseShared\n\s+name: Tile\n\s+id: \w+\n\s+component: Tile\n\s+inputs:\n\s+caption: Today/);
});

test("FullSyncDemo's orders page: drop a label, bind it to a sequence's output, the output removed shows in Problems", async ({
  page,
  atelier,
}) => {
  await cp(path.join(repoRoot, "examples/workspace/FullSyncDemo"), path.join(atelier.dir, "FullSyncDemo"), {
    recursive: true,
  });
  await atelier.start();
  await atelier.open(page);
  await expand(page, "FullSyncDemo");
  await expand(page, "App");
  await selectInTree(page, "Orders");
  const preview = page.frameLocator('iframe[title="Page preview"]');
  // Orders requires login; the preview shows it all the same.
  await expect(preview.getByText("My orders", { exact: true })).toBeVisible();
  const frame = (await (await page.locator('iframe[title="Page preview"]').elementHandle())!.contentFrame())!;

  // A Label dropped at the top of the add form.
  const palette = page.getByRole("region", { name: "Components palette" });
  await palette.getByLabel("Search components").fill("label");
  await dragOnto(
    page,
    frame,
    palette.getByRole("option", { name: "Label", exact: true }),
    '[data-atl-id="fsdordnewitm"]',
    0.1,
  );
  await expect(page.getByRole("treeitem", { name: "Label", exact: true, selected: true })).toBeVisible();

  // Its text bound to the Login sequence's output `user`, picked in the source picker.
  const panel = page.getByRole("region", { name: "Properties" });
  const textField = panel.locator('[data-prop="text"]');
  await textField.getByRole("radio", { name: "Source" }).click();
  const dialog = page.getByRole("dialog", { name: "Pick a source" });
  await dialog.getByLabel("Filter sources").fill("user");
  await dialog
    .getByRole("treeitem", { name: "Login", exact: true })
    .getByRole("treeitem", { name: "user", exact: true })
    .locator(":scope > .pick-row")
    .click();
  await expect(textField.locator("output")).toHaveText("Login › user");
  const file = path.join(atelier.dir, "FullSyncDemo/ui/pages/Orders.yaml");
  await expect
    .poll(async () => readFile(file, "utf8"))
    .toMatch(/component: Label\n\s+text:\n\s+source: sequence\n\s+sequence: Login\n\s+path: user/);
  await page.getByRole("tab", { name: /^Problems/ }).click();
  // The Problems view (its list shows only when there are some).
  const problems = page.locator(".problems");
  await expect(problems).toBeVisible();
  await expect(problems).not.toContainText(/Label.*user|user.*Label/);

  // The output's step removed from Login: the binding is in the Problems view, before any run.
  // The Login sequence (the app has a Login page too), then its output element `user` (it also
  // has a variable `user`).
  const sequence = page.getByRole("treeitem", { name: "Login", exact: true }).filter({ hasText: "Sequence" });
  await sequence.dblclick();
  await expect(sequence).toHaveAttribute("aria-expanded", "true");
  await page.getByRole("treeitem", { name: "user", exact: true }).filter({ hasText: "Element" }).click();
  await page.keyboard.press("Delete");
  await page.getByRole("dialog", { name: "Delete" }).getByRole("button", { name: "Delete" }).click();
  await expect(problems).toContainText(/Label.*user|user.*Label/);
  // Undone: the problem is gone.
  await page.getByRole("button", { name: /Undo/ }).click();
  await expect(problems).not.toContainText(/Label.*user|user.*Label/);

  // Built from the Studio, the app is served with the new label: its page asks to log in first.
  await selectInTree(page, "Orders");
  await page.getByRole("region", { name: "Page preview" }).getByRole("button", { name: "Build app" }).click();
  const open = page.getByRole("link", { name: "Open app ↗" });
  await expect(open).toBeVisible({ timeout: 90_000 });
  expect(await open.getAttribute("href")).toBe("/apps/FullSyncDemo/");
  const served = await page.context().newPage();
  await served.goto(new URL("/apps/FullSyncDemo/", page.url()).href);
  await expect(served.getByRole("button", { name: "Log in" })).toBeVisible();
  await served.close();
});
