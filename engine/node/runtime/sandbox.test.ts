import { describe, expect, it, vi } from "vitest";
import { RunError } from "./run-error.ts";
import { sandboxPool } from "./sandbox-pool.ts";
import { MAX_OUTPUT_DEPTH, Sandbox } from "./sandbox.ts";

async function box(opts: Partial<{ timeLimitMs: number; memoryBytes: number; deadline: number }> = {}) {
  const logged: unknown[][] = [];
  const session = new Map<string, unknown>();
  const sandbox = await Sandbox.create({
    timeLimitMs: opts.timeLimitMs ?? 1000,
    memoryBytes: opts.memoryBytes ?? 16 * 1024 * 1024,
    ...(opts.deadline ? { deadline: opts.deadline } : {}),
    functions: {
      log: (...a: unknown[]) => void logged.push(a),
      fail: () => {
        throw new Error("host says no");
      },
      echo: (v: unknown) => v,
    },
    namespaces: {
      session: {
        get: (k: unknown) => (session.has(String(k)) ? session.get(String(k)) : "value"),
        set: (k: unknown, v: unknown) => void session.set(String(k), v),
      },
    },
  });
  return { sandbox, logged, session };
}

async function caught(fn: () => Promise<unknown>): Promise<RunError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof RunError) return e;
    throw e;
  }
  throw new Error("expected an error");
}

