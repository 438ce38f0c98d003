import { describe, expect, it } from "vitest";
import { checkWrite, groupValueCounts, principalsOfBody, readerPrincipals, type ExistingLeaf } from "./acl.ts";

const leaf = (body: Record<string, unknown>, rev = "1-a"): ExistingLeaf => ({
  rev,
  deleted: body._deleted === true,
  body,
  principals: principalsOfBody(body) ?? [],
});
const groups = new Set(["team"]);

describe("principals of a revision", () => {
  it("owner, groups in both forms, public, malformed, tombstones", () => {
    expect(principalsOfBody({ "~c8oAcl": "alice" })).toEqual(["u:alice"]);
    expect(principalsOfBody({ c8oGrp: "team" })).toEqual(["g:team"]);
    expect(
      principalsOfBody({
        c8oGrp: { a: true, b: "true", c: "TRUE", d: 1, e: false, f: "false", g: "yes", h: 0, i: null },
      }),
    ).toEqual(["g:a", "g:b", "g:c", "g:d"]);
    expect(principalsOfBody({ "~c8oAcl": "alice", c8oGrp: "team" })).toEqual(["u:alice", "g:team"]);
    expect(principalsOfBody({ title: "x" })).toEqual(["*"]);
    // A malformed ACL grants nothing and is never public.
    expect(principalsOfBody({ "~c8oAcl": 42 })).toEqual([]);
    expect(principalsOfBody({ "~c8oAcl": "" })).toEqual([]);
    expect(principalsOfBody({ c8oGrp: ["team"] })).toEqual([]);
    // A tombstone without ACL keys inherits (undefined); with keys it keeps them.
    expect(principalsOfBody({ _deleted: true })).toBeUndefined();
    expect(principalsOfBody({ _deleted: true, "~c8oAcl": "alice" })).toEqual(["u:alice"]);
    expect(groupValueCounts("true")).toBe(true);
    expect(readerPrincipals(undefined, ["team"])).toEqual(["*"]);
    expect(readerPrincipals("alice", ["team"])).toEqual(["u:alice", "g:team", "*"]);
  });
});

describe("checkWrite", () => {
  it("lets a user create their own documents and stamps a missing owner", () => {
    expect(checkWrite({ user: "alice", groups, doc: { "~c8oAcl": "alice" }, leaves: [] })).toEqual({
      ok: true,
      stamp: {},
    });
    expect(checkWrite({ user: "alice", groups, doc: { x: 1 }, leaves: [] })).toEqual({
      ok: true,
      stamp: { "~c8oAcl": "alice" },
    });
    expect(checkWrite({ user: "alice", groups, doc: { c8oGrp: "team" }, leaves: [] })).toEqual({
      ok: true,
      stamp: { "~c8oAcl": "alice" },
    });
  });

  it("refuses anonymous writes, forged owners, foreign groups, malformed ACLs", () => {
    const no = (v: ReturnType<typeof checkWrite>) => expect(v.ok).toBe(false);
    no(checkWrite({ user: undefined, groups, doc: {}, leaves: [] }));
    no(checkWrite({ user: "alice", groups, doc: { "~c8oAcl": "bob" }, leaves: [] }));
    no(checkWrite({ user: "alice", groups, doc: { c8oGrp: "managers" }, leaves: [] }));
    no(checkWrite({ user: "alice", groups, doc: { c8oGrp: { team: true, managers: "true" } }, leaves: [] }));
    no(checkWrite({ user: "alice", groups, doc: { "~c8oAcl": ["alice"] }, leaves: [] }));
    no(checkWrite({ user: "alice", groups, doc: { c8oGrp: 5 }, leaves: [] }));
    // A group listed as not counting is fine.
    expect(checkWrite({ user: "alice", groups, doc: { c8oGrp: { managers: false } }, leaves: [] }).ok).toBe(true);
  });

  it("checks every existing leaf, not only the claimed parent", () => {
    const mine = leaf({ "~c8oAcl": "alice" }, "2-a");
    const bobs = leaf({ "~c8oAcl": "bob" }, "2-b");
    expect(checkWrite({ user: "alice", groups, doc: { "~c8oAcl": "alice" }, leaves: [mine], parent: mine }).ok).toBe(
      true,
    );
    expect(
      checkWrite({ user: "alice", groups, doc: { "~c8oAcl": "alice" }, leaves: [mine, bobs], parent: mine }).ok,
    ).toBe(false);
    expect(checkWrite({ user: "alice", groups, doc: { "~c8oAcl": "alice" }, leaves: [bobs] }).ok).toBe(false);
    // Public and ownerless documents are read-only for devices.
    expect(checkWrite({ user: "alice", groups, doc: {}, leaves: [leaf({ t: 1 })] }).ok).toBe(false);
    // Deleted leaves count too.
    expect(
      checkWrite({ user: "alice", groups, doc: {}, leaves: [leaf({ _deleted: true, "~c8oAcl": "bob" })] }).ok,
    ).toBe(false);
  });

  it("lets a group member edit a group document, keeping its owner and groups", () => {
    const doc = leaf({ "~c8oAcl": "carol", c8oGrp: { team: true, managers: true } });
    expect(
      checkWrite({
        user: "alice",
        groups,
        doc: { "~c8oAcl": "carol", c8oGrp: { team: true, managers: true } },
        leaves: [doc],
      }),
    ).toEqual({
      ok: true,
      stamp: {},
    });
    // ... but not hand it to someone else.
    expect(checkWrite({ user: "alice", groups, doc: { "~c8oAcl": "dave", c8oGrp: "team" }, leaves: [doc] }).ok).toBe(
      false,
    );
  });

  it("a tombstone without ACL keys keeps those of the revision it deletes", () => {
    const parent = leaf({ "~c8oAcl": "carol", c8oGrp: "team" });
    expect(checkWrite({ user: "alice", groups, doc: { _deleted: true }, leaves: [parent], parent })).toEqual({
      ok: true,
      stamp: { "~c8oAcl": "carol", c8oGrp: "team" },
    });
    expect(checkWrite({ user: "alice", groups, doc: { _deleted: true }, leaves: [] })).toEqual({
      ok: true,
      stamp: { "~c8oAcl": "alice" },
    });
  });
});
