// Stand-ins for the Electron objects the shell's logic receives as parameters. They keep the
// behaviour the logic relies on (events, preventDefault, handlers) and record what was done.
import { EventEmitter } from "node:events";
import type { IpcInvokeEventLike, IpcMainLike } from "../ipc-registry.ts";
import type { DesktopLog } from "../log.ts";
import type { NavigationEventLike } from "../navigation-guard.ts";
import type { Rect } from "../window-state.ts";

export function memoryLog(): DesktopLog & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info: ${m}`),
    warn: (m) => lines.push(`warn: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
  };
}

type Listener = (event: IpcInvokeEventLike, ...args: unknown[]) => unknown;

/** ipcMain: keeps handlers; `invoke` plays a renderer's ipcRenderer.invoke from a given sender. */
export class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Listener>();
  handle(channel: string, listener: Listener): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  async invoke(channel: string, event: IpcInvokeEventLike, ...args: unknown[]): Promise<unknown> {
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`No handler registered for '${channel}'`);
    return h(event, ...args);
  }
}

/** A navigation event whose preventDefault is recorded. */
export function navEvent(
  url: string,
  extra: Partial<NavigationEventLike> = {},
): NavigationEventLike & { prevented: boolean } {
  const e = {
    url,
    prevented: false,
    preventDefault() {
      e.prevented = true;
    },
    ...extra,
  };
  return e;
}

let nextContentsId = 100;

/** WebContents: an EventEmitter with a window-open handler and a record of sent messages. */
export class FakeWebContents extends EventEmitter {
  readonly id = nextContentsId++;
  readonly sent: { channel: string; args: unknown[] }[] = [];
  windowOpenHandler: ((d: { url: string }) => { action: "deny" } | { action: "allow" }) | undefined;
  setWindowOpenHandler(h: (d: { url: string }) => { action: "deny" } | { action: "allow" }): void {
    this.windowOpenHandler = h;
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }
}

/** BrowserWindow: bounds, maximize/minimize/full-screen state, the events that change them. */
export class FakeWindow extends EventEmitter {
  readonly webContents = new FakeWebContents();
  bounds: Rect;
  maximized = false;
  minimized = false;
  fullScreen = false;
  destroyed = false;
  visible = false;
  focused = 0;
  readonly loaded: string[] = [];
  constructor(readonly options: Record<string, unknown> = {}) {
    super();
    const n = (k: string, d: number) => (typeof options[k] === "number" ? (options[k] as number) : d);
    this.bounds = { x: n("x", 10), y: n("y", 10), width: n("width", 800), height: n("height", 600) };
  }
  getNormalBounds(): Rect {
    return { ...this.bounds };
  }
  setBounds(b: Partial<Rect>): void {
    this.bounds = { ...this.bounds, ...b };
    this.emit("resize");
    this.emit("move");
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isFullScreen(): boolean {
    return this.fullScreen;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  maximize(): void {
    this.maximized = true;
    this.emit("maximize");
  }
  setFullScreen(f: boolean): void {
    this.fullScreen = f;
    this.emit(f ? "enter-full-screen" : "leave-full-screen");
  }
  restore(): void {
    this.minimized = false;
  }
  focus(): void {
    this.focused++;
  }
  show(): void {
    this.visible = true;
  }
  async loadURL(url: string): Promise<void> {
    this.loaded.push(url);
  }
  /** What a user closing the window causes: close (state saved), then closed. */
  close(): void {
    this.emit("close");
    this.destroyed = true;
    this.emit("closed");
  }
}

/**
 * Electron's safeStorage: "encrypts" by reversing and prefixing (enough to see a secret is not kept
 * as is), records its calls, and can play a machine without a keychain.
 */
export class FakeSafeStorage {
  available = true;
  /** Linux's backend; "basic_text" plays a machine without a keyring. */
  backend: string | undefined = undefined;
  readonly calls: string[] = [];
  isEncryptionAvailable(): boolean {
    return this.available;
  }
  getSelectedStorageBackend(): string {
    if (this.backend === undefined) throw new Error("getSelectedStorageBackend is Linux only");
    return this.backend;
  }
  encryptString(plain: string): Buffer {
    this.calls.push("encrypt");
    return Buffer.from(`fake-os:${[...plain].reverse().join("")}`, "utf8");
  }
  decryptString(encrypted: Buffer): string {
    this.calls.push("decrypt");
    const text = encrypted.toString("utf8");
    if (!text.startsWith("fake-os:"))
      throw new Error("Error while decrypting the ciphertext provided to safeStorage.decryptString.");
    return [...text.slice("fake-os:".length)].reverse().join("");
  }
}
