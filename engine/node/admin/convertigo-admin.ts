/**
 * Convertigo's own deploy clients (its Studio, CLI and Gradle plugin) against an Atelier server:
 * `POST /admin/services/engine.Authenticate` (form: authType=login, authUserName, authPassword) then
 * `POST /admin/services/projects.Deploy` (multipart, the part named after the .car file), answered
 * in Convertigo's XML shapes. The archive is a Convertigo project: it is imported (the importer),
 * then deployed the same safe way as an Atelier .car (checked, staged, swapped, kept for rollback).
 */
import multipart from "@fastify/multipart";
import type { FastifyInstance, FastifyReply } from "fastify";
import { randomBytes } from "node:crypto";
import { readdir } from "node:fs/promises";
import path from "node:path";
import Type from "typebox";
import { MAX_CAR_BYTES } from "../../common/admin/routes.ts";
import { ApiError } from "../../common/http/api-error.ts";
import { answer, type RouteDef } from "../../common/http/routes.ts";
import { CarError, DEFAULT_CAR_LIMITS, extractCar } from "../deploy/car.ts";
import { importConvertigo } from "../importer/import.ts";
import { registerRouteTable, type Guard, type HandlersOf } from "../server/typed-routes.ts";
import { escapeXml } from "./xml-text.ts";
import { AdminAuthError, type AdminPrincipal, type AdminStore } from "./admin-store.ts";
import { ADMIN_COOKIE, type AdminSessions } from "./admin-sessions.ts";
import type { AuditLog } from "./audit.ts";
import { DeployError, type Deployments } from "./deployments.ts";
import { readCookie } from "../server/http-sessions.ts";

export const CONVERTIGO_ADMIN = "/admin/services";

type ConvertigoGuard = "login" | "deploy";

/** Convertigo's two services, as a route table: their guards are attached like every other route's. */
export const convertigoAdminRoutes = {
  authenticate: {
    method: "POST",
    path: "/engine.Authenticate",
    guard: "login",
    bodyKind: "form",
    maxBytes: 64 * 1024,
    answer: answer<string>(),
  },
  deploy: {
    method: "POST",
    path: "/projects.Deploy",
    guard: "deploy",
    bodyKind: "form",
    maxBytes: MAX_CAR_BYTES + 1024 * 1024,
    query: Type.Object({ bAssembleXsl: Type.Optional(Type.String({ maxLength: 10 })) }),
    answer: answer<string>(),
  },
} as const satisfies Record<string, RouteDef<ConvertigoGuard>>;

interface Ctx {
  from: string;
  principal?: AdminPrincipal;
}

export interface ConvertigoAdminDeps {
  store: AdminStore;
  sessions: AdminSessions;
  deployments: Deployments;
  audit: AuditLog;
  https: boolean;
  /** A folder for imports in progress. */
  tmpDir: string;
}

/** `<admin service="...">` with children, as Convertigo's XmlService writes it. */
function adminXml(service: string, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<admin service="${escapeXml(service)}">${body}</admin>\n`;
}

/** Convertigo's error document (what its RemoteAdmin reads: message, exception, stacktrace). */
function errorXml(message: string, exception = "com.twinsoft.convertigo.engine.EngineException"): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<error><message>${escapeXml(message)}</message><exception>${escapeXml(exception)}</exception><stacktrace></stacktrace></error>\n`;
}

function sendXml(reply: FastifyReply, status: number, xml: string): FastifyReply {
  return reply.code(status).type("text/xml; charset=utf-8").header("cache-control", "no-store").send(xml);
}

