import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { walk, type ObjNode } from "../../../common/model/node.ts";
import { restOperations } from "../../api/rest-model.ts";
import { loadProject } from "../../project/project-files.ts";
import { importConvertigo } from "../import.ts";
import { xpathCondition } from "./rest.ts";

const NO_KEY_ENV: NodeJS.ProcessEnv = {};
const DEMO = path.join(import.meta.dirname, "../testdata/c8oprj-urlmapper-demo");

const temps: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), "c8o-rest-"));
  temps.push(d);
  return d;
}
afterAll(async () => {
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

async function writeC8oProject(dir: string, files: Record<string, string>): Promise<string> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), text);
  }
  return dir;
}

/** Every file under a folder with its text, by relative path. */
async function readTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const visit = async (d: string, rel: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await visit(path.join(d, e.name), r);
      else out[r] = await readFile(path.join(d, e.name), "utf8");
    }
  };
  await visit(dir, "");
  return out;
}

function byName(root: ObjNode, type: string, name: string, under?: string): ObjNode {
  const found: ObjNode[] = [];
  const visit = (n: ObjNode, parents: string[]) => {
    if (n.type === type && n.name === name && (!under || parents.includes(under))) found.push(n);
    for (const c of n.children) visit(c, [...parents, n.name]);
  };
  visit(root, []);
  expect(found.length, `${type} ${name}${under ? ` under ${under}` : ""}`).toBe(1);
  return found[0]!;
}

function types(root: ObjNode): Record<string, number> {
  const out: Record<string, number> = {};
  walk(root, (n) => {
    out[n.type] = (out[n.type] ?? 0) + 1;
  });
  return out;
}

/** A multi-valued default as Convertigo writes it: an XMLVector of strings. */
function vectorLines(indent: string, values: string[]): string[] {
  return [
    `${indent}- xmlizable: `,
    `${indent}  - ↑classname: com.twinsoft.convertigo.beans.common.XMLVector`,
    `${indent}  - com.twinsoft.convertigo.beans.common.XMLVector: `,
    ...values.flatMap((v) => [`${indent}    - java.lang.String: `, `${indent}      - ↑value: ${v}`]),
  ];
}

/**
 * A Convertigo project with a URL mapper in the real grammar (modelled on the published
 * c8oprj-urlmapper-demo, c8oprj-demo-banking and C8oForms): the mapper in urlMapper.yaml, its
 * path mappings in urlMapper/NAME.yaml, defaults left out.
 */
