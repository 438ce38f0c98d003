import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { propOrDefault } from "../../common/model/registry.ts";
import type { Engine, RunResult } from "../engine.ts";
import { runAnswer } from "../testing/test-cases.ts";
import type { Session } from "../runtime/sessions.ts";
import { clearedSessionCookie, sessionCookie, sessionOfRequest } from "./http-sessions.ts";
import { toXmlDocument } from "./xml.ts";

type Format = "json" | "xml" | "pxml" | "jsonp";

/** Request parameters from the query string and a form, JSON or multipart-free body; repeated keys are lists. */
function parameters(req: FastifyRequest): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const add = (k: string, v: unknown) => {
    if (k === "__proto__" || k === "constructor" || k === "prototype") return;
    if (!(k in out)) out[k] = v;
    else out[k] = [...(Array.isArray(out[k]) ? (out[k] as unknown[]) : [out[k]]), ...(Array.isArray(v) ? v : [v])];
  };
  for (const [k, v] of Object.entries((req.query ?? {}) as Record<string, unknown>)) add(k, v);
  const body = req.body;
  if (body && typeof body === "object" && !Array.isArray(body)) {
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) add(k, v);
  }
  return out;
}

function first(v: unknown): string | undefined {
  if (Array.isArray(v)) return v.length ? String(v[0]) : undefined;
  return v === undefined || v === null ? undefined : String(v);
}

/** The session for a call: the cookie's, or a new one kept only if the call puts something in it. */
function sessionFor(engine: Engine, req: FastifyRequest): { session: Session; isNew: boolean } {
  const existing = sessionOfRequest(engine.sessions, req.raw);
  if (existing) return { session: existing, isNew: false };
  return { session: engine.sessions.transient(), isNew: true };
}

function finishSession(
  engine: Engine,
  reply: FastifyReply,
  req: FastifyRequest,
  session: Session,
  isNew: boolean,
  remove: boolean,
): void {
  const secure = req.protocol === "https";
  if (remove) {
    engine.sessions.destroy(session.id);
    reply.header("set-cookie", clearedSessionCookie());
    return;
  }
  if (isNew && session.modified) {
    // A session lives as long as the project of the call that created it says.
    const project = engine.project((req.params as { project?: string }).project ?? "");
    if (project) session.maxInactiveSeconds = propOrDefault<number>(project.root, "sessionTimeout");
    engine.sessions.adopt(session);
    reply.header("set-cookie", sessionCookie(session, secure));
  }
  if (session.user) reply.header("x-convertigo-authenticated", session.user);
}

function send(reply: FastifyReply, format: Format, status: number, body: unknown, callback?: string): FastifyReply {
  reply.code(status);
  switch (format) {
    case "xml":
    case "pxml":
      return reply.type("text/xml; charset=utf-8").send(toXmlDocument(body));
    case "jsonp": {
      const cb = callback && /^[A-Za-z_$][\w$.]{0,100}$/.test(callback) ? callback : "callback";
      return reply.type("application/javascript; charset=utf-8").send(`/**/${cb}(${JSON.stringify(body)});`);
    }
    default:
      return reply.type("application/json; charset=utf-8").send(JSON.stringify(body));
  }
}

/** The body of an error answer, in Convertigo's shape (never a stack trace). */
export function errorBody(result: RunResult): unknown {
  return runAnswer(result);
}

/**
 * The Convertigo-compatible API: `/projects/<project>/.json|.xml|.pxml|.jsonp` runs a sequence
 * (`__sequence`) or a transaction (`__connector`, `__transaction`); `/services/user.Get` tells
 * who the session's user is.
 */
export async function convertigoApi(app: FastifyInstance, engine: Engine): Promise<void> {
  const handler = async (format: Format, req: FastifyRequest<{ Params: { project: string } }>, reply: FastifyReply) => {
    const params = parameters(req);
    const callback = first(params.__callback);
    const inputs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(params)) if (!k.startsWith("__")) inputs[k] = v;
    const sequence = first(params.__sequence);
    const connector = first(params.__connector);
    const transaction = first(params.__transaction);
    const { session, isNew } = sessionFor(engine, req);
    if (sequence === undefined && connector === undefined && transaction === undefined) {
      return send(
        reply,
        format,
        400,
        {
          error: {
            code: "missing_requestable",
            message: "Give __sequence=<name>, or __transaction=<name> (and __connector=<name>)",
          },
        },
        callback,
      );
    }
    const controller = new AbortController();
    const onClose = () => {
      if (!reply.raw.writableFinished) controller.abort();
    };
    reply.raw.on("close", onClose);
    const result = await engine.run({
      project: req.params.project,
      ...(sequence !== undefined ? { sequence } : { connector, transaction }),
      inputs,
      session,
      fromOutside: true,
      signal: controller.signal,
    });
    reply.raw.off("close", onClose);
    const remove = ["true", "1"].includes(first(params.__removeSession) ?? "");
    finishSession(engine, reply, req, session, isNew, remove);
    if (result.ok) return send(reply, format, 200, result.output, callback);
    return send(reply, format, result.error?.status ?? 500, errorBody(result), callback);
  };

  for (const format of ["json", "xml", "pxml", "jsonp"] as const) {
    app.route<{ Params: { project: string } }>({
      method: ["GET", "POST"],
      url: `/projects/:project/.${format}`,
      handler: (req, reply) => handler(format, req, reply),
    });
  }

  const userGet = async (req: FastifyRequest, reply: FastifyReply) => {
    const session = sessionOfRequest(engine.sessions, req.raw);
    return reply.type("application/json; charset=utf-8").send(
      JSON.stringify({
        authenticated: Boolean(session?.user),
        user: session?.user ?? null,
        groups: session ? [...session.groups] : [],
        session: session?.id ?? null,
        maxInactive: session?.maxInactiveSeconds ?? engine.sessions.defaultMaxInactiveSeconds,
      }),
    );
  };
  app.post("/services/user.Get", userGet);
  app.get("/services/user.Get", userGet);
}
