/**
 * Newline-delimited JSON read from a byte stream (the Studio's run stream): one JSON value per
 * line, parsed as each line completes. Web streams only, so the engine, its tests and the
 * renderer share it.
 */

/** The longest line read by default, in bytes (a run's last event carries its whole output). */
export const NDJSON_MAX_LINE_BYTES = 64 * 1024 * 1024;

export interface NdjsonOptions {
  /** The longest line accepted, in bytes (without its newline); a longer one throws. */
  maxLineBytes?: number;
}

const NEWLINE = 0x0a;

/**
 * Yields the value of each line of `stream` as it completes. Blank lines are skipped, a `\r`
 * before the newline is ignored, and a last line without a newline is read when the stream ends.
 * A line that is not JSON, or longer than `maxLineBytes`, throws (saying which line). Leaving
 * the loop early cancels the stream.
 */
export async function* readNdjson<T = unknown>(
  stream: ReadableStream<Uint8Array>,
  opts: NdjsonOptions = {},
): AsyncGenerator<T, void, undefined> {
  const max = opts.maxLineBytes ?? NDJSON_MAX_LINE_BYTES;
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  // The bytes of the line under way, in the chunks they came in.
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let lineNo = 0;
  let finished = false;

  const tooLong = () =>
    new Error(`Line ${lineNo + 1} of the NDJSON stream is longer than ${max} bytes: the stream was not read further`);

  const lineOf = (tail: Uint8Array): T | undefined => {
    lineNo++;
    const bytes = pending.length === 0 ? tail : concat([...pending, tail], pendingBytes + tail.length);
    pending = [];
    pendingBytes = 0;
    const text = decoder.decode(bytes);
    if (text.trim() === "") return undefined;
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      throw new Error(`Line ${lineNo} of the NDJSON stream is not JSON: ${(e as Error).message}`);
    }
  };

  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      let from = 0;
      for (let nl = value.indexOf(NEWLINE); nl >= 0; nl = value.indexOf(NEWLINE, from)) {
        if (pendingBytes + (nl - from) > max) throw tooLong();
        const v = lineOf(value.subarray(from, nl));
        from = nl + 1;
        if (v !== undefined) yield v;
      }
      if (from < value.length) {
        pendingBytes += value.length - from;
        if (pendingBytes > max) throw tooLong();
        // Copied: a stream may reuse the buffer of the chunk it hands out.
        pending.push(value.slice(from));
      }
    }
    finished = true;
    if (pendingBytes > 0) {
      const v = lineOf(new Uint8Array(0));
      if (v !== undefined) yield v;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
