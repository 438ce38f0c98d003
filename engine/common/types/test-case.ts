import { isPlainObject } from "../model/props.ts";
import { defineType } from "../model/typedef.ts";

export const testCaseType = defineType({
  type: "TestCase",
  label: "Test case",
  category: "test",
  icon: "test",
  description:
    "Saved inputs and the output expected for them. The expected output is a subset: every key and array item it lists must be in the actual output with the same value.",
  accepts: [],
  onlyIn: ["Sequence", "category:transaction"],
  props: [
    {
      name: "inputs",
      label: "Inputs",
      kind: "json",
      default: {},
      help: "Variable values, as a JSON object (a list for a multi-valued variable).",
      variableNames: "keys",
      check: (v) => (isPlainObject(v) ? undefined : "Inputs must be a JSON object of variable values"),
    },
    {
      name: "expected",
      label: "Expected output",
      kind: "json",
      help: 'The output expected, as a subset. For an expected error, give {"error": {"code": "..."}}.',
    },
    { name: "description", label: "Description", kind: "text", help: "What the case checks." },
  ],
});
