/**
 * The admin API of a server against strangers: every route of its table (and Convertigo's deploy
 * service) refuses calls without valid credentials, in plain and percent-encoded spellings; the
 * routes served are exactly the table's; a role or a scope never stretches.
 */
import fc from "fast-check";
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_API, adminRoutes } from "../../common/admin/routes.ts";
import { routePath, type RouteDef } from "../../common/http/routes.ts";
import { startAtelierServer, type RunningAtelierServer } from "../admin/atelier-server.ts";
import { EngineLog } from "../log.ts";

let server: RunningAtelierServer;
let dir: string;
let viewerPsc: string;
let scopedPsc: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "atelier-admin-attacks-"));
  server = await startAtelierServer({
    dataDir: dir,
    port: 0,
    log: new EngineLog({ level: "silent" }),
    fullsyncInMemory: true,
    atelierVersion: "test",
  });
  await server.store.addUser("viewer", "a long password", ["view"]);
  await server.store.addUser("deployer", "a long password", ["deploy"]);
  viewerPsc = (await server.store.createPsc({ user: "viewer", url: server.url, projects: ["*"], expiresInMs: 60_000 }))
    .text;
  scopedPsc = (
    await server.store.createPsc({ user: "deployer", url: server.url, projects: ["Other"], expiresInMs: 60_000 })
  ).text;
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

function raw(method: string, p: string, headers: Record<string, string> = {}, body?: string): Promise<number> {
  const u = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        method,
        path: p,
        agent: false,
        headers: {
          ...(body !== undefined
            ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) }
            : {}),
          ...headers,
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const PARAMS = { project: "Demo", id: "x", name: "n" };

function spellings(p: string): fc.Arbitrary<string> {
  return fc
    .array(fc.boolean(), { minLength: p.length, maxLength: p.length })
    .map((enc) => [...p].map((ch, i) => (ch === "/" || !enc[i] ? ch : `%${ch.charCodeAt(0).toString(16)}`)).join(""));
}

describe("every admin route refuses strangers", () => {
  for (const [name, d] of Object.entries(adminRoutes)) {
    const def = d as RouteDef;
    if (def.guard === "login" || def.guard === "public") continue;
    const plain = ADMIN_API + routePath(def.path, PARAMS);
    const body = def.method === "GET" ? undefined : "{}";
    it(`${def.method} ${def.path}`, async () => {
      const attempts: Record<string, string>[] = [
        {},
        { authorization: "Bearer atlpsc1_bogus_00000000" },
        { cookie: "atelier_admin=forged" },
      ];
      for (const headers of attempts) {
        expect([401, 403], `${name} ${JSON.stringify(headers)}`).toContain(await raw(def.method, plain, headers, body));
      }
      await fc.assert(
        fc.asyncProperty(spellings(plain), async (p) => {
          expect([401, 403, 404], p).toContain(await raw(def.method, p, {}, body));
        }),
        { numRuns: 8 },
      );
    });
  }

  it("roles and scopes do not stretch", async () => {
    const deploy = ADMIN_API + routePath(adminRoutes.deploy.path, PARAMS);
    expect(
      await raw("POST", deploy, { authorization: `Bearer ${viewerPsc}`, "content-type": "application/zip" }, "x"),
    ).toBe(403);
    expect(
      await raw("POST", deploy, { authorization: `Bearer ${scopedPsc}`, "content-type": "application/zip" }, "x"),
    ).toBe(403);
    const setting = ADMIN_API + routePath(adminRoutes.setSetting.path, PARAMS);
    expect(await raw("PUT", setting, { authorization: `Bearer ${viewerPsc}` }, JSON.stringify({ value: "v" }))).toBe(
      403,
    );
    // Convertigo's deploy service without its session.
    expect(await raw("POST", "/admin/services/projects.Deploy")).toBe(401);
    expect(await raw("POST", "/admin/%73ervices/projects.Deploy")).toBe(401);
  });
});
