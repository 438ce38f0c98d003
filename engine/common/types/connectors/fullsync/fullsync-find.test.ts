import { describe, expect, it } from "vitest";
import { fullSyncWorkspace } from "../../../../node/testing/fullsync-harness.ts";

const connector = {
  type: "FullSyncConnector",
  name: "Db",
  databaseName: "shop",
  children: [{ type: "FullSyncFind", name: "Find" }],
};

describe("FullSync Find", () => {
  it("finds documents with a Mango selector, fields and limit", async () => {
    const ws = await fullSyncWorkspace({ connectors: [connector] });
    try {
      await ws.fullsync.server.data("shop").bulkDocs([
        { _id: "o1", type: "order", qty: 2 },
        { _id: "o2", type: "order", qty: 5 },
        { _id: "c1", type: "catalog", qty: 9 },
      ]);
      const r = await ws.run({
        connector: "Db",
        transaction: "Find",
        inputs: { selector: '{"type": "order", "qty": {"$gt": 3}}', fields: '["_id", "qty"]' },
      });
      expect(r.ok).toBe(true);
      expect((r.output as { docs: unknown[] }).docs).toEqual([{ _id: "o2", qty: 5 }]);
      const two = await ws.run({
        connector: "Db",
        transaction: "Find",
        inputs: { selector: { type: "order" }, limit: 1 },
      });
      expect((two.output as { docs: unknown[] }).docs).toHaveLength(1);
    } finally {
      await ws.close();
    }
  });

  it("needs a selector that is a JSON object", async () => {
    const ws = await fullSyncWorkspace({ connectors: [connector] });
    try {
      const none = await ws.run({ connector: "Db", transaction: "Find", inputs: {} });
      expect(none.error?.code).toBe("missing_variable");
      const list = await ws.run({ connector: "Db", transaction: "Find", inputs: { selector: "[1]" } });
      expect(list.error?.code).toBe("invalid_variable");
      expect(list.error?.message).toMatch(/^Transaction Db\.Find: the selector must be a JSON object/);
    } finally {
      await ws.close();
    }
  });
});
