import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateAndBuild } from "./app-build.ts";

let ws: string;
let dir: string;

const APP = `type: Application
name: App
id: bundleappl01
title: Shop
startPage: Home
children:
  - { type: State, name: user, id: bundlestat01, default: null }
`;
const HOME = `type: Page
name: Home
id: bundlepage01
title: Home
children:
  - type: Component
    name: Content
    id: bundlecont01
    component: Content
    children:
      - { type: Component, name: Title, id: bundletitl01, component: Label, text: "Welcome to the shop" }
      - { type: Component, name: Buy, id: bundlebutt01, component: Button, text: "Buy" }
`;
const FULLSYNC = `type: FullSyncConnector
name: FullSync
id: bundlefsync1
databaseName: shop
`;

/** The built app's JavaScript, all chunks. */
async function bundleText(files: string[]): Promise<string> {
  const js = files.filter((f) => f.endsWith(".js") && f !== "sw.js");
  return (await Promise.all(js.map((f) => readFile(path.join(dir, "www", f), "utf8")))).join("\n");
}

beforeAll(async () => {
  ws = await mkdtemp(path.join(os.tmpdir(), "atelier-appbundle-"));
  dir = path.join(ws, "Shop");
  await mkdir(path.join(dir, "ui", "pages"), { recursive: true });
  await writeFile(path.join(dir, "project.yaml"), "atelier: 1\ntype: Project\nname: Shop\nid: bundleprojc1\n");
  await writeFile(path.join(dir, "ui", "App.yaml"), APP);
  await writeFile(path.join(dir, "ui", "pages", "Home.yaml"), HOME);
});
afterAll(async () => {
  await rm(ws, { recursive: true, force: true });
});

describe("a generated app's bundle", () => {
  // PouchDB's own prefix of its internal databases: in its code, nowhere in the runtime's.
  const POUCHDB_MARKER = "_pouch_";

  it("holds only the Ionic elements it uses, and PouchDB only when the project has a FullSync connector", async () => {
    const without = await bundleText((await generateAndBuild(dir)).files);
    expect(without).toContain("Welcome to the shop");
    expect(without).not.toContain(POUCHDB_MARKER);
    expect(without).not.toContain("pouchdb");
    // Ionic: the elements the app renders (each element's code names its tag in quotes), not the
    // others of the catalogue nor of Ionic (before: all of them, whatever the app used).
    const tag = (name: string) => new RegExp(`["'\`]${name}["'\`]`).test(without);
    expect(tag("ion-button")).toBe(true);
    for (const unused of ["ion-toggle", "ion-card-subtitle", "ion-segment-button", "ion-datetime"]) {
      expect(tag(unused), unused).toBe(false);
    }

    await mkdir(path.join(dir, "connectors"), { recursive: true });
    await writeFile(path.join(dir, "connectors", "FullSync.yaml"), FULLSYNC);
    try {
      const withSync = await bundleText((await generateAndBuild(dir)).files);
      expect(withSync).toContain(POUCHDB_MARKER);
    } finally {
      await rm(path.join(dir, "connectors"), { recursive: true, force: true });
    }
  }, 120_000);
});
