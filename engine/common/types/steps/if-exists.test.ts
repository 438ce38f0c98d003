import { describe, expect, it } from "vitest";
import { runSteps } from "../../../node/testing/harness.ts";

/** A step whose output is `value` (a Session Get of an absent key answers its default). */
const output = (value: unknown) => ({ type: "SessionGet", name: "out", key: "absent", default: value });
const ifExists = (props: Record<string, unknown>) => ({
  type: "IfExists",
  name: "found",
  ...props,
  children: [{ type: "Element", name: "ran", value: "yes" }],
});

/** Does If exists run its children when the step before it answered `value`? */
async function runsOn(value: unknown, props: Record<string, unknown>): Promise<boolean> {
  const r = await runSteps([output(value), ifExists({ source: { step: "Main-0-out", ...props } })]);
  expect(r.error).toBeUndefined();
  return (r.output as { ran?: string }).ran === "yes";
}

describe("If exists step", () => {
  // lib_OAuth's checkAccessToken: IfExist on the call's ./document/object/userPrincipalName.
  it("runs its children when the source's path has a value, not when it is missing", async () => {
    const me = { object: { userPrincipalName: "alice@example.com" } };
    expect(await runsOn(me, { path: "object.userPrincipalName" })).toBe(true);
    expect(await runsOn(me, { path: "object.error" })).toBe(false);
  });

  it("takes null as nothing, an empty text or object as something (an empty element is a node)", async () => {
    expect(await runsOn({ error: null }, { path: "error" })).toBe(false);
    expect(await runsOn({ error: "" }, { path: "error" })).toBe(true);
    expect(await runsOn({ error: {} }, { path: "error" })).toBe(true);
    expect(await runsOn({ n: 0 }, { path: "n" })).toBe(true);
  });

  // Convertigo's ./document/couchdb_output/rows/item: the items of a list.
  it("takes a list as its items: an empty list selects nothing", async () => {
    expect(await runsOn({ rows: [] }, { path: "rows" })).toBe(false);
    expect(await runsOn({ rows: [{ id: "a" }] }, { path: "rows" })).toBe(true);
  });

  it("selects nothing from a step that has not run", async () => {
    const r = await runSteps([
      { type: "If", name: "never", condition: "false", children: [output({ a: 1 })] },
      ifExists({ source: { step: "Main-0-never-0-out", path: "a" } }),
    ]);
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual({});
  });

  // Convertigo's ./expression/text(): an empty element has no text node.
  it("with text only, counts only a non-empty text, number or boolean", async () => {
    const textOnly = (value: unknown) =>
      runSteps([output(value), ifExists({ source: { step: "Main-0-out" }, textOnly: true })]).then(
        (r) => (r.output as { ran?: string }).ran === "yes",
      );
    expect(await textOnly("")).toBe(false);
    expect(await textOnly({ a: 1 })).toBe(false);
    expect(await textOnly("token")).toBe(true);
    expect(await textOnly(false)).toBe(true);
  });

  // lib_FullSyncGrp's ./document/couchdb_output/ok[.="true"]: CouchDB answers {"ok": true}.
  it('with equals, counts only values of that text (the JSON true is the text "true")', async () => {
    const equals = (value: unknown) =>
      runSteps([output(value), ifExists({ source: { step: "Main-0-out", path: "ok" }, equals: "true" })]).then(
        (r) => (r.output as { ran?: string }).ran === "yes",
      );
    expect(await equals({ ok: true })).toBe(true);
    expect(await equals({ ok: "true" })).toBe(true);
    expect(await equals({ ok: false })).toBe(false);
    expect(await equals({ error: "conflict" })).toBe(false);
  });

  it("reads an expression when it has no source (a loop's item)", async () => {
    const r = await runSteps([
      {
        type: "Iterator",
        name: "each",
        expression: '[{ id: "a" }, { }]',
        children: [ifExists({ expression: "item.id" })],
      },
    ]);
    expect(r.output).toEqual({ ran: "yes" });
  });

  it("refuses to run without a source or an expression", async () => {
    const r = await runSteps([ifExists({})]);
    expect(r.error?.code).toBe("invalid_object");
    expect(r.error?.message).toContain("needs a source or an expression");
  });
});
