/**
 * The engine's request history as the Studio reads it: incoming HTTP calls to the Convertigo API
 * (`/projects/...`, `/services/...`), kept in a bounded ring by the engine
 * (engine/node/server/request-history.ts), served by the Studio's `requests` routes.
 */
import type { TraceEntry } from "../model/trace.ts";

/** One HTTP call, as kept: never its query, headers or body (they may carry secrets). */
export interface RequestEntry {
  /** Increasing with each call answered (the order of the history). */
  id: number;
  /** When the call arrived (epoch milliseconds). */
  at: number;
  method: string;
  /** The path without its query string. */
  path: string;
  /** The project named by the path (`/projects/<project>/...`). */
  project?: string;
  /** The sequence, or `connector.transaction`, the call asked for. */
  requestable?: string;
  /** The HTTP status answered; 0 when the client left before any answer. */
  status: number;
  durationMs: number;
  /** The session's authenticated user after the call. */
  user?: string;
  /** The run the call made (the id of its trace, of its log lines). */
  runId?: string;
  /** The error code of a failed run or a refusal. */
  code?: string;
  /** The client closed the connection before the answer was sent. */
  aborted?: boolean;
  /** A trace was kept for this call (traces are recorded while the Studio asks for them). */
  traced?: boolean;
}

/** A call with its trace (when one was recorded and is still kept). */
export interface RequestDetail extends RequestEntry {
  trace?: TraceEntry[];
  /** Why the trace is missing or shortened. */
  traceNote?: string;
}

/** Status filters of the history: a class of statuses, or every failure. */
export const STATUS_FILTERS = ["2xx", "3xx", "4xx", "5xx", "failed"] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

export interface RequestList {
  /** Newest first, after the filters, at most `limit`. */
  entries: RequestEntry[];
  /** Changes whenever the history does (a call recorded, a clear): ask again with it as `unchangedSince`. */
  version: number;
  /** Calls kept (before the filters). */
  total: number;
  /** The ring's size: older calls are forgotten. */
  capacity: number;
  /** Whether runs of HTTP calls are traced now. */
  tracing: boolean;
  /** Nothing changed since the `unchangedSince` version given: `entries` is empty. */
  unchanged?: boolean;
}

/** The engine as the Studio's status bar shows it. */
export interface EngineStatus {
  workspace: string;
  /** When this engine started (epoch milliseconds). */
  startedAt: number;
  /** The engine's clock when it answered (uptime = now - startedAt, whatever the page's clock). */
  now: number;
  version: string;
  pid: number;
  /** The engine's base URL as the page reached it. */
  url: string;
}
