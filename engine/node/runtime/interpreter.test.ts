import { afterEach, describe, expect, it, vi } from "vitest";
import { getType, listTypes } from "../../common/model/registry.ts";
import { runSteps, testWorkspace } from "../testing/harness.ts";
import { resolvedProp } from "./interpreter.ts";
import { sandboxPool } from "./sandbox-pool.ts";
import { Sandbox } from "./sandbox.ts";

// An expression of literals and variables joined by + is answered without starting a JavaScript
// sandbox (simple-expression.ts); everything else, and any expression once JavaScript may have
// changed a variable, goes through it.
describe("expressions naming a variable", () => {
  afterEach(() => vi.restoreAllMocks());

  it("give the variable's value without a sandbox", async () => {
    const create = vi.spyOn(Sandbox, "create");
    const r = await runSteps(
      [
        { type: "Variable", name: "name" },
        { type: "Element", name: "plain", expression: "name" },
        { type: "Element", name: "spaced", expression: "  name " },
      ],
      { name: "Ada" },
    );
    expect(r.ok).toBe(true);
    expect(r.output).toEqual({ plain: "Ada", spaced: "Ada" });
    expect(create).not.toHaveBeenCalled();
    expect(r.trace?.find((e) => e.name === "plain")?.inputs).toEqual({ expression: "name" });
  });

  it("join literals and plain variables with + without a sandbox, as JavaScript does", async () => {
    const create = vi.spyOn(Sandbox, "create");
    const r = await runSteps(
      [
        { type: "Variable", name: "name" },
        { type: "Variable", name: "n", dataType: "number" },
        { type: "Element", name: "greeting", expression: "'Hi ' + name + \"!\"" },
        { type: "Element", name: "sum", expression: "n + 1 + 'x'" },
        {
          type: "If",
          name: "check",
          condition: "name + ''",
          children: [{ type: "Element", name: "inside", value: 1 }],
        },
      ],
      { name: "Ada", n: "2" },
    );
    expect(r.output).toEqual({ greeting: "Hi Ada!", sum: "3x", inside: 1 });
    expect(create).not.toHaveBeenCalled();
  });

  it("still go through the sandbox for anything more than literals, names and +", async () => {
    const create = vi.spyOn(Sandbox, "create");
    const r = await runSteps(
      [
        { type: "Variable", name: "name" },
        { type: "Element", name: "greeting", expression: "'Hi ' + name.toUpperCase()" },
      ],
      { name: "Ada" },
    );
    expect(r.output).toEqual({ greeting: "Hi ADA" });
    expect(create).toHaveBeenCalledTimes(1);
  });

  it("read a variable changed by JavaScript from the sandbox", async () => {
    const r = await runSteps(
      [
        { type: "Variable", name: "name" },
        { type: "SequenceJS", name: "js", code: "name = name + '!';" },
        { type: "Element", name: "after", expression: "name" },
      ],
      { name: "Ada" },
    );
    expect(r.output).toEqual({ after: "Ada!" });
  });

  it("keep the sandbox's answers for lists, unknown names and keywords", async () => {
    const r = await runSteps(
      [
        { type: "Variable", name: "n", multiValued: true },
        { type: "Element", name: "list", expression: "n" },
        { type: "Element", name: "literal", expression: "true" },
      ],
      { n: ["1", "2"] },
    );
    expect(r.output).toEqual({ list: ["1", "2"], literal: true });
    const missing = await runSteps([{ type: "Element", name: "x", expression: "nowhere" }]);
    expect(missing.ok).toBe(false);
    expect(missing.error?.message).toMatch(/nowhere/);
  });
});

