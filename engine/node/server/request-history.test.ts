/**
 * The request history (a bounded ring of HTTP calls, with traces while the Studio asks), the
 * engine's root page (HTML, escaped; Public sequences only on a server) and the Studio's routes
 * over them, against real servers.
 */
import { EventEmitter } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ObjNode } from "../../common/model/node.ts";
import type { TraceEntry } from "../../common/model/trace.ts";
import type { EngineStatus, RequestDetail, RequestList } from "../../common/studio/requests.ts";
import { startAtelier, type RunningAtelier } from "../app.ts";
import type { Engine } from "../engine.ts";
import { EngineLog } from "../log.ts";
import { setProjectSecret } from "../project/set-secret.ts";
import { testWorkspace, type TestWorkspace } from "../testing/harness.ts";
import { boundTrace, noteRequest, RequestHistory } from "./request-history.ts";
import { escapeHtml, renderRootPage } from "./root-page.ts";
import { startServer, type RunningServer } from "./server.ts";

/** A request and its response as the history sees them (no socket). */
function fakeCall(url: string, method = "GET") {
  const req = Object.assign(new EventEmitter(), { url, method }) as unknown as IncomingMessage;
  const res = Object.assign(new EventEmitter(), {
    statusCode: 200,
    writableFinished: true,
    headersSent: true,
  }) as unknown as ServerResponse & { statusCode: number; writableFinished: boolean };
  return {
    req,
    res,
    answer(status: number) {
      res.statusCode = status;
      res.emit("close");
    },
  };
}

function record(h: RequestHistory, url: string, status = 200, note: Parameters<typeof noteRequest>[1] = {}) {
  const c = fakeCall(url);
  h.begin(c.req, c.res);
  noteRequest(c.req, note);
  c.answer(status);
  return c;
}

const entry = (seq: number, extra: Partial<TraceEntry> = {}): TraceEntry => ({
  seq,
  id: `s${seq}`,
  name: `step${seq}`,
  type: "Element",
  depth: 0,
  start: seq,
  status: "ok",
  project: "P",
  ...extra,
});

