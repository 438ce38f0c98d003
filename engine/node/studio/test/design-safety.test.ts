import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { objectRevision, type ChangeResult, type FlatNode, type ProjectTree } from "../../../common/studio/api.ts";
import type { RenamePlanInfo, RenameResult } from "../../../common/studio/refactor.ts";
import { startAtelier, type RunningAtelier } from "../../app.ts";
import { EngineLog } from "../../log.ts";

// Design-time safety through the Studio API: invalid values refused, JavaScript that does not
// parse reported and refused before a run starts, renames that update every reference.

let dir: string;
let app: RunningAtelier;
let token: string;
let upstream: Server;
let calls: string[];
let port: number;

const SHOP = (upstreamPort: number): Record<string, string> => ({
  "Shop/project.yaml": "atelier: 1\ntype: Project\nname: Shop\nid: shopproject1\n",
  "Shop/connectors/Api.yaml": `type: HttpConnector
name: Api
id: conapi000001
server: 127.0.0.1
port: ${upstreamPort}
children:
  - type: JsonHttpTransaction
    name: GetItem
    id: txgetitem001
    path: /items/{id}
    headers:
      X-Item: "{id}"
    children:
      - type: Variable
        name: id
        id: vartxid00001
        httpUse: path
`,
  "Shop/sequences/Lookup.yaml": `type: Sequence
name: Lookup
id: seqlookup001
children:
  - type: Variable
    name: item
    id: varitem00001
    default: "7"
  - type: CallTransaction
    name: Fetch
    id: stfetch00001
    connector: Api
    transaction: GetItem
    children:
      - type: StepVariable
        name: id
        id: svid00000001
        expression: item
  - type: SequenceJS
    name: calc
    id: stcalc000001
    code: |
      var title = step("Fetch").data.title;
      var copy = { item, n: vars.item };
      title + " / " + item
  - type: Element
    name: title
    id: sttitle00001
    expression: step('calc') + "!"
  - type: Element
    name: fromSource
    id: stsource0001
    source:
      step: stcalc000001
  - type: TestCase
    name: Seven
    id: tcseven00001
    inputs:
      item: "7"
`,
  "Shop/sequences/Main.yaml": `type: Sequence
name: Main
id: seqmain00001
children:
  - type: CallSequence
    name: callLookup
    id: stcalllook01
    sequence: Lookup
    children:
      - type: StepVariable
        name: item
        id: svitem000001
        value: "9"
`,
  "Other/project.yaml": "atelier: 1\ntype: Project\nname: Other\nid: otherproj001\n",
  "Other/sequences/Remote.yaml": `type: Sequence
name: Remote
id: seqremote001
children:
  - type: CallSequence
    name: remoteLookup
    id: stremote0001
    project: Shop
    sequence: Lookup
  - type: CallTransaction
    name: remoteFetch
    id: stremotetx01
    project: Shop
    transaction: GetItem
`,
});

async function start(files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), text);
  }
  app = await startAtelier({
    workspaceDir: dir,
    port: 0,
    log: new EngineLog({ level: "silent" }),
    studio: { distDir: path.join(dir, "no-dist"), watch: false },
  });
  token = app.studio!.auth.token;
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "atelier-safety-"));
  calls = [];
  upstream = createServer((req, res) => {
    calls.push(req.url ?? "");
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ title: `Item ${req.url?.split("/").pop()}` }));
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  port = (upstream.address() as AddressInfo).port;
});

afterEach(async () => {
  await app?.close();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
  await rm(dir, { recursive: true, force: true });
});

async function call<T = unknown>(method: string, url: string, body?: unknown) {
  const res = await fetch(new URL(url, app.url), {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      "x-atelier-studio": "1",
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : undefined) as T };
}

