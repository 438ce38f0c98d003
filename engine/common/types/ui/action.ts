import { isPlainObject } from "../../model/props.ts";
import { defineType } from "../../model/typedef.ts";
import { actionByName, type ActionChild } from "../../ui/actions.ts";
import { actionChildAllowed, actionProblems } from "../../ui/catalogue-checks.ts";

/** The catalogue's names of an action's children (the Else branch's type is ActionElse). */
const CATALOGUE_CHILD: Readonly<Record<string, ActionChild>> = {
  Action: "Action",
  OnError: "OnError",
  ActionElse: "Else",
};
const CHILD_WORD: Readonly<Record<string, string>> = {
  Action: "child actions",
  OnError: "OnError",
  ActionElse: "Else",
};

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
      entriesOf: { catalogue: "actions", prop: "action" },
    },
    {
      name: "parallel",
      label: "Parallel",
      kind: "boolean",
      default: false,
      help: "Run the child actions together instead of one after the other (as Convertigo did).",
    },
  ],
  // The catalogue decides the rest: the action exists, its inputs, the children it takes.
  check: (node) => {
    const name = node.props.action;
    const out: string[] = [];
    if (typeof name === "string" && name !== "") {
      out.push(...actionProblems(name, isPlainObject(node.props.inputs) ? node.props.inputs : {}));
      if (actionByName(name)) {
        const types = new Set(node.children.map((c) => c.type));
        for (const type of types) {
          const child = CATALOGUE_CHILD[type];
          if (child && !actionChildAllowed(name, child)) out.push(`${name} takes no ${CHILD_WORD[type]}`);
        }
      }
    }
    const count = (type: string) => node.children.filter((c) => c.type === type).length;
    if (count("ActionElse") > 1) out.push("An action has one Else");
    if (count("OnError") > 1) out.push("An action has one OnError");
    return out;
  },
});