describe("RequestHistory", () => {
  it("keeps the last `capacity` calls, newest first, each bounded, never the query", () => {
    const h = new RequestHistory({ capacity: 5 });
    for (let i = 1; i <= 12; i++) record(h, `/projects/P/.json?__sequence=S&password=hunter${i}`, 200);
    const list = h.list();
    expect(list.total).toBe(5);
    expect(list.capacity).toBe(5);
    expect(list.entries.map((e) => e.id)).toEqual([12, 11, 10, 9, 8]);
    expect(list.entries[0]).toMatchObject({ method: "GET", path: "/projects/P/.json", project: "P", status: 200 });
    expect(JSON.stringify(list)).not.toContain("hunter");
    expect(h.get(7)).toBeUndefined();
    expect(h.get(8)?.id).toBe(8);

    const long = "x".repeat(10_000);
    record(h, `/projects/${long}/.json`, 404, { requestable: long, user: long, code: long, runId: long });
    const e = h.list().entries[0]!;
    expect(e.path.length).toBeLessThanOrEqual(300);
    expect(e.requestable!.length).toBeLessThanOrEqual(200);
    expect(e.user!.length).toBeLessThanOrEqual(200);
    expect(e.code!.length).toBeLessThanOrEqual(100);
    expect(e.runId!.length).toBeLessThanOrEqual(64);
    expect(JSON.stringify(h.list()).length).toBeLessThan(5 * 1200);
  });

  it("records the user, run, code and duration the handlers give, and calls the client left", () => {
    const h = new RequestHistory();
    record(h, "/projects/P/.json", 401, { requestable: "Login", user: "ada", runId: "r-1", code: "auth" });
    const left = fakeCall("/services/user.Get");
    h.begin(left.req, left.res);
    (left.res as unknown as { writableFinished: boolean; headersSent: boolean }).writableFinished = false;
    (left.res as unknown as { headersSent: boolean }).headersSent = false;
    left.res.emit("close");
    const [aborted, first] = h.list().entries;
    expect(first).toMatchObject({ requestable: "Login", user: "ada", runId: "r-1", code: "auth", status: 401 });
    expect(first!.durationMs).toBeGreaterThanOrEqual(0);
    expect(aborted).toMatchObject({ path: "/services/user.Get", status: 0, aborted: true });
    expect(aborted!.project).toBeUndefined();
  });

  it("filters by status class and by words in any field", () => {
    const h = new RequestHistory();
    record(h, "/projects/Shop/.json", 200, { requestable: "Lookup", user: "ada" });
    record(h, "/projects/Shop/.json", 404, { requestable: "Nope", code: "unknown_sequence" });
    record(h, "/projects/Demo/.xml", 500, { requestable: "Fail", code: "42" });
    record(h, "/services/user.Get", 200, { requestable: "user.Get" });
    const ids = (o: Parameters<RequestHistory["list"]>[0]) => h.list(o).entries.map((e) => e.requestable);
    expect(ids({ status: "2xx" })).toEqual(["user.Get", "Lookup"]);
    expect(ids({ status: "failed" })).toEqual(["Fail", "Nope"]);
    expect(ids({ status: "404" })).toEqual(["Nope"]);
    expect(ids({ q: "shop" })).toEqual(["Nope", "Lookup"]);
    expect(ids({ q: "ADA lookup" })).toEqual(["Lookup"]);
    expect(ids({ q: "unknown_sequence" })).toEqual(["Nope"]);
    expect(ids({ limit: 1 })).toEqual(["user.Get"]);
    const { version } = h.list();
    expect(h.list({ unchangedSince: version })).toMatchObject({ unchanged: true, entries: [] });
    h.clear();
    expect(h.list({ unchangedSince: version })).toMatchObject({ total: 0, entries: [] });
  });

  it("keeps traces within a budget: the oldest dropped, a long one shortened", () => {
    const h = new RequestHistory({ traceBudget: 3000, maxTrace: 1500 });
    const trace = [entry(0, { output: "a".repeat(300) })];
    for (let i = 0; i < 10; i++) {
      const c = fakeCall("/projects/P/.json");
      h.begin(c.req, c.res);
      h.noteTrace(c.req, trace);
      c.answer(200);
    }
    expect(h.traceSize).toBeLessThanOrEqual(3000);
    expect(h.get(10)?.trace).toEqual(trace);
    expect(h.get(1)?.trace).toBeUndefined();
    expect(h.get(1)?.traceNote).toContain("budget");
    expect(h.list().entries.filter((e) => e.traced).length).toBeGreaterThan(1);

    const big = [entry(0, { inputs: { x: "i".repeat(2000) }, output: "o".repeat(2000) }), entry(1)];
    const slim = boundTrace(big, 1500);
    expect(slim.text.length).toBeLessThanOrEqual(1500);
    expect(JSON.parse(slim.text)).toHaveLength(2);
    expect(slim.note).toContain("Inputs and outputs");
    const many = Array.from({ length: 100 }, (_, i) => entry(i));
    const cut = boundTrace(many, 1500);
    expect(cut.text.length).toBeLessThanOrEqual(1500);
    expect(cut.note).toMatch(/Only the first \d+ of 100 steps/);
  });

  it("writes each call at debug level only when the log writes debug lines", () => {
    const lines: string[] = [];
    const log = (minLevel: number) => ({ minLevel, debug: (m: string) => lines.push(m) });
    record(new RequestHistory({ log: log(30) }), "/projects/P/.json", 200);
    expect(lines).toEqual([]);
    record(new RequestHistory({ log: log(20) }), "/projects/P/.json?secret=1", 200, { requestable: "S", user: "u" });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^HTTP GET \/projects\/P\/\.json \(S\) → 200 in [\d.]+ ms, user u$/);
  });
});

