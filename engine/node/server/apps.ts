/**
 * The apps built with the UI builder (issue 18, design §7.4), served at `/apps/<Project>/` from
 * the project's `www/` folder (what `atelier app build` writes and a deploy ships in the .car).
 * The live workspace is read at each request, so a build or a deploy's swap shows at once.
 *
 * - A path without an extension that names no file answers `index.html` (the app's router
 *   reads the path); a missing file with an extension is a 404.
 * - `index.html`, the service worker and the manifest are revalidated at each load (`no-cache`);
 *   `assets/` (hashed names) are immutable for a year.
 * - Every answer carries a strict CSP (no eval, no inline script, same-origin calls only: the
 *   session cookie needs no CORS), `nosniff`, and no framing.
 * - Nothing outside `www/` is reachable: no `..`, no dot files, no link leading out.
 */
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply } from "fastify";
import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import type { Engine } from "../engine.ts";

export const APPS_PATH = "/apps";

/** The folder of a project holding its built app. */
export const APP_BUILD_DIR = "www";

/** The Content-Security-Policy of an app's files. */
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Files fetched again at each load (they name the others). */
const REVALIDATED = new Set(["index.html", "sw.js", "manifest.webmanifest"]);

/** Longest path accepted under an app (characters) and deepest (segments). */
const MAX_PATH = 1024;
const MAX_DEPTH = 32;

/** Cache-Control of a file of an app, by its path relative to `www/`. */
export function appCacheControl(rel: string): string {
  if (rel.startsWith("assets/") && !REVALIDATED.has(path.posix.basename(rel))) {
    return "public, max-age=31536000, immutable";
  }
  return "no-cache";
}

/**
 * The relative path asked for, checked: segments of at most `MAX_DEPTH`, none empty in the
 * middle, none starting with a dot, no backslash or NUL. Null when refused.
 */
export function appRelativePath(wildcard: string): string | null {
  if (wildcard.length > MAX_PATH || /[\\\0]/.test(wildcard)) return null;
  if (wildcard === "") return "";
  const segments = wildcard.split("/");
  if (segments.length > MAX_DEPTH) return null;
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    if (s === "" && i === segments.length - 1) continue; // a trailing slash
    if (s === "" || s.startsWith(".")) return null;
  }
  return segments.filter((s) => s !== "").join("/");
}

/** Whether `inner` (a real path) is `outer` or inside it. */
function inside(outer: string, inner: string): boolean {
  return inner === outer || inner.startsWith(outer + path.sep);
}

/** The regular file at `rel` under `root` (real paths), or null when absent, a folder or outside. */
async function fileUnder(root: string, rel: string): Promise<string | null> {
  if (rel === "") return null;
  try {
    const real = await realpath(path.join(root, ...rel.split("/")));
    if (!inside(root, real)) return null;
    return (await stat(real)).isFile() ? path.relative(root, real).split(path.sep).join("/") : null;
  } catch {
    return null;
  }
}

function notFound(reply: FastifyReply, message: string): FastifyReply {
  return reply
    .code(404)
    .header("x-content-type-options", "nosniff")
    .type("application/json; charset=utf-8")
    .send(JSON.stringify({ error: { code: "not_found", message } }));
}

/** Sends a file of an app (`rel` under its `www/`, checked) with its headers. */
function send(reply: FastifyReply, root: string, rel: string): FastifyReply {
  reply
    .header("content-security-policy", APP_CSP)
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "same-origin")
    .header("cache-control", appCacheControl(rel));
  // The worker may control the whole app, wherever its file sits.
  if (rel === "sw.js") reply.header("service-worker-allowed", "./");
  return reply.sendFile(rel, root);
}

/** Registers `/apps/:project/*` in `scope` (GET and HEAD). */
export async function appsRoutes(scope: FastifyInstance, engine: Engine): Promise<void> {
  await scope.register(fastifyStatic, {
    // Every file is sent with its app's own root (below); this one is never used.
    root: engine.workspace.dir,
    serve: false,
    decorateReply: true,
    index: false,
    dotfiles: "deny",
    etag: true,
    lastModified: true,
    // Cache-Control is the route's (below): by the path under www/, not under the disk.
    cacheControl: false,
  });

  scope.get<{ Params: { project: string } }>(`${APPS_PATH}/:project`, (req, reply) =>
    reply.redirect(`${APPS_PATH}/${encodeURIComponent(req.params.project)}/`, 301),
  );

  scope.get<{ Params: { project: string; "*": string } }>(`${APPS_PATH}/:project/*`, async (req, reply) => {
    const name = req.params.project;
    const project = engine.workspace.get(name);
    if (!project) return notFound(reply, `No project named "${name}"`);
    let root: string;
    try {
      root = await realpath(path.join(project.dir, APP_BUILD_DIR));
      if (!(await stat(path.join(root, "index.html"))).isFile()) throw new Error("not a file");
    } catch {
      return notFound(reply, `The project "${name}" has no built app (no ${APP_BUILD_DIR}/index.html)`);
    }
    const rel = appRelativePath(req.params["*"]);
    if (rel === null) return notFound(reply, `Nothing at ${req.url.split("?")[0]}`);
    const file = await fileUnder(root, rel);
    if (file) return send(reply, root, file);
    // The app's own routes (`/apps/P/orders/42`) are pages of index.html; a missing asset is not.
    const last = rel.split("/").pop() ?? "";
    if (last !== "" && path.posix.extname(last) !== "") return notFound(reply, `Nothing at ${req.url.split("?")[0]}`);
    return send(reply, root, "index.html");
  });
}
