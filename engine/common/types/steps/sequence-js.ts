import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";

export const sequenceJsStep = defineType({
  type: "SequenceJS",
  label: "Sequence JS",
  category: "step",
  effects: "write",
  icon: "code",
  description:
    "Runs JavaScript in the run's sandbox. Variables it declares stay visible to later steps; its output is the value of its last statement.",
  accepts: [],
  props: [
    commentProp,
    {
      name: "code",
      label: "Code",
      kind: "code",
      default: "",
      help: "JavaScript statements. log(...) writes to the engine log.",
    },
  ],
  run: async (ctx) => {
    const code = ctx.prop<string>("code") ?? "";
    if (code.trim() === "") return undefined;
    return await ctx.execute(code, `Sequence JS step "${ctx.node.name}"`);
  },
});
