import type {
  BrowserWindowConstructorOptions,
  MenuItemConstructorOptions,
  MessageBoxOptions,
  OpenDialogOptions,
} from "electron";
import path from "node:path";
import { TargetStore, userConfigDir, type SecretProtector } from "../engine/node/deploy/targets.ts";
import { buildMenuTemplate } from "./app-menu.ts";
import type {
  DesktopAppInfo,
  EventChannel,
  IpcEventChannels,
  WorkspaceInfo,
} from "../engine/common/desktop/ipc-channels.ts";
import { IpcRegistry, originOf, type IpcMainLike } from "./ipc-registry.ts";
import type { DesktopLog } from "./log.ts";
import { guardNavigation, type GuardedContentsLike } from "./navigation-guard.ts";
import { SettingsFile } from "./settings-file.ts";
import {
  minWindowSize,
  restoreWindowState,
  trackWindowState,
  type Rect,
  type TrackedWindowEvent,
  type TrackedWindowLike,
} from "./window-state.ts";
import { chooseStartWorkspace, isFolder } from "./workspace-choice.ts";

/** The part of Electron's `app` the shell uses. */
export interface AppLike {
  readonly isPackaged: boolean;
  getName(): string;
  getVersion(): string;
  getPath(name: "userData" | "documents"): string;
  requestSingleInstanceLock(): boolean;
  whenReady(): Promise<unknown>;
  on(event: "second-instance" | "window-all-closed" | "activate" | "before-quit", listener: () => void): unknown;
  on(event: "will-quit", listener: (e: { preventDefault(): void }) => void): unknown;
  quit(): void;
}

export interface WebContentsLike extends GuardedContentsLike {
  readonly id: number;
  send(channel: string, ...args: unknown[]): void;
}

/** The part of Electron's BrowserWindow the shell uses. */
export interface MainWindowLike extends TrackedWindowLike {
  readonly webContents: WebContentsLike;
  loadURL(url: string): Promise<void>;
  show(): void;
  focus(): void;
  restore(): void;
  maximize(): void;
  setFullScreen(flag: boolean): void;
  once(event: "ready-to-show", listener: () => void): unknown;
  on(event: TrackedWindowEvent | "closed", listener: () => void): unknown;
}

/** The engine as the shell sees it (RunningAtelier of engine/node/app.ts). */
export interface RunningEngineLike {
  /** The engine's base URL. */
  url: string;
  /** The Studio's URL with its access token, once the engine serves the Studio. */
  studioUrl?: string;
  close(): Promise<void>;
}

export interface PermissionDetailsLike {
  requestingUrl?: string;
}

/** The part of Electron's `safeStorage` the shell uses (the OS keychain: Keychain, DPAPI, libsecret). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: which backend encrypts ("basic_text" is a fixed key, no protection). */
  getSelectedStorageBackend?(): string;
}

/** What the shell passes to the engine it starts: the workspace, and the store of deployment targets. */
export interface DesktopEngineOptions {
  workspaceDir: string;
  studio?: { targets?: TargetStore; distDir?: string; examplesDir?: string };
}

/**
 * A protector of deployment targets' secrets (PSCs, Convertigo passwords) by the OS keychain, or
 * undefined when the OS offers no real encryption (no keyring on Linux: Electron would fall back to
 * a fixed key, which protects nothing; the file then stays owner-only, readable by the CLI too).
 */
export function safeStorageProtector(safeStorage: SafeStorageLike): SecretProtector | undefined {
  if (!safeStorage.isEncryptionAvailable()) return undefined;
  let backend: string | undefined;
  try {
    backend = safeStorage.getSelectedStorageBackend?.();
  } catch {
    backend = undefined; // not Linux
  }
  if (backend === "basic_text" || backend === "unknown") return undefined;
  return {
    encrypt: (plain) => safeStorage.encryptString(plain).toString("base64"),
    decrypt: (stored) => {
      try {
        return safeStorage.decryptString(Buffer.from(stored, "base64"));
      } catch (e) {
        throw new Error(
          `The OS keychain cannot decrypt this target's secret (${(e as Error).message}): remove the target and import its PSC again`,
        );
      }
    },
  };
}

