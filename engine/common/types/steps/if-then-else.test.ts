import { describe, expect, it } from "vitest";
import { runSteps } from "../../../node/testing/harness.ts";

describe("If-Then-Else step", () => {
  const steps = [
    { type: "Variable", name: "ok", dataType: "boolean" },
    {
      type: "IfThenElse",
      name: "choice",
      condition: "ok",
      children: [
        { type: "Then", name: "Then", children: [{ type: "Element", name: "branch", value: "then" }] },
        { type: "Else", name: "Else", children: [{ type: "Element", name: "branch", value: "else" }] },
      ],
    },
  ];
  it("runs Then when true and Else when false", async () => {
    expect((await runSteps(steps, { ok: "true" })).output).toEqual({ branch: "then" });
    expect((await runSteps(steps, { ok: "false" })).output).toEqual({ branch: "else" });
  });
  it("refuses to run when it holds two Then", async () => {
    const r = await runSteps([
      {
        type: "IfThenElse",
        name: "bad",
        condition: "true",
        children: [
          { type: "Then", name: "a" },
          { type: "Then", name: "b" },
        ],
      },
    ]);
    expect(r.error?.code).toBe("invalid_object");
    expect(r.error?.message).toContain("at most one Then");
  });
});
