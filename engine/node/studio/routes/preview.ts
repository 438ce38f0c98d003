import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";
import { existsSync } from "node:fs";
import path from "node:path";

/** Where the Studio's page preview is served (renderer/preview.html, built into dist/preview/). */
export const PREVIEW_PATH = "/studio-preview/";

/**
 * What the preview may do: run its own scripts (the interpreter compiles the designer's script
 * bindings, hence 'unsafe-eval', here only), and nothing else: no connection anywhere (the Studio
 * sends it the page's objects by postMessage), framed only by the Studio's own pages.
 */
export const PREVIEW_CSP = [
  "default-src 'none'",
  "script-src 'self' 'unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'none'",
  "frame-ancestors 'self'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

/**
 * The page preview's files, without the Studio's cookie guard: the preview runs in a sandboxed
 * iframe (an opaque origin, which no SameSite=Strict cookie reaches). They hold no data and
 * reach nothing: code only, the same for everyone.
 */
export async function studioPreview(scope: FastifyInstance, distDir: string | undefined): Promise<void> {
  const root = distDir ? path.join(distDir, "preview") : undefined;
  if (!root || !existsSync(path.join(root, "preview.html"))) {
    scope.get(`${PREVIEW_PATH}*`, (_req, reply) =>
      reply
        .code(503)
        .type("text/plain; charset=utf-8")
        .send("The page preview is not built: run `npm run build:renderer`."),
    );
    return;
  }
  await scope.register(fastifyStatic, {
    root,
    prefix: PREVIEW_PATH,
    index: ["preview.html"],
    wildcard: true,
    dotfiles: "deny",
    // Cache-Control is set below, by file.
    cacheControl: false,
    setHeaders: (res, file) => {
      res.setHeader("content-security-policy", PREVIEW_CSP);
      res.setHeader("x-content-type-options", "nosniff");
      // The sandboxed preview's origin is opaque ("null"): its module scripts and styles are fetched
      // in CORS mode from "another" origin. Public code, no credentials: anyone may read it.
      res.setHeader("access-control-allow-origin", "*");
      res.setHeader(
        "cache-control",
        file.includes(`${path.sep}assets${path.sep}`) ? "public, max-age=31536000, immutable" : "no-cache",
      );
    },
  });
}
