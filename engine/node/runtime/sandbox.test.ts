import { describe, expect, it } from "vitest";
import { RunError } from "./run-error.ts";
import { Sandbox } from "./sandbox.ts";

async function box(opts: Partial<{ timeLimitMs: number; memoryBytes: number }> = {}) {
  const logged: unknown[][] = [];
  const sandbox = await Sandbox.create({
    timeLimitMs: opts.timeLimitMs ?? 1000,
    memoryBytes: opts.memoryBytes ?? 16 * 1024 * 1024,
    functions: { log: (...a: unknown[]) => void logged.push(a) },
    namespaces: { session: { get: () => "value" } },
  });
  return { sandbox, logged };
}

function caught(fn: () => unknown): RunError {
  try {
    fn();
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
      expect(sandbox.evaluate('"Hi " + name', "t")).toBe("Hi Ada");
      expect(sandbox.execute("var total = list.length; function twice(x) { return x * 2 }", "t")).toBeUndefined();
      expect(sandbox.evaluate("twice(total)", "t")).toBe(4);
      expect(sandbox.evaluate("({ list: list, n: null })", "t")).toEqual({ list: [1, { a: "b" }], n: null });
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
      ]) {
        expect(sandbox.evaluate(expr, expr)).toBe("undefined");
      }
      // The constructor chain only reaches the sandbox's own Function, whose global has no host.
      expect(sandbox.evaluate("this.constructor.constructor('return typeof process')()", "escape")).toBe("undefined");
      expect(sandbox.evaluate("log.constructor.constructor('return typeof process')()", "escape")).toBe("undefined");
      expect(sandbox.evaluate("session.get.constructor('return typeof require')()", "escape")).toBe("undefined");
      expect(
        sandbox.evaluate("typeof Object.getPrototypeOf(async function(){}).constructor('return process')", "escape"),
      ).toBe("function");
      expect(sandbox.evaluate("Object.getPrototypeOf(async function(){}).constructor('return 1')", "escape")).toBe(
        undefined,
      );
      expect(caught(() => sandbox.execute("import fs from 'fs'", "import")).message).toMatch(
        /could not load module 'fs'/,
      );
      // A dynamic import has no module loader behind it: nothing is loaded, no host value comes back.
      expect(sandbox.evaluate("typeof import('fs').then", "import")).toBe("function");
      expect(caught(() => sandbox.execute("require('child_process')", "require")).message).toMatch(/require/);
    } finally {
      sandbox.dispose();
    }
  });

  it("passes values out as JSON copies, never live host objects", async () => {
    const { sandbox, logged } = await box();
    try {
      sandbox.evaluate("log('a', {b: 1}, [2])", "log");
      expect(logged).toEqual([["a", { b: 1 }, [2]]]);
      expect(sandbox.evaluate("session.get()", "s")).toBe("value");
    } finally {
      sandbox.dispose();
    }
  });

  it("stops an endless loop at the time limit with a clear error", async () => {
    const { sandbox } = await box({ timeLimitMs: 150 });
    try {
      const started = Date.now();
      const err = caught(() => sandbox.execute("while (true) {}", 'Sequence JS step "spin"'));
      expect(Date.now() - started).toBeLessThan(2000);
      expect(err.code).toBe("js_timeout");
      expect(err.message).toContain('Sequence JS step "spin": stopped after 150 ms');
      // The sandbox is usable again after an interruption.
      expect(sandbox.evaluate("1 + 1", "after")).toBe(2);
    } finally {
      sandbox.dispose();
    }
  });

  it("stops code that uses too much memory", async () => {
    const { sandbox } = await box({ memoryBytes: 8 * 1024 * 1024 });
    try {
      const err = caught(() =>
        sandbox.execute("var a = []; while (true) a.push({ n: a.length, s: 'some text ' + a.length })", "hog"),
      );
      expect(err.code).toBe("js_memory");
      expect(err.message).toContain("more than 8 MiB");
    } finally {
      sandbox.dispose();
    }
  });

  it("survives runaway recursion", async () => {
    const { sandbox } = await box();
    try {
      const err = caught(() => sandbox.execute("function f() { return f() + 1 } f()", "rec"));
      expect(err.code).toBe("js_error");
      expect(err.message).toMatch(/stack|recursion/i);
    } finally {
      sandbox.dispose();
    }
  });

  it("reports syntax errors with their message", async () => {
    const { sandbox } = await box();
    try {
      const err = caught(() => sandbox.execute("var = 1", 'Sequence JS step "bad"'));
      expect(err.code).toBe("js_error");
      expect(err.message).toContain('Sequence JS step "bad": SyntaxError');
    } finally {
      sandbox.dispose();
    }
  });
});
