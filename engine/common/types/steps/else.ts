import { defineType } from "../../model/typedef.ts";

export const elseStep = defineType({
  type: "Else",
  label: "Else",
  category: "step",
  icon: "else",
  description: "The steps an If-Then-Else or an If exists-Then-Else runs when its condition is false.",
  accepts: ["category:step"],
  flow: "condition",
  onlyIn: ["IfThenElse", "IfExistsThenElse"],
  props: [],
  run: (ctx) => ctx.runChildren(),
});
