import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { existsSync } from "node:fs";
import path from "node:path";
import { STUDIO_PATH } from "../../../common/studio/api.ts";
import type { StudioAuth } from "../studio-auth.ts";

/**
 * The Studio page (the built renderer) in `scope`, behind a guard attached to the scope (so to
 * every file route, whatever the spelling of the URL): the link the engine prints carries the
 * token, traded at the first load for an HttpOnly cookie; later loads need the cookie.
 */
export async function studioPage(scope: FastifyInstance, auth: StudioAuth, distDir: string | undefined): Promise<void> {
  scope.addHook("onRequest", async (req, reply) => {
    const token = new URL(req.url, "http://x").searchParams.get("token");
    if (token !== null) {
      if (!auth.hostAllowed(req.raw) || !auth.matches(token)) {
        return reply
          .code(401)
          .type("text/plain; charset=utf-8")
          .send("This Studio link is not valid any more: use the one the engine printed last.");
      }
      return reply
        .header("set-cookie", auth.cookie(req.raw))
        .header("cache-control", "no-store")
        .redirect(STUDIO_PATH, 303);
    }
    const refusal = auth.refuse(req.raw, { api: false });
    if (refusal) return reply.code(refusal.status).type("text/plain; charset=utf-8").send(refusal.message);
    return undefined;
  });

  if (distDir && existsSync(path.join(distDir, "index.html"))) {
    await scope.register(fastifyStatic, {
      root: distDir,
      prefix: STUDIO_PATH,
      index: ["index.html"],
      wildcard: true,
      setHeaders: (res, file) => {
        if (file.endsWith(".html")) res.setHeader("cache-control", "no-cache");
        else if (file.includes(`${path.sep}assets${path.sep}`))
          res.setHeader("cache-control", "public, max-age=31536000, immutable");
      },
    });
    scope.get("/studio", (_req, reply) => reply.redirect(STUDIO_PATH, 302));
  } else {
    const notBuilt = (_req: FastifyRequest, reply: FastifyReply) =>
      reply
        .code(503)
        .type("text/plain; charset=utf-8")
        .send(
          distDir
            ? `The Studio is not built (no ${distDir}/index.html): run \`npm run build:renderer\`, or start with \`npm start\`, which builds it.`
            : "This engine was started without the Studio's files.",
        );
    scope.get("/studio", notBuilt);
    scope.get("/studio/*", notBuilt);
  }
}
