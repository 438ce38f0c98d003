import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSteps, testWorkspace, type TestWorkspace } from "../../../node/testing/harness.ts";
import { closedPort, sendJson, startUpstream, type Upstream } from "../../../node/testing/upstream.ts";

let upstream: Upstream;
let ws: TestWorkspace;

beforeAll(async () => {
  upstream = await startUpstream(async (req, res) => {
    const url = new URL(req.url, "http://x");
    const route = url.pathname.replace(/^\/v1/, "");
    if (route === "/slow") return; // never answers
    if (route === "/html") {
      res.writeHead(200, { "content-type": "text/html" });
      return void res.end("<html>oops</html>");
    }
    if (route === "/fail") return sendJson(res, 503, { message: "down for maintenance" });
    if (route === "/empty") {
      res.writeHead(204);
      return void res.end();
    }
    sendJson(
      res,
      200,
      { path: url.pathname, query: [...url.searchParams], body: req.body ? JSON.parse(req.body) : null },
      { "x-served-by": "upstream" },
    );
  });
  const port = new URL(upstream.url).port;
  const down = await closedPort();
  ws = await testWorkspace({
    settings: [
      { type: "Setting", name: "apiPort", value: port },
      { type: "Setting", name: "apiToken", value: "tok-123", secret: true },
    ],
    connectors: [
      {
        type: "HttpConnector",
        name: "Api",
        server: "127.0.0.1",
        port: "${apiPort}",
        basePath: "/v1",
        headers: { authorization: "Bearer ${apiToken}" },
        timeoutMs: 400,
        children: [
          {
            type: "JsonHttpTransaction",
            name: "GetThing",
            path: "/things/{id}",
            children: [
              { type: "Variable", name: "id", httpUse: "path", required: true },
              { type: "Variable", name: "tag", multiValued: true },
              { type: "Variable", name: "trace", httpUse: "header", httpName: "X-Trace" },
            ],
          },
          {
            type: "JsonHttpTransaction",
            name: "PostThing",
            verb: "POST",
            path: "/things",
            body: '{"name": "{name}", "size": "{size}", "label": "size {size}"}',
            children: [
              { type: "Variable", name: "name" },
              { type: "Variable", name: "size", dataType: "integer" },
            ],
          },
          {
            type: "JsonHttpTransaction",
            name: "PutFields",
            verb: "PUT",
            path: "/fields",
            children: [
              { type: "Variable", name: "a", httpUse: "body" },
              { type: "Variable", name: "b", httpUse: "body", httpName: "bee", dataType: "boolean" },
            ],
          },
          { type: "JsonHttpTransaction", name: "Slow", path: "/slow" },
          { type: "JsonHttpTransaction", name: "Html", path: "/html" },
          { type: "JsonHttpTransaction", name: "Fail", path: "/fail" },
          { type: "JsonHttpTransaction", name: "Empty", path: "/empty", verb: "DELETE" },
          { type: "JsonHttpTransaction", name: "Down", path: `http://127.0.0.1:${down}/x` },
        ],
      },
    ],
  });
});
afterAll(async () => {
  await ws?.close();
  await upstream?.close();
});

const call = (transaction: string, inputs: Record<string, unknown> = {}) =>
  ws.run({ connector: "Api", transaction, inputs, trace: true });

describe("JSON HTTP transaction", () => {
  it("expands the path, sends query and header variables and the connector's headers", async () => {
    const r = await call("GetThing", { id: "a b/c", tag: ["x", "y"], trace: "t-1" });
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual({
      path: "/v1/things/a%20b%2Fc",
      query: [
        ["tag", "x"],
        ["tag", "y"],
      ],
      body: null,
    });
    const req = upstream.requests.at(-1)!;
    expect(req.headers["x-trace"]).toBe("t-1");
    expect(req.headers.authorization).toBe("Bearer tok-123");
    // The secret never reaches the trace.
    expect(JSON.stringify(r.trace)).not.toContain("tok-123");
  });

  it("fills a JSON body template with typed values", async () => {
    const r = await call("PostThing", { name: "box", size: "3" });
    expect(r.output).toMatchObject({ body: { name: "box", size: 3, label: "size 3" } });
    expect(upstream.requests.at(-1)?.headers["content-type"]).toBe("application/json");
  });

  it("sends body variables as a JSON object", async () => {
    const r = await call("PutFields", { a: "x", b: "true" });
    expect(r.output).toMatchObject({ body: { a: "x", bee: true } });
  });

  it("answers null for an empty answer", async () => {
    const r = await call("Empty");
    expect(r.ok).toBe(true);
    expect(r.output).toBeNull();
  });

  it("ends a slow call at the connector's timeout with a clear error", async () => {
    const started = Date.now();
    const r = await call("Slow");
    expect(Date.now() - started).toBeLessThan(3000);
    expect(r.error?.code).toBe("http_request_failed");
    expect(r.error?.message).toMatch(
      /^Transaction Api\.Slow: GET http:\/\/127\.0\.0\.1:\d+\/v1\/slow failed: no complete answer within 400 ms$/,
    );
  });

  it("names the transaction and the URL when the server is unreachable", async () => {
    const r = await call("Down");
    expect(r.error?.code).toBe("http_request_failed");
    expect(r.error?.message).toMatch(
      /Transaction Api\.Down: GET http:\/\/127\.0\.0\.1:\d+\/x failed: connection refused/,
    );
    expect(r.error?.status).toBe(502);
  });

  it("refuses an answer that is not JSON", async () => {
    const r = await call("Html");
    expect(r.error?.code).toBe("http_not_json");
    expect(r.error?.message).toContain("answered something that is not JSON (text/html)");
  });

  it("reports an error status with the answer's body in the details", async () => {
    const r = await call("Fail");
    expect(r.error?.code).toBe("http_status");
    expect(r.error?.message).toContain("answered HTTP 503");
    expect(r.error?.details).toMatchObject({ status: 503, body: '{"message":"down for maintenance"}' });
  });

  it("refuses a missing required variable before calling", async () => {
    const before = upstream.requests.length;
    const r = await call("GetThing", {});
    expect(r.error?.code).toBe("missing_variable");
    expect(r.error?.status).toBe(400);
    expect(upstream.requests.length).toBe(before);
  });
});

