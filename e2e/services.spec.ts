import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expand, expect, selectInTree, shopProject, test } from "./fixtures.ts";
import { stopChild } from "./server-process.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** `npm start` in the browser mode on a workspace (bin/start.js), answering the Studio URL it prints. */
async function npmStart(workspace: string, configDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [path.join(repoRoot, "bin/start.js"), "--browser"], {
    cwd: repoRoot,
    env: {
      ...process.env,
      ATELIER_WORKSPACE: workspace,
      ATELIER_CONFIG_DIR: configDir,
      ATELIER_SKIP_RENDERER_BUILD: "1",
      ATELIER_LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`npm start printed no Studio URL in 30 s:\n${out}`)), 30_000);
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /Atelier Studio: (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  return { child, url };
}

/** Sequences added to the Shop project: a private one, and one that fails at a step. */
const extraSequences = {
  "Shop/sequences/Internal.yaml": `type: Sequence
name: Internal
id: seqinternal1
accessibility: Private
`,
  "Shop/sequences/Broken.yaml": `type: Sequence
name: Broken
id: seqbroken001
children:
  - type: Element
    name: boom
    id: stboom000001
    expression: "null.x"
`,
};

test("a sequence shows its endpoint: URL and curl with the Run panel's inputs, a real HTTP call, Private said", async ({
  page,
  context,
  atelier,
  upstream,
}) => {
  await atelier.start({ ...shopProject(upstream.port), ...extraSequences });
  await atelier.open(page);
  const origin = new URL(atelier.studioUrl).origin;
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin });
  await expand(page, "Shop");
  await selectInTree(page, "Lookup");

  const run = page.getByRole("region", { name: "Run" });
  const endpoint = run.getByRole("region", { name: "Endpoint" });
  await expect(run.getByTestId("endpoint-access")).toHaveText("Public");
  await expect(endpoint.getByTestId("endpoint-url")).toHaveText(`${origin}/projects/Shop/.json?__sequence=Lookup`);

  // The Run panel's inputs go into the URL and the curl command.
  await run.getByLabel("item").fill("42");
  const url = `${origin}/projects/Shop/.json?__sequence=Lookup&item=42`;
  await expect(endpoint.getByTestId("endpoint-url")).toHaveText(url);
  await endpoint.getByRole("button", { name: "Copy as curl" }).click();
  const curl = `curl '${url}'`;
  await expect(run.locator("details.endpoint")).toHaveAttribute("data-copied", curl);
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(curl);
  // The copied URL works as it is.
  const direct = await fetch(url);
  expect(await direct.json()).toEqual({ title: "Item 42" });

  // Call over HTTP: through the Convertigo API, answer shown.
  await endpoint.getByRole("button", { name: "Call over HTTP" }).click();
  const call = endpoint.getByTestId("endpoint-call");
  await expect(call.getByRole("status")).toContainText("HTTP 200");
  await expect(call.getByRole("group", { name: "HTTP answer" })).toContainText("Item 42");

  // A private sequence says it cannot be called over HTTP.
  await selectInTree(page, "Internal");
  await expect(run.getByTestId("endpoint-access")).toHaveText("Private");
  await expect(endpoint).toContainText("not callable over HTTP");
  await expect(endpoint.getByRole("button", { name: "Call over HTTP" })).toBeDisabled();

  // The engine's root page lists the projects and links the Studio, without its token.
  const root = await (await fetch(`${origin}/`)).text();
  expect(root).toContain('<a href="/projects/Shop/.json?__sequence=Lookup">Lookup</a>');
  expect(root).toContain('href="/studio/"');
  expect(root).not.toContain(new URL(atelier.studioUrl).searchParams.get("token")!);

  // The engine's status is always in the top bar.
  await expect(page.getByRole("status", { name: "Engine status" })).toContainText("Engine up");
});

