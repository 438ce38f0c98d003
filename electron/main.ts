// The Electron main process: the one file that wires the real Electron APIs into the shell's
// logic (desktop-app.ts), which tests run with fakes. Keep it this thin.
import electron, { BrowserWindow, Menu, app, dialog, ipcMain, screen, session, shell } from "electron";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startAtelier } from "../engine/node/app.ts";
import { runDesktop } from "./desktop-app.ts";
import { streamLog } from "./log.ts";

// The app's root: this file is electron/main.ts in a checkout, dist/electron-main.mjs once compiled.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const preloadPath = path.join(root, "electron", "dist", "preload.cjs");
const log = streamLog((line) => process.stderr.write(line));

app.setName("Atelier");
if (!fs.existsSync(preloadPath)) {
  dialog.showErrorBox("Atelier", `The preload script ${preloadPath} is missing: start Atelier with "npm start".`);
  app.exit(1);
}
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => app.quit());

runDesktop({
  app,
  createWindow: (options) => new BrowserWindow(options),
  setApplicationMenu: (template) => Menu.setApplicationMenu(Menu.buildFromTemplate(template)),
  dialog: {
    showOpenDialog: (options) => dialog.showOpenDialog(options),
    showMessageBox: (options) => dialog.showMessageBox(options),
  },
  shell,
  ipcMain,
  workAreas: () => screen.getAllDisplays().map((d) => d.workArea),
  // The default session exists only once the app is ready: reach it when the shell asks.
  permissions: {
    setPermissionRequestHandler: (handler) => session.defaultSession.setPermissionRequestHandler(handler),
    setPermissionCheckHandler: (handler) => session.defaultSession.setPermissionCheckHandler(handler),
  },
  startAtelier,
  // Read from the module object: the stand-in electron of main.test.ts has no safeStorage (the
  // targets' secrets then stay unencrypted there).
  safeStorage: electron.safeStorage,
  preloadPath,
  exampleWorkspace: path.join(root, "examples", "workspace"),
  studioDist: path.join(root, "renderer", "dist"),
  env: process.env,
  platform: process.platform,
  versions: process.versions,
  log,
  print: (line) => process.stdout.write(line + "\n"),
}).catch((e: Error) => {
  log.error(`the desktop shell failed to start: ${e.stack ?? e.message}`);
  dialog.showErrorBox("Atelier", `Atelier failed to start:\n${e.message}`);
  app.exit(1);
});
