import {
  desktopApiEvents,
  desktopApiMethods,
  type AtelierDesktopApi,
  type EventChannel,
  type InvokeChannel,
} from "../engine/common/desktop/ipc-channels.ts";

/** The part of Electron's `ipcRenderer` the preload uses (a fake in tests). */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/**
 * Builds the object the preload exposes: one method per channel of ipc-channels.ts and nothing
 * else. The page never sees `ipcRenderer` itself nor an IPC event object (which would reach
 * `event.sender`), only the payloads.
 */
export function buildDesktopApi(ipc: IpcRendererLike): AtelierDesktopApi {
  const api: Record<string, unknown> = { isDesktop: true };
  for (const [method, channel] of Object.entries(desktopApiMethods) as [string, InvokeChannel][]) {
    api[method] = (...args: unknown[]) => ipc.invoke(channel, ...args);
  }
  for (const [method, channel] of Object.entries(desktopApiEvents) as [string, EventChannel][]) {
    api[method] = (listener: (...payload: unknown[]) => void) => {
      if (typeof listener !== "function") throw new TypeError(`${method} needs a function`);
      const relay = (_event: unknown, ...payload: unknown[]) => listener(...payload);
      ipc.on(channel, relay);
      return () => void ipc.removeListener(channel, relay);
    };
  }
  return Object.freeze(api) as AtelierDesktopApi;
}
