import { describe, expect, it } from "vitest";
import { fullSyncWorkspace } from "../../../../node/testing/fullsync-harness.ts";

const connector = {
  type: "FullSyncConnector",
  name: "Db",
  databaseName: "items",
  children: [{ type: "FullSyncAllDocs", name: "All" }],
};

type Rows = { rows: { id: string; doc?: { v: number } }[] };

describe("FullSync All Docs", () => {
  it("lists documents by id, with options given as JSON text or values", async () => {
    const ws = await fullSyncWorkspace({ connectors: [connector] });
    try {
      const data = ws.fullsync.server.data("items");
      for (const [id, v] of [
        ["a", 1],
        ["b", 2],
        ["c", 3],
      ] as const)
        await data.put({ _id: id, v });
      const range = await ws.run({
        connector: "Db",
        transaction: "All",
        inputs: { startkey: '"a"', endkey: '"b"', include_docs: "true" },
      });
      expect(range.ok).toBe(true);
      const rows = (range.output as Rows).rows;
      expect(rows.map((r) => r.id)).toEqual(["a", "b"]);
      expect(rows[1]?.doc?.v).toBe(2);
      const keyed = await ws.run({ connector: "Db", transaction: "All", inputs: { keys: ["c", "a"], limit: 1 } });
      expect((keyed.output as Rows).rows.map((r) => r.id)).toEqual(["c"]);
      // A key that is not JSON is a plain text (an id, as HTTP callers write it).
      const plain = await ws.run({ connector: "Db", transaction: "All", inputs: { startkey: "b" } });
      expect((plain.output as Rows).rows.map((r) => r.id)).toEqual(["b", "c"]);
      const bad = await ws.run({ connector: "Db", transaction: "All", inputs: { limit: "many" } });
      expect(bad.error?.code).toBe("invalid_variable");
    } finally {
      await ws.close();
    }
  });
});