async function ok<T>(method: string, url: string, body?: unknown): Promise<T> {
  const r = await call<T>(method, url, body);
  if (r.status !== 200) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

async function node(project: string, id: string): Promise<FlatNode> {
  const t = await ok<ProjectTree>("GET", `/api/studio/projects/${project}/tree`);
  return t.nodes.find((n) => n.id === id)!;
}

type Refusal = { error: { code: string; message: string; details?: { field?: string } } };

async function patch(project: string, id: string, set: Record<string, unknown>) {
  const n = await node(project, id);
  return call<Refusal>("PATCH", `/api/studio/projects/${project}/objects/${id}`, { rev: objectRevision(n), set });
}

describe("invalid values are never written", () => {
  it("refuses them with a 400 naming the field and why, and keeps the file as it was", async () => {
    await start(SHOP(port));
    const connectorFile = path.join(dir, "Shop/connectors/Api.yaml");
    const before = await readFile(connectorFile, "utf8");

    const portAbc = await patch("Shop", "conapi000001", { port: "abc" });
    expect(portAbc.status).toBe(400);
    expect(portAbc.json.error).toMatchObject({ code: "invalid_value", details: { field: "port" } });
    expect(portAbc.json.error.message).toMatch(/Port must be a number/);

    const url = await patch("Shop", "conapi000001", { server: "http://api.example.com/v1" });
    expect(url.status).toBe(400);
    expect(url.json.error.details?.field).toBe("server");
    expect(url.json.error.message).toMatch(/not a URL: give api\.example\.com, Base path \/v1/);

    const timeout = await patch("Shop", "seqlookup001", { timeoutMs: 0 });
    expect(timeout.status).toBe(400);
    expect(timeout.json.error.message).toMatch(/Time limit \(ms\) must be at least 1/);

    // A number variable's default must be a number (the runtime would refuse it at every call).
    expect((await patch("Shop", "varitem00001", { dataType: "number" })).status).toBe(200);
    const badDefault = await patch("Shop", "varitem00001", { default: "abc" });
    expect(badDefault.status).toBe(400);
    expect(badDefault.json.error).toMatchObject({ details: { field: "default" } });
    expect(badDefault.json.error.message).toMatch(/must be a number for a number variable/);
    expect((await patch("Shop", "varitem00001", { default: 12 })).status).toBe(200);
    // A setting in the text is resolved at run time: not judged here.
    expect((await patch("Shop", "conapi000001", { server: "${apiHost}" })).status).toBe(200);

    // An unknown property is refused too; creating with an invalid value as well.
    expect((await patch("Shop", "conapi000001", { nope: 1 })).json.error.code).toBe("unknown_property");
    const created = await call<Refusal>("POST", "/api/studio/projects/Shop/objects", {
      parent: "shopproject1",
      type: "HttpConnector",
      name: "Bad",
      props: { port: 70000 },
    });
    expect(created.status).toBe(400);
    expect(created.json.error.message).toMatch(/Port must be at most 65535/);

    const after = await readFile(connectorFile, "utf8");
    expect(after).not.toMatch(/abc|api\.example/);
    expect(after.replace(/^versions:\n(?: {2}.*\n)*/, "")).toBe(
      before.replace("server: 127.0.0.1", "server: ${apiHost}"),
    );
    expect(await readFile(path.join(dir, "Shop/sequences/Lookup.yaml"), "utf8")).not.toMatch(/timeoutMs/);
  });
});

describe("a Host given by a setting", () => {
  it("that resolves to a URL fails the run with what to give instead, before any call", async () => {
    await start({
      ...SHOP(port),
      "Shop/connectors/Api.yaml": SHOP(port)["Shop/connectors/Api.yaml"]!.replace(
        "server: 127.0.0.1",
        "server: ${apiHost}",
      ),
      "atelier.config.yaml": `settings:\n  apiHost: http://127.0.0.1:${port}/v1\n`,
    });
    const r = await app.engine.run({ project: "Shop", sequence: "Lookup", inputs: {} });
    expect(r.error?.code).toBe("invalid_host");
    expect(r.error?.message).toBe(
      `Connector "Api": Host (\${apiHost}) takes a host name or address, not a URL: give 127.0.0.1, Port ${port}, Base path /v1`,
    );
    expect(calls).toEqual([]);
  });
});

describe("JavaScript that does not parse", () => {
  const broken = (files: Record<string, string>) => ({
    ...files,
    "Shop/sequences/Lookup.yaml": files["Shop/sequences/Lookup.yaml"]!.replace(
      "var copy = { item, n: vars.item };",
      "var copy = { item, n: vars.item ;",
    ),
  });

  it("is a problem of its step, with its line, as soon as it is loaded or typed", async () => {
    await start(broken(SHOP(port)));
    const calc = await node("Shop", "stcalc000001");
    expect(calc.issues).toEqual([
      expect.objectContaining({ prop: "code", code: "js_syntax", at: { line: 2, column: expect.any(Number) } }),
    ]);
    expect(calc.issues![0]!.message).toMatch(/^Code: line 2: .*JavaScript syntax error/);
    // Typing a broken expression is saved (it is text being written) and marked at once.
    const typed = await ok<ChangeResult>("PATCH", "/api/studio/projects/Shop/objects/sttitle00001", {
      set: { expression: "step('calc') +" },
    });
    const title = typed.deltas[0]!.upserts.find((n) => n.id === "sttitle00001")!;
    expect(title.issues?.[0]).toMatchObject({ prop: "expression", code: "js_syntax", at: { line: 1 } });
  });

  it("refuses to start the run, naming the step and the line, before any step runs", async () => {
    await start(broken(SHOP(port)));
    const r = await app.engine.run({ project: "Shop", sequence: "Lookup", inputs: {} });
    expect(r.ok).toBe(false);
    expect(r.error).toMatchObject({
      code: "js_syntax",
      details: { step: "calc", property: "code", line: 2 },
      step: { id: "stcalc000001", name: "calc" },
    });
    expect(r.error!.message).toMatch(/^Sequence JS "calc": Code: line 2: .*Nothing was run/);
    expect(calls).toEqual([]);
    // A sequence calling it is refused as well, before its own first step.
    const main = await app.engine.run({ project: "Shop", sequence: "Main", inputs: {} });
    expect(main.error).toMatchObject({ code: "js_syntax" });
    expect(main.error!.message).toMatch(/in the sequence "Shop\.Lookup" it calls/);
    expect(calls).toEqual([]);
  });

  it("runs once fixed", async () => {
    await start(SHOP(port));
    const r = await app.engine.run({ project: "Shop", sequence: "Lookup", inputs: { item: "42" } });
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual({ title: "Item 42 / 42!", fromSource: "Item 42 / 42" });
  });
});

describe("renames update every reference", () => {
  it("renames a variable in code, step variables of callers, test inputs; previews first; one undo", async () => {
    await start(SHOP(port));
    const preview = await ok<RenamePlanInfo>("POST", "/api/studio/projects/Shop/objects/varitem00001/rename-preview", {
      name: "itemId",
    });
    expect(preview.label).toBe('Rename "item" to "itemId" (and 5 references)');
    expect(preview.changes.map((c) => [c.path.join("/"), c.field, c.form, c.before, c.after])).toEqual([
      ["Shop/Lookup/item", "name", "self", "item", "itemId"],
      ["Shop/Lookup/Fetch/id", "expression", "code", "item", "itemId"],
      [
        "Shop/Lookup/calc",
        "code",
        "code",
        "var copy = { item, n: vars.item };",
        "var copy = { item: itemId, n: vars.itemId };",
      ],
      ["Shop/Lookup/calc", "code", "code", 'title + " / " + item', 'title + " / " + itemId'],
      ["Shop/Lookup/Seven", "inputs", "key", "item: …", "itemId: …"],
      ["Shop/Main/callLookup/item", "name", "name", "item", "itemId"],
    ]);
    // Nothing changed yet.
    expect(await readFile(path.join(dir, "Shop/sequences/Lookup.yaml"), "utf8")).toMatch(/name: item\n/);

    const done = await ok<RenameResult>("POST", "/api/studio/projects/Shop/objects/varitem00001/rename", {
      name: "itemId",
    });
    expect(done.history.undoLabel).toBe(preview.label);
    const lookup = await readFile(path.join(dir, "Shop/sequences/Lookup.yaml"), "utf8");
    expect(lookup).toMatch(/name: itemId\n/);
    expect(lookup).toMatch(/expression: itemId\n/);
    expect(lookup).toMatch(/var copy = \{ item: itemId, n: vars\.itemId \};/);
    expect(lookup).toMatch(/itemId: "7"/);
    expect(await readFile(path.join(dir, "Shop/sequences/Main.yaml"), "utf8")).toMatch(/name: itemId\n/);
    const r = await app.engine.run({ project: "Shop", sequence: "Main", inputs: {} });
    expect(r.error).toBeUndefined();
    expect(calls).toEqual(["/items/9"]);

    await ok("POST", "/api/studio/undo");
    expect((await readFile(path.join(dir, "Shop/sequences/Lookup.yaml"), "utf8")).replace(/^versions:\n.*\n/, "")).toBe(
      SHOP(port)["Shop/sequences/Lookup.yaml"],
    );
    expect(await readFile(path.join(dir, "Shop/sequences/Main.yaml"), "utf8")).toMatch(/name: item\n/);
    await ok("POST", "/api/studio/redo");
    expect(await readFile(path.join(dir, "Shop/sequences/Main.yaml"), "utf8")).toMatch(/name: itemId\n/);
  });

  it("renames a step named in JavaScript (sources read it by id and stay)", async () => {
    await start(SHOP(port));
    const done = await ok<RenameResult>("POST", "/api/studio/projects/Shop/objects/stcalc000001/rename", {
      name: "total",
    });
    expect(done.changes.map((c) => [c.path.at(-1), c.field, c.after])).toEqual([
      ["calc", "name", "total"],
      ["title", "expression", "step('total') + \"!\""],
    ]);
    const title = await node("Shop", "sttitle00001");
    expect(title.props.expression).toBe("step('total') + \"!\"");
    expect((await node("Shop", "stsource0001")).props.source).toEqual({ step: "stcalc000001" });
  });

  it("renames a sequence and a transaction called from other projects, and a template variable", async () => {
    await start(SHOP(port));
    const seq = await ok<RenameResult>("POST", "/api/studio/projects/Shop/objects/seqlookup001/rename", {
      name: "Find",
    });
    expect(seq.changes.map((c) => `${c.project}:${c.path.join("/")}:${c.field}`)).toEqual([
      "Shop:Shop/Lookup:name",
      "Shop:Shop/Main/callLookup:sequence",
      "Other:Other/Remote/remoteLookup:sequence",
    ]);
    expect(await readFile(path.join(dir, "Other/sequences/Remote.yaml"), "utf8")).toMatch(/sequence: Find\n/);
    expect(await readFile(path.join(dir, "Shop/sequences/Find.yaml"), "utf8")).toMatch(/name: Find\n/);

    await ok("POST", "/api/studio/projects/Shop/objects/txgetitem001/rename", { name: "ReadItem" });
    expect(await readFile(path.join(dir, "Other/sequences/Remote.yaml"), "utf8")).toMatch(/transaction: ReadItem\n/);
    expect(await readFile(path.join(dir, "Shop/sequences/Find.yaml"), "utf8")).toMatch(/transaction: ReadItem\n/);

    const v = await ok<RenameResult>("POST", "/api/studio/projects/Shop/objects/vartxid00001/rename", { name: "key" });
    expect(v.changes.map((c) => [c.field, c.after])).toEqual([
      ["name", "key"],
      ["path", "/items/{key}"],
      ["headers.X-Item", "{key}"],
      ["name", "key"],
    ]);
    const api = await readFile(path.join(dir, "Shop/connectors/Api.yaml"), "utf8");
    expect(api).toMatch(/path: \/items\/\{key\}/);
    expect(api).toMatch(/X-Item: "\{key\}"/);
    const r = await app.engine.run({ project: "Shop", sequence: "Find", inputs: { item: "5" } });
    expect(r.error).toBeUndefined();
    expect(calls).toEqual(["/items/5"]);
  });

  it("refuses a rename that would clash, and can rename the object only", async () => {
    await start({
      ...SHOP(port),
      "Shop/sequences/Main.yaml": SHOP(port)["Shop/sequences/Main.yaml"]!.replace(
        '        value: "9"\n',
        '        value: "9"\n      - type: StepVariable\n        name: other\n        id: svother00001\n',
      ),
    });
    const clash = await call<Refusal>("POST", "/api/studio/projects/Shop/objects/varitem00001/rename", {
      name: "other",
    });
    expect(clash.status).toBe(409);
    expect(clash.json.error.message).toMatch(/callLookup" already gives a value to "other"/);
    // A step named in code must keep a name no other step of its sequence has (step() reads one).
    const taken = await call<Refusal>("POST", "/api/studio/projects/Shop/objects/stcalc000001/rename", {
      name: "Fetch",
    });
    expect(taken.status).toBe(409);
    expect(taken.json.error.message).toMatch(/another step of "Lookup" is named "Fetch"/);
    const only = await ok<RenameResult>("POST", "/api/studio/projects/Shop/objects/varitem00001/rename", {
      name: "other",
      references: false,
    });
    expect(only.changes).toHaveLength(1);
    expect((await node("Shop", "svitem000001")).name).toBe("item");
  });
});
