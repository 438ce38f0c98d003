/**
 * The Studio benchmark: a project of about 5,000 objects served by a real engine, driven in
 * Debian's Chromium by Playwright. Prints four figures (medians of several tries):
 * navigation to an interactive, rendered tree; selection to a filled property panel; typing a
 * property value to the value saved on disk; opening a node of 1,000 children.
 * `--size 50000` measures a workspace of 10 such projects as well (every project open), after the
 * 5,000-object one in the same run, and prints the ratios of its figures to the 5,000 ones.
 * Run: `npm run build:renderer && npm run bench:studio [-- --size 50000]` (not a test: it asserts
 * nothing).
 */
import type { ChildProcess } from "node:child_process";
import { chromium } from "@playwright/test";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chromiumLaunchOptions, startEngineProcess } from "../../e2e/engine-process.ts";
import { generateBigWorkspace } from "./generate.ts";

const TRIES = Number(process.env.BENCH_TRIES ?? 5);
const sizeArg = process.argv.indexOf("--size");
const SIZE = sizeArg > 0 ? Number(process.argv[sizeArg + 1]) : 5000;
/** Projects of about 5,000 objects in the big workspace. */
const PROJECTS = Math.max(1, Math.round(SIZE / 5000));
/** Bounded in time: past BENCH_TIMEOUT_S (600 s), the engine is stopped and the run fails. */
let engine: ChildProcess | undefined;
setTimeout(
  () => {
    console.error(`The benchmark ran over ${process.env.BENCH_TIMEOUT_S ?? 600} s: stopped.`);
    engine?.kill("SIGTERM");
    process.exit(1);
  },
  Number(process.env.BENCH_TIMEOUT_S ?? 600) * 1000,
).unref();

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const fmt = (xs: number[]) =>
  `median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)}, n=${xs.length})`;

interface Figures {
  objects: number;
  projects: number;
  rows: number;
  load: number[];
  select: number[];
  save: number[];
  expand: number[];
}

/** Serves a workspace of `projects` generated projects and takes the four figures. */
async function measure(projects: number): Promise<Figures> {
  const ws = await mkdtemp(path.join(os.tmpdir(), "atelier-bench-studio-"));
  const gen = await generateBigWorkspace(ws, projects);
  const big = gen.projects[0]!;
  console.log(`Generated ${gen.objects} objects in ${projects} project(s) in ${ws}`);
  const { child, url } = await startEngineProcess(ws);
  engine = child;
  const browser = await chromium.launch(chromiumLaunchOptions);
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    // tsx compiles this file with esbuild's keepNames: functions sent to the page call __name.
    await context.addInitScript("globalThis.__name = (f) => f");
    const page = await context.newPage();
    // Sign in (the token URL sets the cookie), and open the whole tree but the wide sequences.
    await page.goto(url);
    await page.getByRole("tree", { name: "Workspace" }).waitFor();
    // Every sequence and JSON object open (4,800 rows a project); the connectors' transactions closed.
    const expanded = [
      "workspace",
      ...gen.projects.flatMap((p) => [
        `${p.project}/${p.rootId}`,
        ...p.containers.filter((c) => !c.startsWith("conbigapi001")).map((c) => `${p.project}/${c}`),
      ]),
    ];
    await page.evaluate((exp) => {
      localStorage.setItem("atelier.studio.prefs", JSON.stringify({ expanded: exp, theme: "light" }));
    }, expanded);
    const studio = new URL("/studio/", url).toString();

    console.log("Signed in; measuring...");
    // 1. Navigation to an interactive, fully rendered tree.
    const load: number[] = [];
    for (let i = 0; i < TRIES; i++) {
      await page.goto(studio);
      const ms = await page.evaluate(async () => {
        for (;;) {
          const row = document.querySelectorAll('[role="treeitem"][data-type="Element"]')[3];
          if (row && document.querySelectorAll('[role="treeitem"]').length > 30) {
            (row as HTMLElement).click();
            // Interactive: the click selects the row.
            while (row.getAttribute("aria-selected") !== "true") await new Promise((r) => requestAnimationFrame(r));
            await new Promise((r) => requestAnimationFrame(r));
            return performance.now();
          }
          await new Promise((r) => requestAnimationFrame(r));
        }
      });
      load.push(ms);
    }
    const height = await page.evaluate(() => (document.querySelector('[role="tree"]') as HTMLElement).style.height);
    const rows = Math.round(parseFloat(height) / 24);
    // 2. Selection to a filled property panel.
    const select: number[] = [];
    const names = await page.evaluate(() =>
      [...document.querySelectorAll('[role="treeitem"][data-type="Element"]')]
        .slice(0, 12)
        .map((r) => r.getAttribute("aria-label")!),
    );
    for (const name of names.slice(1, 11)) {
      const s = { name };
      const ms = await page.evaluate(async (name) => {
        const row = [...document.querySelectorAll('[role="treeitem"]')].find(
          (r) => r.getAttribute("aria-label") === name,
        ) as HTMLElement | undefined;
        if (!row) throw new Error(`row ${name} not rendered`);
        const t0 = performance.now();
        row.click();
        const panel = () => document.querySelector('section[aria-label="Properties"]');
        for (;;) {
          const input = [...(panel()?.querySelectorAll("label") ?? [])].find((l) => l.textContent === "Name");
          const field = input ? (document.getElementById(input.htmlFor) as HTMLInputElement | null) : null;
          if (field?.value === name && panel()?.querySelector('[aria-label="Comment"], textarea')) break;
          await new Promise((r) => setTimeout(r, 0));
        }
        await new Promise((r) => requestAnimationFrame(r));
        return performance.now() - t0;
      }, s.name);
      select.push(ms);
    }

    // 3. Typing a property value to saved on disk.
    const save: number[] = [];
    const sample = { name: names[0]! };
    const file = path.join(ws, big.project, "sequences", "Seq0.yaml");
    await page.evaluate((name) => {
      const row = [...document.querySelectorAll('[role="treeitem"]')].find(
        (r) => r.getAttribute("aria-label") === name,
      ) as HTMLElement;
      row.click();
    }, sample.name);
    const comment = page.getByRole("region", { name: "Properties" }).getByLabel("Comment");
    await comment.click();
    for (let i = 0; i < TRIES; i++) {
      const word = `note${i}x`;
      await comment.fill(`note${i}`);
      await page.waitForTimeout(400);
      await page.keyboard.type("x");
      const t0 = performance.now();
      for (;;) {
        const text = await readFile(file, "utf8");
        if (text.includes(`comment: ${word}`)) break;
        await new Promise((r) => setTimeout(r, 2));
      }
      save.push(performance.now() - t0);
    }

    // 4. Opening a node of 1,000 children.
    const expand: number[] = [];
    for (let i = 0; i < TRIES; i++) {
      // End selects the last row (the wide sequence), closed.
      await page.getByRole("tree", { name: "Workspace" }).focus();
      await page.keyboard.press("End");
      const wide = page.getByRole("treeitem", { name: big.wide.name, exact: true });
      await wide.waitFor();
      const ms = await page.evaluate(async () => {
        const tree = document.querySelector('[role="tree"]') as HTMLElement;
        const t0 = performance.now();
        tree.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
        while (!document.querySelector('[role="treeitem"][aria-label="w0"]'))
          await new Promise((r) => setTimeout(r, 0));
        await new Promise((r) => requestAnimationFrame(r));
        return performance.now() - t0;
      });
      expand.push(ms);
      // Back to the wide sequence, closed, for the next try.
      await page.keyboard.press("Home");
      await page.keyboard.press("End");
      await page.keyboard.press("ArrowLeft");
      await page.keyboard.press("ArrowLeft");
      await page.waitForFunction(
        (n) =>
          document.querySelector(`[role="treeitem"][aria-label="${n}"]`)?.getAttribute("aria-expanded") === "false",
        big.wide.name,
      );
    }

    return { objects: gen.objects, projects, rows, load, select, save, expand };
  } finally {
    await browser.close();
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    await rm(ws, { recursive: true, force: true });
  }
}

