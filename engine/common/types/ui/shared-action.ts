import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";
import { duplicateNames } from "./ui-props.ts";

export const sharedActionType = defineType({
  type: "SharedAction",
  label: "Shared action",
  category: "action",
  icon: "shared-action",
  description:
    "A chain of actions made once and run from several events (Invoke action), with declared inputs and an output.",
  accepts: ["ActionInput", "Action"],
  onlyIn: ["Application"],
  file: "ui/actions",
  fileParent: "Application",
  props: [
    commentProp,
    {
      name: "output",
      label: "Output",
      kind: "binding",
      help: "What the shared action answers its caller (e.g. the output of one of its actions). Empty: nothing.",
    },
  ],
  check: (node) => duplicateNames(node, ["ActionInput"], "inputs"),
});
