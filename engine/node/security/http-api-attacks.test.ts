/**
 * Attacks on the Convertigo-compatible HTTP API (/projects, /services), against a real engine and
 * HTTP servers on random loopback ports: encoded and odd paths, oversized and malformed bodies,
 * session fixation, JSONP from other sites, SSRF through every way a variable reaches a URL, and
 * odd input that must never answer 500. Each case names the danger it guards against.
 */
import fc from "fast-check";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import os from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../engine.ts";
import { EngineLog } from "../log.ts";
import { startServer, type RunningServer } from "../server/server.ts";
import { sendJson, startUpstream, type Upstream } from "../testing/upstream.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

let dir: string;
let engine: Engine;
/** The API as a workspace serves it by default (JSONP off). */
let api: RunningServer;
/** The same engine with JSONP turned on (`jsonp: true`). */
let jsonpApi: RunningServer;
/** The items server FetchItems may call (allowed by the workspace's settings). */
let items: Upstream;
/** A server on the same machine that no variable may make the engine call (metadata, admin ports). */
let internal: Upstream;

const APP_ORIGIN = "https://app.example.com";

beforeAll(async () => {
  items = await startUpstream(async (req, res) => {
    if (req.url === "/slow/items") await new Promise((r) => setTimeout(r, 400));
    if (req.url.startsWith("/redirect")) {
      res.writeHead(302, { location: `${internal.url}/latest/meta-data` });
      return void res.end();
    }
    sendJson(res, 200, [{ id: 1, path: req.url, host: req.headers.host }]);
  });
  internal = await startUpstream((_req, res) => sendJson(res, 200, { secret: "instance-credentials" }));
  dir = await mkdtemp(path.join(os.tmpdir(), "atelier-attacks-"));
  await cp(path.join(repoRoot, "examples/workspace/Demo"), path.join(dir, "Demo"), { recursive: true });
  // FetchItems may reach the items server only (not the internal one on the same address).
  await writeFile(
    path.join(dir, "atelier.config.yaml"),
    stringify({
      settings: { "Demo.itemsAllowedHosts": `127.0.0.1:${items.port}` },
      cors: { origins: [APP_ORIGIN] },
    }),
  );
  const a = path.join(dir, "Atk");
  await mkdir(path.join(a, "sequences"), { recursive: true });
  await mkdir(path.join(a, "connectors"), { recursive: true });
  await writeFile(
    path.join(a, "project.yaml"),
    stringify({ atelier: 1, type: "Project", name: "Atk", id: "atkproject01" }),
  );
  const seq = (name: string, children: unknown[], extra: Record<string, unknown> = {}) =>
    writeFile(
      path.join(a, "sequences", `${name}.yaml`),
      stringify({ type: "Sequence", name, id: `atk${name}`.slice(0, 12).padEnd(12, "0"), ...extra, children }),
    );
  let n = 0;
  const id = () => `atkid${String(n++).padStart(7, "0")}`;
  await seq("Login", [
    { type: "Variable", name: "user", id: id() },
    { type: "SetAuthenticatedUser", name: "set", id: id(), expression: "user" },
    { type: "Element", name: "user", id: id(), expression: "user" },
  ]);
  await seq("SlowLogin", [
    { type: "Variable", name: "user", id: id() },
    { type: "SetAuthenticatedUser", name: "set", id: id(), expression: "user" },
    {
      type: "CallTransaction",
      name: "wait",
      id: id(),
      connector: "Hook",
      transaction: "ByUrl",
      children: [{ type: "StepVariable", name: "url", id: id(), value: `${items.url}/slow/items` }],
    },
    { type: "Element", name: "user", id: id(), expression: "user" },
  ]);
  await seq("Logout", [{ type: "RemoveAuthenticatedUser", name: "rm", id: id() }]);
  await seq("Remember", [
    { type: "Variable", name: "v", id: id() },
    { type: "SessionSet", name: "keep", id: id(), key: "note", expression: "v" },
  ]);
  await seq(
    "Me",
    [
      { type: "Element", name: "me", id: id(), expression: "session.user()" },
      { type: "Element", name: "note", id: id(), expression: "session.get('note')" },
    ],
    { authenticatedContextRequired: true },
  );
  await seq("Echo", [
    { type: "Variable", name: "v", id: id(), dataType: "json" },
    { type: "Element", name: "v", id: id(), expression: "v" },
  ]);
  const tx = (name: string, p: string, vars: Record<string, unknown>[]) => ({
    type: "JsonHttpTransaction",
    name,
    id: id(),
    path: p,
    children: vars.map((v) => ({ id: id(), httpUse: "none", ...v })),
  });
  await writeFile(
    path.join(a, "connectors", "Hook.yaml"),
    stringify({
      type: "HttpConnector",
      name: "Hook",
      id: "atkconhook01",
      server: "127.0.0.1",
      port: items.port,
      children: [
        tx("ByUrl", "{+url}", [{ type: "Variable", name: "url" }]),
        tx("ByPath", "/p/{+rest}", [{ type: "Variable", name: "rest" }]),
        tx("BySegment", "/p/{id}", [{ type: "Variable", name: "id" }]),
        tx("ByHost", "/p", [{ type: "Variable", name: "h", httpUse: "header", httpName: "Host" }]),
        tx("Redirect", "/redirect", []),
      ],
    }),
  );
  engine = await Engine.open({ workspaceDir: dir, log: new EngineLog({ level: "silent" }) });
  expect([...engine.workspace.projects.keys()].sort()).toEqual(["Atk", "Demo"]);
  api = await startServer(engine, { cors: engine.config.cors });
  jsonpApi = await startServer(engine, { cors: engine.config.cors, jsonp: true });
});