const ratio = (xs: number[], base: number) => `${(median(xs) / base).toFixed(2)}x`;

function report(f: Figures, base?: Figures): void {
  const vs = (key: "load" | "select" | "save" | "expand", target: number) =>
    `target < ${target} ms (${ratio(f[key], target)} of it${base ? `; ${ratio(f[key], median(base[key]))} the ${base.objects.toLocaleString("en")}-object figure` : ""})`;
  console.log("");
  console.log(
    `Studio benchmark, ${f.objects.toLocaleString("en")} objects in ${f.projects} project(s), ${f.rows.toLocaleString("en")} tree rows open (Chromium, ${os.cpus().length} cores, ${TRIES} tries)`,
  );
  console.log(`  navigation -> interactive rendered tree : ${fmt(f.load)}   ${vs("load", 1500)}`);
  console.log(`  selection -> filled property panel      : ${fmt(f.select)}   ${vs("select", 100)}`);
  console.log(
    `  typing -> value saved on disk           : ${fmt(f.save)}   ${vs("save", 300)} (includes the 150 ms typing debounce)`,
  );
  console.log(`  opening a node of 1,000 children        : ${fmt(f.expand)}   ${vs("expand", 200)}`);
}

const started = performance.now();
const base = await measure(1);
const results = [base];
if (PROJECTS === 1) report(base);
else {
  const big = await measure(PROJECTS);
  results.push(big);
  report(base);
  report(big, base);
}
// The figures as JSON, like the other benchmarks (bench/.work/ is ignored by git).
const out = path.resolve(import.meta.dirname, "../.work/studio");
await mkdir(out, { recursive: true });
const summary = (f: Figures) => ({
  objects: f.objects,
  projects: f.projects,
  rows: f.rows,
  medianMs: { load: median(f.load), select: median(f.select), save: median(f.save), expand: median(f.expand) },
  samplesMs: { load: f.load, select: f.select, save: f.save, expand: f.expand },
});
await writeFile(
  path.join(out, "results.json"),
  JSON.stringify({ date: new Date().toISOString(), tries: TRIES, runs: results.map(summary) }, null, 2) + "\n",
);
console.log(
  `\n(${((performance.now() - started) / 1000).toFixed(0)} s in all; written to ${path.join(out, "results.json")})`,
);
