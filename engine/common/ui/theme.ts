/**
 * The theme of a project's app (issue 18, design §6.5), pure: no DOM. From the Application's
 * `theme` ({primary: "#2563eb", …}) it derives Ionic's color variables (`--ion-color-X`, `-rgb`,
 * `-contrast`, `-contrast-rgb`, `-shade`, `-tint`), and reads its `mode` and `dark` settings.
 * The Application's check reports the problems found here, and the app runtime
 * (app-runtime/theme.ts) puts the CSS in the page: the CSS is written only from colors parsed
 * into numbers and from the fixed color names below, so no text of the theme ever reaches it.
 */
import { cssProblem } from "./css-check.ts";

/** Ionic's named colors, the only keys a theme may have. */
export const THEME_COLOR_NAMES = [
  "primary",
  "secondary",
  "tertiary",
  "success",
  "warning",
  "danger",
  "medium",
  "light",
  "dark",
] as const;
export type ThemeColorName = (typeof THEME_COLOR_NAMES)[number];

/** A named color and the variants Ionic's components read. */
export interface ThemeColor {
  name: ThemeColorName;
  /** #rrggbb, lower case. */
  value: string;
  /** "r, g, b" (Ionic uses it in rgba()). */
  rgb: string;
  /** The text color on it: black or white, whichever contrasts more (WCAG). */
  contrast: "#000000" | "#ffffff";
  contrastRgb: "0, 0, 0" | "255, 255, 255";
  /** 12% toward black (pressed states), as Ionic's own palette. */
  shade: string;
  /** 10% toward white (hover states), as Ionic's own palette. */
  tint: string;
}

export interface ThemeReading {
  /** The valid colors, in THEME_COLOR_NAMES order. */
  colors: ThemeColor[];
  /**
   * What is wrong with the theme, each naming the key (those entries are left out of the CSS);
   * the caller says where (the Application's check: "Theme: …").
   */
  problems: string[];
}

const HEX = /^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;

/** A value as it can be shown in a message: quoted, at most 40 characters. */
function shown(value: unknown): string {
  let s: string;
  try {
    s = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    s = String(value);
  }
  return s.length > 40 ? `${s.slice(0, 39)}…` : s;
}

