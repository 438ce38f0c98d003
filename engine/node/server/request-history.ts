import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { TraceEntry } from "../../common/model/trace.ts";
import type { RequestDetail, RequestEntry, RequestList, StatusFilter } from "../../common/studio/requests.ts";

/** Where a call's record waits on its request until the answer is sent. */
const PENDING = Symbol("atelier.request-record");

/** Bounds of what one record keeps (characters). */
const MAX_PATH = 300;
const MAX_NAME = 200;
const MAX_CODE = 100;

interface Record_ extends RequestEntry {
  /** performance.now() at arrival. */
  t0: number;
  /** The kept trace, as JSON text (its size is what the budget counts). */
  traceText?: string;
  traceNote?: string;
}

/** What the handlers of a call tell the history about it. */
export interface RequestNote {
  requestable?: string;
  user?: string | null;
  runId?: string;
  code?: string;
}

export interface RequestHistoryOptions {
  /** Calls kept (1,000 by default); older ones are forgotten. */
  capacity?: number;
  /** Characters of traces kept in all (8 Mi by default): the oldest traces are dropped first. */
  traceBudget?: number;
  /** Characters of one trace (512 Ki by default): a longer one loses its inputs and outputs, then its tail. */
  maxTrace?: number;
  /** Each call is written at debug level when the log writes debug lines. */
  log?: { readonly minLevel: number; debug(message: string, project?: string): void };
}

const DEBUG_LEVEL = 20;

const cut = (s: string, max: number) => (s.length > max ? s.slice(0, max - 1) + "…" : s);

/**
 * Tells the history about the call `req` (its requestable, its user, its run, an error code):
 * does nothing for a request the history does not record. Costs a property lookup.
 */
export function noteRequest(req: IncomingMessage, note: RequestNote): void {
  const rec = (req as unknown as Record<symbol, Record_ | undefined>)[PENDING];
  if (!rec) return;
  if (note.requestable !== undefined) rec.requestable = cut(note.requestable, MAX_NAME);
  if (note.user) rec.user = cut(note.user, MAX_NAME);
  if (note.runId !== undefined) rec.runId = cut(note.runId, 64);
  if (note.code !== undefined) rec.code = cut(String(note.code), MAX_CODE);
}

/**
 * The engine's request history: incoming HTTP calls to `/projects/...` and `/services/...`
 * (method, path without its query, status, duration, user, run id) in a ring of `capacity`
 * records, each bounded; with the trace of each run while `tracing` is on (the Studio turns it
 * on), within a budget. Recording a call costs an object, a listener and a few assignments: no
 * serialization, no trace, unless traces were asked for.
 */
export class RequestHistory {
  readonly capacity: number;
  private tracingOn = false;
  private readonly ring: (Record_ | undefined)[];
  private lastId = 0;
  /** The first id still kept after a clear. */
  private firstId = 1;
  private version = 0;
  private traceChars = 0;
  /** Records holding a trace, oldest first (the budget drops from the front). */
  private traced: Record_[] = [];
  private readonly traceBudget: number;
  private readonly maxTrace: number;
  private readonly log: RequestHistoryOptions["log"];

  constructor(opts: RequestHistoryOptions = {}) {
    this.capacity = Math.max(1, opts.capacity ?? 1000);
    this.ring = new Array<Record_ | undefined>(this.capacity);
    this.traceBudget = opts.traceBudget ?? 8 * 1024 * 1024;
    this.maxTrace = Math.min(opts.maxTrace ?? 512 * 1024, this.traceBudget);
    this.log = opts.log;
  }

  /** Starts recording a call (the server calls it for `/projects/...` and `/services/...`). */
  begin(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const rec: Record_ = {
      id: 0,
      at: Date.now(),
      t0: performance.now(),
      method: req.method ?? "GET",
      path: cut(q < 0 ? url : url.slice(0, q), MAX_PATH),
      status: 0,
      durationMs: 0,
    };
    (req as unknown as Record<symbol, Record_>)[PENDING] = rec;
    // 'close' comes once the answer is sent, or when the client left first.
    res.once("close", () => this.end(rec, res));
  }

