/**
 * Errors of the database FullSync stands on, in words. PouchDB's errors are often not `Error`
 * objects (`{status, name, message, reason}` built from a CouchDB answer), Node's network errors
 * hide their cause in `code` (or in `cause.code` for `fetch`), so `String(e)` says
 * `[object Object]` or `fetch failed`. `describeError` names the cause; `BackendError` is what
 * the layer throws when the external CouchDB cannot be used (unreachable, too slow, refusing
 * the engine's credentials): the HTTP layer answers it as a CouchDB-style 502/503/504 without
 * logging each request (the link logs one line per outage, couch-link.ts).
 */

/** The external database could not serve a request: 502 (bad answer), 503 (unreachable), 504 (too slow). */
export class BackendError extends Error {
  /** CouchDB's name for the error (`{"error": ...}` of the answer). */
  readonly error: string;
  constructor(
    readonly status: 502 | 503 | 504,
    error: string,
    /** The cause in words, without host or credentials (devices see it). */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
    this.error = error;
    this.name = error;
  }
}

export function isBackendError(e: unknown): e is BackendError {
  return e instanceof BackendError;
}

/** TLS failures Node reports by code (certificate, protocol). */
const TLS_CODES = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_TLS_|ERR_SSL_|EPROTO$|HOSTNAME_MISMATCH)/;

/** The code of a network error (`ECONNREFUSED`...), looking into `cause` as `fetch` nests it. */
export function networkCode(e: unknown): string | undefined {
  for (let x: unknown = e, depth = 0; x && typeof x === "object" && depth < 4; depth++) {
    const o = x as { code?: unknown; errno?: unknown; cause?: unknown };
    if (typeof o.code === "string" && o.code) return o.code;
    if (typeof o.errno === "string" && o.errno) return o.errno;
    x = o.cause;
  }
  return undefined;
}

/**
 * A network failure in words, and the status a client gets for it: 503 when nothing answers
 * (refused, reset, unknown host: try again later), 502 when something answered wrongly (TLS).
 */
export function describeNetworkError(e: unknown): { status: 502 | 503; reason: string } {
  const code = networkCode(e);
  const raw = e instanceof Error ? e.message : "";
  // node-fetch: "request to http://h/db failed, reason: connect ECONNREFUSED 127.0.0.1:5984"
  const detail = (/, reason: (.*)$/.exec(raw)?.[1] ?? raw).trim();
  switch (code) {
    case "ECONNREFUSED":
      return { status: 503, reason: "connection refused (nothing listens at that address)" };
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
      return { status: 503, reason: `host name not found (${code})` };
    case "ECONNRESET":
    case "EPIPE":
    case "ECONNABORTED":
    case "UND_ERR_SOCKET":
      return { status: 503, reason: `connection closed by the server (${code})` };
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "EHOSTDOWN":
    case "ETIMEDOUT":
    case "UND_ERR_CONNECT_TIMEOUT":
      return { status: 503, reason: `host unreachable (${code})` };
  }
  if (code && TLS_CODES.test(code)) {
    // OpenSSL's text ("write EPROTO 80...:error:0A00010B:SSL routines:ssl3_get_record:wrong
    // version number:../deps/...") says its cause after the function's name.
    const ssl = /SSL routines:[^:]*:([^:]+)/.exec(detail)?.[1]?.trim();
    if (ssl && /wrong version number|packet length too long|http request/i.test(ssl)) {
      return {
        status: 502,
        reason: `TLS failed: the server does not answer TLS at that address (${ssl}: an https:// URL for an http:// port?) (${code})`,
      };
    }
    return { status: 502, reason: `TLS failed: ${ssl ?? (detail || code)} (${code})` };
  }
  if (/socket hang up/i.test(detail))
    return { status: 503, reason: "connection closed by the server (socket hang up)" };
  return { status: 503, reason: detail ? `${detail}${code ? ` (${code})` : ""}` : (code ?? "network error") };
}

/**
 * Any error in words, for logs and messages: PouchDB/CouchDB errors as `HTTP 401 unauthorized:
 * Name or password is incorrect.`, network errors by their cause, others by their message.
 */
export function describeError(e: unknown): string {
  if (e instanceof BackendError) return e.reason;
  if (e === null || e === undefined) return String(e);
  if (typeof e !== "object") return String(e);
  const o = e as { status?: unknown; name?: unknown; error?: unknown; message?: unknown; reason?: unknown };
  const status = typeof o.status === "number" ? o.status : Number.NaN;
  const text = (v: unknown) => (typeof v === "string" && v ? v : undefined);
  if (Number.isInteger(status) && status >= 400) {
    // CouchDB's name of the error (`unauthorized`); a plain Error's name says nothing.
    const name = (o.name !== "Error" ? text(o.name) : undefined) ?? text(o.error);
    const reason = text(o.reason) ?? text(o.message);
    return `HTTP ${status}${name ? ` ${name}` : ""}${reason && reason !== name ? `: ${reason}` : ""}`;
  }
  if (networkCode(e)) return describeNetworkError(e).reason;
  if (e instanceof Error) return e.message || e.name;
  const message = text(o.message) ?? text(o.reason) ?? text(o.error);
  if (message) return message;
  try {
    return JSON.stringify(e);
  } catch {
    return Object.prototype.toString.call(e);
  }
}
