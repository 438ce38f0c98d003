/**
 * The Studio API against an attacker: every route the Studio serves refuses calls that are not a
 * signed-in Studio window's, in plain and percent-encoded spellings of its path (a guard keyed on
 * the URL's text let `/api/%73tudio/runs` through once), and the routes served are exactly the
 * route table's.
 */
import fc from "fast-check";
import Fastify from "fastify";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { request } from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STUDIO_API } from "../../common/studio/api.ts";
import { routePath, studioRoutes, type RouteDef } from "../../common/studio/routes.ts";
import { startAtelier, type RunningAtelier } from "../app.ts";
import { EngineLog } from "../log.ts";
import { registerStudioRoutes } from "../studio/routes/register.ts";
import { createStudio } from "../studio/studio-plugin.ts";

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../examples/workspace");

let dir: string;
let app: RunningAtelier;
let token: string;
let secretRuns = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "atelier-studio-attacks-"));
  await cp(path.join(EXAMPLES, "Demo"), path.join(dir, "Demo"), { recursive: true });
  app = await startAtelier({
    workspaceDir: dir,
    port: 0,
    log: new EngineLog({ level: "silent" }),
    fullsync: false,
    studio: {
      distDir: path.join(dir, "no-dist"),
      watch: false,
      // A workspace switch must never happen from an attack: count any attempt that gets through.
      openWorkspace: async () => {
        secretRuns++;
        return { url: app.url, dir, afterReply: () => {} };
      },
    },
  });
  token = app.studio!.auth.token;
  app.engine.log.subscribe((r) => {
    if (/Secret/.test(r.message)) secretRuns++;
  });
});

afterAll(async () => {
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A raw HTTP request (the path is sent exactly as given, encodings included). */
function raw(
  method: string,
  rawPath: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; body: string }> {
  const u = new URL(app.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        method,
        path: rawPath,
        // A connection per request: a refused request's connection may be closed by the server.
        agent: false,
        // Content-Length given: Node sends DELETE bodies unframed otherwise.
        headers: {
          ...(body !== undefined
            ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) }
            : {}),
          ...headers,
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          text += c;
          // Streams (events) never end: the status is what matters.
          if (text.length > 0 && res.statusCode === 200) res.destroy();
        });
        res.on("close", () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on("error", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    req.setTimeout(5000, () => req.destroy(new Error(`${method} ${rawPath}: no answer`)));
    req.end(body);
  });
}

const PARAMS: Record<string, string> = { project: "Demo", id: "x", name: "Demo", target: "t" };

/** A body that would do harm if a route accepted it. */
function hostileBody(name: string): string | undefined {
  const def = studioRoutes[name as keyof typeof studioRoutes] as RouteDef;
  if (def.method === "GET") return undefined;
  if (name === "run") return JSON.stringify({ project: "Demo", sequence: "Secret", inputs: {} });
  if (name === "openWorkspace") return JSON.stringify({ dir: "/tmp" });
  if (name === "createProject") return JSON.stringify({ name: "Pwned" });
  return JSON.stringify({ ids: ["x"], parent: "x", type: "Log", nodes: [], action: "stop", name: "Pwned", set: {} });
}

/** Every spelling of a path: each character may be percent-encoded, in either case of hex. */
function spellings(p: string): fc.Arbitrary<string> {
  return fc
    .array(fc.constantFrom<"plain" | "upper" | "lower">("plain", "upper", "lower"), {
      minLength: p.length,
      maxLength: p.length,
    })
    .map((how) =>
      [...p]
        .map((ch, i) => {
          if (ch === "/" || how[i] === "plain") return ch;
          const hex = ch.charCodeAt(0).toString(16).padStart(2, "0");
          return `%${how[i] === "upper" ? hex.toUpperCase() : hex}`;
        })
        .join(""),
    );
}

const unauthenticated: [string, Record<string, string>][] = [
  ["no credentials", { "x-atelier-studio": "1" }],
  ["a wrong token", { authorization: "Bearer nope", "x-atelier-studio": "1" }],
  [
    "the token from a foreign origin",
    { authorization: "Bearer TOKEN", "x-atelier-studio": "1", origin: "http://evil.example" },
  ],
  ["the token from a rebinding host name", { authorization: "Bearer TOKEN", "x-atelier-studio": "1", host: "evil" }],
  ["the token cross-site", { authorization: "Bearer TOKEN", "x-atelier-studio": "1", "sec-fetch-site": "cross-site" }],
];

