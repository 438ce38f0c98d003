import { defineType } from "../../model/typedef.ts";

export const useSharedType = defineType({
  type: "UseShared",
  label: "Shared component use",
  category: "ui",
  icon: "use-shared",
  description:
    "Shows a shared component of the application here, giving values to its inputs; its events (the ones it declares) run the actions of Event children.",
  accepts: ["Event"],
  props: [
    {
      name: "component",
      label: "Shared component",
      kind: "reference",
      refers: "sharedComponent",
      required: true,
      missing: { severity: "error", hint: ["Create it under the application, or choose another one."] },
      help: "The shared component shown.",
    },
    {
      name: "inputs",
      label: "Inputs",
      kind: "bindings",
      default: {},
      help: "Values of the shared component's inputs, by name: plain values, sources or scripts.",
    },
  ],
});