describe("the JavaScript sandbox", () => {
  it("evaluates expressions and keeps top-level declarations", async () => {
    const { sandbox } = await box();
    try {
      sandbox.setGlobal("name", "Ada");
      sandbox.setGlobal("list", [1, { a: "b" }]);
      sandbox.setGlobal("nothing", undefined);
      expect(await sandbox.evaluate('"Hi " + name', "t")).toBe("Hi Ada");
      expect(await sandbox.execute("var total = list.length; function twice(x) { return x * 2 }", "t")).toBeUndefined();
      expect(await sandbox.evaluate("twice(total)", "t")).toBe(4);
      expect(await sandbox.evaluate("({ list: list, n: null })", "t")).toEqual({ list: [1, { a: "b" }], n: null });
      expect(await sandbox.evaluate("typeof nothing + (nothing === undefined)", "t")).toBe("undefinedtrue");
      // A later setGlobal replaces the value, from the next evaluation on.
      sandbox.setGlobal("name", "Grace");
      sandbox.setGlobal("name", "Linus");
      expect(await sandbox.evaluate("name", "t")).toBe("Linus");
    } finally {
      sandbox.dispose();
    }
  });

  it("has no process, require, module loading, file system or network", async () => {
    const { sandbox } = await box();
    try {
      for (const expr of [
        "typeof process",
        "typeof require",
        "typeof module",
        "typeof fetch",
        "typeof XMLHttpRequest",
        "typeof globalThis.process",
        "typeof Deno",
        "typeof Bun",
        "typeof Atomics",
      ]) {
        expect(await sandbox.evaluate(expr, expr)).toBe("undefined");
      }
      // The constructor chain only reaches the sandbox's own Function, whose global has no host.
      expect(await sandbox.evaluate("this.constructor.constructor('return typeof process')()", "escape")).toBe(
        "undefined",
      );
      expect(await sandbox.evaluate("log.constructor.constructor('return typeof process')()", "escape")).toBe(
        "undefined",
      );
      expect(await sandbox.evaluate("session.get.constructor('return typeof require')()", "escape")).toBe("undefined");
      expect(
        await sandbox.evaluate(
          "typeof Object.getPrototypeOf(async function(){}).constructor('return process')",
          "escape",
        ),
      ).toBe("function");
      expect(
        await sandbox.evaluate("Object.getPrototypeOf(async function(){}).constructor('return 1')", "escape"),
      ).toBe(undefined);
      expect((await caught(() => sandbox.execute("import fs from 'fs'", "import"))).message).toMatch(
        /could not load module 'fs'/,
      );
      // A dynamic import has no module loader behind it: nothing is loaded, no host value comes back.
      expect(await sandbox.evaluate("typeof import('fs').then", "import")).toBe("function");
      expect((await caught(() => sandbox.execute("require('child_process')", "require"))).message).toMatch(/require/);
    } finally {
      sandbox.dispose();
    }
  });

  it("passes values out as JSON copies, never live host objects", async () => {
    const { sandbox, logged, session } = await box();
    try {
      await sandbox.evaluate("log('a', {b: 1}, [2], undefined)", "log");
      expect(logged).toEqual([["a", { b: 1 }, [2], undefined]]);
      expect(await sandbox.evaluate("session.get('k')", "s")).toBe("value");
      await sandbox.evaluate("session.set('k', {deep: [1]})", "s");
      expect(session.get("k")).toEqual({ deep: [1] });
      // Host functions answer synchronously, inside one evaluation.
      expect(await sandbox.evaluate("session.get('k').deep.concat(echo([2, 3]))", "s")).toEqual([1, 2, 3]);
      expect(await sandbox.evaluate("(function(){ try { fail() } catch (e) { return e.message } })()", "s")).toBe(
        "host says no",
      );
    } finally {
      sandbox.dispose();
    }
  });

  it("stops an endless loop at the time limit with a clear error", async () => {
    const { sandbox } = await box({ timeLimitMs: 150 });
    try {
      const started = Date.now();
      const err = await caught(() => sandbox.execute("while (true) {}", 'Sequence JS step "spin"'));
      expect(Date.now() - started).toBeLessThan(2000);
      expect(err.code).toBe("js_timeout");
      expect(err.message).toContain('Sequence JS step "spin": stopped after 150 ms');
      // The sandbox is usable again after an interruption.
      expect(await sandbox.evaluate("1 + 1", "after")).toBe(2);
      // A loop that catches everything is stopped too (the interruption cannot be caught).
      const again = await caught(() => sandbox.execute("for (;;) { try { while (true) {} } catch (e) {} }", "catcher"));
      expect(again.code).toBe("js_timeout");
    } finally {
      sandbox.dispose();
    }
  });

  it("stops at the run's own deadline, saying so", async () => {
    const { sandbox } = await box({ timeLimitMs: 5000, deadline: Date.now() + 200 });
    try {
      const err = await caught(() => sandbox.execute("while (true) {}", "late"));
      expect(err.code).toBe("js_timeout");
      expect(err.message).toBe("late: stopped because the run reached its time limit");
    } finally {
      sandbox.dispose();
    }
  });

  it("stops code that uses too much memory", async () => {
    const { sandbox } = await box({ memoryBytes: 8 * 1024 * 1024 });
    try {
      const err = await caught(() =>
        sandbox.execute("var a = []; while (true) a.push({ n: a.length, s: 'some text ' + a.length })", "hog"),
      );
      expect(err.code).toBe("js_memory");
      expect(err.message).toContain("more than 8 MiB");
      expect(await sandbox.execute("a = null; 'freed'", "after")).toBe("freed");
    } finally {
      sandbox.dispose();
    }
  });

  it("survives runaway recursion", async () => {
    const { sandbox } = await box();
    try {
      const err = await caught(() => sandbox.execute("function f() { return f() + 1 } f()", "rec"));
      expect(err.code).toBe("js_error");
      expect(err.message).toMatch(/stack|recursion/i);
    } finally {
      sandbox.dispose();
    }
  });

  it("reports syntax errors and thrown values with their message", async () => {
    const { sandbox } = await box();
    try {
      const err = await caught(() => sandbox.execute("var = 1", 'Sequence JS step "bad"'));
      expect(err.code).toBe("js_error");
      expect(err.message).toContain('Sequence JS step "bad": SyntaxError');
      expect((await caught(() => sandbox.execute("\n\nnull.x", "t"))).message).toBe(
        "t: TypeError: cannot read property 'x' of null (line 3)",
      );
      expect((await caught(() => sandbox.execute("throw 'plain'", "t"))).message).toBe("t: Error: plain");
      expect((await caught(() => sandbox.execute("throw { get message() { throw 1 } }", "t"))).message).toBe(
        "t: Error: an error that could not be read",
      );
      // A thrown object whose message loops is read for a short while only.
      const loop = await caught(() => sandbox.execute("throw { get message() { while (true) {} } }", "t"));
      expect(loop.code).toBe("js_error");
    } finally {
      sandbox.dispose();
    }
  });
});

