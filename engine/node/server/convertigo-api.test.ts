import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testWorkspace, type TestWorkspace } from "../testing/harness.ts";
import { sendJson, startUpstream, type Upstream } from "../testing/upstream.ts";
import { startServer, type RunningServer } from "./server.ts";

let ws: TestWorkspace;
let server: RunningServer;
let upstream: Upstream;

beforeAll(async () => {
  upstream = await startUpstream((_req, res) => sendJson(res, 200, [{ id: 1 }, { id: 2 }]));
  ws = await testWorkspace({
    projectProps: { sessionTimeout: 600 },
    connectors: [
      {
        type: "HttpConnector",
        name: "Items",
        server: "127.0.0.1",
        port: upstream.port,
        isDefault: true,
        children: [{ type: "JsonHttpTransaction", name: "List", path: "/items", isDefault: true }],
      },
    ],
    sequences: [
      {
        type: "Sequence",
        name: "Greet",
        children: [
          { type: "Variable", name: "name", default: "World" },
          { type: "Element", name: "greeting", expression: '"Hello, " + name + "!"' },
        ],
      },
      {
        type: "Sequence",
        name: "Sum",
        children: [
          { type: "Variable", name: "n", multiValued: true, dataType: "number" },
          { type: "Element", name: "sum", expression: "n.reduce(function (a, b) { return a + b }, 0)" },
          { type: "Element", name: "count", expression: "n.length" },
        ],
      },
      {
        type: "Sequence",
        name: "Typed",
        children: [
          { type: "Variable", name: "age", dataType: "integer", required: true },
          { type: "Element", name: "age", expression: "age" },
        ],
      },
      {
        type: "Sequence",
        name: "Fail",
        children: [{ type: "Error", name: "e", code: "42", message: "Deliberate failure" }],
      },
      { type: "Sequence", name: "Broken", children: [{ type: "SequenceJS", name: "js", code: "null.x" }] },
      {
        type: "Sequence",
        name: "Secret",
        accessibility: "Private",
        children: [{ type: "Element", name: "s", value: 1 }],
      },
      {
        type: "Sequence",
        name: "Login",
        children: [
          { type: "Variable", name: "user" },
          { type: "SetAuthenticatedUser", name: "set", expression: "user", groups: "['staff']" },
        ],
      },
      {
        type: "Sequence",
        name: "Mine",
        authenticatedContextRequired: true,
        children: [{ type: "Element", name: "me", expression: "session.user()" }],
      },
      {
        type: "Sequence",
        name: "Callsecret",
        children: [
          { type: "CallSequence", name: "c", sequence: "Secret" },
          { type: "Element", name: "got", source: { step: "Callsecret-0-c", path: "s" } },
        ],
      },
    ],
  });
  server = await startServer(ws.engine, {
    bodyLimit: 64 * 1024,
    timeouts: { headersMs: 500, requestMs: 1000 },
    jsonp: true,
  });
});
afterAll(async () => {
  await server?.close();
  await ws?.close();
  await upstream?.close();
});

const url = (p: string) => new URL(p, server.url).toString();

