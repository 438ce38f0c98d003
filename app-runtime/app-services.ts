/**
 * The app's data services (design §5, §7.6, §7.7): Call Sequence with its cache, and the device
 * databases of the project's FullSync connectors for the logged-in user. `main.tsx` makes one,
 * tells it who is logged in (`setUser`, from the persisted `user` state) and hands it to the
 * chain runner and the bindings as AppServices.
 */
import { defaultCacheStore, type CacheStore } from "./cache.ts";
import { createSequenceCaller, type FetchLike } from "./call-sequence.ts";
import type { DeviceView } from "./device-views.ts";
import { createFullSyncSource, type DeviceFullSyncSource, type PouchConstructor } from "./fullsync.ts";
import type { AppServices, CallError, CallSequenceRequest } from "./services.ts";

/** A FullSync connector of the project: its database and the views of its design documents. */
export interface ConnectorData {
  database: string;
  views?: Record<string, DeviceView>;
}

export interface AppServicesOptions {
  /**
   * How device databases are opened. Absent in an app whose project has no FullSync connector:
   * its bundle holds no PouchDB (the generated main.tsx imports none), and a FullSync binding,
   * which the binding checks reject there, fails with a clear error.
   */
  PouchDB?: PouchConstructor;
  /** The engine's origin (`location.origin`). */
  origin: string;
  /** The app's project. */
  project: string;
  /** The project's FullSync connectors by name. */
  connectors: Record<string, ConnectorData>;
  /** Who is logged in at start (the persisted `user` state), or null. */
  user?: string | null;
  /** Where Call Sequence answers are cached (IndexedDB `atelier-runtime-<project>` by default). */
  cache?: CacheStore;
  fetch?: FetchLike;
  /** More options of device databases (tests: `{adapter: "memory"}`). */
  deviceOptions?: Record<string, unknown>;
  /** Whether the browser has a network (navigator.onLine by default). */
  online?: () => boolean;
  /** The time limit of a call without `timeoutMs`. */
  defaultTimeoutMs?: number;
  now?: () => number;
  /** Retry waits of replications (see FullSyncSourceOptions.backOff). */
  backOff?: (previousMs: number) => number;
}

/** AppServices, plus what the app's shell needs: who is logged in, and closing. */
export interface RuntimeServices extends AppServices {
  fullsync(connector: string): DeviceFullSyncSource;
  user(): string | null;
  /**
   * The logged-in user changed: device databases of the previous user are closed (they stay on
   * the device: logging in again resumes them); on logout (null) or a change of user the cache of
   * sequence answers is cleared.
   */
  setUser(user: string | null): Promise<void>;
  close(): Promise<void>;
}

export function createAppServices(opts: AppServicesOptions): RuntimeServices {
  let user = opts.user ?? null;
  const cache = opts.cache ?? defaultCacheStore(`atelier-runtime-${opts.project}`);
  const sources = new Map<string, DeviceFullSyncSource>();
  let lastCallReached = true;

  const browserOnline = (): boolean => {
    if (opts.online) return opts.online();
    const nav = (globalThis as { navigator?: { onLine?: unknown } }).navigator;
    return typeof nav?.onLine === "boolean" ? nav.onLine : true;
  };

  const call = createSequenceCaller({
    origin: opts.origin,
    project: opts.project,
    user: () => user,
    cache,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(opts.defaultTimeoutMs !== undefined ? { defaultTimeoutMs: opts.defaultTimeoutMs } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    onReachable: (reached) => {
      lastCallReached = reached;
    },
  });

  async function closeSources(): Promise<void> {
    const all = [...sources.values()];
    sources.clear();
    await Promise.all(all.map((s) => s.close()));
  }

  return {
    callSequence: (request: CallSequenceRequest) => call(request),

    fullsync(connector: string): DeviceFullSyncSource {
      const data = opts.connectors[connector];
      if (!data) {
        throw {
          code: "unknown_connector",
          message: `No FullSync connector ${connector} in ${opts.project} (${Object.keys(opts.connectors).join(", ") || "none"})`,
        } satisfies CallError;
      }
      if (user === null) {
        throw {
          code: "authentication_required",
          message: `Log in first: the device database of ${connector} belongs to the logged-in user`,
          status: 401,
        } satisfies CallError;
      }
      let source = sources.get(connector);
      if (!source) {
        if (!opts.PouchDB) {
          throw {
            code: "no_device_database",
            message: `The app was built without device databases (no PouchDB): it cannot open ${connector}'s. Rebuild it with the project's FullSync connectors`,
          } satisfies CallError;
        }
        source = createFullSyncSource({
          PouchDB: opts.PouchDB,
          origin: opts.origin,
          database: data.database,
          user,
          ...(data.views ? { views: data.views } : {}),
          ...(opts.fetch ? { fetch: opts.fetch } : {}),
          ...(opts.deviceOptions ? { deviceOptions: opts.deviceOptions } : {}),
          ...(opts.online ? { online: opts.online } : {}),
          ...(opts.backOff ? { backOff: opts.backOff } : {}),
        });
        sources.set(connector, source);
      }
      return source;
    },

    online(): boolean {
      if (!browserOnline()) return false;
      if (!lastCallReached) return false;
      for (const s of sources.values()) if (!s.status().online) return false;
      return true;
    },

    user: () => user,

    async setUser(next: string | null): Promise<void> {
      if (next === user) return;
      const previous = user;
      user = next;
      await closeSources();
      if (previous !== null) await cache.clear();
    },

    close: () => closeSources(),
  };
}

/** What `followUser` reads of the running app (render.tsx's AppRuntime). */
export interface UserSource {
  /** The application's user State (the logged-in user), or undefined/null/"" when nobody is. */
  user(): unknown;
  appState: { subscribe(listener: () => void): () => void };
}

/**
 * Keeps the data services on the logged-in user (design §7.7): the user State's value now (a user
 * persisted on the device: a reload, offline too, opens the same user's databases), then at each
 * change (a login's SetState, a logout). Call it before the app first renders, so the first page
 * reads the user's device database. Answers the unsubscribe.
 */
export function followUser(runtime: UserSource, services: Pick<RuntimeServices, "setUser">): () => void {
  const current = (): string | null => {
    const user = runtime.user();
    return typeof user === "string" && user !== "" ? user : null;
  };
  void services.setUser(current());
  return runtime.appState.subscribe(() => void services.setUser(current()));
}
