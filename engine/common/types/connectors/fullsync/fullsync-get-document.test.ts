import { describe, expect, it } from "vitest";
import { fullSyncWorkspace } from "../../../../node/testing/fullsync-harness.ts";
import { testWorkspace } from "../../../../node/testing/harness.ts";

const connector = {
  type: "FullSyncConnector",
  name: "Db",
  databaseName: "items",
  children: [{ type: "FullSyncGetDocument", name: "Get" }],
};

describe("FullSync Get Document", () => {
  it("answers a missing document as CouchDB's error when its connector says documentErrors: answer", async () => {
    const answering = { ...connector, documentErrors: "answer" };
    const ws = await fullSyncWorkspace({ connectors: [answering] });
    try {
      const r = await ws.run({ connector: "Db", transaction: "Get", inputs: { docid: "nope" } });
      expect(r.ok).toBe(true);
      expect(r.output).toEqual({ error: "not_found", reason: "missing" });
    } finally {
      await ws.close();
    }
    const failing = await fullSyncWorkspace({ connectors: [connector] });
    try {
      const r = await failing.run({ connector: "Db", transaction: "Get", inputs: { docid: "nope" } });
      expect(r.error?.code).toBe("document_not_found");
    } finally {
      await failing.close();
    }
  });

  it("reads a document by id, with its ACL keys (trusted code)", async () => {
    const ws = await fullSyncWorkspace({ connectors: [connector] });
    try {
      await ws.fullsync.server.data("items").put({ _id: "a", v: 1, "~c8oAcl": "alice" });
      const r = await ws.run({ connector: "Db", transaction: "Get", inputs: { docid: "a" } });
      expect(r.ok).toBe(true);
      expect(r.output).toMatchObject({ _id: "a", v: 1, "~c8oAcl": "alice" });
      expect(typeof (r.output as { _rev: string })._rev).toBe("string");
    } finally {
      await ws.close();
    }
  });

  it("reads a given revision, with conflicts and revision history when asked", async () => {
    const ws = await fullSyncWorkspace({ connectors: [connector] });
    try {
      const data = ws.fullsync.server.data("items");
      const first = await data.put({ _id: "a", v: 1 });
      await data.put({ _id: "a", _rev: first.rev, v: 2 });
      const old = await ws.run({ connector: "Db", transaction: "Get", inputs: { docid: "a", rev: first.rev } });
      expect(old.output).toMatchObject({ v: 1 });
      const withRevs = await ws.run({ connector: "Db", transaction: "Get", inputs: { docid: "a", revs: "true" } });
      expect((withRevs.output as { _revisions: { ids: string[] } })._revisions.ids).toHaveLength(2);
    } finally {
      await ws.close();
    }
  });

  it("names the transaction, the document and the database when the document is missing", async () => {
    const ws = await fullSyncWorkspace({ connectors: [connector] });
    try {
      const r = await ws.run({ connector: "Db", transaction: "Get", inputs: { docid: "nope" } });
      expect(r.ok).toBe(false);
      expect(r.error?.code).toBe("document_not_found");
      expect(r.error?.status).toBe(404);
      expect(r.error?.message).toBe('Transaction Db.Get: there is no document "nope" in the FullSync database "items"');
      const none = await ws.run({ connector: "Db", transaction: "Get", inputs: {} });
      expect(none.error?.code).toBe("missing_variable");
      expect(none.error?.message).toMatch(/"docid" is required/);
    } finally {
      await ws.close();
    }
  });

  it("says so when the database is not declared any more", async () => {
    const ws = await fullSyncWorkspace({ connectors: [connector] });
    try {
      await ws.fullsync.server.setDatabases([]);
      const r = await ws.run({ connector: "Db", transaction: "Get", inputs: { docid: "a" } });
      expect(r.error?.code).toBe("database_not_declared");
      expect(r.error?.message).toMatch(/^Transaction Db\.Get: the FullSync database "items" is not declared/);
    } finally {
      await ws.close();
    }
  });

  it("fails clearly when FullSync is not running, and is Private by default", async () => {
    const ws = await testWorkspace({ connectors: [connector] });
    try {
      const r = await ws.run({ connector: "Db", transaction: "Get", inputs: { docid: "a" } });
      expect(r.error?.code).toBe("fullsync_unavailable");
      expect(r.error?.message).toMatch(/Transaction Db\.Get: FullSync is not running.*"items"/);
      const outside = await ws.run({ connector: "Db", transaction: "Get", inputs: { docid: "a" }, fromOutside: true });
      expect(outside.error?.code).toBe("private_requestable");
    } finally {
      await ws.close();
    }
  });
});
