import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";
import { checkSelection, selectedValues, selectionProps } from "./condition-support.ts";

export const ifExistsStep = defineType({
  type: "IfExists",
  label: "If exists",
  category: "step",
  icon: "if",
  description:
    "Runs the steps inside it when its source selects something: a value that is not null, or a non-empty list (Convertigo's If exists).",
  accepts: ["category:step"],
  flow: "condition",
  props: [commentProp, ...selectionProps],
  check: checkSelection,
  run: async (ctx) => {
    const selected = (await selectedValues(ctx)).length;
    ctx.input("selected", selected);
    if (selected > 0) await ctx.runChildren();
    return selected > 0;
  },
});
