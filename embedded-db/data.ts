/**
 * Trusted, unfiltered access to a FullSync database for the engine's sequences. Writes take the
 * same per-document locks as device writes, and a deletion keeps the ACL keys of the revision it
 * deletes (so the tombstone reaches the devices that saw the document).
 */
import type { FullSyncData, FullSyncDoc } from "./api.ts";
import { hasAclKeys } from "./acl.ts";
import type { FullSyncDatabase } from "./database.ts";
import { findWithoutJsRegex } from "./find.ts";
import type { WriteResult } from "./pouch.ts";

function checkDoc(doc: unknown, what: string): asserts doc is FullSyncDoc {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw Object.assign(new Error(`${what}: a document must be an object`), { status: 400, name: "bad_request" });
  }
}

/** What the data API needs of a database (a served one, or the group database). */
export type DataTarget = Pick<FullSyncDatabase, "db" | "lock" | "aclOfCurrent"> & { readonly instanceId?: string };

export function createData(d: DataTarget): FullSyncData {
  const db = d.db;
  /** A tombstone without ACL keys gets those of the revision it deletes. */
  const keepAcl = async (doc: FullSyncDoc): Promise<FullSyncDoc> => {
    if (doc._deleted !== true || hasAclKeys(doc) || !doc._id || !doc._rev) return doc;
    return { ...doc, ...(await d.aclOfCurrent(doc._id, doc._rev)) };
  };
  const writeResult = (r: WriteResult) => ({ ok: r.ok === true, id: r.id, rev: r.rev ?? "" });

  return {
    get: (id, opts) => db.get(id, opts ?? {}) as Promise<FullSyncDoc>,

    put: async (doc) => {
      checkDoc(doc, "put");
      if (typeof doc._id !== "string" || !doc._id) {
        throw Object.assign(new Error("put: the document needs an _id"), { status: 400, name: "bad_request" });
      }
      const id = doc._id;
      return d.lock.with([id], async () => {
        return writeResult(await db.put(await keepAcl(doc)));
      });
    },

    post: async (doc) => {
      checkDoc(doc, "post");
      return writeResult(await db.post(doc));
    },

    bulkDocs: async (docs, opts) => {
      if (!Array.isArray(docs)) throw new Error("bulkDocs: expected an array of documents");
      docs.forEach((doc, i) => checkDoc(doc, `bulkDocs[${i}]`));
      const ids = docs.map((x) => x._id).filter((x): x is string => typeof x === "string");
      return d.lock.with(ids, async () => {
        if (opts?.new_edits === false) return db.bulkDocs(docs, { new_edits: false });
        const prepared = await Promise.all(docs.map(keepAcl));
        return db.bulkDocs(prepared);
      });
    },

    remove: async (id, rev) => {
      if (typeof id !== "string" || !id) throw new Error("remove: expected a document id");
      return d.lock.with([id], async () => {
        const current = (await db.get(id, rev ? { rev } : {})) as FullSyncDoc;
        const tomb: FullSyncDoc = { _id: id, _rev: current._rev, _deleted: true };
        for (const k of ["~c8oAcl", "c8oGrp"]) if (k in current) tomb[k] = current[k];
        return writeResult(await db.put(tomb));
      });
    },

    allDocs: (opts) => db.allDocs(opts ?? {}),
    query: (view, opts) => db.query(view, opts ?? {}),
    // A caller's $regex never runs as a JavaScript RegExp here (find.ts).
    find: (request) => findWithoutJsRegex(db, request),

    changes: async ({ since, limit }) => {
      const n = Math.min(10_000, Math.max(1, Math.floor(limit ?? 100) || 100));
      // batch_size: PouchDB's http adapter would read the page 25 rows at a time otherwise.
      const res = await db.changes({ since, limit: n, batch_size: n, return_docs: true });
      return {
        results: res.results.map((r) => ({
          id: r.id,
          seq: r.seq,
          rev: r.changes[0]?.rev ?? "",
          ...(r.deleted ? { deleted: true } : {}),
        })),
        last_seq: res.last_seq,
        ...(d.instanceId ? { instance: d.instanceId } : {}),
      };
    },
  };
}
