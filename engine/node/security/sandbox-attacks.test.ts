/**
 * The JavaScript sandbox against hostile sequences, through the real engine and HTTP server:
 * - endless loops run in worker threads, so they delay neither other requests nor the event
 *   loop (they used to run on it: three loops held every request for 5, 10, 15 s);
 * - values that JSON cannot hold, or that are built to break the boundary (nesting thousands
 *   deep, cycles, huge strings, throwing getters, Proxies, BigInt...), end their run with a
 *   clear error naming the step, free their interpreter, and leave memory flat (a value nested
 *   100,000 deep used to abort QuickJS's runtime and leak it: 2.2 GB after 55 calls).
 */
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { stringify } from "yaml";
import { Engine } from "../engine.ts";
import { EngineLog } from "../log.ts";
import { sandboxPool } from "../runtime/sandbox-pool.ts";
import { startServer, type RunningServer } from "../server/server.ts";

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../examples/workspace");

/** Values a Sequence JS step of the Hostile sequence gives, by the `kind` input (function bodies). */
const HOSTILE: Record<string, { code: string; error: string | null; message?: RegExp }> = {
  deep: {
    code: "let o = {}; for (let i = 0; i < 100000; i++) o = { o }; return o",
    error: "js_output_too_deep",
    message: /nested more than 256 levels deep \(at \.o\.o\.o\.o…/,
  },
  deepArray: { code: "let a = []; for (let i = 0; i < 100000; i++) a = [a]; return a", error: "js_output_too_deep" },
  hugeString: { code: "return 'x'.repeat(20 * 1024 * 1024)", error: "js_output_too_large" },
  sparse: { code: "return new Array(2 ** 31)", error: "js_output_too_large" },
  cyclic: {
    code: "const c = { list: [] }; c.list.push(c); return c",
    error: "js_output_cyclic",
    message: /\.list\[0\]/,
  },
  throwingGetter: {
    code: "return { a: { get b() { throw new Error('boom') } } }",
    error: "js_output_unreadable",
    message: /its value could not be read: Error: boom$/,
  },
  proxy: {
    code: "return new Proxy({}, { ownKeys() { return ['a', 'a'] } })",
    error: "js_output_unreadable",
  },
  revokedProxy: {
    code: "const p = Proxy.revocable({}, {}); p.revoke(); return { p: p.proxy }",
    error: "js_output_unreadable",
  },
  bigint: {
    code: "return { n: 2n ** 100n }",
    error: "js_output_bigint",
    message: /BigInt 1267650600228229401496703205376n/,
  },
  thrownDeep: {
    code: "let o = {}; for (let i = 0; i < 100000; i++) o = { o }; throw o",
    error: "js_error",
    message: /Error: \[object Object\]/,
  },
  logDeep: {
    code: "let o = {}; for (let i = 0; i < 100000; i++) o = { o }; log(o)",
    error: "js_error",
    message: /log\(\): an argument cannot be passed \(nested more than 256 levels deep\)/,
  },
  sessionDeep: {
    code: "let o = {}; for (let i = 0; i < 100000; i++) o = { o }; session.set('k', o)",
    error: "js_error",
    message: /session\.set\(\): an argument cannot be passed/,
  },
  // Converted as JSON.stringify converts: no error.
  symbolsAndFunctions: { code: "return { s: Symbol('x'), f() {}, list: [Symbol('y'), () => 1], n: 10n }", error: null },
};

let dir: string;
let engine: Engine;
let server: RunningServer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "atelier-sandbox-attacks-"));
  await cp(path.join(EXAMPLES, "Demo"), path.join(dir, "Demo"), { recursive: true });
  const sequence = (name: string, children: unknown[]) =>
    writeFile(path.join(dir, "Demo", "sequences", `${name}.yaml`), stringify({ type: "Sequence", name, children }));
  await sequence("Spin", [{ type: "SequenceJS", name: "spin", id: "spin1", code: "while (true) {}" }]);
  await sequence("Hostile", [
    { type: "Variable", name: "kind", id: "hostilekind", required: true },
    {
      type: "SequenceJS",
      name: "hostile",
      id: "hostilejs",
      code: `const make = {${Object.entries(HOSTILE)
        .map(([k, v]) => `${k}: function () { ${v.code} }`)
        .join(",\n")}};\nmake[kind]()`,
    },
  ]);
  await sequence("BigValue", [
    { type: "Element", name: "small", id: "bvsmall", expression: "10n" },
    { type: "Element", name: "big", id: "bvbig", expression: "2n ** 64n" },
  ]);
  engine = await Engine.open({ workspaceDir: dir, log: new EngineLog({ level: "silent" }) });
  server = await startServer(engine, { port: 0 });
});

afterAll(async () => {
  await server?.close();
  await engine?.close();
  await rm(dir, { recursive: true, force: true });
});

const call = async (query: string) => {
  const started = performance.now();
  const res = await fetch(new URL(`/projects/Demo/.json?${query}`, server.url));
  const body = (await res.json()) as { error?: { code: string; message: string } } & Record<string, unknown>;
  return { status: res.status, body, ms: performance.now() - started };
};

