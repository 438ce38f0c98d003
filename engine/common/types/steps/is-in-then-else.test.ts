import { describe, expect, it } from "vitest";
import { runSteps } from "../../../node/testing/harness.ts";

describe("Is in-Then-Else step", () => {
  // lib_FullSyncBackup's FS_backup: the script's exit code, ./exit/text() AND ^0$.
  const steps = (exit: unknown) => [
    { type: "SessionGet", name: "script", key: "absent", default: { exit } },
    {
      type: "IsInThenElse",
      name: "IfIsInThenElse",
      source: { step: "Main-0-script", path: "exit" },
      textOnly: true,
      matches: ["^0$"],
      children: [
        { type: "Then", name: "jThen", children: [{ type: "Element", name: "status", value: "done" }] },
        { type: "Else", name: "jElse", children: [{ type: "Element", name: "status", value: "failed" }] },
      ],
    },
  ];
  it("runs Then when the value passes, Else otherwise", async () => {
    expect((await runSteps(steps(0))).output).toEqual({ status: "done" });
    expect((await runSteps(steps(10))).output).toEqual({ status: "failed" });
    expect((await runSteps(steps(null))).output).toEqual({ status: "failed" });
  });
});
