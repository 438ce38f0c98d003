/**
 * The service worker of an app built with the UI builder (issue 18, design §7.5): what lets an
 * app open offline after its first visit, reload included.
 *
 * The build compiles this file into the app's `sw.js` with `ATELIER_SW` defined (the list of the
 * build's files and the cache's name, which holds the build's hash):
 * - install: every file of the build is fetched (bypassing the HTTP cache) into the cache
 *   `atelier-<project>-<hash>`; a build that cannot be cached whole is not installed. A new
 *   build's worker does not wait for the old one's pages to close: a page load already takes
 *   the newest build from the network (below), so the cache follows the server at once and the
 *   next offline start is the build the server serves;
 * - activate: the caches of the app's older builds are deleted, and the open pages are taken
 *   over at once (`clients.claim()`), so the very first visit is enough;
 * - fetch: a page load goes to the network first (3 s at most), and falls back to the cached
 *   `index.html` (the app's router reads the path); other files of the app come from the cache
 *   first. Nothing outside the app's scope is touched: `/projects/`, `/fullsync/`, `/api/` are
 *   the app's data, which PouchDB keeps offline, never this cache;
 * - pages opened on an older build learn that a new one took over (`controllerchange`, see
 *   `register.ts`) and offer to reload.
 *
 * No DOM here: a worker's own types are declared below (the app-runtime's lib is the DOM's).
 */

/** What the build gives (Vite's/esbuild's `define`). */
export interface ServiceWorkerConfig {
  /** The cache of this build: `atelier-<project>-<hash>`. */
  cache: string;
  /** What every cache of this app starts with (`atelier-<project>-`): older builds' are deleted. */
  cachePrefix: string;
  /** The build's files, relative to the app's folder (`index.html`, `assets/index-3f2a.js`…). */
  files: string[];
  /** How long a page load waits for the network before the cached page (ms). */
  navigationTimeoutMs?: number;
}

declare const ATELIER_SW: ServiceWorkerConfig;

interface ExtendableEvent extends Event {
  waitUntil(p: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(r: Response | Promise<Response>): void;
}
interface WorkerScope {
  readonly location: { href: string; origin: string };
  readonly registration: { scope: string };
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: "install" | "activate", listener: (e: ExtendableEvent) => void): void;
  addEventListener(type: "fetch", listener: (e: FetchEvent) => void): void;
}

const sw = self as unknown as WorkerScope;
const config = ATELIER_SW;
/** The app's folder, `/apps/<Project>/`: the worker's scope. */
const base = new URL(sw.registration.scope).pathname;
const indexUrl = base + "index.html";

sw.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(config.cache);
      await cache.addAll(config.files.map((f) => new Request(base + f, { cache: "reload" })));
      await sw.skipWaiting();
    })(),
  );
});

sw.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(config.cachePrefix) && name !== config.cache) await caches.delete(name);
      }
      await sw.clients.claim();
    })(),
  );
});

/** The network's answer within the time limit, or the cached page. */
async function pageLoad(request: Request): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), config.navigationTimeoutMs ?? 3000);
  try {
    const res = await fetch(request, { signal: controller.signal });
    // A server error (the engine restarting, a proxy's 502) is no page either.
    if (res.status < 500) return res;
    throw new Error(`HTTP ${res.status}`);
  } catch (e) {
    const cached = await caches.match(indexUrl, { cacheName: config.cache });
    if (cached) return cached;
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/** A file of the build from the cache, else from the network. */
async function buildFile(request: Request): Promise<Response> {
  const cached = await caches.match(request, { cacheName: config.cache, ignoreSearch: true });
  return cached ?? fetch(request);
}

sw.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== sw.location.origin || !url.pathname.startsWith(base)) return;
  if (request.mode === "navigate") event.respondWith(pageLoad(request));
  else event.respondWith(buildFile(request));
});
