/**
 * The OpenAPI document of a real workspace: a project whose REST API (api/UrlMapper.yaml) runs
 * typed sequences, one of them Private, one requiring an authenticated session. The document
 * validates as OpenAPI 3.1, documents exactly the served operations, types parameters from the
 * variables, and gets response schemas from test cases and from runs, without any value.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../engine.ts";
import { EngineLog } from "../log.ts";
import { sendJson, startUpstream, type Upstream } from "../testing/upstream.ts";
import { openApiDocument } from "./openapi.ts";
import { restOperations } from "./rest-model.ts";

type Obj = { type: string; name: string; id?: string; children?: Obj[] } & Record<string, unknown>;

let n = 0;
function ids(o: Obj): Obj {
  return { ...o, id: o.id ?? `o${++n}`, ...(o.children ? { children: o.children.map(ids) } : {}) };
}

const SECRET = "s3cr3t-value-never-shown";

const sequences: Obj[] = [
  {
    type: "Sequence",
    name: "GetOrder",
    children: [
      { type: "Variable", name: "id", dataType: "integer", required: true, description: "The order's number." },
      { type: "Variable", name: "verbose", dataType: "boolean" },
      { type: "Variable", name: "tags", dataType: "string", multiValued: true },
      { type: "Variable", name: "limit", dataType: "number", default: 10 },
      { type: "Variable", name: "key", dataType: "string", default: "${apiKey}" },
      { type: "Element", name: "id", expression: "id" },
      { type: "Element", name: "status", value: "open" },
      { type: "Element", name: "customer", value: { name: "Ada Lovelace", email: "ada@example.com" } },
    ],
  },
  {
    type: "Sequence",
    name: "CreateOrder",
    authenticatedContextRequired: true,
    children: [
      { type: "Variable", name: "name", dataType: "string", required: true },
      { type: "Variable", name: "qty", dataType: "integer", multiValued: true },
      { type: "Element", name: "created", value: true },
      {
        type: "TestCase",
        name: "Creates",
        inputs: { name: "x" },
        expected: { created: true, order: { id: 1, lines: [{ sku: "A-1" }] } },
      },
      { type: "TestCase", name: "Refuses", inputs: {}, expected: { error: { code: "missing_variable" } } },
    ],
  },
  {
    type: "Sequence",
    name: "ReplaceOrder",
    children: [
      { type: "Variable", name: "payload", dataType: "json" },
      { type: "Element", name: "replaced", value: true },
    ],
  },
  {
    type: "Sequence",
    name: "Internal",
    accessibility: "Private",
    children: [{ type: "Element", name: "internal", value: 1 }],
  },
];

const mapper: Obj = {
  type: "UrlMapper",
  name: "UrlMapper",
  prefix: "/shop",
  title: "Shop API",
  description: "Orders of the shop.",
  children: [
    {
      type: "RestPath",
      name: "Order",
      path: "/orders/{id}",
      children: [
        {
          type: "RestOperation",
          name: "Get",
          method: "GET",
          sequence: "GetOrder",
          summary: "Read an order",
          tags: ["orders"],
          children: [
            { type: "RestParameter", name: "verbose", in: "query" },
            { type: "RestParameter", name: "tags", in: "query" },
            { type: "RestParameter", name: "X-Limit", in: "header", variable: "limit" },
            { type: "RestParameter", name: "key", in: "query" },
            { type: "RestResponse", name: "Found", statusCode: 200, headers: { "X-Order": "{id}" } },
            {
              type: "RestResponse",
              name: "NotFound",
              statusCode: 404,
              condition: "error.code == not_found",
              description: "No such order.",
            },
          ],
        },
        { type: "RestOperation", name: "Secret", method: "DELETE", sequence: "Internal" },
      ],
    },
    {
      type: "RestPath",
      name: "Status",
      path: "/orders/{id}/status",
      children: [
        {
          type: "RestOperation",
          name: "Get",
          method: "GET",
          sequence: "GetOrder",
          children: [
            { type: "RestResponse", name: "Closed", statusCode: 204, condition: "status == closed", body: "none" },
            { type: "RestResponse", name: "Status", statusCode: 200, body: "status" },
          ],
        },
      ],
    },
    {
      type: "RestPath",
      name: "Orders",
      path: "/orders",
      children: [
        {
          type: "RestOperation",
          name: "Create",
          method: "POST",
          sequence: "CreateOrder",
          children: [
            { type: "RestParameter", name: "name", in: "form", required: true, description: "Who orders." },
            { type: "RestParameter", name: "qty", in: "form" },
          ],
        },
        {
          type: "RestOperation",
          name: "Replace",
          method: "PUT",
          sequence: "ReplaceOrder",
          children: [{ type: "RestParameter", name: "payload", in: "body", required: true }],
        },
        { type: "RestOperation", name: "List", method: "GET", sequence: "Internal" },
      ],
    },
    {
      type: "RestPath",
      name: "Price",
      path: "/prices/{sku}",
      children: [
        { type: "RestOperation", name: "Get", method: "GET", transaction: "Price" },
        { type: "RestOperation", name: "Head", method: "HEAD", sequence: "GetOrder" },
      ],
    },
    {
      type: "RestPath",
      name: "Gone",
      path: "/gone",
      children: [{ type: "RestOperation", name: "Get", method: "GET", sequence: "NoSuchSequence" }],
    },
  ],
};

let dir: string;
let engine: Engine;
let upstream: Upstream;

beforeAll(async () => {
  upstream = await startUpstream((_req, res) => sendJson(res, 200, { sku: "A-1", price: 12.5 }));
  dir = await mkdtemp(path.join(os.tmpdir(), "atelier-openapi-"));
  const p = path.join(dir, "Shop");
  for (const f of ["sequences", "api", "connectors"]) await mkdir(path.join(p, f), { recursive: true });
  await writeFile(
    path.join(p, "connectors", "Prices.yaml"),
    stringify(
      ids({
        type: "HttpConnector",
        name: "Prices",
        server: "127.0.0.1",
        port: upstream.port,
        children: [
          {
            type: "JsonHttpTransaction",
            name: "Price",
            path: "/price",
            children: [{ type: "Variable", name: "sku", dataType: "string" }],
          },
        ],
      }),
    ),
  );
  await writeFile(
    path.join(p, "project.yaml"),
    stringify({
      atelier: 1,
      type: "Project",
      name: "Shop",
      id: "project-Shop",
      version: "1.2.0",
      children: [{ type: "Setting", name: "apiKey", id: "setting-apiKey", value: SECRET }],
    }),
  );
  for (const s of sequences) await writeFile(path.join(p, "sequences", `${s.name}.yaml`), stringify(ids(s)));
  await writeFile(path.join(p, "api", "UrlMapper.yaml"), stringify(ids(mapper)));
  engine = await Engine.open({ workspaceDir: dir, log: new EngineLog({ level: "silent" }) });
  const project = engine.project("Shop")!;
  const issues = JSON.stringify(project.errors);
  expect(issues).toBe("[]");
  const invalid: string[] = [];
  const walk = (o: { name: string; issues?: { message: string }[]; children: never[] }) => {
    for (const i of o.issues ?? []) invalid.push(`${o.name}: ${i.message}`);
    o.children.forEach(walk);
  };
  walk(project.root as never);
  expect(invalid).toEqual([]);
});

afterAll(async () => {
  await engine?.close();
  await upstream?.close();
  await rm(dir, { recursive: true, force: true });
});

type Doc = {
  openapi: string;
  info: Record<string, string>;
  servers: { url: string }[];
  paths: Record<string, Record<string, Op>>;
  components: Record<string, Record<string, unknown>>;
};
type Op = {
  operationId: string;
  summary?: string;
  description?: string;
  tags: string[];
  parameters?: { name: string; in: string; required: boolean; schema: Record<string, unknown>; style?: string }[];
  requestBody?: { required: boolean; content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<
    string,
    { description?: string; $ref?: string; headers?: object; content?: Record<string, { schema: unknown }> }
  >;
};

const doc = () => openApiDocument(engine, { prefix: "/api" }) as unknown as Doc;

describe("openApiDocument", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const d = doc();
    expect(d.openapi).toBe("3.1.0");
    const validator = new Validator();
    const result = await validator.validate(d as unknown as Record<string, unknown>);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("says the API's title, version, description and server", () => {
    const d = doc();
    expect(d.info.title).toBe("Shop API");
    expect(d.info.version).toBe("1.2.0");
    expect(d.info.description).toContain("Orders of the shop.");
    expect(d.info.description).toContain("application/problem+json");
    expect(d.servers).toEqual([{ url: "/api" }]);
    expect((openApiDocument(engine, { prefix: "/api", serverUrl: "https://x.test/api" }) as Doc).servers).toEqual([
      { url: "https://x.test/api" },
    ]);
  });

  it("documents exactly the served operations, private and missing targets left out", () => {
    const d = doc();
    const documented = Object.entries(d.paths).flatMap(([p, item]) => Object.keys(item).map((m) => `${m} ${p}`));
    const served = restOperations(engine.workspace.projects.values(), (name) => engine.project(name))
      .filter((o) => o.target.node && o.target.node.props.accessibility !== "Private")
      .map((o) => `${o.method.toLowerCase()} ${o.template.text}`);
    expect(documented.sort()).toEqual(served.sort());
    expect(documented.sort()).toEqual([
      "get /shop/orders/{id}",
      "get /shop/orders/{id}/status",
      "get /shop/prices/{sku}",
      "head /shop/prices/{sku}",
      "post /shop/orders",
      "put /shop/orders",
    ]);
    const opIds = Object.values(d.paths).flatMap((i) => Object.values(i).map((o) => o.operationId));
    expect(new Set(opIds).size).toBe(opIds.length);
    expect(opIds).toContain("Shop_Order_get");
  });

  it("types the parameters from the target's variables", () => {
    const get = doc().paths["/shop/orders/{id}"]!.get!;
    expect(get.summary).toBe("Read an order");
    expect(get.tags).toEqual(["orders"]);
    const byName = Object.fromEntries((get.parameters ?? []).map((p) => [p.name, p]));
    expect(byName.id).toEqual({
      name: "id",
      in: "path",
      required: true,
      description: "The order's number.",
      schema: { type: "integer" },
    });
    expect(byName.verbose).toMatchObject({ in: "query", required: false, schema: { type: "boolean" } });
    expect(byName.tags).toMatchObject({
      in: "query",
      schema: { type: "array", items: { type: "string" } },
      style: "form",
      explode: true,
    });
    expect(byName["X-Limit"]).toMatchObject({ in: "header", schema: { type: "number", default: 10 } });
    // A default naming a setting is not shown (nor resolved).
    expect(byName.key!.schema).toEqual({ type: "string" });
    expect(JSON.stringify(doc())).not.toContain(SECRET);
    expect(JSON.stringify(doc())).not.toContain("${");
  });

  it("documents form and body parameters as request bodies", () => {
    const d = doc();
    const post = d.paths["/shop/orders"]!.post!;
    const form = {
      type: "object",
      properties: {
        name: { type: "string", description: "Who orders." },
        qty: { type: "array", items: { type: "integer" } },
      },
      required: ["name"],
    };
    expect(post.requestBody).toEqual({
      required: true,
      content: {
        "application/json": { schema: form },
        "application/x-www-form-urlencoded": { schema: form },
      },
    });
    expect(d.paths["/shop/orders"]!.put!.requestBody).toEqual({
      required: true,
      content: { "application/json": { schema: {} } },
    });
  });

  it("documents responses: declared ones, the default 200, problems (401 when authentication is required)", () => {
    const d = doc();
    const get = d.paths["/shop/orders/{id}"]!.get!;
    expect(Object.keys(get.responses)).toEqual(["200", "400", "404", "500"]);
    expect(get.responses["200"]!.headers).toEqual({ "X-Order": { schema: { type: "string" } } });
    expect(get.responses["404"]).toEqual({
      description: "No such order.",
      content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
    });
    expect(get.responses["400"]).toEqual({ $ref: "#/components/responses/BadRequest" });
    const post = d.paths["/shop/orders"]!.post!;
    expect(Object.keys(post.responses)).toEqual(["200", "400", "401", "500"]);
    expect(post.responses["401"]).toEqual({ $ref: "#/components/responses/AuthenticationRequired" });
    expect(post.description).toContain("authenticated session");
    // HEAD answers no body.
    expect(d.paths["/shop/prices/{sku}"]!.head!.responses["200"]).toEqual({
      description: "A successful run: its output.",
    });
    const status = d.paths["/shop/orders/{id}/status"]!.get!;
    expect(status.responses["204"]).toEqual({ description: "When status == closed." });
    expect(d.components.schemas!.Problem).toMatchObject({ type: "object" });
  });

  it("infers response schemas from test cases, and from runs once a run succeeded", async () => {
    // A test case's expected output, with no run.
    expect(doc().paths["/shop/orders"]!.post!.responses["200"]!.content!["application/json"]!.schema).toEqual({
      type: "object",
      properties: {
        created: { type: "boolean" },
        order: {
          type: "object",
          properties: {
            id: { type: "integer" },
            lines: {
              type: "array",
              items: { type: "object", properties: { sku: { type: "string" } }, required: ["sku"] },
            },
          },
          required: ["id", "lines"],
        },
      },
      required: ["created", "order"],
    });

    const okSchema = () =>
      doc().paths["/shop/orders/{id}"]!.get!.responses["200"]!.content!["application/json"]!.schema;
    expect(okSchema()).toEqual({});
    const r = await engine.run({ project: "Shop", sequence: "GetOrder", inputs: { id: "7" } });
    expect(r.error).toBeUndefined();
    expect(engine.outputSchemas.samples("Shop/GetOrder")).toBe(1);
    expect(okSchema()).toEqual({
      type: "object",
      properties: {
        id: { type: "integer" },
        status: { type: "string" },
        customer: {
          type: "object",
          properties: { name: { type: "string" }, email: { type: "string" } },
          required: ["name", "email"],
        },
      },
      required: ["id", "status", "customer"],
    });
    // A body path: that part of the output.
    expect(
      doc().paths["/shop/orders/{id}/status"]!.get!.responses["200"]!.content!["application/json"]!.schema,
    ).toEqual({ type: "string" });
    const text = JSON.stringify(doc());
    expect(text).not.toContain("Ada");
    expect(text).not.toContain("example.com");
    // A transaction target, run on its default connector.
    const price = () => doc().paths["/shop/prices/{sku}"]!.get!.responses["200"]!.content!["application/json"]!.schema;
    expect(price()).toEqual({});
    const tx = await engine.run({ project: "Shop", transaction: "Price", inputs: { sku: "A-1" } });
    expect(tx.error).toBeUndefined();
    expect(engine.outputSchemas.samples("Shop/Prices.Price")).toBe(1);
    expect(price()).toEqual({
      type: "object",
      properties: { sku: { type: "string" }, price: { type: "number" } },
      required: ["sku", "price"],
    });
    // A failed run adds nothing.
    await engine.run({ project: "Shop", sequence: "GetOrder", inputs: {} });
    expect(engine.outputSchemas.samples("Shop/GetOrder")).toBe(1);
    expect((await new Validator().validate(doc() as unknown as Record<string, unknown>)).valid).toBe(true);
    // Once the target ran, its runs' shapes win over its test cases'.
    expect(
      (await engine.run({ project: "Shop", sequence: "CreateOrder", inputs: { name: "x" } })).error,
    ).toBeUndefined();
    expect(doc().paths["/shop/orders"]!.post!.responses["200"]!.content!["application/json"]!.schema).toEqual({
      type: "object",
      properties: { created: { type: "boolean" } },
      required: ["created"],
    });
    // A reloaded project may answer differently: its outputs are sampled again.
    await engine.workspace.reload("Shop");
    expect(engine.outputSchemas.samples("Shop/GetOrder")).toBe(0);
    expect(okSchema()).toEqual({});
  });

  it("documents a sequence's declared output schema rather than inferred ones", async () => {
    const seq = engine.workspace.get("Shop")!.root.children.find((c) => c.name === "GetOrder")!;
    const declared = { type: "object", properties: { id: { type: "integer", description: "The order's number." } } };
    seq.props.outputSchema = declared;
    try {
      expect(await engine.run({ project: "Shop", sequence: "GetOrder", inputs: { id: "7" } })).toMatchObject({
        ok: true,
      });
      expect(doc().paths["/shop/orders/{id}"]!.get!.responses["200"]!.content!["application/json"]!.schema).toEqual(
        declared,
      );
      expect(
        doc().paths["/shop/orders/{id}/status"]!.get!.responses["200"]!.content!["application/json"]!.schema,
      ).toEqual({});
    } finally {
      delete seq.props.outputSchema;
    }
  });
});
