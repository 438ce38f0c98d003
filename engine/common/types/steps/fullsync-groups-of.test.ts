import { describe, expect, it } from "vitest";
import { fullSyncWorkspace } from "../../../node/testing/fullsync-harness.ts";

describe("Groups Of User step", () => {
  it("lists a user's FullSync groups, sorted; refuses a user that is not a name", async () => {
    const ws = await fullSyncWorkspace({
      sequences: [
        {
          type: "Sequence",
          name: "Of",
          children: [
            { type: "Variable", name: "who" },
            { type: "FullSyncGroupsOf", name: "g", user: "who" },
            { type: "Element", name: "groups", expression: 'step("g")' },
          ],
        },
      ],
    });
    try {
      await ws.fullsync.server.groups.addUserToGroup("carol", "zeta");
      await ws.fullsync.server.groups.addUserToGroup("carol", "alpha");
      expect((await ws.run({ sequence: "Of", inputs: { who: "carol" } })).output).toEqual({
        groups: ["alpha", "zeta"],
      });
      expect((await ws.run({ sequence: "Of", inputs: { who: "nobody" } })).output).toEqual({ groups: [] });
      const bad = await ws.run({ sequence: "Of", inputs: { who: "a\nb" } });
      expect(bad.error?.code).toBe("invalid_user");
    } finally {
      await ws.close();
    }
  });
});
