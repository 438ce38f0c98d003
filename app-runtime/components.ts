/**
 * The full table of what renders the component catalogue (engine/common/ui/catalogue.ts): every
 * Ionic React component a catalogue entry names in `render.ionic` (named imports). The Studio's
 * preview and the tests pass it as `AppOptions.components`; a built app does not import this
 * module (its own table is generated, engine/common/ui/codegen/app.ts), so its bundle holds only
 * the components its pages use. Plain elements (`render.html`) are elements.ts's.
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
import { elementIn } from "./elements.ts";

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

/** What renders a catalogue entry with the full table (elements.ts's elementIn). */
export function elementFor(entry: CatalogueComponent, props: Record<string, unknown> = {}): ElementType | undefined {
  return elementIn(IONIC_COMPONENTS, entry, props);
}

export { passedProps } from "./elements.ts";