export async function registerConvertigoAdmin(scope: FastifyInstance, deps: ConvertigoAdminDeps): Promise<void> {
  await scope.register(multipart, {
    limits: { fileSize: MAX_CAR_BYTES, files: 1, fields: 10, fieldSize: 1024, parts: 12, headerPairs: 50 },
  });
  const guards: Record<ConvertigoGuard, Guard<Ctx>> = {
    login: (req) => ({ from: req.ip }),
    deploy: async (req) => {
      const principal = await deps.sessions.get(readCookie(req.headers.cookie, ADMIN_COOKIE));
      if (!principal) throw new ApiError(401, "not_signed_in", "Not authenticated: call engine.Authenticate first");
      const origin = req.headers.origin;
      const host = req.headers.host ?? "";
      if (origin && origin !== `http://${host}` && origin !== `https://${host}`) {
        throw new ApiError(403, "cross_origin", "Cross-origin admin calls are not allowed");
      }
      if (!principal.roles.includes("deploy")) throw new ApiError(403, "forbidden", `${principal.user} may not deploy`);
      return { from: req.ip, principal };
    },
  };

  const handlers: HandlersOf<typeof convertigoAdminRoutes, Ctx> = {
    authenticate: async ({ body, ctx, reply }) => {
      const form = (body ?? {}) as Record<string, unknown>;
      const str = (k: string) => (typeof form[k] === "string" ? (form[k] as string) : undefined);
      if (str("authType") !== "login") {
        await deps.sessions.destroy(readCookie(reply.request.headers.cookie, ADMIN_COOKIE));
        reply.header("set-cookie", deps.sessions.clearedCookie());
        return sendXml(reply, 200, adminXml("engine.Authenticate", "<success></success>")) as unknown as string;
      }
      const user = str("authUserName") ?? "";
      const password = str("authPassword") ?? "";
      try {
        const principal = await deps.store.login(user, password, ctx.from);
        const id = await deps.sessions.create(principal);
        reply.header("set-cookie", deps.sessions.cookie(id, deps.https));
        await deps.audit.append({
          user,
          via: "password",
          from: ctx.from,
          action: "login",
          ok: true,
          details: { client: "convertigo" },
        });
        const roles = ["AUTHENTICATED", ...(principal.roles.includes("deploy") ? ["WEB_ADMIN"] : [])]
          .map((r) => `<role name="${r}"/>`)
          .join("");
        return sendXml(
          reply,
          200,
          adminXml(
            "engine.Authenticate",
            `<success></success><authenticated>true</authenticated><user>${escapeXml(user)}</user><roles>${roles}</roles>`,
          ),
        ) as unknown as string;
      } catch (e) {
        if (!(e instanceof AdminAuthError)) throw e;
        await deps.audit.append({
          user: user.slice(0, 64),
          via: "password",
          from: ctx.from,
          action: "login",
          ok: false,
          details: { client: "convertigo" },
        });
        // Convertigo answers a failed login with 200 and an <error> element; its clients check for it.
        const message =
          e.status === 429
            ? `The '${user}' account is blocked: ${e.message}`
            : "Invalid authentication!\n\nPlease verify your user ID and/or your password.";
        return sendXml(
          reply,
          200,
          adminXml("engine.Authenticate", `<error>${escapeXml(message)}</error>`),
        ) as unknown as string;
      }
    },

    deploy: async ({ req, ctx, reply }) => {
      const p = ctx.principal!;
      if (!req.isMultipart())
        throw new ApiError(400, "multipart_expected", "projects.Deploy takes a multipart upload of the .car");
      const file = await req.file();
      if (!file) throw new ApiError(400, "no_file", "No file in the upload");
      const name = path.basename(file.filename.replace(/\\/g, "/"));
      if (!/\.(car|zip)$/i.test(name)) {
        file.file.resume();
        throw new ApiError(
          400,
          "not_an_archive",
          `The deployment of the project ${name} has failed. The archive file is not valid (.car or .zip required).`,
        );
      }
      const bytes = await file.toBuffer();
      if (file.file.truncated)
        throw new ApiError(400, "too_large", `The archive is larger than ${MAX_CAR_BYTES} bytes`);
      try {
        const result = await deps.deployments.deploy({
          bytes,
          by: { user: p.user, via: p.via, from: ctx.from, projects: p.projects },
          // Convertigo clients do not say which version they replace: no conflict check.
          prepare: async (archive, staging) => {
            const unpacked = path.join(staging, `c8o-${randomBytes(4).toString("hex")}`);
            const inspected = await extractCar(archive, unpacked, DEFAULT_CAR_LIMITS, "convertigo").catch(
              (err: unknown) => {
                if (err instanceof CarError) throw new DeployError(400, err.code, err.message);
                throw err;
              },
            );
            const out = path.join(staging, "out");
            let summary;
            try {
              summary = await importConvertigo(unpacked, out, {});
            } catch (err) {
              throw new DeployError(
                400,
                "import_failed",
                `The Convertigo project ${inspected.project} could not be imported: ${(err as Error).message}`,
              );
            }
            const [folder] = (await readdir(out)).filter((f) => f === summary.project);
            if (!folder) throw new DeployError(500, "import_failed", "The import produced no project folder");
            return { project: summary.project, dir: path.join(out, folder) };
          },
        });
        await deps.audit.append({
          user: p.user,
          via: p.via,
          from: ctx.from,
          action: "deploy",
          project: result.project,
          version: result.version,
          ok: true,
          details: { client: "convertigo", replaced: result.replaced },
        });
        return sendXml(
          reply,
          200,
          adminXml(
            "projects.Deploy",
            `<message>${escapeXml(`The project '${result.project}' has been successfully deployed.`)}</message>`,
          ),
        ) as unknown as string;
      } catch (e) {
        const err = e instanceof DeployError ? e : undefined;
        await deps.audit.append({
          user: p.user,
          via: p.via,
          from: ctx.from,
          action: "deploy",
          ok: false,
          details: { client: "convertigo", message: (e as Error).message },
        });
        if (!err) throw e;
        return sendXml(
          reply,
          500,
          errorXml(`The deployment of ${name} has failed: ${err.message}`),
        ) as unknown as string;
      }
    },
  };

  registerRouteTable(scope, {
    prefix: CONVERTIGO_ADMIN,
    table: convertigoAdminRoutes,
    handlers,
    guards,
    // Refusals are Convertigo's XML error document (its clients read the body).
    sendError: (reply, e) =>
      e.status >= 500
        ? undefined
        : sendXml(reply, e.status === 401 || e.status === 403 ? e.status : 500, errorXml(e.message)),
  });
}
