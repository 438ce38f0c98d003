import { defineType } from "../../../model/typedef.ts";
import {
  dbCall,
  fullSyncTransactionProps,
  givenOptions,
  openDatabase,
  queryOptionNames,
  queryVariables,
} from "./fullsync-support.ts";

export const fullSyncAllDocsType = defineType({
  type: "FullSyncAllDocs",
  label: "All Docs",
  category: "transaction",
  icon: "fullsync-list",
  description:
    "Lists the documents of the connector's FullSync database by id (CouchDB's _all_docs): {total_rows, offset, rows: [{id, key, value: {rev}, doc?}]}.",
  accepts: ["Variable", "TestCase"],
  onlyIn: ["FullSyncConnector"],
  props: fullSyncTransactionProps,
  variables: queryVariables,
  execute: async (tx, connector, ctx) => {
    const target = openDatabase(tx, connector, ctx);
    const opts = givenOptions(ctx.vars, queryOptionNames);
    ctx.input("options", opts);
    return { data: await dbCall(ctx, target, () => target.data.allDocs(opts)) };
  },
});
