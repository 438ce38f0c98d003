import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";
import { checkBranches, checkSelection, selectedValues, selectionProps } from "./condition-support.ts";

export const ifExistsThenElseStep = defineType({
  type: "IfExistsThenElse",
  label: "If exists-Then-Else",
  category: "step",
  icon: "if",
  description:
    "Runs its Then steps when its source selects something (a value that is not null, or a non-empty list), its Else steps otherwise (Convertigo's If exists then else).",
  accepts: ["Then", "Else"],
  props: [commentProp, ...selectionProps],
  check: (node) => [...checkSelection(node), ...checkBranches(node, "If exists-Then-Else")],
  run: async (ctx) => {
    const selected = (await selectedValues(ctx)).length;
    ctx.input("selected", selected);
    const branch = ctx.node.children.find((c) => c.type === (selected > 0 ? "Then" : "Else"));
    if (branch) await ctx.runChildren([branch]);
    return selected > 0;
  },
});
