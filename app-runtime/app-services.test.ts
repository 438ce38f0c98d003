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
import type { ViewAnswer } from "./device-views.ts";
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

let databases = 0;

function setup(device = memoryStorage()) {
  const services = createAppServices({
    PouchDB,
    origin: "http://127.0.0.1:9",
    project: "Demo",
    connectors: {
      FullSync: {
        // A database per test: PouchDB's memory databases live as long as the process.
        database: `demo${++databases}`,
        views: {
          "orders/all": {
            map: (doc: Record<string, unknown>, emit: (k: unknown, v?: unknown) => void) => emit(doc._id, doc.item),
          },
        },
      },
    },
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

describe("the app's data across a change of user", () => {
  it("reads the new user's device database, live, and nothing of the previous one's", async () => {
    const { services, runtime } = setup();
    // As main.tsx: the services follow the user from before the app starts.
    const stop = followUser(runtime, services);
    runtime.start();
    const data = runtime.data;
    const read = () => data.view("FullSync", "orders/all", {}, true);
    /** The view's items once loaded (a read starts the load; the next one answers it). */
    const items = async () => {
      read();
      await data.settled();
      const r = read();
      return r.error ?? (r.value as ViewAnswer | undefined)?.rows.map((row) => row.value);
    };
    // Read before anyone logs in: refused, and read again once somebody is.
    expect(await items()).toMatch(/^Log in first/);

    runtime.appState.set("user", "alice");
    expect(await items()).toEqual([]);
    await services.fullsync("FullSync").post({ item: "Pen" }, { id: "a1" });
    // The live view hears alice's database.
    await expect.poll(items).toEqual(["Pen"]);

    runtime.appState.set("user", "bob");
    expect(await items()).toEqual([]);
    await services.fullsync("FullSync").post({ item: "Glue" }, { id: "b1" });
    await expect.poll(items).toEqual(["Glue"]);
    expect(data.sync("FullSync").pending).toBe(1);
    runtime.dispose();
    stop();
    await services.close();
  });
});

describe("an app built without FullSync", () => {
  it("makes its services with no PouchDB, and says so clearly if a device database is asked for", async () => {
    const services = createAppServices({
      origin: "http://127.0.0.1:9",
      project: "Demo",
      connectors: {},
      user: "alice",
      cache: new MemoryCacheStore(),
    });
    expect(() => services.fullsync("FullSync")).toThrow(
      expect.objectContaining({ code: "unknown_connector", message: "No FullSync connector FullSync in Demo (none)" }),
    );
    // Connectors given without PouchDB (a main.tsx written by hand): no device database to open.
    const odd = createAppServices({
      origin: "http://127.0.0.1:9",
      project: "Demo",
      connectors: { FullSync: { database: "demo" } },
      user: "alice",
      cache: new MemoryCacheStore(),
    });
    expect(() => odd.fullsync("FullSync")).toThrow(expect.objectContaining({ code: "no_device_database" }));
    await services.setUser(null);
    await services.close();
    await odd.close();
  });
});

describe("an app calling an engine that does not serve it (the application's endpoint, a Capacitor shell)", () => {
  it("sends Call Sequence and FullSync's replication to that engine, with the session cookie", async () => {
    const calls: { url: string; credentials: RequestCredentials | undefined }[] = [];
    // The engine is unreachable from here: each request is recorded and answered with a network error.
    const fetch = async (url: string, init?: RequestInit): Promise<Response> => {
      calls.push({ url, credentials: init?.credentials });
      throw new TypeError("no network in this test");
    };
    const services = createAppServices({
      PouchDB,
      origin: "https://engine.example.com",
      project: "Demo",
      connectors: { FullSync: { database: `demo${++databases}` } },
      user: "alice",
      cache: new MemoryCacheStore(),
      deviceOptions: { adapter: "memory" },
      fetch,
      online: () => true,
    });
    await expect(services.callSequence({ sequence: "Orders", variables: {} })).rejects.toMatchObject({
      code: "network_error",
    });
    await services
      .fullsync("FullSync")
      .sync({ mode: "once", retry: false })
      .catch(() => undefined);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls[0]).toEqual({
      url: "https://engine.example.com/projects/Demo/.json?__sequence=Orders",
      credentials: "include",
    });
    // PouchDB asks the server's root (/fullsync/) and the database: all at that engine, with the cookie.
    for (const c of calls.slice(1)) {
      expect(c.url.startsWith("https://engine.example.com/fullsync/")).toBe(true);
      expect(c.credentials).toBe("include");
    }
    expect(calls.some((c) => c.url.startsWith(`https://engine.example.com/fullsync/demo${databases}/`))).toBe(true);
    await services.close();
  });
});
