import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testWorkspace, type TestWorkspace } from "../../../node/testing/harness.ts";
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
              { type: "Variable", name: "id", httpMethod: "path", required: true },
              { type: "Variable", name: "tag", multiValued: true },
              { type: "Variable", name: "trace", httpMethod: "header", httpName: "X-Trace" },
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
              { type: "Variable", name: "a", httpMethod: "body" },
              { type: "Variable", name: "b", httpMethod: "body", httpName: "bee", dataType: "boolean" },
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
