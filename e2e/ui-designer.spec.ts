import { expect, expand, selectInTree, test } from "./fixtures.ts";

// The page designer in the Studio: selecting a page shows it rendered by the app runtime in a
// sandboxed preview (no build, no save); a click in the preview selects the object in the
// explorer; a property edited in the panel shows in the preview at once.

const FILES = {
  "Shop/project.yaml": "atelier: 1\ntype: Project\nname: Shop\nid: shopprojec01\n",
  "Shop/ui/App.yaml": `type: Application
name: App
id: shopapplic01
title: Shop
startPage: Home
children:
  - { type: State, name: count, id: shopstate001, default: 0 }
`,
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
      - { type: Component, name: Title, id: shoptitle001, component: Label, text: "Welcome" }
      - { type: Component, name: Add, id: shopbutton01, component: Button, text: "Add one" }
`,
};

test("a page is designed with a live preview: select in it, edit beside it", async ({ page, atelier }) => {
  await atelier.start(FILES);
  await atelier.open(page);
  await expand(page, "Shop");
  await expand(page, "App");
  await selectInTree(page, "Home");

  const preview = page.frameLocator('iframe[title="Page preview"]');
  await expect(preview.getByText("Welcome")).toBeVisible();
  await expect(preview.getByRole("button", { name: /add one/i })).toBeVisible();
  // The preview is sandboxed: an opaque origin, which reaches neither the Studio nor its API.
  await expect(page.locator('iframe[title="Page preview"]')).toHaveAttribute("sandbox", "allow-scripts");

  // A click in the preview selects the object in the explorer (it runs nothing). Dispatched on the
  // element: Playwright's pointer maps wrong into an iframe shown smaller (the device frame fits the
  // pane), where the browser's own hit-testing is right.
  await preview.getByText("Welcome").dispatchEvent("click");
  await expect(page.getByRole("treeitem", { name: "Title", exact: true, selected: true })).toBeVisible();

  // An edit in the property panel shows in the preview.
  const panel = page.getByRole("region", { name: "Properties" });
  const text = panel.getByLabel("Text", { exact: true });
  await text.fill("Hello, shoppers");
  await text.press("Enter");
  await expect(preview.getByText("Hello, shoppers")).toBeVisible();
  const ms = Number((await page.getByTestId("preview-time").textContent())?.replace(/\D/g, ""));
  console.log(`preview update after a property edit: ${ms} ms`);
  expect(ms).toBeGreaterThan(0);

  // Device frames.
  await page.getByRole("button", { name: "Tablet" }).click();
  await expect(page.locator(".device-frame")).toHaveAttribute("data-frame", "tablet");
  await expect(preview.getByText("Hello, shoppers")).toBeVisible();
});
