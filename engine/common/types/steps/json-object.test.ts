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

  it("kept out of the response (output: false), its children fill it for sources only", async () => {
    // Convertigo's Bitly Shorten: a hidden complex element built as a request body.
    const r = await runSteps([
      {
        type: "JsonObject",
        name: "object",
        output: false,
        children: [
          { type: "Element", name: "long_url", value: "https://www.convertigo.com" },
          { type: "Element", name: "domain", value: "bit.ly" },
        ],
      },
      { type: "Element", name: "body", source: { step: "Main-0-object" } },
    ]);
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual({ body: { long_url: "https://www.convertigo.com", domain: "bit.ly" } });
  });
});