function shopFiles(): Record<string, string> {
  return {
    "c8oProject.yaml": [
      "↑convertigo: 8.0.0.m006",
      "↓Shop [core.Project]: ",
      "  version: 1.0",
      "  ↓api [connectors.HttpConnector]: ",
      "    server: orders.example.com",
      "    ↓getOrder [transactions.JsonHttpTransaction]: ",
      "      subDir: /orders/{id}",
      "      ↓id [variables.RequestableHttpVariable]: ",
      "        httpName: id",
      "      ↓lang [variables.RequestableHttpVariable]: ",
      "        httpName: lang",
      "  ↓CreateOrder [sequences.GenericSequence]: ",
      "    ↓order [variables.RequestableVariable]: ",
      "    ↓requestId [variables.RequestableVariable]: ",
      "  ↓ListOrders [sequences.GenericSequence]: ",
      "    ↓status [variables.RequestableVariable]: ",
      "    ↓limit [variables.RequestableVariable]: ",
      "    ↓tag [variables.RequestableMultiValuedVariable]: ",
      "  ↓UpdateOrder [sequences.GenericSequence]: ",
      "    ↓orderId [variables.RequestableVariable]: ",
      "    ↓note [variables.RequestableVariable]: ",
      "    ↓qty [variables.RequestableVariable]: ",
      "    ↓urgent [variables.RequestableVariable]: ",
      "  ↓Shop_API [core.UrlMapper]: 🗏 urlMapper.yaml",
    ].join("\n"),
    "_c8oProject/urlMapper.yaml": [
      "comment: The shop's REST API.",
      `models: '{"Order":{"type":"object","properties":{"id":{"type":"string"},"lines":{"type":"array","items":{"$ref":"#/components/schemas/Line"}}}},"Line":{"type":"object","properties":{"sku":{"type":"string"}}}}'`,
      "prefix: v2",
      "↓Orders [rest.PathMapping]: 🗏 urlMapper/Orders.yaml",
      "↓OrderById [rest.PathMapping]: 🗏 urlMapper/OrderById.yaml",
    ].join("\n"),
    "_c8oProject/urlMapper/Orders.yaml": [
      "comment: The orders.",
      "path: /orders",
      "↓CreateOrder [rest.PostOperation]: ",
      "  comment: Creates an order.",
      "  targetRequestable: Shop.CreateOrder",
      "  ↓order [rest.BodyParameter-1700000000001]: ",
      "    comment: The order to create.",
      "    modelReference: Order",
      "  ↓X-Request-Id [rest.HeaderParameter-1700000000002]: ",
      "    mappedVariableName: requestId",
      "    required: true",
      "  ↓Created [rest.OperationResponse]: ",
      "    modelReference: Order",
      "    statusCode: 201",
      "    statusText: The order is created.",
      "  ↓Failed [rest.OperationResponse]: ",
      "    statusCode: 400",
      "    statusText: The order is refused.",
      "    xpath: //error",
      "  ↓Moved [rest.OperationResponse]: ",
      "    statusCode: 302",
      "    statusText: Already created elsewhere.",
      "    xpath: /document/redirect/url",
      "↓ListOrders [rest.GetOperation]: ",
      "  comment: |",
      "    Lists the orders.",
      "    ",
      "    Filtered by status and tags.",
      "  terminateSession: false",
      "  targetRequestable: Shop.ListOrders",
      "  ↓status [rest.QueryParameter-1700000000010]: ",
      "    comment: open or closed",
      "    mappedVariableName: status",
      "  ↓limit [rest.QueryParameter-1700000000011]: ",
      "    inputType: Integer",
      "    value: 20",
      "  ↓tags [rest.QueryParameter-1700000000012]: ",
      "    mappedVariableName: tag",
      "    multiValued: true",
      "    value: ",
      ...vectorLines("      ", ["new", "paid"]),
      "  ↓debug [rest.QueryParameter-1700000000013]: ",
      "    exposed: false",
      "    mappedVariableName: __stub",
      "    value: 'false'",
      "  ↓Closed [rest.OperationResponse]: ",
      "    statusCode: 410",
      "    statusText: Closed.",
      `    xpath: //orders[.='closed']`,
      "  ↓Broken [rest.OperationResponse]: ",
      "    statusCode: 500",
      "    xpath: //error[starts-with(code, 'E')]",
    ].join("\n"),
    "_c8oProject/urlMapper/OrderById.yaml": [
      "path: /orders/{id}",
      "↓ReadOrder [rest.GetOperation]: ",
      "  targetRequestable: Shop.api.getOrder",
      "  ↓id [rest.PathParameter-1700000000020]: ",
      "  ↓Accept-Language [rest.HeaderParameter-1700000000021]: ",
      "    mappedVariableName: lang",
      "  ↓NotFound [rest.OperationResponse]: ",
      "    statusCode: 404",
      "    xpath: //error[code='not_found']",
      "↓UpdateOrder [rest.PutOperation]: ",
      "  outputContent: toXml",
      "  targetRequestable: Shop.UpdateOrder",
      "  ↓id [rest.PathParameter-1700000000030]: ",
      "    mappedVariableName: orderId",
      "  ↓note [rest.FormParameter-1700000000031]: ",
      "  ↓qty [rest.FormParameter-1700000000032]: ",
      "    inputType: Number",
      "    required: true",
      "  ↓urgent [rest.FormParameter-1700000000033]: ",
      "    inputType: Boolean",
      "    value: 'true'",
      "↓PurgeOrder [rest.DeleteOperation]: ",
      "  targetRequestable: Archive.Purge",
      "↓HeadOrder [rest.HeadOperation]: ",
      "  targetRequestable: Shop.api.getOrder",
    ].join("\n"),
  };
}

