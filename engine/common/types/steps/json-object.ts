import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";

export const jsonObjectStep = defineType({
  type: "JsonObject",
  label: "Object",
  category: "step",
  icon: "object",
  description: "Adds an object to the output under the step's name; the steps inside it fill it.",
  accepts: ["category:step"],
  output: "object",
  props: [commentProp],
  run: (ctx) => ctx.nest("object", ctx.node.name, () => ctx.runChildren()),
});
