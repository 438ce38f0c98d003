/**
 * The factory of the generated pages' JSX (engine/common/ui/codegen/page-jsx.ts): a page, a
 * shared component or a shared action is written as JSX for people to read, and this turns it
 * back into the objects the runtime renders (`UiNode`), exactly those of the project's files.
 * Nothing is rendered here: the same interpreter renders the Studio's preview and the app, so
 * the two cannot differ.
 *
 * Written with the classic JSX transform (`@jsx ui` in each generated file): `<Component id="x"
 * name="Title" component="Title" text="Hi" />` is `ui("Component", {id, name, component, text})`.
 */
import type { UiNode } from "./model.ts";

/** The tags of the generated JSX: the UI object types, by name. */
export const Application = "Application";
export const Page = "Page";
export const SharedComponent = "SharedComponent";
export const SharedAction = "SharedAction";
export const Component = "Component";
export const Text = "Text";
export const Directive = "Directive";
export const UseShared = "UseShared";
export const Event = "Event";
export const Action = "Action";
export const ActionElse = "ActionElse";
export const OnError = "OnError";
export const State = "State";
export const Style = "Style";
export const ComponentInput = "ComponentInput";
export const ComponentEvent = "ComponentEvent";
export const ActionInput = "ActionInput";
/** Any other type: `<Node type="..." ...>`. */
export const Node = "Node";

/**
 * A UI object from a JSX element: `id` and `name` are the object's, the other attributes its
 * properties (`$props` holds those whose name is taken: id, name, type, children, key);
 * children are its children, in order.
 */
export function ui(tag: string, attrs: Record<string, unknown> | null, ...children: unknown[]): UiNode {
  const { id, name, type, $props, ...props } = attrs ?? {};
  if (typeof id !== "string" || typeof name !== "string") {
    throw new Error(`A <${tag}> of a generated page has no id or name`);
  }
  const kind = tag === Node ? type : tag;
  if (typeof kind !== "string") throw new Error(`The <Node> ${id} has no type`);
  if ($props && typeof $props === "object") Object.assign(props, $props);
  return { id, type: kind, name, props, children: children.flat() as UiNode[] };
}
