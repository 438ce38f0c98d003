import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeWindow } from "./test/fakes.ts";
import {
  defaultWindowSize,
  restoreWindowState,
  trackWindowState,
  type WindowState,
  type WindowStateStore,
} from "./window-state.ts";

const laptop = { x: 0, y: 0, width: 1920, height: 1050 };
const rightMonitor = { x: 1920, y: 0, width: 2560, height: 1400 };

describe("restoreWindowState", () => {
  it("opens at the default size, placed by the OS, when nothing was saved or it is garbage", () => {
    for (const saved of [undefined, null, "x", 42, [], { width: "big", x: Number.NaN }]) {
      expect(restoreWindowState(saved, [laptop])).toEqual({ ...defaultWindowSize, maximized: false });
    }
  });

  it("keeps a saved place that is still on a display", () => {
    const saved: WindowState = { x: 2100, y: 50, width: 1600, height: 1000, maximized: true };
    expect(restoreWindowState(saved, [laptop, rightMonitor])).toEqual(saved);
  });

  it("drops the position when its monitor is gone, and shrinks the size to the largest display", () => {
    const saved = { x: 2100, y: 50, width: 2400, height: 1300, maximized: false };
    expect(restoreWindowState(saved, [laptop])).toEqual({ width: 1920, height: 1050, maximized: false });
  });

  it("keeps a position that overlaps a display by enough to grab the window", () => {
    expect(restoreWindowState({ x: -700, y: 100, width: 800, height: 600 }, [laptop])).toMatchObject({
      x: -700,
      y: 100,
    });
    expect(restoreWindowState({ x: -790, y: 100, width: 800, height: 600 }, [laptop]).x).toBeUndefined();
  });

  it("never goes below the minimum size", () => {
    expect(restoreWindowState({ width: 10, height: 10 }, [laptop])).toMatchObject({ width: 640, height: 400 });
  });
});

describe("trackWindowState", () => {
  let saved: WindowState[];
  const store: WindowStateStore = { load: () => saved.at(-1), save: (s) => void saved.push(s) };

  beforeEach(() => {
    saved = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it("saves once the window stops moving, with its normal bounds", () => {
    const win = new FakeWindow({ x: 0, y: 0, width: 800, height: 600 });
    trackWindowState(win, store, 400);
    win.setBounds({ x: 100 });
    vi.advanceTimersByTime(200);
    win.setBounds({ width: 1000 });
    vi.advanceTimersByTime(399);
    expect(saved).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(saved).toEqual([{ x: 100, y: 0, width: 1000, height: 600, maximized: false }]);
  });

  it("remembers maximized and full screen", () => {
    const win = new FakeWindow();
    trackWindowState(win, store, 400);
    win.maximize();
    vi.advanceTimersByTime(400);
    win.setFullScreen(true);
    vi.advanceTimersByTime(400);
    expect(saved.map((s) => [s.maximized, s.fullScreen])).toEqual([
      [true, undefined],
      [true, true],
    ]);
  });

  it("saves at once on close, and round-trips through restore", () => {
    const win = new FakeWindow();
    trackWindowState(win, store, 400);
    win.setBounds({ x: 300, y: 200, width: 1111, height: 777 });
    win.close();
    expect(saved).toHaveLength(1);
    vi.advanceTimersByTime(1000);
    expect(saved).toHaveLength(1); // the pending save was folded into the close
    expect(restoreWindowState(store.load(), [laptop])).toEqual({
      x: 300,
      y: 200,
      width: 1111,
      height: 777,
      maximized: false,
    });
  });

  it("does not overwrite the state with a minimized window's", () => {
    const win = new FakeWindow();
    trackWindowState(win, store, 400);
    win.minimized = true;
    win.emit("resize");
    vi.advanceTimersByTime(400);
    win.close();
    expect(saved).toEqual([]);
  });

  it("stops listening when disposed", () => {
    const win = new FakeWindow();
    const stop = trackWindowState(win, store, 400);
    win.setBounds({ x: 5 });
    stop();
    vi.advanceTimersByTime(1000);
    win.close();
    expect(saved).toEqual([]);
    expect(win.listenerCount("resize")).toBe(0);
  });
});
