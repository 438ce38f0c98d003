// The shell's main-process logic driven end to end: fake Electron objects (no binary here), a
// real engine with its real HTTP server on a temp workspace.
import type { BrowserWindowConstructorOptions, MenuItemConstructorOptions, OpenDialogOptions } from "electron";
import { EventEmitter } from "node:events";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startAtelierServer } from "../engine/node/admin/atelier-server.ts";
import { startAtelier } from "../engine/node/app.ts";
import { EngineLog } from "../engine/node/log.ts";
import {
  runDesktop,
  safeStorageProtector,
  type DesktopController,
  type DesktopDeps,
  type RunningEngineLike,
} from "./desktop-app.ts";
import { FakeIpcMain, FakeSafeStorage, FakeWindow, memoryLog } from "./test/fakes.ts";

const repoExample = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "examples", "workspace");

/** Electron's `app`: quit() closes the windows, then emits will-quit, which may postpone it. */
class FakeApp extends EventEmitter {
  isPackaged = false;
  exited = false;
  quitCalls = 0;
  lock = true;
  windows: FakeWindow[] = [];
  constructor(private readonly userData: string) {
    super();
  }
  getName = () => "Atelier";
  getVersion = () => "0.1.0";
  getPath = (name: string) => path.join(this.userData, "..", name === "userData" ? "userData" : "Documents");
  requestSingleInstanceLock = () => this.lock;
  whenReady = async () => undefined;
  quit(): void {
    this.quitCalls++;
    this.emit("before-quit");
    for (const w of this.windows) if (!w.destroyed) w.close();
    let prevented = false;
    this.emit("will-quit", { preventDefault: () => (prevented = true) });
    if (!prevented) this.exited = true;
  }
}

let tmp: string;
let engines: RunningEngineLike[];
let controller: DesktopController | null;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "atelier-desktop-"));
  for (const ws of ["ws1", "ws2"])
    fs.cpSync(path.join(repoExample, "Demo"), path.join(tmp, ws, "Demo"), { recursive: true });
  engines = [];
  controller = null;
});
afterEach(async () => {
  await Promise.all(engines.map((e) => e.close().catch(() => undefined)));
  fs.rmSync(tmp, { recursive: true, force: true });
});

function setup(over: Partial<DesktopDeps> = {}) {
  const app = new FakeApp(path.join(tmp, "userData"));
  const ipcMain = new FakeIpcMain();
  const log = memoryLog();
  const printed: string[] = [];
  const dialogAnswers: (string | null)[] = [];
  const dialogs: OpenDialogOptions[] = [];
  const boxes: string[] = [];
  const boxAnswers: number[] = [];
  const external: string[] = [];
  let menu: MenuItemConstructorOptions[] = [];
  const windowOptions: BrowserWindowConstructorOptions[] = [];
  const deps: DesktopDeps = {
    app,
    createWindow: (o) => {
      windowOptions.push(o);
      const w = new FakeWindow(o as Record<string, unknown>);
      app.windows.push(w);
      return w;
    },
    setApplicationMenu: (t) => (menu = t),
    dialog: {
      showOpenDialog: async (o) => {
        dialogs.push(o);
        const a = dialogAnswers.shift() ?? null;
        return a ? { canceled: false, filePaths: [a] } : { canceled: true, filePaths: [] };
      },
      showMessageBox: async (o) => {
        boxes.push(o.message);
        return { response: boxAnswers.shift() ?? 0 };
      },
    },
    shell: {
      openExternal: async (u) => void external.push(u),
      openPath: async () => "",
    },
    ipcMain,
    workAreas: () => [{ x: 0, y: 0, width: 1920, height: 1080 }],
    permissions: { setPermissionRequestHandler: () => undefined, setPermissionCheckHandler: () => undefined },
    startAtelier: async (o) => {
      const e = await startAtelier({ ...o, port: 0, log: new EngineLog({ level: "silent" }) });
      engines.push(e);
      return e;
    },
    preloadPath: "/app/electron/dist/preload.cjs",
    exampleWorkspace: path.join(tmp, "ws1"),
    studioDist: path.join(tmp, "no-studio"),
    env: {},
    platform: "linux",
    versions: { electron: "45.5.0", chrome: "140", node: "22" },
    log,
    print: (l) => printed.push(l),
    ...over,
  };
  return {
    app,
    ipcMain,
    log,
    printed,
    dialogAnswers,
    dialogs,
    boxes,
    boxAnswers,
    external,
    windowOptions,
    deps,
    menu: () => menu,
  };
}