describe("hosts a caller's variables may point a connector at (SSRF)", () => {
  let own: Upstream;
  let other: Upstream;
  let sws: TestWorkspace;
  beforeAll(async () => {
    own = await startUpstream((req, res) => {
      if (req.url.startsWith("/redirect")) {
        res.writeHead(302, { location: `${other.url}/stolen` });
        return void res.end();
      }
      sendJson(res, 200, { at: "own", path: req.url, host: req.headers.host });
    });
    other = await startUpstream((req, res) => sendJson(res, 200, { at: "other", path: req.url }));
    const tx = (name: string, path: string, extra: Record<string, unknown> = {}, vars: string[] = []) => ({
      type: "JsonHttpTransaction",
      name,
      path,
      ...extra,
      children: vars.map((v) => ({ type: "Variable", name: v, httpUse: "none" })),
    });
    sws = await testWorkspace({
      settings: [{ type: "Setting", name: "apiHosts", value: "" }],
      connectors: [
        {
          type: "HttpConnector",
          name: "Own",
          server: "127.0.0.1",
          port: own.port,
          children: [
            tx("ByUrl", "{+baseUrl}/things", {}, ["baseUrl"]),
            tx("ByPath", "/things/{+rest}", {}, ["rest"]),
            tx("BySegment", "/things/{id}", {}, ["id"]),
            tx("Redirect", "/redirect"),
            tx("Literal", `${other.url}/fixed/{id}`, {}, ["id"]),
            tx("HostTemplate", "/things", { headers: { host: "{h}" } }, ["h"]),
            {
              type: "JsonHttpTransaction",
              name: "HostVariable",
              path: "/things",
              children: [{ type: "Variable", name: "vhost", httpUse: "header", httpName: "Host" }],
            },
          ],
        },
        {
          type: "HttpConnector",
          name: "Listed",
          server: "127.0.0.1",
          port: own.port,
          allowedHosts: "${apiHosts}",
          children: [tx("ByUrl", "{+baseUrl}/things", {}, ["baseUrl"])],
        },
      ],
    });
  });
  afterAll(async () => {
    await sws?.close();
    await own?.close();
    await other?.close();
  });
  const run = (connector: string, transaction: string, inputs: Record<string, unknown>) =>
    sws.run({ connector, transaction, inputs });

  it("lets a variable name the connector's own host and port, in any spelling of them", async () => {
    for (const baseUrl of [own.url, `http://2130706433:${own.port}`, `HTTP://127.0.0.1:${own.port}/`]) {
      const r = await run("Own", "ByUrl", { baseUrl });
      expect(r.error, baseUrl).toBeUndefined();
      expect(r.output).toMatchObject({ at: "own" });
    }
  });

  it("refuses any other host a variable names, before connecting, naming the host and what to change", async () => {
    const before = other.requests.length + own.requests.length;
    for (const baseUrl of [
      other.url, // the same address, another port
      `http://localhost:${own.port}`, // another name of the same machine
      "http://169.254.169.254/latest/meta-data",
      "http://[::1]:80",
      `http://127.0.0.1:${own.port}@169.254.169.254`,
    ]) {
      const r = await run("Own", "ByUrl", { baseUrl });
      expect(r.error?.code, baseUrl).toBe("host_not_allowed");
      expect(r.error?.status).toBe(403);
      expect(r.error?.message).toMatch(
        /may not call \(it may call 127\.0\.0\.1:\d+\); to allow it, add it to the connector's allowedHosts/,
      );
    }
    expect(other.requests.length + own.requests.length).toBe(before);
  });

  it("keeps path variables on the connector's host, whatever they hold", async () => {
    for (const rest of ["@evil.example/x", "//evil.example/x", "\\\\evil.example", "http://evil.example/"]) {
      const r = await run("Own", "ByPath", { rest });
      expect(r.output, rest).toMatchObject({ at: "own" });
    }
    const r = await run("Own", "BySegment", { id: ".." });
    expect(r.error?.code).toBe("invalid_path_variable");
    expect(r.error?.status).toBe(400);
  });

  it("holds a Host header, from a template or a variable, to the same list", async () => {
    for (const [tx, inputs] of [
      ["HostTemplate", { h: "evil.example" }],
      ["HostVariable", { vhost: "evil.example" }],
      ["HostVariable", { vhost: `evil.example@127.0.0.1:${own.port}` }],
    ] as const) {
      const r = await run("Own", tx, inputs);
      expect(r.error?.code, JSON.stringify(inputs)).toBe("host_not_allowed");
      expect(r.error?.message).toContain("the Host header names");
    }
    const ok = await run("Own", "HostVariable", { vhost: `127.0.0.1:${own.port}` });
    expect(ok.output).toMatchObject({ at: "own", host: `127.0.0.1:${own.port}` });
  });

  it("does not follow redirects (a redirect could lead anywhere)", async () => {
    const before = other.requests.length;
    const r = await run("Own", "Redirect", {});
    expect(r.error?.code).toBe("http_status");
    expect(r.error?.message).toContain("answered HTTP 302");
    expect(other.requests.length).toBe(before);
  });

  it("lets a transaction call the host written in its own path", async () => {
    const r = await run("Own", "Literal", { id: "1" });
    expect(r.output).toMatchObject({ at: "other", path: "/fixed/1" });
  });

  it("takes more hosts from allowedHosts, usually a setting, and names that setting when refusing", async () => {
    const refused = await run("Listed", "ByUrl", { baseUrl: other.url });
    expect(refused.error?.code).toBe("host_not_allowed");
    expect(refused.error?.message).toContain(
      'add it to the setting apiHosts (the connector\'s allowedHosts is "${apiHosts}")',
    );
    expect(refused.error?.details).toMatchObject({ host: `127.0.0.1:${other.port}`, settings: ["apiHosts"] });
    const ws2 = await testWorkspace(
      {
        settings: [{ type: "Setting", name: "apiHosts", value: "" }],
        connectors: [
          {
            type: "HttpConnector",
            name: "Listed",
            server: "127.0.0.1",
            port: own.port,
            allowedHosts: "${apiHosts}",
            children: [
              {
                type: "JsonHttpTransaction",
                name: "ByUrl",
                path: "{+baseUrl}/things",
                children: [{ type: "Variable", name: "baseUrl", httpUse: "none" }],
              },
            ],
          },
        ],
      },
      { settings: { apiHosts: `localhost, ${other.url}` } },
    );
    try {
      const viaSetting = await ws2.run({ connector: "Listed", transaction: "ByUrl", inputs: { baseUrl: other.url } });
      expect(viaSetting.output).toMatchObject({ at: "other" });
      const byName = await ws2.run({
        connector: "Listed",
        transaction: "ByUrl",
        inputs: { baseUrl: `http://localhost:${own.port}` },
      });
      expect(byName.output).toMatchObject({ at: "own" });
    } finally {
      await ws2.close();
    }
  });
});

