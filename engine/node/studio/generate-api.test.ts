import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GeneratedApiSummary } from "../../common/api/generate-mapper.ts";
import type { ChangeResult, FlatNode, ProjectTree, WorkspaceInfo } from "../../common/studio/api.ts";
import { startAtelier, type RunningAtelier } from "../app.ts";
import { EngineLog } from "../log.ts";

let dir: string;
let app: RunningAtelier;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "atelier-generate-api-"));
  app = await startAtelier({
    workspaceDir: dir,
    port: 0,
    log: new EngineLog({ level: "silent" }),
    studio: { distDir: path.join(dir, "no-dist"), watch: false },
  });
});
afterAll(async () => {
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

async function call<T>(method: string, url: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(new URL(url, app.url), {
    method,
    headers: {
      authorization: `Bearer ${app.studio!.auth.token}`,
      "x-atelier-studio": "1",
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as T };
}

async function nodes(project: string): Promise<FlatNode[]> {
  return (await call<ProjectTree>("GET", `/api/studio/projects/${project}/tree`)).json.nodes;
}

async function create(parent: string, type: string, name: string, props: Record<string, unknown> = {}) {
  const r = await call<ChangeResult>("POST", "/api/studio/projects/Shop/objects", { parent, type, name, props });
  expect(r.status).toBe(200);
  return r.json.focus!.id;
}

describe("Generate REST API from sequences (Studio API)", () => {
  it("adds a mapper as one undoable change, served at once; again adds nothing", async () => {
    expect((await call("POST", "/api/studio/projects", { name: "Shop" })).status).toBe(200);
    const root = (await nodes("Shop")).find((n) => n.type === "Project")!;
    const get = await create(root.id, "Sequence", "GetGreeting");
    await create(get, "Variable", "name", { required: true });
    await create(get, "Element", "greeting", { expression: "'Hello, ' + name" });
    const save = await create(root.id, "Sequence", "SaveName");
    await create(save, "Variable", "name");
    await create(save, "SessionSet", "keep", { key: "name", expression: "name" });

    const r = await call<ChangeResult & GeneratedApiSummary>("POST", "/api/studio/projects/Shop/api/generate", {});
    expect(r.status).toBe(200);
    expect(r.json.created).toBe(true);
    expect(r.json.operations.map((o) => `${o.method} ${o.url}`)).toEqual([
      "GET /shop/greeting",
      "POST /shop/save-name",
    ]);
    const all = await nodes("Shop");
    const mapper = all.find((n) => n.type === "UrlMapper")!;
    expect(r.json.focus).toEqual({ project: "Shop", id: mapper.id });
    expect(all.filter((n) => n.type === "RestOperation").map((n) => n.props.method)).toEqual(["GET", "POST"]);
    expect(await readFile(path.join(dir, "Shop", "api", "api.yaml"), "utf8")).toContain("path: /greeting");
    expect(r.json.history.undoLabel).toContain("Generate REST API");

    const served = await fetch(new URL("/api/shop/greeting?name=Ada", app.url));
    expect(served.status).toBe(200);
    expect(await served.json()).toEqual({ greeting: "Hello, Ada" });

    const again = await call<ChangeResult & GeneratedApiSummary>("POST", "/api/studio/projects/Shop/api/generate", {});
    expect(again.json.operations).toEqual([]);
    expect(again.json.skipped.map((s) => s.reason)).toEqual([
      "already served by GET /shop/greeting",
      "already served by POST /shop/save-name",
    ]);
    expect(again.json.deltas).toEqual([]);

    expect((await call("POST", "/api/studio/undo", {})).status).toBe(200);
    expect((await nodes("Shop")).some((n) => n.type === "UrlMapper")).toBe(false);
  });

  it("tells the Studio where the REST APIs are served", async () => {
    const info = await call<WorkspaceInfo>("GET", "/api/studio/workspace");
    expect(info.json.restPrefix).toBe("/api");
  });

  it("refuses an unknown project", async () => {
    const r = await call<{ error: { code: string } }>("POST", "/api/studio/projects/Nope/api/generate", {});
    expect(r.status).toBe(404);
  });
});
