import { describe, expect, it } from "vitest";
import { runSteps } from "../../../node/testing/harness.ts";

describe("Session Set / Get / Remove steps", () => {
  it("stores, reads and removes session values", async () => {
    const r = await runSteps([
      { type: "SessionSet", name: "put", key: "cart", expression: "({ items: [1, 2] })" },
      { type: "SessionGet", name: "get", key: "cart" },
      { type: "Element", name: "cart", source: { step: "Main-1-get", path: "items[1]" } },
      { type: "SessionRemove", name: "rm", key: "cart" },
      { type: "SessionGet", name: "again", key: "cart", default: "none" },
      { type: "Element", name: "after", source: { step: "Main-4-again" } },
      { type: "Element", name: "js", expression: "session.get('cart')" },
    ]);
    expect(r.output).toEqual({ cart: 2, after: "none", js: null });
  });
});
