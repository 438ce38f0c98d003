import { describe, expect, it } from "vitest";
import { runSteps } from "../../../node/testing/harness.ts";

describe("Remove Authenticated User step", () => {
  it("outputs the user it removed (none for an anonymous session)", async () => {
    const r = await runSteps([
      { type: "SetAuthenticatedUser", name: "in", value: "bob" },
      { type: "RemoveAuthenticatedUser", name: "out" },
      { type: "Element", name: "removed", source: { step: "Main-1-out", path: "removed" } },
      { type: "RemoveAuthenticatedUser", name: "again" },
      { type: "Element", name: "second", source: { step: "Main-3-again", path: "removed" } },
    ]);
    expect(r.output).toEqual({ removed: "bob", second: null });
  });
});
