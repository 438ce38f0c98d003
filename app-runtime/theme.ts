/**
 * The app's theme in the page (issue 18, design §6.5): the colors of `Application.theme` as
 * Ionic's color variables, the dark palette after `Application.dark`, and Ionic's mode after
 * `Application.mode`. The reading and the CSS are engine/common/ui/theme.ts's (the Application's
 * check reports the same problems); only colors parsed into numbers are written, so a theme
 * cannot inject CSS.
 *
 * The dark palette is Ionic's class one (`@ionic/react/css/palettes/dark.class.css`, imported by
 * the app's main.tsx and the Studio's preview): under `.ion-palette-dark` on <html>. One mechanism
 * for the three settings: "dark" sets the class, "light" leaves it off, "auto" follows the
 * device's `prefers-color-scheme` (what Ionic's dark.system.css does in CSS alone, but a CSS file
 * cannot be unloaded when the preview's application changes its setting).
 */
import { setupIonicReact } from "@ionic/react";
import { appearanceOf, readTheme, themeCss, type Appearance } from "../engine/common/ui/theme.ts";

/** The class of Ionic's dark palette, on <html>. */
export const DARK_PALETTE_CLASS = "ion-palette-dark";
/** The attribute marking the <style> of the theme's colors. */
export const THEME_STYLE_ATTRIBUTE = "data-atelier-theme";

const DARK_QUERY = "(prefers-color-scheme: dark)";

export interface ApplyThemeOptions {
  /**
   * Whether to put the colors in a <style> at the end of <head> (default true). The built app has
   * them in its CSS bundle instead (generated/theme.css), before its Style objects' CSS.
   */
  colors?: boolean;
}

/**
 * Applies an Application's theme colors and dark setting to a document; answers what undoes it
 * (the Studio's preview undoes it before applying the next application's).
 */
export function applyTheme(doc: Document, props: Record<string, unknown>, options: ApplyThemeOptions = {}): () => void {
  const html = doc.documentElement;
  // One theme at a time: a style left by an earlier call is replaced.
  for (const old of doc.head.querySelectorAll(`style[${THEME_STYLE_ATTRIBUTE}]`)) old.remove();
  let style: HTMLStyleElement | undefined;
  if (options.colors !== false) {
    const css = themeCss(readTheme(props.theme).colors);
    if (css !== "") {
      style = doc.createElement("style");
      style.setAttribute(THEME_STYLE_ATTRIBUTE, "");
      style.textContent = css;
      doc.head.append(style);
    }
  }

  const { dark } = appearanceOf(props);
  let stopFollowing = () => {};
  if (dark === "auto") {
    const query = doc.defaultView?.matchMedia?.(DARK_QUERY);
    const follow = () => html.classList.toggle(DARK_PALETTE_CLASS, query?.matches === true);
    follow();
    if (query) {
      query.addEventListener("change", follow);
      stopFollowing = () => query.removeEventListener("change", follow);
    }
  } else {
    html.classList.toggle(DARK_PALETTE_CLASS, dark === "dark");
  }

  return () => {
    stopFollowing();
    style?.remove();
    html.classList.remove(DARK_PALETTE_CLASS);
  };
}

/** Ionic's config for the Application's mode: none for auto (Ionic then picks the device's). */
export function ionicModeConfig(props: Record<string, unknown>): { mode?: "md" | "ios" } {
  const { mode } = appearanceOf(props);
  return mode ? { mode } : {};
}

/**
 * Sets Ionic up again with another mode (the Studio's preview, when the Application's mode
 * changed). Ionic (@ionic/core 9's `initialize`) reads the mode from <html>'s `mode` attribute
 * left by the previous setup before its device guess, and only adds its class to <html>: both are
 * cleared first, so auto after ios is the device's again. A component takes its mode when it is
 * connected (Stencil computes it once), so the elements rendered after this call have the new one:
 * the caller renders again.
 */
export function setupIonicMode(
  doc: Document,
  mode: Appearance["mode"],
  config: Omit<Parameters<typeof setupIonicReact>[0] & object, "mode"> = {},
): void {
  const html = doc.documentElement;
  html.removeAttribute("mode");
  html.classList.remove("md", "ios");
  setupIonicReact({ ...config, ...(mode ? { mode } : {}) });
}
