import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";
import { childComponentProblems, duplicateNames, eventProblems, SHARED_COMPONENT_EVENTS } from "./ui-props.ts";

export const sharedComponentType = defineType({
  type: "SharedComponent",
  label: "Shared component",
  category: "ui",
  icon: "shared-component",
  description:
    "Components made once and used on several pages (Shared component use), with declared inputs (read as the input source) and events its users handle.",
  accepts: ["category:ui", "ComponentInput", "ComponentEvent", "Event", "Style"],
  onlyIn: ["Application"],
  file: "ui/shared",
  fileParent: "Application",
  props: [
    commentProp,
    {
      name: "rootLayout",
      label: "Layout",
      kind: "json",
      help: "How its content is laid out (as a component's Layout: direction, gap, padding...).",
      group: "Layout",
    },
  ],
  check: (node) => [
    ...duplicateNames(node, ["ComponentInput"], "inputs"),
    ...duplicateNames(node, ["ComponentEvent"], "events"),
    ...eventProblems(node, SHARED_COMPONENT_EVENTS, "A shared component"),
    ...childComponentProblems(node, "SharedComponent"),
  ],
});
