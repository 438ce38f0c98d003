import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "./fixtures.ts";
import { addAdminUser, createPsc, startServerProcess, type ServerProcess } from "./server-process.ts";

const EXAMPLE_DEMO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../examples/workspace/Demo");
const PASSWORD = "correct horse battery staple";

/** Greet with a given greeting word and a Log step, so the server's log has lines of Demo. */
async function setGreeting(demoDir: string, word: string): Promise<void> {
  const file = path.join(demoDir, "sequences", "Greet.yaml");
  let text = await readFile(file, "utf8");
  text = text.replace(/'"[A-Za-z]+, "/, `'"${word}, "`);
  if (!text.includes("stgreetlog01")) {
    text = text.replace(
      "  - type: TestCase",
      [
        "  - type: Log",
        "    name: note",
        "    id: stgreetlog01",
        `    expression: '"Greeting " + name'`,
        "  - type: TestCase",
      ].join("\n"),
    );
  }
  await writeFile(file, text);
}

async function greet(serverUrl: string, name: string): Promise<unknown> {
  const res = await fetch(new URL(`projects/Demo/.json?__sequence=Greet&name=${name}`, serverUrl));
  expect(res.status).toBe(200);
  return res.json();
}

test("deploy Demo from the Studio to a real server, deploy again, roll back, read its log", async ({
  page,
  atelier,
}) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "atelier-e2e-server-"));
  let server: ServerProcess | undefined;
  try {
    const demo = path.join(atelier.dir, "Demo");
    await cp(EXAMPLE_DEMO, demo, { recursive: true });
    await setGreeting(demo, "Hello");
    // The server, its admin user and the Studio's engine start side by side.
    [server] = await Promise.all([
      startServerProcess(dataDir),
      addAdminUser(dataDir, "ada", PASSWORD),
      atelier.start(),
    ]);
    const psc = await createPsc(dataDir, "ada", server.url);
    await atelier.open(page);

    // Deploy… from the project's context menu; the PSC is pasted in the dialog.
    await page.getByRole("treeitem", { name: "Demo", exact: true }).click({ button: "right" });
    await page.getByRole("menuitem", { name: "Deploy…" }).click();
    const dialog = page.getByTestId("deploy-dialog");
    await expect(dialog.getByTestId("deploy-project")).toHaveValue("Demo");
    await dialog.getByTestId("psc-input").fill("atlpsc1_not-a-real-one");
    await dialog.getByTestId("psc-import").click();
    await expect(dialog.getByTestId("psc-error")).toContainText("refused");
    await dialog.getByTestId("psc-input").fill(psc);
    await dialog.getByTestId("psc-import").click();
    const imported = dialog.getByTestId("psc-result");
    await expect(imported).toContainText(server.url);
    await expect(imported).toContainText("ada");
    await expect(imported).toContainText("all projects");
    await expect(imported).toContainText(/expires .* \(in 89 days\)|expires .* \(in 90 days\)/);
    await expect(dialog.getByRole("radio")).toBeChecked();
    await dialog.getByTestId("deploy-start").click();
    await expect(dialog.getByTestId("deploy-steps")).toBeVisible();
    await expect(dialog.getByTestId("deploy-version")).toHaveText("version 1", { timeout: 20_000 });
    const projectUrl = new URL("projects/Demo/", server.url).toString();
    await expect(dialog.getByTestId("deploy-url")).toHaveAttribute("href", projectUrl);
    expect(await greet(server.url, "Ada")).toMatchObject({ greeting: "Hello, Ada!" });

    // A changed project deployed again from the toolbar: the target used last is preselected.
    await setGreeting(demo, "Hi");
    await dialog.getByRole("button", { name: "Close" }).click();
    await page.getByTestId("toolbar-deploy").click();
    await expect(dialog.getByTestId("deploy-project")).toHaveValue("Demo");
    await expect(dialog.getByRole("radio")).toBeChecked();
    await dialog.getByTestId("deploy-start").click();
    await expect(dialog.getByTestId("deploy-version")).toHaveText("version 2", { timeout: 20_000 });
    await expect(dialog.getByTestId("deploy-done")).toContainText("replaces version 1");
    expect(await greet(server.url, "Ada")).toMatchObject({ greeting: "Hi, Ada!" });

    // The Servers view: both versions with who deployed them; roll back to 1.
    await dialog.getByTestId("deploy-open-servers").click();
    await expect(dialog).toBeHidden();
    const servers = page.getByTestId("servers-view");
    await expect(servers.getByTestId("server-info")).toContainText("Atelier");
    await expect(servers.getByTestId("server-info")).toContainText("HTTP (not encrypted)");
    await expect(servers.getByTestId("server-current-Demo")).toHaveText("version 2");
    await expect(servers.getByTestId("version-row-1")).toContainText("ada");
    await expect(servers.getByTestId("version-row-2")).toContainText("ada");
    await expect(servers.getByTestId("version-row-2")).toContainText("current");
    await expect(servers.getByTestId("rollback-version")).toHaveValue("");
    await servers.getByTestId("rollback").click();
    await servers.getByTestId("rollback-confirm").click();
    await expect(servers.getByTestId("server-current-Demo")).toHaveText(/^version 1/);
    await expect(servers.getByTestId("version-row-1")).toContainText("current");
    expect(await greet(server.url, "Bob")).toMatchObject({ greeting: "Hello, Bob!" });

    // The project's last log lines on the server, refreshed.
    await servers.getByTestId("project-tab-logs").click();
    const lines = servers.getByTestId("server-log-line");
    await expect(lines.filter({ hasText: "Greeting Ada" }).first()).toBeVisible();
    expect(await greet(server.url, "Cy")).toMatchObject({ greeting: "Hello, Cy!" });
    await servers.getByTestId("logs-refresh").click();
    await expect(lines.filter({ hasText: "Greeting Cy" })).toHaveCount(1);

    // Setting values on the server: a secret one is never shown back.
    await servers.getByTestId("project-tab-settings").click();
    await servers.getByLabel("Setting name").fill("apiToken");
    await servers.getByLabel("Setting value").fill("s3cret-value");
    await servers.getByLabel("secret").check();
    await servers.getByRole("button", { name: "Set", exact: true }).click();
    await expect(servers.getByTestId("server-setting-apiToken")).toContainText("••••");
    await expect(servers).not.toContainText("s3cret-value");

    // The server moves on behind the Studio's back (its admin API, with the same PSC): the next
    // deploy is refused as a conflict naming who deployed, and "Deploy anyway" replaces it.
    const forward = await fetch(new URL("admin/api/projects/Demo/rollback", server.url), {
      method: "POST",
      headers: { authorization: `Bearer ${psc}`, "content-type": "application/json" },
      body: JSON.stringify({ to: 2 }),
    });
    expect(forward.status).toBe(200);
    await page.getByTestId("toolbar-deploy").click();
    await dialog.getByTestId("deploy-start").click();
    await expect(dialog.getByTestId("deploy-conflict")).toContainText("at version 2, deployed by ada");
    await dialog.getByTestId("deploy-force").click();
    await expect(dialog.getByTestId("deploy-version")).toHaveText("version 3", { timeout: 20_000 });
    await dialog.getByRole("button", { name: "Close" }).click();

    // The audit log names the deploys and the rollback.
    await servers.getByTestId("server-tab-audit").click();
    await expect(servers.getByTestId("server-audit")).toContainText("ada deploy Demo v3");
    await expect(servers.getByTestId("server-audit")).toContainText("ada rollback Demo");

    // A server that stopped: the view says why in the engine's words.
    await server.stop();
    await servers.getByTestId("server-refresh").click();
    await expect(servers.getByTestId("server-error")).toBeVisible();
  } finally {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});
