/**
 * `GET /metrics` against strangers: the guard is the admin API's, attached to the route itself, so
 * no credential, a bogus or revoked one, another spelling of the path, a credential scoped to some
 * projects (the metrics name every project) or a cookie sent by another site's page gets nothing.
 */
import fc from "fast-check";
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAtelierServer, type RunningAtelierServer } from "../admin/atelier-server.ts";
import { EngineLog } from "../log.ts";

let server: RunningAtelierServer;
let dir: string;
let viewerPsc: string;
let deployerPsc: string;
let scopedPsc: string;
let revokedPsc: string;
const PASSWORD = "a long password";

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "atelier-metrics-attacks-"));
  server = await startAtelierServer({
    dataDir: dir,
    port: 0,
    log: new EngineLog({ level: "silent" }),
    fullsyncInMemory: true,
    atelierVersion: "test",
  });
  await server.store.addUser("viewer", PASSWORD, ["view"]);
  await server.store.addUser("deployer", PASSWORD, ["deploy"]);
  const psc = async (user: string, projects: string[]) =>
    (await server.store.createPsc({ user, url: server.url, projects, expiresInMs: 60_000 })).text;
  viewerPsc = await psc("viewer", ["*"]);
  deployerPsc = await psc("deployer", ["*"]);
  scopedPsc = await psc("viewer", ["Demo"]);
  const revoked = await server.store.createPsc({
    user: "viewer",
    url: server.url,
    projects: ["*"],
    expiresInMs: 60_000,
  });
  expect(await server.store.revoke(revoked.psc.id)).toBe(true);
  revokedPsc = revoked.text;
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

function raw(
  method: string,
  p: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string; body: string }> {
  const u = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path: p, agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers["content-type"] ?? ""),
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

async function login(user: string): Promise<string> {
  const body = JSON.stringify({ user, password: PASSWORD });
  const res = await fetch(`${server.url}admin/api/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  expect(res.status).toBe(200);
  return res.headers.get("set-cookie")!.split(";")[0]!;
}

/** Case-insensitive: each character of `p` but "/" may be percent-encoded. */
function spellings(p: string): fc.Arbitrary<string> {
  return fc
    .array(fc.boolean(), { minLength: p.length, maxLength: p.length })
    .map((enc) => [...p].map((ch, i) => (ch === "/" || !enc[i] ? ch : `%${ch.charCodeAt(0).toString(16)}`)).join(""));
}

describe("GET /metrics refuses strangers", () => {
  it("401 without valid credentials, whatever the spelling", async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: "Bearer atlpsc1_bogus_00000000" },
      { authorization: "Bearer " },
      { authorization: "Basic dmlld2VyOmEgbG9uZyBwYXNzd29yZA==" },
      { cookie: "atelier_admin=forged" },
      { authorization: `Bearer ${revokedPsc}` },
      { authorization: `Bearer ${viewerPsc.slice(0, -4)}AAAA` },
    ];
    for (const headers of attempts) {
      for (const method of ["GET", "HEAD"]) {
        const r = await raw(method, "/metrics", headers);
        expect(r.status, `${method} ${JSON.stringify(headers)}`).toBe(401);
        expect(r.body).not.toMatch(/atelier_/);
      }
    }
    await fc.assert(
      fc.asyncProperty(spellings("/metrics"), fc.constantFrom("", "?x=1", "/", "?format=json"), async (p, tail) => {
        const r = await raw("GET", p + tail);
        expect([401, 404], p + tail).toContain(r.status);
        expect(r.body).not.toMatch(/atelier_/);
      }),
      { numRuns: 30 },
    );
  });

  it("403 for a credential scoped to some projects, and for a cookie sent by another site", async () => {
    const scoped = await raw("GET", "/metrics", { authorization: `Bearer ${scopedPsc}` });
    expect(scoped.status).toBe(403);
    expect(JSON.parse(scoped.body)).toMatchObject({ error: { code: "out_of_scope" } });
    const cookie = await login("viewer");
    expect((await raw("GET", "/metrics", { cookie, origin: "https://evil.example" })).status).toBe(403);
    expect((await raw("GET", "/metrics", { cookie, "sec-fetch-site": "cross-site" })).status).toBe(403);
  });

  it("200 with the view role: a PSC (as Prometheus sends it) or the admin session cookie", async () => {
    const credentials: Record<string, string>[] = [
      { authorization: `Bearer ${viewerPsc}` },
      // Every role includes view.
      { authorization: `Bearer ${deployerPsc}` },
      { cookie: await login("viewer") },
    ];
    for (const headers of credentials) {
      const r = await raw("GET", "/metrics", headers);
      expect(r.status, JSON.stringify(headers)).toBe(200);
      expect(r.type).toBe("text/plain; version=0.0.4; charset=utf-8");
      expect(r.body).toMatch(/^# HELP atelier_/m);
    }
    // Another spelling reaches the same guarded route.
    expect((await raw("GET", "/%6detrics", { authorization: `Bearer ${viewerPsc}` })).status).toBe(200);
    expect((await raw("GET", "/%6detrics")).status).toBe(401);
  });

  it("only GET and HEAD", async () => {
    for (const method of ["POST", "PUT", "DELETE"]) {
      expect([404, 405]).toContain((await raw(method, "/metrics", { authorization: `Bearer ${viewerPsc}` })).status);
    }
  });
});
