/**
 * A run's event stream (newline-delimited JSON) read with XMLHttpRequest's progress events rather
 * than a fetch body reader: Chromium reports a streamed fetch as cancelled (`net::ERR_ABORTED` in
 * the console) when the page reads its body to the end before the network layer has said the
 * request is complete, which a short run's last chunk often does. An XHR completes only when the
 * request does.
 */

/** Splits NDJSON text given in pieces into values, one per complete line (pure; tested). */
export class NdjsonText<T> {
  private pending = "";
  private line = 0;

  /** The values of the lines this piece completes. */
  push(piece: string): T[] {
    const text = this.pending + piece;
    const parts = text.split("\n");
    this.pending = parts.pop() ?? "";
    return parts.flatMap((p) => this.parse(p));
  }

  /** The value of a last line without a newline, if any. */
  end(): T[] {
    const rest = this.pending;
    this.pending = "";
    return this.parse(rest);
  }

  private parse(raw: string): T[] {
    this.line++;
    const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (text.trim() === "") return [];
    try {
      return [JSON.parse(text) as T];
    } catch (e) {
      throw new Error(`Line ${this.line} of the run's stream is not JSON: ${(e as Error).message}`);
    }
  }
}

export interface StreamRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends the request and calls `onValue` for each line of a 200 answer as it arrives; resolves
 * when the answer is complete. Another status rejects with `onStatus`'s error (given the body);
 * the signal aborts the request (rejecting with an AbortError); an `onValue` that throws aborts it.
 */
export function streamNdjson<T>(
  req: StreamRequest,
  onValue: (value: T) => void,
  onStatus: (status: number, body: string) => Error,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const lines = new NdjsonText<T>();
    let seen = 0;
    let failed = false;
    const fail = (e: unknown) => {
      if (failed) return;
      failed = true;
      signal?.removeEventListener("abort", onAbort);
      if (xhr.readyState !== XMLHttpRequest.DONE) xhr.abort();
      reject(e instanceof Error ? e : new Error(String(e)));
    };
    const onAbort = () => fail(new DOMException("The run's stream was left", "AbortError"));
    const take = (last: boolean) => {
      if (failed || xhr.status !== 200) return;
      const text = xhr.responseText;
      const piece = text.slice(seen);
      seen = text.length;
      try {
        for (const v of lines.push(piece)) onValue(v);
        if (last) for (const v of lines.end()) onValue(v);
      } catch (e) {
        fail(e);
      }
    };
    xhr.open(req.method, req.url);
    for (const [k, v] of Object.entries(req.headers)) xhr.setRequestHeader(k, v);
    xhr.onprogress = () => take(false);
    xhr.onload = () => {
      if (xhr.status !== 200) return fail(onStatus(xhr.status, xhr.responseText));
      take(true);
      if (failed) return;
      signal?.removeEventListener("abort", onAbort);
      resolve();
    };
    xhr.onerror = () => fail(new Error("The engine did not answer the run (the connection failed)"));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort);
    xhr.send(req.body);
  });
}