afterAll(async () => {
  await api?.close();
  await jsonpApi?.close();
  await engine?.close();
  await items?.close();
  await internal?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): { error?: { code?: unknown; message?: string } } & Record<string, unknown>;
}

/**
 * A raw HTTP exchange: the path is sent as written (fetch would normalise it), the body as given
 * (a string, or chunks written one by one without a content-length). A server that answers and
 * closes before the whole body is sent still gives its answer.
 */
function raw(
  server: RunningServer,
  method: string,
  p: string,
  opts: { headers?: Record<string, string>; body?: string | Buffer; chunks?: Buffer[] } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...opts.headers };
    if (opts.body !== undefined) headers["content-length"] = Buffer.byteLength(opts.body);
    // A connection of its own: one left with half a refused body must not carry the next request.
    const req = httpRequest({ host: "127.0.0.1", port: server.port, method, path: p, headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () => {
        const text = Buffer.concat(parts).toString("utf8");
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
    });
    // The server may refuse and close while the body is still being written: its answer counts.
    req.on("error", (e) => (req.writableEnded ? undefined : reject(e)));
    if (opts.chunks) {
      // Written without a content-length (chunked): the server counts as it reads.
      for (const c of opts.chunks) req.write(c);
      req.end();
    } else req.end(opts.body);
  });
}

const form = { "content-type": "application/x-www-form-urlencoded" };
const json = { "content-type": "application/json" };

/** A cookie header for a session cookie of a Set-Cookie answer. */
function cookieOf(a: Answer): string {
  const set = a.headers["set-cookie"];
  const first = (Array.isArray(set) ? set[0] : set) ?? "";
  expect(first).toMatch(/^atelier_sid=[^;]+;/);
  return first.split(";")[0] as string;
}
const idOf = (cookie: string) => decodeURIComponent(cookie.slice("atelier_sid=".length));

/** Runs work while measuring how long the event loop was held (the server runs in this process). */
async function loopDelayDuring<T>(work: () => Promise<T>): Promise<{ result: T; maxMs: number }> {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  try {
    const result = await work();
    return { result, maxMs: h.max / 1e6 };
  } finally {
    h.disable();
  }
}

/** Every character of a text is one XML 1.0 can hold. */
const XML_CHARS = /^[\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]*$/u;

