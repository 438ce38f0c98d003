import { describe, expect, it } from "vitest";
import { acceptsChild } from "../../model/registry.ts";

describe("Else", () => {
  it("only lives in an If-Then-Else, and holds steps", () => {
    expect(acceptsChild("IfThenElse", "Else")).toBe(true);
    expect(acceptsChild("JsonObject", "Else")).toBe(false);
    expect(acceptsChild("Else", "Element")).toBe(true);
  });
});