const frameOf = (w: FakeWindow, url: string) => ({ sender: { id: w.webContents.id }, senderFrame: { url } });
const reachable = async (url: string) => {
  try {
    return (await fetch(new URL("projects/Demo/.json?__sequence=Greet&name=Ada", url))).ok;
  } catch {
    return false;
  }
};

describe("runDesktop", () => {
  it("starts the engine on the example workspace and opens one locked-down window on the Studio", async () => {
    const s = setup();
    controller = await runDesktop(s.deps);
    const engine = controller!.engine!;
    expect(controller!.workspace).toBe(path.join(tmp, "ws1"));
    expect(await reachable(engine.url)).toBe(true);
    expect(s.printed).toEqual([`Atelier engine: ${engine.url}`, `Atelier Studio: ${engine.studioUrl ?? engine.url}`]);

    expect(s.windowOptions).toHaveLength(1);
    expect(s.windowOptions[0]!.webPreferences).toMatchObject({
      preload: "/app/electron/dist/preload.cjs",
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
    });
    const win = s.app.windows[0]!;
    expect(win.loaded).toEqual([engine.studioUrl ?? engine.url]);
    expect(win.visible).toBe(false);
    win.emit("ready-to-show");
    expect(win.visible).toBe(true);

    const file = s.menu().find((m) => m.label === "&File")!.submenu as MenuItemConstructorOptions[];
    expect(file.map((i) => i.id ?? i.role ?? i.type)).toEqual([
      "open-workspace",
      "import-convertigo-project",
      "separator",
      "reveal-workspace",
      "separator",
      "quit",
    ]);
  });

  it("answers IPC from the Studio page and refuses it from any other origin", async () => {
    const s = setup();
    controller = await runDesktop(s.deps);
    const win = s.app.windows[0]!;
    const studio = win.loaded[0]!;
    await expect(s.ipcMain.invoke("workspace:current", frameOf(win, studio))).resolves.toEqual({
      dir: path.join(tmp, "ws1"),
    });
    await expect(s.ipcMain.invoke("app:info", frameOf(win, studio))).resolves.toMatchObject({
      version: "0.1.0",
      platform: "linux",
    });
    await expect(s.ipcMain.invoke("workspace:current", frameOf(win, "https://evil.example/"))).rejects.toThrow(
      /Refused/,
    );
    await expect(
      s.ipcMain.invoke("shell:open-external", frameOf(win, "http://127.0.0.1:1/"), "https://x.example/"),
    ).rejects.toThrow(/Refused/);
    await s.ipcMain.invoke("shell:open-external", frameOf(win, studio), "https://docs.example/");
    expect(s.external).toEqual(["https://docs.example/"]);
  });

  it("switches workspace: new engine loaded in the window, old one closed, choice remembered for next start", async () => {
    const s = setup();
    controller = await runDesktop(s.deps);
    const win = s.app.windows[0]!;
    const first = controller!.engine!;
    s.dialogAnswers.push(path.join(tmp, "ws2"));
    await expect(s.ipcMain.invoke("workspace:open", frameOf(win, win.loaded[0]!))).resolves.toEqual({
      dir: path.join(tmp, "ws2"),
    });
    const second = controller!.engine!;
    expect(second.url).not.toBe(first.url);
    expect(win.loaded.at(-1)).toBe(second.studioUrl ?? second.url);
    expect(await reachable(second.url)).toBe(true);
    expect(await reachable(first.url)).toBe(false);
    // The old page's origin lost its rights.
    await expect(s.ipcMain.invoke("workspace:current", frameOf(win, first.url))).rejects.toThrow(/Refused/);

    s.app.quit();
    await vi.waitFor(() => expect(s.app.exited, "the app to exit").toBe(true), { timeout: 5000, interval: 10 });

    const next = setup();
    controller = await runDesktop(next.deps);
    expect(controller!.workspace).toBe(path.join(tmp, "ws2"));
  });

  it("keeps the current workspace when the new one cannot be opened", async () => {
    const s = setup();
    controller = await runDesktop(s.deps);
    const win = s.app.windows[0]!;
    s.dialogAnswers.push(path.join(tmp, "no-such-folder"));
    await expect(s.ipcMain.invoke("workspace:open", frameOf(win, win.loaded[0]!))).resolves.toBeNull();
    expect(controller!.workspace).toBe(path.join(tmp, "ws1"));
    expect(await reachable(controller!.engine!.url)).toBe(true);
  });

  it("quits cleanly: the window state is saved, the engine closed, then the app exits", async () => {
    const s = setup();
    controller = await runDesktop(s.deps);
    const engine = controller!.engine!;
    const win = s.app.windows[0]!;
    win.setBounds({ x: 120, y: 80, width: 1500, height: 900 });
    s.app.quit();
    expect(s.app.exited).toBe(false); // will-quit waits for the engine
    await vi.waitFor(() => expect(s.app.exited, "the app to exit").toBe(true), { timeout: 5000, interval: 10 });
    expect(s.app.quitCalls).toBe(2);
    expect(await reachable(engine.url)).toBe(false);
    expect(s.ipcMain.handlers.size).toBe(0);

    const settings = JSON.parse(fs.readFileSync(path.join(tmp, "userData", "settings.json"), "utf8"));
    expect(settings.window).toEqual({ x: 120, y: 80, width: 1500, height: 900, maximized: false });
    const again = setup();
    controller = await runDesktop(again.deps);
    expect(again.windowOptions[0]).toMatchObject({ x: 120, y: 80, width: 1500, height: 900 });
  });

  it("quits even when the engine hangs on close", async () => {
    const s = setup({
      startAtelier: async () => ({ url: "http://127.0.0.1:9/", close: () => new Promise<void>(() => undefined) }),
      closeTimeoutMs: 50,
    });
    controller = await runDesktop(s.deps);
    s.app.quit();
    await vi.waitFor(() => expect(s.app.exited, "the app to exit").toBe(true), { timeout: 5000, interval: 10 });
    expect(s.log.lines).toContain("warn: the engine did not close in time; quitting anyway");
  });

  it("does nothing but quit when another instance holds the lock (that one is focused)", async () => {
    const s = setup();
    s.app.lock = false;
    let started = 0;
    s.deps.startAtelier = async () => {
      started++;
      throw new Error("must not start");
    };
    expect(await runDesktop(s.deps)).toBeNull();
    expect(started).toBe(0);
    expect(s.app.exited).toBe(true);
  });

  it("focuses the existing window when a second instance starts", async () => {
    const s = setup();
    controller = await runDesktop(s.deps);
    const win = s.app.windows[0]!;
    win.minimized = true;
    s.app.emit("second-instance");
    expect(win.minimized).toBe(false);
    expect(win.focused).toBe(1);
  });

  it("offers another folder when the workspace cannot be opened at start", async () => {
    const bad = path.join(tmp, "ws1");
    const s = setup();
    const real = s.deps.startAtelier;
    s.deps.startAtelier = async (o) => {
      if (o.workspaceDir === bad) throw new Error("EACCES: permission denied");
      return real(o);
    };
    s.dialogAnswers.push(path.join(tmp, "ws2"));
    controller = await runDesktop(s.deps);
    expect(s.boxes).toEqual([`Atelier could not open the workspace ${bad}`]);
    expect(controller!.workspace).toBe(path.join(tmp, "ws2"));
    const settings = JSON.parse(fs.readFileSync(path.join(tmp, "userData", "settings.json"), "utf8"));
    expect(settings.workspace).toBe(path.join(tmp, "ws2"));
  });

  it("quits when the user gives up choosing a workspace", async () => {
    const s = setup({
      startAtelier: async () => {
        throw new Error("broken");
      },
    });
    s.boxAnswers.push(1); // "Quit"
    expect(await runDesktop(s.deps)).toBeNull();
    await vi.waitFor(() => expect(s.app.exited, "the app to exit").toBe(true), { timeout: 5000, interval: 10 });
  });

  it("hands a Convertigo project chosen from the menu to the Studio page", async () => {
    const s = setup();
    controller = await runDesktop(s.deps);
    const win = s.app.windows[0]!;
    s.dialogAnswers.push("/home/me/convertigo/MyProject");
    const file = s.menu().find((m) => m.label === "&File")!.submenu as MenuItemConstructorOptions[];
    (file.find((i) => i.id === "import-convertigo-project")!.click as () => void)();
    await vi.waitFor(() => expect(win.webContents.sent, "the message to the page").not.toHaveLength(0), {
      timeout: 5000,
      interval: 10,
    });
    expect(win.webContents.sent).toEqual([
      { channel: "convertigo:import-requested", args: ["/home/me/convertigo/MyProject"] },
    ]);
    expect(s.dialogs[0]!.properties).toContain("openDirectory");
  });
});

