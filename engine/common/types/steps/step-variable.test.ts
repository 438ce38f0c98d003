import { describe, expect, it } from "vitest";
import { acceptsChild } from "../../model/registry.ts";
import { runSteps } from "../../../node/testing/harness.ts";

describe("Step variable", () => {
  it("belongs to call steps only", () => {
    expect(acceptsChild("CallSequence", "StepVariable")).toBe(true);
    expect(acceptsChild("CallTransaction", "StepVariable")).toBe(true);
    expect(acceptsChild("Sequence", "StepVariable")).toBe(false);
  });
  it("gives a value from a source, an expression or a constant", async () => {
    const r = await runSteps(
      [
        { type: "Element", name: "src", value: { v: "from source" } },
        {
          type: "CallSequence",
          name: "call",
          sequence: "Echo",
          children: [
            { type: "StepVariable", name: "a", source: { step: "Main-0-src", path: "v" } },
            { type: "StepVariable", name: "b", expression: "'from ' + 'expression'" },
            { type: "StepVariable", name: "c", value: "constant" },
          ],
        },
        { type: "Element", name: "echo", source: { step: "Main-1-call" } },
      ],
      {},
      {
        sequences: [
          {
            type: "Sequence",
            name: "Echo",
            children: [
              { type: "Variable", name: "a" },
              { type: "Variable", name: "b" },
              { type: "Variable", name: "c" },
              { type: "Element", name: "all", expression: "[a, b, c]" },
            ],
          },
        ],
      },
    );
    expect(r.output).toMatchObject({ echo: { all: ["from source", "from expression", "constant"] } });
  });
});
