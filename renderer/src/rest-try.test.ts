import { describe, expect, it } from "vitest";
import type { FlatNode } from "../../engine/common/studio/api.ts";
import {
  buildRequest,
  formatBody,
  generateMessage,
  paramKey,
  tryOperation,
  TryError,
  type TryOperation,
} from "./rest-try.ts";
import type { ProjectState } from "./tree-model.ts";

function state(nodes: FlatNode[]): ProjectState {
  return { name: "Shop", rev: 1, rootId: "root", nodes: new Map(nodes.map((n) => [n.id, n])) };
}
function n(id: string, type: string, name: string, parent: string | undefined, props = {}, children: string[] = []) {
  return { id, type, name, parent, props, children } as FlatNode;
}

const shop = state([
  n("root", "Project", "Shop", undefined, {}, ["seq", "mapper"]),
  n("seq", "Sequence", "GetOrder", "root", {}, ["v1", "v2", "v3"]),
  n("v1", "Variable", "id", "seq", { dataType: "integer", description: "The order" }),
  n("v2", "Variable", "tags", "seq", { multiValued: true }),
  n("v3", "Variable", "when", "seq", { dataType: "boolean" }),
  n("mapper", "UrlMapper", "api", "root", { prefix: "/v1" }, ["path"]),
  n("path", "RestPath", "/orders/{id}", "mapper", { path: "/orders/{id}/" }, ["op"]),
  n("op", "RestOperation", "GetOrder", "path", { method: "GET", sequence: "GetOrder" }, ["p1", "p2", "r"]),
  n("p1", "RestParameter", "tags", "op", { in: "query" }),
  n("p2", "RestParameter", "X-When", "op", { in: "header", variable: "when", required: true }),
  n("r", "RestResponse", "ok", "op", {}),
]);

describe("tryOperation", () => {
  it("reads the parameters from the tree: declared ones, then the template's, types from the target", () => {
    const op = tryOperation(shop, "op")!;
    expect(op.method).toBe("GET");
    expect(op.template).toBe("/v1/orders/{id}");
    expect(op.params).toEqual([
      {
        name: "id",
        in: "path",
        required: true,
        multiValued: false,
        dataType: "integer",
        description: "The order",
        declared: false,
      },
      { name: "tags", in: "query", required: false, multiValued: true, dataType: "string", declared: true },
      { name: "X-When", in: "header", required: true, multiValued: false, dataType: "boolean", declared: true },
    ]);
    expect(tryOperation(shop, "path")).toBeUndefined();
  });

  it("says when the path cannot be called", () => {
    const bad = state([...shop.nodes.values()].map((x) => (x.id === "path" ? { ...x, props: { path: "orders" } } : x)));
    expect(tryOperation(bad, "op")!.problem).toBe('The path "orders" must start with /');
    expect(() => buildRequest(tryOperation(bad, "op")!, {}, "/api")).toThrow(TryError);
  });
});

describe("buildRequest", () => {
  const op = tryOperation(shop, "op")!;

  it("substitutes and encodes path parameters, adds query values (one per line) and headers", () => {
    const r = buildRequest(op, { "path:id": "4 2/x", "query:tags": "a\n\nb&c\n", "header:X-When": "true" }, "/api");
    expect(r).toEqual({
      method: "GET",
      url: "/api/v1/orders/4%202%2Fx?tags=a&tags=b%26c",
      headers: { "X-When": "true" },
    });
  });

  it("leaves out empty values; refuses an empty path parameter", () => {
    expect(buildRequest(op, { "path:id": "1" }, "/rest/").url).toBe("/rest/v1/orders/1");
    expect(() => buildRequest(op, { "path:id": " " }, "/api")).toThrow("Give a value for the path parameter {id}");
  });

  it("sends form parameters as a JSON object, a body parameter as its JSON", () => {
    const post: TryOperation = {
      method: "POST",
      template: "/notes",
      params: [
        { name: "text", in: "form", required: true, multiValued: false, dataType: "string", declared: true },
        { name: "tags", in: "form", required: false, multiValued: true, dataType: "string", declared: true },
      ],
    };
    expect(buildRequest(post, { "form:text": "hi", "form:tags": "a\nb" }, "/api")).toEqual({
      method: "POST",
      url: "/api/notes",
      headers: { "content-type": "application/json" },
      body: '{"text":"hi","tags":["a","b"]}',
    });
    expect(buildRequest(post, {}, "/api")).toEqual({ method: "POST", url: "/api/notes", headers: {} });
    const whole: TryOperation = {
      method: "PUT",
      template: "/",
      params: [{ name: "doc", in: "body", required: false, multiValued: false, dataType: "json", declared: true }],
    };
    expect(buildRequest(whole, { [paramKey({ in: "body", name: "doc" })]: '[1, {"a": 2}]' }, "/api")).toMatchObject({
      url: "/api",
      body: '[1, {"a": 2}]',
    });
    expect(() => buildRequest(whole, { "body:doc": "{nope" }, "/api")).toThrow(/The body \(doc\) is not JSON/);
    expect(() => buildRequest({ ...post, method: "GET" }, { "form:text": "x" }, "/api")).toThrow(
      "A GET request has no body",
    );
  });
});

describe("formatBody", () => {
  it("pretty-prints JSON, keeps anything else", () => {
    expect(formatBody('{"a":[1]}', "application/json")).toBe('{\n  "a": [\n    1\n  ]\n}');
    expect(formatBody('{"a":1}', null)).toBe('{\n  "a": 1\n}');
    expect(formatBody("{oops", "application/json")).toBe("{oops");
    expect(formatBody("plain", "text/plain")).toBe("plain");
  });
});

describe("generateMessage", () => {
  const op = { sequence: "S", method: "GET" as const, path: "/s", url: "/shop/s", parameters: [] };
  it("says what was made or added", () => {
    expect(
      generateMessage("Shop", {
        mapper: "api",
        prefix: "/shop",
        created: true,
        operations: [op, { ...op, method: "POST" }],
        skipped: [],
      }),
    ).toBe('REST API "api" made for Shop at /shop: 2 operations (1 GET, 1 POST)');
    expect(generateMessage("Shop", { mapper: "rest", prefix: "", created: false, operations: [op], skipped: [] })).toBe(
      '1 operation (1 GET, 0 POST) added to the REST API "rest"',
    );
    expect(
      generateMessage("Shop", {
        mapper: "api",
        prefix: "",
        created: false,
        operations: [],
        skipped: [{ sequence: "S", reason: "x" }],
      }),
    ).toBe("Every sequence of Shop callable from outside already has an operation (1 left out)");
  });
});
