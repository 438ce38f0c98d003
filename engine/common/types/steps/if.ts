import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";

export const ifStep = defineType({
  type: "If",
  label: "If",
  category: "step",
  icon: "if",
  description: "Runs the steps inside it when its condition is true.",
  accepts: ["category:step"],
  flow: "condition",
  props: [
    commentProp,
    {
      name: "condition",
      label: "Condition",
      kind: "expression",
      required: true,
      help: "A JavaScript expression; its truthiness decides.",
    },
  ],
  run: async (ctx) => {
    const result = Boolean(await ctx.evaluate(ctx.prop<string>("condition"), `condition of If "${ctx.node.name}"`));
    ctx.input("condition", result);
    if (result) await ctx.runChildren();
    return result;
  },
});
