/**
 * The designer's palette (issue 18, design §6.3): the component catalogue by its groups, then
 * texts, directives and the application's shared components; searchable; each entry makes the
 * objects a drop creates, and knows where it may go. Pure: read by UiPalette.tsx and DesignPane.tsx.
 */
import type { FlatNode } from "../../engine/common/studio/api.ts";
import { uiComponents } from "../../engine/common/ui/catalogue.ts";
import {
  addsBeside,
  holdProblem,
  newComponent,
  newStructure,
  type NewObject,
  type Placed,
  type StructureItem,
} from "../../engine/common/ui/new-objects.ts";
import type { DropItem } from "./preview/drop.ts";
import { designedOf } from "./design-model.ts";
import type { ProjectState } from "./tree-model.ts";

/** What a palette entry adds: a catalogue component, or a text, a directive, a shared component. */
export type UiPaletteItem = { kind: "component"; component: string } | { kind: "structure"; item: StructureItem };

export interface UiPaletteEntry {
  /** Unique in the palette. */
  key: string;
  label: string;
  group: string;
  help: string;
  item: UiPaletteItem;
}

/** The catalogue's components (in its order and groups), then the structure entries. */
export function uiPaletteEntries(sharedComponents: readonly string[]): UiPaletteEntry[] {
  const out: UiPaletteEntry[] = uiComponents.map((c) => ({
    key: `component:${c.name}`,
    label: c.label,
    group: c.group,
    help: c.help,
    item: { kind: "component", component: c.name },
  }));
  out.push(
    {
      key: "structure:Text",
      label: "Text",
      group: "Texts and directives",
      help: "A text: plain, read from a source or computed by a script.",
      item: { kind: "structure", item: { type: "Text" } },
    },
    {
      key: "structure:ForEach",
      label: "For each",
      group: "Texts and directives",
      help: "Repeats its content for each item of a list (a sequence's output, a view's rows...).",
      item: { kind: "structure", item: { type: "Directive", kind: "ForEach" } },
    },
    {
      key: "structure:If",
      label: "If",
      group: "Texts and directives",
      help: "Shows its content only when a condition holds.",
      item: { kind: "structure", item: { type: "Directive", kind: "If" } },
    },
  );
  for (const name of sharedComponents) {
    out.push({
      key: `shared:${name}`,
      label: name,
      group: "Shared components",
      help: `The application's shared component ${name}.`,
      item: { kind: "structure", item: { type: "UseShared", component: name } },
    });
  }
  return out;
}

/** The groups in the order the entries first show them. */
export function paletteGroups(entries: readonly UiPaletteEntry[]): { group: string; entries: UiPaletteEntry[] }[] {
  const groups = new Map<string, UiPaletteEntry[]>();
  for (const e of entries) {
    if (!groups.has(e.group)) groups.set(e.group, []);
    groups.get(e.group)!.push(e);
  }
  return [...groups.entries()].map(([group, list]) => ({ group, entries: list }));
}

/** The entries matching a search: label first, then group and help; every word must match. */
export function searchUiPalette(entries: readonly UiPaletteEntry[], query: string): UiPaletteEntry[] {
  const words = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return [...entries];
  const scored: { e: UiPaletteEntry; score: number; i: number }[] = [];
  entries.forEach((e, i) => {
    const label = e.label.toLowerCase();
    const all = `${label} ${e.group.toLowerCase()} ${e.help.toLowerCase()} ${e.key.toLowerCase()}`;
    if (!words.every((w) => all.includes(w))) return;
    const q = words.join(" ");
    const score = label.startsWith(q) ? 0 : label.includes(q) ? 1 : words.every((w) => label.includes(w)) ? 2 : 3;
    scored.push({ e, score, i });
  });
  return scored.sort((a, b) => a.score - b.score || a.i - b.i).map((s) => s.e);
}

/** The item as the preview's drop rules see it. */
export function dropItemOf(item: UiPaletteItem): DropItem {
  return item.kind === "component"
    ? { kind: "component", component: item.component }
    : { kind: "structure", type: item.item.type };
}

/** What the item creates, as the placement rules see it. */
export function placedOf(item: UiPaletteItem): Placed {
  return item.kind === "component" ? { type: "Component", component: item.component } : { type: item.item.type };
}

/** The names used in the page (or shared component) holding `id`, else in the whole application. */
export function takenNames(p: ProjectState, id: string): Set<string> {
  const taken = new Set<string>();
  const root = designedOf(p, id);
  const walk = (n: FlatNode | undefined) => {
    if (!n) return;
    taken.add(n.name);
    for (const c of n.children) walk(p.nodes.get(c));
  };
  if (root) walk(root);
  else for (const n of p.nodes.values()) taken.add(n.name);
  return taken;
}

/** The object that holds on screen what goes under `id`: itself, or for a directive the first non-directive above. */
export function screenHolder(p: ProjectState, id: string): FlatNode | undefined {
  let n = p.nodes.get(id);
  for (let g = 0; n?.type === "Directive" && g < 500; g++) n = n.parent ? p.nodes.get(n.parent) : undefined;
  return n;
}

/** The names of the shared components of the application holding `id` (or being it). */
export function sharedComponentNames(p: ProjectState, id: string): string[] {
  let app = p.nodes.get(id);
  for (let g = 0; app && app.type !== "Application" && g < 500; g++)
    app = app.parent ? p.nodes.get(app.parent) : undefined;
  return (app?.children ?? [])
    .map((c) => p.nodes.get(c))
    .filter((c): c is FlatNode => c?.type === "SharedComponent")
    .map((c) => c.name);
}

const placed = (n: FlatNode): Placed => ({ type: n.type, component: n.props.component });

/** The objects the item creates under `parent`, named freely within its page. */
export function objectsFor(p: ProjectState, parent: string, item: UiPaletteItem): NewObject | undefined {
  const taken = takenNames(p, parent);
  return item.kind === "component" ? newComponent(item.component, taken) : newStructure(item.item, taken);
}

/**
 * Why the item cannot go under `parent` (a page, a shared component, a component, a directive
 * standing for its holder), or undefined when it can.
 */
export function placeProblem(p: ProjectState, parent: string, item: UiPaletteItem): string | undefined {
  const holder = screenHolder(p, parent);
  if (!holder) return "there is no such object";
  return holdProblem(placed(holder), placedOf(item));
}

/**
 * Where the item goes when added at the selection (the palette's Enter or double click): inside
 * the selected object when it takes it (at its end), else after it in the first ancestor that
 * takes it. Undefined when nothing around the selection does.
 */
export function placeAtSelection(
  p: ProjectState,
  selected: string,
  item: UiPaletteItem,
): { parent: string; index: number } | undefined {
  const child = placedOf(item);
  let n = p.nodes.get(selected);
  let after: FlatNode | undefined;
  for (let guard = 0; n && guard < 500; guard++) {
    if (["Application", "Project"].includes(n.type)) return undefined;
    // A directive shows its content in its holder's place: it takes what its holder takes.
    const holder = screenHolder(p, n.id);
    if (holder && !addsBeside(placed(holder)) && holdProblem(placed(holder), child) === undefined) {
      const index = after ? n.children.indexOf(after.id) + 1 : n.children.length;
      return { parent: n.id, index };
    }
    after = n;
    n = n.parent ? p.nodes.get(n.parent) : undefined;
  }
  return undefined;
}