describe("values leaving the sandbox", () => {
  it("are JSON, as JSON.stringify would write them", async () => {
    const { sandbox } = await box();
    try {
      expect(
        await sandbox.evaluate(
          "({ f: function () {}, s: Symbol('x'), u: undefined, d: new Date(0), n: new Number(3), nan: NaN, " +
            "list: [function () {}, undefined, Symbol('y'), -0, Infinity], t: { toJSON: function (k) { return 'key:' + k } } })",
          "t",
        ),
      ).toEqual({ d: "1970-01-01T00:00:00.000Z", n: 3, nan: null, list: [null, null, null, 0, null], t: "key:t" });
      for (const expr of ["undefined", "(function () {})", "Symbol('top')"]) {
        expect(await sandbox.evaluate(expr, expr)).toBeUndefined();
      }
      expect(await sandbox.evaluate("NaN", "t")).toBeNull();
      expect(await sandbox.evaluate("'\\u0000 and \\u2028'", "t")).toBe("\u0000 and \u2028");
    } finally {
      sandbox.dispose();
    }
  });

  it("turn a BigInt into a number when it is exact, and refuse it otherwise", async () => {
    const { sandbox } = await box();
    try {
      expect(await sandbox.evaluate("({ small: 10n, neg: -(2n ** 53n) + 1n, boxed: Object(5n) })", "t")).toEqual({
        small: 10,
        neg: -(2 ** 53) + 1,
        boxed: 5,
      });
      const err = await caught(() => sandbox.evaluate("({ big: [2n ** 64n] })", 'expression of Element "e"'));
      expect(err.code).toBe("js_output_bigint");
      expect(err.message).toBe(
        'expression of Element "e": its value (at .big[0]) is the BigInt 18446744073709551616n, beyond the integers a JSON number holds exactly (±2^53); convert it with String() or Number()',
      );
    } finally {
      sandbox.dispose();
    }
  });

  it("are bounded in depth, size and shape, with errors that say where", async () => {
    const { sandbox } = await box();
    try {
      const cases: [string, string, RegExp][] = [
        [
          "(function () { var o = {}; for (var i = 0; i < 100000; i++) o = { o: o }; return o })()",
          "js_output_too_deep",
          new RegExp(`^js: its value is nested more than ${MAX_OUTPUT_DEPTH} levels deep \\(at \\.o\\.o\\.o\\.o…`),
        ],
        ["(function () { var a = []; a.push({ a: a }); return { x: a } })()", "js_output_cyclic", /\(at \.x\[0\]\.a\)/],
        ["'x'.repeat(9 * 1024 * 1024)", "js_output_too_large", /more than 8 MiB of JSON/],
        ["new Array(1e9)", "js_output_too_large", /more than 8 MiB of JSON/],
        [
          "({ a: { get b() { throw new TypeError('no b') } } })",
          "js_output_unreadable",
          /^js: its value could not be read: TypeError: no b$/,
        ],
        [
          "({ toJSON: function () { throw new Error('nope') } })",
          "js_output_unreadable",
          /could not be read: Error: nope/,
        ],
        ["new Proxy({}, { ownKeys: function () { throw new Error('trap') } })", "js_output_unreadable", /Error: trap/],
        [
          "(function () { var p = Proxy.revocable({}, {}); p.revoke(); return [p.proxy] })()",
          "js_output_unreadable",
          /could not be read: TypeError: revoked proxy/,
        ],
      ];
      for (const [expr, code, message] of cases) {
        const err = await caught(() => sandbox.evaluate(expr, "js"));
        expect(err.code, expr).toBe(code);
        expect(err.message, expr).toMatch(message);
        expect(err.message, expr).not.toMatch(/Aborted|wasm|\.mjs|node:|at [A-Za-z]+ \(/);
      }
      // A Proxy whose traps answer plain values is read like the object it shows.
      expect(
        await sandbox.evaluate(
          "new Proxy({}, { ownKeys: function () { return ['a'] }, getOwnPropertyDescriptor: function () { return { value: 1, enumerable: true, configurable: true } }, get: function (t, k) { return k === 'a' ? 1 : undefined } })",
          "t",
        ),
      ).toEqual({ a: 1 });
      // A getter that loops is stopped by the evaluation's time limit.
      expect((await caught(() => sandbox.evaluate("({ get x() { while (true) {} } })", "t"))).code).toBe("js_timeout");
      // Nothing of this broke the interpreter.
      expect(await sandbox.evaluate("[1, 2, 3].length", "t")).toBe(3);
    } finally {
      sandbox.dispose();
    }
  });

  it("are read by the sandbox's own serializer, whatever user code did to the built-ins", async () => {
    const { sandbox } = await box();
    try {
      await sandbox.execute(
        [
          "JSON.stringify = function () { return '\"hijacked\"' };",
          "JSON.parse = function () { return 'hijacked' };",
          "Object.keys = function () { return ['hijacked'] };",
          "Array.isArray = function () { return false };",
          "Array.prototype.join = function () { return 'hijacked' };",
          "Array.prototype.push = function () { throw new Error('hijacked') };",
          "Object.defineProperty(Object.prototype, 'v', { get: function () { throw new Error('hijacked') }, set: function () { throw new Error('hijacked') } });",
          "Set.prototype.has = function () { return true };",
          "undefined",
        ].join("\n"),
        "tamper",
      );
      expect(await sandbox.evaluate("({ a: [1, 'two', { three: 3 }] })", "t")).toEqual({ a: [1, "two", { three: 3 }] });
      sandbox.setGlobal("given", { list: [1, 2] });
      expect(await sandbox.evaluate("given.list[1]", "t")).toBe(2);
      expect(await sandbox.evaluate("echo({ x: [1] })", "t")).toEqual({ x: [1] });
      // QuickJS's own JSON.stringify keeps its work list in an array: a setter user code puts on
      // Array.prototype runs there. It can only spoil that run's own value, with a clean error.
      await sandbox.execute(
        "Object.defineProperty(Array.prototype, '0', { set: function () { throw new Error('mine') } }); 1",
        "t",
      );
      const err = await caught(() => sandbox.evaluate("({ a: 1 })", "t"));
      expect(err.code).toBe("js_output_unreadable");
      expect(err.message).toBe("t: its value could not be read: Error: mine");
    } finally {
      sandbox.dispose();
    }
  });

  it("bound what host functions receive too", async () => {
    const { sandbox, logged } = await box();
    try {
      const message = await sandbox.evaluate(
        "(function () { var o = {}; for (var i = 0; i < 1000; i++) o = { o: o }; try { log(o) } catch (e) { return e.message } })()",
        "t",
      );
      expect(message).toBe(`log(): an argument cannot be passed (nested more than ${MAX_OUTPUT_DEPTH} levels deep)`);
      expect(logged).toEqual([]);
    } finally {
      sandbox.dispose();
    }
  });

  it("list the global variables for the debugger", async () => {
    const { sandbox } = await box();
    try {
      sandbox.setGlobal("given", 1);
      await sandbox.execute(
        "var a = [1]; var f = function () {}; var cyc = {}; cyc.cyc = cyc; var big = 2n ** 70n; var ok = 'yes'; undefined",
        "t",
      );
      expect(await sandbox.globals(new Set(["log", "echo", "fail", "session"]))).toEqual({
        given: 1,
        a: [1],
        cyc: "<not shown: js_output_cyclic>",
        big: "<not shown: js_output_bigint>",
        ok: "yes",
      });
    } finally {
      sandbox.dispose();
    }
  });
});

describe("sandboxes run off the event loop", () => {
  it("a looping sandbox holds neither the event loop nor another sandbox", async () => {
    const spinning = await box({ timeLimitMs: 1500 });
    const other = await box();
    try {
      const loop = caught(() => spinning.sandbox.execute("while (true) {}", "spin"));
      // Once the loop runs in its worker, timers still fire on time and another run's JavaScript
      // answers at once.
      await vi.waitFor(() => expect(sandboxPool().stats().busy).toBeGreaterThan(0));
      const started = performance.now();
      await new Promise((r) => setTimeout(r, 1));
      expect(performance.now() - started).toBeLessThan(100);
      const t = performance.now();
      expect(await other.sandbox.evaluate("6 * 7", "other")).toBe(42);
      expect(performance.now() - t).toBeLessThan(200);
      expect((await loop).code).toBe("js_timeout");
    } finally {
      spinning.sandbox.dispose();
      other.sandbox.dispose();
    }
  });

  it("a worker that dies fails its runs with a clean error and is replaced", async () => {
    const victim = await box({ timeLimitMs: 10_000 });
    // The fault is reported on the engine's stderr, never to the caller.
    const stderr = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const pending = caught(() => victim.sandbox.execute("while (true) {}", 'Sequence JS step "spin"'));
      await vi.waitFor(() => expect(sandboxPool().stats().busy).toBeGreaterThan(0));
      // Ends the worker from outside, as a WebAssembly abort or an out-of-memory kill would.
      const thread = sandboxPool()
        .threads()
        .find((w) => w.threadId === victim.sandbox.threadId);
      await thread?.terminate();
      const err = await pending;
      expect(err.code).toBe("sandbox_crashed");
      expect(err.message).toBe(
        'Sequence JS step "spin": the JavaScript sandbox of this run stopped unexpectedly; the run cannot go on',
      );
      expect((await caught(() => victim.sandbox.evaluate("1", "later"))).code).toBe("sandbox_crashed");
      const fresh = await box();
      try {
        expect(await fresh.sandbox.evaluate("1 + 2", "fresh")).toBe(3);
      } finally {
        fresh.sandbox.dispose();
      }
      expect(stderr).toHaveBeenCalledWith(expect.stringMatching(/^\[sandbox\] a sandbox worker stopped/));
    } finally {
      stderr.mockRestore();
      victim.sandbox.dispose();
    }
  });
});
