import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";
import {
  checkBranches,
  checkPatterns,
  checkSelection,
  isIn,
  patternProps,
  selectionProps,
} from "./condition-support.ts";

export const isInThenElseStep = defineType({
  type: "IsInThenElse",
  label: "Is in-Then-Else",
  category: "step",
  icon: "if",
  description:
    "Runs its Then steps when its source selects something and every value's text passes its regular expressions, its Else steps otherwise (Convertigo's Is in then else).",
  accepts: ["Then", "Else"],
  props: [commentProp, ...selectionProps, ...patternProps],
  check: (node) => [...checkSelection(node), ...checkPatterns(node), ...checkBranches(node, "Is in-Then-Else")],
  run: async (ctx) => {
    const result = await isIn(ctx);
    const branch = ctx.node.children.find((c) => c.type === (result ? "Then" : "Else"));
    if (branch) await ctx.runChildren([branch]);
    return result;
  },
});