describe("every Studio route refuses what is not a signed-in Studio window", () => {
  for (const name of Object.keys(studioRoutes)) {
    const def = studioRoutes[name as keyof typeof studioRoutes] as RouteDef;
    const plain = STUDIO_API + routePath(def.path, PARAMS);

    it(`${def.method} ${def.path}: refused in every spelling of its path`, async () => {
      const body = hostileBody(name);
      for (const [, headers] of unauthenticated) {
        const h = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.replace("TOKEN", token)]));
        const r = await raw(def.method, plain, h, body);
        expect([401, 403], `${def.method} ${plain} ${JSON.stringify(headers)}`).toContain(r.status);
      }
      await fc.assert(
        fc.asyncProperty(spellings(plain), async (p) => {
          const r = await raw(def.method, p, { "x-atelier-studio": "1" }, body);
          // 404 when the spelling names no route; never an answer.
          expect([401, 403, 404], `${def.method} ${p}`).toContain(r.status);
        }),
        { numRuns: 12 },
      );
    });
  }

  it("the known bypasses of the review are closed", async () => {
    const foreign = { origin: "http://evil.example", host: "evil.example" };
    const run = JSON.stringify({ project: "Demo", sequence: "Secret", inputs: {} });
    for (const p of ["/api/%73tudio/runs", "/%61pi/studio/runs", "/api/studio/%72uns", "/api//studio/runs"]) {
      expect([401, 403, 404]).toContain((await raw("POST", p, foreign, run)).status);
    }
    expect([401, 403]).toContain((await raw("GET", "/%61pi/studio/events", foreign)).status);
    expect([401, 403]).toContain(
      (await raw("POST", "/api/%73tudio/workspace/open", foreign, JSON.stringify({ dir: "/tmp" }))).status,
    );
    expect([401, 403]).toContain(
      (await raw("PATCH", "/api/%73tudio/projects/Demo/objects/x", foreign, JSON.stringify({ name: "Pwned" }))).status,
    );
    expect(secretRuns).toBe(0);
  });

  it("the page refuses encoded spellings without the cookie too", async () => {
    for (const p of ["/studio/", "/%73tudio/", "/studio/index.html", "/%73tudio/index.html"]) {
      expect([401, 403, 404, 503]).toContain((await raw("GET", p)).status);
    }
  });

  it("nothing got through: no sequence ran, no file changed, no project appeared", async () => {
    expect(secretRuns).toBe(0);
    const info = await raw("GET", `${STUDIO_API}/workspace`, {
      authorization: `Bearer ${token}`,
      "x-atelier-studio": "1",
    });
    expect(JSON.parse(info.body).projects.map((p: { name: string }) => p.name)).toEqual(["Demo"]);
    expect(await readFile(path.join(dir, "Demo", "project.yaml"), "utf8")).not.toContain("Pwned");
  });
});

describe("a signed-in window", () => {
  it("a body that breaks the route's schema is a 400 naming the field", async () => {
    const h = { authorization: `Bearer ${token}`, "x-atelier-studio": "1" };
    const r1 = await raw("POST", `${STUDIO_API}/projects`, h, JSON.stringify({ name: 42 }));
    expect(r1.status).toBe(400);
    expect(JSON.parse(r1.body).error).toMatchObject({
      code: "invalid_body",
      message: expect.stringContaining("body.name"),
    });
    const r2 = await raw("POST", `${STUDIO_API}/projects/Demo/delete`, h, JSON.stringify({ ids: "x" }));
    expect(JSON.parse(r2.body).error.message).toContain("body.ids");
    const r3 = await raw("POST", `${STUDIO_API}/projects`, h, JSON.stringify({}));
    expect(JSON.parse(r3.body).error.message).toMatch(/"name" is required/);
    const r4 = await raw("POST", `${STUDIO_API}/projects`, h, JSON.stringify({ name: "A", extra: 1 }));
    expect(JSON.parse(r4.body).error.message).toMatch(/unknown field "extra"/);
    const r5 = await raw("POST", `${STUDIO_API}/projects`, h, "{not json");
    expect(r5.status).toBe(400);
    const big = JSON.stringify({ ids: Array.from({ length: 10_001 }, (_, i) => `id${i}`) });
    expect((await raw("POST", `${STUDIO_API}/projects/Demo/delete`, h, big)).status).toBe(400);
  });

  it("bodies are JSON only", async () => {
    const r = await raw(
      "POST",
      `${STUDIO_API}/projects`,
      {
        authorization: `Bearer ${token}`,
        "x-atelier-studio": "1",
        "content-type": "application/x-www-form-urlencoded",
      },
      "name=Pwned",
    );
    expect(r.status).toBe(415);
  });
});

describe("the routes served are the route table's", () => {
  async function studioRouteSet(): Promise<{ served: Set<string>; close: () => Promise<void> }> {
    const studio = await createStudio(app.engine, {
      distDir: path.join(dir, "no-dist"),
      watch: false,
      persistHistory: false,
    });
    const server = Fastify();
    const served = new Set<string>();
    server.addHook("onRoute", (r) => {
      if (!r.url.startsWith(STUDIO_API)) return;
      for (const m of [r.method].flat()) if (m !== "HEAD") served.add(`${m} ${r.url.slice(STUDIO_API.length)}`);
    });
    await server.register(studio.plugin);
    await server.ready();
    return {
      served,
      close: async () => {
        await server.close();
        await studio.close();
      },
    };
  }

  it("same set, both ways", async () => {
    const { served, close } = await studioRouteSet();
    const table = new Set(Object.values(studioRoutes).map((d) => `${d.method} ${d.path}`));
    expect([...served].sort()).toEqual([...table].sort());
    await close();
  });

  it("a route added to the Studio's scope outside the table makes the start fail", async () => {
    const studio = await createStudio(app.engine, {
      distDir: path.join(dir, "no-dist"),
      watch: false,
      persistHistory: false,
    });
    // A careless contributor registers a route in the API's scope without going through the table.
    const sneaky = Fastify();
    await expect(
      sneaky
        .register(async (scope) => {
          registerStudioRoutes(scope, studio.auth, {} as never);
          scope.get(`${STUDIO_API}/sneaky`, async () => "unguarded");
        })
        .ready(),
    ).rejects.toThrow(/not declared in its route table/);
    await sneaky.close();
    await studio.close();
  });
});
