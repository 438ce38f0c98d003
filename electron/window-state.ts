/** A window's place and size, as remembered between runs. */
export interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
  fullScreen?: boolean;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Where window state is kept (the settings file in the app, an object in tests). */
export interface WindowStateStore {
  load(): unknown;
  save(state: WindowState): void;
}

/** The window events the tracker listens to. */
export type TrackedWindowEvent =
  "resize" | "move" | "maximize" | "unmaximize" | "enter-full-screen" | "leave-full-screen" | "close";

/** The part of Electron's BrowserWindow the tracker uses (a fake in tests). */
export interface TrackedWindowLike {
  on(event: TrackedWindowEvent, listener: () => void): unknown;
  removeListener(event: string, listener: () => void): unknown;
  getNormalBounds(): Rect;
  isMaximized(): boolean;
  isFullScreen(): boolean;
  isMinimized(): boolean;
  isDestroyed(): boolean;
}

export const defaultWindowSize = { width: 1280, height: 800 };
export const minWindowSize = { width: 640, height: 400 };
/** How much of a window must stay on a display for its saved position to be kept. */
const minVisible = 64;

const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/**
 * The state to open the window with: the saved one when it is sane and still fits the displays
 * (a monitor may have been unplugged since), else the default size centred by the OS.
 */
export function restoreWindowState(saved: unknown, workAreas: Rect[]): WindowState {
  const s = (saved && typeof saved === "object" ? saved : {}) as Partial<Record<keyof WindowState, unknown>>;
  const largest = workAreas.reduce<Rect | undefined>(
    (a, b) => (!a || b.width * b.height > a.width * a.height ? b : a),
    undefined,
  );
  const clampSize = (v: unknown, min: number, fallback: number, max: number | undefined) => {
    const n = finite(v) ? Math.round(v) : fallback;
    return Math.max(min, max ? Math.min(n, max) : n);
  };
  const state: WindowState = {
    width: clampSize(s.width, minWindowSize.width, defaultWindowSize.width, largest?.width),
    height: clampSize(s.height, minWindowSize.height, defaultWindowSize.height, largest?.height),
    maximized: s.maximized === true,
  };
  if (s.fullScreen === true) state.fullScreen = true;
  if (finite(s.x) && finite(s.y)) {
    const r = { x: Math.round(s.x), y: Math.round(s.y), width: state.width, height: state.height };
    const visible = workAreas.some((a) => overlap(r, a) >= minVisible);
    if (visible) {
      state.x = r.x;
      state.y = r.y;
    }
  }
  return state;
}

/** The smaller of the overlapping width and height of two rectangles (0 if apart). */
function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return Math.max(0, Math.min(w, h));
}

/** The state of a window now (its normal bounds, so a maximized window restores to them). */
export function captureWindowState(win: TrackedWindowLike): WindowState {
  const b = win.getNormalBounds();
  return {
    x: b.x,
    y: b.y,
    width: b.width,
    height: b.height,
    maximized: win.isMaximized(),
    ...(win.isFullScreen() ? { fullScreen: true } : {}),
  };
}

/**
 * Saves the window's state after it stops moving or resizing (debounced), and at once when it
 * closes. A minimized window keeps its last saved state. The answer stops tracking.
 */
export function trackWindowState(win: TrackedWindowLike, store: WindowStateStore, debounceMs = 400): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const saveNow = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (win.isDestroyed() || win.isMinimized()) return;
    store.save(captureWindowState(win));
  };
  const later = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(saveNow, debounceMs);
  };
  const events = ["resize", "move", "maximize", "unmaximize", "enter-full-screen", "leave-full-screen"] as const;
  for (const e of events) win.on(e, later);
  win.on("close", saveNow);
  return () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    for (const e of events) win.removeListener(e, later);
    win.removeListener("close", saveNow);
  };
}
