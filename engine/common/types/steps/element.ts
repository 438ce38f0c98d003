import { defineType } from "../../model/typedef.ts";
import { commentProp, valueProps } from "../shared-props.ts";
import { isOutput, outputFlagAdded, outputProp } from "./output-prop.ts";

export const elementStep = defineType({
  type: "Element",
  label: "Element",
  category: "step",
  icon: "element",
  description:
    "Adds a value to the output under the step's name. In an object, a name written twice becomes a list; in an array, the value is appended.",
  version: 2,
  migrations: [outputFlagAdded(2, true)],
  accepts: [],
  output: "value",
  props: [commentProp, ...valueProps("the element's value"), outputProp(true, "the value")],
  run: async (ctx) => {
    const value = await ctx.value();
    if (isOutput(ctx)) ctx.emit(ctx.node.name, value);
    return value;
  },
});
