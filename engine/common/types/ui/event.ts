import { defineType } from "../../model/typedef.ts";

export const eventType = defineType({
  type: "Event",
  label: "Event",
  category: "event",
  icon: "event",
  description:
    "Runs its actions, in order, when its parent's event happens (a button's click, a page's enter, the application's start...).",
  accepts: ["Action"],
  onlyIn: ["Application", "Page", "Component", "UseShared", "SharedComponent"],
  props: [
    {
      name: "on",
      label: "On",
      kind: "string",
      required: true,
      help: "The event: one of those its parent offers (click, change, enter...).",
      check: (v) => (typeof v === "string" && v.trim() === "" ? "On names no event" : undefined),
    },
    {
      name: "parallel",
      label: "Parallel",
      kind: "boolean",
      default: false,
      help: "Run the actions together instead of one after the other (as Convertigo did).",
    },
    {
      name: "debounceMs",
      label: "Debounce (ms)",
      kind: "integer",
      default: 0,
      min: 0,
      help: "Wait this long after the last event before running (typing in a search field); 0: run at once.",
    },
  ],
});
