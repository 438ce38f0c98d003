/**
 * The documentation routes on a real Fastify server on loopback: the OpenAPI document as JSON and
 * YAML (never cached), Swagger UI's page and its assets from the installed package under a strict
 * CSP, and a typed client's types generated from the served document (openapi-typescript).
 */
import Fastify, { type FastifyInstance } from "fastify";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import openapiTS, { astToString } from "openapi-typescript";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../engine.ts";
import { EngineLog } from "../log.ts";
import { apiDocsRoutes, DOCS_CSP } from "./api-docs.ts";

let dir: string;
let engine: Engine;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "atelier-api-docs-"));
  const p = path.join(dir, "Hello");
  await mkdir(path.join(p, "sequences"), { recursive: true });
  await mkdir(path.join(p, "api"), { recursive: true });
  await writeFile(path.join(p, "project.yaml"), stringify({ atelier: 1, type: "Project", name: "Hello", id: "pH" }));
  await writeFile(
    path.join(p, "sequences", "Greet.yaml"),
    stringify({
      type: "Sequence",
      name: "Greet",
      id: "sG",
      children: [
        { type: "Variable", name: "name", id: "vN", dataType: "string", default: "World" },
        { type: "Variable", name: "times", id: "vT", dataType: "integer" },
        { type: "Element", name: "greeting", id: "eG", value: "Hello" },
      ],
    }),
  );
  await writeFile(
    path.join(p, "api", "UrlMapper.yaml"),
    stringify({
      type: "UrlMapper",
      name: "UrlMapper",
      id: "uM",
      prefix: "/hello",
      children: [
        {
          type: "RestPath",
          name: "Greeting",
          id: "rG",
          path: "/greetings/{name}",
          children: [
            {
              type: "RestOperation",
              name: "Get",
              id: "oG",
              method: "GET",
              sequence: "Greet",
              children: [{ type: "RestParameter", name: "times", id: "pT", in: "query" }],
            },
            { type: "RestOperation", name: "Put", id: "oP", method: "PUT", sequence: "Greet" },
          ],
        },
      ],
    }),
  );
  engine = await Engine.open({ workspaceDir: dir, log: new EngineLog({ level: "silent" }) });
  app = Fastify({ logger: false });
  apiDocsRoutes(app, engine, "/api");
  await app.listen({ host: "127.0.0.1", port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app?.close();
  await engine?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("apiDocsRoutes", () => {
  it("serves the OpenAPI document as JSON, never cached, with the prefix as its relative server", async () => {
    const res = await fetch(`${base}/api/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const doc = (await res.json()) as { openapi: string; servers: unknown; paths: Record<string, object> };
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers).toEqual([{ url: "/api" }]);
    expect(Object.keys(doc.paths)).toEqual(["/hello/greetings/{name}"]);
    expect(Object.keys(doc.paths["/hello/greetings/{name}"]!)).toEqual(["get", "put"]);
  });

  it("serves the same document as YAML", async () => {
    const res = await fetch(`${base}/api/openapi.yaml`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/yaml; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const text = await res.text();
    expect(text).not.toMatch(/[&*]a\d/); // no YAML anchors or aliases
    const json = (await (await fetch(`${base}/api/openapi.json`)).json()) as unknown;
    expect(parse(text)).toEqual(json);
  });

  it("serves Swagger UI's page under a strict CSP, with no inline script and only relative URLs", async () => {
    const res = await fetch(`${base}/api/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toBe(DOCS_CSP);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe");
    expect(csp).toContain("frame-ancestors 'none'");
    const html = await res.text();
    expect(html).not.toMatch(/<script>|<script[^>]*>[^<\s]/); // every script has a src, no body
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/\son\w+=/);
    // Every script and stylesheet of the page is served, with its type.
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(refs).toContain("docs/swagger-ui-bundle.js");
    for (const ref of refs) {
      const url = new URL(ref, `${base}/api/docs`);
      const asset = await fetch(url);
      expect(asset.status, ref).toBe(200);
      expect(asset.headers.get("x-content-type-options")).toBe("nosniff");
      const type = asset.headers.get("content-type")!;
      if (ref.endsWith(".js")) expect(type).toBe("text/javascript; charset=utf-8");
      if (ref.endsWith(".css")) expect(type).toBe("text/css; charset=utf-8");
      if (ref.endsWith(".png")) expect(type).toBe("image/png");
      await asset.arrayBuffer();
    }
  });

  it("serves the package's bundle itself, with a validator on its version", async () => {
    const res = await fetch(`${base}/api/docs/swagger-ui-bundle.js`);
    expect(res.status).toBe(200);
    const body = await res.text();
    const onDisk = await readFile(
      path.join(
        path.dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json")),
        "swagger-ui-bundle.js",
      ),
      "utf8",
    );
    expect(body).toBe(onDisk);
    const etag = res.headers.get("etag")!;
    expect(etag).toMatch(/^"swagger-ui-dist-\d/);
    const again = await fetch(`${base}/api/docs/swagger-ui-bundle.js`, { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
  });

  it("points Swagger UI at the document beside the page, from a script of its own", async () => {
    const res = await fetch(`${base}/api/docs/swagger-init.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const js = await res.text();
    expect(js).toContain('url: "openapi.json"');
    expect(js).toContain("validatorUrl: null"); // no badge fetched from swagger.io
    expect(new URL("openapi.json", `${base}/api/docs`).pathname).toBe("/api/openapi.json");
  });

  it("serves nothing else of the package, and sends docs/ to docs", async () => {
    for (const f of [
      "package.json",
      "index.html",
      "swagger-initializer.js",
      "..%2Fpackage.json",
      "swagger-ui.js.map",
    ]) {
      expect((await fetch(`${base}/api/docs/${f}`)).status, f).toBe(404);
    }
    const res = await fetch(`${base}/api/docs/`, { redirect: "manual" });
    expect(res.status).toBe(301);
    expect(new URL(res.headers.get("location")!, `${base}/api/docs/`).pathname).toBe("/api/docs");
  });

  it("gives a typed client's types (openapi-typescript) from the served document", async () => {
    const doc = (await (await fetch(`${base}/api/openapi.json`)).json()) as Parameters<typeof openapiTS>[0];
    const ts = astToString(await openapiTS(doc));
    const out = path.join(dir, "api-types.ts");
    await writeFile(out, ts);
    const written = await readFile(out, "utf8");
    expect(written).toContain('"/hello/greetings/{name}"');
    expect(written).toContain("Hello_Greeting_get");
    expect(written).toContain("Hello_Greeting_put");
    expect(written).toMatch(/times\?: number/);
    expect(written).toMatch(/name: string/);
    // The types compile, and a use of them checks a path's parameters.
    const use = path.join(dir, "use.ts");
    await writeFile(
      use,
      `import type { paths } from "./api-types.ts";
type Get = paths["/hello/greetings/{name}"]["get"];
export const params: Get["parameters"] = { path: { name: "Ada" }, query: { times: 2 } };
`,
    );
    const { default: typescript } = await import("typescript");
    const program = typescript.createProgram([use], {
      noEmit: true,
      strict: true,
      allowImportingTsExtensions: true,
      module: typescript.ModuleKind.NodeNext,
      moduleResolution: typescript.ModuleResolutionKind.NodeNext,
      target: typescript.ScriptTarget.ES2022,
      types: [],
    });
    const problems = typescript
      .getPreEmitDiagnostics(program)
      .map((d) => typescript.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(problems).toEqual([]);
  }, 120_000);
});
