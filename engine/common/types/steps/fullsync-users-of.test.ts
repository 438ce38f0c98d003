import { describe, expect, it } from "vitest";
import { fullSyncWorkspace } from "../../../node/testing/fullsync-harness.ts";

describe("Users Of Group step", () => {
  it("lists the users of a group, sorted", async () => {
    const ws = await fullSyncWorkspace({
      sequences: [
        {
          type: "Sequence",
          name: "Members",
          children: [
            { type: "FullSyncUsersOf", name: "u", group: '"sales"' },
            { type: "Element", name: "users", expression: 'step("u")' },
          ],
        },
      ],
    });
    try {
      expect((await ws.run({ sequence: "Members", inputs: {} })).output).toEqual({ users: [] });
      await ws.fullsync.server.groups.addUserToGroup("bob", "sales");
      await ws.fullsync.server.groups.addUserToGroup("alice", "sales");
      await ws.fullsync.server.groups.addUserToGroup("carol", "hr");
      expect((await ws.run({ sequence: "Members", inputs: {} })).output).toEqual({ users: ["alice", "bob"] });
    } finally {
      await ws.close();
    }
  });
});
