import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "./fixtures.ts";

// The REST API's documentation page (/api/docs, Swagger UI served by the engine under a strict
// CSP) in Chromium, on the example project Demo and its REST API: the operations are listed, and
// "Try it out" calls the real engine.

const EXAMPLE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../examples/workspace/Demo");

async function demo(): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const rel of await readdir(EXAMPLE, { recursive: true })) {
    const text = await readFile(path.join(EXAMPLE, rel), "utf8").catch(() => undefined);
    if (text !== undefined) files[path.join("Demo", rel)] = text;
  }
  return files;
}

test("the REST API's docs page lists the operations and tries one against the engine", async ({ page, atelier }) => {
  await atelier.start(await demo());
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  const origin = new URL(atelier.studioUrl).origin;
  await page.goto(`${origin}/api/docs`);

  // Swagger UI rendered the document: the API's title and its operations.
  await expect(page.getByRole("heading", { name: /Demo API/ })).toBeVisible();
  const greet = page.locator(".opblock").filter({ hasText: "/demo/greetings/{name}" });
  await expect(greet).toBeVisible();
  await expect(page.locator(".opblock").filter({ hasText: "/demo/sum" })).toBeVisible();
  await expect(page.locator(".opblock").filter({ hasText: "/demo/secret" })).toHaveCount(0); // Private

  // Try it out: the page calls GET /api/demo/greetings/Ada on the engine.
  await greet.locator(".opblock-summary").click();
  await greet.getByRole("button", { name: "Try it out" }).click();
  await greet.locator('input[placeholder="name"]').fill("Ada");
  await greet.getByRole("button", { name: "Execute" }).click();
  const live = greet.locator(".live-responses-table tbody");
  await expect(live.locator(".response-col_status").first()).toContainText("200");
  await expect(live.locator(".response-col_description").first()).toContainText("Hello, Ada!");
  // No script of the page was refused by the CSP, nothing failed.
  expect(errors.filter((e) => !/favicon/.test(e))).toEqual([]);
});
