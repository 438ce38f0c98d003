import {
  invokeArgChecks,
  type InvokeArgs,
  type InvokeChannel,
  type InvokeResult,
} from "../engine/common/desktop/ipc-channels.ts";
import type { DesktopLog } from "./log.ts";

/** What an `ipcMain.handle` listener receives about its caller (Electron's IpcMainInvokeEvent). */
export interface IpcInvokeEventLike {
  sender: { id: number };
  /** The frame that sent the message; null once it navigated away or was destroyed. */
  senderFrame: { url: string } | null;
}

/** The part of Electron's `ipcMain` the registry uses (a fake in tests). */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

/** Who may talk to the shell: pages of the engine's origin, in the shell's own windows. */
export interface TrustedSenders {
  /** The engine's origin (http://127.0.0.1:<port>), or null while no engine runs. */
  origin(): string | null;
  /** Is this web contents one of the shell's windows? */
  isOwnWebContents(id: number): boolean;
}

/** The origin of a URL, or null when it has none (about:blank, malformed...). */
export function originOf(url: string): string | null {
  try {
    const origin = new URL(url).origin;
    return origin === "null" ? null : origin;
  } catch {
    return null;
  }
}

/** Why a message must be refused, or null when its sender is trusted. */
export function senderRefusal(event: IpcInvokeEventLike, trust: TrustedSenders): string | null {
  const expected = trust.origin();
  if (!expected) return "no engine is running";
  if (!trust.isOwnWebContents(event.sender.id)) return `sender ${event.sender.id} is not a window of the shell`;
  const frameUrl = event.senderFrame?.url;
  if (!frameUrl) return "the sending frame is gone";
  const origin = originOf(frameUrl);
  if (origin !== expected) return `sender origin ${origin ?? "(none)"} is not the engine's (${expected})`;
  return null;
}

export type InvokeHandler<C extends InvokeChannel> = (
  ...args: InvokeArgs<C>
) => InvokeResult<C> | Promise<InvokeResult<C>>;

/**
 * The only way main-process code registers IPC handlers: each one is reached only after the
 * sender check and the channel's argument check have passed. A refused call rejects in the page
 * with a message that says why, and is logged.
 */
export class IpcRegistry {
  private readonly channels = new Set<InvokeChannel>();

  constructor(
    private readonly ipcMain: IpcMainLike,
    private readonly trust: TrustedSenders,
    private readonly log: DesktopLog,
  ) {}

  handle<C extends InvokeChannel>(channel: C, handler: InvokeHandler<C>): void {
    if (this.channels.has(channel)) throw new Error(`IPC channel ${channel} already has a handler`);
    this.channels.add(channel);
    this.ipcMain.handle(channel, async (event, ...args) => {
      const refusal = senderRefusal(event, this.trust);
      if (refusal) {
        this.log.warn(`IPC ${channel} refused: ${refusal}`);
        throw new Error(`Refused: ${refusal}`);
      }
      if (!invokeArgChecks[channel](args)) {
        this.log.warn(`IPC ${channel} refused: bad arguments`);
        throw new Error(`Refused: bad arguments for ${channel}`);
      }
      return handler(...(args as InvokeArgs<C>));
    });
  }

  /** Removes every handler registered here (idempotent). */
  async close(): Promise<void> {
    for (const c of this.channels) this.ipcMain.removeHandler(c);
    this.channels.clear();
  }
}
