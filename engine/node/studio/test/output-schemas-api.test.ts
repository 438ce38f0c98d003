/**
 * The run schemas through the Studio API (GET /api/studio/outputSchemas/:project) and across
 * restarts (`<workspace>/.atelier/output-schemas.json`), against a real engine on a copy of the
 * Demo project: a run's shape is answered, kept when the engine closes, read back by the next
 * one; a corrupt file is ignored with a warning; the file stays bounded and is written atomically.
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { JsonSchema } from "../../../common/model/json-schema.ts";
import { OutputSchemas } from "../../api/output-schemas.ts";
import { outputSchemasFile, OutputSchemasSaver, saveOutputSchemas } from "../../api/output-schemas-file.ts";
import { startAtelier, type RunningAtelier } from "../../app.ts";
import { Engine } from "../../engine.ts";
import { EngineLog } from "../../log.ts";

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../../examples/workspace");

let dir: string;
let app: RunningAtelier | undefined;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "atelier-output-schemas-"));
  await cp(path.join(EXAMPLES, "Demo"), path.join(dir, "Demo"), { recursive: true });
});

afterEach(async () => {
  await app?.close();
  app = undefined;
  await rm(dir, { recursive: true, force: true });
});

const start = () =>
  startAtelier({
    workspaceDir: dir,
    port: 0,
    log: new EngineLog({ level: "silent" }),
    fullsync: false,
    studio: { distDir: path.join(dir, "no-dist"), watch: false, persistHistory: false },
  });

async function get(project: string, auth = true): Promise<{ status: number; body: unknown }> {
  const res = await fetch(new URL(`/api/studio/outputSchemas/${project}`, app!.url), {
    headers: auth ? { authorization: `Bearer ${app!.studio!.auth.token}`, "x-atelier-studio": "1" } : {},
  });
  return { status: res.status, body: await res.json() };
}

const GREETING: JsonSchema = { type: "object", properties: { greeting: { type: "string" } }, required: ["greeting"] };

describe("GET /api/studio/outputSchemas/:project", () => {
  it("answers the shapes of the project's runs, keeps them across a restart", async () => {
    app = await start();
    expect(await get("Demo")).toEqual({ status: 200, body: {} });
    const run = await app.engine.run({ project: "Demo", sequence: "Greet", inputs: { name: "Ada" } });
    expect(run.ok).toBe(true);
    await app.engine.run({ project: "Demo", sequence: "SumList", inputs: { n: ["1", "2.5"] } });
    // A failed run says nothing of the output.
    await app.engine.run({ project: "Demo", sequence: "Fail", inputs: {} });
    const answered = await get("Demo");
    expect(answered.status).toBe(200);
    expect(answered.body).toEqual({
      "Demo/Greet": GREETING,
      "Demo/SumList": {
        type: "object",
        properties: { count: { type: "integer" }, sum: { type: "number" } },
        required: ["count", "sum"],
      },
    });
    expect(JSON.stringify(answered.body)).not.toContain("Ada");
    expect((await get("Nope")).status).toBe(404);
    expect((await get("Demo", false)).status).toBe(401);

    // Closing writes the file; the next engine answers the same before any run.
    await app.close();
    app = undefined;
    const saved = JSON.parse(await readFile(outputSchemasFile(dir), "utf8")) as { version: number; schemas: unknown[] };
    expect(saved.version).toBe(1);
    expect(saved.schemas).toContainEqual({ key: "Demo/Greet", samples: 1, schema: GREETING });
    app = await start();
    expect((await get("Demo")).body).toEqual(answered.body);
    expect(app.engine.outputSchemas.samples("Demo/Greet")).toBe(1);
    // No temporary file is left behind.
    expect((await readdir(path.dirname(outputSchemasFile(dir)))).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("ignores a corrupt file with a warning, and starts", async () => {
    const file = outputSchemasFile(dir);
    await mkdir(path.dirname(file), { recursive: true });
    for (const bad of ['{"version": 1, "schemas": [', '{"version": 2}', "[1, 2]"]) {
      await writeFile(file, bad);
      app = await start();
      expect((await get("Demo")).body).toEqual({});
      expect(app.engine.log.recent().map((r) => r.message)).toContainEqual(
        expect.stringMatching(/output-schemas\.json: ignored, .*start empty/),
      );
      await app.close();
      app = undefined;
    }
    // Entries of a wrong shape are left out, the others kept.
    await writeFile(
      file,
      JSON.stringify({
        version: 1,
        schemas: [
          { key: "Demo/Greet", samples: 2, schema: GREETING },
          { key: "Demo/Bad", samples: "x", schema: 1 },
        ],
      }),
    );
    app = await start();
    expect((await get("Demo")).body).toEqual({ "Demo/Greet": GREETING });
    expect(app.engine.log.recent().map((r) => r.message)).toContainEqual(
      expect.stringMatching(/1 entr\(ies\) of a wrong shape ignored/),
    );
  });
});

describe("output-schemas.json", () => {
  it("is bounded: the least recently sampled are left out beyond the size", async () => {
    const store = new OutputSchemas();
    for (let i = 0; i < 50; i++) store.record(`P/S${i}`, { [`field${i}`]: i, other: "x" });
    const file = path.join(dir, "out.json");
    await saveOutputSchemas(file, store, 2000);
    const text = await readFile(file, "utf8");
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(2000);
    const keys = (JSON.parse(text) as { schemas: { key: string }[] }).schemas.map((e) => e.key);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.at(-1)).toBe("P/S49");
    expect(keys).not.toContain("P/S0");
  });

  it("is written again only when the schemas changed", async () => {
    const store = new OutputSchemas();
    const file = path.join(dir, "out.json");
    const saver = new OutputSchemasSaver(file, store, new EngineLog({ level: "silent" }), 3_600_000);
    await saver.flush();
    await expect(readFile(file, "utf8")).rejects.toThrow(/ENOENT/);
    store.record("P/S", { a: 1 });
    await saver.flush();
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({
      version: 1,
      schemas: [
        { key: "P/S", samples: 1, schema: { type: "object", properties: { a: { type: "integer" } }, required: ["a"] } },
      ],
    });
    await rm(file);
    await saver.close();
    await expect(readFile(file, "utf8")).rejects.toThrow(/ENOENT/);
    store.forget("P");
    await saver.flush();
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({ version: 1, schemas: [] });
  });

  it("is not written by the one-shot runs of given project folders (atelier run, test)", async () => {
    const engine = await Engine.open({
      workspaceDir: dir,
      projectDirs: [path.join(dir, "Demo")],
      warmSandbox: false,
      log: new EngineLog({ level: "silent" }),
    });
    expect((await engine.run({ project: "Demo", sequence: "Greet", inputs: {} })).ok).toBe(true);
    await engine.close();
    await expect(readFile(outputSchemasFile(dir), "utf8")).rejects.toThrow(/ENOENT/);
  });
});
