/**
 * The app's data services against real servers: the engine (`atelier serve`, as a user starts it)
 * on a copy of the example project FullSyncDemo (its Login/Logout/MyOrders sequences, its FullSync
 * connector and ACL), after `atelier run ... SeedData` filled its database from the demo back end
 * (examples/fullsync-demo/backend.mjs). The engine runs in child processes (the app runtime may not
 * import engine/node, tests included), and the app reaches it through a loopback TCP proxy the
 * test can cut (the network switch of design §10). Devices use Node's PouchDB with the memory
 * adapter; Node's fetch keeps no cookies, so each "browser" is a fetch holding its session cookie.
 * What the server holds is read over HTTP as a user (a plain PouchDB client with their cookie).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { createServer, connect, type Server, type Socket } from "node:net";
import os from "node:os";
import path from "node:path";
import PouchDBModule from "pouchdb";
import memoryAdapter from "pouchdb-adapter-memory";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createAppServices, type RuntimeServices } from "./app-services.ts";
import { MemoryCacheStore } from "./cache.ts";
import type { FetchLike } from "./call-sequence.ts";
import type { ViewAnswer } from "./device-views.ts";
import type { DeviceFullSyncSource, PouchConstructor, PouchDatabase } from "./fullsync.ts";

PouchDBModule.plugin(memoryAdapter);
const PouchDB = PouchDBModule as unknown as PouchConstructor;
const repoRoot = path.resolve(import.meta.dirname, "..");

/** The project's views, as the generated app gives them (design §7.6: functions, no eval). */
const views = {
  "orders/byId": {
    map: (doc: Record<string, unknown>, emit: (k: unknown, v?: unknown) => void) => {
      if (doc.type === "order") emit(doc._id, null);
    },
  },
  "orders/byUser": {
    map: (doc: Record<string, unknown>, emit: (k: unknown, v?: unknown) => void) => {
      if (doc.type === "order") emit(doc["~c8oAcl"], { item: doc.item, qty: doc.qty });
    },
    reduce: "_count" as const,
  },
};

/** A browser's fetch: keeps the session cookie it is given, counts its calls. */
function browserFetch() {
  let cookie: string | undefined;
  const calls: string[] = [];
  const f: FetchLike = async (url, init) => {
    calls.push(`${init?.method ?? "GET"} ${new URL(url).pathname}${new URL(url).search}`);
    const headers = new Headers(init?.headers as HeadersInit | undefined);
    if (cookie) headers.set("cookie", cookie);
    const res = await fetch(url, { ...init, headers });
    for (const c of res.headers.getSetCookie()) {
      const [pair = "", ...attrs] = c.split(";");
      const cleared = pair.endsWith("=") || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a));
      cookie = cleared ? undefined : pair.trim();
    }
    return res;
  };
  return { fetch: f, calls, cookie: () => cookie };
}

/** A loopback TCP proxy to the engine; `cut()` refuses and drops every connection until `restore()`. */
async function networkSwitch(targetPort: number) {
  let cut = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (cut) return client.destroy();
    const upstream = connect(targetPort, "127.0.0.1");
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {});
    }
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    origin: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    cut() {
      cut = true;
      for (const s of sockets) s.destroy();
    },
    restore() {
      cut = false;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/**
 * Starts a child process and waits for a line of its output matching `ready` (its first group is
 * answered); fails with its output if it exits first or takes longer than 60 s.
 */
async function startProcess(
  args: string[],
  ready: RegExp,
  env: Record<string, string> = {},
): Promise<{ proc: ChildProcess; found: string; output: () => string }> {
  const proc = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const found = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(" ")} did not start:\n${output}`)), 60_000);
    const onData = (c: Buffer) => {
      output += c.toString("utf8");
      const m = ready.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] ?? m[0]);
      }
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(" ")} exited (${code}):\n${output}`));
    });
  });
  return { proc, found, output: () => output };
}

