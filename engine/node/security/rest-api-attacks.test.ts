/**
 * Attacks on the REST APIs (URL mappers, /api), against a real engine on a random loopback port:
 * odd and encoded paths and methods that must never answer 500, header injection through an
 * output that fills a Location, dot segments that would climb out of /api, prototype keys,
 * session fixation, cross-site calls, and a prefix that would shadow the engine's own routes.
 * Each case names the danger it guards against.
 */
import fc from "fast-check";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readWorkspaceConfig } from "../project/workspace.ts";
import { startServer, type RunningServer } from "../server/server.ts";
import { testWorkspace, type TestWorkspace } from "../testing/harness.ts";

let ws: TestWorkspace;
let server: RunningServer;
let base: string;
const APP_ORIGIN = "https://app.example.com";

beforeAll(async () => {
  ws = await testWorkspace({
    sequences: [
      {
        type: "Sequence",
        name: "Echo",
        children: [
          { type: "Variable", name: "to" },
          { type: "Variable", name: "n", dataType: "integer" },
          { type: "Element", name: "to", expression: "to" },
          { type: "Element", name: "n", expression: "n" },
        ],
      },
      {
        type: "Sequence",
        name: "Login",
        children: [
          { type: "Variable", name: "user", required: true },
          { type: "SetAuthenticatedUser", name: "set", expression: "user" },
          { type: "Element", name: "user", expression: "user" },
        ],
      },
      {
        type: "Sequence",
        name: "Whoami",
        children: [{ type: "GetAuthenticatedUser", name: "user" }],
      },
      {
        type: "Sequence",
        name: "Hidden",
        accessibility: "Hidden",
        children: [{ type: "Element", name: "ok", value: true }],
      },
      {
        type: "Sequence",
        name: "Private",
        accessibility: "Private",
        children: [{ type: "Element", name: "key", value: "k-123" }],
      },
    ],
    api: [
      {
        type: "UrlMapper",
        name: "Api",
        children: [
          {
            type: "RestPath",
            name: "go",
            path: "/go/{n}",
            children: [
              {
                type: "RestOperation",
                name: "get",
                sequence: "Echo",
                children: [
                  { type: "RestParameter", name: "to", in: "query" },
                  { type: "RestParameter", name: "__proto__", in: "query", variable: "__proto__" },
                  {
                    type: "RestResponse",
                    name: "redirect",
                    statusCode: 302,
                    condition: "to",
                    headers: { Location: "{to}" },
                    body: "none",
                  },
                ],
              },
              {
                type: "RestOperation",
                name: "post",
                method: "POST",
                sequence: "Echo",
                children: [{ type: "RestParameter", name: "to", in: "form" }],
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
            name: "studio",
            path: "/studio/runs",
            children: [{ type: "RestOperation", name: "get", sequence: "Hidden" }],
          },
          {
            type: "RestPath",
            name: "me",
            path: "/me",
            children: [{ type: "RestOperation", name: "get", sequence: "Whoami" }],
          },
          {
            type: "RestPath",
            name: "hidden",
            path: "/hidden",
            children: [{ type: "RestOperation", name: "get", sequence: "Hidden" }],
          },
          {
            type: "RestPath",
            name: "private",
            path: "/private",
            children: [{ type: "RestOperation", name: "get", sequence: "Private" }],
          },
        ],
      },
    ],
  });
  server = await startServer(ws.engine, { port: 0, cors: { origins: [APP_ORIGIN] } });
  base = `${server.url}api`;
});

afterAll(async () => {
  await server?.close();
  await ws?.close();
});

/** A raw request: the path is sent as written (no URL normalization by a client library). */
function raw(
  method: string,
  pathText: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(server.url);
    const req = httpRequest({ host: u.hostname, port: u.port, method, path: pathText, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("REST API attacks", () => {
  it("never answers 500 to odd paths, methods and queries (fuzzed)", async () => {
    const segment = fc.oneof(
      fc.constantFrom(
        "go",
        "1",
        "..",
        ".",
        "%2e%2e",
        "%2F",
        "%00",
        "%",
        "%zz",
        "login",
        "me",
        "{n}",
        "__proto__",
        "constructor",
      ),
      fc.string({ maxLength: 12 }).map((s) => encodeURIComponent(s)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { minLength: 0, maxLength: 5 }),
        fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"),
        fc.array(fc.tuple(fc.constantFrom("to", "n", "__proto__", "x", "to[]"), fc.string({ maxLength: 20 })), {
          maxLength: 4,
        }),
        async (segments, method, query) => {
          const q = query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
          const res = await raw(method, `/api/${segments.join("/")}${q ? `?${q}` : ""}`);
          expect(res.status, `${method} /api/${segments.join("/")}?${q}: ${res.body}`).toBeLessThan(500);
          expect(res.body).not.toContain("k-123");
        },
      ),
      { numRuns: 150 },
    );
  });

  it("keeps line breaks of an output out of the headers it fills (header injection)", async () => {
    const res = await raw(
      "GET",
      `/api/go/1?to=${encodeURIComponent("https://x.example/\r\nSet-Cookie: atelier_sid=evil")}`,
    );
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe("https://x.example/Set-Cookie: atelier_sid=evil");
    expect(res.headers["set-cookie"]).toBeUndefined();
  });

  it("does not climb out of /api with dot segments, raw or encoded", async () => {
    for (const p of ["/api/../studio/api/workspace", "/api/%2e%2e/studio/api/workspace", "/api/go/..%2F..%2Fadmin"]) {
      const res = await raw("GET", p);
      expect(res.status, p).toBeGreaterThanOrEqual(400);
      expect(res.body, p).not.toMatch(/"projects"\s*:/);
    }
  });

  it("never lets a parameter named __proto__ reach an object's prototype", async () => {
    const res = await fetch(`${base}/go/1?__proto__=polluted`);
    expect(res.status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const body = await fetch(`${base}/go/2`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"__proto__": {"to": "x"}}',
    });
    expect(body.status).toBe(400);
  });

  it("keeps Private targets private, serves Hidden ones", async () => {
    const p = await fetch(`${base}/private`);
    expect(p.status).toBe(403);
    expect(await p.text()).not.toContain("k-123");
    expect((await fetch(`${base}/hidden`)).status).toBe(200);
  });

  it("does not adopt a session id chosen by the caller, and renews it at login (fixation)", async () => {
    const chosen = "atelier_sid=attacker-chosen-id";
    const login = await fetch(`${base}/login`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: chosen },
      body: JSON.stringify({ user: "alice" }),
    });
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    expect(cookie).not.toBe(chosen);
    expect(await (await fetch(`${base}/me`, { headers: { cookie } })).json()).toEqual({ user: "alice" });
    expect(await (await fetch(`${base}/me`, { headers: { cookie: chosen } })).json()).toEqual({ user: null });
  });

  it("answers CORS only to the origins the workspace allows", async () => {
    const ok = await fetch(`${base}/me`, { headers: { origin: APP_ORIGIN } });
    expect(ok.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
    const evil = await fetch(`${base}/me`, { headers: { origin: "https://evil.example" } });
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
    const pre = await fetch(`${base}/go/1`, {
      method: "OPTIONS",
      headers: { origin: APP_ORIGIN, "access-control-request-method": "PATCH" },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-methods")).toContain("PATCH");
  });

  it("never serves a REST operation, nor CORS, where the Studio's API answers (/api/studio), however spelled", async () => {
    for (const p of ["/api/studio/runs", "/api/%73tudio/runs", "/api//studio/runs", "/api/studio%2Fruns"]) {
      const res = await raw("GET", p, { origin: APP_ORIGIN });
      expect(res.status, p).toBe(404);
      expect(res.body, p).not.toContain('"ok":true');
      expect(res.headers["access-control-allow-origin"], p).toBeUndefined();
    }
    const mapper = ws.engine.project("P")!.root.children.find((c) => c.type === "UrlMapper")!;
    const { checkNode } = await import("../../common/model/registry.ts");
    expect(checkNode(mapper).map((i) => i.message)).toContain(
      '/studio/runs is where the Studio\'s API answers (/api/studio) under the default REST prefix: give "/studio/runs" another path or the API a prefix',
    );
  });

  it("refuses a REST prefix that would shadow the engine's own routes", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "atelier-rest-prefix-"));
    try {
      for (const prefix of ["/studio", "/admin/x", "/fullsync", "/projects", "api", "/a/../b", "/a b"]) {
        await writeFile(path.join(dir, "atelier.config.yaml"), `rest:\n  prefix: "${prefix}"\n`);
        await expect(readWorkspaceConfig(dir), prefix).rejects.toThrow(/rest\.prefix/);
      }
      await writeFile(path.join(dir, "atelier.config.yaml"), "rest:\n  prefix: /rest/v2\n");
      expect((await readWorkspaceConfig(dir)).rest).toEqual({ prefix: "/rest/v2" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
