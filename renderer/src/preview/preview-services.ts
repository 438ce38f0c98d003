/**
 * The preview's data services: nothing leaves the preview (its CSP allows no connection). A Call
 * Sequence answers an error saying so (its OnError branch shows); FullSync sources are empty
 * device databases that accept writes in memory, so lists render their empty state and forms
 * can be tried.
 */
import type { AppServices, FullSyncSource, SyncStatus } from "../../../app-runtime/services.ts";

const STATUS: SyncStatus = { state: "paused", online: true, pending: 0, conflicts: 0, denied: [], lastSync: null };

function memorySource(): FullSyncSource {
  const docs = new Map<string, Record<string, unknown>>();
  const listeners = new Set<() => void>();
  let seq = 0;
  const notify = () => listeners.forEach((l) => l());
  return {
    async get(id) {
      const d = docs.get(id);
      if (!d) throw Object.assign(new Error(`No document ${id} in the preview`), { code: "not_found" });
      return d;
    },
    async view() {
      return { total_rows: 0, offset: 0, rows: [] };
    },
    async post(doc, options) {
      const id = options?.id ?? (typeof doc._id === "string" ? doc._id : `preview-${++seq}`);
      const rev = `${++seq}-preview`;
      docs.set(id, { ...doc, _id: id, _rev: rev });
      notify();
      return { ok: true, id, rev };
    },
    async remove(id) {
      docs.delete(id);
      notify();
      return { ok: true };
    },
    async sync() {},
    async reset() {
      docs.clear();
      notify();
    },
    status: () => STATUS,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export function previewServices(): AppServices {
  const sources = new Map<string, FullSyncSource>();
  return {
    async callSequence(request) {
      throw { code: "preview", message: `The preview calls no sequence (${request.sequence}): run the app to call it` };
    },
    fullsync(connector) {
      let s = sources.get(connector);
      if (!s) sources.set(connector, (s = memorySource()));
      return s;
    },
    online: () => true,
  };
}
