import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";

export const whileStep = defineType({
  type: "While",
  label: "While",
  category: "step",
  icon: "loop",
  description:
    "Runs the steps inside it as long as its condition is true, up to a maximum number of iterations. A Break step inside ends it.",
  accepts: ["category:step"],
  flow: "loop",
  props: [
    commentProp,
    {
      name: "condition",
      label: "Condition",
      kind: "expression",
      required: true,
      help: "Evaluated before each iteration.",
    },
    {
      name: "maxIterations",
      label: "Maximum iterations",
      kind: "integer",
      default: 1000,
      min: 1,
      help: "Past this many iterations, the run ends with an error (a guard against endless loops).",
    },
  ],
  run: async (ctx) => {
    const max = ctx.prop<number>("maxIterations") ?? 1000;
    const condition = ctx.prop<string>("condition");
    let count = 0;
    while (await ctx.evaluate(condition, `condition of While "${ctx.node.name}"`)) {
      if (count >= max) {
        ctx.fail(
          "max_iterations",
          `While "${ctx.node.name}" went past its maximum of ${max} iterations`,
          undefined,
          500,
        );
      }
      count++;
      await ctx.checkAborted();
      if (!(await ctx.runLoopTurn())) break;
    }
    ctx.input("iterations", count);
    return count;
  },
});