describe("paths: encodings and odd shapes reach the same checks", () => {
  it("serves an encoded path exactly as the plain one, rules included", async () => {
    const plain = await raw(api, "GET", "/projects/Demo/.json?__sequence=Greet");
    expect(plain.status).toBe(200);
    for (const p of ["/projects/%44emo/.json?__sequence=Greet", "/projects/Demo/%2Ejson?__sequence=Greet"]) {
      const r = await raw(api, "GET", p);
      expect({ p, status: r.status, text: r.text }).toEqual({ p, status: 200, text: plain.text });
    }
    // A private sequence stays private however it is spelled.
    for (const p of [
      "/projects/Demo/.json?__sequence=Secret",
      "/projects/%44emo/%2Ejson?__sequence=%53ecret",
      "/projects/Demo/.json?__sequence=Secr%65t",
    ]) {
      const r = await raw(api, "GET", p);
      expect({ p, status: r.status, code: r.json().error?.code }).toEqual({
        p,
        status: 403,
        code: "private_requestable",
      });
    }
    // JSONP cannot be reached around its switch by spelling.
    const j = await raw(api, "GET", "/projects/Demo/%2Ejsonp?__sequence=Greet&__callback=steal");
    expect(j.status).toBe(403);
    expect(j.text).not.toContain("steal(");
  });

  it("answers odd paths with a JSON 4xx, never a 500 or a file", async () => {
    for (const p of [
      "//projects/Demo/.json?__sequence=Greet",
      "/projects//Demo/.json?__sequence=Greet",
      "/projects/Demo//.json?__sequence=Greet",
      "/projects/..%2fDemo/.json?__sequence=Greet",
      "/projects/%2e%2e/.json?__sequence=Greet",
      "/projects/__proto__/.json?__sequence=Greet",
      "/projects/constructor/.json?__sequence=toString",
      "/projects/Demo/.json?__sequence=__proto__",
      "/projects/Demo/.JSON?__sequence=Greet",
      "/projects/Demo/.json%00?__sequence=Greet",
      "/projects/%ff/.json?__sequence=Greet",
      "/services/user.Get/../../projects/Demo/.json",
    ]) {
      const r = await raw(api, "GET", p);
      expect(r.status >= 400 && r.status < 500, `${p}: ${r.status} ${r.text}`).toBe(true);
      expect(r.text).not.toMatch(/Internal error|\.ts:\d+/);
    }
  });
});

describe("bodies and parameters: refused early, with the limit named", () => {
  const routes = ["/projects/Demo/.json", "/projects/Demo/.xml", "/projects/Demo/.jsonp", "/services/user.Get"];

  it("refuses a body over 1 MiB on every route of the API, declared or streamed", async () => {
    const big = "__sequence=Greet&name=" + "x".repeat(2 * 1024 * 1024);
    for (const route of routes) {
      const declared = await raw(api, "POST", route, { headers: form, body: big });
      expect(declared.status, route).toBe(413);
      expect(declared.text).toContain("api.bodyLimit");
      expect(declared.text).toContain("1 MiB");
      const streamed = await raw(api, "POST", route, {
        headers: { ...form, "transfer-encoding": "chunked" },
        chunks: Array.from({ length: 32 }, () => Buffer.from("x".repeat(64 * 1024))),
      });
      expect(streamed.status, route).toBe(413);
    }
    // The XML route answers its refusal as XML.
    const xml = await raw(api, "POST", "/projects/Demo/.xml", { headers: form, body: big });
    expect(xml.headers["content-type"]).toContain("text/xml");
    expect(xml.text).toContain("<code>body_too_large</code>");
  });

  it("holds the event loop for milliseconds, not seconds, under a 10 MB form or a 1 MiB one of many fields", async () => {
    const tenMb = "__sequence=SumList&" + "n=1&".repeat((10 * 1024 * 1024) / 4);
    const sameKey = "__sequence=SumList&" + "n=1&".repeat(250_000);
    const manyKeys = "__sequence=Greet&" + Array.from({ length: 90_000 }, (_, i) => `k${i}=1`).join("&");
    const manyJson = JSON.stringify(Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`k${i}`, 1])));
    const longJsonList = JSON.stringify({ __sequence: "SumList", n: Array(200_000).fill(1) });
    const { result, maxMs } = await loopDelayDuring(async () => [
      await raw(api, "POST", "/projects/Demo/.json", { headers: form, body: tenMb }),
      await raw(api, "POST", "/projects/Demo/.json", { headers: form, body: sameKey.slice(0, 1024 * 1024 - 10) }),
      await raw(api, "POST", "/projects/Demo/.json", { headers: form, body: manyKeys }),
      await raw(api, "POST", "/projects/Demo/.json", { headers: json, body: manyJson }),
      await raw(api, "POST", "/projects/Demo/.json", { headers: json, body: longJsonList }),
    ]);
    expect(result.map((r) => [r.status, r.json().error?.code])).toEqual([
      [413, "body_too_large"],
      [413, "too_many_values"],
      [413, "too_many_parameters"],
      [413, "too_many_parameters"],
      [413, "too_many_values"],
    ]);
    expect(result[1]?.json().error?.message).toContain("api.maxValuesPerParameter");
    expect(result[2]?.json().error?.message).toContain("api.maxParameters");
    // Before: 6 s (a million-field form), 2.5 s (500,000 JSON keys) of a frozen server.
    expect(maxMs).toBeLessThan(250);
  });

  it("refuses malformed and mistyped bodies with a clear 4xx", async () => {
    const deep = "[".repeat(100) + "]".repeat(100);
    const cases: [Record<string, string>, string, number, string][] = [
      [json, "{bad", 400, "invalid_body"],
      [json, '{"__proto__": {"x": 1}, "__sequence": "Greet"}', 400, "invalid_body"],
      [json, '{"constructor": {"prototype": {"x": 1}}, "__sequence": "Greet"}', 400, "invalid_body"],
      [json, "[1, 2]", 400, "invalid_body"],
      [json, "12", 400, "invalid_body"],
      [json, '{"__sequence": {"a": 1}}', 400, "invalid_parameter"],
      [json, '{"__sequence": ["Greet", "Fail"]}', 400, "conflicting_parameter"],
      [json, `{"__sequence": "Echo", "v": ${deep}}`, 400, "too_deep"],
      [json, JSON.stringify({ __sequence: "Echo", v: "x".repeat(300 * 1024) }), 413, "value_too_long"],
      [form, `__sequence=Greet&name=${"y".repeat(300 * 1024)}`, 413, "value_too_long"],
      [{ "content-type": "multipart/form-data; boundary=x" }, "--x--", 415, "unsupported_media_type"],
    ];
    for (const [headers, body, status, code] of cases) {
      const r = await raw(api, "POST", "/projects/Atk/.json", { headers, body });
      expect({ body: body.slice(0, 60), status: r.status, code: r.json().error?.code }).toEqual({
        body: body.slice(0, 60),
        status,
        code,
      });
    }
    // The query and the body may not name two different sequences.
    const two = await raw(api, "POST", "/projects/Demo/.json?__sequence=Greet", {
      headers: form,
      body: "__sequence=Fail",
    });
    expect(two.json().error?.code).toBe("conflicting_parameter");
  });
});

