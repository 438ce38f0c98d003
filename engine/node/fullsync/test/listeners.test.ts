/** FullSync listeners run by the engine: real view, real sequence, the owner in the session. */
import { describe, expect, it } from "vitest";
import { fullSyncWorkspace } from "../../testing/fullsync-harness.ts";

const connector = {
  type: "FullSyncConnector",
  name: "Db",
  databaseName: "shop",
  children: [
    {
      type: "FullSyncDesignDocument",
      name: "d",
      children: [
        { type: "FullSyncView", name: "orders", map: 'function (doc) { if (doc.type === "order") emit(doc._id); }' },
      ],
    },
    { type: "FullSyncPostDocument", name: "Record", writePolicy: "create" },
    {
      type: "FullSyncListener",
      name: "Seen",
      targetSequence: "Seen",
      designDocument: "d",
      view: "orders",
      chunkSize: 2,
    },
    {
      type: "FullSyncListener",
      name: "Off",
      targetSequence: "Seen",
      designDocument: "d",
      view: "orders",
      enabled: false,
    },
    { type: "FullSyncListener", name: "NoDoc", targetSequence: "NoDoc", designDocument: "d", view: "orders" },
  ],
};

const sequences = [
  {
    type: "Sequence",
    name: "Seen",
    accessibility: "Private",
    children: [
      { type: "Variable", name: "doc", dataType: "json", multiValued: true },
      {
        type: "CallTransaction",
        name: "rec",
        connector: "Db",
        transaction: "Record",
        children: [
          {
            type: "StepVariable",
            name: "data",
            expression:
              '({ type: "seen", ids: doc.map(function (d) { return d._id; }), keys: Object.keys(doc[0]).sort() })',
          },
        ],
      },
    ],
  },
  { type: "Sequence", name: "NoDoc", children: [] },
];

describe("FullSync listeners in the engine", () => {
  it("hand the documents of the view to the sequence, by chunk and owner, ACL keys removed", async () => {
    const ws = await fullSyncWorkspace({ connectors: [connector], sequences });
    try {
      const data = ws.fullsync.server.data("shop");
      await data.bulkDocs([
        { _id: "o1", type: "order", "~c8oAcl": "alice", c8oGrp: "sales" },
        { _id: "o2", type: "order", "~c8oAcl": "bob" },
        { _id: "o3", type: "order", "~c8oAcl": "alice" },
        { _id: "c1", type: "catalog" },
      ]);
      ws.fullsync.listeners.onPush({ db: "shop", ids: ["o1", "o2", "o3", "c1"], user: "alice" });
      await ws.fullsync.listeners.whenIdle();
      const seen = (await data.find({ selector: { type: "seen" } })) as {
        docs: { ids: string[]; keys: string[]; "~c8oAcl": string }[];
      };
      const runs = seen.docs.map((d) => [d["~c8oAcl"], d.ids]).sort();
      // Chunks of 2 ids (o1, o2 | o3, c1), then one run per owner; the catalogue is not in the view.
      expect(runs).toEqual([
        ["alice", ["o1"]],
        ["alice", ["o3"]],
        ["bob", ["o2"]],
      ]);
      for (const d of seen.docs) expect(d.keys).toEqual(["_id", "_rev", "type"]);
      const status = ws.fullsync.listeners.status();
      expect(status.map((s) => s.listener).sort()).toEqual(["NoDoc", "Seen"]);
      expect(status.find((s) => s.listener === "Seen")).toMatchObject({ succeeded: 3, failed: 0 });
      // A target sequence without the variable doc is reported at once (retrying cannot help).
      expect(status.find((s) => s.listener === "NoDoc")).toMatchObject({ runs: 2, failed: 2, retries: 0 });
      expect(status.find((s) => s.listener === "NoDoc")?.failures[0]?.message).toMatch(
        /the sequence P\.NoDoc declares no variable "doc"/,
      );
    } finally {
      await ws.close();
    }
  });
});
