/**
 * The UI builder's catalogues through the Studio API (GET /api/studio/ui/catalogue), against a real
 * engine on an empty workspace: both catalogues, as JSON, for a signed-in Studio window only.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uiActions } from "../../../common/ui/actions.ts";
import { uiComponents } from "../../../common/ui/catalogue.ts";
import type { UiCatalogue } from "../../../common/ui/ui-catalogue.ts";
import { startAtelier, type RunningAtelier } from "../../app.ts";
import { EngineLog } from "../../log.ts";

let dir: string;
let app: RunningAtelier;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "atelier-ui-catalogue-"));
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

const url = () => new URL("/api/studio/ui/catalogue", app.url);

describe("GET /api/studio/ui/catalogue", () => {
  it("answers both catalogues", async () => {
    const res = await fetch(url(), {
      headers: { authorization: `Bearer ${app.studio!.auth.token}`, "x-atelier-studio": "1" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await res.json()) as UiCatalogue;
    expect(body.components).toEqual(JSON.parse(JSON.stringify(uiComponents)));
    expect(body.actions).toEqual(JSON.parse(JSON.stringify(uiActions)));
    const button = body.components.find((c) => c.name === "Button");
    expect(button?.render.ionic).toBe("IonButton");
    expect(button?.events.click?.react).toBe("onClick");
    expect(body.actions.map((a) => a.name)).toContain("CallSequence");
  });

  it("is refused without the Studio's credentials", async () => {
    expect((await fetch(url(), { headers: { "x-atelier-studio": "1" } })).status).toBe(401);
    const noHeader = await fetch(url(), { headers: { authorization: `Bearer ${app.studio!.auth.token}` } });
    expect([401, 403]).toContain(noHeader.status);
  });
});
