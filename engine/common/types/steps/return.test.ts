import { describe, expect, it } from "vitest";
import { runSteps } from "../../../node/testing/harness.ts";

describe("Return step", () => {
  it("ends the sequence with the output built so far, from inside nested steps", async () => {
    const r = await runSteps([
      { type: "Element", name: "a", value: 1 },
      { type: "If", name: "cond", condition: "true", children: [{ type: "Return", name: "stop" }] },
      { type: "Element", name: "b", value: 2 },
    ]);
    expect(r.ok).toBe(true);
    expect(r.output).toEqual({ a: 1 });
  });
});