describe("session fixation: the session id changes with its user", () => {
  it("gives a new id at login and logout; the old ids stop working", async () => {
    // The attacker's own session (a value in it), whose cookie is planted in the victim's browser.
    const planted = cookieOf(
      await raw(api, "POST", "/projects/Atk/.json", { headers: form, body: "__sequence=Remember&v=mine" }),
    );
    const login = await raw(api, "POST", "/projects/Atk/.json", {
      headers: { ...form, cookie: planted },
      body: "__sequence=Login&user=alice",
    });
    expect(login.status).toBe(200);
    const alice = cookieOf(login);
    expect(alice).not.toBe(planted);
    // The planted id opens nothing; the new one is alice's, with the session's data moved along.
    expect((await raw(api, "GET", "/projects/Atk/.json?__sequence=Me", { headers: { cookie: planted } })).status).toBe(
      401,
    );
    const me = await raw(api, "GET", "/projects/Atk/.json?__sequence=Me", { headers: { cookie: alice } });
    expect(me.json()).toEqual({ me: "alice", note: "mine" });

    const logout = await raw(api, "POST", "/projects/Atk/.json", {
      headers: { ...form, cookie: alice },
      body: "__sequence=Logout",
    });
    const after = cookieOf(logout);
    expect(after).not.toBe(alice);
    for (const c of [alice, after]) {
      const who = await raw(api, "POST", "/services/user.Get", { headers: { cookie: c } });
      expect(who.json()).toMatchObject({ authenticated: false, user: null });
    }
  });

  it("retires the old id at the login itself, not when the login's run ends", async () => {
    const planted = cookieOf(
      await raw(api, "POST", "/projects/Atk/.json", { headers: form, body: "__sequence=Remember&v=x" }),
    );
    const before = items.requests.length;
    const login = raw(api, "POST", "/projects/Atk/.json", {
      headers: { ...form, cookie: planted },
      body: "__sequence=SlowLogin&user=alice",
    });
    // The run has set the user and now waits on the slow back end: the planted id is dead already.
    // (Polled until a deadline, not for a number of turns: the engine's first HTTP call loads its
    // client first, which takes a while on a loaded machine.)
    const deadline = Date.now() + 15_000;
    while (items.requests.length === before) {
      if (Date.now() > deadline) throw new Error("the login never reached its back end");
      await new Promise((r) => setTimeout(r, 5));
    }
    const during = await raw(api, "POST", "/services/user.Get", { headers: { cookie: planted } });
    expect(during.json()).toMatchObject({ authenticated: false, user: null });
    const done = await login;
    expect(done.json()).toMatchObject({ user: "alice" });
    expect(cookieOf(done)).not.toBe(planted);
  });

  it("answers any user name in the authenticated header without breaking or splitting it", async () => {
    for (const user of ["日本", "a\r\nset-cookie: atelier_sid=planted", "\ud800x", "élodie"]) {
      const r = await raw(api, "POST", "/projects/Atk/.json", {
        headers: json,
        body: JSON.stringify({ __sequence: "Login", user }),
      });
      expect(r.status, JSON.stringify(user)).toBe(200);
      expect(decodeURIComponent(String(r.headers["x-convertigo-authenticated"]))).toBe(
        user.replace("\ud800", "\ufffd"),
      );
      expect(String(r.headers["set-cookie"])).not.toContain("planted");
    }
  });

  it("never answers the session id in services/user.Get", async () => {
    const cookie = cookieOf(
      await raw(api, "POST", "/projects/Atk/.json", { headers: form, body: "__sequence=Login&user=bob" }),
    );
    for (const method of ["GET", "POST"]) {
      const who = await raw(api, method, "/services/user.Get", { headers: { cookie } });
      expect(who.json()).toMatchObject({ authenticated: true, user: "bob" });
      expect(who.text).not.toContain(idOf(cookie));
      expect(who.text).not.toContain(idOf(cookie).slice(0, 12));
      expect(who.text).not.toContain(encodeURIComponent(idOf(cookie)));
    }
  });
});

