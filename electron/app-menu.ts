import type { MenuItemConstructorOptions } from "electron";

/** What the menu's own items do (the rest are Electron roles). */
export interface MenuActions {
  openWorkspace(): void;
  importConvertigoProject(): void;
  revealWorkspace(): void;
  about(): void;
}

/**
 * The application menu: File (workspace, Convertigo import), Edit, View, Window, Help, plus the
 * app menu on macOS. Developer tools are offered only when the app is not packaged.
 */
export function buildMenuTemplate(
  platform: NodeJS.Platform,
  appName: string,
  actions: MenuActions,
  opts: { devTools: boolean },
): MenuItemConstructorOptions[] {
  const mac = platform === "darwin";
  const template: MenuItemConstructorOptions[] = [];
  if (mac) {
    template.push({
      label: appName,
      submenu: [
        { role: "about" },
        { type: "separator" },
        { role: "services" },
        { type: "separator" },
        { role: "hide" },
        { role: "hideOthers" },
        { role: "unhide" },
        { type: "separator" },
        { role: "quit" },
      ],
    });
  }
  template.push({
    label: "&File",
    submenu: [
      {
        id: "open-workspace",
        label: "Open Workspace…",
        accelerator: "CmdOrCtrl+O",
        click: () => actions.openWorkspace(),
      },
      {
        id: "import-convertigo-project",
        label: "Import Convertigo Project…",
        click: () => actions.importConvertigoProject(),
      },
      { type: "separator" },
      {
        id: "reveal-workspace",
        label: mac ? "Reveal Workspace in Finder" : "Show Workspace Folder",
        click: () => actions.revealWorkspace(),
      },
      { type: "separator" },
      mac ? { role: "close" } : { role: "quit" },
    ],
  });
  template.push({
    label: "&Edit",
    submenu: [
      { role: "undo" },
      { role: "redo" },
      { type: "separator" },
      { role: "cut" },
      { role: "copy" },
      { role: "paste" },
      { role: "delete" },
      { type: "separator" },
      { role: "selectAll" },
    ],
  });
  template.push({
    label: "&View",
    submenu: [
      { role: "reload" },
      ...(opts.devTools ? [{ role: "forceReload" } as const, { role: "toggleDevTools" } as const] : []),
      { type: "separator" },
      { role: "resetZoom" },
      { role: "zoomIn" },
      { role: "zoomOut" },
      { type: "separator" },
      { role: "togglefullscreen" },
    ],
  });
  template.push({ role: "windowMenu" });
  template.push({
    role: "help",
    submenu: [{ id: "about", label: `About ${appName}`, click: () => actions.about() }],
  });
  return template;
}
