import { defineType } from "../../model/typedef.ts";

export const actionType = defineType({
  type: "Action",
  label: "Action",
  category: "action",
  icon: "action",
  description:
    "An action of a chain (call a sequence, set a state, navigate, show a toast...): which one and its inputs come from the actions catalogue. Its child actions run after it succeeds; OnError runs when it fails.",
  accepts: ["Action", "OnError", "ActionElse"],
  onlyIn: ["Event", "Action", "OnError", "ActionElse", "SharedAction"],
  props: [
    {
      name: "action",
      label: "Action",
      kind: "string",
      required: true,
      help: "The catalogue's action (CallSequence, SetState, Navigate...).",
    },
    {
      name: "inputs",
      label: "Inputs",
      kind: "bindings",
      default: {},
      help: "The action's inputs (the catalogue's), each a plain value, a source or a script.",
    },
    {
      name: "parallel",
      label: "Parallel",
      kind: "boolean",
      default: false,
      help: "Run the child actions together instead of one after the other (as Convertigo did).",
    },
  ],
  check: (node) => {
    const out: string[] = [];
    const count = (type: string) => node.children.filter((c) => c.type === type).length;
    if (count("ActionElse") > 0 && node.props.action !== "If") out.push("Only an If action has an Else");
    if (count("ActionElse") > 1) out.push("An If has one Else");
    if (count("OnError") > 1) out.push("An action has one OnError");
    return out;
  },
});
