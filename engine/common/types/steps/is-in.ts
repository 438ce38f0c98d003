import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";
import { checkPatterns, checkSelection, isIn, patternProps, selectionProps } from "./condition-support.ts";

export const isInStep = defineType({
  type: "IsIn",
  label: "Is in",
  category: "step",
  icon: "if",
  description:
    "Runs the steps inside it when its source selects something and every value's text passes its regular expressions (Convertigo's Is in).",
  accepts: ["category:step"],
  flow: "condition",
  props: [commentProp, ...selectionProps, ...patternProps],
  check: (node) => [...checkSelection(node), ...checkPatterns(node)],
  run: async (ctx) => {
    const result = await isIn(ctx);
    if (result) await ctx.runChildren();
    return result;
  },
});
