import { defineType } from "../../model/typedef.ts";
import { commentProp, valueProps } from "../shared-props.ts";

export const elementStep = defineType({
  type: "Element",
  label: "Element",
  category: "step",
  icon: "element",
  description:
    "Adds a value to the output under the step's name. In an object, a name written twice becomes a list; in an array, the value is appended.",
  accepts: [],
  output: "value",
  props: [commentProp, ...valueProps("the element's value")],
  run: async (ctx) => {
    const value = await ctx.value();
    ctx.emit(ctx.node.name, value);
    return value;
  },
});