describe("xpathCondition: an OperationResponse's XPath as a condition on the JSON answer", () => {
  it("converts plain paths, indexes and equalities on the last step", () => {
    expect(xpathCondition("//error")).toMatchObject({ condition: "error" });
    expect(xpathCondition("//error")?.guessed).toContain("any depth");
    expect(xpathCondition("//a/b")).toMatchObject({ condition: "a.b" });
    expect(xpathCondition("/document/a/b")).toEqual({ condition: "a.b" });
    expect(xpathCondition("//document/a")).toEqual({ condition: "a" });
    expect(xpathCondition("//a[2]/b")).toMatchObject({ condition: "a[1].b" });
    expect(xpathCondition("/document/a[1]/b")).toEqual({
      condition: "a.b",
      guessed: '"a[1]" read as the single value a',
    });
    expect(xpathCondition("//error/@code")).toMatchObject({ condition: "error.code" });
    expect(xpathCondition("//error[@code='E2']")).toMatchObject({ condition: "error.code == E2" });
    expect(xpathCondition("//a/text()")).toMatchObject({ condition: "a" });
    expect(xpathCondition("//x[.='v']")).toMatchObject({ condition: "x == v" });
    expect(xpathCondition('//x[text()="v w"]')).toMatchObject({ condition: "x == v w" });
    expect(xpathCondition("//error[code='E1']")).toMatchObject({ condition: "error.code == E1" });
    expect(xpathCondition("//x[.=' v ']")).toMatchObject({ condition: 'x == " v "' });
    expect(xpathCondition("//x[.='']")).toMatchObject({ condition: 'x == ""' });
  });

  it("refuses what a path cannot say", () => {
    for (const x of [
      "error",
      "./error",
      "//*",
      "//error[starts-with(code,'E')]",
      "//a[@x!='1']",
      "//@x",
      "//a[b='1']/c",
      "//a[b!='1']",
      "count(//a) > 0",
      "//a-b",
      "//a//b",
      "//a | //b",
      "/document",
    ]) {
      expect(xpathCondition(x), x).toBeUndefined();
    }
  });
});

