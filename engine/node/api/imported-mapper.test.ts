/**
 * A Convertigo project's URL mapper, imported by the real importer (the published
 * c8oprj-urlmapper-demo mapper), served by a real engine: its paths, parameters and responses
 * answer as they were declared in Convertigo.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../engine.ts";
import { importConvertigo } from "../importer/import.ts";
import { EngineLog } from "../log.ts";
import { startServer, type RunningServer } from "../server/server.ts";

const DEMO = path.join(import.meta.dirname, "../importer/testdata/c8oprj-urlmapper-demo");
let dir: string;
let engine: Engine;
let server: RunningServer;
let base: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "atelier-imported-api-"));
  await importConvertigo(DEMO, dir, { env: {} });
  engine = await Engine.open({ workspaceDir: dir, log: new EngineLog({ level: "silent" }) });
  // The published project's sequences are not part of the test data: give the read one a body.
  const project = engine.project("UrlMapperDemo")!;
  const read = project.root.children.find((c) => c.name === "api_read_resource")!;
  read.children.push(
    {
      id: "t-if",
      type: "If",
      name: "missing",
      props: { condition: 'id == "404"' },
      children: [
        {
          id: "t-err",
          type: "Error",
          name: "nf",
          props: { code: "RESOURCE_NOT_FOUND", message: "Resource 404 was not found.", httpStatus: 404 },
          children: [],
        },
      ],
    },
    { id: "t-id", type: "Element", name: "id", props: { expression: "id" }, children: [] },
    { id: "t-key", type: "Element", name: "apiKey", props: { expression: "apiKey" }, children: [] },
  );
  engine.workspace.edited("UrlMapperDemo");
  server = await startServer(engine, { port: 0 });
  base = `${server.url}api/v1`;
});

afterAll(async () => {
  await server?.close();
  await engine?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("an imported Convertigo URL mapper, served", () => {
  it("serves its paths with their path and header parameters mapped to the variables", async () => {
    const res = await fetch(`${base}/resources/2`, { headers: { x_api_key: "k1" } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: "2", apiKey: "k1" });
  });

  it("answers the declared response of an error (//error[code='RESOURCE_NOT_FOUND'] → 404)", async () => {
    const res = await fetch(`${base}/resources/404`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ status: 404, code: "RESOURCE_NOT_FOUND" });
  });

  it("serves every imported operation's method, and refuses the others", async () => {
    expect((await fetch(`${base}/resources/2`, { method: "DELETE" })).status).toBe(200);
    const res = await fetch(`${base}/resources/2`, { method: "PATCH" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("DELETE, GET, PUT, HEAD, OPTIONS");
  });
});
