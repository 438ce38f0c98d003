/**
 * External CouchDB mode: the FullSync layer in front of a separately started CouchDB-compatible
 * server (express-pouchdb in a child process, with admin credentials), reached over HTTP.
 * Outages, wrong credentials, security and revision limits: external-couch-prod.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { decl, ids, pull, push, startCouchPeer, startHarness, type Harness } from "./harness.ts";

let peer: Awaited<ReturnType<typeof startCouchPeer>>;
let h: Harness;
const credentials = { username: "admin", password: "s3cret-for-tests" };

beforeAll(async () => {
  peer = await startCouchPeer(credentials);
  h = await startHarness({ couch: { url: peer.url, ...credentials } });
  await h.fs.setDatabases([decl("shared")]);
  await h.fs.groups.addUserToGroup("alice", "team");
}, 60_000);
afterAll(async () => {
  await h?.close();
  await peer?.close();
});

describe("FullSync in front of an external CouchDB", () => {
  it("stores in the CouchDB: the data and the groups are there, behind its credentials", async () => {
    await h.fs
      .data("shared")
      .bulkDocs([
        { _id: "a1", "~c8oAcl": "alice" },
        { _id: "b1", "~c8oAcl": "bob" },
        { _id: "g1", c8oGrp: { team: true } },
        { _id: "p1" },
      ]);
    const auth = "Basic " + Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64");
    const direct = await fetch(`${peer.url}/shared/b1`, { headers: { Authorization: auth } });
    expect(((await direct.json()) as Record<string, unknown>)["~c8oAcl"]).toBe("bob");
    expect((await fetch(`${peer.url}/shared/b1`)).status).toBe(401);
    const grp = await fetch(`${peer.url}/c8ofullsyncgrp/_all_docs?include_docs=true`, {
      headers: { Authorization: auth },
    });
    const rows = ((await grp.json()) as { rows: { doc: Record<string, unknown> }[] }).rows.map((r) => r.doc);
    expect(rows).toContainEqual(expect.objectContaining({ type: "c8oGrp", user: "alice", group: "team" }));
    // The revision limit is applied (the peer serves _revs_limit as CouchDB 3 does), and the
    // databases FullSync created are the configured user's only.
    const limit = await fetch(`${peer.url}/shared/_revs_limit`, { headers: { Authorization: auth } });
    expect(await limit.json()).toBe(10);
    for (const db of ["shared", "c8ofullsyncgrp"]) {
      const sec = await fetch(`${peer.url}/${db}/_security`, { headers: { Authorization: auth } });
      expect(await sec.json()).toEqual({
        admins: { names: ["admin"], roles: [] },
        members: { names: ["admin"], roles: [] },
      });
    }
    expect(h.logs.join("\n")).not.toMatch(/_revs_limit|readable without credentials|\[object Object\]/);
    expect(h.fs.health()).toEqual({ database: "up", waiting: [], warnings: [] });
  });

  it("each user pulls what they may see; forged pushes are denied; stamping works", async () => {
    const alice = h.device();
    const sid = h.login("alice");
    await pull(h.remote("shared", sid), alice);
    expect(await ids(alice)).toEqual(["a1", "g1", "p1"]);
    await alice.bulkDocs([{ _id: "mine" }, { _id: "forged", "~c8oAcl": "bob" }]);
    const { denied } = await push(alice, h.remote("shared", sid));
    expect(denied.length).toBe(1);
    expect((await h.fs.data("shared").get("mine"))["~c8oAcl"]).toBe("alice");
    const bob = h.device();
    await pull(h.remote("shared", h.login("bob")), bob);
    expect(await ids(bob)).toEqual(["b1", "p1"]);
  });

  it("follows the CouchDB's changes: a write made directly in the CouchDB reaches a live device", async () => {
    const sid = h.login("alice");
    const d = h.device();
    const PouchDB = (await import("../pouch.ts")).PouchDB as unknown as {
      replicate(a: unknown, b: unknown, o: unknown): { cancel(): void };
    };
    const rep = PouchDB.replicate(h.remote("shared", sid), d, { live: true, retry: true });
    try {
      const auth = "Basic " + Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64");
      const r = await fetch(`${peer.url}/shared/direct1`, {
        method: "PUT",
        headers: { Authorization: auth, "Content-Type": "application/json" },
        body: JSON.stringify({ "~c8oAcl": "alice", via: "couch" }),
      });
      expect(r.status).toBe(201);
      await vi.waitFor(async () => expect(await ids(d), "direct1 on the device").toContain("direct1"), {
        timeout: 15_000,
        interval: 20,
      });
    } finally {
      rep.cancel();
    }
  });
});
