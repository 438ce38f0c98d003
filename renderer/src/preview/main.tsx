/**
 * The Studio's page preview (issue 18, design §6): the app runtime's interpreter rendering the
 * page being designed, from the objects the Studio sends (no build, no save needed). Runs in a
 * sandboxed iframe served at /studio-preview/ (an opaque origin: no cookie, no access to the
 * Studio's API; its CSP allows no connection). A click selects the object under the pointer in
 * the Studio instead of running its events.
 */
import "@ionic/react/css/core.css";
import "@ionic/react/css/normalize.css";
import "@ionic/react/css/structure.css";
import "@ionic/react/css/typography.css";
import "@ionic/react/css/palettes/dark.class.css";
import { setupIonicReact } from "@ionic/react";
import { appearanceOf, styleObjectsCss } from "../../../engine/common/ui/theme.ts";
import { createUiModel, routeOf, type UiModel, type UiNode } from "../../../app-runtime/model.ts";
import { IONIC_COMPONENTS } from "../../../app-runtime/components.ts";
import { renderApp } from "../../../app-runtime/render.tsx";
import { memoryHistory } from "../../../app-runtime/router.ts";
import { applyTheme, setupIonicMode } from "../../../app-runtime/theme.ts";
import { previewServices } from "./preview-services.ts";
import { dropContainer, dropIndex, type Box, type DrawnChild, type DropItem } from "./drop.ts";
import { readDragMessage, readRenderMessage, type PreviewMessage } from "./protocol.ts";

const IONIC_CONFIG = { animated: false };
setupIonicReact(IONIC_CONFIG);

const post = (m: PreviewMessage) => window.parent.postMessage(m, "*");
const container = document.getElementById("root")!;
// Design mode: every object can be pointed at (some Ionic elements take no pointer events), the
// one under the pointer is outlined; the selected one is outlined in the Studio's colour.
const designStyle = document.createElement("style");
designStyle.textContent =
  "[data-atl-id] { pointer-events: auto !important; cursor: default; }" +
  "[data-atl-id]:hover { outline: 1px dashed rgba(37, 99, 235, 0.6); outline-offset: 1px; }";
document.head.append(designStyle);
const outline = document.createElement("style");
document.head.append(outline);
let current: { unmount(): void } | undefined;
/** The model last rendered (drops are placed in it). */
let shown: UiModel | undefined;

// The application's look (design §6.5), renewed at each render as the built app has it: the
// theme's colors and dark setting (app-runtime/theme.ts), then its Style objects' CSS (after the
// colors, so that a Style can override them), and its mode. The user's CSS stays in this frame:
// its origin is opaque, the Studio's page is out of its reach.
const styleObjects = document.createElement("style");
styleObjects.setAttribute("data-atelier-styles", "");
let undoTheme = () => {};
let mode: "md" | "ios" | undefined; // none at the setup above: the device's
function applyAppearance(application: UiNode): void {
  undoTheme();
  undoTheme = applyTheme(document, application.props);
  styleObjects.textContent = styleObjectsCss(application).join("\n");
  document.head.append(styleObjects); // moved after the theme's new style
  // Ionic's mode is global and read by each component when it is created: set up again before the
  // render, which creates them all anew (setupIonicMode).
  const wanted = appearanceOf(application.props).mode;
  if (wanted !== mode) {
    setupIonicMode(document, wanted, IONIC_CONFIG);
    mode = wanted;
  }
}

window.addEventListener("message", (e) => {
  if (e.source !== window.parent) return;
  const m = readRenderMessage(e.data);
  if (!m) return;
  try {
    const model = createUiModel(m.application);
    shown = model;
    const page = m.application.children.find((c) => c.type === "Page" && c.name === m.page);
    current?.unmount();
    container.replaceChildren();
    applyAppearance(m.application);
    current = renderApp(container, model, previewServices(), {
      history: memoryHistory(page ? routeOf(page) : ""),
      // The preview shows what the page looks like: nothing persists, no login guard.
      storages: {},
      loginGuard: false,
      // Every component: the page being designed may use any.
      components: IONIC_COMPONENTS,
      log: () => {},
      onBindingError: () => {},
    });
    outline.textContent = m.selected
      ? `[data-atl-id="${CSS.escape(m.selected)}"] { outline: 2px solid #2563eb !important; outline-offset: 1px; }`
      : "";
    requestAnimationFrame(() => post({ atelier: "preview", type: "rendered", sentAt: m.sentAt }));
  } catch (err) {
    post({ atelier: "preview", type: "error", message: (err as Error).message });
  }
});

