import { describe, expect, it } from "vitest";
import { readNdjson } from "./ndjson.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

/** A stream handing out `chunks` one by one; `cancelled` says whether the reader cancelled it. */
function streamOf(chunks: Uint8Array[]) {
  const state = { cancelled: false, pulled: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks[state.pulled++];
      if (next) controller.enqueue(next);
      else controller.close();
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}

describe("readNdjson", () => {
  it("yields one value per line, whatever the chunks' edges", async () => {
    const text = '{"kind":"run","runId":"r1"}\n{"kind":"log","message":"héllo ✓"}\n[1,2]\n3\n';
    const whole = bytes(text);
    expect(await all(readNdjson(streamOf([whole]).stream))).toEqual([
      { kind: "run", runId: "r1" },
      { kind: "log", message: "héllo ✓" },
      [1, 2],
      3,
    ]);
    // Byte by byte: lines and multi-byte characters cut by every edge.
    const single = [...whole].map((b) => Uint8Array.of(b));
    expect(await all(readNdjson(streamOf(single).stream))).toHaveLength(4);
  });

  it("reads a last line without a newline, skips blank lines and ignores \\r", async () => {
    const { stream } = streamOf([bytes('{"a":1}\r\n\n  \n{"b":'), bytes("2}")]);
    expect(await all(readNdjson(stream))).toEqual([{ a: 1 }, { b: 2 }]);
    expect(await all(readNdjson(streamOf([]).stream))).toEqual([]);
  });

  it("throws naming the line when a line is not JSON", async () => {
    const { stream } = streamOf([bytes('{"a":1}\n{oops\n{"b":2}\n')]);
    const seen: unknown[] = [];
    await expect(
      (async () => {
        for await (const v of readNdjson(stream)) seen.push(v);
      })(),
    ).rejects.toThrow(/^Line 2 of the NDJSON stream is not JSON/);
    expect(seen).toEqual([{ a: 1 }]);
  });

  it("refuses a line longer than the limit, with or without its newline, and stops reading", async () => {
    const long = streamOf([
      bytes('{"a":1}\n'),
      bytes('"' + "x".repeat(30)),
      bytes("x".repeat(30) + '"\n'),
      bytes("1\n"),
    ]);
    await expect(all(readNdjson(long.stream, { maxLineBytes: 40 }))).rejects.toThrow(
      "Line 2 of the NDJSON stream is longer than 40 bytes: the stream was not read further",
    );
    expect(long.state.cancelled).toBe(true);
    const inOneChunk = streamOf([bytes('"' + "y".repeat(50) + '"\n')]);
    await expect(all(readNdjson(inOneChunk.stream, { maxLineBytes: 40 }))).rejects.toThrow(/^Line 1 .* longer than 40/);
    const unterminated = streamOf([bytes('"' + "z".repeat(50))]);
    await expect(all(readNdjson(unterminated.stream, { maxLineBytes: 40 }))).rejects.toThrow(/longer than 40 bytes/);
    // A line of exactly the limit is read.
    const exact = '"' + "w".repeat(38) + '"';
    expect(await all(readNdjson(streamOf([bytes(exact + "\n")]).stream, { maxLineBytes: 40 }))).toEqual([
      "w".repeat(38),
    ]);
  });

  it("cancels the stream when the caller stops early", async () => {
    const { stream, state } = streamOf([bytes("1\n2\n"), bytes("3\n")]);
    for await (const v of readNdjson<number>(stream)) {
      expect(v).toBe(1);
      break;
    }
    expect(state.cancelled).toBe(true);
    // The stream is released: nothing holds its lock.
    expect(stream.locked).toBe(false);
  });
});
