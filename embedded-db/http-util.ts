/** Small HTTP helpers of the FullSync layer: CouchDB-style errors, bodies, query parameters. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Principal } from "./api.ts";
import type { FullSyncDatabase, Reader } from "./database.ts";
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
  sendJson(res, e.status, { error: e.error, reason: e.reason });
}

/** Reads a request body, refusing more than `limit` bytes (413). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new HttpError(413, "too_large", `The request body is larger than ${limit} bytes.`));
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
        reject(new HttpError(413, "too_large", `The request body is larger than ${limit} bytes.`));
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

/** Reads a JSON body with the layer's one parser; the media type must be JSON when given. */
export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = String(req.headers["content-type"] ?? "").toLowerCase();
  // Only application/json: a cross-site page can POST text/plain or form bodies with the user's
  // cookie without a CORS preflight, never application/json.
  if (type && !type.startsWith("application/json")) {
    if (type.startsWith("multipart/")) {
      throw new HttpError(
        415,
        "bad_content_type",
        "multipart requests are not supported by FullSync: send attachments inline (base64) or with PUT /db/doc/attachment",
      );
    }
    throw new HttpError(415, "bad_content_type", "Content-Type must be application/json");
  }
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
  limit: number;
}

/** Maps a PouchDB error to a CouchDB-style HTTP error (unknown errors are the server's fault). */
export function fromPouchError(e: unknown): HttpError | undefined {
  if (e instanceof HttpError) return e;
  if (typeof e !== "object" || e === null) return undefined;
  const o = e as { status?: unknown; name?: unknown; message?: unknown; reason?: unknown };
  const status = Number(o.status);
  if (!Number.isInteger(status) || status < 400 || status >= 500) return undefined;
  const name = typeof o.name === "string" && o.name !== "Error" ? o.name : "bad_request";
  const reason = typeof o.reason === "string" ? o.reason : typeof o.message === "string" ? o.message : name;
  return new HttpError(status, name, reason);
}