describe("sandboxed JavaScript against hostile sequences", () => {
  it("three endless loops at once delay neither a Greet call nor the event loop", async () => {
    // Baseline: Greet on a quiet engine (its expression runs in a sandbox too).
    for (let i = 0; i < 10; i++)
      expect((await call("__sequence=Greet&name=Ada")).body).toEqual({ greeting: "Hello, Ada!" });
    const quiet: number[] = [];
    for (let i = 0; i < 15; i++) quiet.push((await call("__sequence=Greet&name=Ada")).ms);

    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    const loops = [1, 2, 3].map(() => call("__sequence=Spin"));
    // All three loops are running (each in its own worker), and a worker is ready for others.
    await vi.waitFor(() => {
      const s = sandboxPool().stats();
      expect(s.busy).toBeGreaterThanOrEqual(3);
      expect(s.emptyReady).toBeGreaterThanOrEqual(1);
    });
    const busy: number[] = [];
    for (let i = 0; i < 15; i++) {
      const r = await call("__sequence=Greet&name=Ada");
      expect(r.body).toEqual({ greeting: "Hello, Ada!" });
      busy.push(r.ms);
    }
    const stillLooping = sandboxPool().stats().busy;
    loopDelay.disable();
    const results = await Promise.all(loops);

    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const figures = {
      quietGreetMedianMs: median(quiet),
      loopingGreetMedianMs: median(busy),
      loopingGreetMaxMs: Math.max(...busy),
      eventLoopDelayP99Ms: loopDelay.percentile(99) / 1e6,
      eventLoopDelayMaxMs: loopDelay.max / 1e6,
    };
    console.info("sandbox loops:", JSON.stringify(figures));
    // The loops were still running while Greet was measured.
    expect(stillLooping).toBeGreaterThanOrEqual(3);
    for (const r of results) {
      expect(r.status).toBe(500);
      expect(r.body.error?.code).toBe("js_timeout");
      expect(r.body.error?.message).toBe(
        'Sequence JS step "spin": stopped after 5000 ms (time limit of a JavaScript evaluation; an endless loop?)',
      );
    }
    // On the event loop, the loops held everything for 5 to 15 s. Off it, what remains is the
    // machine's own noise: a few ms on a quiet machine, tens of ms when the test runs beside other
    // test files on 2 cores shared with the three spinning threads. The bounds leave room for
    // that and stay far below the old delays.
    expect(figures.loopingGreetMedianMs).toBeLessThan(figures.quietGreetMedianMs + 50);
    expect(figures.loopingGreetMaxMs).toBeLessThan(1000);
    expect(figures.eventLoopDelayP99Ms).toBeLessThan(100);
  });

  it("hostile values end their run with a clear error naming the step, and memory stays flat", async () => {
    const kinds = Object.keys(HOSTILE);
    const check = async (kind: string) => {
      const r = await engine.run({ project: "Demo", sequence: "Hostile", inputs: { kind } });
      const expected = HOSTILE[kind]!;
      if (expected.error === null) {
        expect(r.ok, kind).toBe(true);
        return;
      }
      expect(r.error?.code, kind).toBe(expected.error);
      expect(r.error?.message, kind).toMatch(/^Sequence JS step "hostile": /);
      if (expected.message) expect(r.error?.message, kind).toMatch(expected.message);
      // Nothing of the machinery reaches the caller: no WebAssembly abort, no host stack.
      expect(r.error?.message, kind).not.toMatch(/Aborted|Assertion|wasm|\.mjs|\.ts:|node:|quickjs/i);
      expect(r.error?.step?.name, kind).toBe("hostile");
    };
    // A first round warms the workers up; memory is measured from there.
    for (const kind of kinds) await check(kind);
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 100; i++) await check(kinds[i % kinds.length]!);
    const growthMb = (process.memoryUsage().rss - before) / 1048576;
    console.info("sandbox hostile values:", JSON.stringify({ runs: 100, rssBeforeMb: before / 1048576, growthMb }));
    expect(growthMb).toBeLessThan(100);
    // The interpreter is intact: a normal run works, and the deep value's own message is clean.
    expect((await call("__sequence=Greet&name=Ada")).body).toEqual({ greeting: "Hello, Ada!" });
    const deep = await call("__sequence=Hostile&kind=deep");
    expect(deep.status).toBe(500);
    expect(deep.body.error?.code).toBe("js_output_too_deep");
  });

  it("a BigInt output becomes a number when exact, and a clear error otherwise", async () => {
    const r = await call("__sequence=BigValue");
    expect(r.status).toBe(500);
    expect(r.body.error).toMatchObject({
      code: "js_output_bigint",
      message:
        'expression of Element "big": its value is the BigInt 18446744073709551616n, beyond the integers a JSON number holds exactly (±2^53); convert it with String() or Number()',
    });
    const small = await engine.run({ project: "Demo", sequence: "BigValue", inputs: {}, trace: true });
    expect(small.trace?.find((e) => e.name === "small")?.output).toBe(10);
  });
});
