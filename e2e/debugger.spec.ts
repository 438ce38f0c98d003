import type { Locator, Page } from "@playwright/test";
import { expand, expect, selectInTree, test } from "./fixtures.ts";

const JS_ID = "stjs00000001";
const CODE = [
  "let total = 0;", // 1
  "const factor = 2;", // 2
  "for (let i = 0; i < Number(n); i++) {", // 3
  "  total += i * factor;", // 4
  "}", // 5
  "total", // 6
];

/** P.Calc: a variable n (3), a JavaScript step "compute" (the sum above: 6), an Element "result" reading it. */
const FILES: Record<string, string> = {
  "P/project.yaml": "atelier: 1\ntype: Project\nname: P\nid: projectp0001\n",
  "P/sequences/Calc.yaml": `type: Sequence
name: Calc
id: seqcalc00001
children:
  - type: Variable
    name: n
    id: varn00000001
    default: "3"
  - type: SequenceJS
    name: compute
    id: ${JS_ID}
    code: |-
${CODE.map((l) => `      ${l}`).join("\n")}
  - type: Element
    name: result
    id: stresult0001
    source:
      step: ${JS_ID}
`,
};

async function openCalc(
  page: Page,
  atelier: { start(f: Record<string, string>): Promise<void>; open(p: Page): Promise<void> },
) {
  await atelier.start(FILES);
  await atelier.open(page);
  await expand(page, "P");
  await expand(page, "Calc");
}

/** The code editor of the selected JavaScript step. */
function codeEditor(page: Page): Locator {
  return page.getByRole("region", { name: "Properties" }).locator(".monaco-editor").first();
}

test("a line breakpoint in a JavaScript step pauses there, with its let / const in scope", async ({
  page,
  atelier,
}) => {
  await openCalc(page, atelier);
  await selectInTree(page, "compute");
  const editor = codeEditor(page);
  await expect(editor).toContainText("total += i * factor");
  // A click in the margin of line 4 sets a breakpoint there.
  const line4 = editor.locator(".view-line", { hasText: "total += i * factor" });
  const box = (await line4.boundingBox())!;
  const glyphs = (await editor.locator(".glyph-margin").boundingBox())!;
  await page.mouse.click(glyphs.x + glyphs.width / 2, box.y + box.height / 2);
  const summary = page.getByTestId("line-breakpoints");
  await expect(summary).toContainText("Pauses at line 4 when debugging");
  await expect(editor.locator(".line-bp-glyph")).toHaveCount(1);

  await selectInTree(page, "Calc");
  const run = page.getByRole("region", { name: "Run" });
  await run.getByRole("button", { name: "Debug" }).click();
  const debug = page.getByRole("region", { name: "Debugger" });
  await expect(debug.getByTestId("paused-title")).toContainText("Paused at line 4 of compute");
  const vars = debug.getByRole("group", { name: "Variables in scope" });
  await expect(vars).toContainText("total: 0");
  await expect(vars).toContainText("factor: 2");
  await expect(vars).toContainText("i: 0");
  await expect(vars).toContainText('n: "3"');
  // The step's code is shown with the line it waits at.
  await expect(page.getByRole("treeitem", { name: "compute" })).toHaveAttribute("aria-selected", "true");
  await expect(codeEditor(page).locator(".line-paused")).toHaveCount(1);
  await expect(page.getByTestId("line-breakpoints")).toContainText("paused at line 4");

  // Step (F10, from the code editor): the next line run is the same one, at the next iteration.
  await codeEditor(page).locator(".view-line", { hasText: "let total" }).click();
  await page.keyboard.press("F10");
  await expect(vars).toContainText("i: 1");
  await expect(vars).toContainText("total: 0");
  // Continue: the breakpoint pauses again, with the loop's variables moved on.
  await run.getByRole("button", { name: "Continue" }).click();
  await expect(vars).toContainText("i: 2");
  await expect(vars).toContainText("total: 2");
  // Removing the breakpoint while paused lets the run go to its end.
  await codeEditor(page).locator(".view-line", { hasText: "total += i * factor" }).click();
  await page.keyboard.press("F9");
  await expect(page.getByTestId("line-breakpoints")).toContainText("F9 or a click in the margin sets a breakpoint");
  // F8 continues, even from the code editor.
  await page.keyboard.press("F8");
  await expect(page.getByTestId("run-output")).toHaveText('{"result":6}');
});

