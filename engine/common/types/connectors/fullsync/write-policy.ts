/**
 * FullSync's write policies (Convertigo's `_use_policy`), one definition for the engine's Post
 * transactions (fullsync-support.ts) and the apps' device databases (app-runtime/fullsync.ts):
 * the document to store from what the caller gave and the stored one (when read).
 *
 * - `create`: always a new document (no `_id`, no `_rev`: the database gives a new id);
 * - `override`: the given document replaces the stored one (its revision taken over);
 * - `merge`: the given fields merged into the stored document, objects merged deeply;
 * - `none`: the given document as it is.
 *
 * Pure and browser-safe; the ACL keys are the caller's business.
 */

export type WritePolicy = "none" | "create" | "override" | "merge";

type Doc = Record<string, unknown>;

function isPlainObject(v: unknown): v is Doc {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

/** `patch` merged into `base`: objects merged deeply, anything else replaced; never `__proto__`. */
export function mergeDeep(base: Doc, patch: Doc): Doc {
  const out: Doc = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (k === "__proto__") continue;
    const cur = out[k];
    out[k] = isPlainObject(cur) && isPlainObject(v) ? mergeDeep(cur, v) : v;
  }
  return out;
}

/** The document a write stores under `policy` (see the module's comment). */
export function applyWritePolicy(given: Doc, existing: Doc | undefined, policy: WritePolicy): Doc {
  switch (policy) {
    case "create": {
      const { _id: _i, _rev: _r, ...rest } = given;
      return rest;
    }
    case "override": {
      const doc = { ...given };
      if (existing?._rev) doc._rev = existing._rev;
      else delete doc._rev;
      return doc;
    }
    case "merge": {
      if (!existing) {
        const doc = { ...given };
        delete doc._rev;
        return doc;
      }
      const { _rev: _r, _revisions: _rv, _conflicts: _c, ...stored } = existing;
      const { _rev: _gr, ...patch } = given;
      const doc = mergeDeep(stored, patch);
      doc._rev = existing._rev;
      return doc;
    }
    default:
      return { ...given };
  }
}
