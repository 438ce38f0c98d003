import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";

export const jsonArrayStep = defineType({
  type: "JsonArray",
  label: "Array",
  category: "step",
  icon: "array",
  description: "Adds an array to the output under the step's name; each value the steps inside it add is appended.",
  accepts: ["category:step"],
  output: "array",
  props: [commentProp],
  run: (ctx) => ctx.nest("array", ctx.node.name, () => ctx.runChildren()),
});
