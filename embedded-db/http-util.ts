/** Small HTTP helpers of the FullSync layer: CouchDB-style errors, bodies, query parameters. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Principal } from "./api.ts";
import type { FullSyncDatabase, Reader } from "./database.ts";
import { BackendError } from "./errors.ts";
import { JsonSyntaxError, isObject, parseJson } from "./json.ts";

/** An error answered as CouchDB does: `{"error": ..., "reason": ...}` with an HTTP status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export const badRequest = (reason: string) => new HttpError(400, "bad_request", reason);
export const forbidden = (reason: string) => new HttpError(403, "forbidden", reason);
export const notFound = (reason = "missing") => new HttpError(404, "not_found", reason);
export const tooLarge = (reason: string) => new HttpError(413, "too_large", reason);

/**
 * How much one request may ask for, per route family (documented in README.md, "Limits").
 * Bodies are read whole before they are parsed, and every entry of a list costs a lookup, so
 * each family has the smallest bound its legitimate clients need.
 */
export interface Limits {
  /** Bodies that carry documents, attachments inline: `_bulk_docs`, PUT/POST document, PUT attachment. */
  docBodyBytes: number;
  /** Bodies that list ids, keys or revisions: `_all_docs`, `_bulk_get`, `_revs_diff`, `_changes`. */
  listBodyBytes: number;
  /** Entries of such a list (keys, ids, requests, revisions), and documents of one `_bulk_docs`. */
  listEntries: number;
}

export const DEFAULT_LIMITS: Limits = {
  docBodyBytes: 10 * 1024 * 1024,
  listBodyBytes: 1024 * 1024,
  listEntries: 10_000,
};

/** Refuses a list longer than the limit (413, before any work is done on it). */
export function checkEntries(what: string, n: number, limits: Limits): void {
  if (n > limits.listEntries) {
    throw tooLarge(`${what} lists ${n} entries; at most ${limits.listEntries} per request (send several requests).`);
  }
}

/** Lets other requests run (long loops over a request's entries call it between chunks). */
export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const BASE_HEADERS = {
  "Cache-Control": "must-revalidate",
  "X-Content-Type-Options": "nosniff",
  Server: "Atelier-FullSync",
};

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body) + "\n";
  res.writeHead(status, {
    ...BASE_HEADERS,
    "Content-Type": "application/json",
    "Content-Length": String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(res.req?.method === "HEAD" ? undefined : text);
}

export function sendError(res: ServerResponse, e: HttpError): void {
  // 503: the database is unreachable or FullSync is starting; clients may come back soon.
  sendJson(res, e.status, { error: e.error, reason: e.reason }, e.status === 503 ? { "Retry-After": "5" } : {});
}

/** Reads a request body, refusing more than `limit` bytes (413). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      reject(tooLarge(`The request body is larger than ${limit} bytes.`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(tooLarge(`The request body is larger than ${limit} bytes.`));
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on("error", (e) => {
      if (!failed) reject(new HttpError(400, "bad_request", `The request body could not be read: ${e.message}`));
      failed = true;
    });
  });
}

/** A request's media type without parameters, lower case ("" when absent). */
export function mediaType(req: IncomingMessage): string {
  const raw = req.headers["content-type"];
  return (typeof raw === "string" ? (raw.split(";")[0] ?? "") : "").trim().toLowerCase();
}

/** Whether a request carries a body (a length above 0, or a chunked one). */
export function hasBody(req: IncomingMessage): boolean {
  const len = req.headers["content-length"];
  if (len !== undefined) return Number(len) > 0;
  return req.headers["transfer-encoding"] !== undefined;
}

const unsupportedType = (type: string) =>
  new HttpError(
    415,
    "bad_content_type",
    type.startsWith("multipart/")
      ? "multipart requests are not supported by FullSync: send attachments inline (base64) or with PUT /db/doc/attachment"
      : `Content-Type must be application/json${type ? ` (not ${type})` : " (none was given)"}.`,
  );

/**
 * The media type a state-changing request must carry (CSRF): a cross-site page can send a body
 * without a Content-Type, or as text/plain or a form, with the user's cookie and no preflight.
 * - POST, and PUT of a document or `_local` document: `application/json`, body or not;
 * - DELETE with a body: `application/json` (the body is ignored);
 * - PUT of an attachment: its own media type, which is stored as the attachment's, so
 *   `text/plain` stays possible (a cross-site PUT always needs a CORS preflight, so it is no
 *   CSRF vector); never none, nor a form encoding (no client stores a form as an attachment).
 * PouchDB's http adapter sends `application/json` on every request but attachment PUTs, which
 * carry the attachment's type.
 */
export function checkMediaType(req: IncomingMessage, attachment: boolean): void {
  const method = req.method ?? "GET";
  const type = mediaType(req);
  if (method === "POST" || (method === "PUT" && !attachment) || (method === "DELETE" && hasBody(req))) {
    if (type !== "application/json") throw unsupportedType(type);
  } else if (method === "PUT" && attachment) {
    if (!type) throw new HttpError(415, "bad_content_type", "An attachment PUT needs a Content-Type: its media type.");
    if (type === "application/x-www-form-urlencoded" || type === "multipart/form-data") {
      throw new HttpError(
        415,
        "bad_content_type",
        `An attachment cannot be sent as ${type}: give the attachment's own media type.`,
      );
    }
  }
}

/** Reads a JSON body with the layer's one parser; the media type must be application/json. */
export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  // Checked here too, whatever the router did: a body read as JSON came as JSON.
  const type = mediaType(req);
  if (type !== "application/json") throw unsupportedType(type);
  const buf = await readBody(req, limit);
  if (buf.length === 0) throw badRequest("The request body is empty; a JSON value was expected.");
  try {
    return parseJson(buf.toString("utf8"));
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw badRequest(`Invalid JSON in the request body: ${e.message}.`);
    throw e;
  }
}

