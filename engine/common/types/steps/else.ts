import { defineType } from "../../model/typedef.ts";

export const elseStep = defineType({
  type: "Else",
  label: "Else",
  category: "step",
  icon: "else",
  description: "The steps an If-Then-Else, If exists-Then-Else or Is in-Then-Else runs when its condition is false.",
  accepts: ["category:step"],
  flow: "condition",
  onlyIn: ["IfThenElse", "IfExistsThenElse", "IsInThenElse"],
  props: [],
  run: (ctx) => ctx.runChildren(),
});
