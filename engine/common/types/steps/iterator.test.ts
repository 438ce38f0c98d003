import { describe, expect, it } from "vitest";
import { runSteps } from "../../../node/testing/harness.ts";

describe("Iterator step", () => {
  it("iterates over a source list with item and index", async () => {
    const r = await runSteps([
      { type: "Element", name: "data", value: ["a", "b", "c"] },
      {
        type: "JsonArray",
        name: "out",
        children: [
          {
            type: "Iterator",
            name: "each",
            source: { step: "Main-0-data" },
            children: [{ type: "Element", name: "x", expression: "index + ':' + item" }],
          },
        ],
      },
    ]);
    expect(r.output).toEqual({ data: ["a", "b", "c"], out: ["0:a", "1:b", "2:c"] });
  });
  it("honours custom variable names and the maximum", async () => {
    const r = await runSteps([
      { type: "SequenceJS", name: "init", code: "var seen = [];" },
      {
        type: "Iterator",
        name: "each",
        expression: "[1,2,3,4]",
        itemName: "v",
        indexName: "i",
        maxIterations: 2,
        children: [{ type: "SequenceJS", name: "push", code: "seen.push(v * 10 + i)" }],
      },
      { type: "Element", name: "seen", expression: "seen" },
    ]);
    expect(r.output).toEqual({ seen: [10, 21] });
  });
  it("iterates zero times over nothing", async () => {
    const r = await runSteps([
      { type: "Iterator", name: "each", expression: "null", children: [{ type: "Element", name: "x", value: 1 }] },
    ]);
    expect(r.output).toEqual({});
  });
});
