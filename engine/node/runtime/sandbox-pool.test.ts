import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SandboxPool, type ContextSpec } from "./sandbox-pool.ts";

const spec = (over: Partial<ContextSpec> = {}): ContextSpec => ({
  timeLimitMs: 1000,
  memoryBytes: 16 * 1024 * 1024,
  deadline: Infinity,
  functions: [],
  namespaces: {},
  host: () => undefined,
  ...over,
});

const pools: SandboxPool[] = [];
function pool(opts: ConstructorParameters<typeof SandboxPool>[0]): SandboxPool {
  const p = new SandboxPool({ onFault: () => {}, ...opts });
  pools.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe("the sandbox pool", () => {
  it("gives each new context a worker of its own, keeps one spare, and shares only at its maximum", async () => {
    const p = pool({ base: 1, max: 3 });
    const a = await p.open(spec());
    const b = await p.open(spec());
    expect(b.worker).not.toBe(a.worker);
    const c = await p.open(spec());
    expect(new Set([a.worker, b.worker, c.worker]).size).toBe(3);
    // At the maximum: the least loaded worker takes the next one.
    const d = await p.open(spec());
    expect(p.stats().workers).toBe(3);
    expect([a.worker, b.worker, c.worker]).toContain(d.worker);
    for (const ctx of [a, b, c, d]) {
      expect(await ctx.call({ mode: "code", code: `${ctx.id} * 2` })).toMatchObject({
        ok: true,
        json: String(ctx.id * 2),
      });
    }
    for (const ctx of [a, b, c, d]) ctx.close();
    expect(p.stats().contexts).toBe(0);
  });

  it("ends workers beyond its base once they are idle", async () => {
    const p = pool({ base: 1, max: 3, idleMs: 50 });
    const contexts = [await p.open(spec()), await p.open(spec()), await p.open(spec())];
    expect(p.stats().workers).toBe(3);
    for (const ctx of contexts) ctx.close();
    await vi.waitFor(() => expect(p.stats().workers).toBe(1));
    const again = await p.open(spec());
    expect(await again.call({ mode: "code", code: "'still works'" })).toMatchObject({
      ok: true,
      json: '"still works"',
    });
  });

  it("ends a worker that stops answering, and answers its evaluation with a timeout", async () => {
    // A negative grace makes the watchdog fire during an ordinary loop, standing in for a worker
    // stuck in native code where the interrupt handler never runs.
    const p = pool({ base: 1, max: 2, graceMs: -900 });
    const stuck = await p.open(spec({ timeLimitMs: 1000 }));
    const started = Date.now();
    expect(await stuck.call({ mode: "code", code: "while (true) {}" })).toMatchObject({
      ok: false,
      code: "js_timeout",
    });
    expect(Date.now() - started).toBeLessThan(900);
    expect(await stuck.call({ mode: "code", code: "1" })).toMatchObject({ ok: false, code: "sandbox_crashed" });
    const fresh = await p.open(spec());
    expect(await fresh.call({ mode: "code", code: "1 + 1" })).toMatchObject({ ok: true, json: "2" });
  });

  it("stops user code stuck in QuickJS's native JSON.stringify, where no interrupt reaches it", async () => {
    // QuickJS's JSON.stringify recurses in C and scans its whole path for cycles at each level:
    // on a value nested 100,000 deep it runs for minutes without calling the interrupt handler.
    const p = pool({ base: 1, max: 2, graceMs: 500 });
    const ctx = await p.open(spec({ timeLimitMs: 300 }));
    const started = Date.now();
    const reply = await ctx.call({
      mode: "code",
      code: "var o = {}; for (var i = 0; i < 100000; i++) o = { o: o }; JSON.stringify(o).length",
    });
    expect(reply).toMatchObject({ ok: false, code: "js_timeout" });
    expect(Date.now() - started).toBeLessThan(5000);
    const next = await p.open(spec());
    expect(await next.call({ mode: "code", code: "'next'" })).toMatchObject({ ok: true, json: '"next"' });
  });

  it("replaces a worker whose WebAssembly memory grew large, once it hosts nothing", async () => {
    const p = pool({ base: 1, max: 2 });
    const hog = await p.open(spec({ memoryBytes: 512 * 1024 * 1024, timeLimitMs: 5000 }));
    const thread = hog.worker.worker;
    const exited = new Promise((resolve) => thread.once("exit", resolve));
    expect(
      await hog.call({
        mode: "code",
        code: "var kept = new ArrayBuffer(300 * 1024 * 1024); kept.byteLength",
      }),
    ).toMatchObject({ ok: true, json: String(300 * 1024 * 1024) });
    hog.close();
    await exited;
    expect(p.threads()).not.toContain(thread);
    const next = await p.open(spec());
    expect(await next.call({ mode: "code", code: "'fresh'" })).toMatchObject({ ok: true, json: '"fresh"' });
  });

  it("answers host functions synchronously for sandboxed code, from the main thread", async () => {
    const p = pool({ base: 1, max: 2 });
    const calls: unknown[][] = [];
    const ctx = await p.open(
      spec({
        functions: ["add"],
        namespaces: { session: ["get"] },
        host: (fn, args) => {
          calls.push([fn, ...args]);
          if (fn === "add") return (args[0] as number) + (args[1] as number);
          return { fn };
        },
      }),
    );
    expect(await ctx.call({ mode: "code", code: "add(1, 2) + add(3, 4)" })).toMatchObject({ ok: true, json: "10" });
    expect(await ctx.call({ mode: "code", code: "session.get('x').fn" })).toMatchObject({
      ok: true,
      json: '"session.get"',
    });
    expect(calls).toEqual([
      ["add", 1, 2],
      ["add", 3, 4],
      ["session.get", "x"],
    ]);
  });

  it("does not keep the process alive when idle, and does while an evaluation runs", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "atelier-pool-exit-"));
    try {
      const script = path.join(dir, "script.mts");
      const sandbox = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), "sandbox.ts")).href;
      await writeFile(
        script,
        [
          `import { Sandbox } from ${JSON.stringify(sandbox)};`,
          "const box = await Sandbox.create({ timeLimitMs: 2000, memoryBytes: 16 * 1024 * 1024 });",
          // Nothing but the pending evaluation holds the process while the loop runs.
          "box.evaluate('(function () { var s = Date.now(); while (Date.now() - s < 300) {} return \"late\" })()', 'wait')",
          "  .then((v) => { console.log(v); box.dispose(); });",
        ].join("\n"),
      );
      const started = Date.now();
      const out = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", script], { cwd: process.cwd() });
        let stdout = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.on("error", reject);
        child.on("exit", (code) => resolve({ code, stdout }));
      });
      expect(out).toEqual({ code: 0, stdout: "late\n" });
      // It exits on its own once idle (the test's own timeout catches a process that never does).
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
