/**
 * What renders each entry of the component catalogue (engine/common/ui/catalogue.ts): an explicit
 * table from the catalogue's `render.ionic` names to Ionic React components (named imports, so a
 * bundler keeps only these), and plain elements for `render.html` (`div`, `p`, `h{level}`).
 *
 * A catalogue entry naming an Ionic component missing here fails `components.test.ts`.
 */
import {
  IonBackButton,
  IonBadge,
  IonButton,
  IonButtons,
  IonCard,
  IonCardContent,
  IonCardHeader,
  IonCardSubtitle,
  IonCardTitle,
  IonCheckbox,
  IonChip,
  IonCol,
  IonContent,
  IonFooter,
  IonGrid,
  IonHeader,
  IonIcon,
  IonImg,
  IonInput,
  IonItem,
  IonLabel,
  IonList,
  IonListHeader,
  IonMenu,
  IonMenuButton,
  IonNote,
  IonRow,
  IonSearchbar,
  IonSegment,
  IonSegmentButton,
  IonSelect,
  IonSelectOption,
  IonSpinner,
  IonTabBar,
  IonTabButton,
  IonText,
  IonTextarea,
  IonTitle,
  IonToggle,
  IonToolbar,
} from "@ionic/react";
import type { ElementType } from "react";
import type { CatalogueComponent } from "../engine/common/ui/catalogue.ts";

/** The Ionic React components the catalogue renders with, by the catalogue's `render.ionic` name. */
export const IONIC_COMPONENTS: Readonly<Record<string, ElementType>> = {
  IonBackButton,
  IonBadge,
  IonButton,
  IonButtons,
  IonCard,
  IonCardContent,
  IonCardHeader,
  IonCardSubtitle,
  IonCardTitle,
  IonCheckbox,
  IonChip,
  IonCol,
  IonContent,
  IonFooter,
  IonGrid,
  IonHeader,
  IonIcon,
  IonImg,
  IonInput,
  IonItem,
  IonLabel,
  IonList,
  IonListHeader,
  IonMenu,
  IonMenuButton,
  IonNote,
  IonRow,
  IonSearchbar,
  IonSegment,
  IonSegmentButton,
  IonSelect,
  IonSelectOption,
  IonSpinner,
  IonTabBar,
  IonTabButton,
  IonText,
  IonTextarea,
  IonTitle,
  IonToggle,
  IonToolbar,
};

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
 * the table has none (the interpreter shows a placeholder).
 */
export function elementFor(entry: CatalogueComponent, props: Record<string, unknown> = {}): ElementType | undefined {
  if (entry.render.ionic) return IONIC_COMPONENTS[entry.render.ionic];
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
