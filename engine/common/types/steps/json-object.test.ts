import { describe, expect, it } from "vitest";
import { runSteps } from "../../../node/testing/harness.ts";

describe("Object step", () => {
  it("builds a nested object from the steps inside it", async () => {
    const r = await runSteps([
      {
        type: "JsonObject",
        name: "person",
        children: [
          { type: "Element", name: "first", value: "Ada" },
          { type: "JsonObject", name: "address", children: [{ type: "Element", name: "city", value: "London" }] },
        ],
      },
    ]);
    expect(r.output).toEqual({ person: { first: "Ada", address: { city: "London" } } });
  });
});
