// A stand-in for the `electron` module, for running electron/main.ts in plain Node (the binary
// cannot be downloaded here). It behaves as far as main.ts and the shell use it: app lifecycle
// (ready, quit → will-quit, exit), windows that record what they load, and the rest inert.
import { EventEmitter } from "node:events";
import path from "node:path";

const userData = process.env.FAKE_ELECTRON_USER_DATA;
let nextId = 1;

class FakeApp extends EventEmitter {
  isPackaged = false;
  name = "electron";
  setName(n) {
    this.name = n;
  }
  getName() {
    return this.name;
  }
  getVersion() {
    return "0.0.0-fake";
  }
  getPath(name) {
    return path.join(userData, name);
  }
  requestSingleInstanceLock() {
    return true;
  }
  whenReady() {
    return Promise.resolve();
  }
  quit() {
    this.emit("before-quit");
    let prevented = false;
    this.emit("will-quit", { preventDefault: () => (prevented = true) });
    if (!prevented) this.exit(0);
  }
  exit(code = 0) {
    process.stdout.write(`fake-electron: exit ${code}\n`);
    process.exit(code);
  }
}

export const app = new FakeApp();

class FakeWebContents extends EventEmitter {
  id = nextId++;
  setWindowOpenHandler() {}
  send() {}
}

export class BrowserWindow extends EventEmitter {
  constructor(options) {
    super();
    this.options = options;
    this.webContents = new FakeWebContents();
    process.stdout.write(`fake-electron: window ${JSON.stringify(options.webPreferences)}\n`);
  }
  async loadURL(url) {
    process.stdout.write(`fake-electron: load ${url}\n`);
  }
  getNormalBounds() {
    return { x: 0, y: 0, width: this.options.width, height: this.options.height };
  }
  isMaximized() {
    return false;
  }
  isMinimized() {
    return false;
  }
  isFullScreen() {
    return false;
  }
  isDestroyed() {
    return false;
  }
  show() {}
  focus() {}
  restore() {}
  maximize() {}
  setFullScreen() {}
}

export const Menu = {
  buildFromTemplate: (t) => ({ items: t }),
  setApplicationMenu: (m) =>
    process.stdout.write(`fake-electron: menu ${m.items.map((i) => i.label ?? i.role).join(",")}\n`),
};
export const dialog = {
  showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
  showMessageBox: async () => ({ response: 1 }),
  showErrorBox: (title, message) => process.stdout.write(`fake-electron: error box ${message}\n`),
};
export const ipcMain = { handle() {}, removeHandler() {} };
export const screen = { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] };
export const session = { defaultSession: { setPermissionRequestHandler() {}, setPermissionCheckHandler() {} } };
export const shell = { openExternal: async () => {}, openPath: async () => "" };
export default { app, BrowserWindow, Menu, dialog, ipcMain, screen, session, shell };
