import { spawn, type ChildProcess } from "node:child_process";
import { cp, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { BrowserContext, Page } from "@playwright/test";
import { expect, test } from "./fixtures.ts";
import { startNetSwitch } from "./net-switch.ts";
import { atelierCli, stopChild } from "./server-process.ts";

// The FullSyncDemo app (design docs/design/ui-builder.md §9, §10): pages designed as project
// objects (examples/workspace/FullSyncDemo/ui/), generated and built by `atelier app build`,
// served by the engine at /apps/FullSyncDemo/ and used in Chromium. alice logs in and sees her
// orders; offline (the network really cut, and the browser told so) a reload still shows them
// from her device database, an order she adds shows at once and waits to be sent; back online
// it reaches the engine and the demo back end as hers; bob never gets it; after bob logs out,
// alice logging in on his browser gets her own device database.
//
// Real processes: the demo back end (examples/fullsync-demo/backend.mjs), `atelier run` of the
// Private SeedData sequence, `atelier app build`, `atelier serve`; the browser reaches the engine
// through a TCP proxy the test cuts (e2e/net-switch.ts).

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const APP = "/apps/FullSyncDemo/";

/** Starts a child process and waits for a line of its output matching `ready` (its first group is answered). */
async function startProcess(
  args: string[],
  ready: RegExp,
  env: Record<string, string> = {},
): Promise<{ proc: ChildProcess; found: string; output: () => string }> {
  const proc = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, ATELIER_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const found = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(" ")} did not start in 60 s:\n${output}`)), 60_000);
    const onData = (c: Buffer) => {
      output += c.toString("utf8");
      const m = ready.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] ?? m[0]);
      }
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(" ")} exited (${code}):\n${output}`));
    });
  });
  return { proc, found, output: () => output };
}

/** The items of the orders list, sorted (a new order's id is random, so its place in the view is too). */
async function orderItems(page: Page): Promise<string[]> {
  return (await page.locator("ion-list ion-item ion-label").allTextContents()).map((t) => t.trim()).sort();
}

/** Logs in through the Login page's labelled fields. */
async function logIn(page: Page, user: string): Promise<void> {
  await page.getByLabel("User", { exact: true }).fill(user);
  await page.getByLabel("Password", { exact: true }).fill(`${user}-pw`);
  await page.getByRole("button", { name: "Log in" }).click();
}

