/**
 * What the UI builder's types share (issue 18, design §2.3): the events pages, the application
 * and shared components offer, and the checks their parents make over their children.
 */
import type { ObjNode } from "../../model/node.ts";
import { childProblem } from "../../ui/catalogue-checks.ts";
import { componentByName } from "../../ui/catalogue.ts";

/** The events of a page (Convertigo's ViewEvent: onDidLoad → load, onDidEnter → enter...). */
export const PAGE_EVENTS = ["load", "enter", "leave"] as const;

/** The events of the application (Convertigo's onAppInit → start). */
export const APP_EVENTS = ["start"] as const;

/** The events of a shared component itself (its declared ComponentEvents are for its users). */
export const SHARED_COMPONENT_EVENTS = ["init"] as const;

/** A JavaScript identifier: names scripts read as `state.x`, `input.x`, `item`. */
export const IDENTIFIER = "[A-Za-z_$][\\w$]*";

/** Messages for Event children whose `on` is not one of `events` (what `holder` offers). */
export function eventProblems(node: ObjNode, events: readonly string[], holder: string): string[] {
  const out: string[] = [];
  for (const c of node.children) {
    if (c.type !== "Event" || typeof c.props.on !== "string" || c.props.on.trim() === "") continue;
    if (!events.includes(c.props.on)) {
      out.push(`${holder} has no event "${c.props.on}" (event ${c.name}): it offers ${events.join(", ")}`);
    }
  }
  return out;
}

/** Messages for children of the given types sharing a name (`what` names them: "states"). */
export function duplicateNames(node: ObjNode, types: readonly string[], what: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const c of node.children) {
    if (!types.includes(c.type)) continue;
    if (seen.has(c.name)) out.push(`Two ${what} are named "${c.name}"`);
    seen.add(c.name);
  }
  return out;
}

/** A message when an object's name is no JavaScript identifier (scripts read it as `state.name`). */
export function identifierName(node: ObjNode, what: string): string[] {
  return new RegExp(`^${IDENTIFIER}$`).test(node.name)
    ? []
    : [`A ${what} needs a name scripts can read: letters, digits, _ or $, not starting with a digit ("${node.name}")`];
}

/**
 * What the component catalogue says of the Components placed under `holder` (a catalogue
 * component, or a root: Page, SharedComponent, Application), looking through directives (they
 * render their content in their parent's place). Unknown components are left to their own check;
 * a Text or a UseShared is refused only by a component taking no children.
 */
export function childComponentProblems(node: ObjNode, holder: string): string[] {
  const out: string[] = [];
  const none = componentByName(holder)?.children === "none";
  const visit = (children: readonly ObjNode[]) => {
    for (const c of children) {
      if (c.type === "Directive") visit(c.children);
      // Texts and shared components are no catalogue components: only "takes no children" applies.
      if (none && (c.type === "Text" || c.type === "UseShared")) out.push(`${c.name}: ${holder} takes no children`);
      const name = c.type === "Component" ? c.props.component : undefined;
      if (typeof name !== "string" || !componentByName(name)) continue;
      const problem = childProblem(holder, name);
      if (problem) out.push(`${c.name}: ${problem}`);
    }
  };
  visit(node.children);
  return out;
}
