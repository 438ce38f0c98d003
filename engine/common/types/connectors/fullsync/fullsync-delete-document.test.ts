import { describe, expect, it } from "vitest";
import { fullSyncWorkspace } from "../../../../node/testing/fullsync-harness.ts";

const connector = {
  type: "FullSyncConnector",
  name: "Db",
  databaseName: "items",
  children: [{ type: "FullSyncDeleteDocument", name: "Delete" }],
};

describe("FullSync Delete Document", () => {
  it("deletes the current revision; the tombstone keeps the ACL so devices receive the deletion", async () => {
    const ws = await fullSyncWorkspace({ connectors: [connector] });
    try {
      const data = ws.fullsync.server.data("items");
      const w = await data.put({ _id: "a", "~c8oAcl": "alice", c8oGrp: "sales" });
      const r = await ws.run({ connector: "Db", transaction: "Delete", inputs: { docid: "a" } });
      expect(r.ok).toBe(true);
      const out = r.output as { ok: boolean; rev: string };
      expect(out.ok).toBe(true);
      await expect(data.get("a")).rejects.toMatchObject({ status: 404 });
      const tomb = await data.get("a", { rev: out.rev });
      expect(tomb).toMatchObject({ _deleted: true, "~c8oAcl": "alice", c8oGrp: "sales" });
      expect(w.rev).not.toBe(out.rev);
    } finally {
      await ws.close();
    }
  });

  it("refuses a stale revision and names a missing document", async () => {
    const ws = await fullSyncWorkspace({ connectors: [connector] });
    try {
      const data = ws.fullsync.server.data("items");
      const first = await data.put({ _id: "b", v: 1 });
      await data.put({ _id: "b", _rev: first.rev, v: 2 });
      const stale = await ws.run({ connector: "Db", transaction: "Delete", inputs: { docid: "b", rev: first.rev } });
      expect(stale.error?.code).toBe("document_conflict");
      expect((await data.get("b")).v).toBe(2);
      const missing = await ws.run({ connector: "Db", transaction: "Delete", inputs: { docid: "zz" } });
      expect(missing.error?.code).toBe("document_not_found");
      expect(missing.error?.message).toBe(
        'Transaction Db.Delete: there is no document "zz" in the FullSync database "items"',
      );
    } finally {
      await ws.close();
    }
  });
});
