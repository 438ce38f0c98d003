import { describe, expect, it } from "vitest";
import { fullSyncWorkspace } from "../../../node/testing/fullsync-harness.ts";
import { runSteps } from "../../../node/testing/harness.ts";

describe("FullSync group steps (Add User To Group, Remove User From Group, Groups Of User, Users Of Group)", () => {
  it("keep memberships in the group store; sessions see a user's groups", async () => {
    const ws = await fullSyncWorkspace({
      sequences: [
        {
          type: "Sequence",
          name: "Join",
          children: [
            { type: "Variable", name: "user" },
            { type: "Variable", name: "group" },
            { type: "FullSyncAddUserToGroup", name: "add", user: "user", group: "group" },
          ],
        },
        {
          type: "Sequence",
          name: "Leave",
          children: [
            { type: "Variable", name: "group" },
            { type: "FullSyncRemoveUserFromGroup", name: "rm", group: "group" },
          ],
        },
        {
          type: "Sequence",
          name: "Lists",
          children: [
            { type: "FullSyncGroupsOf", name: "mine" },
            { type: "FullSyncGroupsOf", name: "bobs", user: '"bob"' },
            { type: "FullSyncUsersOf", name: "sales", group: '"sales"' },
            { type: "Element", name: "mine", expression: 'step("mine")' },
            { type: "Element", name: "bobs", expression: 'step("bobs")' },
            { type: "Element", name: "sales", expression: 'step("sales")' },
          ],
        },
      ],
    });
    try {
      for (const [user, group] of [
        ["alice", "sales"],
        ["alice", "hr"],
        ["bob", "sales"],
      ]) {
        const r = await ws.run({ sequence: "Join", inputs: { user, group } });
        expect(r.ok).toBe(true);
      }
      const alice = ws.engine.sessions.create();
      alice.setUser("alice", ["staff"]);
      const lists = await ws.run({ sequence: "Lists", inputs: {}, session: alice });
      expect(lists.output).toEqual({ mine: ["hr", "sales"], bobs: ["sales"], sales: ["alice", "bob"] });
      expect([...alice.groups].sort()).toEqual(["hr", "sales", "staff"]);

      const left = await ws.run({ sequence: "Leave", inputs: { group: "hr" }, session: alice });
      expect(left.ok).toBe(true);
      expect([...alice.groups].sort()).toEqual(["sales", "staff"]);
      expect(await ws.fullsync.server.groups.usersOf("hr")).toEqual([]);
    } finally {
      await ws.close();
    }
  });

  it("refuse bad names, a missing user, and say when FullSync is not running", async () => {
    const ws = await fullSyncWorkspace({
      sequences: [
        {
          type: "Sequence",
          name: "Empty",
          children: [{ type: "FullSyncAddUserToGroup", name: "a", user: '"x"', group: '""' }],
        },
        { type: "Sequence", name: "NoUser", children: [{ type: "FullSyncGroupsOf", name: "g" }] },
      ],
    });
    try {
      const empty = await ws.run({ sequence: "Empty", inputs: {} });
      expect(empty.error?.code).toBe("invalid_group");
      expect(empty.error?.message).toBe('Add User To Group "a": the group must be a non-empty text');
      const noUser = await ws.run({ sequence: "NoUser", inputs: {} });
      expect(noUser.error?.code).toBe("missing_user");
    } finally {
      await ws.close();
    }
    const off = await runSteps([{ type: "FullSyncUsersOf", name: "u", group: '"sales"' }]);
    expect(off.error?.code).toBe("fullsync_unavailable");
    expect(off.error?.message).toMatch(/^Users Of Group "u": FullSync is not running/);
  });
});
