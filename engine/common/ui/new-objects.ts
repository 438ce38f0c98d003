/**
 * The objects the designer creates when a component is dropped (issue 18, design §6.3): a
 * catalogue entry becomes a Component with the entry's `initial` values and its `defaults`
 * children (a Header comes with its Toolbar and Title, a List with a header and an item), named
 * so that the names read well in the tree (Button, Button2...) and collide with nothing around.
 *
 * Pure: the Studio sends the result to the engine's paste route, which checks it like any paste.
 */
import type { Json } from "../model/typedef.ts";
import { childProblem } from "./catalogue-checks.ts";
import { componentByName, type NodeTemplate } from "./catalogue.ts";

/** An object to create: the shape the Studio's paste route takes. */
export interface NewObject {
  type: string;
  name: string;
  props: Record<string, Json>;
  children: NewObject[];
}

/** `base`, else `base2`, `base3`... the first not in `taken` (which then holds it). */
export function freeName(base: string, taken: Set<string>): string {
  const clean = base.replace(/[^A-Za-z0-9_]/g, "") || "Item";
  const start = /^[0-9]/.test(clean) ? `C${clean}` : clean;
  let name = start;
  for (let i = 2; taken.has(name); i++) name = `${start}${i}`;
  taken.add(name);
  return name;
}

/** The default name of a template: its own, else its component, its event, or its type. */
function baseName(t: NodeTemplate): string {
  if (t.name) return t.name;
  const p = t.props ?? {};
  if (typeof p.component === "string") return p.component;
  if (t.type === "Event" && typeof p.on === "string") return `On${p.on.charAt(0).toUpperCase()}${p.on.slice(1)}`;
  if (t.type === "Directive" && typeof p.kind === "string") return p.kind;
  return t.type;
}

/** A template (the catalogue's `defaults`) as an object to create, its names free in `taken`. */
export function fromTemplate(t: NodeTemplate, taken: Set<string>): NewObject {
  return {
    type: t.type,
    name: freeName(baseName(t), taken),
    props: structuredClone(t.props ?? {}),
    children: (t.children ?? []).map((c) => fromTemplate(c, taken)),
  };
}

/**
 * A new Component of the catalogue entry `component` with its initial values and default
 * children, or undefined for a name the catalogue does not have.
 */
export function newComponent(component: string, taken: Set<string>): NewObject | undefined {
  const entry = componentByName(component);
  if (!entry) return undefined;
  const props: Record<string, Json> = { component: entry.name };
  if (entry.initial?.inputs && Object.keys(entry.initial.inputs).length) props.inputs = entry.initial.inputs;
  if (entry.initial?.text !== undefined) props.text = entry.initial.text;
  return fromTemplate({ type: "Component", props, children: entry.defaults ?? [] }, taken);
}

/** What the designer's palette offers besides the catalogue's components. */
export type StructureItem =
  { type: "Text" } | { type: "Directive"; kind: "ForEach" | "If" } | { type: "UseShared"; component: string };

/** A new Text, ForEach, If or use of a shared component. */
export function newStructure(item: StructureItem, taken: Set<string>): NewObject {
  switch (item.type) {
    case "Text":
      return fromTemplate({ type: "Text", props: { value: "Text" } }, taken);
    case "Directive":
      return fromTemplate(
        {
          type: "Directive",
          props: { kind: item.kind },
        },
        taken,
      );
    case "UseShared":
      return fromTemplate({ type: "UseShared", name: item.component, props: { component: item.component } }, taken);
  }
}

/** An object as the placement rules see it: its type, and its catalogue component for a Component. */
export interface Placed {
  type: string;
  component?: unknown;
}

/**
 * Why `holder` cannot take `child` on screen, or undefined when it can: the component catalogue's
 * `children`/`parents` for components (as the Problems view checks them); Texts, directives and
 * shared components go wherever a component takes children. Holders are pages, shared
 * components and Components (directives are placed through by the tree, not the preview).
 */
export function holdProblem(holder: Placed, child: Placed): string | undefined {
  const holderName =
    holder.type === "Page" || holder.type === "SharedComponent"
      ? holder.type
      : holder.type === "Component" && typeof holder.component === "string"
        ? holder.component
        : undefined;
  if (!holderName) return `A ${holder.type} holds no components`;
  if (child.type === "Component") {
    return typeof child.component === "string" ? childProblem(holderName, child.component) : "Unknown component";
  }
  if (!["Text", "Directive", "UseShared"].includes(child.type)) return `A ${child.type} does not go on a page`;
  return componentByName(holderName)?.children === "none" ? `${holderName} takes no children` : undefined;
}

/**
 * Whether the designer adds beside a component rather than in it: one showing a text and taking
 * anything (a Label) reads as a leaf on screen; only the explorer puts things inside it. The
 * items a text component names (a Button's Icon) still go in.
 */
export function addsBeside(holder: Placed): boolean {
  if (holder.type !== "Component" || typeof holder.component !== "string") return false;
  const entry = componentByName(holder.component);
  return Boolean(entry?.text && entry.children === "any");
}
