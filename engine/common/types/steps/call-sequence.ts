import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";
import { isOutput, outputFlagAdded, outputProp } from "./output-prop.ts";

export const callSequenceStep = defineType({
  type: "CallSequence",
  label: "Call Sequence",
  category: "step",
  icon: "call-sequence",
  description:
    "Runs another sequence (of this project or another) with its step variables as inputs; its output is the called sequence's output.",
  version: 2,
  migrations: [outputFlagAdded(2, false)],
  accepts: ["StepVariable"],
  props: [
    commentProp,
    { name: "project", label: "Project", kind: "reference", refers: "project", help: "Empty for this project." },
    {
      name: "sequence",
      label: "Sequence",
      kind: "reference",
      refers: "sequence",
      qualifiedBy: { project: "project" },
      required: true,
      help: "The sequence to run.",
    },
    outputProp(false, "the called sequence's output"),
  ],
  run: async (ctx) => {
    const vars = await ctx.stepVariables();
    ctx.input("variables", vars);
    const result = await ctx.callSequence(
      { project: ctx.prop<string>("project") || undefined, sequence: ctx.prop<string>("sequence") },
      vars,
    );
    if (isOutput(ctx)) ctx.emit(ctx.node.name, result);
    return result;
  },
});
