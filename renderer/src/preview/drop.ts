/**
 * Where a drop lands in the page preview (issue 18, design §6.3): the deepest object under the
 * pointer that may hold what is dragged (the component catalogue's `children` and `parents`, the
 * same rules as the Problems view), and the index among its children from the pointer's position
 * against the children drawn on screen, along the way they are laid out.
 *
 * Pure over the model and plain rectangles, so it is tested without a browser; the preview's
 * entry (main.tsx) reads the rectangles from the DOM.
 */
import type { UiModel, UiNode } from "../../../app-runtime/model.ts";
import { addsBeside, holdProblem } from "../../../engine/common/ui/new-objects.ts";

/** What is dragged over the preview: a new object from the palette, or an object being moved. */
export type DropItem =
  | { kind: "component"; component: string }
  | { kind: "structure"; type: "Text" | "Directive" | "UseShared" }
  | { kind: "move"; id: string };

/** A rectangle on screen (the preview's CSS pixels). */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** A child drawn in the container: its object's id and where it is. */
export interface DrawnChild {
  id: string;
  box: Box;
}

/** Whether `inner` is `outer` or inside it. */
function within(model: UiModel, inner: string, outer: string): boolean {
  for (let id: string | undefined = inner, guard = 0; id && guard < 1000; guard++) {
    if (id === outer) return true;
    id = model.parent(id)?.id;
  }
  return false;
}

/** The item as what it creates: a catalogue component, or a Text/Directive/UseShared; undefined when unknown. */
function itemShape(model: UiModel, item: DropItem): { component?: string; type: string } | undefined {
  if (item.kind === "component") return { type: "Component", component: item.component };
  if (item.kind === "structure") return { type: item.type };
  const node = model.node(item.id);
  if (!node) return undefined;
  if (node.type === "Component" && typeof node.props.component === "string") {
    return { type: "Component", component: node.props.component };
  }
  return ["Text", "Directive", "UseShared"].includes(node.type) ? { type: node.type } : undefined;
}

/** Why `container` cannot take the item, or undefined when it can. */
export function dropProblem(model: UiModel, container: UiNode, item: DropItem): string | undefined {
  const shape = itemShape(model, item);
  if (!shape) return "Nothing that can go on a page is dragged";
  if (item.kind === "move" && within(model, container.id, item.id)) return "An object cannot go inside itself";
  return holdProblem({ type: container.type, component: container.props.component }, shape);
}

/**
 * The container the drop goes into: the first of `underPointer` (ids from the deepest object
 * under the pointer outwards) that takes the item; undefined when none does.
 */
export function dropContainer(model: UiModel, underPointer: readonly string[], item: DropItem): UiNode | undefined {
  for (const id of underPointer) {
    const node = model.node(id);
    if (!node || dropProblem(model, node, item) !== undefined) continue;
    // What is dropped on a Label goes beside it (new-objects.ts).
    if (addsBeside({ type: node.type, component: node.props.component })) continue;
    return node;
  }
  return undefined;
}

/** The child of `container` that holds `id` (itself, or the directive it is drawn through). */
function childHolding(model: UiModel, container: UiNode, id: string): UiNode | undefined {
  for (let n = model.node(id), guard = 0; n && guard < 1000; guard++) {
    const parent = model.parent(n.id);
    if (parent?.id === container.id) return n;
    n = parent;
  }
  return undefined;
}

/** Whether the children are drawn side by side (a toolbar, a row) rather than one under another. */
export function drawnInRow(children: readonly DrawnChild[]): boolean {
  if (children.length < 2) return false;
  const [a, b] = [children[0]!.box, children[1]!.box];
  const overlapY = Math.min(a.top + a.height, b.top + b.height) - Math.max(a.top, b.top);
  return b.left >= a.left + a.width / 2 && overlapY > Math.min(a.height, b.height) / 2;
}

/**
 * The index in `container.children` where the item goes, from the pointer (x, y) and the
 * children drawn: before the first whose middle is past the pointer, else after the last one
 * drawn, else at the end. Also answers the box of the insertion line to show.
 */
export function dropIndex(
  model: UiModel,
  container: UiNode,
  drawn: readonly DrawnChild[],
  point: { x: number; y: number },
  containerBox: Box,
): { index: number; line: Box } {
  // The drawn children that are the container's own (or drawn through one of its directives), in order.
  const own: { child: UiNode; box: Box }[] = [];
  for (const d of drawn) {
    const child = childHolding(model, container, d.id);
    if (child && !own.some((o) => o.child.id === child.id)) own.push({ child, box: d.box });
  }
  const row = drawnInRow(own.map((o) => ({ id: o.child.id, box: o.box })));
  const indexOf = (n: UiNode) => container.children.findIndex((c) => c.id === n.id);
  for (const o of own) {
    const past = row ? point.x < o.box.left + o.box.width / 2 : point.y < o.box.top + o.box.height / 2;
    if (past) {
      const line = row
        ? { left: o.box.left - 1, top: o.box.top, width: 2, height: o.box.height }
        : { left: o.box.left, top: o.box.top - 1, width: o.box.width, height: 2 };
      return { index: indexOf(o.child), line };
    }
  }
  const last = own.at(-1);
  if (last) {
    const b = last.box;
    const line = row
      ? { left: b.left + b.width - 1, top: b.top, width: 2, height: b.height }
      : { left: b.left, top: b.top + b.height - 1, width: b.width, height: 2 };
    return { index: indexOf(last.child) + 1, line };
  }
  const c = containerBox;
  return { index: container.children.length, line: { left: c.left, top: c.top + 1, width: c.width, height: 2 } };
}