  /** Keeps the trace of a call's run (only while tracing), bounded. */
  noteTrace(req: IncomingMessage, trace: TraceEntry[] | undefined): void {
    const rec = (req as unknown as Record<symbol, Record_ | undefined>)[PENDING];
    if (!rec || !trace) return;
    const bounded = boundTrace(trace, this.maxTrace);
    rec.traceText = bounded.text;
    if (bounded.note) rec.traceNote = bounded.note;
  }

  private end(rec: Record_, res: ServerResponse): void {
    rec.durationMs = Math.round((performance.now() - rec.t0) * 10) / 10;
    if (res.writableFinished) rec.status = res.statusCode;
    else {
      rec.aborted = true;
      rec.status = res.headersSent ? res.statusCode : 0;
    }
    rec.id = ++this.lastId;
    this.version++;
    const slot = (rec.id - 1) % this.capacity;
    const old = this.ring[slot];
    if (old?.traceText !== undefined) this.dropTrace(old);
    this.ring[slot] = rec;
    if (rec.traceText !== undefined) {
      rec.traced = true;
      this.traceChars += rec.traceText.length;
      this.traced.push(rec);
      while (this.traceChars > this.traceBudget && this.traced.length > 1) {
        const oldest = this.traced[0]!;
        this.dropTrace(oldest);
        oldest.traceNote = "Dropped to keep the history's traces within their budget";
      }
    }
    if (this.log && this.log.minLevel <= DEBUG_LEVEL) {
      this.log.debug(
        `HTTP ${rec.method} ${rec.path}${rec.requestable ? ` (${rec.requestable})` : ""} → ${rec.aborted ? `left by the client${rec.status ? ` after ${rec.status}` : ""}` : rec.status} in ${rec.durationMs} ms${rec.user ? `, user ${rec.user}` : ""}${rec.runId ? `, run ${rec.runId}` : ""}${rec.code ? `, ${rec.code}` : ""}`,
        projectOf(rec.path),
      );
    }
  }

  private dropTrace(rec: Record_): void {
    if (rec.traceText === undefined) return;
    this.traceChars -= rec.traceText.length;
    rec.traceText = undefined;
    rec.traced = false;
    const i = this.traced.indexOf(rec);
    if (i >= 0) this.traced.splice(i, 1);
  }

  /** Whether HTTP calls run with a trace, kept here (the Studio's "Record traces"; off at start). */
  get tracing(): boolean {
    return this.tracingOn;
  }

  set tracing(on: boolean) {
    if (on !== this.tracingOn) this.version++;
    this.tracingOn = on;
  }

  /** The oldest id kept. */
  private get oldest(): number {
    return Math.max(this.firstId, this.lastId - this.capacity + 1);
  }

  /** Calls, newest first, matching a text (any field) and a status filter. */
  list(
    opts: { q?: string; status?: StatusFilter | string; limit?: number; unchangedSince?: number } = {},
  ): RequestList {
    const oldest = this.oldest;
    const total = Math.max(0, this.lastId - oldest + 1);
    const base = { version: this.version, total, capacity: this.capacity, tracing: this.tracing };
    if (opts.unchangedSince !== undefined && opts.unchangedSince === this.version) {
      return { ...base, entries: [], unchanged: true };
    }
    const limit = Math.max(1, Math.min(opts.limit ?? 200, this.capacity));
    const words = (opts.q ?? "").toLowerCase().split(/\s+/).filter(Boolean);
    const status = statusTest(opts.status);
    const entries: RequestEntry[] = [];
    for (let id = this.lastId; id >= oldest && entries.length < limit; id--) {
      const rec = this.ring[(id - 1) % this.capacity];
      if (!rec || rec.id !== id) continue;
      if (status && !status(rec)) continue;
      if (words.length) {
        const text = searchText(rec);
        if (!words.every((w) => text.includes(w))) continue;
      }
      entries.push(publicEntry(rec));
    }
    return { ...base, entries };
  }

