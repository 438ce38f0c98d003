import { defineType } from "../../model/typedef.ts";

export const thenStep = defineType({
  type: "Then",
  label: "Then",
  category: "step",
  icon: "then",
  description: "The steps an If-Then-Else, If exists-Then-Else or Is in-Then-Else runs when its condition is true.",
  accepts: ["category:step"],
  flow: "condition",
  onlyIn: ["IfThenElse", "IfExistsThenElse", "IsInThenElse"],
  props: [],
  run: (ctx) => ctx.runChildren(),
});
