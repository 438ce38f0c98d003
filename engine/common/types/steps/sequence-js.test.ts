import { describe, expect, it } from "vitest";
import { runSteps } from "../../../node/testing/harness.ts";

describe("Sequence JS step", () => {
  it("shares declarations with later steps and outputs its completion value", async () => {
    const r = await runSteps(
      [
        { type: "Variable", name: "name" },
        { type: "SequenceJS", name: "js", code: "var greeting = 'Hi ' + name;\ngreeting.length" },
        { type: "Element", name: "g", expression: "greeting" },
        { type: "Element", name: "len", source: { step: "Main-1-js" } },
      ],
      { name: "Bo" },
    );
    expect(r.output).toEqual({ g: "Hi Bo", len: 5 });
  });
  it("reads earlier outputs with step() and writes the log", async () => {
    const r = await runSteps([
      { type: "Element", name: "data", value: { n: 4 } },
      { type: "SequenceJS", name: "js", code: "log('n is', step('data').n); step('Main-0-data').n * 2" },
      { type: "Element", name: "double", source: { step: "Main-1-js" } },
    ]);
    expect(r.output).toMatchObject({ double: 8 });
  });
  it("reports a JavaScript error with the step's name and line", async () => {
    const r = await runSteps([{ type: "SequenceJS", name: "bad", code: "var a = 1;\nthrow new Error('nope');" }]);
    expect(r.error?.code).toBe("js_error");
    expect(r.error?.message).toContain('Sequence JS step "bad"');
    expect(r.error?.message).toContain("nope");
  });
});