describe("the root page", () => {
  const node = (type: string, name: string, props: Record<string, unknown> = {}, children: ObjNode[] = []) =>
    ({ id: name, type, name, props, children }) as ObjNode;
  const fake = {
    workspace: {
      projects: new Map([
        [
          "<b>P</b>",
          {
            name: "<b>P</b>",
            root: node("Project", "<b>P</b>", {}, [
              node("Sequence", "<script>alert(1)</script>", {}, [node("Variable", 'a"b', { required: true })]),
              node("Sequence", "Hid", { accessibility: "Hidden" }),
              node("Sequence", "Priv", { accessibility: "Private" }),
            ]),
          },
        ],
      ]),
      failures: new Map([["<i>broken</i>", "/home/secret/path: bad"]]),
    },
  } as unknown as Engine;

  it("escapes every name and writes no failure reason", () => {
    const html = renderRootPage(fake, { local: true, studioPath: "/studio/" });
    expect(html).not.toMatch(/<script>|<b>P|<i>broken/);
    expect(html).toContain(escapeHtml("<script>alert(1)</script>"));
    expect(html).toContain(`href="/projects/%3Cb%3EP%3C%2Fb%3E/.json?__sequence=%3Cscript%3Ealert(1)%3C%2Fscript%3E"`);
    expect(html).toContain("a&#34;b*");
    expect(html).toContain("Private: not callable over HTTP");
    expect(html).not.toContain("/home/secret/path");
    expect(html).toContain('<a href="/studio/">Open the Studio</a>');
  });

  it("lists only Public sequences on a server, without a Studio link or failures", () => {
    const html = renderRootPage(fake, {});
    expect(html).not.toMatch(/>Hid<|>Priv<|Studio|broken/);
    expect(html).toContain(escapeHtml("<script>alert(1)</script>"));
  });
});

