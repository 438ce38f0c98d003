// @vitest-environment happy-dom
/**
 * `followUser`: the app's data services follow the application's user State, as the generated
 * main.tsx wires them (a real AppRuntime, real createAppServices with PouchDB in memory; no server
 * is reached: opening a device database makes no request).
 */
import PouchDBModule from "pouchdb";
import memoryAdapter from "pouchdb-adapter-memory";
import { describe, expect, it } from "vitest";
import { createAppServices, followUser } from "./app-services.ts";
import { MemoryCacheStore } from "./cache.ts";
import type { PouchConstructor } from "./fullsync.ts";
import { AppRuntime } from "./render.tsx";
import { memoryHistory } from "./router.ts";
import { memoryStorage, n } from "./testing/fakes.ts";

PouchDBModule.plugin(memoryAdapter);
const PouchDB = PouchDBModule as unknown as PouchConstructor;

const app = () =>
  n("Application", "App", { startPage: "Orders", loginPage: "Login" }, [
    n("State", "user", { default: null, persist: "device" }),
    n("Page", "Login", { route: "login" }),
    n("Page", "Orders", { requiresLogin: true }),
  ]);

function setup(device = memoryStorage()) {
  const services = createAppServices({
    PouchDB,
    origin: "http://127.0.0.1:9",
    project: "Demo",
    connectors: { FullSync: { database: "demo" } },
    cache: new MemoryCacheStore(),
    deviceOptions: { adapter: "memory" },
  });
  const runtime = new AppRuntime(app(), services, { history: memoryHistory(), storages: { device } });
  return { services, runtime };
}

describe("followUser", () => {
  it("gives the services the user persisted on the device at once, before anything renders", async () => {
    const device = memoryStorage();
    device.setItem("atelier:App:user", '"alice"');
    const { services, runtime } = setup(device);
    expect(services.user()).toBeNull();
    const stop = followUser(runtime, services);
    expect(services.user()).toBe("alice");
    // The first page reads alice's device database: it opens.
    expect(services.fullsync("FullSync").status().pending).toBe(0);
    stop();
    await services.close();
  });

  it("follows a login and a logout; nobody logged in opens no device database", async () => {
    const { services, runtime } = setup();
    const stop = followUser(runtime, services);
    expect(services.user()).toBeNull();
    expect(() => services.fullsync("FullSync")).toThrow(expect.objectContaining({ code: "authentication_required" }));
    runtime.appState.set("user", "alice");
    expect(services.user()).toBe("alice");
    const alice = services.fullsync("FullSync");
    runtime.appState.set("user", "bob");
    expect(services.user()).toBe("bob");
    expect(services.fullsync("FullSync")).not.toBe(alice);
    runtime.appState.set("user", "");
    expect(services.user()).toBeNull();
    expect(() => services.fullsync("FullSync")).toThrow(expect.objectContaining({ code: "authentication_required" }));
    stop();
    runtime.appState.set("user", "carol");
    expect(services.user()).toBeNull();
    await services.close();
  });
});
