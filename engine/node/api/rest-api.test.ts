import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testWorkspace, type TestWorkspace } from "../testing/harness.ts";
import { startServer, type RunningServer } from "../server/server.ts";

let ws: TestWorkspace;
let server: RunningServer;
let base: string;

const el = (name: string, expression: string) => ({ type: "Element", name, expression });

beforeAll(async () => {
  ws = await testWorkspace({
    sequences: [
      {
        type: "Sequence",
        name: "GetOrder",
        children: [
          { type: "Variable", name: "orderId", dataType: "integer", required: true },
          { type: "Variable", name: "verbose", dataType: "boolean", default: false },
          {
            type: "If",
            name: "missing",
            condition: "orderId > 100",
            children: [{ type: "Error", name: "nf", code: "not_found", message: "No such order", httpStatus: 404 }],
          },
          el("id", "orderId"),
          el("verbose", "verbose"),
        ],
      },
      {
        type: "Sequence",
        name: "Search",
        children: [
          { type: "Variable", name: "tag", multiValued: true },
          { type: "Variable", name: "limit", dataType: "number", default: 10 },
          { type: "Variable", name: "lang" },
          el("tags", "tag"),
          el("limit", "limit"),
          el("lang", "lang"),
        ],
      },
      {
        type: "Sequence",
        name: "AddOrder",
        children: [
          { type: "Variable", name: "item", required: true },
          { type: "Variable", name: "qty", dataType: "integer", default: 1 },
          { type: "Variable", name: "meta", dataType: "json" },
          el("created", '"order-" + item'),
          el("qty", "qty"),
          el("meta", "meta"),
        ],
      },
      {
        type: "Sequence",
        name: "Import",
        children: [{ type: "Variable", name: "doc", dataType: "json" }, el("received", "doc")],
      },
      {
        type: "Sequence",
        name: "Saml",
        children: [{ type: "Variable", name: "relay" }, el("redirect", '"https://idp.example/sso?relay=" + relay')],
      },
      {
        type: "Sequence",
        name: "Login",
        children: [
          { type: "Variable", name: "user", required: true },
          { type: "SetAuthenticatedUser", name: "auth", expression: "user" },
          el("user", "user"),
        ],
      },
      {
        type: "Sequence",
        name: "Me",
        authenticatedContextRequired: true,
        children: [{ type: "GetAuthenticatedUser", name: "me" }],
      },
      { type: "Sequence", name: "Secret", accessibility: "Private", children: [el("secret", '"s3cret"')] },
      { type: "Sequence", name: "NewOrderForm", children: [el("form", '"new"')] },
    ],
    api: [
      {
        type: "UrlMapper",
        name: "Api",
        prefix: "/v1",
        children: [
          {
            type: "RestPath",
            name: "order",
            path: "/orders/{id}",
            children: [
              {
                type: "RestOperation",
                name: "get",
                method: "GET",
                sequence: "GetOrder",
                children: [
                  { type: "RestParameter", name: "id", in: "path", variable: "orderId" },
                  { type: "RestParameter", name: "verbose", in: "query" },
                  { type: "RestResponse", name: "missing", statusCode: 404, condition: "error.code == not_found" },
                ],
              },
            ],
          },
          {
            type: "RestPath",
            name: "new",
            path: "/orders/new",
            children: [{ type: "RestOperation", name: "form", method: "GET", sequence: "NewOrderForm" }],
          },
          {
            type: "RestPath",
            name: "orders",
            path: "/orders",
            children: [
              {
                type: "RestOperation",
                name: "search",
                method: "GET",
                sequence: "Search",
                children: [
                  { type: "RestParameter", name: "tag", in: "query", multiValued: true },
                  { type: "RestParameter", name: "limit", in: "query" },
                  { type: "RestParameter", name: "X-Lang", in: "header", variable: "lang" },
                ],
              },
              {
                type: "RestOperation",
                name: "add",
                method: "POST",
                sequence: "AddOrder",
                children: [
                  { type: "RestParameter", name: "item", in: "form", required: true },
                  { type: "RestParameter", name: "qty", in: "form" },
                  { type: "RestParameter", name: "meta", in: "form" },
                  {
                    type: "RestResponse",
                    name: "created",
                    statusCode: 201,
                    headers: { Location: "/api/v1/orders/{created}" },
                  },
                ],
              },
            ],
          },
          {
            type: "RestPath",
            name: "import",
            path: "/import",
            children: [
              {
                type: "RestOperation",
                name: "put",
                method: "PUT",
                sequence: "Import",
                children: [
                  { type: "RestParameter", name: "doc", in: "body" },
                  { type: "RestResponse", name: "done", statusCode: 204, body: "none" },
                ],
              },
            ],
          },
          {
            type: "RestPath",
            name: "saml",
            path: "/saml/login",
            children: [
              {
                type: "RestOperation",
                name: "go",
                method: "GET",
                sequence: "Saml",
                children: [
                  { type: "RestParameter", name: "RelayState", in: "query", variable: "relay" },
                  {
                    type: "RestResponse",
                    name: "redirect",
                    statusCode: 302,
                    condition: "redirect",
                    headers: { Location: "{redirect}" },
                    body: "none",
                  },
                ],
              },
            ],
          },
          {
            type: "RestPath",
            name: "login",
            path: "/login",
            children: [
              {
                type: "RestOperation",
                name: "post",
                method: "POST",
                sequence: "Login",
                children: [{ type: "RestParameter", name: "user", in: "form" }],
              },
            ],
          },
          {
            type: "RestPath",
            name: "once",
            path: "/login-once",
            children: [
              {
                type: "RestOperation",
                name: "post",
                method: "POST",
                sequence: "Login",
                terminateSession: true,
                children: [{ type: "RestParameter", name: "user", in: "form" }],
              },
            ],
          },
          {
            type: "RestPath",
            name: "me",
            path: "/me",
            children: [
              {
                type: "RestOperation",
                name: "get",
                method: "GET",
                sequence: "Me",
                children: [{ type: "RestResponse", name: "ok", body: "me" }],
              },
            ],
          },
          {
            type: "RestPath",
            name: "secret",
            path: "/secret",
            children: [{ type: "RestOperation", name: "get", method: "GET", sequence: "Secret" }],
          },
          {
            type: "RestPath",
            name: "ghost",
            path: "/ghost",
            children: [{ type: "RestOperation", name: "get", method: "GET", sequence: "NoSuchSequence" }],
          },
        ],
      },
    ],
  });
  server = await startServer(ws.engine, { port: 0 });
  base = `${server.url}api/v1`;
});

