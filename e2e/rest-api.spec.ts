import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expand, expect, selectInTree, test } from "./fixtures.ts";

// The REST API in the Studio, on the example project Demo: generate it from the sequences, see
// its operations in the tree (GET for reads, POST for a sequence that may write), then "Try it"
// on an operation: the engine serves it at once under /api.

const EXAMPLE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../examples/workspace/Demo");

/** The example project's files, to seed the workspace with, without its REST API (made here). */
async function demo(): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const rel of await readdir(EXAMPLE, { recursive: true })) {
    if (rel.split(path.sep)[0] === "api") continue;
    const text = await readFile(path.join(EXAMPLE, rel), "utf8").catch(() => undefined);
    if (text !== undefined) files[path.join("Demo", rel)] = text;
  }
  return files;
}

test("Demo: generate a REST API from the sequences, then try an operation", async ({ page, atelier }) => {
  await atelier.start(await demo());
  await atelier.open(page);
  await selectInTree(page, "Demo");

  // Generate: the new REST API is selected, its file written.
  const props = page.getByRole("region", { name: "Properties" });
  await props.getByRole("button", { name: "Generate REST API from sequences" }).click();
  await expect(
    page.getByRole("status").filter({ hasText: 'REST API "api" made for Demo at /demo: 4 operations (3 GET, 1 POST)' }),
  ).toBeVisible();
  await expect(page.getByRole("treeitem", { name: "api", exact: true, selected: true })).toBeVisible();
  await expect
    .poll(() => readFile(path.join(atelier.dir, "Demo", "api", "api.yaml"), "utf8").catch(() => ""))
    .toContain("path: /greet");

  // Its paths: one per Public sequence (Secret is Private), SumList (Sequence JS) is a POST.
  await expand(page, "api");
  for (const p of ["/fail", "/items", "/greet", "/sum-list"])
    await expect(page.getByRole("treeitem", { name: p, exact: true })).toBeVisible();
  await expect(page.getByRole("treeitem", { name: "/secret", exact: true })).toHaveCount(0);
  await expand(page, "/sum-list");
  await page.getByRole("treeitem", { name: "SumList", exact: true }).last().click();
  await expect(props.getByLabel("Method", { exact: true })).toHaveValue("POST");

  // Try it: GET /api/demo/greet?name=Ada answers the sequence's output.
  await expand(page, "/greet");
  await page.getByRole("treeitem", { name: "Greet", exact: true }).last().click();
  await expect(props.getByLabel("Method", { exact: true })).toHaveValue("GET");
  const tryIt = props.getByRole("region", { name: "Try it" });
  await expect(tryIt.getByLabel("Request")).toHaveText("GET /api/demo/greet");
  await tryIt.getByLabel(/^name/).fill("Ada");
  await expect(tryIt.getByLabel("Request")).toHaveText("GET /api/demo/greet?name=Ada");
  await tryIt.getByRole("button", { name: "Send" }).click();
  const answer = tryIt.getByLabel("Response");
  await expect(answer.locator("[data-status]")).toHaveText(/^200\b/);
  await expect(answer.getByLabel("Body")).toHaveText('{\n  "greeting": "Hello, Ada!"\n}');
  await expect(answer).toContainText(/\d+ ms/);
  await answer.getByText(/^Headers/).click();
  await expect(answer.getByRole("cell", { name: /application\/json/ })).toBeVisible();

  // A failure is shown plainly: Fail's error, as an RFC 9457 problem.
  await expand(page, "/fail");
  await page.getByRole("treeitem", { name: "Fail", exact: true }).last().click();
  await props.getByRole("region", { name: "Try it" }).getByRole("button", { name: "Send" }).click();
  const failed = props.getByRole("region", { name: "Try it" }).getByLabel("Response");
  await expect(failed.locator("[data-status]")).toHaveText(/^[45]\d\d\b/);
  await expect(failed.getByLabel("Body")).toContainText('"status"');
});