describe("deployment targets' secrets", () => {
  it("are encrypted by safeStorage when the OS has a keychain, and the engine decrypts them to reach the server", async () => {
    const server = await startAtelierServer({
      dataDir: path.join(tmp, "server"),
      port: 0,
      log: new EngineLog({ level: "silent" }),
      fullsyncInMemory: true,
      atelierVersion: "test-server",
    });
    try {
      await server.store.addUser("ada", "a long enough password", ["deploy", "view"]);
      const { text: psc } = await server.store.createPsc({
        user: "ada",
        url: server.url,
        projects: ["*"],
        expiresInMs: 3_600_000,
      });
      const safeStorage = new FakeSafeStorage();
      const configDir = path.join(tmp, "config");
      const s = setup({ env: { ATELIER_CONFIG_DIR: configDir }, safeStorage });
      controller = await runDesktop(s.deps);
      const engine = controller!.engine!;
      const token = new URL(engine.studioUrl!).searchParams.get("token")!;
      const studio = (route: string, init: RequestInit = {}) =>
        fetch(new URL(`api/studio${route}`, engine.url), {
          ...init,
          headers: {
            "x-atelier-studio": "1",
            authorization: `Bearer ${token}`,
            ...(init.body ? { "content-type": "application/json" } : {}),
          },
        });

      const imported = await studio("/targets", { method: "POST", body: JSON.stringify({ psc }) });
      expect(imported.status).toBe(200);
      const [target] = (await imported.json()) as { id: string; user: string }[];
      expect(target).toMatchObject({ user: "ada", url: server.url });
      expect(safeStorage.calls).toEqual(["encrypt"]);
      const stored = fs.readFileSync(path.join(configDir, "targets.json"), "utf8");
      expect(stored).not.toContain(psc);
      expect(JSON.parse(stored).targets[0]).toMatchObject({ id: target!.id, protectedBy: "platform" });

      const info = await studio(`/targets/${target!.id}/server`);
      expect(info.status).toBe(200);
      expect(await info.json()).toMatchObject({ atelier: "test-server" });
      expect(safeStorage.calls).toContain("decrypt");
    } finally {
      await server.close();
    }
  });

  it("stay unencrypted (owner-only file) when the OS offers no keychain, and the shell says so", async () => {
    const none = new FakeSafeStorage();
    none.available = false;
    expect(safeStorageProtector(none)).toBeUndefined();
    const basic = new FakeSafeStorage();
    basic.backend = "basic_text"; // Linux without a keyring: a fixed key, no protection
    expect(safeStorageProtector(basic)).toBeUndefined();

    const s = setup({ env: { ATELIER_CONFIG_DIR: path.join(tmp, "config") }, safeStorage: basic });
    controller = await runDesktop(s.deps);
    expect(s.log.lines.some((l) => l.startsWith("warn: the OS offers no keychain"))).toBe(true);
  });

  it("round-trip through the keychain, and a secret it cannot decrypt says what to do", () => {
    const keychain = new FakeSafeStorage();
    keychain.backend = "gnome_libsecret";
    const p = safeStorageProtector(keychain)!;
    const stored = p.encrypt("atlpsc1_secret");
    expect(stored).not.toContain("atlpsc1_secret");
    expect(p.decrypt(stored)).toBe("atlpsc1_secret");
    expect(() => p.decrypt(Buffer.from("other machine").toString("base64"))).toThrow(/import its PSC again/);
  });
});
