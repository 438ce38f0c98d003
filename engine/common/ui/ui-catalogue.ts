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