describe("importing Convertigo's URL mapper", () => {
  it("maps the mapper, paths, operations, parameters and responses; the project loads back valid", async () => {
    const src = await writeC8oProject(await tempDir(), shopFiles());
    const ws = await tempDir();
    const summary = await importConvertigo(src, ws, { env: NO_KEY_ENV });

    // 1 mapper, 2 paths, 6 operations, 12 parameters, 6 responses (one foreign).
    expect(summary.byClass).toMatchObject({
      "core.UrlMapper": 1,
      "rest.PathMapping": 2,
      "rest.PostOperation": 1,
      "rest.GetOperation": 2,
      "rest.PutOperation": 1,
      "rest.DeleteOperation": 1,
      "rest.HeadOperation": 1,
      "rest.BodyParameter": 1,
      "rest.HeaderParameter": 2,
      "rest.QueryParameter": 4,
      "rest.PathParameter": 2,
      "rest.FormParameter": 3,
      "rest.OperationResponse": 6,
    });
    expect(summary.foreignByClass).toEqual({ "rest.OperationResponse": 1 });
    expect(summary.foreign).toBe(1);
    expect(summary.mapped).toBe(summary.objects - 1);

    const project = await loadProject(summary.projectDir);
    expect(project.errors).toEqual([]);
    expect(project.invalidCount).toBe(0);
    const files = await readdir(path.join(summary.projectDir, "api"));
    expect(files).toEqual(["Shop_API.yaml"]);
    const root = project.root;
    expect(types(root)).toMatchObject({
      UrlMapper: 1,
      RestPath: 2,
      RestOperation: 6,
      RestParameter: 12,
      RestResponse: 5,
    });

    const mapper = byName(root, "UrlMapper", "Shop_API");
    expect(mapper.props).toMatchObject({ prefix: "/v2" });
    expect(mapper.props.comment).toContain("The shop's REST API.");
    expect(mapper.props.comment).toContain("models (the API's JSON schemas)");
    expect(byName(root, "RestPath", "Orders").props).toEqual({ comment: "The orders.", path: "/orders" });
    expect(byName(root, "RestPath", "OrderById").props).toEqual({ path: "/orders/{id}" });

    // POST: a sequence of this project (project left empty), Convertigo's terminateSession default.
    const create = byName(root, "RestOperation", "CreateOrder");
    expect(create.props).toMatchObject({
      method: "POST",
      sequence: "CreateOrder",
      terminateSession: true,
      summary: "Creates an order.",
    });
    expect(create.props.project).toBeUndefined();
    expect(byName(root, "RestParameter", "order").props).toMatchObject({
      in: "body",
      dataType: "json",
      description: "The order to create.",
    });
    expect(String(byName(root, "RestParameter", "order").props.comment)).toContain("modelReference");
    expect(byName(root, "RestParameter", "X-Request-Id").props).toMatchObject({
      in: "header",
      variable: "requestId",
      required: true,
    });
    // The response without XPath goes after those with one; Convertigo answered 200 there.
    expect(create.children.map((c) => c.name)).toEqual(["order", "X-Request-Id", "Failed", "Moved", "Created"]);
    expect(String(create.props.comment)).toContain("responses without condition (Created) are put after");
    const created = byName(root, "RestResponse", "Created");
    expect(created.props).toMatchObject({ statusCode: 201, description: "The order is created." });
    expect(created.props.condition).toBeUndefined();
    // The model, its $ref to another model inlined.
    expect(created.props.schema).toEqual({
      type: "object",
      properties: {
        id: { type: "string" },
        lines: { type: "array", items: { type: "object", properties: { sku: { type: "string" } } } },
      },
    });
    expect(byName(root, "RestResponse", "Failed").props).toMatchObject({
      statusCode: 400,
      condition: "error",
      description: "The order is refused.",
    });
    const moved = byName(root, "RestResponse", "Moved");
    expect(moved.props).toMatchObject({ statusCode: 302, condition: "redirect.url" });
    expect(String(moved.props.comment)).toContain("give it a Location header");

    // GET: a multi-line comment, query parameters with types and defaults.
    const list = byName(root, "RestOperation", "ListOrders");
    expect(list.props).toMatchObject({
      sequence: "ListOrders",
      summary: "Lists the orders.",
      description: "Lists the orders.\n\nFiltered by status and tags.",
    });
    expect(list.props.method).toBeUndefined(); // GET, the default
    expect(list.props.terminateSession).toBeUndefined();
    expect(byName(root, "RestParameter", "status").props).toEqual({ description: "open or closed" });
    expect(byName(root, "RestParameter", "limit").props).toEqual({ dataType: "integer", default: 20 });
    expect(byName(root, "RestParameter", "tags").props).toEqual({
      variable: "tag",
      multiValued: true,
      default: ["new", "paid"],
    });
    const debug = byName(root, "RestParameter", "debug");
    expect(debug.props).toMatchObject({ variable: "__stub", default: "false" });
    expect(String(debug.props.comment)).toContain("exposed: false");
    expect(String(debug.props.comment)).toContain("Convertigo's engine parameter __stub");
    expect(byName(root, "RestResponse", "Closed").props).toMatchObject({
      statusCode: 410,
      condition: "orders == closed",
    });
    const broken = list.children.find((c) => c.name === "Broken");
    expect(broken).toMatchObject({ type: "Foreign", props: { class: "rest.OperationResponse" } });
    expect(String(broken?.props.note)).toContain("starts-with");

    // A transaction of this project; path and header parameters.
    const read = byName(root, "RestOperation", "ReadOrder");
    expect(read.props).toMatchObject({ connector: "api", transaction: "getOrder", terminateSession: true });
    expect(read.props.sequence).toBeUndefined();
    expect(byName(root, "RestParameter", "id", "ReadOrder").props).toEqual({ in: "path" });
    expect(byName(root, "RestParameter", "Accept-Language").props).toEqual({ in: "header", variable: "lang" });
    expect(byName(root, "RestResponse", "NotFound").props).toMatchObject({
      statusCode: 404,
      condition: "error.code == not_found",
    });

    // PUT with form parameters; XML output flagged.
    const update = byName(root, "RestOperation", "UpdateOrder");
    expect(update.props).toMatchObject({ method: "PUT", sequence: "UpdateOrder" });
    expect(String(update.props.comment)).toContain("outputContent: toXml");
    expect(byName(root, "RestParameter", "id", "UpdateOrder").props).toEqual({ in: "path", variable: "orderId" });
    expect(byName(root, "RestParameter", "note").props).toEqual({ in: "form" });
    expect(byName(root, "RestParameter", "qty").props).toEqual({ in: "form", dataType: "number", required: true });
    expect(byName(root, "RestParameter", "urgent").props).toEqual({ in: "form", dataType: "boolean", default: true });

    // Another project's sequence keeps its project; HEAD.
    expect(byName(root, "RestOperation", "PurgeOrder").props).toMatchObject({
      method: "DELETE",
      project: "Archive",
      sequence: "Purge",
    });
    expect(byName(root, "RestOperation", "HeadOrder").props).toMatchObject({ method: "HEAD", transaction: "getOrder" });

    // Flagged differences are warnings naming the file and line.
    const w = summary.warnings.join("\n");
    expect(w).toMatch(
      /urlMapper\/Orders\.yaml:\d+: CreateOrder \(rest\.PostOperation\): its response Created has no XPath/,
    );
    expect(w).toMatch(/urlMapper\/Orders\.yaml:\d+: Broken \(rest\.OperationResponse\): kept as foreign/);
    expect(w).toMatch(/Moved \(rest\.OperationResponse\): a redirection \(302\)/);
    expect(w).toMatch(/UpdateOrder \(rest\.PutOperation\): it answered XML/);

    // The engine's REST model reads the imported API: paths, targets and typed parameters resolved.
    const ops = restOperations([{ name: project.name, root }], (n) =>
      n === project.name ? { name: project.name, root } : undefined,
    );
    const byOp = new Map(ops.map((o) => [o.node.name, o]));
    expect(byOp.get("ListOrders")?.template.text).toBe("/v2/orders");
    expect(byOp.get("ReadOrder")?.template.text).toBe("/v2/orders/{id}");
    for (const name of ["CreateOrder", "ListOrders", "ReadOrder", "UpdateOrder", "HeadOrder"]) {
      expect(byOp.get(name)?.target.problem, name).toBeUndefined();
      expect(byOp.get(name)?.target.node, name).toBeDefined();
      for (const p of byOp.get(name)?.params ?? [])
        expect(p.unknownVariable, `${name} ${p.name}`).toBe(p.name === "debug");
    }
    expect(byOp.get("CreateOrder")?.responses.map((r) => r.status)).toEqual([400, 302, 201]);
  });

  it("names the projects its operations target among the projects to import", async () => {
    const src = await writeC8oProject(await tempDir(), shopFiles());
    const summary = await importConvertigo(src, await tempDir(), {
      env: NO_KEY_ENV,
      references: { from: [await tempDir()] },
    });
    expect(summary.references?.missing).toEqual([
      expect.objectContaining({ project: "Archive", referencedBy: "Shop" }),
    ]);
  });

  it("re-imports byte for byte", async () => {
    const src = await writeC8oProject(await tempDir(), shopFiles());
    const a = await importConvertigo(src, await tempDir(), { env: NO_KEY_ENV });
    const b = await importConvertigo(src, await tempDir(), { env: NO_KEY_ENV });
    expect(await readTree(b.projectDir)).toEqual(await readTree(a.projectDir));
    expect(b.warnings).toEqual(a.warnings);
  });

  it("applies Convertigo's defaults and names: a path without slash, a mapper name that is no file name, an empty target", async () => {
    const src = await writeC8oProject(await tempDir(), {
      "c8oProject.yaml": [
        "↑convertigo: 8.0.0.m006",
        "↓P [core.Project]: ",
        "  ↓S [sequences.GenericSequence]: ",
        "  ↓My API [core.UrlMapper]: 🗏 urlMapper.yaml",
      ].join("\n"),
      "_c8oProject/urlMapper.yaml": [
        "↓Root [rest.PathMapping]: ",
        "  ↓GetOperation [rest.GetOperation]: ",
        "    targetRequestable: P.S",
        "    ↓Ok [rest.OperationResponse]: ",
        "    ↓Later [rest.OperationResponse]: ",
        "      statusCode: 202",
        "↓Items [rest.PathMapping]: ",
        "  path: items/{id}",
        "  ↓GetOperation [rest.GetOperation]: ",
        "  ↓PostOperation [rest.PostOperation]: ",
        "    targetRequestable: P.x.y.z",
        // As c8oprj-lib-c8o-mcp's exec.yaml: a raw text body.
        "↓Exec [rest.PathMapping]: ",
        "  path: /exec",
        "  ↓Exec [rest.PostOperation]: ",
        "    targetRequestable: P.S",
        "    ↓script [rest.BodyParameter-1760691753802]: ",
        "      inputContent: noConvert",
        "      mappedVariableName: script",
        "      required: true",
        "      value: return null",
        "    ↓ids [rest.QueryParameter]: ",
        "      array: true",
        // As c8oprj-lib-flow-mcp: the same operations again under a trailing slash.
        "↓FlowMcp [rest.PathMapping]: ",
        "  path: /flow-mcp",
        "  ↓Get [rest.GetOperation-1780096200101]: ",
        "    targetRequestable: P.S",
        "↓FlowMcpSlash [rest.PathMapping]: ",
        "  path: /flow-mcp/",
        "  ↓Get [rest.GetOperation-1780096200201]: ",
        "    comment: the same",
        "    targetRequestable: P.S",
        // The same URLs as Items, other operations.
        "↓ItemsByKey [rest.PathMapping]: ",
        "  path: /items/{key}",
        "  ↓GetOperation [rest.GetOperation]: ",
        "    targetRequestable: P.S",
      ].join("\n"),
    });
    const summary = await importConvertigo(src, await tempDir(), { env: NO_KEY_ENV });
    expect(summary.foreignByClass).toEqual({ "rest.PathMapping": 1, "rest.GetOperation": 1 });
    const project = await loadProject(summary.projectDir);
    const root = project.root;
    const mapper = byName(root, "UrlMapper", "My_API");
    expect(String(mapper.props.comment)).toContain('its Convertigo name is "My API"');
    expect(await readdir(path.join(summary.projectDir, "api"))).toEqual(["My_API.yaml"]);
    expect(byName(root, "RestPath", "Root").props).toEqual({ path: "/" });
    expect(byName(root, "RestPath", "Items").props).toEqual({ path: "/items/{id}" });
    // Ok (200) and Later (202) both without XPath: the first applies, the second documents.
    const op = byName(root, "RestOperation", "GetOperation", "Root");
    expect(op.props).toMatchObject({ sequence: "S", terminateSession: true });
    expect(byName(root, "RestResponse", "Ok").props).toEqual({});
    expect(String(op.props.comment)).toContain("Later (202) is documentation only");
    const w = summary.warnings.join("\n");
    expect(w).toMatch(/GetOperation \(rest\.GetOperation\): it names no target/);
    expect(w).toMatch(/PostOperation \(rest\.PostOperation\): its target P\.x\.y\.z is neither/);
    expect(w).toMatch(/renamed "My_API"/);
    const script = byName(root, "RestParameter", "script");
    expect(script.props).toMatchObject({ in: "body", dataType: "string", required: true, default: "return null" });
    expect(script.props.variable).toBeUndefined();
    expect(w).toMatch(/script \(rest\.BodyParameter\): Convertigo gave the target the body's raw text/);
    expect(byName(root, "RestParameter", "ids").props).toEqual({ multiValued: true });
    const slash = byName(root, "Foreign", "FlowMcpSlash");
    expect(slash.props).toMatchObject({ class: "rest.PathMapping" });
    expect(String(slash.props.note)).toContain("same URLs as FlowMcp's");
    expect(w).toMatch(/FlowMcpSlash \(rest\.PathMapping\): kept as foreign: its path \/flow-mcp\/ is \/flow-mcp/);
    expect(byName(root, "RestPath", "ItemsByKey").props).toEqual({ path: "/items/{key}" });
    expect(w).toMatch(
      /ItemsByKey \(rest\.PathMapping\): its path \/items\/\{key\} matches the same URLs as the path \/items\/\{id\} of Items/,
    );
    // Marked invalid, for the Studio to show what to fix: the operations without target, and the
    // mapper holding two paths for the same URLs.
    expect(project.invalidCount).toBe(3);
  });
});

describe("importing a published URL mapper (c8oprj-urlmapper-demo)", () => {
  it("maps all but its Basic authentication, and loads back valid", async () => {
    const src = await tempDir();
    await cp(DEMO, src, { recursive: true });
    const ws = await tempDir();
    const summary = await importConvertigo(src, ws, { env: NO_KEY_ENV });
    expect(summary.foreignByClass).toEqual({ "rest.BasicAuthentication": 1 });
    expect(summary.objects).toBe(75);
    expect(summary.mapped).toBe(74);
    const project = await loadProject(summary.projectDir);
    expect(project.errors).toEqual([]);
    expect(project.invalidCount).toBe(0);
    const root = project.root;
    expect(types(root)).toMatchObject({
      UrlMapper: 1,
      RestPath: 3,
      RestOperation: 7,
      RestParameter: 23,
      RestResponse: 7,
    });
    expect(byName(root, "UrlMapper", "ApiV1").props).toMatchObject({ prefix: "/v1" });
    const auth = byName(root, "Foreign", "BasicAuth");
    expect(auth.props).toMatchObject({ class: "rest.BasicAuthentication" });
    expect(String(auth.props.note)).toContain("Atelier's REST API has no authentication object");
    expect(summary.warnings.join("\n")).toMatch(
      /urlMapper\.yaml:4: BasicAuth \(rest\.BasicAuthentication\): Basic authentication kept as foreign/,
    );

    const read = byName(root, "RestOperation", "ReadResource");
    expect(read.props).toMatchObject({ sequence: "api_read_resource", summary: "Reads a resource by ID." });
    // terminateSession: false is Atelier's default.
    expect(read.props.terminateSession).toBeUndefined();
    expect(byName(root, "RestParameter", "X_API_Key", "ReadResource").props).toMatchObject({
      in: "header",
      variable: "apiKey",
    });
    // mappedVariableName equal to the name: no variable.
    expect(byName(root, "RestParameter", "id", "ReadResource").props.variable).toBeUndefined();
    const notFound = byName(root, "RestResponse", "NotFound", "ReadResource");
    expect(notFound.props).toMatchObject({
      statusCode: 404,
      condition: "error.code == RESOURCE_NOT_FOUND",
      description: "Resource not found.",
      schema: { type: "object", required: ["code", "message", "correlationId"] },
    });
    // The Studio's comment repeating the status text is not kept twice.
    expect(String(notFound.props.comment)).not.toContain("Resource not found.");
    expect(byName(root, "RestParameter", "toto").props).toMatchObject({ default: "test" });
    expect(String(byName(root, "RestOperation", "DownloadFile").props.comment)).toContain("outputContent: toBinary");
  });
});
