import { describe, expect, it } from "vitest";
import { testWorkspace } from "../../../node/testing/harness.ts";

describe("Session Remove step", () => {
  it("removes a key for later calls of the session", async () => {
    const ws = await testWorkspace({
      sequences: [{ type: "Sequence", name: "Main", children: [{ type: "SessionRemove", name: "r", key: "k" }] }],
    });
    try {
      const session = ws.engine.sessions.create();
      session.set("k", 1);
      session.set("other", 2);
      await ws.run({ sequence: "Main", inputs: {}, session });
      expect(session.get("k")).toBeUndefined();
      expect(session.get("other")).toBe(2);
    } finally {
      await ws.close();
    }
  });
});
