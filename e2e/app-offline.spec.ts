import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { expect, test } from "./fixtures.ts";
import { startNetSwitch } from "./net-switch.ts";
import { atelierCli } from "./server-process.ts";

// An app served at /apps/<Project>/ keeps opening offline after its first visit, reload and deep
// links included, and offers a new build deployed while it is open: the app runtime's service
// worker (app-runtime/sw/) and the engine's /apps route, in Chromium, with the network really
// cut (a proxy the test owns) and not only the page's view of it.
//
// The app is a small React + Ionic page written here and built by `atelier app build` (Vite, the
// runtime's service worker and manifest), as the UI builder's generated pages are.

const BASE = "/apps/Shop/";

/** Writes build number `n` of a small app (React, Ionic, the runtime's worker) and builds it. */
async function writeBuild(projectDir: string, n: number): Promise<void> {
  await mkdir(path.join(projectDir, "app", "src"), { recursive: true });
  await writeFile(
    path.join(projectDir, "app", "index.html"),
    '<!doctype html><html><head><meta charset="utf-8"><title>Shop</title></head>' +
      '<body><div id="root"></div><script type="module" src="./src/main.tsx"></script></body></html>',
  );
  await writeFile(
    path.join(projectDir, "app", "src", "main.tsx"),
    [
      `import { createRoot } from "react-dom/client";`,
      `import { useState } from "react";`,
      `import { IonApp, IonButton, IonContent, setupIonicReact } from "@ionic/react";`,
      `import "@ionic/react/css/core.css";`,
      `import { registerServiceWorker } from "@atelier/runtime/sw/register.ts";`,
      `setupIonicReact();`,
      `let announce = () => {};`,
      `function App() {`,
      `  const [newBuild, setNewBuild] = useState(false);`,
      `  announce = () => setNewBuild(true);`,
      `  return <IonApp><IonContent>`,
      `    <p id="status">Build ${n} at {location.pathname}</p>`,
      `    {newBuild && <IonButton onClick={() => location.reload()}>New version: reload</IonButton>}`,
      `  </IonContent></IonApp>;`,
      `}`,
      `createRoot(document.getElementById("root")!).render(<App />);`,
      `void registerServiceWorker(import.meta.env.BASE_URL, () => announce());`,
    ].join("\n"),
  );
  await atelierCli(["app", "build", projectDir]);
}

test("an app opens offline after its first visit, and takes a new build deployed while it is open", async ({
  page,
  context,
  atelier,
}) => {
  await atelier.start({
    "Shop/project.yaml": JSON.stringify({ atelier: 1, type: "Project", name: "Shop", id: "shopappproj1" }),
  });
  const projectDir = path.join(atelier.dir, "Shop");
  await writeBuild(projectDir, 1);
  const engine = new URL(atelier.studioUrl);
  const net = await startNetSwitch({ host: engine.hostname, port: Number(engine.port) });
  try {
    // First visit, online: the worker installs and takes the page over.
    await page.goto(`${net.origin}${BASE}`);
    await expect(page.locator("#status")).toHaveText(`Build 1 at ${BASE}`);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    const shopCaches = () =>
      page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith("atelier-Shop-")));
    const [firstCache] = await shopCaches();
    expect(firstCache).toMatch(/^atelier-Shop-[0-9a-f]{12}$/);

    // Offline: the page's view (navigator.onLine) and the wire (nothing reaches the engine).
    net.cut();
    await context.setOffline(true);
    const reloaded = await page.reload();
    expect(reloaded?.fromServiceWorker()).toBe(true);
    await expect(page.locator("#status")).toHaveText(`Build 1 at ${BASE}`);
    expect(await page.evaluate(() => navigator.onLine)).toBe(false);
    // A deep link of the app's router opens too (the cached index.html).
    await page.goto(`${net.origin}${BASE}orders/42`);
    await expect(page.locator("#status")).toHaveText(`Build 1 at ${BASE}orders/42`);
    // The engine's data paths are not the worker's: offline they fail, as PouchDB expects.
    const data = await page.evaluate(async () => {
      try {
        await fetch("/projects/Shop/.json");
        return "answered";
      } catch {
        return "failed";
      }
    });
    expect(data).toBe("failed");

    // Back online, a new build is deployed while the page is open: its worker takes over, the
    // page offers to reload, and the reload shows the new build (same route).
    net.restore();
    await context.setOffline(false);
    await writeBuild(projectDir, 2);
    await expect(page.locator("#status")).toHaveText(`Build 1 at ${BASE}orders/42`);
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
    const reload = page.getByRole("button", { name: "New version: reload" });
    await expect(reload).toBeVisible();
    await reload.click();
    await expect(page.locator("#status")).toHaveText(`Build 2 at ${BASE}orders/42`);
    // The older build's cache is gone; the new one serves offline.
    await expect.poll(async () => (await shopCaches()).length).toBe(1);
    expect(await shopCaches()).not.toEqual([firstCache]);
    net.cut();
    await context.setOffline(true);
    await page.reload();
    await expect(page.locator("#status")).toHaveText(`Build 2 at ${BASE}orders/42`);
  } finally {
    await context.setOffline(false);
    await net.close();
  }
});
