import { defineType } from "../../model/typedef.ts";

export const textType = defineType({
  type: "Text",
  label: "Text",
  category: "ui",
  icon: "text",
  description: "A text shown where it is: a plain text, or a value read from a source or computed by a script.",
  accepts: [],
  props: [
    {
      name: "value",
      label: "Value",
      kind: "binding",
      required: true,
      help: "The text: a plain text, a source (a sequence's output, a state, the item of a list...) or a script.",
    },
    {
      name: "format",
      label: "Format",
      kind: "enum",
      values: ["none", "date", "number", "currency"],
      default: "none",
      help: "How the value is shown: as it is, or as a date, a number or an amount in the device's language.",
    },
  ],
});
