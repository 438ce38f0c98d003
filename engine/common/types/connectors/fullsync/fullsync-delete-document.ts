import { defineType } from "../../../model/typedef.ts";
import { dbCall, failFromDb, fullSyncTransactionProps, isConflict, openDatabase } from "./fullsync-support.ts";

export const fullSyncDeleteDocumentType = defineType({
  type: "FullSyncDeleteDocument",
  label: "Delete Document",
  category: "transaction",
  effects: "write",
  icon: "fullsync-delete",
  description:
    "Deletes a document of the connector's FullSync database (a tombstone that keeps its ACL, so devices that saw it receive the deletion). Output: {ok, id, rev}.",
  accepts: ["Variable", "TestCase"],
  onlyIn: ["FullSyncConnector"],
  props: fullSyncTransactionProps,
  variables: [
    { name: "docid", dataType: "string", required: true, description: "The document's _id." },
    {
      name: "rev",
      dataType: "string",
      description: "The revision to delete; without it, the current revision (whatever it is) is deleted.",
    },
  ],
  execute: async (tx, connector, ctx) => {
    const target = openDatabase(tx, connector, ctx);
    const docid = String(ctx.vars.docid);
    const given = typeof ctx.vars.rev === "string" && ctx.vars.rev !== "" ? ctx.vars.rev : undefined;
    if (given) return { data: await dbCall(ctx, target, () => target.data.remove(docid, given), docid) };
    // Without a revision: delete the current one, again if a device wrote meanwhile.
    for (let attempt = 1; ; attempt++) {
      const current = await dbCall(ctx, target, () => target.data.get(docid), docid);
      try {
        return { data: await target.data.remove(docid, current._rev) };
      } catch (e) {
        if (!isConflict(e) || attempt >= 5) return failFromDb(ctx, target, e, docid);
      }
    }
  },
});
