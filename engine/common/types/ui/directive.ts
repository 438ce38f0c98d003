import { defineType } from "../../model/typedef.ts";
import { IDENTIFIER } from "./ui-props.ts";

export const directiveType = defineType({
  type: "Directive",
  label: "Directive",
  category: "ui",
  icon: "directive",
  description:
    "Shows its content once per item of a list (ForEach: the item is a source of the components inside) or only when a condition holds (If).",
  accepts: ["category:ui"],
  props: [
    {
      name: "kind",
      label: "Kind",
      kind: "enum",
      values: ["ForEach", "If"],
      default: "ForEach",
      help: "ForEach repeats the content for each item of Items; If shows it when Condition is true.",
    },
    {
      name: "items",
      label: "Items",
      kind: "binding",
      help: "ForEach: the list (a sequence's output, the rows of a view, a state...).",
    },
    {
      name: "condition",
      label: "Condition",
      kind: "binding",
      help: "If: the content shows when this is true (any value but false, null, 0, empty text).",
    },
    {
      name: "itemName",
      label: "Item name",
      kind: "string",
      default: "item",
      pattern: IDENTIFIER,
      help: "ForEach: the name scripts read the current item with.",
    },
    {
      name: "key",
      label: "Key",
      kind: "string",
      default: "_id",
      help: "ForEach: the path of what tells items apart in the item (keeps the screen stable as the list changes).",
    },
  ],
  check: (node) => {
    const kind = node.props.kind ?? "ForEach";
    const set = (v: unknown) => v !== undefined && v !== null && v !== "";
    const out: string[] = [];
    if (kind === "ForEach") {
      if (!set(node.props.items)) out.push("A ForEach needs Items: the list to repeat its content for");
      else if (typeof node.props.items !== "object") out.push("Items must be a list: a source or a script giving one");
      if (set(node.props.condition)) out.push("A ForEach has no condition (make it an If, or put an If inside)");
    }
    if (kind === "If") {
      if (!set(node.props.condition)) out.push("An If needs a Condition");
      if (set(node.props.items)) out.push("An If has no items (make it a ForEach)");
    }
    return out;
  },
});