describe("the Convertigo-compatible API", () => {
  it("runs a sequence from query variables and answers JSON", async () => {
    const res = await fetch(url("/projects/P/.json?__sequence=Greet&name=Ada"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toEqual({ greeting: "Hello, Ada!" });
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("takes form-urlencoded POSTs; repeated keys are multi-valued", async () => {
    const res = await fetch(url("/projects/P/.json"), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "__sequence=Sum&n=1&n=2&n=4.5",
    });
    expect(await res.json()).toEqual({ sum: 7.5, count: 3 });
  });

  it("answers the same output as XML", async () => {
    const res = await fetch(url("/projects/P/.xml?__sequence=Sum&n=1&n=2"));
    expect(res.headers.get("content-type")).toContain("text/xml");
    const text = await res.text();
    expect(text).toContain("<document>");
    expect(text).toContain('<sum type="number">3</sum>');
    expect(text).toContain('<count type="number">2</count>');
  });

  it("answers JSONP with a safe callback name", async () => {
    expect(await (await fetch(url("/projects/P/.jsonp?__sequence=Greet&__callback=cb"))).text()).toBe(
      '/**/cb({"greeting":"Hello, World!"});',
    );
    expect(await (await fetch(url("/projects/P/.jsonp?__sequence=Greet&__callback=alert(1)//"))).text()).toMatch(
      /^\/\*\*\/callback\(/,
    );
  });

  it("runs a transaction of the default connector", async () => {
    const res = await fetch(url("/projects/P/.json?__transaction=List"));
    expect(await res.json()).toEqual([{ id: 1 }, { id: 2 }]);
    const res2 = await fetch(url("/projects/P/.json?__connector=Items&__transaction=List"));
    expect(res2.status).toBe(200);
  });

  it("answers errors in Convertigo's shape with a fitting status and no stack trace", async () => {
    const cases: [string, number, string | number, RegExp][] = [
      ["/projects/Nope/.json?__sequence=Greet", 404, "unknown_project", /no project named "Nope"/],
      ["/projects/P/.json?__sequence=Nope", 404, "unknown_sequence", /no sequence named "Nope"/],
      ["/projects/P/.json?__sequence=Typed", 400, "missing_variable", /"age" is required/],
      [
        "/projects/P/.json?__sequence=Typed&age=old",
        400,
        "invalid_variable",
        /"age" must be a whole number, got "old"/,
      ],
      ["/projects/P/.json?__sequence=Fail", 500, 42, /^Deliberate failure$/],
      ["/projects/P/.json?__sequence=Secret", 403, "private_requestable", /private/],
      ["/projects/P/.json?__sequence=Mine", 401, "authentication_required", /requires an authenticated session/],
      ["/projects/P/.json", 400, "missing_requestable", /__sequence/],
      ["/projects/P/.json?__sequence=Broken", 500, "js_error", /TypeError/],
    ];
    for (const [path, status, code, message] of cases) {
      const res = await fetch(url(path));
      const body = (await res.json()) as { error: { code: unknown; message: string } };
      expect({ path, status: res.status, code: body.error.code }).toEqual({ path, status, code });
      expect(body.error.message).toMatch(message);
      expect(JSON.stringify(body)).not.toMatch(/\n\s+at |\.ts:\d+/);
    }
  });

  it("lets other sequences call a private one", async () => {
    expect(await (await fetch(url("/projects/P/.json?__sequence=Callsecret"))).json()).toEqual({ got: 1 });
  });

  it("keeps the authenticated user in a cookie session", async () => {
    const anonymous = await (await fetch(url("/services/user.Get"), { method: "POST" })).json();
    expect(anonymous).toMatchObject({ authenticated: false, user: null, groups: [] });

    const login = await fetch(url("/projects/P/.json?__sequence=Login&user=alice"));
    const cookie = login.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^atelier_sid=[^;]+; Path=\/; HttpOnly; SameSite=Lax/);
    expect(login.headers.get("x-convertigo-authenticated")).toBe("alice");
    const sid = cookie.split(";")[0]!;

    const who = await (await fetch(url("/services/user.Get"), { method: "POST", headers: { cookie: sid } })).json();
    expect(who).toMatchObject({ authenticated: true, user: "alice", groups: ["staff"], maxInactive: 600 });
    // A label of the session, never its id (the id is the cookie: HttpOnly, out of scripts' reach).
    const label = (who as { session: string }).session;
    expect(typeof label).toBe("string");
    expect(label).not.toBe(decodeURIComponent(sid.slice("atelier_sid=".length)));

    const mine = await fetch(url("/projects/P/.json?__sequence=Mine"), { headers: { cookie: sid } });
    expect(await mine.json()).toEqual({ me: "alice" });

    await fetch(url("/projects/P/.json?__sequence=Greet&__removeSession=true"), { headers: { cookie: sid } });
    const after = await (await fetch(url("/services/user.Get"), { method: "POST", headers: { cookie: sid } })).json();
    expect(after).toMatchObject({ authenticated: false });
    // A forged cookie is just an anonymous caller.
    const forged = await fetch(url("/projects/P/.json?__sequence=Mine"), { headers: { cookie: "atelier_sid=forged" } });
    expect(forged.status).toBe(401);
  });

  it("refuses a body over the limit", async () => {
    const res = await fetch(url("/projects/P/.json"), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "__sequence=Greet&name=" + "x".repeat(100 * 1024),
    });
    expect(res.status).toBe(413);
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).toBeTruthy();
  });

  it("drops a client that never finishes its headers", async () => {
    const started = Date.now();
    const closed = await new Promise<boolean>((resolve) => {
      const socket = connect(server.port, "127.0.0.1", () =>
        socket.write("GET /projects/P/.json?__sequence=Greet HTTP/1.1\r\nHost: x\r\n"),
      );
      socket.on("data", () => {});
      socket.on("close", () => resolve(true));
      setTimeout(() => {
        socket.destroy();
        resolve(false);
      }, 10_000).unref();
    });
    expect(closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(9_000);
    // Others are still served.
    expect((await fetch(url("/projects/P/.json?__sequence=Greet"))).status).toBe(200);
  });

  it("answers unknown paths with a JSON 404", async () => {
    const res = await fetch(url("/nothing/here"));
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
  });
});
