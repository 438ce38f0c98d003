import { defineType } from "../../model/typedef.ts";
import { identifierName } from "./ui-props.ts";

export const actionInputType = defineType({
  type: "ActionInput",
  label: "Input",
  category: "state",
  icon: "input",
  description: "An input of a shared action: its callers give it a value, its actions read it (the input source).",
  accepts: [],
  onlyIn: ["SharedAction"],
  props: [
    {
      name: "schema",
      label: "Schema",
      kind: "json",
      default: {},
      help: 'The JSON Schema of the value ({ "type": "string" }...), so bindings reading it are checked.',
    },
    {
      name: "required",
      label: "Required",
      kind: "boolean",
      default: false,
      help: "Callers must give a value.",
    },
  ],
  check: (node) => identifierName(node, "shared action's input"),
});