test("Debug without a breakpoint pauses at the first step and says so; outputs go by step name", async ({
  page,
  atelier,
}) => {
  await openCalc(page, atelier);
  await selectInTree(page, "Calc");
  const run = page.getByRole("region", { name: "Run" });
  await expect(run.getByRole("button", { name: "Debug" })).toHaveAttribute("title", /at its first step/);
  await run.getByRole("button", { name: "Debug" }).click();
  const debug = page.getByRole("region", { name: "Debugger" });
  await expect(debug.getByTestId("paused-title")).toContainText("Paused before compute");
  await expect(debug).toContainText("No breakpoint in this sequence: the debugger pauses at its first step");

  await run.getByRole("button", { name: "Step" }).click();
  await expect(debug.getByTestId("paused-title")).toContainText("Paused before result");
  const outputs = debug.getByRole("group", { name: "Outputs in scope" });
  await expect(outputs).toContainText("compute: 6");
  await expect(outputs).not.toContainText(JS_ID);
  // The JavaScript's top-level let / const stay in scope for the steps after it.
  const vars = debug.getByRole("group", { name: "Variables in scope" });
  await expect(vars).toContainText("total: 6");
  await expect(vars).toContainText("factor: 2");
  await run.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByTestId("run-output")).toHaveText('{"result":6}');
});

test("durations leave the time paused out: the trace's figures are less than the pause", async ({ page, atelier }) => {
  await openCalc(page, atelier);
  await selectInTree(page, "compute");
  const editor = codeEditor(page);
  await editor.locator(".view-line", { hasText: "const factor" }).click();
  await page.keyboard.press("F9");
  await expect(page.getByTestId("line-breakpoints")).toContainText("Pauses at line 2");

  await selectInTree(page, "Calc");
  const run = page.getByRole("region", { name: "Run" });
  await run.getByRole("button", { name: "Debug" }).click();
  const debug = page.getByRole("region", { name: "Debugger" });
  await expect(debug.getByTestId("paused-title")).toContainText("Paused at line 2 of compute");
  const pausedAt = Date.now();
  // What a user does while paused: read the scope, look at the trace so far.
  await expect(debug.getByRole("group", { name: "Variables in scope" })).toContainText("total: 0");
  await page.getByRole("tab", { name: "Trace" }).click();
  await expect(page.getByRole("row", { name: "Trace compute" })).toBeVisible();
  await expect(codeEditor(page).locator(".line-paused")).toHaveCount(1);
  // The subject of this test is time: the pause lasts well beyond what the step's work takes
  // (a cold sandbox may take a few hundred ms), so that a duration counting it cannot pass.
  await expect.poll(() => Date.now() - pausedAt, { intervals: [100] }).toBeGreaterThanOrEqual(1500);
  await expect(debug.getByTestId("paused-title")).toContainText("Paused at line 2 of compute");
  const pausedMs = Date.now() - pausedAt;
  await run.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByTestId("run-output")).toHaveText('{"result":6}');

  const row = page.getByRole("row", { name: "Trace compute" });
  await expect(row).toContainText(/\d+ ms/);
  const stepMs = Number(/(\d+) ms/.exec((await row.textContent()) ?? "")![1]);
  expect(stepMs).toBeLessThan(pausedMs);
  const done = await run.getByRole("status").filter({ hasText: "Done" }).textContent();
  const runMs = Number(/in (\d+) ms/.exec(done ?? "")![1]);
  expect(runMs).toBeLessThan(pausedMs);
});