/** Stops a child process this test started, and waits for it to exit. */
async function stopProcess(proc: ChildProcess | undefined): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  proc.kill("SIGTERM");
  const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Runs the CLI to its end; answers its standard output. */
async function runCli(args: string[]): Promise<string> {
  const proc = spawn(process.execPath, [path.join(repoRoot, "bin/atelier.js"), ...args], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  proc.stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
  proc.stderr.on("data", (c: Buffer) => (err += c.toString("utf8")));
  const code = await new Promise<number | null>((r) => proc.once("exit", r));
  if (code !== 0) throw new Error(`atelier ${args.join(" ")} exited (${code}):\n${out}${err}`);
  return out;
}

describe("app data services against the engine (FullSyncDemo)", () => {
  let engineUrl: string;
  let engine: ChildProcess | undefined;
  let backend: ChildProcess | undefined;
  let workspace: string;
  let net: Awaited<ReturnType<typeof networkSwitch>>;
  let browser: ReturnType<typeof browserFetch>;
  let cache: MemoryCacheStore;
  let clock = Date.now();
  let services: RuntimeServices;
  let alice: DeviceFullSyncSource;
  const others: RuntimeServices[] = [];
  /** The server's database as a user sees it (straight to the engine, never through the switch). */
  const serverAs = (b: ReturnType<typeof browserFetch>): PouchDatabase =>
    new PouchDB(`${engineUrl}fullsync/fullsyncdemo`, {
      skip_setup: true,
      fetch: (url: string, init: RequestInit) => b.fetch(url, init),
    });
  const status = (e: unknown) => (e as { status?: number }).status;
  let bobBrowser: ReturnType<typeof browserFetch>;

  function newServices(b: ReturnType<typeof browserFetch>, store = new MemoryCacheStore(), online?: () => boolean) {
    const s = createAppServices({
      ...(online ? { online } : {}),
      PouchDB,
      origin: net.origin,
      project: "FullSyncDemo",
      connectors: { FullSync: { database: "fullsyncdemo", views } },
      cache: store,
      fetch: b.fetch,
      deviceOptions: { adapter: "memory" },
      now: () => clock,
      backOff: () => 200,
    });
    return s;
  }

  async function deviceIds(s: DeviceFullSyncSource): Promise<string[]> {
    const db = (await s.device()) as unknown as { allDocs(): Promise<{ rows: { id: string }[] }> };
    return (await db.allDocs()).rows.map((r) => r.id);
  }

  beforeAll(async () => {
    const back = await startProcess(
      [path.join(repoRoot, "examples/fullsync-demo/backend.mjs")],
      /Orders back end: (http:\/\/127\.0\.0\.1:\d+)/,
      { PORT: "0" },
    );
    backend = back.proc;
    workspace = await mkdtemp(path.join(os.tmpdir(), "atelier-app-data-"));
    const project = path.join(workspace, "FullSyncDemo");
    await cp(path.join(repoRoot, "examples/workspace/FullSyncDemo"), project, {
      recursive: true,
      filter: (src) => !src.split(path.sep).includes(".atelier"),
    });
    // SeedData is Private (never over HTTP): run by the CLI, as a scheduler or the Studio would.
    const seeded = await runCli([
      "run",
      "--project",
      project,
      "--sequence",
      "SeedData",
      "--set",
      `backendUrl=${back.found}`,
    ]);
    expect(JSON.parse(seeded)).toEqual({ orders: 3, catalog: 3, sales: 2 });
    const served = await startProcess(
      [path.join(repoRoot, "bin/atelier.js"), "serve", "--workspace", workspace, "--set", `backendUrl=${back.found}`],
      /Atelier engine: (http:\/\/127\.0\.0\.1:\d+\/)/,
    );
    engine = served.proc;
    engineUrl = served.found;
    net = await networkSwitch(Number(new URL(engineUrl).port));
    browser = browserFetch();
    cache = new MemoryCacheStore();
    services = newServices(browser, cache);
  }, 120_000);

  afterAll(async () => {
    for (const s of [services, ...others]) {
      try {
        if (s?.user()) await s.fullsync("FullSync").reset();
      } catch {
        // Never opened.
      }
      await s?.close();
    }
    await net?.close();
    await stopProcess(engine);
    await stopProcess(backend);
    if (workspace) await rm(workspace, { recursive: true, force: true });
  }, 30_000);

  it("Login: a wrong password is a CallError; the right one opens the session", async () => {
    await expect(
      services.callSequence({ sequence: "Login", variables: { user: "alice", password: "bob-pw" } }),
    ).rejects.toEqual({ code: "invalid_credentials", message: "Wrong user name or password", status: 401 });
    expect(browser.cookie()).toBeUndefined();
    await expect(services.callSequence({ sequence: "Nope", variables: {} })).rejects.toMatchObject({
      code: expect.any(String),
      status: 404,
    });
    // Devices cannot be opened before a user logs in.
    expect(() => services.fullsync("FullSync")).toThrow();
    expect(() => services.fullsync("Nope")).toThrow();
    const out = await services.callSequence({ sequence: "Login", variables: { user: "alice", password: "alice-pw" } });
    expect(out).toEqual({ user: "alice", authenticated: true });
    expect(browser.cookie()).toMatch(/^atelier_sid=/);
    await services.setUser("alice");
    expect(services.user()).toBe("alice");
  });

  it("alice syncs: exactly her orders, the catalogue and her group's documents; views on the device", async () => {
    alice = services.fullsync("FullSync");
    expect(services.fullsync("FullSync")).toBe(alice);
    const states: string[] = [];
    alice.subscribe(() => states.push(alice.status().state));
    await alice.sync();
    // At rest (the pull's documents may wake the push once more before both rest together).
    await vi.waitFor(() => expect(alice.status().state).toBe("paused"), { timeout: 10_000, interval: 20 });
    expect(alice.status()).toMatchObject({ online: true, pending: 0, conflicts: 0, denied: [] });
    expect(alice.status().lastSync).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(states).toContain("connecting");
    expect(await deviceIds(alice)).toEqual([
      "catalog-notebook",
      "catalog-pen",
      "catalog-stapler",
      "order-1",
      "order-2",
      "sales-leads",
      "sales-targets",
    ]);
    const mine = (await alice.view("orders/byUser", { key: "alice", reduce: false, include_docs: true })) as ViewAnswer;
    expect(mine.rows.map((r) => [r.id, r.value])).toEqual([
      ["order-1", { item: "Pen", qty: 2 }],
      ["order-2", { item: "Notebook", qty: 1 }],
    ]);
    expect(mine.rows[0]?.doc).toMatchObject({ _id: "order-1", "~c8oAcl": "alice", type: "order" });
    expect(await alice.view("orders/byUser", {})).toEqual({ rows: [{ key: null, value: 2 }] });
    expect(services.online()).toBe(true);
  });

  it("offline, a new order is pending and in the local view at once; back online it reaches the server as alice's", async () => {
    net.cut();
    await vi.waitFor(() => expect(alice.status()).toMatchObject({ state: "offline", online: false }), {
      timeout: 15_000,
      interval: 20,
    });
    const posted = await alice.post({ type: "order", item: "Stapler", qty: 1 }, { id: "order-stapler" });
    expect(alice.status().pending).toBe(1);
    const view = (await alice.view("orders/byUser", { key: "alice", reduce: false })) as ViewAnswer;
    expect(view.rows.map((r) => r.id)).toEqual(["order-1", "order-2", "order-stapler"]);
    expect(await serverAs(browser).get("order-stapler").catch(status)).toBe(404);

    net.restore();
    // The app restarts replication when the browser says it is online again.
    await alice.sync();
    await vi.waitFor(() => expect(alice.status()).toMatchObject({ pending: 0, state: "paused", online: true }), {
      timeout: 10_000,
      interval: 20,
    });
    const stored = await serverAs(browser).get("order-stapler");
    expect(stored).toMatchObject({ "~c8oAcl": "alice", item: "Stapler", qty: 1, type: "order" });
    // The owner was stamped on the device: the server kept the device's own revision.
    expect(stored._rev).toBe(posted.rev);
  });

  it("a reload offline counts only the writes still to push (the push checkpoint is kept on the device)", async () => {
    net.cut();
    await vi.waitFor(() => expect(alice.status().state).toBe("offline"), { timeout: 15_000, interval: 20 });
    await alice.post({ type: "order", item: "Glue", qty: 1 }, { id: "order-glue" });
    expect(alice.status().pending).toBe(1);
    // The page goes away (its device database is closed), and comes back without a network.
    await services.setUser(null);
    const reloaded = newServices(browser, new MemoryCacheStore(), () => false);
    try {
      await reloaded.setUser("alice");
      const again = reloaded.fullsync("FullSync");
      await again.device();
      expect(again.status()).toMatchObject({ pending: 1, state: "offline", online: false, conflicts: 0 });
      const view = (await again.view("orders/byUser", { key: "alice", reduce: false })) as ViewAnswer;
      expect(view.rows.map((r) => r.id)).toEqual(["order-1", "order-2", "order-glue", "order-stapler"]);
      await again.sync();
      expect(again.status().state).toBe("offline");
    } finally {
      await reloaded.close();
    }
    net.restore();
    await services.setUser("alice");
    alice = services.fullsync("FullSync");
    await alice.sync();
    await vi.waitFor(() => expect(alice.status()).toMatchObject({ pending: 0, state: "paused" }), {
      timeout: 10_000,
      interval: 20,
    });
    expect(await serverAs(browser).get("order-glue")).toMatchObject({ "~c8oAcl": "alice", item: "Glue" });
  });

  it("bob, in another browser, never receives alice's documents", async () => {
    bobBrowser = browserFetch();
    const bobServices = newServices(bobBrowser);
    others.push(bobServices);
    await bobServices.callSequence({ sequence: "Login", variables: { user: "bob", password: "bob-pw" } });
    await bobServices.setUser("bob");
    const bob = bobServices.fullsync("FullSync");
    await bob.sync({ mode: "once" });
    expect(bob.status()).toMatchObject({ state: "paused", pending: 0 });
    expect(await deviceIds(bob)).toEqual(["catalog-notebook", "catalog-pen", "catalog-stapler", "order-3"]);
    expect(await bob.view("orders/byUser", { group: true })).toEqual({ rows: [{ key: "bob", value: 1 }] });
    // One direction at a time.
    await bob.post({ type: "order", item: "Tape", qty: 2 }, { id: "order-tape" });
    await bob.sync({ direction: "pull", mode: "once" });
    expect(bob.status()).toMatchObject({ state: "paused", pending: 1 });
    expect(await serverAs(bobBrowser).get("order-tape").catch(status)).toBe(404);
    await bob.sync({ direction: "push", mode: "once", retry: false });
    expect(bob.status()).toMatchObject({ state: "paused", pending: 0 });
    expect(await serverAs(bobBrowser).get("order-tape")).toMatchObject({ "~c8oAcl": "bob", item: "Tape" });
  });

  it("documents the server refuses (bob's, the public catalogue) are listed as denied, with the reason", async () => {
    // A document claiming bob as its owner (written to the device database directly: post
    // always stamps the user), and an edit of the public catalogue (read-only for devices).
    const db = (await alice.device()) as unknown as { put(d: Record<string, unknown>): Promise<unknown> };
    await db.put({ _id: "order-bobs", type: "order", item: "Forged", qty: 1, "~c8oAcl": "bob" });
    await alice.post({ _id: "catalog-pen", discount: 100 }, { policy: "merge", public: true });
    await vi.waitFor(
      () =>
        expect(
          alice
            .status()
            .denied.map((d) => d.id)
            .sort(),
        ).toEqual(["catalog-pen", "order-bobs"]),
      { timeout: 10_000, interval: 20 },
    );
    const reasons = Object.fromEntries(alice.status().denied.map((d) => [d.id, d.reason]));
    expect(reasons["order-bobs"]).toMatch(/must be your own user name/);
    expect(reasons["catalog-pen"]).toMatch(/not yours/);
    await vi.waitFor(() => expect(alice.status().pending).toBe(0), { timeout: 10_000, interval: 20 });
    // Stored as bob's, bob would read it.
    expect(await serverAs(bobBrowser).get("order-bobs").catch(status)).toBe(404);
    expect((await serverAs(browser).get("catalog-pen")).discount).toBeUndefined();
  });

  it("conflicting revisions (the device and the server edited the same order) are counted", async () => {
    net.cut();
    await vi.waitFor(() => expect(alice.status().state).toBe("offline"), { timeout: 15_000, interval: 20 });
    await alice.post({ _id: "order-2", qty: 5 }, { policy: "merge" });
    // Meanwhile alice's other device changes it on the server.
    const other = new PouchDB(`alice-other-${process.pid}-${Date.now()}`, { adapter: "memory" });
    try {
      await other.replicate.from(serverAs(browser));
      await other.put({ ...(await other.get("order-2")), qty: 9 });
      await other.replicate.to(serverAs(browser));
    } finally {
      await other.destroy();
    }
    expect(alice.status().conflicts).toBe(0);
    net.restore();
    await alice.sync();
    await vi.waitFor(() => expect(alice.status()).toMatchObject({ conflicts: 1, pending: 0 }), {
      timeout: 10_000,
      interval: 20,
    });
    expect((await alice.get("order-2"))._conflicts).toHaveLength(1);
  });

  it("a session lost (Logout) stops sync with denied-login; data and pending writes stay; logging in resumes", async () => {
    expect(await services.callSequence({ sequence: "Logout", variables: {} })).toEqual({ loggedOut: true });
    await alice.post({ type: "order", item: "Eraser", qty: 1 }, { id: "order-eraser" });
    await vi.waitFor(() => expect(alice.status().state).toBe("denied-login"), { timeout: 10_000, interval: 20 });
    expect(alice.status().pending).toBe(1);
    expect((await alice.get("order-eraser")).item).toBe("Eraser");
    const view = (await alice.view("orders/byUser", { key: "alice", reduce: false })) as ViewAnswer;
    expect(view.rows.map((r) => r.id)).toContain("order-eraser");
    // Logging in again (same user) resumes the same device database.
    await services.callSequence({ sequence: "Login", variables: { user: "alice", password: "alice-pw" } });
    expect(services.fullsync("FullSync")).toBe(alice);
    await alice.sync();
    await vi.waitFor(() => expect(alice.status()).toMatchObject({ state: "paused", pending: 0 }), {
      timeout: 10_000,
      interval: 20,
    });
    expect(await serverAs(browser).get("order-eraser")).toMatchObject({ "~c8oAcl": "alice" });
  });

  describe("Call Sequence and its cache", () => {
    const myOrders = { sequence: "MyOrders", variables: {} };
    const calls = () => browser.calls.filter((c) => c.includes("__sequence=MyOrders")).length;

    it("networkFirst answers the server, and the cached answer when the server cannot be reached", async () => {
      const fresh = (await services.callSequence({ ...myOrders, cachePolicy: "networkFirst" })) as {
        orders: { item: string }[];
      };
      expect(fresh.orders.map((o) => o.item).sort()).toEqual(["Eraser", "Glue", "Notebook", "Pen", "Stapler"]);
      net.cut();
      try {
        const before = calls();
        expect(await services.callSequence({ ...myOrders, cachePolicy: "networkFirst" })).toEqual(fresh);
        expect(calls()).toBe(before + 1);
        expect(services.online()).toBe(false);
        // Without a policy the failure is the caller's.
        await expect(services.callSequence(myOrders)).rejects.toMatchObject({ code: "network_error" });
        expect(
          (await services
            .callSequence({ ...myOrders, variables: { other: 1 }, cachePolicy: "networkFirst" })
            .catch((e: unknown) => e)) as object,
        ).toMatchObject({ code: "network_error" });
      } finally {
        net.restore();
      }
      await services.callSequence(myOrders);
      // Online again once the device's replication is back too (it retries within 200 ms here).
      await vi.waitFor(() => expect(services.online()).toBe(true), { timeout: 10_000, interval: 20 });
    });

    it("cacheFirst answers a fresh entry without calling, and calls once it is older than its ttl", async () => {
      const first = await services.callSequence({ ...myOrders, variables: { n: 1 }, cachePolicy: "cacheFirst" });
      const before = calls();
      clock += 2000;
      expect(await services.callSequence({ ...myOrders, variables: { n: 1 }, cachePolicy: "cacheFirst" })).toEqual(
        first,
      );
      expect(calls()).toBe(before);
      // Another value of a variable is another entry.
      await services.callSequence({ ...myOrders, variables: { n: 2 }, cachePolicy: "cacheFirst" });
      expect(calls()).toBe(before + 1);
      clock += 1500; // 3.5 s: past the default ttl of 3 s
      await services.callSequence({ ...myOrders, variables: { n: 1 }, cachePolicy: "cacheFirst" });
      expect(calls()).toBe(before + 2);
      clock += 5000;
      await services.callSequence({ ...myOrders, variables: { n: 1 }, cachePolicy: "cacheFirst", cacheTtlMs: 60_000 });
      expect(calls()).toBe(before + 2);
      // An old entry and no network: the old entry rather than nothing (the app is offline).
      clock += 120_000;
      net.cut();
      try {
        expect(await services.callSequence({ ...myOrders, variables: { n: 1 }, cachePolicy: "cacheFirst" })).toEqual(
          first,
        );
        expect(calls()).toBe(before + 3);
      } finally {
        net.restore();
      }
    });

    it("errors are never cached", async () => {
      const logins = () => browser.calls.filter((c) => c.includes("__sequence=Login")).length;
      const wrong = { sequence: "Login", variables: { user: "alice", password: "nope" } };
      const before = logins();
      for (const cachePolicy of ["cacheFirst", "cacheFirst", "networkFirst"] as const) {
        await expect(services.callSequence({ ...wrong, cachePolicy })).rejects.toMatchObject({
          code: "invalid_credentials",
          status: 401,
        });
      }
      expect(logins()).toBe(before + 3);
      // The wrong password did not end alice's session.
      expect(await services.callSequence(myOrders)).toMatchObject({ orders: expect.any(Array) });
    });

    it("a call that does not answer in time is a timeout", async () => {
      const hole: Server = createServer(() => {});
      await new Promise<void>((r) => hole.listen(0, "127.0.0.1", r));
      const slow = createAppServices({
        PouchDB,
        origin: `http://127.0.0.1:${(hole.address() as { port: number }).port}`,
        project: "FullSyncDemo",
        connectors: {},
        cache: new MemoryCacheStore(),
      });
      try {
        const t0 = Date.now();
        await expect(slow.callSequence({ ...myOrders, timeoutMs: 200 })).rejects.toMatchObject({ code: "timeout" });
        expect(Date.now() - t0).toBeLessThan(5000);
        // The caller's abort is not a failure: it rejects with the signal's reason.
        const ctl = new AbortController();
        const pending = slow.callSequence({ ...myOrders, signal: ctl.signal });
        ctl.abort();
        await expect(pending).rejects.toMatchObject({ name: "AbortError" });
      } finally {
        hole.close();
      }
    });

    it("logout clears the cache", async () => {
      expect(cache.size).toBeGreaterThan(0);
      await services.callSequence({ sequence: "Logout", variables: {} });
      // The engine's answer is the answer: networkFirst falls back to the cache on network failures only.
      await expect(services.callSequence({ ...myOrders, cachePolicy: "networkFirst" })).rejects.toMatchObject({
        status: 401,
      });
      await services.setUser(null);
      expect(cache.size).toBe(0);
      expect(() => services.fullsync("FullSync")).toThrow();
    });
  });
});
