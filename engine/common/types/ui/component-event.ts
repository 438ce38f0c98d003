import { defineType } from "../../model/typedef.ts";
import { identifierName } from "./ui-props.ts";

export const componentEventType = defineType({
  type: "ComponentEvent",
  label: "Event declaration",
  category: "state",
  icon: "event",
  description: "An event a shared component emits (Emit action); its users handle it with an Event named after it.",
  accepts: [],
  onlyIn: ["SharedComponent"],
  props: [
    {
      name: "payload",
      label: "Payload schema",
      kind: "json",
      help: "The JSON Schema of what the event carries (the event source of its handlers).",
    },
  ],
  check: (node) => identifierName(node, "shared component's event"),
});
