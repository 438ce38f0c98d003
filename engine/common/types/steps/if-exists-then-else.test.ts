import { describe, expect, it } from "vitest";
import { runSteps } from "../../../node/testing/harness.ts";

describe("If exists-Then-Else step", () => {
  // As lib_FullSyncGrp's SetUserInGroup: was the document written (ok[.="true"])?
  const steps = (answer: unknown) => [
    { type: "SessionGet", name: "post", key: "absent", default: answer },
    {
      type: "IfExistsThenElse",
      name: "written",
      source: { step: "Main-0-post", path: "ok" },
      equals: "true",
      children: [
        { type: "Then", name: "Then", children: [{ type: "Element", name: "result", value: "added" }] },
        { type: "Else", name: "Else", children: [{ type: "Element", name: "result", value: "failed" }] },
      ],
    },
  ];
  it("runs Then when the source selects something, Else otherwise", async () => {
    expect((await runSteps(steps({ ok: true, id: "x" }))).output).toEqual({ result: "added" });
    expect((await runSteps(steps({ error: "conflict" }))).output).toEqual({ result: "failed" });
  });
  it("refuses to run when it holds two Else", async () => {
    const r = await runSteps([
      {
        type: "IfExistsThenElse",
        name: "bad",
        expression: "1",
        children: [
          { type: "Else", name: "a" },
          { type: "Else", name: "b" },
        ],
      },
    ]);
    expect(r.error?.code).toBe("invalid_object");
    expect(r.error?.message).toContain("at most one Else");
  });
});
