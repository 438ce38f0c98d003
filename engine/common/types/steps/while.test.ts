import { describe, expect, it } from "vitest";
import { runSteps } from "../../../node/testing/harness.ts";

describe("While step", () => {
  it("loops while its condition holds", async () => {
    const r = await runSteps([
      { type: "SequenceJS", name: "init", code: "var i = 0;" },
      { type: "While", name: "loop", condition: "i < 5", children: [{ type: "SequenceJS", name: "inc", code: "i++" }] },
      { type: "Element", name: "i", expression: "i" },
    ]);
    expect(r.output).toEqual({ i: 5 });
  });
  it("ends with a clear error past its maximum iterations", async () => {
    const r = await runSteps([{ type: "While", name: "forever", condition: "true", maxIterations: 50 }]);
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe("max_iterations");
    expect(r.error?.message).toContain('While "forever" went past its maximum of 50 iterations');
  });
});
