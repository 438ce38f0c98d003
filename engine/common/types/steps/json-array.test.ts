import { describe, expect, it } from "vitest";
import { runSteps } from "../../../node/testing/harness.ts";

describe("Array step", () => {
  it("appends the values of the steps inside it, objects included", async () => {
    const r = await runSteps([
      {
        type: "JsonArray",
        name: "list",
        children: [
          { type: "Element", name: "ignored", value: 1 },
          { type: "JsonObject", name: "obj", children: [{ type: "Element", name: "k", value: "v" }] },
          {
            type: "Iterator",
            name: "loop",
            expression: "[10, 20]",
            children: [{ type: "Element", name: "v", expression: "item * 2" }],
          },
        ],
      },
    ]);
    expect(r.output).toEqual({ list: [1, { k: "v" }, 20, 40] });
  });

  it("gives an empty list when nothing is appended", async () => {
    const r = await runSteps([{ type: "JsonArray", name: "empty" }]);
    expect(r.output).toEqual({ empty: [] });
  });

  it("kept out of the response (output: false), still gives its items to sources", async () => {
    const r = await runSteps([
      {
        type: "JsonArray",
        name: "ids",
        output: false,
        children: [
          { type: "Element", name: "id", value: 1 },
          { type: "Element", name: "id", value: 2 },
        ],
      },
      { type: "Element", name: "count", expression: 'step("Main-0-ids").length' },
    ]);
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual({ count: 2 });
  });
});