describe("over HTTP", () => {
  const SECRET = "pa55-w0rd!";
  const AUTH = "Basic c2VjcmV0LXVzZXI6c2VjcmV0LXBhc3M=";
  let ws: TestWorkspace;
  let app: RunningAtelier;
  let server: RunningServer;
  let token: string;

  beforeAll(async () => {
    ws = await testWorkspace({
      sequences: [
        {
          type: "Sequence",
          name: "Echo",
          children: [
            { type: "Variable", name: "password" },
            { type: "Log", name: "log", value: "token=${token}" },
            { type: "Element", name: "length", expression: "setting('token').length" },
            { type: "Element", name: "leak", expression: "setting('token')" },
          ],
        },
        { type: "Sequence", name: "Hid", accessibility: "Hidden" },
        { type: "Sequence", name: "Priv", accessibility: "Private" },
      ],
    });
    await setProjectSecret(path.join(ws.dir, "P"), "token", SECRET);
    app = await startAtelier({
      workspaceDir: ws.dir,
      port: 0,
      log: new EngineLog({ level: "silent" }),
      fullsync: false,
      scheduler: false,
      studio: { distDir: path.join(ws.dir, "no-dist"), watch: false, persistHistory: false },
    });
    token = app.studio!.auth.token;
    // A server's: the same engine class, no Studio, the default root page.
    server = await startServer(ws.engine, {});
  });

  afterAll(async () => {
    await server?.close();
    await app?.close();
    await rm(ws.dir, { recursive: true, force: true });
    await ws?.close();
  });

  const studio = async <T>(method: string, route: string, body?: unknown): Promise<{ status: number; json: T }> => {
    const res = await fetch(new URL(`/api/studio${route}`, app.url), {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        "x-atelier-studio": "1",
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, json: (await res.json()) as T };
  };

  it("records calls with their status, user, run id and, while asked, their trace; never a secret", async () => {
    expect((await studio("PUT", "/requests/tracing", { on: true })).json).toEqual({ tracing: true });
    const res = await fetch(new URL("/projects/P/.json?__sequence=Echo&password=hunter2", app.url), {
      headers: { authorization: AUTH, cookie: "atelier_sid=not-a-session" },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ length: SECRET.length });
    await fetch(new URL("/projects/P/.json", app.url), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: AUTH },
      body: "__sequence=Priv&password=hunter3",
    });
    await fetch(new URL("/services/user.Get", app.url), { method: "POST" });
    await fetch(new URL("/projects/P/.json?__sequence=Nope", app.url));

    const list = await studio<RequestList>("GET", "/requests");
    expect(list.status).toBe(200);
    expect(list.json.tracing).toBe(true);
    const [nope, user, priv, echo] = list.json.entries;
    expect(echo).toMatchObject({
      method: "GET",
      path: "/projects/P/.json",
      project: "P",
      requestable: "Echo",
      status: 200,
      traced: true,
    });
    expect(echo!.runId).toMatch(/\S/);
    expect(priv).toMatchObject({ method: "POST", requestable: "Priv", status: 403, code: "private_requestable" });
    expect(user).toMatchObject({ path: "/services/user.Get", requestable: "user.Get", status: 200 });
    expect(nope).toMatchObject({ status: 404, code: "unknown_sequence" });

    const detail = await studio<RequestDetail>("GET", `/requests/${echo!.id}`);
    expect(detail.json.trace?.map((t) => t.name)).toEqual(["log", "length", "leak"]);
    const everything = JSON.stringify(list.json) + JSON.stringify(detail.json);
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain("c2VjcmV0");
    expect(everything).not.toContain("hunter3");
    expect(JSON.stringify(list.json)).not.toContain("hunter2");

    expect((await studio<RequestList>("GET", "/requests?status=failed&q=priv")).json.entries).toHaveLength(1);
    expect((await studio("GET", "/requests/999999")).status).toBe(404);
    expect((await studio("GET", "/requests?status=abc")).status).toBe(400);
  });

  it("runs HTTP calls without a trace unless asked", async () => {
    await studio("PUT", "/requests/tracing", { on: false });
    await fetch(new URL("/projects/P/.json?__sequence=Echo", app.url));
    const [last] = (await studio<RequestList>("GET", "/requests?limit=1")).json.entries;
    expect(last!.traced).toBeUndefined();
    expect((await studio<RequestDetail>("GET", `/requests/${last!.id}`)).json.trace).toBeUndefined();
  });

  it("clears the history, and answers only a signed-in Studio", async () => {
    expect((await studio("DELETE", "/requests")).json).toEqual({ cleared: true });
    expect((await studio<RequestList>("GET", "/requests")).json).toMatchObject({ total: 0, entries: [] });
    expect((await fetch(new URL("/api/studio/requests", app.url))).status).toBe(401);
  });

  it("tells the Studio the engine's status", async () => {
    const { json } = await studio<EngineStatus>("GET", "/status");
    expect(json.workspace).toBe(ws.engine.workspace.dir);
    expect(json.now).toBeGreaterThanOrEqual(json.startedAt);
    expect(json.pid).toBe(process.pid);
    expect(json.url).toBe(app.url);
  });

  it("answers the root with a page of the projects: everything and the Studio link locally", async () => {
    const res = await fetch(app.url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain('<a href="/projects/P/.json?__sequence=Echo">Echo</a>');
    expect(html).toContain(">Hid</a>");
    expect(html).toContain('<li class="private">Priv<span class="badge">Private: not callable over HTTP</span>');
    expect(html).toContain('href="/studio/"');
    expect(html).not.toContain(token);
    expect(html).not.toContain(SECRET);
    // The icon the page names is served (no 404 in the browser's console).
    expect(html).toContain('<link rel="icon" href="/favicon.ico"');
    const icon = await fetch(new URL("/favicon.ico", app.url));
    expect(icon.status).toBe(200);
    expect(icon.headers.get("content-type")).toMatch(/^image\/svg\+xml/);
    expect(await icon.text()).toMatch(/^<svg /);
    // Other unknown paths still answer a JSON 404.
    expect((await fetch(new URL("/nothing", app.url))).status).toBe(404);
  });

  it("lists only Public sequences on a server, without a Studio link", async () => {
    const html = await (await fetch(server.url)).text();
    expect(html).toContain("Echo");
    expect(html).not.toMatch(/>Hid<|>Priv<|\/studio\//);
  });
});
