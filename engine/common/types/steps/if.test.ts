import { describe, expect, it } from "vitest";
import { runSteps } from "../../../node/testing/harness.ts";

describe("If step", () => {
  const steps = [
    { type: "Variable", name: "n", dataType: "integer" },
    { type: "If", name: "big", condition: "n > 10", children: [{ type: "Element", name: "size", value: "big" }] },
  ];
  it("runs its children when the condition is true", async () => {
    expect((await runSteps(steps, { n: "11" })).output).toEqual({ size: "big" });
  });
  it("skips them when it is false", async () => {
    expect((await runSteps(steps, { n: "3" })).output).toEqual({});
  });
  it("reports a broken condition with the step's name", async () => {
    const r = await runSteps([{ type: "If", name: "broken", condition: "nosuchvar > 1" }]);
    expect(r.error?.code).toBe("js_error");
    expect(r.error?.message).toMatch(/condition of If "broken".*nosuchvar/);
  });
});
