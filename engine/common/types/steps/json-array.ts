import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";
import { isOutput, outputFlagAdded, outputProp } from "./output-prop.ts";

export const jsonArrayStep = defineType({
  type: "JsonArray",
  label: "Array",
  category: "step",
  icon: "array",
  description: "Adds an array to the output under the step's name; each value the steps inside it add is appended.",
  version: 2,
  migrations: [outputFlagAdded(2, true)],
  accepts: ["category:step"],
  output: "array",
  props: [commentProp, outputProp(true, "the array (with what the steps inside it add)")],
  run: (ctx) => ctx.nest("array", ctx.node.name, () => ctx.runChildren(), { output: isOutput(ctx) }),
});
