import type { FullSyncDocument } from "../../../model/fullsync.ts";
import { defineType } from "../../../model/typedef.ts";
import { dbCall, fullSyncTransactionProps, openDatabase } from "./fullsync-support.ts";

export const fullSyncGetDocumentType = defineType({
  type: "FullSyncGetDocument",
  label: "Get Document",
  category: "transaction",
  icon: "fullsync-get",
  description: "Reads one document of the connector's FullSync database by its id; the output is the document.",
  accepts: ["Variable", "TestCase"],
  onlyIn: ["FullSyncConnector"],
  props: fullSyncTransactionProps,
  variables: [
    { name: "docid", dataType: "string", required: true, description: "The document's _id." },
    { name: "rev", dataType: "string", description: "A given revision instead of the current one." },
    { name: "revs", dataType: "boolean", description: "Add the document's revision history (_revisions)." },
    { name: "conflicts", dataType: "boolean", description: "Add the ids of conflicting revisions (_conflicts)." },
  ],
  execute: async (tx, connector, ctx) => {
    const target = openDatabase(tx, connector, ctx);
    const docid = String(ctx.vars.docid);
    const opts: { rev?: string; revs?: boolean; conflicts?: boolean } = {};
    if (typeof ctx.vars.rev === "string" && ctx.vars.rev !== "") opts.rev = ctx.vars.rev;
    if (ctx.vars.revs === true) opts.revs = true;
    if (ctx.vars.conflicts === true) opts.conflicts = true;
    const doc: FullSyncDocument = await dbCall(ctx, target, () => target.data.get(docid, opts), docid);
    return { data: doc };
  },
});
