import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { existsSync } from "node:fs";
import type { ServerResponse } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { typeSchemas } from "../../common/model/registry.ts";
import {
  STUDIO_API,
  STUDIO_PATH,
  type DebugAction,
  type RunStart,
  type RunStreamEvent,
  type StudioEvent,
  type TestResult,
} from "../../common/studio/api.ts";
import type { Engine } from "../engine.ts";
import { listTestCases, runTestCase } from "../testing/test-cases.ts";
import { findObjects, findReferences } from "./find.ts";
import { StudioRuns } from "./runs.ts";
import { StudioAuth } from "./studio-auth.ts";
import { StudioError, StudioService } from "./studio-service.ts";
import { WorkspaceWatcher } from "./workspace-watcher.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** Where the built Studio (renderer/dist) is by default. */
export const DEFAULT_STUDIO_DIST = path.join(repoRoot, "renderer", "dist");
/** The example workspace the Studio offers to copy from. */
export const DEFAULT_EXAMPLES = path.join(repoRoot, "examples", "workspace");

export interface StudioOptions {
  /** The built renderer; renderer/dist by default. */
  distDir?: string;
  /** A fixed token (the desktop shell may choose it); random by default. */
  token?: string;
  /** Watch the workspace for changes made outside the Studio (on by default). */
  watch?: boolean;
  /** Keep the undo history in <workspace>/.atelier/studio-history.jsonl (on by default). */
  persistHistory?: boolean;
  examplesDir?: string;
  /** The host the server binds (loopback hosts make the Host header checked). */
  host?: string;
  /**
   * Opens another workspace folder (created when `create`): the host checks it and answers the
   * Studio URL it will serve; `afterReply` then restarts the engine there. Absent: the Studio
   * cannot switch workspaces (the desktop shell switches through its own menu).
   */
  openWorkspace?: (dir: string, create: boolean) => Promise<{ url: string; dir: string; afterReply: () => void }>;
}

export interface Studio {
  plugin: (app: FastifyInstance) => Promise<void>;
  service: StudioService;
  auth: StudioAuth;
  /** The Studio's URL on a server's base URL, with the token that signs a browser in. */
  urlOn(baseUrl: string): string;
  close(): Promise<void>;
}

