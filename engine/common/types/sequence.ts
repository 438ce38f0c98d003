import { defineType } from "../model/typedef.ts";
import { commentProp, requestableProps } from "./shared-props.ts";

export const sequenceType = defineType({
  type: "Sequence",
  label: "Sequence",
  category: "sequence",
  icon: "sequence",
  description: "A service made of steps; callable over HTTP, from other sequences and from the CLI.",
  accepts: ["category:step", "Variable", "TestCase"],
  onlyIn: ["Project"],
  file: "sequences",
  props: [
    commentProp,
    ...requestableProps,
    {
      name: "timeoutMs",
      label: "Time limit (ms)",
      kind: "integer",
      default: 60000,
      min: 1,
      help: "A run that lasts longer is stopped with an error.",
    },
  ],
});
