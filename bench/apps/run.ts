// bench/apps: the figures of the UI builder (issue 18), each beside a baseline measured in the
// same run on the same engine:
//   (a) the page preview's update after a property edit in the Studio (edit → rendered in the
//       sandboxed preview, as the Studio measures it), median and p95 of N edits; target < 100 ms;
//   (b) `atelier app build` of a small app (generation + Vite + service worker): median of the
//       builds, and the bundle's size (JS + CSS, raw and gzip) against the budget of 350 KB gzip;
//   (c) the app's first load in Chromium (navigation → its content visible, a cold profile)
//       against the engine's root page in the same browser; its offline reload (from the service
//       worker, the network cut) against an online reload.
// Run: npm run bench:apps [-- --edits 20 --builds 3 --loads 5]. See bench/README.md.
import { spawn, type ChildProcess } from "node:child_process";
import { cp, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { chromium, type Page } from "@playwright/test";
import { startNetSwitch } from "../../e2e/net-switch.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const WORK = path.join(ROOT, "bench", ".work", "apps");
const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const EDITS = opt("edits", 20);
const BUILDS = opt("builds", 3);
const LOADS = opt("loads", 5);
const BUDGET_GZIP = 350 * 1024;

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => sorted(xs)[Math.min(xs.length - 1, Math.ceil(0.95 * xs.length) - 1)]!;
const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;

const APP = `type: Application
name: App
id: benchapplic1
title: Shop
startPage: Home
children:
  - { type: State, name: count, id: benchstate01, default: 0 }
  - { type: State, name: items, id: benchstate02, default: [${Array.from({ length: 50 }, (_, i) => `"Item ${i}"`).join(", ")}] }
`;
const HOME = `type: Page
name: Home
id: benchhomepg1
title: Home
children:
  - type: Component
    name: Content
    id: benchcontnt1
    component: Content
    children:
      - { type: Component, name: Title, id: benchtitle01, component: Label, text: "Welcome" }
      - type: Component
        name: Add
        id: benchbutton1
        component: Button
        text: Add one
        children:
          - type: Event
            name: OnClick
            id: benchevent01
            on: click
            children:
              - { type: Action, name: Inc, id: benchaction1, action: SetState, inputs: { name: count, value: { script: "state.count + 1" } } }
      - type: Directive
        name: Each
        id: benchdirect1
        kind: ForEach
        items: { source: state, name: items }
        itemName: it
        children:
          - { type: Component, name: Row, id: benchrowlab1, component: Label, text: { script: "it" } }
`;

function run(cmd: string[], cwd = ROOT): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, cmd, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd.join(" ")}: ${out}`))));
  });
}

async function startEngine(ws: string): Promise<{ child: ChildProcess; studio: string; origin: string }> {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, "bin/atelier.js"), "serve", "--workspace", ws, "--port", "0"],
    {
      cwd: ROOT,
      env: { ...process.env, ATELIER_LOG_LEVEL: "warn", ATELIER_CONFIG_DIR: path.join(WORK, "config") },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const studio = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`no Studio URL in 30 s: ${out}`)), 30_000);
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /Atelier Studio: (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  return { child, studio, origin: new URL(studio).origin };
}

async function timeTo(page: Page, url: string, visible: string): Promise<number> {
  const t0 = performance.now();
  await page.goto(url);
  await page.getByText(visible, { exact: true }).first().waitFor();
  return performance.now() - t0;
}

await rm(WORK, { recursive: true, force: true });
const ws = path.join(WORK, "ws");
await mkdir(path.join(ws, "Shop", "ui", "pages"), { recursive: true });
await writeFile(path.join(ws, "Shop", "project.yaml"), "atelier: 1\ntype: Project\nname: Shop\nid: benchprojec1\n");
await writeFile(path.join(ws, "Shop", "ui", "App.yaml"), APP);
await writeFile(path.join(ws, "Shop", "ui", "pages", "Home.yaml"), HOME);

// (b) builds
const buildMs: number[] = [];
for (let i = 0; i < BUILDS; i++) {
  const t0 = performance.now();
  await run([path.join(ROOT, "bin/atelier.js"), "app", "build", path.join(ws, "Shop")]);
  buildMs.push(performance.now() - t0);
}
/** The JS and CSS of a built app, raw and gzip. */
async function bundleSize(project: string): Promise<{ raw: number; gz: number }> {
  let raw = 0;
  let gz = 0;
  for (const f of await readdir(path.join(project, "www", "assets"))) {
    if (!/\.(js|css)$/.test(f)) continue;
    const bytes = await readFile(path.join(project, "www", "assets", f));
    raw += bytes.length;
    gz += gzipSync(bytes).length;
  }
  return { raw, gz };
}
const { raw, gz } = await bundleSize(path.join(ws, "Shop"));
// The example app too (two pages, FullSync on the device: PouchDB in its bundle).
await cp(path.join(ROOT, "examples", "workspace", "FullSyncDemo"), path.join(WORK, "demo", "FullSyncDemo"), {
  recursive: true,
});
await run([path.join(ROOT, "bin/atelier.js"), "app", "build", path.join(WORK, "demo", "FullSyncDemo")]);
const demo = await bundleSize(path.join(WORK, "demo", "FullSyncDemo"));

const engine = await startEngine(ws);
const net = await startNetSwitch({ host: "127.0.0.1", port: Number(new URL(engine.origin).port) });
const browser = await chromium.launch({
  executablePath: process.env.ATELIER_CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
try {
  // (c) loads: a cold profile each time, the app against the root page.
  const appFirst: number[] = [];
  const rootFirst: number[] = [];
  const offline: number[] = [];
  const online: number[] = [];
  for (let i = 0; i < LOADS; i++) {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    rootFirst.push(await timeTo(page, `${net.origin}/`, "Atelier engine"));
    appFirst.push(await timeTo(page, `${net.origin}/apps/Shop/`, "Welcome"));
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    let t0 = performance.now();
    await page.reload();
    await page.getByText("Welcome", { exact: true }).waitFor();
    online.push(performance.now() - t0);
    net.cut();
    await ctx.setOffline(true);
    t0 = performance.now();
    await page.reload();
    await page.getByText("Welcome", { exact: true }).waitFor();
    offline.push(performance.now() - t0);
    await ctx.setOffline(false);
    net.restore();
    await ctx.close();
  }

  // (a) the preview in the Studio: edits of the Title's text.
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(engine.studio);
  await page.getByRole("tree", { name: "Workspace" }).waitFor();
  for (const name of ["Shop", "App", "Home", "Content"]) {
    const item = page.getByRole("treeitem", { name, exact: true });
    if ((await item.getAttribute("aria-expanded")) === "false") await item.dblclick();
  }
  await page.getByRole("treeitem", { name: "Title", exact: true }).click();
  const preview = page.frameLocator('iframe[title="Page preview"]');
  await preview.getByText("Welcome").waitFor();
  const field = page.getByRole("region", { name: "Properties" }).getByLabel("Text", { exact: true });
  const previewMs: number[] = [];
  const renders = async () => Number(await page.getByTestId("preview-time").getAttribute("data-renders"));
  for (let i = 0; i < EDITS; i++) {
    const text = `Welcome ${i}`;
    const before = await renders();
    await field.fill(text);
    await field.press("Enter");
    await preview.getByText(text, { exact: true }).waitFor();
    // The Studio's own measure: from its message to the preview's "rendered" (the next one).
    await page.waitForFunction(
      (n) => Number(document.querySelector('[data-testid="preview-time"]')?.getAttribute("data-renders")) > n,
      before,
    );
    previewMs.push(Number((await page.getByTestId("preview-time").textContent())?.replace(/\D/g, "")));
  }
  await ctx.close();

  console.log(`\nbench/apps: ${BUILDS} builds, ${LOADS} cold loads, ${EDITS} preview edits; medians`);
  console.log("| figure | value | baseline | ratio |");
  console.log("| --- | ---: | ---: | ---: |");
  console.log(
    `| (a) preview update after a property edit, p50 / p95 | ${median(previewMs)} / ${p95(previewMs)} ms | target 100 ms | ${(median(previewMs) / 100).toFixed(2)} |`,
  );
  console.log(`| (b) atelier app build (generation + Vite + worker) | ${median(buildMs).toFixed(0)} ms | | |`);
  console.log(
    `| (b) bundle JS + CSS, raw / gzip | ${kb(raw)} / ${kb(gz)} | budget ${kb(BUDGET_GZIP)} gzip | ${(gz / BUDGET_GZIP).toFixed(2)} |`,
  );
  console.log(
    `| (b) FullSyncDemo's bundle (with PouchDB), raw / gzip | ${kb(demo.raw)} / ${kb(demo.gz)} | budget ${kb(BUDGET_GZIP)} gzip | ${(demo.gz / BUDGET_GZIP).toFixed(2)} |`,
  );
  console.log(
    `| (c) app first load (cold) vs the root page | ${median(appFirst).toFixed(0)} ms | ${median(rootFirst).toFixed(0)} ms | ${(median(appFirst) / median(rootFirst)).toFixed(2)} |`,
  );
  console.log(
    `| (c) app reload offline (service worker) vs online | ${median(offline).toFixed(0)} ms | ${median(online).toFixed(0)} ms | ${(median(offline) / median(online)).toFixed(2)} |`,
  );
} finally {
  await browser.close();
  await net.close();
  engine.child.kill("SIGTERM");
}
