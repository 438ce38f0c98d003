// The one map of IPC between the Studio page and the desktop shell. The preload exposes exactly
// these channels (as named methods), and the main process registers a handler for each one
// through `IpcRegistry` (ipc-registry.ts), which checks who is asking. Everything else the Studio
// needs goes to the engine over HTTP: IPC is only for what needs the desktop.

/** The workspace the engine is serving. */
export interface WorkspaceInfo {
  /** Absolute path of the workspace folder. */
  dir: string;
}

/** Facts about the desktop app the Studio may show (About box, diagnostics). */
export interface DesktopAppInfo {
  version: string;
  platform: string;
  workspace: string;
  /** The OS folder where the shell keeps its settings. */
  userData: string;
}

/** Renderer → main requests: their arguments and their answer. */
export interface IpcInvokeChannels {
  /** Shows a folder dialog, switches the engine to the chosen workspace; null if cancelled. */
  "workspace:open": { args: []; result: WorkspaceInfo | null };
  "workspace:current": { args: []; result: WorkspaceInfo };
  /** Shows the workspace folder in the OS file manager. */
  "workspace:reveal": { args: []; result: void };
  /** Shows a folder dialog to pick a Convertigo project to import; its path, or null. */
  "convertigo:choose-project": { args: []; result: string | null };
  /** Opens an http(s) or mailto link in the OS browser. */
  "shell:open-external": { args: [url: string]; result: void };
  "app:info": { args: []; result: DesktopAppInfo };
}

/** Main → renderer notifications and their payload. */
export interface IpcEventChannels {
  /** File › Import Convertigo Project… was chosen and this folder picked: the Studio imports it. */
  "convertigo:import-requested": [folder: string];
}

export type InvokeChannel = keyof IpcInvokeChannels;
export type EventChannel = keyof IpcEventChannels;
export type InvokeArgs<C extends InvokeChannel> = IpcInvokeChannels[C]["args"];
export type InvokeResult<C extends InvokeChannel> = IpcInvokeChannels[C]["result"];

/** URL schemes the shell hands to the OS browser; anything else (file:, javascript:...) is refused. */
export const externalSchemes = ["http:", "https:", "mailto:"] as const;

/** True for a well-formed URL whose scheme the OS browser may open. */
export function isExternalLink(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (externalSchemes as readonly string[]).includes(parsed.protocol);
}

const noArgs = (args: unknown[]): boolean => args.length === 0;

/** Checks the arguments of each request: the renderer is not trusted to send the right shapes. */
export const invokeArgChecks: { [C in InvokeChannel]: (args: unknown[]) => boolean } = {
  "workspace:open": noArgs,
  "workspace:current": noArgs,
  "workspace:reveal": noArgs,
  "convertigo:choose-project": noArgs,
  "shell:open-external": (args) =>
    args.length === 1 && typeof args[0] === "string" && args[0].length <= 8192 && isExternalLink(args[0]),
  "app:info": noArgs,
};

/** Every request channel, for code that must walk them all. */
export const invokeChannels = Object.keys(invokeArgChecks) as InvokeChannel[];

/** The API's method name for each request channel. */
export const desktopApiMethods = {
  openWorkspace: "workspace:open",
  currentWorkspace: "workspace:current",
  revealWorkspace: "workspace:reveal",
  chooseConvertigoProject: "convertigo:choose-project",
  openExternal: "shell:open-external",
  appInfo: "app:info",
} as const satisfies Record<string, InvokeChannel>;

/** The API's subscription method for each notification channel. */
export const desktopApiEvents = {
  onConvertigoImportRequested: "convertigo:import-requested",
} as const satisfies Record<string, EventChannel>;

type Methods = typeof desktopApiMethods;
type Events = typeof desktopApiEvents;

/**
 * What the preload exposes to the Studio as `window.atelierDesktop` (absent in a plain browser,
 * which is how the Studio knows it runs in the desktop app).
 */
export type AtelierDesktopApi = { readonly isDesktop: true } & {
  readonly [M in keyof Methods]: (...args: InvokeArgs<Methods[M]>) => Promise<InvokeResult<Methods[M]>>;
} & {
  /** Subscribes; the answer unsubscribes. */
  readonly [E in keyof Events]: (listener: (...payload: IpcEventChannels[Events[E]]) => void) => () => void;
};

/** The global name the preload exposes the API under. */
export const desktopApiGlobal = "atelierDesktop";

// Compile-time guard: every channel of the maps has a method, so none is forgotten by the preload.
type Unexposed = Exclude<InvokeChannel, Methods[keyof Methods]> | Exclude<EventChannel, Events[keyof Events]>;
const _allExposed: [Unexposed] extends [never] ? true : never = true;
void _allExposed;
