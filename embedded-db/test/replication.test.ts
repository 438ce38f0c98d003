import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decl, ids, pull, push, startHarness, until, type Harness } from "./harness.ts";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  await h.fs.setDatabases([decl("items")]);
  await h.fs.groups.addUserToGroup("alice", "team");
  await h.fs.groups.addUserToGroup("carol", "team");
});
afterEach(async () => {
  await h.close();
});

const seed = async () => {
  await h.fs.data("items").bulkDocs([
    { _id: "a1", "~c8oAcl": "alice", v: 1 },
    { _id: "b1", "~c8oAcl": "bob", v: 1 },
    { _id: "g1", c8oGrp: "team" },
    { _id: "g2", c8oGrp: { team: true, other: false } },
    { _id: "g3", c8oGrp: { team: "true" } },
    { _id: "g4", c8oGrp: { team: false } },
    { _id: "g5", c8oGrp: { team: "false" } },
    { _id: "o1", c8oGrp: "other" },
    { _id: "p1", title: "public" },
    { _id: "m1", "~c8oAcl": 42 },
  ]);
};

describe("FullSync pull: each user receives exactly what they may see", () => {
  it("owner, groups in both forms, public", async () => {
    await seed();
    const alice = h.device();
    const r = await pull(h.remote("items", h.login("alice")), alice);
    expect(r.ok).toBe(true);
    expect(await ids(alice)).toEqual(["a1", "g1", "g2", "g3", "p1"]);
    const bob = h.device();
    await pull(h.remote("items", h.login("bob")), bob);
    expect(await ids(bob)).toEqual(["b1", "p1"]);
    // Groups given by the session count too.
    const dave = h.device();
    await pull(h.remote("items", h.login("dave", ["other"])), dave);
    expect(await ids(dave)).toEqual(["o1", "p1"]);
  });
});
