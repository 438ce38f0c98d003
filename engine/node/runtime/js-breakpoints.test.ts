import { describe, expect, it } from "vitest";
import { instrumentCode, snapLine, withPrefix } from "./js-breakpoints.ts";
import { Sandbox, type SandboxDebug } from "./sandbox.ts";

const LIMITS = { timeLimitMs: 1000, memoryBytes: 32 * 1024 * 1024 };

interface Pause {
  step: string;
  line: number;
  locals: Record<string, unknown>;
  globals: Record<string, unknown>;
}

/** A sandbox whose pauses are recorded and answered by `answer` (after `holdMs`). */
async function debugBox(answer: (p: Pause, n: number) => { s: boolean; b: Record<string, 1> }, holdMs = 0) {
  const pauses: Pause[] = [];
  const debug: SandboxDebug = {
    exclude: ["vars"],
    pause: async (step, line, locals, globals) => {
      const p = { step, line, locals, globals };
      pauses.push(p);
      if (holdMs) await new Promise((r) => setTimeout(r, holdMs));
      return answer(p, pauses.length);
    },
  };
  const box = await Sandbox.create({ ...LIMITS, debug, functions: { log: () => undefined } });
  return { box, pauses };
}

function run(box: Sandbox, code: string, stepId: string, keys: string[], outer: string[] = []): Promise<unknown> {
  const inst = instrumentCode(code, stepId, outer);
  if (!inst) throw new Error("not parsed");
  return box.execute(withPrefix(inst, keys), `Sequence JS step "${stepId}"`);
}

describe("line breakpoints: instrumenting", () => {
  it("keeps the completion value, the lines and the top-level lexical names", async () => {
    const code =
      '"use strict";\nvar total = 0;\nlet k = 2;\nfor (let i = 0; i < 3; i++) total += i * k;\nvar last = 1;';
    const inst = instrumentCode(code, "s1")!;
    expect(inst.lines).toEqual([2, 3, 4, 5]);
    expect(inst.lexicals).toEqual(["k"]);
    // Line numbers do not move: nothing inserted holds a newline.
    expect(withPrefix(inst, []).split("\n")).toHaveLength(5);
    const { box } = await debugBox(() => ({ s: false, b: {} }));
    try {
      // The completion value is the last statement that has one (`total += ...`), as without the checks.
      expect(await box.execute(withPrefix(inst, []), "plain")).toBe(6);
    } finally {
      box.dispose();
    }
  });

  it("leaves code it cannot parse alone, and snaps a line to the next statement", () => {
    expect(instrumentCode("let x = ;", "s1")).toBeUndefined();
    expect(snapLine([2, 5, 9], 3)).toBe(5);
    expect(snapLine([2, 5, 9], 10)).toBeUndefined();
  });
});

describe("line breakpoints: pausing in the sandbox", () => {
  it("pauses at a line with the let / const in scope, steps to the next line, and goes on", async () => {
    const { box, pauses } = await debugBox((_p, n): { s: boolean; b: Record<string, 1> } =>
      n === 1 ? { s: true, b: { "js:5": 1 } } : { s: false, b: {} },
    );
    try {
      box.setGlobal("vars", { a: 1 });
      const code = [
        "var base = 10;", // 1
        "function twice(p) {", // 2
        "  const doubled = p * 2;", // 3
        "  let note = 'x';", // 4
        "  return doubled + base;", // 5
        "}", // 6
        "const result = twice(4);", // 7
        "result", // 8
      ].join("\n");
      const out = await run(box, code, "js", ["js:5"]);
      expect(out).toBe(18);
      // Stepping from inside `twice` goes on to the next statement run: line 8, after the call returns.
      expect(pauses.map((p) => p.line)).toEqual([5, 8]);
      const first = pauses[0]!;
      expect(first.step).toBe("js");
      expect(first.locals).toMatchObject({ p: 4, doubled: 8, note: "x" });
      // `result` is in its temporal dead zone while `twice` runs: left out, not an error.
      expect(first.locals).not.toHaveProperty("result");
      expect(first.globals).toMatchObject({ base: 10 });
      expect(first.globals).not.toHaveProperty("vars");
      expect(first.globals).not.toHaveProperty("__atl");
      expect(pauses[1]!.locals).toMatchObject({ result: 18 });
    } finally {
      box.dispose();
    }
  });

  it("does not count paused time against the evaluation's time limit", { timeout: 20_000 }, async () => {
    // 2 × 350 ms of work around a 3.2 s pause, under a 1 s limit: only the work counts (and the
    // pool does not take the silent worker for hung: 3.2 s is past the limit plus its grace).
    const { box, pauses } = await debugBox(() => ({ s: false, b: {} }), 3200);
    try {
      const code = [
        "var t = Date.now(); while (Date.now() - t < 350) {}",
        "var after = 1;",
        "t = Date.now(); while (Date.now() - t < 350) {}",
        "after + 1",
      ].join("\n");
      const started = Date.now();
      expect(await run(box, code, "slow", ["slow:2"])).toBe(2);
      expect(Date.now() - started).toBeGreaterThan(3800);
      expect(pauses).toHaveLength(1);
    } finally {
      box.dispose();
    }
    // Without the pause, the limit still holds.
    const { box: other } = await debugBox(() => ({ s: false, b: {} }));
    try {
      await expect(run(other, "var t = Date.now(); while (Date.now() - t < 1500) {}", "loop", [])).rejects.toThrow(
        /stopped after 1000 ms/,
      );
    } finally {
      other.dispose();
    }
  });

  it("ends a paused evaluation when the sandbox is closed (the run stopped)", async () => {
    let release: (() => void) | undefined;
    const debug: SandboxDebug = {
      pause: () =>
        new Promise((resolve) => {
          release = () => resolve({ s: false, b: {} });
        }),
    };
    const box = await Sandbox.create({ ...LIMITS, debug });
    const inst = instrumentCode("var a = 1;\na + 1", "st")!;
    const running = box.execute(withPrefix(inst, ["st:2"]), "stopped step");
    await expect.poll(() => release !== undefined).toBe(true);
    const started = Date.now();
    box.dispose();
    await expect(running).rejects.toThrow(/the run has ended/);
    expect(Date.now() - started).toBeLessThan(1500);
    release!();
  });

  it("shows top-level let / const of earlier code in a scope snapshot", async () => {
    const { box } = await debugBox(() => ({ s: false, b: {} }));
    try {
      await box.execute("let counter = 3; const label = 'n'; var plain = true;", "first");
      const scope = await box.globals(new Set(["log"]), ["counter", "label", "missing", "bad name"]);
      expect(scope).toEqual({ plain: true, counter: 3, label: "n" });
    } finally {
      box.dispose();
    }
  });
});
