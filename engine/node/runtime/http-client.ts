import { Agent, errors as undiciErrors, request } from "undici";
import type { HttpClient, HttpRequest, HttpResponse } from "../../common/model/typedef.ts";

/** Largest answer body a transaction reads (bigger answers end with an error, not an OOM). */
const MAX_BODY_BYTES = 50 * 1024 * 1024;

/**
 * The engine's HTTP client: undici with kept-alive connection pools per origin (connection
 * reuse is what decides throughput), a hard time limit per request, and errors that say what
 * happened in words.
 */
export class UndiciHttpClient implements HttpClient {
  // maxResponseSize: undici ends a larger answer itself (from its content-length, or while reading).
  private readonly verified = new Agent({
    connections: 64,
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
    maxResponseSize: MAX_BODY_BYTES,
  });
  private readonly unverified = new Agent({
    connections: 16,
    keepAliveTimeout: 10_000,
    maxResponseSize: MAX_BODY_BYTES,
    connect: { rejectUnauthorized: false },
  });

  async request(req: HttpRequest, signal?: AbortSignal): Promise<HttpResponse> {
    // One controller for both the time limit and the run's stop signal (cheaper per call than
    // AbortSignal.timeout + AbortSignal.any).
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, req.timeoutMs);
    timer.unref();
    const onAbort = () => controller.abort();
    if (signal?.aborted) controller.abort();
    else signal?.addEventListener("abort", onAbort, { once: true });
    const url = new URL(req.url);
    try {
      // No redirect is ever followed (undici's request follows none without a redirect
      // interceptor, and none is installed): a 3xx is the answer. Following one would send the
      // request to a host the connector's allow-list never checked.
      const res = await request(url, {
        method: req.method as "GET",
        headers: req.headers,
        body: req.body,
        dispatcher: req.tlsVerify ? this.verified : this.unverified,
        signal: controller.signal,
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
      });
      const body = Buffer.from(await res.body.arrayBuffer()).toString("utf8");
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) {
        if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
      }
      return { status: res.statusCode, headers, body };
    } catch (e) {
      if (signal?.aborted) throw new Error("the run was stopped");
      if (timedOut) throw new Error(`no complete answer within ${req.timeoutMs} ms`);
      if ((e as { code?: string }).code === "UND_ERR_RES_EXCEEDED_MAX_SIZE")
        throw new Error(`the answer is larger than ${MAX_BODY_BYTES / 1048576} MiB`);
      throw new Error(describeNetworkError(e, url));
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.verified.close(), this.unverified.close()]);
  }
}

function describeNetworkError(e: unknown, url: URL): string {
  const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const code = err.code ?? err.cause?.code;
  const host = url.host;
  switch (code) {
    case "ECONNREFUSED":
      return `connection refused by ${host} (is the server running?)`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `host ${url.hostname} not found`;
    case "ECONNRESET":
    case "UND_ERR_SOCKET":
      return `the connection to ${host} was closed before the answer was complete`;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `${host} is unreachable`;
    case "UND_ERR_HEADERS_TIMEOUT":
    case "UND_ERR_BODY_TIMEOUT":
    case "UND_ERR_CONNECT_TIMEOUT":
      return `${host} did not answer in time`;
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
    case "SELF_SIGNED_CERT_IN_CHAIN":
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "CERT_HAS_EXPIRED":
    case "ERR_TLS_CERT_ALTNAME_INVALID":
      return `the TLS certificate of ${host} is not trusted (${code}); turn off "Verify TLS certificates" only for test servers`;
  }
  if (e instanceof undiciErrors.UndiciError) return `${err.message} (${host})`;
  return `${err.message ?? String(e)}${code ? ` (${code})` : ""}`;
}
