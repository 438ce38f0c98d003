import { defineType } from "../../model/typedef.ts";
import { identifierName } from "./ui-props.ts";

export const componentInputType = defineType({
  type: "ComponentInput",
  label: "Input",
  category: "state",
  icon: "input",
  description:
    "An input of a shared component: its users give it a value, the components inside read it (the input source, input.<name> in scripts).",
  accepts: [],
  onlyIn: ["SharedComponent"],
  props: [
    {
      name: "schema",
      label: "Schema",
      kind: "json",
      default: {},
      help: 'The JSON Schema of the value ({ "type": "string" }...), so bindings reading it are checked.',
    },
    { name: "default", label: "Default", kind: "json", help: "The value when its user gives none." },
  ],
  check: (node) => identifierName(node, "shared component's input"),
});
