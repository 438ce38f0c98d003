/**
 * The layout form of a component (issue 18, design §6.4): flex and stack settings only, no
 * absolute positions. Pure: what each key offers, and the layout after one key is edited.
 */
import { LAYOUT_KEYS } from "../../engine/common/types/ui/component.ts";

export type LayoutKey = (typeof LAYOUT_KEYS)[number];

export type LayoutControl =
  | { kind: "choice"; values: readonly string[] }
  | { kind: "size" } // a number of pixels, or a CSS length ("50%", "12rem")
  | { kind: "number" }
  | { kind: "boolean" };

/** The form's fields, in order: how the children are laid out, then how the component sits in its parent. */
export const LAYOUT_FIELDS: readonly { key: LayoutKey; label: string; control: LayoutControl; help: string }[] = [
  {
    key: "direction",
    label: "Direction",
    control: { kind: "choice", values: ["column", "row"] },
    help: "Children one under another (column) or side by side (row).",
  },
  { key: "gap", label: "Gap", control: { kind: "size" }, help: "Space between the children (px, or a CSS length)." },
  {
    key: "padding",
    label: "Padding",
    control: { kind: "size" },
    help: "Space inside the edges (px, or a CSS length).",
  },
  {
    key: "align",
    label: "Align",
    control: { kind: "choice", values: ["stretch", "flex-start", "center", "flex-end", "baseline"] },
    help: "How children line up across the direction.",
  },
  {
    key: "justify",
    label: "Justify",
    control: {
      kind: "choice",
      values: ["flex-start", "center", "flex-end", "space-between", "space-around", "space-evenly"],
    },
    help: "How children spread along the direction.",
  },
  { key: "wrap", label: "Wrap", control: { kind: "boolean" }, help: "Children go to a new line when they do not fit." },
  {
    key: "grow",
    label: "Grow",
    control: { kind: "number" },
    help: "Share of the parent's free space it takes (0: none).",
  },
  {
    key: "basis",
    label: "Basis",
    control: { kind: "size" },
    help: "Its size along the parent's direction before growing.",
  },
  {
    key: "alignSelf",
    label: "Align self",
    control: { kind: "choice", values: ["auto", "stretch", "flex-start", "center", "flex-end", "baseline"] },
    help: "How it lines up in its parent, whatever the parent's Align.",
  },
  { key: "width", label: "Width", control: { kind: "size" }, help: "Its width (px, or a CSS length such as 50%)." },
  { key: "maxWidth", label: "Max width", control: { kind: "size" }, help: "Its largest width (px, or a CSS length)." },
  {
    key: "hideBelow",
    label: "Hide below",
    control: { kind: "choice", values: ["sm", "md", "lg"] },
    help: "Hidden on screens narrower than sm (576 px), md (768 px) or lg (992 px).",
  },
];

/** A CSS length typed in a size field: digits alone are pixels (a number); a length with its unit stays text. */
const LENGTH = /^(\d+(\.\d+)?)(px|%|rem|em|vw|vh)?$/;

/** What a size field's text is saved as, or an error message. */
export function parseSize(text: string): { value: number | string | undefined } | { error: string } {
  const t = text.trim();
  if (t === "") return { value: undefined };
  const m = LENGTH.exec(t);
  if (!m) return { error: `"${t}" is no size: a number of pixels, or a length such as 50%, 2rem` };
  return m[3] === undefined || m[3] === "px" ? { value: Number(m[1]) } : { value: t };
}

/** The layout with `key` set to `value` (undefined, "" and false remove it); undefined when nothing is left. */
export function withLayoutKey(layout: unknown, key: LayoutKey, value: unknown): Record<string, unknown> | undefined {
  const base =
    layout && typeof layout === "object" && !Array.isArray(layout) ? { ...(layout as Record<string, unknown>) } : {};
  if (value === undefined || value === "" || value === false) delete base[key];
  else base[key] = value;
  return Object.keys(base).length ? base : undefined;
}