/** Makes the Studio: its API over the engine, the built renderer, the workspace watcher. */
export async function createStudio(engine: Engine, opts: StudioOptions = {}): Promise<Studio> {
  const service = new StudioService(engine, {
    historyFile:
      opts.persistHistory === false ? undefined : path.join(engine.workspace.dir, ".atelier", "studio-history.jsonl"),
    examplesDir: opts.examplesDir ?? DEFAULT_EXAMPLES,
  });
  await service.init();
  const auth = new StudioAuth(opts.token, opts.host);
  const runs = new StudioRuns(engine);
  const watcher =
    opts.watch === false
      ? undefined
      : new WorkspaceWatcher(
          engine,
          (p, reason) => service.reloadFromDisk(p, reason),
          (task) => service.serialize(task),
        );
  await watcher?.start();
  const distDir = opts.distDir ?? DEFAULT_STUDIO_DIST;
  const streams = new Set<ServerResponse>();

  const plugin = async (app: FastifyInstance) => {
    app.addHook("preClose", async () => {
      for (const s of streams) s.end();
      streams.clear();
    });

    // ---- the page ----
    app.addHook("onRequest", async (req, reply) => {
      const url = req.url;
      const api = url.startsWith(STUDIO_API + "/") || url === STUDIO_API;
      const page = url === "/studio" || url.startsWith(STUDIO_PATH);
      if (!api && !page) return;
      if (page) {
        const q = new URL(url, "http://x").searchParams.get("token");
        if (q !== null) {
          if (!auth.hostAllowed(req.raw) || !auth.matches(q)) {
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
      }
      const stream = req.method === "GET" && url.startsWith(`${STUDIO_API}/events`);
      const refusal = auth.refuse(req.raw, { api, stream });
      if (refusal) {
        if (api) return sendError(reply, new StudioError(refusal.status, "refused", refusal.message));
        return reply.code(refusal.status).type("text/plain; charset=utf-8").send(refusal.message);
      }
      return undefined;
    });

    if (existsSync(path.join(distDir, "index.html"))) {
      await app.register(fastifyStatic, {
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
      app.get("/studio", (_req, reply) => reply.redirect(STUDIO_PATH, 302));
    } else {
      const notBuilt = (_req: FastifyRequest, reply: FastifyReply) =>
        reply
          .code(503)
          .type("text/plain; charset=utf-8")
          .send(
            `The Studio is not built (no ${distDir}/index.html): run \`npm run build:renderer\`, or start with \`npm start\`, which builds it.`,
          );
      app.get("/studio", notBuilt);
      app.get("/studio/*", notBuilt);
    }

    // ---- the API ----
    const origin = (req: FastifyRequest) => {
      const h = req.headers["x-atelier-client"];
      return typeof h === "string" ? h.slice(0, 64) : undefined;
    };
    const route =
      <T>(fn: (req: FastifyRequest) => Promise<T> | T) =>
      async (req: FastifyRequest, reply: FastifyReply) => {
        try {
          const result = await fn(req);
          return reply.header("cache-control", "no-store").send(result);
        } catch (e) {
          return sendError(reply, e);
        }
      };
    type P = { project: string; id: string };
    const params = (req: FastifyRequest) => req.params as P;
    const body = (req: FastifyRequest) => {
      const b = req.body;
      if (b === undefined || b === null || typeof b !== "object" || Array.isArray(b)) {
        throw new StudioError(400, "invalid_body", "A JSON object is expected as the request body");
      }
      return b as Record<string, unknown>;
    };
    const ids = (b: Record<string, unknown>) => {
      if (!Array.isArray(b.ids) || !b.ids.every((x) => typeof x === "string")) {
        throw new StudioError(400, "invalid_body", "ids must be a list of object ids");
      }
      return b.ids as string[];
    };
    const str = (v: unknown, what: string) => {
      if (typeof v !== "string" || v === "") throw new StudioError(400, "invalid_body", `${what} is required`);
      return v;
    };
    const optIndex = (v: unknown) => (typeof v === "number" ? v : undefined);

    app.get(
      `${STUDIO_API}/session`,
      route(() => ({ workspace: engine.workspace.dir, history: service.historyState() })),
    );
    app.get(
      `${STUDIO_API}/types`,
      route(() => typeSchemas()),
    );
    app.get(
      `${STUDIO_API}/workspace`,
      route(async () => ({ ...(await service.info()), canOpenWorkspace: Boolean(opts.openWorkspace) })),
    );
    app.post(`${STUDIO_API}/workspace/open`, async (req, reply) => {
      try {
        const b = body(req);
        if (!opts.openWorkspace) {
          throw new StudioError(501, "not_available", "This engine cannot open another workspace from the Studio");
        }
        const opened = await opts.openWorkspace(str(b.dir, "dir"), b.create === true);
        // The engine restarts once this answer has left: the page then follows the new URL.
        reply.raw.once("finish", opened.afterReply);
        return reply.header("cache-control", "no-store").send({ url: opened.url, dir: opened.dir });
      } catch (e) {
        return sendError(reply, e);
      }
    });
    app.post(
      `${STUDIO_API}/projects`,
      route((req) => service.createProject(str(body(req).name, "name"), origin(req))),
    );
    app.post<{ Params: { name: string } }>(
      `${STUDIO_API}/examples/:name`,
      route((req) => service.addExample((req.params as { name: string }).name, origin(req))),
    );
    app.post(
      `${STUDIO_API}/import/convertigo`,
      route((req) => {
        const b = body(req);
        const name = typeof b.name === "string" && b.name ? b.name : undefined;
        return service.importConvertigo(str(b.src, "src"), name, origin(req));
      }),
    );
    app.get(
      `${STUDIO_API}/projects/:project/tree`,
      route((req) => service.tree(params(req).project)),
    );
    app.post(
      `${STUDIO_API}/projects/:project/objects`,
      route((req) => {
        const b = body(req);
        return service.create(
          params(req).project,
          {
            parent: str(b.parent, "parent"),
            type: str(b.type, "type"),
            ...(typeof b.name === "string" ? { name: b.name } : {}),
            ...(optIndex(b.index) !== undefined ? { index: optIndex(b.index) } : {}),
            ...(b.props && typeof b.props === "object" ? { props: b.props as Record<string, unknown> } : {}),
          },
          origin(req),
        );
      }),
    );
    app.patch(
      `${STUDIO_API}/projects/:project/objects/:id`,
      route((req) => {
        const b = body(req);
        if (b.set !== undefined && (typeof b.set !== "object" || b.set === null || Array.isArray(b.set))) {
          throw new StudioError(400, "invalid_body", "set must be an object of property values");
        }
        if (b.unset !== undefined && !Array.isArray(b.unset))
          throw new StudioError(400, "invalid_body", "unset must be a list");
        return service.update(
          params(req).project,
          params(req).id,
          {
            ...(typeof b.rev === "string" ? { rev: b.rev } : {}),
            ...(typeof b.name === "string" ? { name: b.name } : {}),
            ...(b.set ? { set: b.set as Record<string, unknown> } : {}),
            ...(b.unset ? { unset: (b.unset as unknown[]).map(String) } : {}),
          },
          origin(req),
        );
      }),
    );
    app.post(
      `${STUDIO_API}/projects/:project/delete`,
      route((req) => service.remove(params(req).project, ids(body(req)), origin(req))),
    );
    app.post(
      `${STUDIO_API}/projects/:project/move`,
      route((req) => {
        const b = body(req);
        return service.move(
          params(req).project,
          ids(b),
          {
            parent: str(b.parent, "parent"),
            ...(typeof b.toProject === "string" ? { project: b.toProject } : {}),
            ...(optIndex(b.index) !== undefined ? { index: optIndex(b.index) } : {}),
          },
          origin(req),
        );
      }),
    );
    app.post(
      `${STUDIO_API}/projects/:project/duplicate`,
      route((req) => service.duplicate(params(req).project, ids(body(req)), origin(req))),
    );
    app.post(
      `${STUDIO_API}/projects/:project/paste`,
      route((req) => {
        const b = body(req);
        if (!Array.isArray(b.nodes)) throw new StudioError(400, "invalid_body", "nodes must be a list of objects");
        return service.paste(
          params(req).project,
          {
            parent: str(b.parent, "parent"),
            nodes: b.nodes,
            ...(optIndex(b.index) !== undefined ? { index: optIndex(b.index) } : {}),
          },
          origin(req),
        );
      }),
    );
    app.get(
      `${STUDIO_API}/history`,
      route(() => service.historyState()),
    );
    app.post(
      `${STUDIO_API}/undo`,
      route((req) => service.undo(origin(req))),
    );
    app.post(
      `${STUDIO_API}/redo`,
      route((req) => service.redo(origin(req))),
    );
    app.get(
      `${STUDIO_API}/find`,
      route((req) => {
        const q = req.query as Record<string, string | undefined>;
        const inList = (q.in ?? "")
          .split(",")
          .filter((x): x is "name" | "type" | "value" => ["name", "type", "value"].includes(x));
        return findObjects(engine.workspace, {
          text: q.q ?? "",
          ...(q.project ? { project: q.project } : {}),
          in: inList,
          limit: Math.min(Number(q.limit) || 500, 2000),
        });
      }),
    );
    app.get(
      `${STUDIO_API}/projects/:project/references/:id`,
      route((req) => findReferences(engine.workspace, params(req).project, params(req).id)),
    );
    app.get(
      `${STUDIO_API}/log`,
      route((req) => {
        const after = Number((req.query as { after?: string }).after ?? 0) || 0;
        return engine.log.recent(after);
      }),
    );
    app.post(
      `${STUDIO_API}/projects/:project/tests/run`,
      route(async (req) => {
        const b = (req.body ?? {}) as { ids?: unknown };
        const project = engine.project(params(req).project);
        if (!project)
          throw new StudioError(404, "unknown_project", `There is no project named "${params(req).project}"`);
        const wanted = Array.isArray(b.ids) ? new Set(b.ids.map(String)) : undefined;
        const results: TestResult[] = [];
        for (const item of listTestCases(project.root)) {
          if (wanted && !wanted.has(item.testCase.id) && !wanted.has(item.owner.id)) continue;
          results.push(await runTestCase(engine, project.name, item));
        }
        const passed = results.filter((r) => r.ok).length;
        engine.log.info(`Test cases: ${passed} passed, ${results.length - passed} failed`, project.name);
        return results;
      }),
    );

    // ---- runs: a stream of newline-delimited JSON events, the run id first ----
    app.post(`${STUDIO_API}/runs`, async (req, reply) => {
      let b: Record<string, unknown>;
      try {
        b = body(req);
      } catch (e) {
        return sendError(reply, e);
      }
      const raw = reply.raw;
      let open = true;
      const emit = (ev: RunStreamEvent) => {
        if (open) raw.write(JSON.stringify(ev) + "\n");
      };
      let started: { runId: string; done: Promise<unknown> };
      try {
        reply.hijack();
        raw.writeHead(200, {
          "content-type": "application/x-ndjson; charset=utf-8",
          "cache-control": "no-store",
          "x-content-type-options": "nosniff",
        });
        streams.add(raw);
        started = runs.start(b as unknown as RunStart, emit);
      } catch (e) {
        const err = e instanceof StudioError ? e : new StudioError(500, "run_failed", (e as Error).message);
        emit({ kind: "end", ok: false, error: { code: err.code, message: err.message }, durationMs: 0 });
        streams.delete(raw);
        raw.end();
        return;
      }
      req.raw.socket.once("close", () => {
        if (open) {
          open = false;
          try {
            runs.command(started.runId, "stop");
          } catch {
            // already over
          }
        }
      });
      await started.done;
      open = false;
      streams.delete(raw);
      raw.end();
    });
    app.post(
      `${STUDIO_API}/runs/:id/debug`,
      route((req) => {
        const action = str(body(req).action, "action") as DebugAction;
        runs.command(params(req).id, action);
        return { ok: true };
      }),
    );
    app.put(
      `${STUDIO_API}/runs/:id/breakpoints`,
      route((req) => {
        runs.setBreakpoints(params(req).id, ids(body(req)));
        return { ok: true };
      }),
    );

    // ---- live events: deltas, history, log ----
    app.get(`${STUDIO_API}/events`, (req, reply) => {
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      streams.add(raw);
      const send = (ev: StudioEvent) => raw.write(`data: ${JSON.stringify(ev)}\n\n`);
      send({ kind: "hello", workspace: engine.workspace.dir });
      const offStudio = service.subscribe(send);
      const offLog = engine.log.subscribe((record) => send({ kind: "log", record }));
      const ping = setInterval(() => raw.write(": ping\n\n"), 15_000);
      const stop = () => {
        clearInterval(ping);
        offStudio();
        offLog();
        streams.delete(raw);
      };
      req.raw.socket.once("close", stop);
      raw.once("close", stop);
    });
  };

  return {
    plugin,
    service,
    auth,
    urlOn: (baseUrl) => new URL(`${STUDIO_PATH}?token=${auth.token}`, baseUrl).toString(),
    close: async () => {
      await watcher?.close();
      await runs.stopAll();
      await service.serialize(async () => undefined);
      await service.history.flush();
    },
  };
}

function sendError(reply: FastifyReply, e: unknown) {
  if (e instanceof StudioError) {
    return reply
      .code(e.status)
      .header("cache-control", "no-store")
      .send({
        error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) },
      });
  }
  throw e;
}
