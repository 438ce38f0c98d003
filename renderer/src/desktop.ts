import type { AtelierDesktopApi } from "../../engine/common/desktop/ipc-channels.ts";

/**
 * The desktop shell's bridge (`window.atelierDesktop`, set by its preload), or undefined in a
 * plain browser. Only what needs the desktop goes through it: folder dialogs, the workspace.
 */
export const desktop: AtelierDesktopApi | undefined = (window as { atelierDesktop?: AtelierDesktopApi }).atelierDesktop;
