import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";

export const ifThenElseStep = defineType({
  type: "IfThenElse",
  label: "If-Then-Else",
  category: "step",
  icon: "if",
  description: "Runs its Then steps when the condition is true, its Else steps otherwise.",
  accepts: ["Then", "Else"],
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
  check: (node) => {
    const thens = node.children.filter((c) => c.type === "Then").length;
    const elses = node.children.filter((c) => c.type === "Else").length;
    const issues: string[] = [];
    if (thens > 1) issues.push("An If-Then-Else holds at most one Then");
    if (elses > 1) issues.push("An If-Then-Else holds at most one Else");
    return issues;
  },
  run: async (ctx) => {
    const result = Boolean(
      await ctx.evaluate(ctx.prop<string>("condition"), `condition of If-Then-Else "${ctx.node.name}"`),
    );
    ctx.input("condition", result);
    const branch = ctx.node.children.find((c) => c.type === (result ? "Then" : "Else"));
    if (branch) await ctx.runChildren([branch]);
    return result;
  },
});
