import { describe, expect, it } from "vitest";
import { testWorkspace } from "../../../node/testing/harness.ts";

describe("Set / Remove Authenticated User steps", () => {
  it("puts the user and groups in the session, then removes them", async () => {
    const ws = await testWorkspace({
      sequences: [
        {
          type: "Sequence",
          name: "Login",
          children: [
            { type: "Variable", name: "user" },
            { type: "SetAuthenticatedUser", name: "set", expression: "user", groups: "['sales', 'staff']" },
          ],
        },
        { type: "Sequence", name: "Logout", children: [{ type: "RemoveAuthenticatedUser", name: "rm" }] },
      ],
    });
    try {
      const session = ws.engine.sessions.create();
      const r = await ws.run({ sequence: "Login", inputs: { user: "alice" }, session });
      expect(r.ok).toBe(true);
      expect(session.user).toBe("alice");
      expect(session.groups).toEqual(["sales", "staff"]);
      await ws.run({ sequence: "Logout", inputs: {}, session });
      expect(session.user).toBeUndefined();
      expect(session.groups).toEqual([]);
    } finally {
      await ws.close();
    }
  });
  it("refuses an empty user", async () => {
    const ws = await testWorkspace({
      sequences: [
        {
          type: "Sequence",
          name: "Login",
          children: [{ type: "SetAuthenticatedUser", name: "set", expression: "''" }],
        },
      ],
    });
    try {
      const r = await ws.run({ sequence: "Login", inputs: {} });
      expect(r.error?.code).toBe("invalid_user");
    } finally {
      await ws.close();
    }
  });
});
