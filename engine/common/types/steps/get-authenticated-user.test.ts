import { describe, expect, it } from "vitest";
import { runSteps } from "../../../node/testing/harness.ts";

describe("Get Authenticated User step", () => {
  // lib_GoogleDrive's ClearRefreshToken: authenticatedUserID, read by the call's "user" variable.
  it("outputs the session's user and adds it to the response under its name", async () => {
    const r = await runSteps([
      { type: "SetAuthenticatedUser", name: "login", value: "alice" },
      { type: "GetAuthenticatedUser", name: "authenticatedUserID" },
      { type: "Element", name: "user", source: { step: "Main-1-authenticatedUserID" } },
    ]);
    expect(r.output).toEqual({ authenticatedUserID: "alice", user: "alice" });
  });

  // lib_GoogleSheet's checkAccessTokenGoogle: output false, read through a source only.
  it("answers null for an anonymous session, and stays out of the response when told", async () => {
    const r = await runSteps([
      { type: "GetAuthenticatedUser", name: "Get_authenticated_user", addToResponse: false },
      {
        type: "IfExists",
        name: "known",
        source: { step: "Main-0-Get_authenticated_user" },
        children: [{ type: "Element", name: "known", value: true }],
      },
      { type: "Element", name: "user", source: { step: "Main-0-Get_authenticated_user" } },
    ]);
    expect(r.output).toEqual({ user: null });
  });
});
