/**
 * The link to an external CouchDB: every request FullSync makes to it (PouchDB's http adapter
 * and FullSync's own calls) goes through `CouchLink.fetch`, which
 * - gives it a time limit (reads, writes, view queries; a feed may stay open as long as the
 *   server shows it is alive, by heartbeats), and aborts it when the limit passes;
 * - turns what makes the database unusable into a `BackendError` naming the cause: no answer in
 *   time (504), nothing answering (503), credentials refused, TLS failure or an answer that is
 *   not CouchDB's (502);
 * - keeps the link's state (up, or down since when and why), logging one line when an outage
 *   starts and one when it ends, never one per request.
 * The body is read whole within the limit and handed to PouchDB as a new response, so a server
 * that freezes halfway through an answer is caught too.
 */
import type { Agent as HttpAgent } from "node:http";
import { BackendError, describeNetworkError } from "./errors.ts";

/** Time limits of requests to the external CouchDB, in ms. */
export interface CouchTimeouts {
  /** Reads: documents, `_all_docs`, `_bulk_get`, `_revs_diff`, `_changes` (not feeds), database info. */
  readMs: number;
  /** Writes: documents, `_bulk_docs`, `_local`, database creation, `_security`, `_revs_limit`. */
  writeMs: number;
  /** View and `_find` queries (CouchDB builds a view's index on its first query). */
  queryMs: number;
}

export const DEFAULT_COUCH_TIMEOUTS: CouchTimeouts = { readMs: 5_000, writeMs: 15_000, queryMs: 60_000 };

/** What node-fetch (PouchDB's fetch) answers, as far as the link uses it. */
export interface FetchResponse {
  ok: boolean;
  status: number;
  statusText: string;
  url: string;
  headers: { get(name: string): string | null };
  body: AsyncIterable<Buffer | string> | null;
  text(): Promise<string>;
}

export type FetchFn = (url: string, init?: Record<string, unknown>) => Promise<unknown>;

export interface LinkHealth {
  up: boolean;
  /** When the link went down (ms since the epoch), while it is down. */
  downSince?: number;
  /** Why, while it is down. */
  cause?: string;
  /** Requests that failed in this outage. */
  failed: number;
}

type Log = (level: "debug" | "info" | "warn" | "error", message: string) => void;

/** A quiet minute between two logged outages: a flapping server writes a line a minute at most. */
const OUTAGE_LOG_INTERVAL_MS = 60_000;