export async function readJsonObject(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const v = await readJson(req, limit);
  if (!isObject(v)) throw badRequest("The request body must be a JSON object.");
  return v;
}

/** Query parameters, typed as CouchDB reads them. */
export class Query {
  constructor(private readonly p: URLSearchParams) {}

  has(name: string): boolean {
    return this.p.has(name);
  }

  str(name: string): string | undefined {
    const v = this.p.get(name);
    return v === null ? undefined : v;
  }

  bool(name: string, dflt = false): boolean {
    const v = this.p.get(name);
    if (v === null || v === "") return dflt;
    if (v === "true") return true;
    if (v === "false") return false;
    throw badRequest(`Query parameter ${name} must be true or false.`);
  }

  int(name: string): number | undefined {
    const v = this.p.get(name);
    if (v === null || v === "") return undefined;
    if (!/^\d{1,15}$/.test(v)) throw badRequest(`Query parameter ${name} must be a non-negative integer.`);
    return Number(v);
  }

  json(name: string): unknown {
    const v = this.p.get(name);
    if (v === null) return undefined;
    try {
      return parseJson(v);
    } catch (e) {
      throw badRequest(`Query parameter ${name} is not valid JSON: ${e instanceof Error ? e.message : String(e)}.`);
    }
  }
}

/** One request to a declared database, after authentication. */
export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  d: FullSyncDatabase;
  reader: Reader;
  principal: Principal;
  query: Query;
  limits: Limits;
}

/**
 * Maps a PouchDB error to a CouchDB-style HTTP error (unknown errors are the server's fault). The
 * external database failing (BackendError) answers 502/503/504 with its cause.
 */
export function fromPouchError(e: unknown): HttpError | undefined {
  if (e instanceof HttpError) return e;
  if (e instanceof BackendError) {
    return new HttpError(e.status, e.error, `FullSync cannot use its database: ${e.reason}`);
  }
  if (typeof e !== "object" || e === null) return undefined;
  const o = e as { status?: unknown; name?: unknown; message?: unknown; reason?: unknown };
  const status = Number(o.status);
  if (!Number.isInteger(status) || status < 400 || status >= 500) return undefined;
  const name = typeof o.name === "string" && o.name !== "Error" ? o.name : "bad_request";
  const reason = typeof o.reason === "string" ? o.reason : typeof o.message === "string" ? o.message : name;
  return new HttpError(status, name, reason);
}
