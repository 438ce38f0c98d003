import { afterEach, describe, expect, it, vi } from "vitest";
import { runSteps } from "../testing/harness.ts";
import { Sandbox } from "./sandbox.ts";

// An expression that only names a variable is answered without starting a JavaScript sandbox;
// everything else, and any expression once JavaScript may have changed a variable, goes through it.
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

  it("still go through the sandbox for anything more than a name", async () => {
    const create = vi.spyOn(Sandbox, "create");
    const r = await runSteps(
      [
        { type: "Variable", name: "name" },
        { type: "Element", name: "greeting", expression: "'Hi ' + name" },
      ],
      { name: "Ada" },
    );
    expect(r.output).toEqual({ greeting: "Hi Ada" });
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
