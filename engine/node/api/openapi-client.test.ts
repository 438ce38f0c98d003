/**
 * The example workspace's REST APIs through a client generated from their own OpenAPI document:
 * the served document validates as OpenAPI 3.1, openapi-typescript turns it into types, a
 * program using openapi-fetch with those types compiles (a wrong call does not), and the same
 * program calls the real engine and gets the sequences' answers.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { cp, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../engine.ts";
import { EngineLog } from "../log.ts";
import { startServer, type RunningServer } from "../server/server.ts";

const ROOT = path.resolve(import.meta.dirname, "../../..");
let dir: string;
let engine: Engine;
let server: RunningServer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "atelier-openapi-client-"));
  const ws = path.join(dir, "workspace");
  for (const p of ["Demo", "SqlDemo"])
    await cp(path.join(ROOT, "examples/workspace", p), path.join(ws, p), { recursive: true });
  engine = await Engine.open({ workspaceDir: ws, log: new EngineLog({ level: "silent" }) });
  server = await startServer(engine, { port: 0 });
  // The generated client's folder resolves openapi-fetch from the repository's packages.
  await symlink(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
});

afterAll(async () => {
  await server?.close();
  await engine?.close();
  await rm(dir, { recursive: true, force: true });
});

const CLIENT = `import createClient from "openapi-fetch";
import type { paths } from "./api-types.ts";

export async function calls(baseUrl: string) {
  const api = createClient<paths>({ baseUrl });
  const greeting = await api.GET("/demo/greetings/{name}", { params: { path: { name: "Ada" } } });
  const sum = await api.GET("/demo/sum", { params: { query: { n: [1, 2.5] } } });
  const note = await api.POST("/notes", { body: { author: "ada", text: "typed" } });
  const notes = await api.GET("/notes", { params: { query: { author: ["ada"] } } });
  const failure = await api.GET("/demo/failure");
  return {
    greeting: greeting.data,
    sum: sum.data,
    note: { status: note.response.status, data: note.data },
    notes: notes.data,
    failure: { status: failure.response.status, error: failure.error },
  };
}
`;

/** Type-checks the files in one program; answers the problems by file name. */
async function compile(files: string[]): Promise<Record<string, string[]>> {
  const { default: ts } = await import("typescript");
  const program = ts.createProgram(files, {
    noEmit: true,
    strict: true,
    allowImportingTsExtensions: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
    types: [],
  });
  const out: Record<string, string[]> = {};
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const file = d.file ? path.basename(d.file.fileName) : "";
    (out[file] ??= []).push(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  }
  return out;
}

describe("a client generated from the OpenAPI document", () => {
  it("validates, compiles, refuses a wrong call at compile time, and calls the engine", async () => {
    const doc = (await (await fetch(`${server.url}api/openapi.json`)).json()) as Record<string, unknown>;
    const validation = await new Validator().validate(doc);
    expect(validation.errors ?? []).toEqual([]);
    expect(validation.valid).toBe(true);
    expect(Object.keys(doc.paths as object).sort()).toEqual([
      "/demo/failure",
      "/demo/greetings/{name}",
      "/demo/sum",
      "/notes",
    ]);

    await writeFile(path.join(dir, "api-types.ts"), astToString(await openapiTS(doc as never)));
    await writeFile(path.join(dir, "client.ts"), CLIENT);
    // The types are the API's: a path parameter of another name does not compile.
    await writeFile(
      path.join(dir, "wrong.ts"),
      CLIENT.replace('{ path: { name: "Ada" } }', '{ path: { nom: "Ada" } }'),
    );
    const problems = await compile([path.join(dir, "client.ts"), path.join(dir, "wrong.ts")]);
    expect(problems["client.ts"]).toBeUndefined();
    expect(Object.keys(problems)).toEqual(["wrong.ts"]);
    expect(problems["wrong.ts"]!.join("\n")).toMatch(/nom/);

    const { calls } = (await import(pathToFileURL(path.join(dir, "client.ts")).href)) as {
      calls: (baseUrl: string) => Promise<Record<string, unknown>>;
    };
    const got = await calls(`${server.url}api`);
    expect(got.greeting).toEqual({ greeting: "Hello, Ada!" });
    expect(got.sum).toEqual({ count: 2, sum: 3.5 });
    expect(got.note).toEqual({ status: 201, data: { id: 1, author: "ada", text: "typed" } });
    expect(got.notes).toEqual({ groups: [{ author: "ada", rows: [{ id: 1, text: "typed" }] }] });
    expect(got.failure).toMatchObject({
      status: 422,
      error: { status: 422, code: "42", detail: "Deliberate failure" },
    });
  });
});
