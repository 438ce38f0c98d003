/**
 * States (design §2.3, `State`): values the app keeps, declared on the Application (every page) or
 * on a Page (while it is open), with a default and a persistence: none (lost on reload), session
 * (the browser tab's `sessionStorage`), device (`localStorage`: the logged-in user survives an
 * offline reload, §7.7). The storages are passed in, so tests and the Studio preview give their own.
 *
 * Read by the `state` source and `state.<name>` in scripts, written by the SetState action; every
 * change notifies the subscribers (the interpreter re-renders).
 */
import { parsePath, type PathSegment } from "../engine/common/model/json-path.ts";
import type { StateDecl } from "./model.ts";

/** The part of the Web Storage API a state store uses. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface StateStorages {
  /** For `persist: session` (the app gives `sessionStorage`). */
  session?: StorageLike;
  /** For `persist: device` (the app gives `localStorage`). */
  device?: StorageLike;
}

/** What bindings and actions see of the states in reach: a page's own, then the application's. */
export interface StateScope {
  has(name: string): boolean;
  get(name: string): unknown;
  /** Sets a state (`path`: a part of it, json-path syntax); throws for an undeclared state. */
  set(name: string, value: unknown, path?: string): void;
  /** Every state in reach by name (a page's hide the application's of the same name). */
  values(): Record<string, unknown>;
}

/** A copy of a JSON value (defaults are never shared with the model). */
function copy<T>(v: T): T {
  return v === undefined || v === null || typeof v !== "object" ? v : structuredClone(v);
}

/** `target` with the value at `path` replaced (copies along the way; creates what is missing). */
export function setPath(target: unknown, path: string | undefined, value: unknown): unknown {
  if (path === undefined || path.trim() === "" || path.trim() === "$") return value;
  const segs = parsePath(path);
  const put = (cur: unknown, i: number): unknown => {
    if (i === segs.length) return value;
    const seg = segs[i] as PathSegment;
    if (typeof seg === "number") {
      const arr = Array.isArray(cur) ? [...cur] : [];
      const at = seg < 0 ? arr.length + seg : seg;
      if (at < 0) throw new Error(`Index ${seg} is outside the list in "${path}"`);
      arr[at] = put(arr[at], i + 1);
      return arr;
    }
    const obj = typeof cur === "object" && cur !== null && !Array.isArray(cur) ? { ...cur } : {};
    (obj as Record<string, unknown>)[seg] = put((obj as Record<string, unknown>)[seg], i + 1);
    return obj;
  };
  return put(target, 0);
}

export class StateStore {
  private readonly decls = new Map<string, StateDecl>();
  private readonly values_ = new Map<string, unknown>();
  private readonly listeners = new Set<() => void>();

  /**
   * `prefix`: where persisted values are kept (`atelier:<app>:` for the application's,
   * `atelier:<app>:<Page>/` for a page's), so two apps of one origin do not mix theirs.
   * `initial`: values replacing the defaults and the saved values (a page's params).
   */
  constructor(
    decls: readonly StateDecl[],
    private readonly options: { storages?: StateStorages; prefix: string; initial?: Record<string, unknown> },
  ) {
    for (const d of decls) {
      this.decls.set(d.name, d);
      const initial = options.initial;
      this.values_.set(d.name, initial && Object.hasOwn(initial, d.name) ? copy(initial[d.name]) : this.restore(d));
    }
  }

  /** The declared states. */
  names(): string[] {
    return [...this.decls.keys()];
  }

  /** Takes the values of another store's states of the same names (a new model of the same app). */
  adopt(other: StateStore): void {
    for (const name of this.decls.keys()) if (other.has(name)) this.values_.set(name, other.get(name));
  }

  private storage(d: StateDecl): StorageLike | undefined {
    return d.persist === "session"
      ? this.options.storages?.session
      : d.persist === "device"
        ? this.options.storages?.device
        : undefined;
  }

  private restore(d: StateDecl): unknown {
    const storage = this.storage(d);
    const saved = storage?.getItem(this.options.prefix + d.name);
    if (saved !== undefined && saved !== null) {
      try {
        return JSON.parse(saved) as unknown;
      } catch {
        // An unreadable saved value (edited by hand, older app): the default.
      }
    }
    return copy(d.default);
  }

  has(name: string): boolean {
    return this.decls.has(name);
  }

  get(name: string): unknown {
    return this.values_.get(name);
  }

  set(name: string, value: unknown, path?: string): void {
    const d = this.decls.get(name);
    if (!d) throw new Error(`There is no state "${name}"`);
    const next = setPath(this.values_.get(name), path, copy(value));
    this.values_.set(name, next);
    const storage = this.storage(d);
    if (storage) {
      const key = this.options.prefix + name;
      if (next === undefined) storage.removeItem(key);
      else storage.setItem(key, JSON.stringify(next));
    }
    this.notify();
  }

  /** Back to the default (and out of its storage). */
  reset(name: string): void {
    const d = this.decls.get(name);
    if (!d) return;
    this.storage(d)?.removeItem(this.options.prefix + name);
    this.values_.set(name, copy(d.default));
    this.notify();
  }

  values(): Record<string, unknown> {
    return Object.fromEntries(this.values_);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }
}

/** The states in reach of a page (its own first, then the application's), or of the application. */
export function stateScope(app: StateStore, page?: StateStore): StateScope {
  const owner = (name: string) => (page?.has(name) ? page : app.has(name) ? app : undefined);
  return {
    has: (name) => owner(name) !== undefined,
    get: (name) => owner(name)?.get(name),
    set: (name, value, path) => {
      const store = owner(name);
      if (!store) throw new Error(`There is no state "${name}"`);
      store.set(name, value, path);
    },
    values: () => ({ ...app.values(), ...(page?.values() ?? {}) }),
  };
}
