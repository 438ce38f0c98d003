import { describe, expect, it } from "vitest";
import { runSteps } from "../../../node/testing/harness.ts";

/** Does Is in run its children when the step before it answered `value`? */
async function runsOn(value: unknown, props: Record<string, unknown>): Promise<boolean> {
  const r = await runSteps([
    { type: "SessionGet", name: "out", key: "absent", default: value },
    { type: "IsIn", name: "test", ...props, children: [{ type: "Element", name: "ran", value: "yes" }] },
  ]);
  expect(r.error).toBeUndefined();
  return (r.output as { ran?: string }).ran === "yes";
}

describe("Is in step", () => {
  // BasicAuth's Set_Auth_Basic: ./document/object/authenticated/text() AND "true".
  it("runs its children when the value's text contains a match of each pattern", async () => {
    const test = { source: { step: "Main-0-out", path: "object.authenticated" }, textOnly: true, matches: ["true"] };
    expect(await runsOn({ object: { authenticated: true } }, test)).toBe(true);
    expect(await runsOn({ object: { authenticated: false } }, test)).toBe(false);
    expect(await runsOn({ object: {} }, test)).toBe(false);
  });

  // lib_FullSyncBackup's FS_restore: ./document/fileType/text() AND "gzip" (found anywhere).
  it("looks for a match anywhere in the text, as Java's find()", async () => {
    const test = { source: { step: "Main-0-out", path: "fileType" }, matches: ["gzip"] };
    expect(await runsOn({ fileType: "application/gzip" }, test)).toBe(true);
    expect(await runsOn({ fileType: "application/json" }, test)).toBe(false);
  });

  it("refuses values matching a NOT pattern, and needs every selected value to pass", async () => {
    const test = { source: { step: "Main-0-out", path: "codes" }, matches: ["^\\d+$"], notMatches: ["^0$"] };
    expect(await runsOn({ codes: ["1", "2"] }, test)).toBe(true);
    expect(await runsOn({ codes: ["1", "0"] }, test)).toBe(false);
    expect(await runsOn({ codes: [] }, test)).toBe(false);
  });

  it("refuses to run with a pattern that is not a regular expression", async () => {
    const r = await runSteps([{ type: "IsIn", name: "bad", expression: '"x"', matches: ["("] }]);
    expect(r.error?.code).toBe("invalid_object");
    expect(r.error?.message).toContain("is not a regular expression");
  });
});
