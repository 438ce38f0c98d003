import type { FullSyncDocument } from "../../../model/fullsync.ts";
import { isPlainObject } from "../../../model/props.ts";
import { defineType } from "../../../model/typedef.ts";
import {
  aclPolicyProp,
  aclVariables,
  applyPolicies,
  dbCall,
  fullSyncTransactionProps,
  needsExisting,
  openDatabase,
  PolicyError,
  readPostPolicy,
  writePolicyProp,
} from "./fullsync-support.ts";

/** One document's outcome, in CouchDB's _bulk_docs shape. */
export type BulkResult = { ok: true; id: string; rev: string } | { id: string | null; error: string; reason: string };

function normaliseResult(r: unknown, doc: FullSyncDocument): BulkResult {
  const x = (r ?? {}) as Record<string, unknown>;
  const id = typeof x.id === "string" ? x.id : typeof doc._id === "string" ? doc._id : null;
  if (x.error === undefined && typeof x.rev === "string" && id !== null) return { ok: true, id, rev: x.rev };
  const error = typeof x.name === "string" ? x.name : typeof x.error === "string" ? x.error : "error";
  const reason = typeof x.message === "string" ? x.message : typeof x.reason === "string" ? x.reason : "not written";
  return { id, error, reason };
}

export const fullSyncPostBulkDocumentsType = defineType({
  type: "FullSyncPostBulkDocuments",
  label: "Post Bulk Documents",
  category: "transaction",
  effects: "write",
  icon: "fullsync-post",
  description:
    "Writes several documents to the connector's FullSync database in one request, each owned as the ACL policy says. Output: one {ok, id, rev} or {id, error, reason} per document, in order.",
  accepts: ["Variable", "TestCase"],
  onlyIn: ["FullSyncConnector"],
  props: [...fullSyncTransactionProps, aclPolicyProp, writePolicyProp],
  variables: [
    {
      name: "data",
      dataType: "json",
      multiValued: true,
      description: "The documents, JSON objects (a value that is a list gives its items).",
    },
    ...aclVariables,
  ],
  execute: async (tx, connector, ctx) => {
    const target = openDatabase(tx, connector, ctx);
    const policy = readPostPolicy(tx, ctx, target.label);
    const given = (ctx.vars.data ?? []) as unknown[];
    const inputs: FullSyncDocument[] = [];
    for (const item of given.flatMap((v) => (Array.isArray(v) ? v : [v]))) {
      if (!isPlainObject(item)) {
        return ctx.fail(
          "invalid_variable",
          `Transaction ${target.label}: document ${inputs.length + 1} of "data" is not a JSON object`,
          undefined,
          400,
        );
      }
      inputs.push(Object.fromEntries(Object.entries(item).filter(([k]) => k !== "__proto__")) as FullSyncDocument);
    }
    ctx.input("count", inputs.length);
    if (inputs.length === 0) return { data: [] };

    const wanted = [...new Set(inputs.filter((d) => needsExisting(policy, d)).map((d) => d._id as string))];
    const existing = new Map<string, FullSyncDocument>();
    if (wanted.length > 0) {
      const res = (await dbCall(ctx, target, () => target.data.allDocs({ keys: wanted, include_docs: true }))) as {
        rows?: { id?: string; doc?: FullSyncDocument | null }[];
      };
      for (const row of res.rows ?? []) if (row.doc && typeof row.id === "string") existing.set(row.id, row.doc);
    }
    let docs: FullSyncDocument[];
    try {
      docs = inputs.map((d) => applyPolicies(d, typeof d._id === "string" ? existing.get(d._id) : undefined, policy));
    } catch (e) {
      if (e instanceof PolicyError) return ctx.fail(e.code, e.message, undefined, e.status);
      throw e;
    }
    const raw = await dbCall(ctx, target, () => target.data.bulkDocs(docs));
    const results = docs.map((d, i) => normaliseResult(raw[i], d));
    const failed = results.filter((r) => !("ok" in r)).length;
    if (failed > 0) ctx.log("warn", `Transaction ${target.label}: ${failed} of ${docs.length} document(s) not written`);
    return { data: results };
  },
});
