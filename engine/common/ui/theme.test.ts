import { describe, expect, it } from "vitest";
import type { ObjNode } from "../model/node.ts";
import { checkNode } from "../model/registry.ts";
import {
  appearanceOf,
  deriveColor,
  parseHexColor,
  readTheme,
  styleObjectsCss,
  themeCss,
  THEME_COLOR_NAMES,
  type StyledNode,
} from "./theme.ts";

describe("the theme's colors", () => {
  it("derives Ionic's variants of a color: rgb, contrast, shade and tint", () => {
    const { colors, problems } = readTheme({ primary: "#2563eb" });
    expect(problems).toEqual([]);
    expect(colors).toEqual([
      {
        name: "primary",
        value: "#2563eb",
        rgb: "37, 99, 235",
        contrast: "#ffffff",
        contrastRgb: "255, 255, 255",
        // 37 × 0.88 = 32.56 → 0x21, 99 × 0.88 = 87.12 → 0x57, 235 × 0.88 = 206.8 → 0xcf
        shade: "#2157cf",
        // 37 + 218 × 0.1 = 58.8 → 0x3b, 99 + 15.6 = 114.6 → 0x73, 235 + 2 = 237 → 0xed
        tint: "#3b73ed",
      },
    ]);
  });

  it("shades and tints as Ionic's own palette does (its former primary #3880ff)", () => {
    const c = deriveColor("primary", parseHexColor("#3880ff")!);
    expect([c.shade, c.tint]).toEqual(["#3171e0", "#4c8dff"]);
    // Ionic wrote white on it; white contrasts 3.6:1 there, black 5.8:1 (WCAG): black is chosen.
    expect(c.contrast).toBe("#000000");
  });

  it("puts black text on light colors and white on dark ones", () => {
    const { colors } = readTheme({ warning: "#ffc409", light: "#F4F5F8", dark: "#222428", success: "#fff" });
    const contrast = Object.fromEntries(colors.map((c) => [c.name, [c.contrast, c.contrastRgb]]));
    expect(contrast).toEqual({
      success: ["#000000", "0, 0, 0"],
      warning: ["#000000", "0, 0, 0"],
      light: ["#000000", "0, 0, 0"],
      dark: ["#ffffff", "255, 255, 255"],
    });
    // #rgb is read as #rrggbb, upper case written lower case.
    expect(colors.find((c) => c.name === "success")!.value).toBe("#ffffff");
    expect(colors.find((c) => c.name === "light")!.value).toBe("#f4f5f8");
  });

  it("refuses anything but #rgb and #rrggbb, naming the key, and never writes it into the CSS", () => {
    const attempts = {
      primary: "red;} body{display:none",
      secondary: "#2563eb;} body{display:none} :root{--x:y}",
      tertiary: "red",
      success: "#12345",
      warning: 42,
      danger: "rgb(1,2,3)",
      medium: "#abc",
    };
    const { colors, problems } = readTheme(attempts);
    expect(colors.map((c) => c.name)).toEqual(["medium"]);
    expect(problems).toEqual([
      'the color "primary" is "red;} body{display:none": expected #rgb or #rrggbb',
      'the color "secondary" is "#2563eb;} body{display:none} :root{--x…: expected #rgb or #rrggbb',
      'the color "tertiary" is "red": expected #rgb or #rrggbb',
      'the color "success" is "#12345": expected #rgb or #rrggbb',
      'the color "warning" is 42: expected #rgb or #rrggbb',
      'the color "danger" is "rgb(1,2,3)": expected #rgb or #rrggbb',
    ]);
    const css = themeCss(colors);
    expect(css).not.toMatch(/body|display|red|rgb\(/);
    expect(css.match(/[{}]/g)).toEqual(["{", "}"]);
  });

  it("refuses keys that are not Ionic's color names (they could name any CSS property)", () => {
    const { colors, problems } = readTheme({ "primary: red; } body { x": "#000000", Primary: "#000000", dark: "#000" });
    expect(colors.map((c) => c.name)).toEqual(["dark"]);
    expect(problems).toEqual([
      `unknown color "primary: red; } body { x": the colors are ${THEME_COLOR_NAMES.join(", ")}`,
      `unknown color "Primary": the colors are ${THEME_COLOR_NAMES.join(", ")}`,
    ]);
  });

  it("reads no theme as no colors, and another value than an object as a problem", () => {
    expect(readTheme(undefined)).toEqual({ colors: [], problems: [] });
    expect(readTheme({})).toEqual({ colors: [], problems: [] });
    expect(readTheme(["#fff"]).problems).toEqual([
      'expected an object of colors such as {"primary": "#2563eb"}, not ["#fff"]',
    ]);
    expect(themeCss([])).toBe("");
  });

  it("writes every variable Ionic reads, on :root", () => {
    expect(themeCss(readTheme({ danger: "#dc2626" }).colors)).toBe(
      [
        ":root {",
        "  --ion-color-danger: #dc2626;",
        "  --ion-color-danger-rgb: 220, 38, 38;",
        "  --ion-color-danger-contrast: #ffffff;",
        "  --ion-color-danger-contrast-rgb: 255, 255, 255;",
        "  --ion-color-danger-shade: #c22121;",
        "  --ion-color-danger-tint: #e03c3c;",
        "}",
        "",
      ].join("\n"),
    );
  });
});

describe("the Style objects' CSS", () => {
  const n = (type: string, name: string, props: Record<string, unknown> = {}, children: StyledNode[] = []) => ({
    type,
    name,
    props,
    children,
  });

  it("is the application's own Styles' css, in tree order, named in a comment; SCSS left out and told", () => {
    const app = n("Application", "App", {}, [
      n("Style", "Base", { css: " ion-content { --background: #fafafa; }\n" }),
      // A page's styles apply inside the page only: the runtime scopes them, not this file.
      n("Page", "Orders", {}, [n("Style", "Dense", { css: "ion-item { --min-height: 32px; }" })]),
      n("Style", "Empty", { css: "  " }),
      n("Style", "Theme", { css: '// Ionic Variables\n$font-path: "../assets/fonts";' }),
      n("Style", "Last*/x", { css: "h1 { margin: 0; }" }),
    ]);
    const skipped: string[] = [];
    expect(styleObjectsCss(app, (where, problem) => skipped.push(`${where}: ${problem}`))).toEqual([
      "/* App › Base */\nion-content { --background: #fafafa; }\n",
      "/* App › Last* /x */\nh1 { margin: 0; }\n",
    ]);
    expect(skipped).toEqual(['App › Theme: line 1: "//" starts a comment in SCSS, not in CSS (write /* ... */)']);
  });
});

describe("the appearance settings", () => {
  it("reads mode and dark, other values being auto", () => {
    expect(appearanceOf({})).toEqual({ mode: undefined, dark: "auto" });
    expect(appearanceOf({ mode: "ios", dark: "dark" })).toEqual({ mode: "ios", dark: "dark" });
    expect(appearanceOf({ mode: "md", dark: "light" })).toEqual({ mode: "md", dark: "light" });
    expect(appearanceOf({ mode: "windows", dark: true })).toEqual({ mode: undefined, dark: "auto" });
  });
});

describe("the Application's check of its theme", () => {
  const app = (theme: unknown): ObjNode =>
    ({
      id: "app000000001",
      type: "Application",
      name: "App",
      props: { startPage: "Home", theme },
      children: [],
    }) as ObjNode;

  it("reports a bad theme on the property, naming the keys", () => {
    const issues = checkNode(app({ primary: "blue", accent: "#fff" })).filter((i) => i.prop === "theme");
    expect(issues).toEqual([
      {
        prop: "theme",
        message: `Theme: unknown color "accent": the colors are ${THEME_COLOR_NAMES.join(", ")}; the color "primary" is "blue": expected #rgb or #rrggbb`,
      },
    ]);
  });

  it("says nothing of a good theme", () => {
    expect(checkNode(app({ primary: "#2563eb", dark: "#111" })).filter((i) => i.prop === "theme")).toEqual([]);
  });
});