test("the request history: calls with status, user and run, filtered, their trace a click away; no secret", async ({
  page,
  atelier,
  upstream,
}) => {
  await atelier.start(shopProject(upstream.port));
  await atelier.open(page);
  const origin = new URL(atelier.studioUrl).origin;
  await page.getByRole("tab", { name: "Requests" }).click();
  await expect(page.getByText("No HTTP call yet")).toBeVisible();
  // The box ticks at once; the calls below must wait for the engine's answer, not the box.
  const tracingOn = page.waitForResponse(
    (r) => r.url().endsWith("/requests/tracing") && r.request().method() === "PUT" && r.ok(),
  );
  await page.getByLabel("Record traces").check();
  await tracingOn;
  await expect(page.getByLabel("Record traces")).toBeChecked();

  const secret = "Bearer s3cr3t-t0ken";
  const ok = await fetch(`${origin}/projects/Shop/.json?__sequence=Lookup&item=3&password=hunter2`, {
    headers: { authorization: secret },
  });
  expect(ok.status).toBe(200);
  expect((await fetch(`${origin}/projects/Shop/.json?__sequence=Nope`)).status).toBe(404);

  const table = page.getByRole("table", { name: "Requests" });
  await expect(table.getByRole("row")).toHaveCount(3);
  const lookup = table.getByRole("row", { name: /Lookup 200/ });
  await expect(lookup).toContainText("GET /projects/Shop/.json");
  await expect(lookup).toContainText("⋯trace");
  await expect(table.getByRole("row", { name: /Nope 404/ })).toContainText("unknown_sequence");

  // Filters: by status, by text.
  await page.getByLabel("Filter by status").selectOption("failed");
  await expect(table.getByRole("row")).toHaveCount(2);
  await expect(table.getByRole("row", { name: /Nope 404/ })).toBeVisible();
  await page.getByLabel("Filter by status").selectOption("");
  await page.getByLabel("Filter requests").fill("lookup");
  await expect(table.getByRole("row")).toHaveCount(2);

  // A click shows the call's trace in the trace view.
  await table.getByRole("row", { name: /Lookup 200/ }).click();
  const detail = page.getByRole("region", { name: "Request detail" });
  const trace = detail.getByRole("table", { name: "Request trace" });
  await expect(trace.getByRole("row", { name: "Trace Fetch" })).toBeVisible();
  await expect(trace.getByRole("row", { name: "Trace title" })).toBeVisible();

  // Neither the query's values nor the Authorization header are kept.
  const text = await page.locator(".requests").innerText();
  expect(text).not.toContain("hunter2");
  expect(text).not.toContain("s3cr3t");

  // Cleared, it starts again.
  await page.getByRole("button", { name: "Clear", exact: true }).click();
  await page.getByLabel("Filter requests").fill("");
  await expect(page.getByText("No HTTP call yet")).toBeVisible();
});

test("a run's failure mark leaves the tree once the step is edited; another sequence's result is not shown", async ({
  page,
  atelier,
  upstream,
}) => {
  await atelier.start({ ...shopProject(upstream.port), ...extraSequences });
  await atelier.open(page);
  await expand(page, "Shop");
  await expand(page, "Broken");
  await selectInTree(page, "Broken");
  const run = page.getByRole("region", { name: "Run" });
  await run.getByRole("button", { name: "Run", exact: true }).click();
  await expect(run.getByRole("status").filter({ hasText: "Failed" })).toBeVisible();
  const boom = page.getByRole("treeitem", { name: "boom", exact: true });
  await expect(boom).toHaveClass(/run-error/);

  // Another sequence: the Run panel no longer shows Broken's result.
  await selectInTree(page, "Lookup");
  await expect(run.getByRole("status").filter({ hasText: "Failed" })).toHaveCount(0);
  await selectInTree(page, "Broken");
  await expect(run.getByRole("status").filter({ hasText: "Failed" })).toBeVisible();

  // Editing the failing step takes its mark away.
  await selectInTree(page, "boom");
  const props = page.getByRole("region", { name: "Properties" });
  await props.getByLabel("Comment").fill("fixing");
  await props.getByLabel("Comment").blur();
  await expect(boom).not.toHaveClass(/run-error/);
});

test("npm start again: the same port and session, the open page reconnects by itself", async ({ page, atelier }) => {
  await mkdir(path.join(atelier.dir, "Shop"), { recursive: true });
  await writeFile(
    path.join(atelier.dir, "Shop/project.yaml"),
    "atelier: 1\ntype: Project\nname: Shop\nid: shopproject1\n",
  );
  let engine = await npmStart(atelier.dir, atelier.configDir);
  try {
    await page.goto(engine.url);
    await expect(page.getByRole("tree", { name: "Workspace" })).toBeVisible();
    const status = page.getByRole("status", { name: "Engine status" });
    await expect(status).toContainText("Engine up");
    await expect(status).toHaveAttribute(
      "title",
      new RegExp(`Workspace: ${atelier.dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`),
    );

    await stopChild(engine.child);
    await expect(status).toHaveAttribute("data-state", "reconnecting");
    const first = engine.url;
    engine = await npmStart(atelier.dir, atelier.configDir);
    expect(engine.url).toBe(first);
    // No reload: the events stream comes back, signed in (same port, same token).
    await expect(status).toHaveAttribute("data-state", "connected", { timeout: 20_000 });
    // The API answers this window (the Requests tab asks the engine).
    await page.getByRole("tab", { name: "Requests" }).click();
    await expect(page.getByText("No HTTP call yet")).toBeVisible();
  } finally {
    await stopChild(engine.child);
  }
});