afterAll(async () => {
  await server?.close();
  await ws?.close();
});

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

describe("REST API: paths and methods", () => {
  it("binds a path parameter to its variable, converted to the variable's type", async () => {
    const res = await fetch(`${base}/orders/7?verbose=true`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await json(res)).toEqual({ id: 7, verbose: true });
  });

  it("prefers a literal segment to a parameter, whatever the order of the paths", async () => {
    expect(await json(await fetch(`${base}/orders/new`))).toEqual({ form: "new" });
  });

  it("decodes %-escapes in path segments; a malformed escape is a 400", async () => {
    expect(await json(await fetch(`${base}/orders/new%20x`))).toMatchObject({ code: "invalid_parameter" });
    const bad = await fetch(`${base}/orders/%E0%A4%A`);
    expect(bad.status).toBe(400);
  });

  it("answers 404 as a problem for an unknown path, 405 with Allow for a wrong method", async () => {
    const nf = await fetch(`${base}/nothing/here`);
    expect(nf.status).toBe(404);
    const p = await json(nf);
    expect(p).toMatchObject({ type: "about:blank", title: "Not Found", status: 404, code: "not_found" });
    const na = await fetch(`${base}/orders/7`, { method: "DELETE" });
    expect(na.status).toBe(405);
    expect(na.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
    const opt = await fetch(`${base}/orders`, { method: "OPTIONS" });
    expect(opt.status).toBe(204);
    expect(opt.headers.get("allow")).toBe("GET, POST, HEAD, OPTIONS");
  });

  it("answers HEAD from a GET operation, without a body", async () => {
    const res = await fetch(`${base}/orders/3`, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
  });

  it("is linked from the engine's root page", async () => {
    const page = await (await fetch(server.url)).text();
    expect(page).toContain('<a href="/api/docs">documentation</a>');
  });

  it("tolerates a trailing slash", async () => {
    expect((await fetch(`${base}/orders/7/`)).status).toBe(200);
  });
});

describe("REST API: parameters", () => {
  it("refuses a value that does not convert, naming the parameter (not the variable)", async () => {
    const res = await fetch(`${base}/orders/abc`);
    expect(res.status).toBe(400);
    const p = await json(res);
    expect(p.code).toBe("invalid_parameter");
    expect(p.detail).toBe('The path parameter "id" must be a whole number, got "abc"');
    expect(p.parameter).toEqual({ name: "id", in: "path" });
    const q = await json(await fetch(`${base}/orders/1?verbose=maybe`));
    expect(q.detail).toBe('The query parameter "verbose" must be true or false, got "maybe"');
  });

  it("reads repeated query values as a list, numbers converted, headers mapped to variables", async () => {
    const res = await fetch(`${base}/orders?tag=a&tag=b&limit=2.5`, { headers: { "x-lang": "fr" } });
    expect(await json(res)).toEqual({ tags: ["a", "b"], limit: 2.5, lang: "fr" });
    const one = await json(await fetch(`${base}/orders?tag=solo`));
    expect(one).toEqual({ tags: ["solo"], limit: 10, lang: null });
    const bad = await json(await fetch(`${base}/orders?tag=a&limit=ten`));
    expect(bad.detail).toBe('The query parameter "limit" must be a number, got "ten"');
  });

  it("reads form fields from a form body or a JSON object body", async () => {
    const form = await fetch(`${base}/orders`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "item=pen&qty=3",
    });
    expect(form.status).toBe(201);
    expect(form.headers.get("location")).toBe("/api/v1/orders/order-pen");
    expect(await json(form)).toEqual({ created: "order-pen", qty: 3, meta: null });
    const j = await fetch(`${base}/orders`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ item: "ink", qty: 2, meta: { color: "blue" } }),
    });
    expect(await json(j)).toEqual({ created: "order-ink", qty: 2, meta: { color: "blue" } });
  });

  it("refuses a missing required parameter and a wrong body, naming them", async () => {
    const res = await fetch(`${base}/orders`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ qty: 2 }),
    });
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ code: "missing_parameter", detail: 'The body field "item" is required' });
    const list = await fetch(`${base}/orders`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "[1]",
    });
    expect((await json(list)).code).toBe("invalid_body");
    const qty = await fetch(`${base}/orders`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ item: "x", qty: 1.5 }),
    });
    expect((await json(qty)).detail).toBe('The body field "qty" must be a whole number, got 1.5');
    const bad = await fetch(`${base}/orders`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{",
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const xml = await fetch(`${base}/orders`, {
      method: "POST",
      headers: { "content-type": "text/xml" },
      body: "<a/>",
    });
    expect(xml.status).toBe(415);
  });

  it("gives the whole JSON body to a body parameter; a 204 has no body", async () => {
    const res = await fetch(`${base}/import`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([{ a: 1 }, { b: [2] }]),
    });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
  });

  it("bounds what a caller sends: deep JSON, huge lists", async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 60; i++) deep = [deep];
    const res = await fetch(`${base}/import`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(deep),
    });
    expect(res.status).toBe(400);
    expect((await json(res)).code).toBe("too_deep");
    const many = await fetch(`${base}/orders?${Array.from({ length: 1001 }, () => "tag=x").join("&")}`);
    expect(many.status).toBe(413);
  });
});

