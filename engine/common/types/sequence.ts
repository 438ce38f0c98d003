import { schemaProblem } from "../model/json-schema.ts";
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
  version: 2,
  migrations: [
    {
      to: 2,
      description: "an optional declared output schema (outputSchema) was added; nothing to write",
      up: (props) => props,
    },
  ],
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
    {
      name: "outputSchema",
      label: "Output schema",
      kind: "json",
      help: 'The JSON Schema of the response ({ "type": "object", "properties": { ... } }): when set, it is what apps bind to and what the Studio checks their bindings against. Empty: inferred from the steps, the test cases and the last runs.',
      group: "Output",
      check: (v) => schemaProblem(v, "Output schema"),
    },
  ],
});
