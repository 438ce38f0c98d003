import { describe, expect, it } from "vitest";
import { fullSyncWorkspace } from "../../../../node/testing/fullsync-harness.ts";

const connector = {
  type: "FullSyncConnector",
  name: "Db",
  databaseName: "shop",
  children: [
    {
      type: "FullSyncDesignDocument",
      name: "orders",
      children: [
        {
          type: "FullSyncView",
          name: "byUser",
          map: 'function (doc) { if (doc.type === "order") emit(doc["~c8oAcl"], doc.qty); }',
          reduce: "_sum",
        },
      ],
    },
    { type: "FullSyncGetView", name: "ByUser", designDocument: "orders", view: "byUser" },
    { type: "FullSyncGetView", name: "Missing", designDocument: "orders", view: "nope" },
    // As lib_UserManager's GetView: the caller names the view (Convertigo's _use_ddoc, _use_view).
    { type: "FullSyncGetView", name: "AnyView" },
  ],
};

describe("FullSync Get View", () => {
  it("queries a view of a design document declared on the connector, map and reduce", async () => {
    const ws = await fullSyncWorkspace({ connectors: [connector] });
    try {
      const data = ws.fullsync.server.data("shop");
      await data.bulkDocs([
        { _id: "o1", type: "order", qty: 2, "~c8oAcl": "alice" },
        { _id: "o2", type: "order", qty: 5, "~c8oAcl": "alice" },
        { _id: "o3", type: "order", qty: 1, "~c8oAcl": "bob" },
        { _id: "c1", type: "catalog" },
      ]);
      const rows = await ws.run({
        connector: "Db",
        transaction: "ByUser",
        inputs: { key: '"alice"', reduce: "false", include_docs: "true" },
      });
      expect(rows.ok).toBe(true);
      const out = rows.output as { rows: { id: string; value: number; doc: { qty: number } }[] };
      expect(out.rows.map((r) => r.id).sort()).toEqual(["o1", "o2"]);
      expect(out.rows.every((r) => r.doc.qty === r.value)).toBe(true);
      const sums = await ws.run({ connector: "Db", transaction: "ByUser", inputs: { group: true } });
      expect((sums.output as { rows: unknown[] }).rows).toEqual([
        { key: "alice", value: 7 },
        { key: "bob", value: 1 },
      ]);
      // The view given at call time.
      const given = await ws.run({
        connector: "Db",
        transaction: "AnyView",
        inputs: { ddoc: "orders", view: "byUser", key: "bob", reduce: "false" },
      });
      expect((given.output as { rows: { id: string }[] }).rows.map((r) => r.id)).toEqual(["o3"]);
    } finally {
      await ws.close();
    }
  });

  it("names the view, the design document and the database when the view does not exist", async () => {
    const ws = await fullSyncWorkspace({ connectors: [connector] });
    try {
      const r = await ws.run({ connector: "Db", transaction: "Missing", inputs: {} });
      expect(r.error?.code).toBe("view_not_found");
      expect(r.error?.message).toMatch(
        /^Transaction Db\.Missing: the FullSync database "shop" has no view "nope" in the design document "orders"/,
      );
      const none = await ws.run({ connector: "Db", transaction: "AnyView", inputs: {} });
      expect(none.error).toMatchObject({ code: "view_not_given", status: 400 });
      expect(none.error?.message).toContain("give the ddoc and view variables");
      const bad = await ws.run({ connector: "Db", transaction: "AnyView", inputs: { ddoc: "../x", view: "v" } });
      expect(bad.error?.code).toBe("view_not_given");
      const wrong = await ws.run({ connector: "Db", transaction: "ByUser", inputs: { include_docs: true } });
      expect(wrong.error?.code).toBe("bad_request");
      expect(wrong.error?.message).toMatch(/^Transaction Db\.ByUser: the FullSync database "shop" refused/);
    } finally {
      await ws.close();
    }
  });
});
