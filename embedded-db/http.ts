/**
 * The FullSync HTTP layer: the CouchDB replication endpoints, behind per-user ACLs. Deny by
 * default: only declared databases and only the endpoints replication needs are routed;
 * everything else answers 403/404 with a CouchDB-style `{"error", "reason"}`. The user comes
 * only from the engine's session (`resolvePrincipal`).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { DevicePush, DeviceRead, Principal } from "./api.ts";
import { changes } from "./changes.ts";
import type { FullSyncDatabase } from "./database.ts";
import {
  HttpError,
  Query,
  checkMediaType,
  fromPouchError,
  sendError,
  sendJson,
  type Ctx,
  type Limits,
} from "./http-util.ts";
import { BackendError, describeError } from "./errors.ts";
import { errorStatus } from "./pouch.ts";
import { allDocs, bulkGet, getAttachment, getC8oDesign, getDocument, info, revsDiff } from "./reads.ts";
import {
  bulkDocs,
  deleteAttachment,
  deleteDocument,
  localDocument,
  postDocument,
  putAttachment,
  putDocument,
} from "./writes.ts";

export interface HttpDeps {
  database(name: string): FullSyncDatabase | undefined;
  /** Why a declared database that is not open cannot be served now (503), if it is one. */
  unavailable?(name: string): HttpError | undefined;
  resolvePrincipal(req: IncomingMessage): Principal | undefined | Promise<Principal | undefined>;
  groupsOf(user: string): readonly string[];
  devicePush(push: DevicePush): void;
  /** Told what devices read (metrics); optional. */
  deviceRead?(read: DeviceRead): void;
  log(level: "debug" | "info" | "warn" | "error", message: string): void;
  limits: Limits;
  maxFeedMs: number;
}

/** The prefix the engine mounts the layer at (requests arrive with it). */
export const PREFIX = "/fullsync";

const methodNotAllowed = (allowed: string) => new HttpError(405, "method_not_allowed", `Only ${allowed} allowed here.`);

export class FullSyncHttp {
  private closed = false;

  constructor(private readonly deps: HttpDeps) {}

  handle(req: IncomingMessage, res: ServerResponse): void {
    this.dispatch(req, res).catch((e: unknown) => this.fail(req, res, e));
  }

  close(): void {
    this.closed = true;
  }

  private fail(req: IncomingMessage, res: ServerResponse, e: unknown): void {
    const known = fromPouchError(e);
    if (known) {
      // An outage of the database is logged once by its link, not once per request; a feed it
      // cuts short ends as a broken connection (the client starts again from its checkpoint).
      if (res.headersSent && e instanceof BackendError) res.destroy();
      else sendError(res, known);
    } else {
      // A stack only for this program's own faults; a database's error says what it is.
      const what = e instanceof Error && errorStatus(e) === undefined ? (e.stack ?? e.message) : describeError(e);
      this.deps.log("error", `FullSync ${req.method} ${(req.url ?? "").split("?")[0]}: ${what}`);
      if (res.headersSent) res.destroy();
      else sendError(res, new HttpError(500, "internal_server_error", "The FullSync server failed; see its log."));
    }
    // Leave nothing of a refused body unread on a kept-alive connection.
    if (!req.complete) req.resume();
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.closed) throw new HttpError(503, "unavailable", "The FullSync server is closing.");
    const raw = req.url ?? "/";
    let rest = raw.startsWith(PREFIX) ? raw.slice(PREFIX.length) : raw;
    const qAt = rest.indexOf("?");
    const search = qAt >= 0 ? rest.slice(qAt + 1) : "";
    rest = qAt >= 0 ? rest.slice(0, qAt) : rest;
    if (rest !== "" && !rest.startsWith("/")) throw new HttpError(404, "not_found", "missing");
    const parts = rest.split("/").slice(1);
    if (parts.length && parts[parts.length - 1] === "") parts.pop();
    let segs: string[];
    try {
      segs = parts.map((p) => decodeURIComponent(p));
    } catch {
      throw new HttpError(400, "bad_request", "The URL is not correctly percent-encoded.");
    }
    if (segs.some((s) => s === "")) throw new HttpError(400, "bad_request", "The URL has an empty path segment.");
    const method = req.method ?? "GET";

