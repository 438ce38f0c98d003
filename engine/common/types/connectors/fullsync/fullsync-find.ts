import { isPlainObject } from "../../../model/props.ts";
import { defineType } from "../../../model/typedef.ts";
import { dbCall, fullSyncTransactionProps, givenOptions, openDatabase } from "./fullsync-support.ts";

export const fullSyncFindType = defineType({
  type: "FullSyncFind",
  label: "Find",
  category: "transaction",
  icon: "fullsync-find",
  description:
    'Finds documents of the connector\'s FullSync database with a Mango selector, e.g. {"type": "order", "qty": {"$gt": 2}}. Output: {docs: [...]}.',
  accepts: ["Variable", "TestCase"],
  onlyIn: ["FullSyncConnector"],
  props: fullSyncTransactionProps,
  variables: [
    {
      name: "selector",
      dataType: "json",
      required: true,
      description: 'The Mango selector, a JSON object: {"type": "order"}, {"qty": {"$gte": 2}}...',
    },
    { name: "fields", dataType: "json", description: "Only these fields of each document (a JSON array)." },
    { name: "sort", dataType: "json", description: 'Sort order, e.g. [{"qty": "desc"}] (needs an index).' },
    { name: "limit", dataType: "integer", description: "At most this many documents." },
    { name: "skip", dataType: "integer", description: "Skip this many documents first." },
    { name: "use_index", dataType: "json", description: "The index to use (a design document name)." },
  ],
  execute: async (tx, connector, ctx) => {
    const target = openDatabase(tx, connector, ctx);
    const selector = ctx.vars.selector;
    if (!isPlainObject(selector)) {
      return ctx.fail(
        "invalid_variable",
        `Transaction ${target.label}: the selector must be a JSON object such as {"type": "order"}`,
        undefined,
        400,
      );
    }
    const request = { selector, ...givenOptions(ctx.vars, ["fields", "sort", "limit", "skip", "use_index"]) };
    ctx.input("request", request);
    return { data: await dbCall(ctx, target, () => target.data.find(request)) };
  },
});
