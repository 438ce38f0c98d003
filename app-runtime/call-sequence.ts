/**
 * Call Sequence (design §5): runs a sequence of the engine through the Convertigo API,
 * `POST <origin>/projects/<project>/.json?__sequence=<name>` with the variables as a JSON object
 * (the engine keeps their types: numbers, booleans, lists, objects), with the session cookie
 * (`credentials: "include"`). Errors reject with a CallError; the cache policies are Convertigo's
 * priority_server (networkFirst) and priority_local (cacheFirst).
 */
import { cacheKey, type CacheStore } from "./cache.ts";
import { isAbort } from "./errors.ts";
import type { CallError, CallSequenceRequest } from "./services.ts";

/** A fetch function (the browser's, or a test's that keeps a cookie). */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface SequenceCallerOptions {
  /** The engine's origin (`location.origin` in the app), without a trailing slash. */
  origin: string;
  /** The app's project (a request without `project` calls it). */
  project: string;
  /** The logged-in user (part of the cache key), or null. */
  user: () => string | null;
  cache: CacheStore;
  fetch?: FetchLike;
  /** The time limit of a call without `timeoutMs` (30 s). */
  defaultTimeoutMs?: number;
  /** Clock (tests). */
  now?: () => number;
  /** Told whether each call reached the server (the app's `online()`). */
  onReachable?: (reachable: boolean) => void;
}

/** How long a cached answer is fresh when the request gives no `cacheTtlMs`. */
export const DEFAULT_CACHE_TTL_MS = 3000;
const DEFAULT_TIMEOUT_MS = 30_000;

/** A failure of the call itself (no answer from the engine): networkFirst then answers the cache. */
class Unreachable {
  constructor(readonly error: CallError) {}
}

/** Whether an answer body is the engine's error shape: `{error: {code, message...}}` and nothing else. */
function engineError(body: unknown): { code: string; message: string } | undefined {
  if (!body || typeof body !== "object" || Array.isArray(body)) return undefined;
  const keys = Object.keys(body);
  if (keys.length !== 1 || keys[0] !== "error") return undefined;
  const e = (body as { error: unknown }).error;
  if (!e || typeof e !== "object") return undefined;
  const { code, message } = e as { code?: unknown; message?: unknown };
  if (typeof code !== "string") return undefined;
  return { code, message: typeof message === "string" ? message : code };
}

export function createSequenceCaller(opts: SequenceCallerOptions): (request: CallSequenceRequest) => Promise<unknown> {
  const doFetch: FetchLike = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const now = opts.now ?? (() => Date.now());

  /** One call to the engine: its answer, a CallError (the engine's), or an Unreachable. */
  async function callServer(project: string, request: CallSequenceRequest): Promise<unknown> {
    const timeoutMs = request.timeoutMs ?? opts.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onAbort = () => controller.abort();
    request.signal?.addEventListener("abort", onAbort);
    try {
      if (request.signal?.aborted) throw request.signal.reason;
      const url = `${opts.origin}/projects/${encodeURIComponent(project)}/.json?__sequence=${encodeURIComponent(request.sequence)}`;
      let response: Response;
      let text: string;
      try {
        response = await doFetch(url, {
          method: "POST",
          credentials: "include",
          headers: { "content-type": "application/json", accept: "application/json" },
          body: JSON.stringify(request.variables ?? {}),
          signal: controller.signal,
        });
        text = await response.text();
      } catch (e) {
        if (request.signal?.aborted) throw request.signal.reason;
        if (timedOut) {
          throw new Unreachable({
            code: "timeout",
            message: `The sequence ${request.sequence} did not answer within ${timeoutMs} ms`,
          });
        }
        throw new Unreachable({
          code: "network_error",
          message: `The server could not be reached (${e instanceof Error ? e.message : String(e)})`,
        });
      }
      let body: unknown;
      try {
        body = text === "" ? null : JSON.parse(text);
      } catch {
        // Not the engine's JSON: a proxy's page in front of a stopped engine is no answer.
        const error: CallError = {
          code: "bad_answer",
          message: `The server answered ${response.status} with something else than JSON`,
          status: response.status,
        };
        if (response.status === 502 || response.status === 503 || response.status === 504) {
          throw new Unreachable(error);
        }
        throw error;
      }
      const err = engineError(body);
      if (err) throw { code: err.code, message: err.message, status: response.status } satisfies CallError;
      if (!response.ok) {
        const error: CallError = {
          code: `http_${response.status}`,
          message: `The server answered ${response.status} ${response.statusText}`.trim(),
          status: response.status,
        };
        if (response.status === 502 || response.status === 503 || response.status === 504) {
          throw new Unreachable(error);
        }
        throw error;
      }
      return body;
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener("abort", onAbort);
    }
  }

  /** A call, telling `onReachable`; Unreachable failures stay Unreachable for the policies. */
  async function reach(project: string, request: CallSequenceRequest): Promise<unknown> {
    try {
      const out = await callServer(project, request);
      opts.onReachable?.(true);
      return out;
    } catch (e) {
      if (e instanceof Unreachable) opts.onReachable?.(false);
      else if (!isAbort(e)) opts.onReachable?.(true);
      throw e;
    }
  }

  return async function callSequence(request: CallSequenceRequest): Promise<unknown> {
    const project = request.project || opts.project;
    const policy = request.cachePolicy ?? "none";
    try {
      if (policy === "none") return await reach(project, request);
      const key = await cacheKey(opts.user(), project, request.sequence, request.variables ?? {});
      const ttl = request.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS;
      const cached = await opts.cache.get(key).catch(() => undefined);
      if (policy === "cacheFirst" && cached && now() - cached.storedAt < ttl) return cached.value;
      let value: unknown;
      try {
        value = await reach(project, request);
      } catch (e) {
        // No answer from the server: the cached answer, even an old one (the app is offline).
        if (e instanceof Unreachable && cached) return cached.value;
        throw e;
      }
      await opts.cache.set(key, { value, storedAt: now() }).catch(() => {});
      return value;
    } catch (e) {
      if (e instanceof Unreachable) throw e.error;
      throw e;
    }
  };
}
