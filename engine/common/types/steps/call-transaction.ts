import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";
import { isOutput, outputFlagAdded, outputProp } from "./output-prop.ts";

export const callTransactionStep = defineType({
  type: "CallTransaction",
  label: "Call Transaction",
  category: "step",
  icon: "call-transaction",
  description:
    "Runs a transaction of a connector with the values of its step variables. Its output is {status, headers, data}: use a source on data to read the answer.",
  version: 2,
  migrations: [outputFlagAdded(2, false)],
  accepts: ["StepVariable"],
  props: [
    commentProp,
    {
      name: "project",
      label: "Project",
      kind: "reference",
      refers: "project",
      help: "The project of the connector; empty for this project.",
    },
    {
      name: "connector",
      label: "Connector",
      kind: "reference",
      refers: "connector",
      qualifiedBy: { project: "project" },
      help: "The connector; empty for the project's default connector.",
    },
    {
      name: "transaction",
      label: "Transaction",
      kind: "reference",
      refers: "transaction",
      qualifiedBy: { project: "project", connector: "connector" },
      required: true,
      help: "The transaction to run.",
    },
    outputProp(false, "the transaction's answer (data)"),
  ],
  run: async (ctx) => {
    const vars = await ctx.stepVariables();
    const project = ctx.prop<string>("project") || undefined;
    const connector = ctx.prop<string>("connector") || undefined;
    const transaction = ctx.prop<string>("transaction");
    ctx.input("variables", vars);
    const result = await ctx.callTransaction({ project, connector, transaction }, vars);
    if (isOutput(ctx)) ctx.emit(ctx.node.name, result.data);
    return result;
  },
});
