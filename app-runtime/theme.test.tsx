// @vitest-environment happy-dom
import { IonBadge } from "@ionic/react";
import { act } from "react";
import { createRoot } from "react-dom/client";
import { afterEach, describe, expect, it, vi } from "vitest";
import { applyTheme, DARK_PALETTE_CLASS, ionicModeConfig, setupIonicMode, THEME_STYLE_ATTRIBUTE } from "./theme.ts";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const themeStyles = () => [...document.head.querySelectorAll(`style[${THEME_STYLE_ATTRIBUTE}]`)];
const darkClass = () => document.documentElement.classList.contains(DARK_PALETTE_CLASS);

/** A stand-in for the device's dark preference, which tests can flip. */
function fakeDarkPreference(matches: boolean) {
  const listeners = new Set<() => void>();
  const query = {
    matches,
    addEventListener: (_: string, l: () => void) => listeners.add(l),
    removeEventListener: (_: string, l: () => void) => listeners.delete(l),
  };
  vi.spyOn(window, "matchMedia").mockImplementation((q: string) => {
    expect(q).toBe("(prefers-color-scheme: dark)");
    return query as unknown as MediaQueryList;
  });
  return {
    listeners,
    set(dark: boolean) {
      query.matches = dark;
      for (const l of listeners) l();
    },
  };
}

afterEach(() => {
  vi.restoreAllMocks();
  for (const s of themeStyles()) s.remove();
  document.documentElement.classList.remove(DARK_PALETTE_CLASS);
});

describe("applyTheme", () => {
  it("puts one style of the theme's colors in the head and the dark palette class, and its disposer removes them", () => {
    const dispose = applyTheme(document, { theme: { primary: "#2563eb" }, dark: "dark" });
    expect(themeStyles()).toHaveLength(1);
    expect(themeStyles()[0]!.textContent).toContain("--ion-color-primary-rgb: 37, 99, 235;");
    expect(themeStyles()[0]!.parentElement).toBe(document.head);
    expect(darkClass()).toBe(true);
    dispose();
    expect(themeStyles()).toEqual([]);
    expect(darkClass()).toBe(false);
  });

  it("replaces the style of an earlier call, and writes no style for an empty or refused theme", () => {
    applyTheme(document, { theme: { primary: "#2563eb" } });
    applyTheme(document, { theme: { danger: "#dc2626" } });
    expect(themeStyles().map((s) => s.textContent?.includes("--ion-color-danger:"))).toEqual([true]);
    applyTheme(document, { theme: { primary: "red;} body{display:none" } });
    expect(themeStyles()).toEqual([]);
    expect(document.head.innerHTML).not.toContain("display:none");
  });

  it("leaves the colors to the app's CSS bundle when told to", () => {
    const dispose = applyTheme(document, { theme: { primary: "#2563eb" }, dark: "dark" }, { colors: false });
    expect(themeStyles()).toEqual([]);
    expect(darkClass()).toBe(true);
    dispose();
  });

  it("light: no dark palette", () => {
    document.documentElement.classList.add(DARK_PALETTE_CLASS);
    const dispose = applyTheme(document, { dark: "light" });
    expect(darkClass()).toBe(false);
    dispose();
  });

  it("auto: follows the device's preference until disposed", () => {
    const device = fakeDarkPreference(false);
    const dispose = applyTheme(document, { dark: "auto" });
    expect(darkClass()).toBe(false);
    device.set(true);
    expect(darkClass()).toBe(true);
    device.set(false);
    expect(darkClass()).toBe(false);
    device.set(true);
    dispose();
    expect(device.listeners.size).toBe(0);
    expect(darkClass()).toBe(false);
    device.set(true);
    expect(darkClass()).toBe(false);
  });

  it("auto is the default", () => {
    fakeDarkPreference(true);
    const dispose = applyTheme(document, {});
    expect(darkClass()).toBe(true);
    dispose();
  });
});

describe("Ionic's mode", () => {
  it("is given to setupIonicReact for md and ios, not for auto", () => {
    expect(ionicModeConfig({ mode: "ios" })).toEqual({ mode: "ios" });
    expect(ionicModeConfig({ mode: "md" })).toEqual({ mode: "md" });
    expect(ionicModeConfig({ mode: "auto" })).toEqual({});
    expect(ionicModeConfig({})).toEqual({});
  });

  it("changes on a new setup, auto going back to the device's, and components rendered after take it", async () => {
    const html = document.documentElement;
    const container = document.createElement("div");
    document.body.append(container);
    const badgeMode = async () => {
      const root = createRoot(container);
      await act(async () => root.render(<IonBadge>1</IonBadge>));
      const badge = container.querySelector("ion-badge")!;
      const mode = ["ios", "md"].filter((m) => badge.classList.contains(m));
      act(() => root.unmount());
      return mode;
    };

    setupIonicMode(document, "ios");
    expect([html.getAttribute("mode"), html.classList.contains("ios"), html.classList.contains("md")]).toEqual([
      "ios",
      true,
      false,
    ]);
    expect(await badgeMode()).toEqual(["ios"]);

    // Auto: the device's (happy-dom's user agent is no Apple device's), not the ios left on <html>.
    setupIonicMode(document, undefined);
    expect([html.getAttribute("mode"), html.classList.contains("ios"), html.classList.contains("md")]).toEqual([
      "md",
      false,
      true,
    ]);
    expect(await badgeMode()).toEqual(["md"]);

    setupIonicMode(document, "ios", { animated: false });
    expect(html.getAttribute("mode")).toBe("ios");
    expect(await badgeMode()).toEqual(["ios"]);
    container.remove();
  });
});
