import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";

export const breakStep = defineType({
  type: "Break",
  label: "Break",
  category: "step",
  icon: "return",
  description:
    "Ends the innermost loop (Iterator, While) running it, now: the loop's remaining steps and turns are skipped and the sequence goes on after the loop. Outside a loop it does nothing, as in Convertigo.",
  accepts: [],
  props: [commentProp],
  run: (ctx) => {
    ctx.breakLoop();
  },
});
