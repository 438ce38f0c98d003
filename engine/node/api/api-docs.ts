/**
 * The REST API's documentation routes, under the server's REST prefix (`/api` by default):
 *
 * - `GET <prefix>/openapi.json` and `<prefix>/openapi.yaml`: the OpenAPI 3.1 document
 *   (openapi.ts), built at each request from the live projects, never cached;
 * - `GET <prefix>/docs`: Swagger UI, served from the installed `swagger-ui-dist` package (its
 *   few files under `<prefix>/docs/…`, no CDN), under a strict Content-Security-Policy: no inline
 *   script (the page loads a small init script served here), nothing from elsewhere.
 *
 * Every URL in the page and in the document is relative (`openapi.json` from the page, the
 * prefix as the document's server), so the pages work behind a proxy that moves them.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { stringify } from "yaml";
import type { Engine } from "../engine.ts";
import { openApiDocument } from "./openapi.ts";

/** The page's policy: its own scripts, styles and images (the CSS's data: icons), calls to its own origin. */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** The package files the page uses, and their types: nothing else of the package is served. */
const ASSETS: Record<string, string> = {
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui.css": "text/css; charset=utf-8",
  "index.css": "text/css; charset=utf-8",
  "favicon-32x32.png": "image/png",
  "favicon-16x16.png": "image/png",
};

const INIT_FILE = "swagger-init.js";

/** Starts Swagger UI on the page's #swagger-ui, reading the document beside the page. */
const INIT_JS = `"use strict";
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
`;

// Relative to the page (<prefix>/docs): docs/… are the assets, openapi.json the document.
const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>REST API</title>
<link rel="stylesheet" href="docs/swagger-ui.css">
<link rel="stylesheet" href="docs/index.css">
<link rel="icon" type="image/png" href="docs/favicon-32x32.png" sizes="32x32">
<link rel="icon" type="image/png" href="docs/favicon-16x16.png" sizes="16x16">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/${INIT_FILE}"></script>
</body>
</html>
`;

let packageDir: string | undefined;
let packageVersion = "0";

/** The installed swagger-ui-dist folder (resolved once). */
function swaggerUiDir(): string {
  if (packageDir === undefined) {
    const req = createRequire(import.meta.url);
    const manifest = req.resolve("swagger-ui-dist/package.json");
    packageDir = path.dirname(manifest);
    packageVersion = String((req(manifest) as { version?: unknown }).version ?? "0");
  }
  return packageDir;
}

/** The assets, read once each (about 2 MB in all). */
const assetCache = new Map<string, Promise<Buffer>>();

function readAsset(name: string): Promise<Buffer> {
  let p = assetCache.get(name);
  if (!p) {
    p = readFile(path.join(swaggerUiDir(), name));
    p.catch(() => assetCache.delete(name));
    assetCache.set(name, p);
  }
  return p;
}

function common(reply: FastifyReply): FastifyReply {
  return reply.header("x-content-type-options", "nosniff").header("referrer-policy", "no-referrer");
}

/** The prefix as routes are written: one leading slash, no trailing one ("" for the root). */
function normalizePrefix(prefix: string): string {
  const p = prefix.trim().replace(/\/+$/, "");
  return p === "" ? "" : p.startsWith("/") ? p : `/${p}`;
}

/** Registers the documentation routes of the REST API under `prefix` (the server's REST prefix). */
export function apiDocsRoutes(app: FastifyInstance, engine: Engine, prefix: string): void {
  const base = normalizePrefix(prefix);
  const docPrefix = base || "/";

  app.get(`${base}/openapi.json`, (_req, reply) =>
    common(reply)
      .header("cache-control", "no-store")
      .type("application/json; charset=utf-8")
      .send(JSON.stringify(openApiDocument(engine, { prefix: docPrefix }), null, 2)),
  );

  app.get(`${base}/openapi.yaml`, (_req, reply) =>
    common(reply)
      .header("cache-control", "no-store")
      .type("application/yaml; charset=utf-8")
      .send(stringify(openApiDocument(engine, { prefix: docPrefix }), { aliasDuplicateObjects: false })),
  );

  app.get(`${base}/docs`, (_req, reply) =>
    common(reply)
      .header("cache-control", "no-cache")
      .header("content-security-policy", DOCS_CSP)
      .type("text/html; charset=utf-8")
      .send(PAGE),
  );

  app.get(`${base}/docs/:file`, async (req: FastifyRequest<{ Params: { file: string } }>, reply) => {
    const file = req.params.file;
    common(reply).header("content-security-policy", DOCS_CSP);
    // The page's URLs are relative to <prefix>/docs: send <prefix>/docs/ there.
    if (file === "") return reply.header("cache-control", "no-cache").redirect("../docs", 301);
    if (file === INIT_FILE) {
      return reply.header("cache-control", "no-cache").type("text/javascript; charset=utf-8").send(INIT_JS);
    }
    const type = Object.prototype.hasOwnProperty.call(ASSETS, file) ? ASSETS[file] : undefined;
    if (!type) return reply.code(404).type("text/plain; charset=utf-8").send("Not found");
    const body = await readAsset(file);
    const etag = `"swagger-ui-dist-${packageVersion}-${file}"`;
    reply.header("etag", etag).header("cache-control", "no-cache");
    if (req.headers["if-none-match"] === etag) return reply.code(304).send();
    return reply.type(type).send(body);
  });
}
