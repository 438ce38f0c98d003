import { describe, expect, it } from "vitest";
import { fullSyncWorkspace } from "../../../../node/testing/fullsync-harness.ts";

const connector = {
  type: "FullSyncConnector",
  name: "Db",
  databaseName: "items",
  children: [
    { type: "FullSyncPostBulkDocuments", name: "Shared", aclPolicy: "anonymous" },
    { type: "FullSyncPostBulkDocuments", name: "Owned", aclPolicy: "fromKeyC8oAcl", writePolicy: "override" },
    { type: "FullSyncPostBulkDocuments", name: "Mine" },
  ],
};

describe("FullSync Post Bulk Documents", () => {
  it("writes every document with the policy's ACL and reports each one, conflicts included", async () => {
    const ws = await fullSyncWorkspace({ connectors: [connector] });
    try {
      const data = ws.fullsync.server.data("items");
      await data.put({ _id: "taken", v: 0 });
      const r = await ws.run({
        connector: "Db",
        transaction: "Shared",
        inputs: { data: [{ _id: "s1", "~c8oAcl": "eve" }, { _id: "s2" }, { _id: "taken", v: 1 }], c8oGrp: "sales" },
      });
      expect(r.ok).toBe(true);
      const results = r.output as { id: string; ok?: boolean; error?: string }[];
      expect(results.map((x) => x.id)).toEqual(["s1", "s2", "taken"]);
      expect(results[0]).toMatchObject({ ok: true });
      expect(results[2]).toMatchObject({ error: "conflict" });
      const s1 = await data.get("s1");
      expect(s1["~c8oAcl"]).toBeUndefined();
      expect(s1.c8oGrp).toBe("sales");
      expect((await data.get("taken")).v).toBe(0);
    } finally {
      await ws.close();
    }
  });

  it("fromKeyC8oAcl takes each document's own _c8oAcl; override replaces stored documents", async () => {
    const ws = await fullSyncWorkspace({ connectors: [connector] });
    try {
      const data = ws.fullsync.server.data("items");
      await data.put({ _id: "o1", v: 0, "~c8oAcl": "alice" });
      const r = await ws.run({
        connector: "Db",
        transaction: "Owned",
        inputs: {
          data: JSON.stringify([
            { _id: "o1", v: 1, _c8oAcl: "alice" },
            { _id: "o2", v: 2, _c8oAcl: "bob" },
          ]),
        },
      });
      expect(r.ok).toBe(true);
      expect((r.output as { ok: boolean }[]).every((x) => x.ok)).toBe(true);
      expect(await data.get("o1")).toMatchObject({ v: 1, "~c8oAcl": "alice" });
      expect(await data.get("o2")).toMatchObject({ v: 2, "~c8oAcl": "bob" });
      expect((await data.get("o2"))._c8oAcl).toBeUndefined();

      const missing = await ws.run({
        connector: "Db",
        transaction: "Owned",
        inputs: { data: [{ _id: "o3", _c8oAcl: "bob" }, { _id: "o4" }] },
      });
      expect(missing.error?.code).toBe("missing_owner");
      // Nothing of a refused batch is written.
      await expect(data.get("o3")).rejects.toMatchObject({ status: 404 });
    } finally {
      await ws.close();
    }
  });

  it("refuses items that are not objects, and needs a user for fromAuthenticatedUser", async () => {
    const ws = await fullSyncWorkspace({ connectors: [connector] });
    try {
      const bad = await ws.run({ connector: "Db", transaction: "Shared", inputs: { data: [{ _id: "x" }, 3] } });
      expect(bad.error?.code).toBe("invalid_variable");
      expect(bad.error?.message).toBe('Transaction Db.Shared: document 2 of "data" is not a JSON object');
      const anon = await ws.run({ connector: "Db", transaction: "Mine", inputs: { data: [{ _id: "y" }] } });
      expect(anon.error?.code).toBe("authentication_required");
      const session = ws.engine.sessions.create();
      session.setUser("carol");
      const mine = await ws.run({ connector: "Db", transaction: "Mine", inputs: { data: [{ _id: "y" }] }, session });
      expect(mine.ok).toBe(true);
      expect((await ws.fullsync.server.data("items").get("y"))["~c8oAcl"]).toBe("carol");
      const empty = await ws.run({ connector: "Db", transaction: "Shared", inputs: {} });
      expect(empty.output).toEqual([]);
    } finally {
      await ws.close();
    }
  });
});
