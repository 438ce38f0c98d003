import { defineType } from "../../model/typedef.ts";
import { identifierName } from "./ui-props.ts";

export const stateType = defineType({
  type: "State",
  label: "State",
  category: "state",
  icon: "state",
  description:
    "A value the app keeps, declared with its schema: on the application for every page (the logged-in user...), on a page while it is open. Read by the state source (state.<name> in scripts), set by the SetState action.",
  accepts: [],
  onlyIn: ["Application", "Page"],
  props: [
    {
      name: "schema",
      label: "Schema",
      kind: "json",
      default: {},
      help: 'The JSON Schema of the value ({ "type": "string" }...), so bindings reading it are checked.',
    },
    { name: "default", label: "Default", kind: "json", help: "The value before anything sets it." },
    {
      name: "persist",
      label: "Persist",
      kind: "enum",
      values: ["none", "session", "device"],
      default: "none",
      help: "Keep the value: none (lost on reload), session (for the browser tab's life), device (across reloads and offline, e.g. the logged-in user).",
    },
  ],
  check: (node) => identifierName(node, "state"),
});