/** Page errors and console errors of a page (printed when the test fails). */
function watch(page: Page, name: string, into: string[]): void {
  page.on("pageerror", (e) => into.push(`${name} pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") into.push(`${name} ${m.type()}: ${m.text()}`);
  });
}

test("the FullSyncDemo app: login, orders from the device offline, an order added offline syncs as its owner's", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const children: ChildProcess[] = [];
  const contexts: BrowserContext[] = [];
  const logs: string[] = [];
  let net: Awaited<ReturnType<typeof startNetSwitch>> | undefined;
  const workspace = await mkdtemp(path.join(os.tmpdir(), "atelier-app-fullsync-"));
  try {
    const back = await startProcess(
      [path.join(repoRoot, "examples/fullsync-demo/backend.mjs")],
      /Orders back end: (http:\/\/127\.0\.0\.1:\d+)/,
      { PORT: "0" },
    );
    children.push(back.proc);
    const backend = back.found;
    const project = path.join(workspace, "FullSyncDemo");
    await cp(path.join(repoRoot, "examples/workspace/FullSyncDemo"), project, {
      recursive: true,
      // Never a build or a state left in the example folder by someone's local run.
      filter: (src) => !["app", "www", ".atelier"].includes(path.relative(project, src).split(path.sep)[0] ?? ""),
    });
    const seeded = await atelierCli([
      "run",
      "--project",
      project,
      "--sequence",
      "SeedData",
      "--set",
      `backendUrl=${backend}`,
    ]);
    expect(JSON.parse(seeded)).toEqual({ orders: 3, catalog: 3, sales: 2 });
    const built = await atelierCli(["app", "build", project]);
    expect(built).toMatch(/^Generated app\/ from the application App/m);
    const buildMs = Number(/^Built \/apps\/FullSyncDemo\/ in (\d+) ms/m.exec(built)?.[1]);
    expect(buildMs).toBeGreaterThan(0);

    const served = await startProcess(
      [
        path.join(repoRoot, "bin/atelier.js"),
        "serve",
        "--workspace",
        workspace,
        "--port",
        "0",
        "--set",
        `backendUrl=${backend}`,
      ],
      /Atelier engine: (http:\/\/127\.0\.0\.1:\d+\/)/,
    );
    children.push(served.proc);
    const engine = new URL(served.found);
    net = await startNetSwitch({ host: engine.hostname, port: Number(engine.port) });
    const switched = net;

    // 1. alice opens the app (cold cache): the login page, then exactly her orders.
    const a = await browser.newContext();
    contexts.push(a);
    const pageA = await a.newPage();
    watch(pageA, "alice", logs);
    let t = Date.now();
    await pageA.goto(`${switched.origin}${APP}`);
    await expect(pageA.getByRole("button", { name: "Log in" })).toBeVisible();
    const firstLoadMs = Date.now() - t;
    expect(new URL(pageA.url()).pathname).toBe(`${APP}login`);
    t = Date.now();
    await logIn(pageA, "alice");
    await expect.poll(() => orderItems(pageA)).toEqual(["Notebook", "Pen"]);
    const loginMs = Date.now() - t;
    expect(new URL(pageA.url()).pathname).toBe(`${APP}orders`);
    const pending = pageA.locator("ion-chip", { hasText: "To send" });
    await expect(pending).toHaveText(/To send\s*0/);
    await expect(pageA.getByText("Offline", { exact: true })).toBeHidden();
    await pageA.waitForFunction(() => navigator.serviceWorker.controller !== null);

    // 2. Offline: the page's view of the network and the wire. A reload is answered by the service
    // worker, and the orders come from the device database.
    switched.cut();
    await a.setOffline(true);
    t = Date.now();
    const reloaded = await pageA.reload();
    expect(reloaded?.fromServiceWorker()).toBe(true);
    await expect.poll(() => orderItems(pageA)).toEqual(["Notebook", "Pen"]);
    const offlineReloadMs = Date.now() - t;
    await expect(pageA.getByText("Offline", { exact: true })).toBeVisible();

    // 3. An order added offline: in the list at once, one change to send.
    await pageA.getByLabel("Item", { exact: true }).fill("Stapler");
    await pageA.getByRole("button", { name: "Add", exact: true }).click();
    await expect.poll(() => orderItems(pageA)).toEqual(["Notebook", "Pen", "Stapler"]);
    await expect(pending).toHaveText(/To send\s*1/);
    await expect(pageA.getByLabel("Item", { exact: true })).toHaveValue("");

    // 4. Online again: sent (nothing left to send), stored by the engine as alice's, and passed on
    // to the back end by the listener OrdersToBackend as alice's order.
    switched.restore();
    await a.setOffline(false);
    await expect(pending).toHaveText(/To send\s*0/, { timeout: 15_000 });
    await expect(pageA.getByText("Offline", { exact: true })).toBeHidden();
    const docsAs = async (ctx: BrowserContext) => {
      const res = await ctx.request.get(`${engine.origin}/fullsync/fullsyncdemo/_all_docs?include_docs=true`);
      expect(res.status()).toBe(200);
      return ((await res.json()) as { rows: { id: string; doc: Record<string, unknown> }[] }).rows;
    };
    const added = (await docsAs(a)).filter((r) => r.doc.type === "order" && r.doc.item === "Stapler");
    expect(added).toHaveLength(1);
    const stapler = added[0]!;
    expect(stapler.id).toMatch(/^order-[0-9a-f-]{36}$/);
    expect(stapler.doc).toMatchObject({ "~c8oAcl": "alice", type: "order", item: "Stapler", qty: 1 });
    await expect
      .poll(
        async () => {
          const res = await fetch(`${backend}/orders`);
          const orders = (await res.json()) as { user: string; item: string; qty: number }[];
          return orders.filter((o) => o.item === "Stapler").map((o) => `${o.user} ${o.qty}`);
        },
        { timeout: 15_000 },
      )
      .toEqual(["bob 5", "alice 1"]);

    // 5. bob, in another browser: his own orders only (his seeded Stapler, 5 of them), never alice's.
    const b = await browser.newContext();
    contexts.push(b);
    const pageB = await b.newPage();
    watch(pageB, "bob", logs);
    await pageB.goto(`${switched.origin}${APP}`);
    await logIn(pageB, "bob");
    await expect.poll(() => orderItems(pageB)).toEqual(["Stapler"]);
    await expect(pageB.locator("ion-list ion-item ion-note")).toHaveText(["5"]);
    await expect(pageB.locator("ion-chip", { hasText: "To send" })).toHaveText(/To send\s*0/);
    expect((await docsAs(b)).map((r) => r.id)).not.toContain(stapler.id);
    const changes = await b.request.get(`${engine.origin}/fullsync/fullsyncdemo/_changes`);
    expect(await changes.text()).not.toContain(stapler.id);

    // 6. bob logs out; alice logs in on his browser: her orders, the one added offline included,
    // read from a device database of her own.
    await pageB.getByRole("button", { name: "Log out" }).click();
    await expect(pageB.getByRole("button", { name: "Log in" })).toBeVisible();
    expect(new URL(pageB.url()).pathname).toBe(`${APP}login`);
    await logIn(pageB, "alice");
    await expect.poll(() => orderItems(pageB)).toEqual(["Notebook", "Pen", "Stapler"]);
    await expect(pageB.locator("ion-chip", { hasText: "To send" })).toHaveText(/To send\s*0/);

    console.log(
      `FullSyncDemo app: build ${buildMs} ms, first load (login page, cold cache) ${firstLoadMs} ms, ` +
        `login to orders shown ${loginMs} ms, offline reload to orders shown ${offlineReloadMs} ms`,
    );
  } catch (e) {
    if (logs.length) console.log(logs.join("\n"));
    throw e;
  } finally {
    for (const c of contexts) await c.close().catch(() => {});
    await net?.close();
    for (const c of children.reverse()) await stopChild(c);
    await rm(workspace, { recursive: true, force: true });
  }
});
