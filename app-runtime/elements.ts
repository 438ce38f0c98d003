/**
 * What renders each entry of the component catalogue (engine/common/ui/catalogue.ts), given a
 * table of Ionic React components by the catalogue's `render.ionic` names, and plain elements for
 * `render.html` (`div`, `p`, `h{level}`).
 *
 * The table is a parameter, not an import: a built app passes its own (the generated
 * `src/generated/components.ts`, only the components its pages use), so its bundle holds no other
 * Ionic component; the Studio's preview and the tests use the full one (components.ts).
 */
import type { ElementType } from "react";
import type { CatalogueComponent } from "../engine/common/ui/catalogue.ts";

/** Ionic React components by the catalogue's `render.ionic` name. */
export type ComponentTable = Readonly<Record<string, ElementType>>;

/** The plain elements the catalogue may name (`h{level}` gives h1..h6). */
const HTML_ELEMENTS = ["div", "span", "p", "section", "article", "hr", "h1", "h2", "h3", "h4", "h5", "h6"] as const;
type HtmlElement = (typeof HTML_ELEMENTS)[number];
const isHtmlElement = (s: string): s is HtmlElement => (HTML_ELEMENTS as readonly string[]).includes(s);

/** Catalogue props that are no prop of what renders (they drive the interpreter). */
const NOT_PASSED: Readonly<Record<string, readonly string[]>> = {
  Heading: ["level"],
  MenuItem: ["page", "icon"],
};

/**
 * What renders a catalogue entry, given its evaluated props: the element type, or undefined when
 * there is none (an Ionic component the table lacks: the interpreter shows an error placeholder).
 */
export function elementIn(
  table: ComponentTable,
  entry: CatalogueComponent,
  props: Record<string, unknown> = {},
): ElementType | undefined {
  if (entry.render.ionic) return table[entry.render.ionic];
  const html = entry.render.html;
  if (!html) return undefined;
  if (html.includes("{level}")) {
    const raw = props.level ?? entry.props.level?.default ?? "2";
    const level = Math.min(6, Math.max(1, Number.parseInt(String(raw), 10) || 2));
    const tag = `h${level}`;
    return isHtmlElement(tag) ? tag : "h2";
  }
  return isHtmlElement(html) ? html : undefined;
}

/** The evaluated props passed on to what renders: those the interpreter does not keep for itself. */
export function passedProps(entry: CatalogueComponent, props: Record<string, unknown>): Record<string, unknown> {
  const kept = NOT_PASSED[entry.name] ?? [];
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) if (!kept.includes(k) && v !== undefined) out[k] = v;
  return out;
}
