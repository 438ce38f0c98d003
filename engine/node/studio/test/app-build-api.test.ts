/**
 * The Studio's "Build app" (POST /api/studio/projects/:project/app/build), against a real engine:
 * a project's application generated and built by Vite, then served at /apps/<project>/; a project
 * that cannot be built answers 422 with why; the route needs the Studio's credentials.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppBuildSummary } from "../../../common/studio/routes.ts";
import { startAtelier, type RunningAtelier } from "../../app.ts";
import { EngineLog } from "../../log.ts";

let dir: string;
let app: RunningAtelier;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "atelier-app-build-api-"));
  await mkdir(path.join(dir, "Shop", "ui", "pages"), { recursive: true });
  await writeFile(path.join(dir, "Shop", "project.yaml"), "atelier: 1\ntype: Project\nname: Shop\nid: shopprojec01\n");
  await writeFile(
    path.join(dir, "Shop", "ui", "App.yaml"),
    "type: Application\nname: App\nid: shopapplic01\ntitle: Shop\nstartPage: Home\n",
  );
  await writeFile(
    path.join(dir, "Shop", "ui", "pages", "Home.yaml"),
    [
      "type: Page",
      "name: Home",
      "id: shophomepg01",
      "children:",
      "  - { type: Component, name: Hello, id: shophello001, component: Label, text: Hello from the Studio }",
      "",
    ].join("\n"),
  );
  await mkdir(path.join(dir, "Empty"));
  await writeFile(
    path.join(dir, "Empty", "project.yaml"),
    "atelier: 1\ntype: Project\nname: Empty\nid: emptyprojec1\n",
  );
  app = await startAtelier({
    workspaceDir: dir,
    port: 0,
    log: new EngineLog({ level: "silent" }),
    fullsync: false,
    studio: { distDir: path.join(dir, "no-dist"), watch: false, persistHistory: false },
  });
});

afterAll(async () => {
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

const build = (project: string, auth = true) =>
  fetch(new URL(`/api/studio/projects/${project}/app/build`, app.url), {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-atelier-studio": "1",
      ...(auth ? { authorization: `Bearer ${app.studio!.auth.token}` } : {}),
    },
    body: "{}",
  });

describe("POST /api/studio/projects/:project/app/build", () => {
  it("builds the app, which the engine then serves", async () => {
    const res = await build("Shop");
    expect(res.status).toBe(200);
    const r = (await res.json()) as AppBuildSummary;
    expect(r.url).toBe("/apps/Shop/");
    expect(r.files).toBeGreaterThan(2);
    expect(r.lines.at(-1)).toMatch(/^Built \/apps\/Shop\/ in \d+ ms/);
    const page = await fetch(new URL(r.url, app.url));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<title>Shop</title>");
  });

  it("says why a project cannot be built, and refuses strangers", async () => {
    const res = await build("Empty");
    expect(res.status).toBe(422);
    const body = JSON.stringify(await res.json());
    expect(body).toMatch(/has no app to build/);
    expect((await build("Nope")).status).toBe(404);
    expect((await build("Shop", false)).status).toBe(401);
  });
});