/** Everything the shell needs from Electron and the engine, given as parameters (fakes in tests). */
export interface DesktopDeps {
  app: AppLike;
  createWindow(options: BrowserWindowConstructorOptions): MainWindowLike;
  setApplicationMenu(template: MenuItemConstructorOptions[]): void;
  dialog: {
    showOpenDialog(options: OpenDialogOptions): Promise<{ canceled: boolean; filePaths: string[] }>;
    showMessageBox(options: MessageBoxOptions): Promise<{ response: number }>;
  };
  shell: { openExternal(url: string): Promise<void>; openPath(path: string): Promise<string> };
  ipcMain: IpcMainLike;
  /** The displays' work areas (Electron's `screen`, usable once the app is ready). */
  workAreas(): Rect[];
  /** Electron's default session permission hooks. */
  permissions: {
    setPermissionRequestHandler(
      handler: (
        contents: unknown,
        permission: string,
        callback: (granted: boolean) => void,
        details: PermissionDetailsLike,
      ) => void,
    ): void;
    setPermissionCheckHandler(
      handler: (contents: unknown, permission: string, requestingOrigin: string) => boolean,
    ): void;
  };
  startAtelier(opts: DesktopEngineOptions): Promise<RunningEngineLike>;
  /** Electron's safeStorage: deployment targets' secrets are encrypted with it when the OS can. */
  safeStorage?: SafeStorageLike;
  /** The bundled preload script (electron/dist/preload.cjs). */
  preloadPath: string;
  /** The example workspace shipped with the app. */
  exampleWorkspace: string;
  /** The built Studio (renderer/dist) the engine serves. */
  studioDist: string;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  /** Runtime versions shown in About (process.versions). */
  versions: Record<string, string | undefined>;
  log: DesktopLog;
  /** Where the `Atelier engine:` / `Atelier Studio:` lines go (stdout). */
  print(line: string): void;
  /** Longest wait for the engine to close when quitting. */
  closeTimeoutMs?: number;
}

/** The running shell, for main.ts and tests. */
export interface DesktopController {
  readonly engine: RunningEngineLike | null;
  readonly workspace: string;
  readonly window: MainWindowLike | null;
  /** Moves the engine to another workspace (start the new one, load it, close the old one). */
  switchWorkspace(dir: string): Promise<boolean>;
}

/** Permissions the Studio may be granted; everything else (camera, geolocation...) is denied. */
const grantedPermissions = new Set(["clipboard-sanitized-write"]);

export const studioUrlOf = (e: RunningEngineLike): string => e.studioUrl ?? e.url;

/**
 * The desktop shell: one instance per user, the engine in-process on the workspace, one window
 * on the Studio, the menu, IPC for what needs the desktop, and a clean shutdown that closes the
 * engine. Answers null when another instance already runs (it is focused instead) or when the
 * user gave up opening a workspace.
 */
