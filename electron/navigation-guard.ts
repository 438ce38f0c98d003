import { isExternalLink } from "../engine/common/desktop/ipc-channels.ts";
import { originOf } from "./ipc-registry.ts";
import type { DesktopLog } from "./log.ts";

/** A navigation event: `preventDefault` stops it. */
export interface NavigationEventLike {
  preventDefault(): void;
  url?: string;
  /** Set by `will-frame-navigate`, which fires for the main frame too. */
  isMainFrame?: boolean;
}

/** The part of Electron's WebContents the guard uses (a fake in tests). */
export interface GuardedContentsLike {
  on(
    event: "will-navigate" | "will-redirect" | "will-frame-navigate",
    listener: (e: NavigationEventLike, url?: string) => void,
  ): unknown;
  on(event: "will-attach-webview", listener: (e: NavigationEventLike) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: "deny" } | { action: "allow" }): void;
}

/** What to do with a URL the page wants to go to. */
export type NavigationVerdict = "allow" | "open-externally" | "block";

/** The verdict for a navigation to `url` when the engine serves `origin`. */
export function navigationVerdict(url: string, origin: string | null): NavigationVerdict {
  if (origin && originOf(url) === origin) return "allow";
  return isExternalLink(url) ? "open-externally" : "block";
}

/**
 * Keeps a window on the engine's origin: navigations elsewhere are stopped and web links open
 * in the OS browser; new windows are never created (links meant for one go to the OS browser
 * too); `<webview>` is refused. The origin is read at each event, so it follows a workspace
 * switch that moved the engine to another port.
 */
export function guardNavigation(
  contents: GuardedContentsLike,
  origin: () => string | null,
  openExternal: (url: string) => void,
  log: DesktopLog,
): void {
  const onNavigate = (kind: string) => (e: NavigationEventLike, url?: string) => {
    if (kind === "frame navigation" && e.isMainFrame !== false) return; // will-navigate's job
    const target = e.url ?? url ?? "";
    const verdict = navigationVerdict(target, origin());
    if (verdict === "allow") return;
    e.preventDefault();
    if (verdict === "open-externally" && kind === "navigate") openExternal(target);
    else log.warn(`blocked ${kind} to ${target}`);
  };
  contents.on("will-navigate", onNavigate("navigate"));
  contents.on("will-frame-navigate", onNavigate("frame navigation"));
  contents.on("will-redirect", onNavigate("redirect"));
  contents.on("will-attach-webview", (e) => {
    e.preventDefault();
    log.warn("blocked a <webview>");
  });
  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalLink(url) && navigationVerdict(url, origin()) !== "allow") openExternal(url);
    else log.warn(`blocked a new window for ${url}`);
    return { action: "deny" };
  });
}
