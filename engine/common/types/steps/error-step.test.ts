import { describe, expect, it } from "vitest";
import { runSteps } from "../../../node/testing/harness.ts";

describe("Error step", () => {
  it("ends the run with its code, message and details; later steps do not run", async () => {
    const r = await runSteps([
      { type: "Element", name: "before", value: 1 },
      {
        type: "Error",
        name: "boom",
        code: "42",
        message: "Deliberate failure",
        details: "({ reason: 'test' })",
        httpStatus: 422,
      },
      { type: "Element", name: "after", value: 2 },
    ]);
    expect(r.ok).toBe(false);
    expect(r.error).toMatchObject({
      code: 42,
      message: "Deliberate failure",
      details: { reason: "test" },
      status: 422,
    });
    expect(r.trace?.map((e) => e.name)).toEqual(["before", "boom"]);
  });
  it("keeps a non-numeric code as text and can compute its message", async () => {
    const r = await runSteps([{ type: "Error", name: "e", code: "E_NOPE", messageExpression: "'no ' + 1" }]);
    expect(r.error).toMatchObject({ code: "E_NOPE", message: "no 1", status: 500 });
  });
});
