import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";

export const returnStep = defineType({
  type: "Return",
  label: "Return",
  category: "step",
  icon: "return",
  description: "Ends the sequence now, with the output built so far.",
  accepts: [],
  props: [commentProp],
  run: (ctx) => ctx.finish(),
});