describe("JSONP: off unless turned on, and never a logged-in session to another site", () => {
  it("refuses JSONP by default, as JSON (not a script), naming the setting", async () => {
    const r = await raw(api, "GET", "/projects/Demo/.jsonp?__sequence=Greet&__callback=steal");
    expect(r.status).toBe(403);
    expect(r.headers["content-type"]).toContain("application/json");
    expect(r.headers["x-content-type-options"]).toBe("nosniff");
    expect(r.json().error).toMatchObject({ code: "jsonp_disabled" });
    expect(r.json().error?.message).toContain("jsonp: true");
  });

  it("turned on, answers anonymous callers, and a session only to its own pages or allowed origins", async () => {
    const anonymous = await raw(jsonpApi, "GET", "/projects/Demo/.jsonp?__sequence=Greet&__callback=cb", {
      headers: { "sec-fetch-site": "cross-site", referer: "https://evil.example/" },
    });
    expect(anonymous.text).toBe('/**/cb({"greeting":"Hello, World!"});');

    const cookie = cookieOf(
      await raw(jsonpApi, "POST", "/projects/Atk/.json", { headers: form, body: "__sequence=Login&user=alice" }),
    );
    const steal = "/projects/Atk/.jsonp?__sequence=Me&__callback=steal";
    for (const headers of <Record<string, string>[]>[
      { "sec-fetch-site": "cross-site", referer: "https://evil.example/page" },
      { "sec-fetch-site": "same-site", referer: "https://evil.app.example.com/" },
      { "sec-fetch-site": "cross-site" },
      {}, // no evidence at all (a page with no-referrer on an old browser)
      { referer: "https://evil.example/" },
      { "sec-fetch-site": "cross-site", referer: `http://127.0.0.1:${jsonpApi.port}/` },
    ]) {
      const r = await raw(jsonpApi, "GET", steal, { headers: { cookie, ...headers } });
      expect({ headers, status: r.status, code: r.json().error?.code }).toEqual({
        headers,
        status: 403,
        code: "jsonp_cross_site",
      });
      expect(r.text).not.toContain("alice");
    }
    for (const headers of <Record<string, string>[]>[
      { "sec-fetch-site": "same-origin" },
      { "sec-fetch-site": "none" },
      { "sec-fetch-site": "cross-site", referer: `${APP_ORIGIN}/orders` },
      { referer: `http://127.0.0.1:${jsonpApi.port}/app/` },
    ]) {
      const r = await raw(jsonpApi, "GET", steal, { headers: { cookie, ...headers } });
      expect({ headers, text: r.text }).toEqual({ headers, text: '/**/steal({"me":"alice","note":null});' });
    }
    // A forged cookie is no session: the call is anonymous (and here refused for lack of a user).
    const forged = await raw(jsonpApi, "GET", steal, {
      headers: { cookie: "atelier_sid=forged", "sec-fetch-site": "cross-site" },
    });
    expect(forged.text).toMatch(/^\/\*\*\/steal\(\{"error":\{"code":"authentication_required"/);
  });
});

describe("SSRF: no variable sends the engine to a host its connector may not call", () => {
  const fetchItems = (baseUrl: string, extra = "") =>
    raw(api, "GET", `/projects/Demo/.json?__sequence=FetchItems&baseUrl=${encodeURIComponent(baseUrl)}${extra}`);

  it("FetchItems calls the allowed items server, and refuses every other spelling of a host", async () => {
    const ok = await fetchItems(items.url);
    expect(ok.status).toBe(200);
    expect(ok.json()).toMatchObject({ items: [{ id: 1, path: "/items" }] });
    const before = internal.requests.length;
    for (const baseUrl of [
      internal.url,
      `http://localhost:${internal.port}`,
      "http://169.254.169.254/latest/meta-data",
      "http://[::ffff:169.254.169.254]",
      "http://0xa9fea9fe",
      "http://2852039166",
      `${items.url}@169.254.169.254`,
      `http://127.0.0.1.nip.io:${items.port}`,
    ]) {
      const r = await fetchItems(baseUrl);
      expect({ baseUrl, status: r.status, code: r.json().error?.code }).toEqual({
        baseUrl,
        status: 403,
        code: "host_not_allowed",
      });
      expect(r.json().error?.message).toContain("itemsAllowedHosts");
    }
    expect(internal.requests.length).toBe(before);
  });

  it("holds the transaction called directly (its ${setting} time limit read as a number) to the same list", async () => {
    const ok = await raw(
      api,
      "GET",
      `/projects/Demo/.json?__transaction=GetItems&baseUrl=${encodeURIComponent(items.url)}`,
    );
    expect(ok.status, ok.text).toBe(200);
    const r = await raw(
      api,
      "GET",
      `/projects/Demo/.json?__transaction=GetItems&baseUrl=${encodeURIComponent(internal.url)}`,
    );
    expect(r.json().error?.code).toBe("host_not_allowed");
    expect(r.text).not.toContain("NaN");
  });

  it("keeps path variables, Host headers and redirects on the connector's own host", async () => {
    const before = internal.requests.length;
    const call = (body: Record<string, string>) =>
      raw(api, "POST", "/projects/Atk/.json", { headers: form, body: new URLSearchParams(body).toString() });
    for (const rest of [`@127.0.0.1:${internal.port}/x`, `//127.0.0.1:${internal.port}/x`, internal.url]) {
      const r = await call({ __transaction: "ByPath", __connector: "Hook", rest });
      expect(r.json()).toMatchObject([{ host: `127.0.0.1:${items.port}` }]);
    }
    const up = await call({ __transaction: "BySegment", __connector: "Hook", id: ".." });
    expect(up.json().error?.code).toBe("invalid_path_variable");
    const hostHeader = await call({ __transaction: "ByHost", __connector: "Hook", h: `127.0.0.1:${internal.port}` });
    expect(hostHeader.json().error?.code).toBe("host_not_allowed");
    const byUrl = await call({ __transaction: "ByUrl", __connector: "Hook", url: `${internal.url}/latest` });
    expect(byUrl.json().error?.code).toBe("host_not_allowed");
    const redirect = await call({ __transaction: "Redirect", __connector: "Hook" });
    expect(redirect.json().error?.code).toBe("http_status");
    expect(internal.requests.length).toBe(before);
  });
});

describe("odd input never answers 500", () => {
  it("writes XML-illegal characters of any output as U+FFFD: the answer stays well-formed", async () => {
    for (const name of ["\ufffe", "\uffff", "\u0001", "a\ud800b", "\udc00", "ok \u{1F600}"]) {
      const r = await raw(api, "POST", "/projects/Demo/.xml", {
        headers: json,
        body: JSON.stringify({ __sequence: "Greet", name }),
      });
      expect(r.status).toBe(200);
      expect(XML_CHARS.test(r.text), JSON.stringify(name)).toBe(true);
    }
    const odd = await raw(api, "POST", "/projects/Atk/.xml", {
      headers: json,
      body: JSON.stringify({
        __sequence: "Echo",
        v: { "\ufffe": 1, "a\u0000b": "\u0002", "1 2": [{ "x\ud800": true }] },
      }),
    });
    expect(odd.status).toBe(200);
    expect(XML_CHARS.test(odd.text)).toBe(true);
  });

  it("property: random queries and bodies to the API answer a 2xx-4xx in Convertigo's shape", async () => {
    // Weighted towards the names and values that matter (reserved parameters, the project's
    // sequences and transaction, prototype names), with anything else mixed in.
    const key = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.constantFrom(
          "__sequence",
          "__transaction",
          "__connector",
          "__callback",
          "__removeSession",
          "__context",
          "__proto__",
          "constructor",
          "prototype",
          "toString",
          "name",
          "n",
          "baseUrl",
          "a[b]",
          "a.b",
          "",
          "__",
        ),
      },
      { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
    );
    const scalar = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.constantFrom(
          "Greet",
          "SumList",
          "FetchItems",
          "Secret",
          "GetItems",
          "ItemsApi",
          "Nope",
          "",
          "1e400",
          "-0",
          "\ufffe",
          "\ud800",
          "\u0000",
        ),
      },
      { weight: 1, arbitrary: fc.string({ maxLength: 20, unit: "binary" }) },
      { weight: 1, arbitrary: fc.double() },
      { weight: 1, arbitrary: fc.integer() },
      { weight: 1, arbitrary: fc.boolean() },
      { weight: 1, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER * 1024) },
    );
    const jsonValue = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        scalar,
        fc.array(tie("value"), { maxLength: 4 }),
        fc.dictionary(key, tie("value"), { maxKeys: 4 }),
      ),
    })).value;
    const request = fc.record({
      route: fc.constantFrom(
        "/projects/Demo/.json",
        "/projects/Demo/.xml",
        "/projects/Demo/.jsonp",
        "/services/user.Get",
      ),
      method: fc.constantFrom("GET", "POST"),
      query: fc.array(fc.tuple(key, scalar.map(String)), { maxLength: 5 }),
      body: fc.oneof(
        fc.constant(undefined),
        fc.dictionary(key, jsonValue, { maxKeys: 6 }).map((o) => ({ type: "json", text: JSON.stringify(o) })),
        fc.array(fc.tuple(key, scalar.map(String)), { maxLength: 6 }).map((pairs) => ({
          type: "form",
          text: new URLSearchParams(pairs).toString(),
        })),
        fc.string({ maxLength: 40 }).map((text) => ({ type: "json", text })),
        fc.string({ maxLength: 40 }).map((text) => ({ type: "form", text })),
      ),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ route, method, query, body }) => {
        const qs = new URLSearchParams(query).toString();
        const withSequence = qs.includes("__sequence") || body?.text.includes("__sequence") ? "" : "__sequence=Greet&";
        const p = `${route}?${withSequence}${qs}`;
        const r =
          method === "GET" || body === undefined
            ? await raw(api, method, p)
            : await raw(api, "POST", p, { headers: body.type === "json" ? json : form, body: body.text });
        const where = `${method} ${p} ${body?.text ?? ""} -> ${r.status} ${r.text.slice(0, 300)}`;
        expect(r.status >= 200 && r.status < 600, where).toBe(true);
        // The only 5xx: a back end that does not answer (FetchItems), never the engine itself.
        if (r.status >= 500) expect([502, 504], where).toContain(r.status);
        expect(r.text, where).not.toMatch(/Internal error|\.ts:\d+|\n\s+at |\[object Object\]|NaN ms|URI malformed/);
        if (route.endsWith(".xml")) expect(XML_CHARS.test(r.text), where).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
