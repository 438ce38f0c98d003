import { build } from "esbuild";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "./fixtures.ts";
import { startNetSwitch } from "./net-switch.ts";

// An app served at /apps/<Project>/ keeps opening offline after its first visit, reload and deep
// links included, and offers a new build deployed while it is open: the app runtime's service
// worker (app-runtime/sw/) and the engine's /apps route, in Chromium, with the network really
// cut (a proxy the test owns) and not only the page's view of it.
//
// The app is a small shell built here by esbuild from the runtime's own files (the UI builder's
// full build, Vite over generated pages, serves the same www/ layout).

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BASE = "/apps/Shop/";

/** Builds www/ for build number `n`: index.html, a hashed asset, sw.js with this build's cache. */
async function writeBuild(projectDir: string, n: number): Promise<void> {
  const www = path.join(projectDir, "www");
  await rm(www, { recursive: true, force: true });
  await mkdir(path.join(www, "assets"), { recursive: true });
  const entry = path.join(projectDir, `.entry-${n}.ts`);
  await writeFile(
    entry,
    [
      `import { registerServiceWorker } from ${JSON.stringify(path.join(root, "app-runtime/sw/register.ts"))};`,
      `document.getElementById("status")!.textContent = "Build ${n} at " + location.pathname;`,
      `void registerServiceWorker(${JSON.stringify(BASE)}, () => {`,
      `  const b = document.createElement("button");`,
      `  b.textContent = "New version: reload";`,
      `  b.onclick = () => location.reload();`,
      `  document.body.append(b);`,
      `});`,
    ].join("\n"),
  );
  const app = await build({ entryPoints: [entry], bundle: true, format: "esm", write: false, logLevel: "silent" });
  const asset = `assets/index-b${n}.js`;
  await writeFile(path.join(www, asset), app.outputFiles[0]!.text);
  await writeFile(
    path.join(www, "index.html"),
    `<!doctype html><html><head><meta charset="utf-8"><title>Shop</title>` +
      `<link rel="manifest" href="${BASE}manifest.webmanifest">` +
      `<script type="module" src="${BASE}${asset}"></script></head><body><p id="status">Loading</p></body></html>`,
  );
  await writeFile(
    path.join(www, "manifest.webmanifest"),
    JSON.stringify({ name: "Shop", start_url: BASE, scope: BASE, display: "standalone" }),
  );
  const sw = await build({
    entryPoints: [path.join(root, "app-runtime/sw/service-worker.ts")],
    bundle: true,
    format: "iife",
    write: false,
    logLevel: "silent",
    define: {
      ATELIER_SW: JSON.stringify({
        cache: `atelier-Shop-b${n}`,
        cachePrefix: "atelier-Shop-",
        files: ["index.html", asset, "manifest.webmanifest"],
        navigationTimeoutMs: 1500,
      }),
    },
  });
  await writeFile(path.join(www, "sw.js"), sw.outputFiles[0]!.text);
  await rm(entry);
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
    await expect
      .poll(() => page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith("atelier-Shop-"))))
      .toEqual(["atelier-Shop-b2"]);
    net.cut();
    await context.setOffline(true);
    await page.reload();
    await expect(page.locator("#status")).toHaveText(`Build 2 at ${BASE}orders/42`);
  } finally {
    await context.setOffline(false);
    await net.close();
  }
});