/** The channels of #rgb or #rrggbb, or undefined for anything else. */
export function parseHexColor(value: unknown): [number, number, number] | undefined {
  if (typeof value !== "string" || !HEX.test(value)) return undefined;
  const hex = value.length === 4 ? [...value.slice(1)].map((c) => c + c).join("") : value.slice(1);
  return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

function toHex(channels: readonly number[]): string {
  return "#" + channels.map((c) => Math.round(c).toString(16).padStart(2, "0")).join("");
}

/** WCAG 2 relative luminance of an sRGB color (0 black … 1 white). */
export function relativeLuminance([r, g, b]: readonly [number, number, number]): number {
  const linear = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

/** The variants of one color (its channels already parsed). */
export function deriveColor(name: ThemeColorName, channels: readonly [number, number, number]): ThemeColor {
  const l = relativeLuminance(channels);
  // WCAG contrast ratios against white (luminance 1) and black (0): the larger one wins; a tie
  // goes to white, as Ionic's own palette does for mid tones.
  const whiteText = 1.05 / (l + 0.05) >= (l + 0.05) / 0.05;
  return {
    name,
    value: toHex(channels),
    rgb: channels.join(", "),
    contrast: whiteText ? "#ffffff" : "#000000",
    contrastRgb: whiteText ? "255, 255, 255" : "0, 0, 0",
    shade: toHex(channels.map((c) => c * 0.88)),
    tint: toHex(channels.map((c) => c + (255 - c) * 0.1)),
  };
}

/** Reads an Application's `theme`: its valid colors, and a problem for each entry refused. */
export function readTheme(theme: unknown): ThemeReading {
  const colors: ThemeColor[] = [];
  const problems: string[] = [];
  if (theme === undefined || theme === null) return { colors, problems };
  if (typeof theme !== "object" || Array.isArray(theme)) {
    problems.push(`expected an object of colors such as {"primary": "#2563eb"}, not ${shown(theme)}`);
    return { colors, problems };
  }
  const entries = theme as Record<string, unknown>;
  const known = new Set<string>(THEME_COLOR_NAMES);
  for (const key of Object.keys(entries)) {
    if (!known.has(key)) {
      problems.push(`unknown color ${shown(key)}: the colors are ${THEME_COLOR_NAMES.join(", ")}`);
    }
  }
  for (const name of THEME_COLOR_NAMES) {
    if (!Object.prototype.hasOwnProperty.call(entries, name)) continue;
    const channels = parseHexColor(entries[name]);
    if (channels) colors.push(deriveColor(name, channels));
    else problems.push(`the color "${name}" is ${shown(entries[name])}: expected #rgb or #rrggbb`);
  }
  return { colors, problems };
}

/** The problems of an Application's `theme` (its check reports them). */
export function themeProblems(theme: unknown): string[] {
  return readTheme(theme).problems;
}

/** The CSS setting Ionic's variables of the colors on `:root` (empty when there are none). */
export function themeCss(colors: readonly ThemeColor[]): string {
  if (colors.length === 0) return "";
  const lines: string[] = [];
  for (const c of colors) {
    const v = `--ion-color-${c.name}`;
    lines.push(
      `  ${v}: ${c.value};`,
      `  ${v}-rgb: ${c.rgb};`,
      `  ${v}-contrast: ${c.contrast};`,
      `  ${v}-contrast-rgb: ${c.contrastRgb};`,
      `  ${v}-shade: ${c.shade};`,
      `  ${v}-tint: ${c.tint};`,
    );
  }
  return `:root {\n${lines.join("\n")}\n}\n`;
}

/** How the app's components look (`mode`) and whether its colors are dark (`dark`). */
export interface Appearance {
  /** Ionic's mode, or undefined for the device's (Ionic picks ios on Apple devices, md elsewhere). */
  mode: "md" | "ios" | undefined;
  /** Dark colors always, never, or when the device prefers them. */
  dark: "auto" | "light" | "dark";
}

/** The appearance from the Application's props (values other than the enum's are its defaults, auto). */
export function appearanceOf(props: Record<string, unknown>): Appearance {
  const mode = props.mode === "md" || props.mode === "ios" ? props.mode : undefined;
  const dark = props.dark === "light" || props.dark === "dark" ? props.dark : "auto";
  return { mode, dark };
}

/** The part of an object the Style collection reads (an ObjNode, or the runtime's UiNode). */
export interface StyledNode {
  type: string;
  name: string;
  props: Record<string, unknown>;
  children: readonly StyledNode[];
}

/**
 * The CSS of the application's own Style objects (app-wide), in tree order, each after a comment
 * naming it (`App › Base`): what the built app's `generated/styles.css` holds and what the
 * Studio's preview puts in its frame, so both show the same. A page's or a shared component's
 * Styles are not here: the runtime applies them inside their page or component only. A Style
 * whose text is not CSS (SCSS imported from Convertigo) is left out and told to `skipped`.
 */
export function styleObjectsCss(app: StyledNode, skipped?: (where: string, problem: string) => void): string[] {
  const out: string[] = [];
  for (const c of app.children) {
    if (c.type !== "Style" || typeof c.props.css !== "string" || c.props.css.trim() === "") continue;
    const where = `${app.name} › ${c.name}`;
    const problem = cssProblem(c.props.css);
    if (problem) {
      skipped?.(where, problem);
      continue;
    }
    // A name holding "*/" would end the comment early.
    out.push(`/* ${where.replace(/\*\//g, "* /")} */\n${c.props.css.trim()}\n`);
  }
  return out;
}
