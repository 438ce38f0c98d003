import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";
import { isOutput, outputFlagAdded, outputProp } from "./output-prop.ts";

export const jsonObjectStep = defineType({
  type: "JsonObject",
  label: "Object",
  category: "step",
  icon: "object",
  description: "Adds an object to the output under the step's name; the steps inside it fill it.",
  version: 2,
  migrations: [outputFlagAdded(2, true)],
  accepts: ["category:step"],
  output: "object",
  props: [commentProp, outputProp(true, "the object (with what the steps inside it add)")],
  run: (ctx) => ctx.nest("object", ctx.node.name, () => ctx.runChildren(), { output: isOutput(ctx) }),
});
