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
import { createUiModel, routeOf, type UiNode } from "../../../app-runtime/model.ts";
import { renderApp } from "../../../app-runtime/render.tsx";
import { memoryHistory } from "../../../app-runtime/router.ts";
import { applyTheme, setupIonicMode } from "../../../app-runtime/theme.ts";
import { previewServices } from "./preview-services.ts";
import { readRenderMessage, type PreviewMessage } from "./protocol.ts";

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
    const page = m.application.children.find((c) => c.type === "Page" && c.name === m.page);
    current?.unmount();
    container.replaceChildren();
    applyAppearance(m.application);
    current = renderApp(container, model, previewServices(), {
      history: memoryHistory(page ? routeOf(page) : ""),
      // The preview shows what the page looks like: nothing persists, no login guard.
      storages: {},
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

post({ atelier: "preview", type: "ready" });
