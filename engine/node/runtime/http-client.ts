import { Agent, errors as undiciErrors, type Dispatcher } from "undici";
import type { HttpClient, HttpRequest, HttpResponse, StopSignal } from "../../common/model/typedef.ts";

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

  /**
   * One call. It goes to undici's dispatcher with a handler of its own (no response stream, no
   * AbortController per call: the body's chunks are collected as they come, and the handler's
   * controller aborts the call at the time limit or when the run stops).
   */
  request(req: HttpRequest, signal?: StopSignal): Promise<HttpResponse> {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      return Promise.reject(new Error(`invalid URL ${req.url}`));
    }
    if (signal?.aborted) return Promise.reject(new Error("the run was stopped"));
    return new Promise<HttpResponse>((resolve, reject) => {
      const call = new Call(url, req.timeoutMs, signal, resolve, reject, req.maxBodyBytes);
      try {
        // No redirect is ever followed (the dispatcher has no redirect interceptor): a 3xx is the
        // answer. Following one would send the request to a host the connector's allow-list never
        // checked.
        (req.tlsVerify ? this.verified : this.unverified).dispatch(
          {
            origin: url.origin,
            path: url.pathname + url.search,
            method: req.method as "GET",
            headers: req.headers,
            body: req.body,
            headersTimeout: req.timeoutMs,
            bodyTimeout: req.timeoutMs,
          },
          call,
        );
      } catch (e) {
        call.onResponseError(undefined, e as Error);
      }
    });
  }

  async close(): Promise<void> {
    await Promise.all([this.verified.close(), this.unverified.close()]);
  }
}

type Controller = Dispatcher.DispatchController;

/** A call in flight: undici's handler, its time limit and the run's stop signal. */
class Call implements Dispatcher.DispatchHandler {
  private controller: Controller | undefined;
  private status = 0;
  private headers: Record<string, string> = {};
  private readonly chunks: Buffer[] = [];
  private received = 0;
  private settled = false;
  /** Why the call must end (time limit, run stopped), once known. */
  private stop: Error | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly url: URL,
    private readonly timeoutMs: number,
    private readonly signal: StopSignal | undefined,
    private readonly resolve: (res: HttpResponse) => void,
    private readonly reject: (e: Error) => void,
    private readonly maxBodyBytes?: number,
  ) {
    this.timer = setTimeout(this.onTimeout, timeoutMs);
    this.timer.unref();
    signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  private readonly onTimeout = () => this.end(new Error(`no complete answer within ${this.timeoutMs} ms`));
  private readonly onAbort = () => this.end(new Error("the run was stopped"));

  /** Ends the call early: answers the error now, and aborts the request (now or once it starts). */
  private end(e: Error): void {
    if (this.settled) return;
    this.stop = e;
    this.controller?.abort(e);
    this.settle(e);
  }

  private settle(e: Error | undefined): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.signal?.removeEventListener("abort", this.onAbort);
    if (e) this.reject(e);
    else {
      this.resolve({
        status: this.status,
        headers: this.headers,
        body: this.chunks.length === 1 ? this.chunks[0]!.toString("utf8") : Buffer.concat(this.chunks).toString("utf8"),
      });
    }
  }

  onRequestStart(controller: Controller): void {
    this.controller = controller;
    if (this.stop) controller.abort(this.stop);
  }

  onResponseStart(_c: Controller, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    this.status = statusCode;
    for (const k in headers) {
      const v = headers[k];
      if (v !== undefined) this.headers[k] = Array.isArray(v) ? v.join(", ") : v;
    }
  }

  onResponseData(_c: Controller, chunk: Buffer): void {
    this.received += chunk.length;
    if (this.maxBodyBytes !== undefined && this.received > this.maxBodyBytes) {
      this.end(new Error(`the answer is larger than ${formatBytes(this.maxBodyBytes)}`));
      return;
    }
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    this.settle(undefined);
  }

  onResponseError(_c: Controller | undefined, e: Error): void {
    if (this.settled) return;
    if ((e as { code?: string }).code === "UND_ERR_RES_EXCEEDED_MAX_SIZE")
      this.settle(new Error(`the answer is larger than ${MAX_BODY_BYTES / 1048576} MiB`));
    else this.settle(new Error(describeNetworkError(e, this.url)));
  }
}

function formatBytes(n: number): string {
  return n >= 1048576 && n % 1048576 === 0
    ? `${n / 1048576} MiB`
    : n >= 1024 && n % 1024 === 0
      ? `${n / 1024} KiB`
      : `${n} bytes`;
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