    if (segs.length === 0) {
      if (method !== "GET" && method !== "HEAD") throw methodNotAllowed("GET,HEAD");
      sendJson(res, 200, { couchdb: "Welcome", version: "3.3.3", vendor: { name: "Atelier FullSync" }, features: [] });
      return;
    }
    const dbName = segs[0]!;
    if (dbName.startsWith("_")) {
      // _all_dbs, _config, _users, _replicate, _session, _utils, _uuids...: never for devices.
      throw new HttpError(403, "forbidden", `${dbName} is not available through FullSync.`);
    }
    const d = this.deps.database(dbName);
    if (!d) throw this.deps.unavailable?.(dbName) ?? new HttpError(404, "not_found", "Database does not exist.");
    const principal = (await this.deps.resolvePrincipal(req)) ?? { user: undefined, groups: [] };
    const user = typeof principal.user === "string" && principal.user ? principal.user : undefined;
    if (!user && !d.decl.anonymousReplication) {
      throw new HttpError(401, "unauthorized", "You are not logged in: this database needs a session.");
    }
    const groups = user ? new Set([...(principal.groups ?? []), ...this.deps.groupsOf(user)]) : [];
    const ctx: Ctx = {
      req,
      res,
      d,
      reader: d.reader(user, groups),
      principal: { user, groups: [...groups] },
      query: new Query(new URLSearchParams(search)),
      limits: this.deps.limits,
    };
    const sub = segs.slice(1);
    // Before any route reads a body or changes anything: the media type a cross-site page cannot
    // send without a preflight (http-util.ts checkMediaType).
    checkMediaType(req, sub.length >= 2 && !sub[0]!.startsWith("_"));
    const emit = (ids: string[]) => this.deps.devicePush({ db: d.decl.name, ids, principal: ctx.principal });
    const read = (kind: DeviceRead["kind"], docs: number) =>
      this.deps.deviceRead?.({ db: d.decl.name, kind, docs: method === "HEAD" ? 0 : docs });
    const is = (...allowed: string[]) => {
      if (!allowed.includes(method)) throw methodNotAllowed(allowed.join(","));
    };

    if (sub.length === 0) {
      if (method === "GET" || method === "HEAD") return info(ctx);
      if (method === "POST") return postDocument(ctx, emit);
      if (method === "PUT")
        throw new HttpError(412, "file_exists", "The database could not be created, the file already exists.");
      throw new HttpError(403, "forbidden", "Databases cannot be deleted through FullSync.");
    }
    const first = sub[0]!;
    if (first.startsWith("_")) {
      switch (first) {
        case "_changes":
          is("GET", "POST", "HEAD");
          await changes(ctx, this.deps.maxFeedMs);
          return read("changes", 0);
        case "_all_docs":
          is("GET", "POST", "HEAD");
          return read("documents", await allDocs(ctx));
        case "_bulk_get":
          is("POST");
          return read("documents", await bulkGet(ctx));
        case "_bulk_docs":
          is("POST");
          return bulkDocs(ctx, emit);
        case "_revs_diff":
          is("POST");
          return revsDiff(ctx);
        case "_ensure_full_commit":
          is("POST");
          sendJson(res, 201, { ok: true, instance_start_time: "0" });
          return;
        case "_local":
          return localDocument(ctx, sub.slice(1).join("/"));
        case "_design":
          if (sub.length === 2 && sub[1] === "c8o" && (method === "GET" || method === "HEAD")) return getC8oDesign(ctx);
          throw new HttpError(
            403,
            "forbidden",
            "Design documents are not available through FullSync (only GET _design/c8o).",
          );
        default:
          throw new HttpError(403, "forbidden", `${first} is not available through FullSync.`);
      }
    }
    const id = first;
    if (sub.length === 1) {
      switch (method) {
        case "GET":
        case "HEAD":
          return read("documents", await getDocument(ctx, id));
        case "PUT":
          return putDocument(ctx, id, emit);
        case "DELETE":
          return deleteDocument(ctx, id, emit);
        default:
          throw methodNotAllowed("GET,HEAD,PUT,DELETE");
      }
    }
    const att = sub.slice(1).join("/");
    switch (method) {
      case "GET":
      case "HEAD":
        return getAttachment(ctx, id, att);
      case "PUT":
        return putAttachment(ctx, id, att, emit);
      case "DELETE":
        return deleteAttachment(ctx, id, att, emit);
      default:
        throw methodNotAllowed("GET,HEAD,PUT,DELETE");
    }
  }
}