  /** One call with its trace, or undefined when it is no longer kept. */
  get(id: number): RequestDetail | undefined {
    if (!Number.isInteger(id) || id < this.oldest || id > this.lastId) return undefined;
    const rec = this.ring[(id - 1) % this.capacity];
    if (!rec || rec.id !== id) return undefined;
    const detail: RequestDetail = publicEntry(rec);
    if (rec.traceText !== undefined) detail.trace = JSON.parse(rec.traceText) as TraceEntry[];
    if (rec.traceNote) detail.traceNote = rec.traceNote;
    return detail;
  }

  /** Forgets every call. */
  clear(): void {
    this.ring.fill(undefined);
    this.traced = [];
    this.traceChars = 0;
    this.firstId = this.lastId + 1;
    this.version++;
  }

  /** Characters of traces kept now (tests read it). */
  get traceSize(): number {
    return this.traceChars;
  }
}

function publicEntry(rec: Record_): RequestEntry {
  const e: RequestEntry = {
    id: rec.id,
    at: rec.at,
    method: rec.method,
    path: rec.path,
    status: rec.status,
    durationMs: rec.durationMs,
  };
  const project = projectOf(rec.path);
  if (project !== undefined) e.project = project;
  if (rec.requestable !== undefined) e.requestable = rec.requestable;
  if (rec.user !== undefined) e.user = rec.user;
  if (rec.runId !== undefined) e.runId = rec.runId;
  if (rec.code !== undefined) e.code = rec.code;
  if (rec.aborted) e.aborted = true;
  if (rec.traced) e.traced = true;
  return e;
}

/** The project a `/projects/<project>/...` path names. */
function projectOf(path: string): string | undefined {
  if (!path.startsWith("/projects/")) return undefined;
  const end = path.indexOf("/", 10);
  const raw = path.slice(10, end < 0 ? undefined : end);
  if (!raw) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function searchText(rec: Record_): string {
  return [
    rec.method,
    rec.path,
    rec.requestable ?? "",
    rec.user ?? "",
    rec.runId ?? "",
    rec.code ?? "",
    String(rec.status),
    projectOf(rec.path) ?? "",
  ]
    .join(" ")
    .toLowerCase();
}

function statusTest(filter: string | undefined): ((r: Record_) => boolean) | undefined {
  switch (filter) {
    case "2xx":
    case "3xx":
    case "4xx":
    case "5xx": {
      const c = Number(filter[0]);
      return (r) => Math.floor(r.status / 100) === c;
    }
    case "failed":
      return (r) => r.status >= 400 || r.status === 0 || Boolean(r.aborted);
    default:
      if (filter && /^\d{3}$/.test(filter)) {
        const n = Number(filter);
        return (r) => r.status === n;
      }
      return undefined;
  }
}

/**
 * A trace as JSON text of at most `max` characters: whole if it fits, else without the steps'
 * inputs and outputs, else its first entries (with a note saying so).
 */
export function boundTrace(trace: TraceEntry[], max: number): { text: string; note?: string } {
  const whole = JSON.stringify(trace);
  if (whole.length <= max) return { text: whole };
  const slim = trace.map((t) => {
    const { inputs: _inputs, output: _output, ...rest } = t;
    return rest;
  });
  const slimText = JSON.stringify(slim);
  const sizeNote = `${whole.length} characters, above the ${max} kept per call`;
  if (slimText.length <= max) {
    return { text: slimText, note: `Inputs and outputs of the steps left out (${sizeNote})` };
  }
  const kept: unknown[] = [];
  let size = 2;
  for (const t of slim) {
    const s = JSON.stringify(t).length + 1;
    if (size + s > max) break;
    kept.push(t);
    size += s;
  }
  return {
    text: JSON.stringify(kept),
    note: `Only the first ${kept.length} of ${trace.length} steps, without inputs and outputs (${sizeNote})`,
  };
}
