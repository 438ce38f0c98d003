/**
 * The app's router (design §7.2): pages at their routes under the app's base path
 * (`/apps/<Project>/orders/42`), with the history API; push, root (the history restarts there) and
 * back; `:name` segments of a route are the page's params (and the query string's). A page that
 * requires login, while no user is logged in, gives way to the application's login page.
 *
 * No @ionic/react-router (its peer is react-router < 7): a small router of our own, with the
 * history abstracted (`HistoryLike`) so the Studio's preview and the tests run it in memory.
 */
import { routeOf, type UiModel, type UiNode } from "./model.ts";

/** Where the router reads and writes locations: paths relative to the app's base, with the query. */
export interface HistoryLike {
  /** The current location: `orders/42?tab=1` (no leading slash). */
  location(): string;
  push(path: string): void;
  replace(path: string): void;
  back(): void;
  /** Called when the location changes by itself (the browser's back button); answers the unsubscribe. */
  listen(listener: () => void): () => void;
}

/** The page shown, its params, and where it is. */
export interface Route {
  page: UiNode;
  params: Record<string, string>;
  /** The location (relative to the base, as HistoryLike answers it). */
  path: string;
  /** The location asked for when the login page was shown instead. */
  redirectedFrom?: string;
  /** The params as a Navigate gave them (any JSON value, not only texts). */
  data?: Record<string, unknown>;
}

const trimSlashes = (s: string): string => s.replace(/^\/+|\/+$/g, "");

/** The browser's history, under a base path (`/apps/FullSyncDemo/`). */
export function browserHistory(base: string, win: Window = window): HistoryLike {
  const prefix = `/${trimSlashes(base)}`.replace(/^\/$/, "");
  const full = (path: string) => `${prefix}/${path}`;
  return {
    location: () => {
      const { pathname, search } = win.location;
      const rel = pathname.startsWith(prefix) ? pathname.slice(prefix.length) : pathname;
      return trimSlashes(rel) + search;
    },
    push: (path) => win.history.pushState(null, "", full(path)),
    replace: (path) => win.history.replaceState(null, "", full(path)),
    back: () => win.history.back(),
    listen: (listener) => {
      win.addEventListener("popstate", listener);
      return () => win.removeEventListener("popstate", listener);
    },
  };
}

/** A history in memory (the Studio's preview, tests): `entries()` shows it. */
export function memoryHistory(initial = ""): HistoryLike & { entries(): string[] } {
  const stack = [trimSlashes(initial)];
  const listeners = new Set<() => void>();
  return {
    location: () => stack[stack.length - 1] ?? "",
    push: (path) => void stack.push(path),
    replace: (path) => {
      stack[stack.length - 1] = path;
    },
    back: () => {
      if (stack.length > 1) {
        stack.pop();
        for (const l of [...listeners]) l();
      }
    },
    listen: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    entries: () => [...stack],
  };
}

function splitLocation(location: string): { segments: string[]; query: Record<string, string> } {
  const [path = "", search = ""] = location.split("?", 2);
  const segments = trimSlashes(path)
    .split("/")
    .filter((s) => s !== "");
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(search)) query[k] = v;
  return { segments, query };
}

/** The params of a location for a route (`orders/:id`), or undefined when it does not match. */
export function matchRoute(route: string, location: string): Record<string, string> | undefined {
  const { segments, query } = splitLocation(location);
  const pattern = trimSlashes(route)
    .split("/")
    .filter((s) => s !== "");
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = { ...query };
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    const s = segments[i] as string;
    if (p.startsWith(":")) {
      try {
        params[p.slice(1)] = decodeURIComponent(s);
      } catch {
        return undefined;
      }
    } else if (p !== s) return undefined;
  }
  return params;
}

/** The location of a page with params: route params in the path, the others in the query. */
export function pathOf(page: UiNode, params: Record<string, unknown> = {}): string {
  const used = new Set<string>();
  const path = routeOf(page)
    .split("/")
    .filter((s) => s !== "")
    .map((seg) => {
      if (!seg.startsWith(":")) return seg;
      const name = seg.slice(1);
      used.add(name);
      const v = params[name];
      return encodeURIComponent(v === undefined || v === null ? "" : String(v));
    })
    .join("/");
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (used.has(k) || v === undefined || v === null) continue;
    query.set(k, typeof v === "object" ? JSON.stringify(v) : String(v));
  }
  const search = query.toString();
  return search ? `${path}?${search}` : path;
}

