import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import vm from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { desktopApiEvents, desktopApiMethods, type AtelierDesktopApi } from "../engine/common/desktop/ipc-channels.ts";
import { bundlePreload } from "./preload-bundle.ts";

type Relay = (event: unknown, ...args: unknown[]) => void;

/**
 * Runs the bundled preload as a sandboxed Electron renderer would: a CommonJS script whose
 * `require` knows only "electron" (contextBridge and ipcRenderer, faked here).
 */
function runPreload(code: string) {
  const exposed = new Map<string, unknown>();
  const invoked: { channel: string; args: unknown[] }[] = [];
  const listeners = new Map<string, Set<Relay>>();
  const required: string[] = [];
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
    ipcRenderer: {
      invoke: async (channel: string, ...args: unknown[]) => {
        invoked.push({ channel, args });
        return `answer to ${channel}`;
      },
      on: (channel: string, l: Relay) => listeners.set(channel, (listeners.get(channel) ?? new Set()).add(l)),
      removeListener: (channel: string, l: Relay) => listeners.get(channel)?.delete(l),
    },
  };
  const module = { exports: {} };
  const sandboxRequire = (name: string) => {
    required.push(name);
    if (name === "electron") return electron;
    throw new Error(`module not found in a sandboxed preload: ${name}`);
  };
  vm.runInNewContext(code, { require: sandboxRequire, module, exports: module.exports, console });
  const emit = (channel: string, ...args: unknown[]) => {
    for (const l of listeners.get(channel) ?? []) l({ sender: "the IPC event" }, ...args);
  };
  return { exposed, invoked, listeners, required, emit };
}

let dir: string;
let code: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "atelier-preload-"));
  code = fs.readFileSync(await bundlePreload(path.join(dir, "preload.cjs")), "utf8");
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("the bundled preload", () => {
  it("is one CommonJS file that requires nothing but electron", () => {
    const { required } = runPreload(code);
    expect(required).toEqual(["electron"]);
    expect(code).not.toMatch(/\bimport\s.*from\s/);
  });

  it("exposes exactly the channel map's methods as window.atelierDesktop", () => {
    const { exposed } = runPreload(code);
    expect([...exposed.keys()]).toEqual(["atelierDesktop"]);
    const api = exposed.get("atelierDesktop") as AtelierDesktopApi;
    expect(Object.keys(api).sort()).toEqual(
      ["isDesktop", ...Object.keys(desktopApiMethods), ...Object.keys(desktopApiEvents)].sort(),
    );
    expect(api.isDesktop).toBe(true);
    expect(Object.isFrozen(api)).toBe(true);
    expect(Object.values(api).some((v) => typeof v === "object")).toBe(false); // no ipcRenderer leaks through
  });

  it("sends each method to its channel with its arguments", async () => {
    const { exposed, invoked } = runPreload(code);
    const api = exposed.get("atelierDesktop") as AtelierDesktopApi;
    await expect(api.openExternal("https://atelier.example/")).resolves.toBe("answer to shell:open-external");
    await api.openWorkspace();
    await api.chooseConvertigoProject();
    expect(invoked).toEqual([
      { channel: "shell:open-external", args: ["https://atelier.example/"] },
      { channel: "workspace:open", args: [] },
      { channel: "convertigo:choose-project", args: [] },
    ]);
  });

  it("delivers notifications without the IPC event, and unsubscribes", () => {
    const { exposed, emit, listeners } = runPreload(code);
    const api = exposed.get("atelierDesktop") as AtelierDesktopApi;
    const got: unknown[][] = [];
    const off = api.onConvertigoImportRequested((...payload) => got.push(payload));
    emit("convertigo:import-requested", "/home/me/c8o/MyProject");
    off();
    emit("convertigo:import-requested", "/again");
    expect(got).toEqual([["/home/me/c8o/MyProject"]]);
    expect(listeners.get("convertigo:import-requested")?.size).toBe(0);
    expect(() => api.onConvertigoImportRequested("nope" as never)).toThrow(/needs a function/);
  });
});