const QUERY_SEGMENTS = new Set(["_view", "_find", "_explain", "_index", "_show", "_list", "_compact", "_view_cleanup"]);
const READ_POSTS = new Set(["_all_docs", "_bulk_get", "_revs_diff", "_changes"]);
/** What a JSON text may start with (an HTML or plain-text page from a proxy does not). */
const JSON_START = /^[\s]*[{["0-9tfn-]/;

export class CouchLink {
  /** Where the CouchDB is, for messages (no credentials). */
  readonly where: string;
  private readonly rootPath: string;
  private up = true;
  private downSince = 0;
  private cause: string | undefined;
  private failed = 0;
  private lastDownLog = Number.NEGATIVE_INFINITY;
  /** This outage was not logged (it began less than a minute after the last logged one). */
  private quiet = false;
  private quietOutages = 0;

  constructor(
    private readonly o: {
      root: string;
      authHeader?: string;
      agent: HttpAgent;
      timeouts: CouchTimeouts;
      log: Log;
      fetch: FetchFn;
    },
  ) {
    const u = new URL(o.root);
    this.where = `${u.origin}${u.pathname.replace(/\/$/, "")}`;
    this.rootPath = u.pathname.endsWith("/") ? u.pathname : u.pathname + "/";
  }

  get timeouts(): CouchTimeouts {
    return this.o.timeouts;
  }

  health(): LinkHealth {
    return this.up
      ? { up: true, failed: 0 }
      : { up: false, downSince: this.downSince, ...(this.cause ? { cause: this.cause } : {}), failed: this.failed };
  }

  isUp(): boolean {
    return this.up;
  }

  /** The fetch function given to PouchDB's http adapter. */
  readonly pouchFetch = (url: string, init: Record<string, unknown> = {}): Promise<FetchResponse> =>
    this.fetch(url, init);

  /**
   * One request, time-limited, read whole. `judge: false`: the caller reads the answer itself
   * (a 401 to an anonymous request is what a probe hopes for); network failures still count.
   */
  async fetch(url: string, init: Record<string, unknown> = {}, opts: { judge?: boolean } = {}): Promise<FetchResponse> {
    const method = String(init.method ?? "GET").toUpperCase();
    const u = new URL(url);
    const limit = this.limitOf(method, u);
    const what = `${method} ${this.describePath(u)}`;
    const controller = new AbortController();
    const callerSignal = init.signal as AbortSignal | undefined;
    const onCallerAbort = () => controller.abort(callerSignal?.reason);
    if (callerSignal?.aborted) controller.abort(callerSignal.reason);
    callerSignal?.addEventListener("abort", onCallerAbort, { once: true });
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, ms);
      timer.unref();
    };
    arm(limit.idleMs ?? limit.ms);
    let res: FetchResponse;
    let body: Buffer;
    try {
      res = (await this.o.fetch(url, { ...init, agent: this.o.agent, signal: controller.signal })) as FetchResponse;
      const chunks: Buffer[] = [];
      if (res.body) {
        for await (const c of res.body) {
          chunks.push(typeof c === "string" ? Buffer.from(c) : c);
          // A feed proves it is alive with each chunk (a heartbeat); other requests have one limit.
          if (limit.idleMs) arm(limit.idleMs);
        }
      }
      body = Buffer.concat(chunks);
    } catch (e) {
      clearTimeout(timer);
      callerSignal?.removeEventListener("abort", onCallerAbort);
      // PouchDB cancelled it (a live feed closed): not the database's fault.
      if (callerSignal?.aborted && !timedOut) throw e;
      if (timedOut) {
        const s = (limit.idleMs ?? limit.ms) / 1000;
        const err = new BackendError(504, "timeout", `the CouchDB did not answer within ${s} s (${what})`, {
          cause: e,
        });
        // A silent feed is ended (its reader listens again) without judging the server: a busy
        // server may send a heartbeat late, and the ordinary reads tell a frozen one in time.
        throw limit.idleMs ? err : this.failure(err);
      }
      const n = describeNetworkError(e);
      throw this.failure(
        new BackendError(n.status, n.status === 503 ? "service_unavailable" : "bad_gateway", n.reason, { cause: e }),
      );
    }
    clearTimeout(timer);
    callerSignal?.removeEventListener("abort", onCallerAbort);
    if (opts.judge !== false) this.judge(res, body, u, method, what);
    this.success();
    const Ctor = res.constructor as new (
      body: Buffer,
      init: { status: number; statusText: string; headers: unknown; url: string },
    ) => FetchResponse;
    return new Ctor(body, { status: res.status, statusText: res.statusText, headers: res.headers, url: res.url });
  }

  /**
   * A JSON request of FullSync's own (path relative to the server's root). `anonymous`: without
   * credentials; `judge: false`: any answer is the caller's to read (anonymous ones always are).
   */
  async json(
    method: string,
    path: string,
    opts: { body?: unknown; anonymous?: boolean; judge?: boolean } = {},
  ): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (opts.body !== undefined) headers["Content-Type"] = "application/json";
    if (!opts.anonymous && this.o.authHeader) headers.Authorization = this.o.authHeader;
    const res = await this.fetch(
      this.o.root + path,
      { method, headers, ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}) },
      { judge: opts.anonymous !== true && opts.judge !== false },
    );
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // kept as text
    }
    return { status: res.status, body };
  }

  /** Answers that make the database unusable, whatever was asked: thrown as BackendError. */
  private judge(res: FetchResponse, body: Buffer, u: URL, method: string, what: string): void {
    const status = res.status;
    const head = body.subarray(0, 200).toString("utf8");
    const couchError = (): string => {
      try {
        const j = JSON.parse(body.toString("utf8")) as { error?: unknown; reason?: unknown };
        const e = typeof j.error === "string" ? j.error : "";
        const r = typeof j.reason === "string" ? j.reason : "";
        return [e, r].filter(Boolean).join(": ");
      } catch {
        return "";
      }
    };
    if (status === 401) {
      const detail = couchError();
      throw this.failure(
        new BackendError(
          502,
          "bad_gateway",
          `the CouchDB refused the engine's credentials (HTTP 401${detail ? ` ${detail}` : ""}): check fullsync.username, the password and that user's rights`,
        ),
      );
    }
    // A read refused to the engine's user: its rights on the database were taken away (a write may
    // be refused for a document by a validation function: that is the document's answer).
    if (status === 403 && (method === "GET" || method === "HEAD")) {
      const detail = couchError();
      throw this.failure(
        new BackendError(
          502,
          "bad_gateway",
          `the CouchDB refused the engine's user access (HTTP 403${detail ? ` ${detail}` : ""} to ${what}): check that user's rights on the database`,
        ),
      );
    }
    if (status === 502 || status === 503 || status === 504) {
      const detail = couchError();
      throw this.failure(
        new BackendError(
          status,
          status === 504 ? "timeout" : status === 503 ? "service_unavailable" : "bad_gateway",
          `the CouchDB (or a proxy in front of it) answered HTTP ${status}${detail ? ` ${detail}` : ""} to ${what}`,
        ),
      );
    }
    // Attachments are whatever they are; everything else CouchDB answers is JSON.
    if (body.length > 0 && !this.isAttachment(u) && !JSON_START.test(head)) {
      const type = res.headers.get("content-type") ?? "no content type";
      throw this.failure(
        new BackendError(
          502,
          "bad_gateway",
          `the server answered ${what} with HTTP ${status} ${type}, not CouchDB's JSON: is fullsync.couchUrl a CouchDB?`,
        ),
      );
    }
  }

  private failure(e: BackendError): BackendError {
    const now = Date.now();
    if (!this.up) {
      this.failed++;
      this.cause = e.reason;
      // A quiet outage that lasts is said after all, once.
      if (this.quiet && now - this.lastDownLog >= OUTAGE_LOG_INTERVAL_MS) this.logDown(now);
      return e;
    }
    this.up = false;
    this.downSince = now;
    this.cause = e.reason;
    this.failed = 1;
    if (now - this.lastDownLog < OUTAGE_LOG_INTERVAL_MS) {
      this.quiet = true;
      this.quietOutages++;
    } else {
      this.logDown(now);
    }
    return e;
  }

  private logDown(now: number): void {
    const more = this.quietOutages ? ` (${this.quietOutages} short outage(s) since the last message)` : "";
    this.quiet = false;
    this.quietOutages = 0;
    this.lastDownLog = now;
    this.o.log(
      "error",
      `the CouchDB at ${this.where} cannot be used: ${this.cause}. Devices get 502/503/504 and FullSync transactions fail until it answers again${more}; one message when it does.`,
    );
  }

  private success(): void {
    if (this.up) return;
    this.up = true;
    if (this.quiet) return;
    const s = ((Date.now() - this.downSince) / 1000).toFixed(1);
    this.o.log(
      "info",
      `the CouchDB at ${this.where} answers again, after ${s} s (${this.failed} request(s) failed; last cause: ${this.cause})`,
    );
  }

  /** Path segments below the server's root (database first). */
  private segments(u: URL): string[] {
    const p = u.pathname.startsWith(this.rootPath) ? u.pathname.slice(this.rootPath.length) : u.pathname;
    return p.split("/").filter(Boolean);
  }

  private describePath(u: URL): string {
    const segs = this.segments(u);
    // Database and endpoint only: document ids may be personal.
    const endpoint = segs.slice(1).find((s) => s.startsWith("_") && s !== "_design" && s !== "_local");
    return `/${segs[0] ?? ""}${endpoint ? `/${endpoint}` : segs.length > 1 ? "/<document>" : ""}`;
  }

  private isAttachment(u: URL): boolean {
    const segs = this.segments(u);
    if (segs.length >= 3 && !segs[1]!.startsWith("_")) return true;
    return segs[1] === "_design" && segs.length >= 4 && !segs[3]!.startsWith("_");
  }

  /** The time limit of a request; a feed gets an idle limit renewed by each chunk. */
  private limitOf(method: string, u: URL): { ms: number; idleMs?: number } {
    const t = this.o.timeouts;
    const segs = this.segments(u);
    const endpoint = segs[1];
    const feed = u.searchParams.get("feed");
    if (endpoint === "_changes" && (feed === "longpoll" || feed === "continuous" || feed === "eventsource")) {
      const heartbeat = Number(u.searchParams.get("heartbeat")) || 0;
      const timeout = Number(u.searchParams.get("timeout")) || 0;
      // Without heartbeat or timeout CouchDB ends a feed after 60 s.
      return { ms: t.readMs, idleMs: Math.max(heartbeat, timeout || (heartbeat ? 0 : 60_000)) + t.readMs };
    }
    if (segs.some((s) => QUERY_SEGMENTS.has(s))) return { ms: t.queryMs };
    if (method === "GET" || method === "HEAD") return { ms: t.readMs };
    if (method === "POST" && endpoint !== undefined && READ_POSTS.has(endpoint)) return { ms: t.readMs };
    return { ms: t.writeMs };
  }
}
