/**
 * The UI builder's catalogues as one answer, as the Studio's `uiCatalogue` route serves them to the
 * designer (palette, property panel, preview).
 */
import { uiActions, type CatalogueAction } from "./actions.ts";
import { uiComponents, type CatalogueComponent } from "./catalogue.ts";

export interface UiCatalogue {
  components: CatalogueComponent[];
  actions: CatalogueAction[];
}

/** Both catalogues (plain JSON data). */
export function uiCatalogue(): UiCatalogue {
  return { components: uiComponents, actions: uiActions };
}

/** What the project's files store about a catalogue entry, with the entry's version. */
export interface CatalogueShape {
  version: number;
  /** Prop or input → its kind (`enum:block|full`, `reference:sequence`, `string`…). */
  props: Record<string, string>;
  /** A component's event names (stored in `Event.on`). */
  events?: string[];
}

/**
 * The shapes of every entry, by `ui:<component>` and `action:<action>` (the keys a file's
 * `versions` header uses for catalogue migrations): a snapshot of them shows a change of what files
 * store made without raising the entry's version.
 */
export function catalogueShapes(): Record<string, CatalogueShape> {
  const kind = (p: { kind: string; values?: string[]; refersTo?: string }) =>
    p.values && p.kind === "enum" ? `enum:${p.values.join("|")}` : p.refersTo ? `${p.kind}:${p.refersTo}` : p.kind;
  const shapes: Record<string, CatalogueShape> = {};
  for (const c of uiComponents) {
    shapes[`ui:${c.name}`] = {
      version: c.version ?? 1,
      props: Object.fromEntries(Object.entries(c.props).map(([k, p]) => [k, kind(p)])),
      events: Object.keys(c.events),
    };
  }
  for (const a of uiActions) {
    shapes[`action:${a.name}`] = {
      version: a.version ?? 1,
      props: Object.fromEntries(Object.entries(a.inputs).map(([k, p]) => [k, kind(p)])),
    };
  }
  return shapes;
}