export interface RouterOptions {
  history: HistoryLike;
  /** Whether a user is logged in (the app's user State is set). */
  isLoggedIn: () => boolean;
}

export class Router {
  private route: Route | undefined;
  /** Pages pushed since the last root: how far back can go. */
  private depth = 0;
  private readonly listeners = new Set<() => void>();
  private unlisten: (() => void) | undefined;

  constructor(
    private model: UiModel,
    private readonly options: RouterOptions,
  ) {}

  /** Starts listening to the history and resolves the current location. */
  start(): Route | undefined {
    this.unlisten ??= this.options.history.listen(() => {
      this.depth = Math.max(0, this.depth - 1);
      this.resolve();
    });
    return this.resolve();
  }

  stop(): void {
    this.unlisten?.();
    this.unlisten = undefined;
  }

  /** A new model (the Studio edited the app): the current location is resolved again. */
  setModel(model: UiModel): void {
    this.model = model;
    this.resolve();
  }

  current(): Route | undefined {
    return this.route;
  }

  /** The route of a location: the page whose route matches, else the start page; then the login guard. */
  match(location: string): Route | undefined {
    for (const page of this.model.pages) {
      const params = matchRoute(routeOf(page), location);
      if (params) return this.guard({ page, params, path: location });
    }
    const start = this.model.startPage();
    return start ? this.guard({ page: start, params: {}, path: pathOf(start) }) : undefined;
  }

  private guard(route: Route): Route {
    if (route.page.props.requiresLogin !== true || this.options.isLoggedIn()) return route;
    const login = this.model.loginPage();
    // No login page declared: the page shows (the engine still refuses what needs a session).
    if (!login || login === route.page) return route;
    return { page: login, params: {}, path: pathOf(login), redirectedFrom: route.path };
  }

  /** Resolves the history's location again (after a change of the logged-in user, a new model). */
  resolve(): Route | undefined {
    const location = this.options.history.location();
    const route = this.match(location);
    if (route && route.path !== location) this.options.history.replace(route.path);
    this.set(route);
    return route;
  }

  push(page: string, params: Record<string, unknown> = {}): void {
    const route = this.routeTo(page, params);
    this.options.history.push(route.path);
    this.depth++;
    this.set(route);
  }

  /** Opens a page as the new root: back will not go before it. */
  root(page: string, params: Record<string, unknown> = {}): void {
    const route = this.routeTo(page, params);
    this.options.history.replace(route.path);
    this.depth = 0;
    this.set(route);
  }

  /** The previous page, when a push led here; else nothing happens. */
  back(): void {
    if (this.depth === 0) return;
    // The history's listener resolves the location it goes back to.
    this.options.history.back();
  }

  /** Whether back has somewhere to go. */
  canGoBack(): boolean {
    return this.depth > 0;
  }

  /** Opens a location of this app (a routerLink, a tab's href). */
  pushPath(path: string): void {
    const route = this.match(trimSlashes(path));
    if (!route) return;
    this.options.history.push(route.path);
    this.depth++;
    this.set(route);
  }

  navigate(request: { page?: string; params?: Record<string, unknown>; mode: "push" | "root" | "back" }): void {
    if (request.mode === "back") this.back();
    else if (request.mode === "root") this.root(request.page ?? "", request.params);
    else this.push(request.page ?? "", request.params);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private routeTo(name: string, params: Record<string, unknown>): Route {
    const page = this.model.page(name);
    if (!page) throw new Error(`There is no page "${name}"`);
    const path = pathOf(page, params);
    return this.guard({ page, params: matchRoute(routeOf(page), path) ?? {}, path, data: params });
  }

  private set(route: Route | undefined): void {
    const before = this.route;
    this.route = route;
    if (before?.page !== route?.page || before?.path !== route?.path) for (const l of [...this.listeners]) l();
  }
}
