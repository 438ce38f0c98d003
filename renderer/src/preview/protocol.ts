/**
 * The messages between the Studio and its page preview (issue 18, design §6.1–§6.3). The preview
 * is an iframe of another origin (sandboxed: an opaque origin, no cookie, no call to anything):
 * the Studio sends it the application's objects to render; it sends back what the designer
 * clicked. Both sides check what they receive (a message is data from another frame).
 */
import type { UiNode } from "../../../app-runtime/model.ts";
import type { DropItem } from "./drop.ts";

/** Studio → preview: render this application, showing this page, with this object selected. */
export interface RenderMessage {
  atelier: "preview";
  type: "render";
  application: UiNode;
  /** The name of the page to show. */
  page: string;
  /** The selected object's id (outlined in the preview), or null. */
  selected: string | null;
  /** When the Studio sent it (performance.now() of the Studio), echoed back in `rendered`. */
  sentAt: number;
}

/**
 * Studio → preview: what is being dragged (from the palette or the explorer), null when the drag
 * ended. A native drag's data cannot be read before the drop, so the preview learns it this way
 * to show where the drop would land.
 */
export interface DragMessage {
  atelier: "preview";
  type: "drag";
  item: DropItem | null;
}

/** Preview → Studio. */
export type PreviewMessage =
  | { atelier: "preview"; type: "ready" }
  | { atelier: "preview"; type: "select"; id: string }
  | { atelier: "preview"; type: "drop"; parent: string; index: number; item: DropItem }
  | { atelier: "preview"; type: "rendered"; sentAt: number }
  | { atelier: "preview"; type: "error"; message: string };

const MAX_NODES = 20_000;

/** Whether `v` is a UiNode tree (ids, types, names, props objects, children arrays), bounded. */
export function isUiTree(v: unknown): v is UiNode {
  let count = 0;
  const check = (n: unknown, depth: number): boolean => {
    if (++count > MAX_NODES || depth > 200) return false;
    if (!n || typeof n !== "object") return false;
    const o = n as Record<string, unknown>;
    if (typeof o.id !== "string" || typeof o.type !== "string" || typeof o.name !== "string") return false;
    if (!o.props || typeof o.props !== "object" || Array.isArray(o.props)) return false;
    if (!Array.isArray(o.children)) return false;
    return o.children.every((c) => check(c, depth + 1));
  };
  return check(v, 0);
}

/** The render message in `data`, or null when it is not one. */
export function readRenderMessage(data: unknown): RenderMessage | null {
  if (!data || typeof data !== "object") return null;
  const m = data as Record<string, unknown>;
  if (m.atelier !== "preview" || m.type !== "render") return null;
  if (typeof m.page !== "string" || typeof m.sentAt !== "number") return null;
  if (m.selected !== null && typeof m.selected !== "string") return null;
  if (!isUiTree(m.application) || m.application.type !== "Application") return null;
  return m as unknown as RenderMessage;
}

const isId = (v: unknown): v is string => typeof v === "string" && v.length > 0 && v.length <= 100;
const UI_NAME = /^[A-Za-z][A-Za-z0-9_]{0,99}$/;

/** The drop item in `v`, or null when it is not one (checked field by field, bounded). */
export function readDropItem(v: unknown): DropItem | null {
  if (!v || typeof v !== "object") return null;
  const o = v as Record<string, unknown>;
  if (o.kind === "component" && typeof o.component === "string" && UI_NAME.test(o.component)) {
    return { kind: "component", component: o.component };
  }
  if (o.kind === "structure" && (o.type === "Text" || o.type === "Directive" || o.type === "UseShared")) {
    return { kind: "structure", type: o.type };
  }
  if (o.kind === "move" && isId(o.id)) return { kind: "move", id: o.id };
  return null;
}

/** The drag message in `data`, or null when it is not one. */
export function readDragMessage(data: unknown): DragMessage | null {
  if (!data || typeof data !== "object") return null;
  const m = data as Record<string, unknown>;
  if (m.atelier !== "preview" || m.type !== "drag") return null;
  if (m.item === null) return { atelier: "preview", type: "drag", item: null };
  const item = readDropItem(m.item);
  return item ? { atelier: "preview", type: "drag", item } : null;
}

/** The preview's message in `data`, or null when it is not one. */
export function readPreviewMessage(data: unknown): PreviewMessage | null {
  if (!data || typeof data !== "object") return null;
  const m = data as Record<string, unknown>;
  if (m.atelier !== "preview") return null;
  switch (m.type) {
    case "ready":
      return { atelier: "preview", type: "ready" };
    case "select":
      return typeof m.id === "string" && m.id.length <= 100 ? { atelier: "preview", type: "select", id: m.id } : null;
    case "drop": {
      const item = readDropItem(m.item);
      const index = m.index;
      return item &&
        isId(m.parent) &&
        typeof index === "number" &&
        Number.isInteger(index) &&
        index >= 0 &&
        index <= 100_000
        ? { atelier: "preview", type: "drop", parent: m.parent, index, item }
        : null;
    }
    case "rendered":
      return typeof m.sentAt === "number" ? { atelier: "preview", type: "rendered", sentAt: m.sentAt } : null;
    case "error":
      return typeof m.message === "string"
        ? { atelier: "preview", type: "error", message: m.message.slice(0, 2000) }
        : null;
    default:
      return null;
  }
}
