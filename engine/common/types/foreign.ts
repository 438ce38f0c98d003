import { defineType } from "../model/typedef.ts";

/**
 * An object of a kind Atelier does not run (imported from Convertigo: legacy connectors, mobile
 * components...). It is kept as it was, shown in the tree, saved back unchanged, and refused at
 * run time with an error that names it.
 */
export const foreignType = defineType({
  type: "Foreign",
  label: "Foreign object",
  category: "foreign",
  effects: "write",
  icon: "foreign",
  description: "An object of a kind Atelier does not run, kept unchanged from the project it came from.",
  accepts: ["*"],
  props: [
    { name: "class", label: "Original class", kind: "string", help: "The class of the object in its original system." },
    { name: "properties", label: "Original properties", kind: "json", help: "Its properties, as they were." },
    { name: "note", label: "Note", kind: "text", help: "Why it was kept as foreign." },
  ],
  run: (ctx) =>
    ctx.fail(
      "foreign_object",
      `"${ctx.node.name}" is a foreign object (${String(ctx.node.props.class ?? "unknown class")}) that Atelier cannot run`,
    ),
});
