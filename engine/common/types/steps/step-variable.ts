import { defineType } from "../../model/typedef.ts";
import { valueProps } from "../shared-props.ts";

export const stepVariableType = defineType({
  type: "StepVariable",
  label: "Step variable",
  category: "variable",
  icon: "variable",
  description: "An input given to the transaction or sequence a call step runs; its name is the variable's name.",
  accepts: [],
  onlyIn: ["CallTransaction", "CallSequence"],
  props: [...valueProps("the variable's value")],
});
