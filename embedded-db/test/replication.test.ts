import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { decl, ids, pull, push, startHarness, type Harness } from "./harness.ts";

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

describe("FullSync: deletions, pushes, live sync", () => {
  it("deletions replicate: a server deletion and a device deletion reach the others who saw the document", async () => {
    await seed();
    const aliceSid = h.login("alice");
    const alice = h.device();
    const carol = h.device();
    const carolSid = h.login("carol");
    await pull(h.remote("items", aliceSid), alice);
    await pull(h.remote("items", carolSid), carol);
    expect(await ids(carol)).toContain("g1");
    // The server deletes alice's a1 (trusted code): the tombstone keeps its ACL.
    await h.fs.data("items").remove("a1");
    // Alice deletes the group document g1 on her device (db.remove: a tombstone without ACL keys).
    const g1 = await alice.get("g1");
    await alice.remove(g1 as never);
    const pushed = await push(alice, h.remote("items", aliceSid));
    expect(pushed.denied).toEqual([]);
    await pull(h.remote("items", aliceSid), alice);
    expect(await ids(alice)).toEqual(["g2", "g3", "p1"]);
    // Carol (same group) receives the deletion of g1; bob never hears of either.
    await pull(h.remote("items", carolSid), carol);
    expect(await ids(carol)).toEqual(["g2", "g3", "p1"]);
    // The device's tombstone (no ACL keys) was stored under a child revision keeping the group.
    const leaves = (await h.fs.data("items").get("g1", { open_revs: "all" } as never)) as unknown as {
      ok: Record<string, unknown>;
    }[];
    expect(leaves.length).toBe(1);
    expect(leaves[0]!.ok._deleted).toBe(true);
    expect(leaves[0]!.ok.c8oGrp).toBe("team");
  });

  it("a device document without ~c8oAcl gets its user stamped in a child revision; others do not see it", async () => {
    const sid = h.login("alice");
    const alice = h.device();
    await alice.put({ _id: "note", text: "mine" });
    const res = await push(alice, h.remote("items", sid));
    expect(res.denied).toEqual([]);
    const onServer = await h.fs.data("items").get("note", { revs: true });
    expect(onServer["~c8oAcl"]).toBe("alice");
    expect(String(onServer._rev).startsWith("2-")).toBe(true);
    // The device gets the stamped revision; the body it pushed stays the same under its own revision.
    await pull(h.remote("items", sid), alice);
    const local = (await alice.get("note")) as Record<string, unknown>;
    expect(local["~c8oAcl"]).toBe("alice");
    expect(local._rev).toBe(onServer._rev);
    const bob = h.device();
    await pull(h.remote("items", h.login("bob")), bob);
    expect(await ids(bob)).toEqual([]);
    // Pushing again is a no-op (the server already has both revisions).
    const again = await push(alice, h.remote("items", sid));
    expect(again.denied).toEqual([]);
    expect((await h.fs.data("items").get("note"))._rev).toBe(onServer._rev);
  });

  it("calls device push listeners with the stored ids; a failing listener does not affect the write", async () => {
    const pushes: { db: string; ids: string[]; user?: string }[] = [];
    h.fs.onDevicePush(() => {
      throw new Error("listener failure");
    });
    const off = h.fs.onDevicePush((p) => pushes.push({ db: p.db, ids: p.ids, user: p.principal.user }));
    const sid = h.login("alice");
    const alice = h.device();
    await alice.bulkDocs([
      { _id: "x1", "~c8oAcl": "alice" },
      { _id: "x2", "~c8oAcl": "alice" },
    ]);
    const res = await push(alice, h.remote("items", sid));
    expect(res.result.docs_written).toBe(2);
    expect(pushes).toEqual([{ db: "items", ids: ["x1", "x2"], user: "alice" }]);
    expect((await h.fs.data("items").get("x2"))["~c8oAcl"]).toBe("alice");
    expect(h.logs.join("\n")).toMatch(/listener failed: Error: listener failure/);
    off();
    await alice.put({ _id: "x3", "~c8oAcl": "alice" });
    await push(alice, h.remote("items", sid));
    expect(pushes.length).toBe(1);
  });

  it("live sync delivers a write of one device to a second device of the same user", async () => {
    const sid = h.login("alice");
    const d1 = h.device();
    const d2 = h.device();
    type Sync = { cancel(): void; on(e: string, f: (x: unknown) => void): Sync };
    const PouchDB = (await import("../pouch.ts")).PouchDB as unknown as {
      sync(a: unknown, b: unknown, o: unknown): Sync;
    };
    const s1 = PouchDB.sync(d1, h.remote("items", sid), { live: true, retry: true });
    const s2 = PouchDB.sync(d2, h.remote("items", sid), { live: true, retry: true });
    try {
      await d1.put({ _id: "live1", "~c8oAcl": "alice", text: "hello" });
      await vi.waitFor(async () => expect(await ids(d2), "live1 on the second device").toContain("live1"), {
        timeout: 10_000,
        interval: 20,
      });
      // And a server-side write reaches both.
      await h.fs.data("items").put({ _id: "live2", "~c8oAcl": "alice" });
      await vi.waitFor(
        async () => {
          expect(await ids(d1), "live2 on the first device").toContain("live2");
          expect(await ids(d2), "live2 on the second device").toContain("live2");
        },
        { timeout: 10_000, interval: 20 },
      );
      // A write for bob does not.
      await h.fs.data("items").put({ _id: "bobs", "~c8oAcl": "bob" });
      await h.fs.data("items").put({ _id: "live3", "~c8oAcl": "alice" });
      await vi.waitFor(async () => expect(await ids(d2), "live3").toContain("live3"), {
        timeout: 10_000,
        interval: 20,
      });
      expect(await ids(d2)).not.toContain("bobs");
    } finally {
      s1.cancel();
      s2.cancel();
    }
  });

  it("documents of a group joined later arrive on the next pull (the sequence remembers the groups)", async () => {
    await seed();
    const sid = h.login("dave");
    const dave = h.device();
    await pull(h.remote("items", sid), dave);
    expect(await ids(dave)).toEqual(["p1"]);
    await h.fs.groups.addUserToGroup("dave", "other");
    await pull(h.remote("items", sid), dave);
    expect(await ids(dave)).toEqual(["o1", "p1"]);
  });

  it("conflicts: only the revisions the user may see are listed and fetched", async () => {
    const data = h.fs.data("items");
    await data.put({ _id: "c", "~c8oAcl": "alice", v: "base" });
    const base = await data.get("c");
    // Two branches (a conflict): one alice's, one bob's.
    const parent = String(base._rev).slice(2);
    await data.bulkDocs(
      [
        { _id: "c", _rev: "2-aaaa", _revisions: { start: 2, ids: ["aaaa", parent] }, "~c8oAcl": "alice", v: "a" },
        { _id: "c", _rev: "2-bbbb", _revisions: { start: 2, ids: ["bbbb", parent] }, "~c8oAcl": "bob", v: "b" },
      ],
      { new_edits: false },
    );
    const sid = h.login("alice");
    const r = await h.request("GET", "/items/_changes?style=all_docs", { sid });
    const row = (r.body as { results: { id: string; changes: { rev: string }[] }[] }).results.find((x) => x.id === "c");
    expect(row).toBeDefined();
    expect(row!.changes).toEqual([{ rev: "2-aaaa" }]);
    // Bob sees only his branch; a device of alice pulls only hers.
    const rb = await h.request("GET", "/items/_changes?style=all_docs", { sid: h.login("bob") });
    const rowB = (rb.body as { results: { id: string; changes: { rev: string }[] }[] }).results.find(
      (x) => x.id === "c",
    );
    expect(rowB!.changes).toEqual([{ rev: "2-bbbb" }]);
    const alice = h.device();
    await pull(h.remote("items", sid), alice);
    const local = (await alice.get("c", { conflicts: true })) as Record<string, unknown>;
    expect(local._rev).toBe("2-aaaa");
    expect(local._conflicts).toBeUndefined();
    // GET with conflicts/open_revs=all never shows bob's branch to alice.
    const g = await h.request("GET", "/items/c?conflicts=true", { sid });
    expect((g.body as Record<string, unknown>)._conflicts).toBeUndefined();
    const all = await h.request("GET", "/items/c?open_revs=all", { sid });
    expect((all.body as { ok: { _rev: string } }[]).map((x) => x.ok._rev)).toEqual(["2-aaaa"]);
    // And alice cannot write the document: one of its leaves is bob's.
    const w = await h.request("PUT", "/items/c?rev=2-aaaa", { sid, body: { "~c8oAcl": "alice", v: "x" } });
    expect(w.status).toBe(403);
  });
});