describe("number properties of the connector given by settings", () => {
  it("refuses a time limit or a port out of bounds, naming the property and the setting", async () => {
    for (const [settings, why] of [
      [
        { t: "-5", p: "80" },
        /the connector's timeoutMs is "\$\{t\}", which gives -5: not a whole number from 1 to 3600000 \(change the setting t\)/,
      ],
      [
        { t: "1000", p: "70000" },
        /the connector's port is "\$\{p\}", which gives 70000: not a whole number from 0 to 65535 \(change the setting p\)/,
      ],
    ] as const) {
      const r = await runSteps(
        [{ type: "CallTransaction", name: "c", connector: "Api", transaction: "Get" }],
        {},
        {
          connectors: [
            {
              type: "HttpConnector",
              name: "Api",
              server: "127.0.0.1",
              port: "${p}",
              timeoutMs: "${t}",
              children: [{ type: "JsonHttpTransaction", name: "Get", path: "/x" }],
            },
          ],
          engine: { settings },
        },
      );
      expect(r.error?.code).toBe("invalid_setting");
      expect(r.error?.message).toMatch(why);
    }
  });
});

describe("body encodings (Convertigo sends POST variables form-encoded)", () => {
  let up: Upstream;
  let bws: TestWorkspace;
  beforeAll(async () => {
    up = await startUpstream((req, res) => {
      if (req.url === "/denied") return sendJson(res, 401, { error: "invalid_client" });
      sendJson(res, 200, { got: req.body, type: req.headers["content-type"] ?? null });
    });
    bws = await testWorkspace({
      connectors: [
        {
          type: "HttpConnector",
          name: "OAuth",
          server: "127.0.0.1",
          port: up.port,
          children: [
            {
              // lib_OAuth's GoogleOAuth.GetToken as imported: POST variables, form-encoded.
              type: "JsonHttpTransaction",
              name: "GetToken",
              verb: "POST",
              path: "/token",
              bodyEncoding: "form",
              children: [
                { type: "Variable", name: "code", httpUse: "body" },
                { type: "Variable", name: "client_id", httpUse: "body" },
                { type: "Variable", name: "redirect_uri", httpUse: "body" },
                { type: "Variable", name: "grant_type", httpUse: "body", default: "authorization_code" },
                { type: "Variable", name: "scope", httpUse: "body", multiValued: true },
              ],
            },
            {
              type: "JsonHttpTransaction",
              name: "Denied",
              verb: "POST",
              path: "/denied",
              bodyEncoding: "form",
              errorStatus: "answer",
              children: [{ type: "Variable", name: "code", httpUse: "body" }],
            },
            {
              // lib_OAuth's OpenID.Introspect: Convertigo's __body variable, sent as it is.
              type: "JsonHttpTransaction",
              name: "Raw",
              verb: "POST",
              path: "/raw",
              bodyEncoding: "text",
              body: "{__body}",
              headers: { "Content-Type": "application/x-www-form-urlencoded" },
              children: [{ type: "Variable", name: "__body", httpUse: "none" }],
            },
            {
              type: "JsonHttpTransaction",
              name: "Soap",
              verb: "POST",
              path: "/soap",
              bodyEncoding: "xml",
              body: '<q><id>{id}</id><opt a="{id}">{opt}</opt><n>{names}</n></q>',
              children: [
                { type: "Variable", name: "id", httpUse: "none" },
                { type: "Variable", name: "opt", httpUse: "none" },
                { type: "Variable", name: "names", httpUse: "none", multiValued: true },
              ],
            },
          ],
        },
      ],
    });
  });
  afterAll(async () => {
    await bws?.close();
    await up?.close();
  });
  const run = (transaction: string, inputs: Record<string, unknown>) =>
    bws.run({ connector: "OAuth", transaction, inputs });

  it("sends body variables form-encoded, defaults and lists included, in the variables' order", async () => {
    const r = await run("GetToken", {
      code: "4/0A é&=",
      client_id: "id.apps",
      redirect_uri: "https://app.example/cb?x=1",
      scope: ["openid", "email"],
    });
    expect(r.error).toBeUndefined();
    const got = up.requests.at(-1)!;
    expect(got.method).toBe("POST");
    expect(got.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(got.body).toBe(
      "code=4%2F0A+%C3%A9%26%3D&client_id=id.apps&redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fx%3D1&grant_type=authorization_code&scope=openid&scope=email",
    );
    // What a form parser on the other side reads back.
    expect(Object.fromEntries(new URLSearchParams(got.body))).toMatchObject({
      code: "4/0A é&=",
      grant_type: "authorization_code",
    });
  });

  it("leaves out variables without value", async () => {
    await run("GetToken", { code: "c1" });
    expect(up.requests.at(-1)!.body).toBe("code=c1&grant_type=authorization_code");
  });

  it("answers an error status's body when errorStatus is answer (Convertigo's way), with the status", async () => {
    const r = await run("Denied", { code: "x" });
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual({ error: "invalid_client" });
    expect(up.requests.at(-1)!.body).toBe("code=x");
  });

  it("sends a text body template as it is, with the transaction's content type", async () => {
    const r = await run("Raw", { __body: "token=abc&token_type_hint=access_token" });
    expect(r.error).toBeUndefined();
    const got = up.requests.at(-1)!;
    expect(got.body).toBe("token=abc&token_type_hint=access_token");
    expect(got.headers["content-type"]).toBe("application/x-www-form-urlencoded");
  });

  it("fills an XML template: escaped values, an element per value, none without value", async () => {
    await run("Soap", { id: 'a<b&"c', names: ["x", "y"] });
    const got = up.requests.at(-1)!;
    expect(got.headers["content-type"]).toBe("text/xml; charset=utf-8");
    expect(got.body).toBe("<q><id>a&lt;b&amp;&quot;c</id><n>x</n><n>y</n></q>");
    await run("Soap", { id: "1", opt: "o" });
    expect(up.requests.at(-1)!.body).toBe('<q><id>1</id><opt a="1">o</opt></q>');
  });
});
