import { isPlainObject } from "../../model/props.ts";
import { defineType } from "../../model/typedef.ts";
import { componentProblems, eventProblem } from "../../ui/catalogue-checks.ts";
import { componentByName } from "../../ui/catalogue.ts";
import { commentProp } from "../shared-props.ts";
import { childComponentProblems } from "./ui-props.ts";

/** The keys of a component's `layout` (flex only: no absolute positions). */
export const LAYOUT_KEYS = [
  "direction",
  "gap",
  "align",
  "justify",
  "wrap",
  "padding",
  "grow",
  "basis",
  "alignSelf",
  "width",
  "maxWidth",
  "hideBelow",
] as const;

export const componentType = defineType({
  type: "Component",
  label: "Component",
  category: "ui",
  icon: "component",
  description:
    "A component of a page (a button, a list, an input...): which one and its properties come from the component catalogue; its content are its children and its text.",
  accepts: ["category:ui", "Event"],
  props: [
    commentProp,
    {
      name: "component",
      label: "Component",
      kind: "string",
      required: true,
      help: "The catalogue's component (Button, List, Input...).",
    },
    {
      name: "inputs",
      label: "Properties",
      kind: "bindings",
      default: {},
      help: "The component's properties (the catalogue's), each a plain value, a source or a script.",
    },
    {
      name: "text",
      label: "Text",
      kind: "binding",
      help: "The text the component shows (for components that show one): a plain text, a source or a script.",
    },
    {
      name: "layout",
      label: "Layout",
      kind: "json",
      help: `How its children are laid out and how it sits in its parent: ${LAYOUT_KEYS.join(", ")}.`,
      group: "Layout",
      check: (v) => {
        if (v === undefined || v === null) return undefined;
        if (typeof v !== "object" || Array.isArray(v)) return "Layout must be an object such as { direction: column }";
        const unknown = Object.keys(v).filter((k) => !(LAYOUT_KEYS as readonly string[]).includes(k));
        return unknown.length ? `Layout has no ${unknown.map((k) => `"${k}"`).join(", ")}` : undefined;
      },
    },
    {
      name: "styleClass",
      label: "Style classes",
      kind: "string",
      help: "CSS classes given to the component (defined in a Style).",
      group: "Layout",
    },
    {
      name: "slot",
      label: "Slot",
      kind: "string",
      help: "Where the component goes in its parent, for components with slots (start, end...).",
      group: "Layout",
    },
  ],
  // The catalogue decides the rest: the component exists, its properties, its children, its events.
  check: (node) => {
    const name = node.props.component;
    if (typeof name !== "string" || name === "") return [];
    const entry = componentByName(name);
    const inputs = isPlainObject(node.props.inputs) ? node.props.inputs : {};
    const out = componentProblems(name, inputs);
    if (!entry) return out;
    const text = node.props.text;
    if (text !== undefined && text !== null && text !== "" && !entry.text) out.push(`${name} shows no text`);
    out.push(...childComponentProblems(node, name));
    for (const c of node.children) {
      if (c.type !== "Event" || typeof c.props.on !== "string" || c.props.on.trim() === "") continue;
      const problem = eventProblem(name, c.props.on);
      if (problem) out.push(`${c.name}: ${problem}`);
    }
    return out;
  },
});
