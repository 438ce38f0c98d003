/**
 * What the interpreter's bindings read besides states: the data store (FullSync views and
 * documents of the device, sequences' last outputs, sync statuses, all through AppServices) and
 * the form store (what the user typed in form fields).
 *
 * Bindings are evaluated while rendering, so reads are synchronous: a view or a document not loaded
 * yet answers `pending` and starts loading; its arrival notifies the subscribers (the interpreter
 * renders again). `live` reads are loaded again on every change of their connector's database
 * (FullSyncSource.subscribe); the others once per page (`refresh` on navigation).
 */
import { jsonEqual } from "../engine/common/model/props.ts";
import type { DataReader, Read } from "./bindings.ts";
import type { FormField } from "./model.ts";
import type { AppServices, SyncStatus } from "./services.ts";

interface Entry {
  connector: string;
  live: boolean;
  load: () => Promise<unknown>;
  value?: unknown;
  error?: string;
  loaded: boolean;
  /** Loading now. */
  loading?: Promise<void>;
  /** Load again when the current load ends (a change came during it). */
  again?: boolean;
}

/** A stable text for a query (keys sorted at every depth). */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (typeof v === "object" && v !== null) {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

const message = (e: unknown): string =>
  e instanceof Error
    ? e.message
    : typeof e === "object" && e !== null && typeof (e as { message?: unknown }).message === "string"
      ? (e as { message: string }).message
      : String(e);

const OFFLINE_STATUS: SyncStatus = {
  state: "offline",
  online: false,
  pending: 0,
  conflicts: 0,
  denied: [],
  lastSync: null,
};

export class DataStore implements DataReader {
  private readonly entries = new Map<string, Entry>();
  private readonly outputs = new Map<string, unknown>();
  private readonly watched = new Map<string, () => void>();
  private readonly listeners = new Set<() => void>();
  private readonly inflight = new Set<Promise<void>>();

  constructor(private readonly services: AppServices) {}

  // ---- sequences ----

  sequence(sequence: string, project?: string): unknown {
    return this.outputs.get(`${project ?? ""}\n${sequence}`);
  }

  /** Records a Call Sequence's output (what `sequence` sources read). */
  setSequenceOutput(sequence: string, project: string | undefined, output: unknown): void {
    this.outputs.set(`${project ?? ""}\n${sequence}`, output);
    this.notify();
  }

  // ---- FullSync ----

  view(connector: string, view: string, query: Record<string, unknown>, live: boolean): Read {
    return this.read(`view\n${connector}\n${view}\n${stableJson(query)}`, connector, live, () =>
      this.services.fullsync(connector).view(view, query),
    );
  }

  doc(connector: string, id: string, live: boolean): Read {
    return this.read(`doc\n${connector}\n${id}`, connector, live, () => this.services.fullsync(connector).get(id));
  }

  sync(connector: string): SyncStatus {
    try {
      this.watch(connector);
      return this.services.fullsync(connector).status();
    } catch {
      return OFFLINE_STATUS;
    }
  }

  /** Whether a read is loading. */
  busy(): boolean {
    return this.inflight.size > 0;
  }

  async settled(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /** Reads not live are loaded again at their next read (a page is entered). */
  refresh(): void {
    for (const [key, e] of this.entries) if (!e.live && !e.loading) this.entries.delete(key);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Another user logged in (or out): FullSync reads came from the previous user's device database
   * and are dropped, as what was heard of it; reads start again from the new user's (a load under
   * way is loaded again when it ends). Sequence outputs stay (the login's own answer).
   */
  reset(): void {
    for (const unsubscribe of this.watched.values()) unsubscribe();
    this.watched.clear();
    for (const [key, e] of this.entries) {
      if (e.loading) e.again = true;
      else this.entries.delete(key);
    }
    this.notify();
  }

  dispose(): void {
    for (const unsubscribe of this.watched.values()) unsubscribe();
    this.watched.clear();
    this.listeners.clear();
  }

  private read(key: string, connector: string, live: boolean, load: () => Promise<unknown>): Read {
    let e = this.entries.get(key);
    if (!e) {
      e = { connector, live, load, loaded: false };
      this.entries.set(key, e);
      this.start(e);
    }
    if (live && !e.live) e.live = true;
    if (e.live) this.watch(connector);
    if (!e.loaded) return { pending: true };
    return e.error !== undefined ? { error: e.error } : { value: e.value };
  }

  private start(e: Entry): void {
    if (e.loading) {
      e.again = true;
      return;
    }
    const p = (async () => {
      try {
        e.value = await e.load();
        e.error = undefined;
      } catch (err) {
        e.error = message(err);
      }
      e.loaded = true;
    })();
    e.loading = p;
    this.inflight.add(p);
    void p.finally(() => {
      this.inflight.delete(p);
      e.loading = undefined;
      if (e.again) {
        e.again = false;
        this.start(e);
      }
      this.notify();
    });
  }

  private watch(connector: string): void {
    if (this.watched.has(connector)) return;
    try {
      this.watched.set(
        connector,
        this.services.fullsync(connector).subscribe(() => this.changed(connector)),
      );
    } catch {
      this.watched.set(connector, () => undefined);
    }
  }

  private changed(connector: string): void {
    for (const e of this.entries.values()) if (e.live && e.connector === connector) this.start(e);
    this.notify();
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }
}

/**
 * What the user typed in form fields, by field key (the Component's id). A field shows what was
 * typed, else the value its binding gives; when that value changes (a SetState clearing the state
 * a field is bound to) the typed value is dropped.
 */
export class FormStore {
  private readonly typed = new Map<string, unknown>();
  private readonly bound = new Map<string, unknown>();
  private readonly listeners = new Set<() => void>();

  /** The field's value while rendering it, given the value its binding gives now. */
  value(key: string, boundValue: unknown): unknown {
    if (this.bound.has(key) && !jsonEqual(this.bound.get(key), boundValue)) this.typed.delete(key);
    this.bound.set(key, boundValue);
    return this.typed.has(key) ? this.typed.get(key) : boundValue;
  }

  /** The user changed the field. */
  set(key: string, value: unknown): void {
    if (this.typed.has(key) && jsonEqual(this.typed.get(key), value)) return;
    this.typed.set(key, value);
    this.notify();
  }

  get(key: string): unknown {
    return this.typed.has(key) ? this.typed.get(key) : this.bound.get(key);
  }

  /** The values of fields by their names (a form source, `form` in scripts). */
  values(fields: readonly FormField[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const f of fields) out[f.name] = this.get(f.node.id);
    return out;
  }

  /** Forgets what was typed (a page left). */
  clear(keys?: readonly string[]): void {
    if (!keys) {
      this.typed.clear();
      this.bound.clear();
    } else {
      for (const k of keys) {
        this.typed.delete(k);
        this.bound.delete(k);
      }
    }
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }
}