// `${name}` placeholders are resolved in properties, never in JavaScript: in code, `${x}` is the
// language's own template syntax, and settings are read with setting("name").
describe("settings and JavaScript", () => {
  const settings = [{ type: "Setting", name: "plain", value: "from-setting" }];

  it("never substitute a placeholder inside code or an expression", async () => {
    const r = await runSteps(
      [
        { type: "SequenceJS", name: "js", code: "var plain = 'from-js'; var other = 1; `value=${plain}`" },
        { type: "Element", name: "fromCode", source: { step: "Main-0-js" } },
        // `${other}` names no setting: substituted, it would have ended the run (missing_setting).
        { type: "Element", name: "expression", expression: "`v=${plain}, ${other}`" },
        { type: "Element", name: "setting", expression: "setting('plain')" },
        {
          type: "If",
          name: "if",
          condition: "`${plain}` === 'from-js'",
          children: [{ type: "Element", name: "ran", value: true }],
        },
        // A property that is not JavaScript still takes the setting.
        { type: "Element", name: "property", value: "${plain}" },
        { type: "Error", name: "err", messageExpression: "`msg=${plain}`" },
      ],
      {},
      { settings },
    );
    expect(r.error?.message).toBe("msg=from-js");
    expect(r.trace?.find((e) => e.name === "js")?.output).toBe("value=from-js");
    const outputs = Object.fromEntries((r.trace ?? []).map((e) => [e.name, e.output]));
    expect(outputs).toMatchObject({ expression: "v=from-js, 1", setting: "from-setting", property: "from-setting" });
    expect(outputs.ran).toBe(true);
  });

  it("leave every code and expression property of every type as written", async () => {
    let checked = 0;
    for (const { type } of listTypes()) {
      for (const p of getType(type)?.props ?? []) {
        if (p.kind !== "code" && p.kind !== "expression") continue;
        const node = { type, name: "n", id: "n", props: { [p.name]: "`${missing}`" }, children: [] };
        expect(
          resolvedProp(node as never, p.name, () => undefined),
          `${type}.${p.name}`,
        ).toBe("`${missing}`");
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10);
  });
});

describe("the run's JavaScript", () => {
  it("hands loop variables to the sandbox with the next evaluation", async () => {
    const r = await runSteps([
      { type: "Element", name: "list", value: [1, 2, 3] },
      {
        type: "Iterator",
        name: "each",
        source: { step: "Main-0-list" },
        children: [
          {
            type: "SequenceJS",
            name: "sum",
            code: "var total = (typeof total === 'number' ? total : 0) + item * index",
          },
        ],
      },
      { type: "Element", name: "total", expression: "total" },
    ]);
    expect(r.output).toMatchObject({ total: 0 * 1 + 1 * 2 + 2 * 3 });
  });

  it("frees its sandbox when the run ends, even on an error", async () => {
    const r = await runSteps([
      { type: "SequenceJS", name: "a", code: "var x = 1" },
      { type: "SequenceJS", name: "b", code: "throw new Error('stop')" },
    ]);
    expect(r.error?.message).toBe('Sequence JS step "b": Error: stop (line 1)');
    await vi.waitFor(() => expect(sandboxPool().stats().contexts).toBe(0));
  });

  it("interrupts the JavaScript of a run that is stopped, freeing its worker at once", async () => {
    const ws = await testWorkspace({
      sequences: [
        { type: "Sequence", name: "Spin", children: [{ type: "SequenceJS", name: "spin", code: "while (true) {}" }] },
      ],
    });
    try {
      const stop = new AbortController();
      const run = ws.run({ sequence: "Spin", inputs: {}, signal: stop.signal });
      await vi.waitFor(() => expect(sandboxPool().stats().busy).toBeGreaterThan(0));
      const stopped = Date.now();
      stop.abort();
      expect((await run).error?.code).toBe("stopped");
      // Well before the evaluation's own 5 s limit.
      await vi.waitFor(() => expect(sandboxPool().stats().busy).toBe(0), { timeout: 2000 });
      expect(Date.now() - stopped).toBeLessThan(2000);
    } finally {
      await ws.close();
    }
  });
});
