import { test as base, expect, type Page } from "@playwright/test";
import type { ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startEngineProcess } from "./engine-process.ts";

/** A running engine serving the Studio on its own temp workspace. */
export interface Atelier {
  /** The workspace folder. */
  dir: string;
  /** The engine's user configuration folder (ATELIER_CONFIG_DIR: deployment targets), a temp folder. */
  configDir: string;
  /** The Studio URL the engine printed (with its token). */
  studioUrl: string;
  /** Starts the engine (once), after writing `files` (paths relative to the workspace). */
  start(files?: Record<string, string>): Promise<void>;
  /** Opens the Studio in the page and waits for the explorer. */
  open(page: Page): Promise<void>;
}

/** A real HTTP server for transactions to call: GET /items/<id> answers {id, title}. */
export interface Upstream {
  port: number;
  calls: string[];
}

export const test = base.extend<{ atelier: Atelier; upstream: Upstream }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright reads the fixtures a fixture needs from this pattern
  upstream: async ({}, use) => {
    const calls: string[] = [];
    const server: Server = createServer((req, res) => {
      calls.push(req.url ?? "");
      const m = /^\/items\/(\w+)$/.exec(req.url ?? "");
      res.setHeader("content-type", "application/json");
      if (!m) {
        res.statusCode = 404;
        res.end(JSON.stringify({ error: "not found" }));
        return;
      }
      res.end(JSON.stringify({ id: m[1], title: `Item ${m[1]}` }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    await use({ port: (server.address() as AddressInfo).port, calls });
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  },
  // eslint-disable-next-line no-empty-pattern -- as above
  atelier: async ({}, use) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "atelier-e2e-"));
    // Never the user's own configuration folder: targets imported by a test stay in the test.
    const configDir = await mkdtemp(path.join(os.tmpdir(), "atelier-e2e-config-"));
    let engine: { child: ChildProcess; url: string } | undefined;
    const atelier: Atelier = {
      dir,
      configDir,
      studioUrl: "",
      async start(files = {}) {
        for (const [rel, text] of Object.entries(files)) {
          await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
          await writeFile(path.join(dir, rel), text);
        }
        engine = await startEngineProcess(dir, { env: { ATELIER_CONFIG_DIR: configDir } });
        atelier.studioUrl = engine.url;
      },
      async open(page) {
        if (!engine) await atelier.start();
        await page.goto(atelier.studioUrl);
        await expect(page.getByRole("tree", { name: "Workspace" })).toBeVisible();
      },
    };
    await use(atelier);
    if (engine) {
      const exited = new Promise((r) => engine!.child.once("exit", r));
      engine.child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (engine.child.exitCode === null) engine.child.kill("SIGKILL");
    }
    await rm(dir, { recursive: true, force: true });
    await rm(configDir, { recursive: true, force: true });
  },
});

export { expect };

/** The files of a project "Shop": an HTTP connector to the upstream, a sequence "Lookup" calling it. */
export function shopProject(port: number): Record<string, string> {
  return {
    "Shop/project.yaml": "atelier: 1\ntype: Project\nname: Shop\nid: shopproject1\n",
    "Shop/connectors/Api.yaml": `type: HttpConnector
name: Api
id: conapi000001
server: 127.0.0.1
port: ${port}
children:
  - type: JsonHttpTransaction
    name: GetItem
    id: txgetitem001
    path: /items/{id}
    children:
      - type: Variable
        name: id
        id: vartxid00001
        httpMethod: path
`,
    "Shop/sequences/Lookup.yaml": `type: Sequence
name: Lookup
id: seqlookup001
children:
  - type: Variable
    name: item
    id: varitem00001
    default: "7"
  - type: CallTransaction
    name: Fetch
    id: stfetch00001
    connector: Api
    transaction: GetItem
    children:
      - type: StepVariable
        name: id
        id: svid00000001
        expression: item
  - type: Element
    name: title
    id: sttitle00001
    source:
      step: stfetch00001
      path: data.title
  - type: TestCase
    name: Wrong
    id: tcwrong00001
    inputs:
      item: "3"
    expected:
      title: Item 4
`,
  };
}

/** Selects an object in the explorer by name (opening nothing). */
export async function selectInTree(page: Page, name: string): Promise<void> {
  await page.getByRole("treeitem", { name, exact: true }).click();
  await expect(page.getByRole("treeitem", { name, exact: true, selected: true })).toBeVisible();
}

/** Opens a tree item (if closed). */
export async function expand(page: Page, name: string): Promise<void> {
  const item = page.getByRole("treeitem", { name, exact: true });
  if ((await item.getAttribute("aria-expanded")) === "false") await item.dblclick();
  await expect(item).toHaveAttribute("aria-expanded", "true");
}

/**
 * Adds a child to the selected object from the palette (searching its type), waits for it to be
 * selected under its default name, and renames it in the property panel.
 */
export async function addChild(page: Page, search: string, defaultName: string, name: string): Promise<void> {
  await page.getByRole("button", { name: "Add child" }).click();
  await page.getByLabel("Search types").fill(search);
  await page.getByLabel("Search types").press("Enter");
  await expect(page.getByRole("treeitem", { name: defaultName, exact: true, selected: true })).toBeVisible();
  const field = page.getByRole("region", { name: "Properties" }).getByLabel("Name", { exact: true });
  await expect(field).toHaveValue(defaultName);
  await field.fill(name);
  await field.press("Enter");
  await expect(page.getByRole("treeitem", { name, exact: true, selected: true })).toBeVisible();
}
