import { uiCatalogue } from "../../../common/ui/ui-catalogue.ts";
import type { StudioHandlers } from "./register.ts";

/** The UI builder: its component and actions catalogues, for the designer. */
export function uiRoutes() {
  return {
    uiCatalogue: () => uiCatalogue(),
  } satisfies Partial<StudioHandlers>;
}
