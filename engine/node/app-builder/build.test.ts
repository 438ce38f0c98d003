import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAtelier, type RunningAtelier } from "../app.ts";
import { EngineLog } from "../log.ts";
import { AppBuildError, buildApp, toolchainProblem } from "./build.ts";

let ws: string;
let dir: string;

const MAIN = `import { createRoot } from "react-dom/client";
import { IonApp, IonButton, setupIonicReact } from "@ionic/react";
import "@ionic/react/css/core.css";
import { registerServiceWorker } from "@atelier/runtime/sw/register.ts";
setupIonicReact();
createRoot(document.getElementById("root")!).render(<IonApp><IonButton>Order</IonButton></IonApp>);
void registerServiceWorker(import.meta.env.BASE_URL, () => {});
`;

async function writeApp(main = MAIN): Promise<void> {
  await mkdir(path.join(dir, "app", "src"), { recursive: true });
  await writeFile(
    path.join(dir, "app", "index.html"),
    '<!doctype html><html><head><meta charset="utf-8"><title>Shop</title></head><body><div id="root"></div><script type="module" src="./src/main.tsx"></script></body></html>',
  );
  await writeFile(path.join(dir, "app", "src", "main.tsx"), main);
}

/** What the project folder holds besides its files: no staging or old build may be left. */
async function leftovers(): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.startsWith("."));
}

beforeAll(async () => {
  ws = await mkdtemp(path.join(os.tmpdir(), "atelier-appbuild-"));
  dir = path.join(ws, "Shop");
  await mkdir(dir);
  await writeFile(
    path.join(dir, "project.yaml"),
    JSON.stringify({ atelier: 1, type: "Project", name: "Shop", id: "shopbuildprj" }),
  );
});
afterAll(async () => {
  await rm(ws, { recursive: true, force: true });
});

describe("building a project's app", () => {
  it("builds app/ into www/ for /apps/<Project>/, with the service worker and the manifest", async () => {
    await writeApp();
    const r = await buildApp({ projectDir: dir, project: "Shop", title: "Shop orders" });
    expect(r.files).toContain("index.html");
    expect(r.files).toContain("sw.js");
    expect(r.files).toContain("manifest.webmanifest");
    const js = r.files.filter((f) => /^assets\/index-[\w-]+\.js$/.test(f));
    expect(js).toHaveLength(1);
    expect(r.cache).toMatch(/^atelier-Shop-[0-9a-f]{12}$/);
    const index = await readFile(path.join(dir, "www", "index.html"), "utf8");
    expect(index).toContain(`src="/apps/Shop/${js[0]}"`);
    // The worker precaches every file of the build under this build's cache.
    const sw = await readFile(path.join(dir, "www", "sw.js"), "utf8");
    expect(sw).toContain(r.cache);
    for (const f of r.files.filter((f) => f !== "sw.js")) expect(sw).toContain(f);
    const manifest = JSON.parse(await readFile(path.join(dir, "www", "manifest.webmanifest"), "utf8"));
    expect(manifest).toMatchObject({ name: "Shop orders", start_url: "/apps/Shop/", scope: "/apps/Shop/" });
    // React and Ionic came from the engine's packages: the project holds none.
    expect(await readdir(dir)).not.toContain("node_modules");
    expect(await leftovers()).toEqual([]);

    // The engine serves it.
    const app: RunningAtelier = await startAtelier({
      workspaceDir: ws,
      studio: false,
      fullsync: { inMemory: true },
      log: new EngineLog({ level: "silent" }),
    });
    try {
      const page = await fetch(new URL("apps/Shop/", app.url));
      expect(await page.text()).toBe(index);
      const asset = await fetch(new URL(`apps/Shop/${js[0]}`, app.url));
      expect(asset.status).toBe(200);
      expect(await asset.text()).toContain("Order");
    } finally {
      await app.close();
    }
  });

  it("keeps the app that was built when a build fails, and says where", async () => {
    const before = await readFile(path.join(dir, "www", "index.html"), "utf8");
    await writeApp(MAIN.replace("<IonButton>Order</IonButton>", "<IonButton>Order</IonButto>"));
    const e = await buildApp({ projectDir: dir, project: "Shop" }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AppBuildError);
    expect((e as AppBuildError).message).toMatch(/main\.tsx/);
    expect(await readFile(path.join(dir, "www", "index.html"), "utf8")).toBe(before);
    expect(await leftovers()).toEqual([]);

    await writeApp(MAIN.replace('"@ionic/react"', '"no-such-package-here"'));
    const missing = await buildApp({ projectDir: dir, project: "Shop" }).catch((x: unknown) => x);
    expect((missing as Error).message).toContain("no-such-package-here");
    expect(await readFile(path.join(dir, "www", "index.html"), "utf8")).toBe(before);
  });

  it("ends a build past its time limit, keeping the app that was built", async () => {
    await writeApp();
    const before = await readFile(path.join(dir, "www", "index.html"), "utf8");
    const e = await buildApp({ projectDir: dir, project: "Shop", timeoutMs: 50 }).catch((x: unknown) => x);
    expect((e as Error).message).toMatch(/took longer than 50 ms/);
    expect(await readFile(path.join(dir, "www", "index.html"), "utf8")).toBe(before);
    expect(await leftovers()).toEqual([]);
  });

  it("builds one at a time per project, the last build served", async () => {
    await writeApp(MAIN.replace("Order", "First"));
    const first = buildApp({ projectDir: dir, project: "Shop" });
    await writeApp(MAIN.replace("Order", "Second"));
    const second = buildApp({ projectDir: dir, project: "Shop" });
    // (The first may read either text: what matters is two builds swapping www/ in turn.)
    const [a, b] = await Promise.all([first, second]);
    expect(a.files).toContain("index.html");
    const www = path.join(dir, "www");
    const js = b.files.find((f) => /^assets\/index-[\w-]+\.js$/.test(f))!;
    expect(await readFile(path.join(www, js), "utf8")).toContain("Second");
    expect(await leftovers()).toEqual([]);
  });

  it("says when the installation has no toolchain to build apps with", async () => {
    expect(toolchainProblem()).toBeNull();
    expect(toolchainProblem(ws)).toBe(
      `This installation cannot build apps: the packages vite, @vitejs/plugin-react, react, react-dom, @ionic/react, pouchdb, events are not installed beside the engine and the app runtime's sources (${path.join(ws, "app-runtime")}) are missing. Build from a checkout of Atelier (npm install), or install them beside the engine.`,
    );
  });

  it("says what is missing when the project has no app", async () => {
    const empty = path.join(ws, "Empty");
    await mkdir(empty);
    await expect(buildApp({ projectDir: empty, project: "Empty" })).rejects.toThrow(
      `The project "Empty" has no app to build (no app/index.html in ${empty})`,
    );
  });
});
