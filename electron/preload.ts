// Runs in the Studio page's isolated world (contextIsolation + sandbox): it can reach only a
// subset of `electron`, so it is bundled into one CommonJS file (preload-bundle.ts) before use.
import { contextBridge, ipcRenderer } from "electron";
import { buildDesktopApi } from "./desktop-api.ts";
import { desktopApiGlobal } from "../engine/common/desktop/ipc-channels.ts";

contextBridge.exposeInMainWorld(desktopApiGlobal, buildDesktopApi(ipcRenderer));
