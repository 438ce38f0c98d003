import { describe, expect, it } from "vitest";
import { acceptsChild } from "../../model/registry.ts";

describe("Then", () => {
  it("only lives in an If-Then-Else", () => {
    expect(acceptsChild("IfThenElse", "Then")).toBe(true);
    expect(acceptsChild("Sequence", "Then")).toBe(false);
    expect(acceptsChild("If", "Then")).toBe(false);
  });
});
