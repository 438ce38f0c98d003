import { defineType } from "../../../model/typedef.ts";
import { NAME_PATTERN } from "../../shared-props.ts";
import {
  failFromDb,
  fullSyncTransactionProps,
  givenOptions,
  openDatabase,
  queryOptionNames,
  queryVariables,
} from "./fullsync-support.ts";

const reduceVariables = [
  { name: "reduce", dataType: "boolean", description: "Use the view's reduce function (default: when it has one)." },
  { name: "group", dataType: "boolean", description: "Reduce by distinct key." },
  { name: "group_level", dataType: "integer", description: "Reduce by the first N items of array keys." },
] as const;

export const fullSyncGetViewType = defineType({
  type: "FullSyncGetView",
  label: "Get View",
  category: "transaction",
  icon: "fullsync-view",
  description:
    "Queries a view of the connector's FullSync database (a map/reduce view of a design document declared on the connector): {total_rows, offset, rows: [{id, key, value, doc?}]}.",
  accepts: ["Variable", "TestCase"],
  onlyIn: ["FullSyncConnector"],
  props: [
    ...fullSyncTransactionProps,
    {
      name: "designDocument",
      label: "Design document",
      kind: "string",
      required: true,
      pattern: NAME_PATTERN,
      help: "The design document's name, without _design/ (a Design document of this connector).",
      group: "FullSync",
    },
    {
      name: "view",
      label: "View",
      kind: "string",
      required: true,
      pattern: NAME_PATTERN,
      help: "The view's name in the design document.",
      group: "FullSync",
    },
  ],
  variables: [...queryVariables, ...reduceVariables],
  execute: async (tx, connector, ctx) => {
    const target = openDatabase(tx, connector, ctx);
    const ddoc = ctx.prop<string>(tx, "designDocument");
    const view = ctx.prop<string>(tx, "view");
    const opts = givenOptions(ctx.vars, [...queryOptionNames, ...reduceVariables.map((v) => v.name)]);
    ctx.input("view", `${ddoc}/${view}`);
    ctx.input("options", opts);
    try {
      return { data: await target.data.query(`${ddoc}/${view}`, opts) };
    } catch (e) {
      const err = e as { status?: number };
      if (err && err.status === 404) {
        return ctx.fail(
          "view_not_found",
          `Transaction ${target.label}: the FullSync database "${target.db}" has no view "${view}" in the design document "${ddoc}" (declare it as a Design document of the connector ${connector.name})`,
          { database: target.db, designDocument: ddoc, view },
          404,
        );
      }
      return failFromDb(ctx, target, e);
    }
  },
});