export async function runDesktop(d: DesktopDeps): Promise<DesktopController | null> {
  const { app, log } = d;
  if (!app.requestSingleInstanceLock()) {
    log.info("Atelier is already running: focusing its window");
    app.quit();
    return null;
  }

  const settings = new SettingsFile(path.join(app.getPath("userData"), "settings.json"), log);
  let engine: RunningEngineLike | null = null;
  let workspace = "";
  let win: MainWindowLike | null = null;
  const ownContents = new Set<number>();
  const origin = () => (engine ? originOf(engine.url) : null);
  const registry = new IpcRegistry(d.ipcMain, { origin, isOwnWebContents: (id) => ownContents.has(id) }, log);

  // Quitting: Electron closes the windows, then `will-quit`, which waits here for the engine.
  let stopped = false;
  let stopping: Promise<void> | null = null;
  const stop = async () => {
    await registry.close();
    const e = engine;
    engine = null;
    if (!e) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        log.warn("the engine did not close in time; quitting anyway");
        resolve();
      }, d.closeTimeoutMs ?? 5000);
    });
    await Promise.race([e.close().catch((err: Error) => log.error(`closing the engine: ${err.message}`)), timeout]);
    clearTimeout(timer);
  };
  app.on("will-quit", (e) => {
    if (stopped) return;
    e.preventDefault();
    stopping ??= stop().finally(() => {
      stopped = true;
      app.quit();
    });
  });
  app.on("second-instance", () => {
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  app.on("window-all-closed", () => {
    if (d.platform !== "darwin") app.quit();
  });
  app.on("activate", () => {
    if (!win && engine) openWindow();
  });

  await app.whenReady();
  d.permissions.setPermissionRequestHandler((_c, permission, callback, details) =>
    callback(grantedPermissions.has(permission) && originOf(details.requestingUrl ?? "") === origin()),
  );
  d.permissions.setPermissionCheckHandler(
    (_c, permission, requestingOrigin) => grantedPermissions.has(permission) && requestingOrigin === origin(),
  );

  // safeStorage works once the app is ready. One store for every engine this shell starts.
  const protector = d.safeStorage ? safeStorageProtector(d.safeStorage) : undefined;
  if (d.safeStorage && !protector)
    log.warn("the OS offers no keychain: deployment targets' secrets are kept in an owner-only file, unencrypted");
  const targets = new TargetStore(userConfigDir(d.env), protector);
  const startEngine = (workspaceDir: string) =>
    d.startAtelier({
      workspaceDir,
      studio: { targets, distDir: d.studioDist, examplesDir: d.exampleWorkspace },
    });

  const chooseFolder = async (title: string, message: string): Promise<string | null> => {
    const r = await d.dialog.showOpenDialog({
      title,
      message,
      defaultPath: workspace || undefined,
      properties: ["openDirectory", "createDirectory"],
    });
    return r.canceled || !r.filePaths[0] ? null : r.filePaths[0];
  };

  const announce = (e: RunningEngineLike) => {
    d.print(`Atelier engine: ${e.url}`);
    d.print(`Atelier Studio: ${studioUrlOf(e)}`);
  };

  /** Starts an engine on `dir`; on failure offers another folder until one works or the user quits. */
  const startInteractive = async (dir: string): Promise<{ engine: RunningEngineLike; dir: string } | null> => {
    for (let candidate: string | null = dir; candidate;) {
      try {
        return { engine: await startEngine(candidate), dir: candidate };
      } catch (e) {
        log.error(`cannot open the workspace ${candidate}: ${(e as Error).message}`);
        const { response } = await d.dialog.showMessageBox({
          type: "error",
          title: "Atelier",
          message: `Atelier could not open the workspace ${candidate}`,
          detail: (e as Error).message,
          buttons: ["Choose Another Workspace…", "Quit"],
          defaultId: 0,
          cancelId: 1,
        });
        candidate = response === 0 ? await chooseFolder("Open Workspace", "Choose a workspace folder") : null;
      }
    }
    return null;
  };

  const sendToStudio = <C extends EventChannel>(channel: C, ...payload: IpcEventChannels[C]) => {
    win?.webContents.send(channel, ...payload);
  };

  const switchWorkspace = async (dir: string): Promise<boolean> => {
    const target = path.resolve(dir);
    if (target === workspace) return true;
    if (!(await isFolder(target))) {
      log.warn(`not a folder: ${target}`);
      return false;
    }
    let next: RunningEngineLike;
    try {
      next = await startEngine(target);
    } catch (e) {
      log.error(`cannot open the workspace ${target}: ${(e as Error).message}`);
      await d.dialog.showMessageBox({
        type: "error",
        title: "Atelier",
        message: `Atelier could not open the workspace ${target}`,
        detail: `${(e as Error).message}\n\nThe workspace ${workspace} stays open.`,
      });
      return false;
    }
    const previous = engine;
    engine = next;
    workspace = target;
    settings.rememberWorkspace(target);
    announce(next);
    if (win) await win.loadURL(studioUrlOf(next)).catch((e: Error) => log.error(`loading the Studio: ${e.message}`));
    await previous?.close().catch((e: Error) => log.error(`closing the previous engine: ${e.message}`));
    return true;
  };

  const openWorkspaceDialog = async (): Promise<WorkspaceInfo | null> => {
    const dir = await chooseFolder("Open Workspace", "Choose a workspace folder (a folder of Atelier projects)");
    if (!dir) return null;
    return (await switchWorkspace(dir)) ? { dir: workspace } : null;
  };
  const chooseConvertigoProject = () =>
    chooseFolder(
      "Import Convertigo Project",
      "Choose the folder of a Convertigo project (the one holding c8oProject.yaml)",
    );
  const revealWorkspace = async () => {
    const error = await d.shell.openPath(workspace);
    if (error) throw new Error(`cannot show ${workspace}: ${error}`);
  };
  const appInfo = (): DesktopAppInfo => ({
    version: app.getVersion(),
    platform: d.platform,
    workspace,
    userData: app.getPath("userData"),
  });

  const openWindow = () => {
    const state = restoreWindowState(settings.read().window, d.workAreas());
    const w = d.createWindow({
      ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
      width: state.width,
      height: state.height,
      minWidth: minWindowSize.width,
      minHeight: minWindowSize.height,
      show: false,
      title: "Atelier",
      backgroundColor: "#1e1e1e",
      webPreferences: {
        preload: d.preloadPath,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        navigateOnDragDrop: false,
      },
    });
    win = w;
    const contentsId = w.webContents.id;
    ownContents.add(contentsId);
    guardNavigation(w.webContents, origin, (url) => void d.shell.openExternal(url), log);
    const untrack = trackWindowState(w, {
      load: () => settings.read().window,
      save: (s) => settings.update({ window: s }),
    });
    w.once("ready-to-show", () => {
      if (state.maximized) w.maximize();
      if (state.fullScreen) w.setFullScreen(true);
      w.show();
    });
    w.on("closed", () => {
      untrack();
      ownContents.delete(contentsId);
      if (win === w) win = null;
    });
    if (engine) void w.loadURL(studioUrlOf(engine)).catch((e: Error) => log.error(`loading the Studio: ${e.message}`));
  };

  const start = await chooseStartWorkspace({
    settings,
    env: d.env,
    exampleDir: d.exampleWorkspace,
    firstRunCopyTo: app.isPackaged ? path.join(app.getPath("documents"), "Atelier Workspace") : undefined,
    log,
  });
  const started = await startInteractive(start.dir);
  if (!started) {
    app.quit();
    return null;
  }
  engine = started.engine;
  workspace = started.dir;
  if (started.dir !== start.dir) settings.rememberWorkspace(started.dir);
  announce(started.engine);

  registry.handle("workspace:open", openWorkspaceDialog);
  registry.handle("workspace:current", () => ({ dir: workspace }));
  registry.handle("workspace:reveal", revealWorkspace);
  registry.handle("convertigo:choose-project", chooseConvertigoProject);
  registry.handle("shell:open-external", (url) => d.shell.openExternal(url));
  registry.handle("app:info", appInfo);

  d.setApplicationMenu(
    buildMenuTemplate(
      d.platform,
      "Atelier",
      {
        openWorkspace: () => void openWorkspaceDialog().catch((e: Error) => log.error(e.message)),
        importConvertigoProject: () =>
          void chooseConvertigoProject()
            .then((folder) => folder && sendToStudio("convertigo:import-requested", folder))
            .catch((e: Error) => log.error(e.message)),
        revealWorkspace: () => void revealWorkspace().catch((e: Error) => log.error(e.message)),
        about: () =>
          void d.dialog.showMessageBox({
            type: "info",
            title: "About Atelier",
            message: `Atelier ${app.getVersion()}`,
            detail: [
              `Workspace: ${workspace}`,
              `Engine: ${engine?.url ?? "stopped"}`,
              `Electron ${d.versions.electron ?? "?"}, Chromium ${d.versions.chrome ?? "?"}, Node.js ${d.versions.node ?? "?"}`,
            ].join("\n"),
          }),
      },
      { devTools: !app.isPackaged },
    ),
  );
  openWindow();

  return {
    get engine() {
      return engine;
    },
    get workspace() {
      return workspace;
    },
    get window() {
      return win;
    },
    switchWorkspace,
  };
}
