import { describe, expect, it } from "vitest";
import { runSteps } from "../../../node/testing/harness.ts";

describe("Call Sequence step", () => {
  it("runs another sequence with its step variables and outputs its output", async () => {
    const r = await runSteps(
      [
        {
          type: "CallSequence",
          name: "call",
          sequence: "Double",
          children: [{ type: "StepVariable", name: "x", expression: "20 + 1" }],
        },
        { type: "Element", name: "result", source: { step: "Main-0-call", path: "double" } },
      ],
      {},
      {
        sequences: [
          {
            type: "Sequence",
            name: "Double",
            accessibility: "Private",
            children: [
              { type: "Variable", name: "x", dataType: "number" },
              { type: "Element", name: "double", expression: "x * 2" },
            ],
          },
        ],
      },
    );
    expect(r.output).toEqual({ result: 42 });
    expect(r.trace?.find((e) => e.name === "double")?.depth).toBe(1);
  });
  it("passes the called sequence's error up", async () => {
    const r = await runSteps(
      [{ type: "CallSequence", name: "call", sequence: "Boom" }],
      {},
      {
        sequences: [
          { type: "Sequence", name: "Boom", children: [{ type: "Error", name: "e", code: "7", message: "inner" }] },
        ],
      },
    );
    expect(r.error).toMatchObject({ code: 7, message: "inner" });
  });
  it("stops endless recursion with a clear error", async () => {
    const r = await runSteps([{ type: "CallSequence", name: "self", sequence: "Main" }]);
    expect(r.error?.code).toBe("call_depth");
  });
  it("names an unknown sequence", async () => {
    const r = await runSteps([{ type: "CallSequence", name: "c", sequence: "Nope" }]);
    expect(r.error?.message).toContain('no sequence named "Nope"');
  });

  it("adds the called sequence's output to the response under its name when output is on", async () => {
    const double = {
      type: "Sequence",
      name: "Double",
      children: [
        { type: "Variable", name: "x", dataType: "number" },
        { type: "Element", name: "double", expression: "x * 2" },
      ],
    };
    const call = (output?: boolean) => ({
      type: "CallSequence",
      name: "call",
      sequence: "Double",
      ...(output === undefined ? {} : { output }),
      children: [{ type: "StepVariable", name: "x", value: 4 }],
    });
    const shown = await runSteps([call(true)], {}, { sequences: [double] });
    expect(shown.output).toEqual({ call: { double: 8 } });
    // Off by default, as Convertigo's Call Sequence (output: false).
    const hidden = await runSteps([call()], {}, { sequences: [double] });
    expect(hidden.output).toEqual({});
  });
});