// Design mode: a click selects, it runs nothing.
document.addEventListener(
  "click",
  (e) => {
    const target = (e.target as Element | null)?.closest?.("[data-atl-id]");
    e.preventDefault();
    e.stopPropagation();
    if (target) post({ atelier: "preview", type: "select", id: target.getAttribute("data-atl-id")! });
  },
  true,
);

// ---- drag and drop (design §6.3): the Studio says what is dragged; the preview shows where it
// would land and says where it was dropped; the Studio makes the change. ----

let dragged: DropItem | null = null;
const marker = document.createElement("div");
marker.setAttribute("aria-hidden", "true");
marker.setAttribute("data-atl-drop-line", "");
marker.style.cssText =
  "position: fixed; z-index: 2147483647; pointer-events: none; background: #2563eb; display: none; border-radius: 1px;";
const frameOutline = document.createElement("div");
frameOutline.setAttribute("aria-hidden", "true");
frameOutline.style.cssText =
  "position: fixed; z-index: 2147483646; pointer-events: none; outline: 2px dashed #2563eb; outline-offset: -2px; display: none;";
document.body.append(frameOutline, marker);

const boxOf = (el: Element): Box => {
  const r = el.getBoundingClientRect();
  return { left: r.left, top: r.top, width: r.width, height: r.height };
};
const place = (el: HTMLElement, b: Box) => {
  Object.assign(el.style, {
    display: "block",
    left: `${b.left}px`,
    top: `${b.top}px`,
    width: `${b.width}px`,
    height: `${b.height}px`,
  });
};
const hideMarks = () => {
  marker.style.display = "none";
  frameOutline.style.display = "none";
};

/** The drop under the pointer: container, index and the line to draw; undefined when nothing takes the item. */
function dropAt(e: DragEvent): { parent: string; index: number; line: Box; box: Box } | undefined {
  if (!dragged || !shown) return undefined;
  const chain: string[] = [];
  const elements = new Map<string, Element>();
  for (
    let el = (e.target as Element | null)?.closest?.("[data-atl-id]");
    el;
    el = el.parentElement?.closest("[data-atl-id]")
  ) {
    const id = el.getAttribute("data-atl-id")!;
    if (!elements.has(id)) chain.push(id);
    elements.set(id, el);
  }
  const container = dropContainer(shown, chain, dragged);
  const el = container && elements.get(container.id);
  if (!container || !el) return undefined;
  // The objects drawn directly in it (their nearest drawn ancestor is the container).
  const drawn: DrawnChild[] = [];
  for (const c of el.querySelectorAll("[data-atl-id]")) {
    if (c.parentElement?.closest("[data-atl-id]") !== el) continue;
    drawn.push({ id: c.getAttribute("data-atl-id")!, box: boxOf(c) });
  }
  const box = boxOf(el);
  const { index, line } = dropIndex(shown, container, drawn, { x: e.clientX, y: e.clientY }, box);
  return { parent: container.id, index, line, box };
}

window.addEventListener("message", (e) => {
  if (e.source !== window.parent) return;
  const m = readDragMessage(e.data);
  if (!m) return;
  dragged = m.item;
  if (!dragged) hideMarks();
});
document.addEventListener("dragover", (e) => {
  const at = dropAt(e);
  if (!at) {
    hideMarks();
    return;
  }
  e.preventDefault();
  if (e.dataTransfer) e.dataTransfer.dropEffect = dragged?.kind === "move" ? "move" : "copy";
  place(frameOutline, at.box);
  place(marker, at.line);
});
document.addEventListener("dragleave", (e) => {
  if (!e.relatedTarget) hideMarks();
});
document.addEventListener("drop", (e) => {
  const at = dropAt(e);
  hideMarks();
  if (!at || !dragged) return;
  e.preventDefault();
  post({ atelier: "preview", type: "drop", parent: at.parent, index: at.index, item: dragged });
  dragged = null;
});

post({ atelier: "preview", type: "ready" });
