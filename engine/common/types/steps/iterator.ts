import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";

export const iteratorStep = defineType({
  type: "Iterator",
  label: "Iterator",
  category: "step",
  icon: "loop",
  description:
    "Runs the steps inside it once per item of a list (from a source or an expression); the item and its index are variables of the JavaScript scope. A Break step inside ends it.",
  accepts: ["category:step"],
  flow: "loop",
  props: [
    commentProp,
    {
      name: "source",
      label: "Source",
      kind: "source",
      help: "The list to iterate: an earlier step's output and a path.",
      group: "List",
    },
    {
      name: "expression",
      label: "Expression",
      kind: "expression",
      help: "The list to iterate, as a JavaScript expression (used when there is no source).",
      group: "List",
    },
    {
      name: "itemName",
      label: "Item variable",
      kind: "string",
      default: "item",
      pattern: "[A-Za-z_$][A-Za-z0-9_$]*",
      help: "The name under which the steps inside see the current item.",
    },
    {
      name: "indexName",
      label: "Index variable",
      kind: "string",
      default: "index",
      pattern: "[A-Za-z_$][A-Za-z0-9_$]*",
      help: "The name under which the steps inside see the current index (from 0).",
    },
    {
      name: "maxIterations",
      label: "Maximum iterations",
      kind: "integer",
      default: 0,
      min: 0,
      help: "0 for no limit; otherwise iterate over at most this many items.",
    },
  ],
  run: async (ctx) => {
    const list = await ctx.value();
    let items: unknown[];
    if (Array.isArray(list)) items = list;
    else if (list === undefined || list === null) items = [];
    else if (typeof list === "object") items = Object.values(list as object);
    else items = [list];
    const max = ctx.prop<number>("maxIterations") ?? 0;
    if (max > 0) items = items.slice(0, max);
    ctx.input("count", items.length);
    const itemName = ctx.prop<string>("itemName") || "item";
    const indexName = ctx.prop<string>("indexName") || "index";
    for (let i = 0; i < items.length; i++) {
      await ctx.checkAborted();
      await ctx.setScopeVariable(itemName, items[i]);
      await ctx.setScopeVariable(indexName, i);
      if (!(await ctx.runLoopTurn())) break;
    }
    return items.length;
  },
});
