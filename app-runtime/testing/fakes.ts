/**
 * Test support of the app runtime (not shipped in apps): a builder of UI nodes and stand-in
 * AppServices that record every call and answer from tables. The real services are
 * fullsync.ts / call-sequence.ts; these only let tests (and examples) run chains and pages.
 */
import type { UiNode } from "../model.ts";
import type { AppServices, CallSequenceRequest, FullSyncSource, SyncStatus } from "../services.ts";
import type { StorageLike } from "../state.ts";

let seq = 0;

/** A UI node; its id is `id` in props (`$id`) or a new one. */
export function n(type: string, name: string, props: Record<string, unknown> = {}, children: UiNode[] = []): UiNode {
  const { $id, ...rest } = props;
  return {
    id: typeof $id === "string" ? $id : `${type.toLowerCase().slice(0, 6)}${String(++seq).padStart(6, "0")}`,
    type,
    name,
    props: rest,
    children,
  };
}

export interface Call {
  method: string;
  connector?: string;
  args: unknown[];
}

export interface FakeOptions {
  /** Sequence answers by name: a value, or a function of the request (throw to fail). */
  sequences?: Record<string, unknown>;
  /** View answers by `connector/ddoc/view`: a value or a function of the query. */
  views?: Record<string, unknown>;
  /** Documents by `connector/id`. */
  docs?: Record<string, Record<string, unknown>>;
}

export interface FakeServices {
  services: AppServices;
  calls: Call[];
  /** Changes the answers of a view and tells its connector's subscribers. */
  setView(connector: string, view: string, answer: unknown): void;
  setStatus(connector: string, status: Partial<SyncStatus>): void;
  setOnline(online: boolean): void;
}

const STATUS: SyncStatus = { state: "paused", online: true, pending: 0, conflicts: 0, denied: [], lastSync: null };

export function fakeServices(options: FakeOptions = {}): FakeServices {
  const calls: Call[] = [];
  const views = { ...(options.views ?? {}) };
  const docs = { ...(options.docs ?? {}) };
  const listeners = new Map<string, Set<() => void>>();
  const statuses = new Map<string, SyncStatus>();
  let online = true;
  const tell = (connector: string) => {
    for (const l of [...(listeners.get(connector) ?? [])]) l();
  };
  const answer = (v: unknown, arg: unknown) => (typeof v === "function" ? (v as (a: unknown) => unknown)(arg) : v);

  const source = (connector: string): FullSyncSource => ({
    async get(id) {
      calls.push({ method: "get", connector, args: [id] });
      const doc = docs[`${connector}/${id}`];
      if (!doc) throw { code: "not_found", message: `missing ${id}`, status: 404 };
      return doc;
    },
    async view(view, query) {
      calls.push({ method: "view", connector, args: [view, query] });
      const key = `${connector}/${view}`;
      if (!(key in views)) throw new Error(`no view ${key}`);
      return answer(views[key], query);
    },
    async post(doc, opts) {
      calls.push({ method: "post", connector, args: [doc, opts] });
      return { ok: true, id: opts?.id ?? "new-id", rev: "1-a" };
    },
    async remove(id) {
      calls.push({ method: "remove", connector, args: [id] });
      return { ok: true };
    },
    async sync(opts) {
      calls.push({ method: "sync", connector, args: [opts] });
    },
    async reset() {
      calls.push({ method: "reset", connector, args: [] });
    },
    status: () => statuses.get(connector) ?? STATUS,
    subscribe(listener) {
      let set = listeners.get(connector);
      if (!set) listeners.set(connector, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
  });

  const services: AppServices = {
    async callSequence(request: CallSequenceRequest) {
      const { signal: _signal, ...rest } = request;
      calls.push({ method: "callSequence", args: [rest] });
      const seqs = options.sequences ?? {};
      if (!(request.sequence in seqs))
        throw { code: "unknown_sequence", message: `no ${request.sequence}`, status: 404 };
      return answer(seqs[request.sequence], request);
    },
    fullsync: (connector) => source(connector),
    online: () => online,
  };

  return {
    services,
    calls,
    setView(connector, view, value) {
      views[`${connector}/${view}`] = value;
      tell(connector);
    },
    setStatus(connector, status) {
      statuses.set(connector, { ...(statuses.get(connector) ?? STATUS), ...status });
      tell(connector);
    },
    setOnline(value) {
      online = value;
    },
  };
}

/** A Storage in memory. */
export function memoryStorage(): StorageLike & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}
