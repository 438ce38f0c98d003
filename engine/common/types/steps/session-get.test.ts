import { describe, expect, it } from "vitest";
import { testWorkspace } from "../../../node/testing/harness.ts";

describe("Session Get step", () => {
  it("reads what an earlier call of the same session stored", async () => {
    const ws = await testWorkspace({
      sequences: [
        { type: "Sequence", name: "Put", children: [{ type: "SessionSet", name: "s", key: "k", value: "kept" }] },
        {
          type: "Sequence",
          name: "Read",
          children: [
            { type: "SessionGet", name: "g", key: "k" },
            { type: "Element", name: "k", source: { step: "Read-0-g" } },
          ],
        },
      ],
    });
    try {
      const session = ws.engine.sessions.create();
      await ws.run({ sequence: "Put", inputs: {}, session });
      expect((await ws.run({ sequence: "Read", inputs: {}, session })).output).toEqual({ k: "kept" });
      expect((await ws.run({ sequence: "Read", inputs: {} })).output).toEqual({ k: null });
    } finally {
      await ws.close();
    }
  });
});