describe("REST API: responses", () => {
  it("maps a failed run to the declared response of its condition, as a problem", async () => {
    const res = await fetch(`${base}/orders/404`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(await json(res)).toMatchObject({
      status: 404,
      title: "Not Found",
      code: "not_found",
      detail: "No such order",
    });
  });

  it("redirects with a Location taken from the output (a SAML endpoint's 302)", async () => {
    const res = await fetch(`${base}/saml/login?RelayState=abc`, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("https://idp.example/sso?relay=abc");
    expect(await res.text()).toBe("");
  });

  it("answers a part of the output when the response says so", async () => {
    const login = await fetch(`${base}/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ user: "alice" }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    const me = await fetch(`${base}/me`, { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(await me.json()).toBe("alice");
  });
});

describe("REST API: sessions", () => {
  it("ends the session after the call when the operation says so (stateless clients)", async () => {
    const res = await fetch(`${base}/login-once`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ user: "carol" }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ user: "carol" });
    // The session the login made is destroyed, and the client told to forget its cookie.
    expect(res.headers.get("set-cookie")).toMatch(/^atelier_sid=;.*Max-Age=0/);
  });

  it("takes a text body as the value of a body parameter", async () => {
    const res = await fetch(`${base}/import`, {
      method: "PUT",
      headers: { "content-type": "text/plain" },
      body: '{"a": 1}',
    });
    expect(res.status).toBe(204);
  });
});

describe("REST API: access", () => {
  it("keeps private targets private and asks for authentication where the target does", async () => {
    const secret = await fetch(`${base}/secret`);
    expect(secret.status).toBe(403);
    expect(JSON.stringify(await json(secret))).not.toContain("s3cret");
    const me = await fetch(`${base}/me`);
    expect(me.status).toBe(401);
    expect((await json(me)).code).toBe("authentication_required");
  });

  it("answers a clear 500 for an operation whose target does not exist", async () => {
    const res = await fetch(`${base}/ghost`);
    expect(res.status).toBe(500);
    expect((await json(res)).code).toBe("operation_without_target");
  });

  it("serves a Studio edit at once (paths are read again when a tree changes)", async () => {
    const project = ws.engine.project("P")!;
    const mapper = project.root.children.find((c) => c.type === "UrlMapper")!;
    const orders = mapper.children.find((c) => c.name === "new")!;
    orders.props.path = "/orders/blank";
    ws.engine.workspace.edited("P"); // as the Studio does with every change
    try {
      expect(await json(await fetch(`${base}/orders/blank`))).toEqual({ form: "new" });
      expect((await fetch(`${base}/orders/new`)).status).toBe(400); // now /orders/{id} with id "new"
    } finally {
      orders.props.path = "/orders/new";
      ws.engine.workspace.edited("P");
    }
  });
});
