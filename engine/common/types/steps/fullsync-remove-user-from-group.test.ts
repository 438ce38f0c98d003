import { describe, expect, it } from "vitest";
import { fullSyncWorkspace } from "../../../node/testing/fullsync-harness.ts";

describe("Remove User From Group step", () => {
  it("takes a user out of a group (the session's user by default); removing twice is harmless", async () => {
    const ws = await fullSyncWorkspace({
      sequences: [
        {
          type: "Sequence",
          name: "Leave",
          children: [
            { type: "Variable", name: "group" },
            { type: "FullSyncRemoveUserFromGroup", name: "rm", group: "group" },
          ],
        },
      ],
    });
    try {
      await ws.fullsync.server.groups.addUserToGroup("alice", "sales");
      await ws.fullsync.server.groups.addUserToGroup("bob", "sales");
      const alice = ws.engine.sessions.create();
      alice.setUser("alice");
      expect(alice.groups).toEqual(["sales"]);
      const r = await ws.run({ sequence: "Leave", inputs: { group: "sales" }, session: alice, trace: true });
      expect(r.ok).toBe(true);
      expect(r.trace?.find((e) => e.name === "rm")?.output).toEqual({ user: "alice", group: "sales" });
      expect(alice.groups).toEqual([]);
      expect(await ws.fullsync.server.groups.usersOf("sales")).toEqual(["bob"]);
      const again = await ws.run({ sequence: "Leave", inputs: { group: "sales" }, session: alice });
      expect(again.ok).toBe(true);
    } finally {
      await ws.close();
    }
  });
});
