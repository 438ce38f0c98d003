import { cp, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expand, expect, test } from "./fixtures.ts";

const EXAMPLE_DEMO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../examples/workspace/Demo");

/** The runs the engine recorded (its runs file, one JSON line each). */
async function recordedRuns(dir: string): Promise<{ job: string; ok: boolean; manual?: boolean }[]> {
  const text = await readFile(path.join(dir, ".atelier", "job-runs.jsonl"), "utf8").catch(() => "");
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { job: string; ok: boolean; manual?: boolean });
}

test("schedule Demo.Greet every second from the Studio, see it run, pause it, run it now, remove it", async ({
  page,
  atelier,
}) => {
  await cp(EXAMPLE_DEMO, path.join(atelier.dir, "Demo"), { recursive: true });
  await atelier.open(page);

  // The Jobs tab of a workspace without jobs.
  await page.getByRole("tab", { name: "Jobs" }).click();
  await expect(page.getByTestId("jobs-empty")).toBeVisible();

  // "Schedule…" on the sequence opens the New job form with it chosen.
  await expand(page, "Demo");
  await page.getByRole("treeitem", { name: "Greet", exact: true }).click({ button: "right" });
  await page.getByRole("menuitem", { name: "Schedule…" }).click();
  const form = page.getByTestId("job-form");
  await expect(form.getByTestId("job-project")).toHaveValue("Demo");
  await expect(form.getByTestId("job-sequence")).toHaveValue("Greet");
  // The browser's time zone by default; the sequence's variable as an input row.
  const browserZone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
  await expect(form.getByTestId("job-timezone")).toHaveValue(browserZone);
  await expect(form.getByTestId("job-input-name-0")).toHaveValue("name");
  await expect(form.getByTestId("job-input-value-0")).toHaveAttribute("placeholder", "default: World");

  // A bad expression: the form says why, and so does the engine when asked anyway.
  await form.getByTestId("job-cron").fill("every second");
  await expect(form.getByTestId("job-cron-hint")).toContainText("2 fields");
  await form.getByTestId("job-create").click();
  await expect(form.getByTestId("job-form-error")).toContainText('cron: "every second" has 2 fields');

  await form.getByTestId("job-cron").fill("* * * * * *");
  await expect(form.getByTestId("job-cron-hint")).toContainText("every second");
  await expect(form.getByTestId("job-next-runs")).toContainText("next:");
  await form.getByTestId("job-input-value-0").fill("Ada");
  await form.getByTestId("job-create").click();
  await expect(form).toBeHidden();

  // The job in the Jobs tab; a scheduled run is recorded ok, with its duration.
  const row = page.getByTestId("job-Demo.Greet");
  await expect(row).toContainText("Demo.Greet");
  await expect(row).toContainText("every second");
  await expect(row).toContainText("name=Ada");
  await expect(row.getByTestId("job-last-state")).toHaveText("ok", { timeout: 15_000 });
  await expect(row.getByTestId("job-last")).toContainText(/\d+ ms/);
  const runs = page.getByTestId("job-runs");
  await expect(runs.getByTestId("job-run-row").first()).toContainText("scheduled");
  await expect(runs.getByTestId("job-run-row").first()).toContainText("ok");

  // Pause: no next run, and the engine stops running it.
  await row.getByTestId("job-pause").click();
  await expect(row.getByTestId("job-paused")).toBeVisible();
  await expect(row.getByTestId("job-next")).toHaveText("paused");
  await expect(row.getByTestId("job-running")).toBeHidden();
  const afterPause = (await recordedRuns(atelier.dir)).length;

  // Run now runs the paused job once and shows how it went.
  await row.getByTestId("job-run").click();
  await expect(row.getByTestId("job-run-result")).toContainText("ok in");
  await expect(runs.getByTestId("job-run-row").first()).toContainText("run now");
  const recorded = await recordedRuns(atelier.dir);
  expect(recorded).toHaveLength(afterPause + 1);
  expect(recorded.at(-1)).toMatchObject({ job: "Demo.Greet", ok: true, manual: true });

  // Remove (after a confirmation).
  await row.getByTestId("job-remove").click();
  await row.getByTestId("job-remove-confirm").click();
  await expect(row).toBeHidden();
  await expect(page.getByTestId("jobs-empty")).toBeVisible();
  const file = JSON.parse(await readFile(path.join(atelier.dir, ".atelier", "jobs.json"), "utf8")) as {
    jobs: unknown[];
  };
  expect(file.jobs).toEqual([]);
});
