import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { expect, test } from "./fixtures.ts";
import { atelierCli } from "./server-process.ts";

// A page designed as project objects (ui/App.yaml, ui/pages/Home.yaml), generated and built by
// `atelier app build`, served at /apps/Shop/ and used in Chromium under the apps' strict CSP (no
// eval: the page's script bindings were compiled into the build). A click runs its chain
// (SetState), and the label bound to the State follows.

const APP = `type: Application
name: App
id: shopapplic01
title: Shop
startPage: Home
children:
  - type: State
    name: count
    id: shopstate001
    default: 0
`;

const HOME = `type: Page
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
        name: Title
        id: shoptitle001
        component: Label
        text: { script: "'Clicked ' + state.count + ' times'" }
      - type: Component
        name: Add
        id: shopbutton01
        component: Button
        text: Add one
        children:
          - type: Event
            name: OnClick
            id: shopevent001
            on: click
            children:
              - type: Action
                name: Inc
                id: shopaction01
                action: SetState
                inputs: { name: count, value: { script: "state.count + 1" } }
`;

test("a page designed as objects is built into an app that runs under a CSP without eval", async ({
  page,
  atelier,
}) => {
  await atelier.start({
    "Shop/project.yaml": "atelier: 1\ntype: Project\nname: Shop\nid: shopprojec01\n",
    "Shop/ui/App.yaml": APP,
    "Shop/ui/pages/Home.yaml": HOME,
  });
  const project = path.join(atelier.dir, "Shop");
  const out = await atelierCli(["app", "build", project]);
  expect(out).toMatch(/^Generated app\/ from the application App/m);
  expect(out).toMatch(/^Built \/apps\/Shop\/ in \d+ ms/m);
  // The developer's file, created once, is never rewritten.
  await writeFile(path.join(project, "app/src/custom/styles.css"), "ion-button { --border-radius: 0; }\n");
  await atelierCli(["app", "build", project]);
  expect(await readFile(path.join(project, "app/src/custom/styles.css"), "utf8")).toBe(
    "ion-button { --border-radius: 0; }\n",
  );

  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  await page.addInitScript(() =>
    document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP: ${e.violatedDirective}`)),
  );
  const origin = new URL(atelier.studioUrl).origin;
  await page.goto(`${origin}/apps/Shop/`);
  await expect(page.getByText("Clicked 0 times")).toBeVisible();
  await page.getByRole("button", { name: /add one/i }).click();
  await page.getByRole("button", { name: /add one/i }).click();
  await expect(page.getByText("Clicked 2 times")).toBeVisible();
  expect(problems).toEqual([]);

  // A broken script is refused at generation, naming the object, and the app built before stays.
  await mkdir(path.join(project, "ui/pages"), { recursive: true });
  await writeFile(
    path.join(project, "ui/pages/Home.yaml"),
    HOME.replace("state.count + 1", "state.count + 1); alert(1); (0"),
  );
  const failed = await atelierCli(["app", "build", project]).then(
    () => "built",
    (e: Error) => e.message,
  );
  expect(failed).toContain("App › Home › Content › Add › OnClick › Inc: inputs.value");
  expect(failed).toContain("A script is one expression, with nothing after it");
  await page.reload();
  await expect(page.getByText("Clicked 0 times")).toBeVisible();
});