describe("FullSync: group changes during live sync", () => {
  it("a device in live sync receives the documents of a group its user joins, without waiting for a timeout", async () => {
    await seed();
    const sid = h.login("dave");
    const d = h.device();
    const PouchDB = (await import("../pouch.ts")).PouchDB as unknown as {
      replicate(a: unknown, b: unknown, o: unknown): { cancel(): void };
    };
    const rep = PouchDB.replicate(h.remote("items", sid), d, { live: true, retry: true });
    try {
      await vi.waitFor(async () => expect(await ids(d), "the public document").toContain("p1"), {
        timeout: 10_000,
        interval: 20,
      });
      await h.fs.groups.addUserToGroup("dave", "other");
      await vi.waitFor(async () => expect(await ids(d), "the group's document").toContain("o1"), {
        timeout: 5_000,
        interval: 20,
      });
    } finally {
      rep.cancel();
    }
  });
});

describe("FullSync: attachments through replication", () => {
  it("a device's attachment reaches the user's other device, never another user", async () => {
    const sid = h.login("alice");
    const d1 = h.device();
    await d1.put({
      _id: "photo",
      "~c8oAcl": "alice",
      _attachments: { "p.txt": { content_type: "text/plain", data: Buffer.from("pixels").toString("base64") } },
    });
    // Without ~c8oAcl: stamped in a child revision that keeps the attachment.
    await d1.put({
      _id: "photo2",
      _attachments: { "q.txt": { content_type: "text/plain", data: Buffer.from("more").toString("base64") } },
    });
    const { denied } = await push(d1, h.remote("items", sid));
    expect(denied).toEqual([]);
    const d2 = h.device();
    await pull(h.remote("items", sid), d2);
    const att = await d2.getAttachment("photo", "p.txt");
    expect(Buffer.from(att as Buffer).toString()).toBe("pixels");
    expect(Buffer.from((await d2.getAttachment("photo2", "q.txt")) as Buffer).toString()).toBe("more");
    expect(((await d2.get("photo2")) as Record<string, unknown>)["~c8oAcl"]).toBe("alice");
    const bob = await h.request("GET", "/items/photo/p.txt", { sid: h.login("bob") });
    expect(bob.status).toBe(404);
  });
});
