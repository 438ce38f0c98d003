import type { FullSyncDocument } from "../../../model/fullsync.ts";
import { isPlainObject } from "../../../model/props.ts";
import { defineType } from "../../../model/typedef.ts";
import {
  aclPolicyProp,
  aclVariables,
  applyPolicies,
  failFromDb,
  fullSyncTransactionProps,
  isConflict,
  needsExisting,
  openDatabase,
  PolicyError,
  readExisting,
  readPostPolicy,
  writePolicyProp,
} from "./fullsync-support.ts";

const builtIns = [
  {
    name: "data",
    dataType: "json",
    description: "The document, a JSON object (its _id, _rev and fields). Declared variables add fields to it.",
  },
  {
    name: "_id",
    dataType: "string",
    description: "The document's id (wins over data._id); without one, a new id is generated.",
  },
  ...aclVariables,
] as const;

const builtInNames = new Set<string>(builtIns.map((b) => b.name));

export const fullSyncPostDocumentType = defineType({
  type: "FullSyncPostDocument",
  label: "Post Document",
  category: "transaction",
  effects: "write",
  icon: "fullsync-post",
  description:
    "Writes one document to the connector's FullSync database, its owner and groups set by the ACL policy. The document is the data variable plus one field per declared variable. Output: {ok, id, rev}.",
  accepts: ["Variable", "TestCase"],
  onlyIn: ["FullSyncConnector"],
  props: [...fullSyncTransactionProps, aclPolicyProp, writePolicyProp],
  variables: builtIns,
  execute: async (tx, connector, ctx) => {
    const target = openDatabase(tx, connector, ctx);
    const policy = readPostPolicy(tx, ctx, target.label);
    const input: FullSyncDocument = {};
    const data = ctx.vars.data;
    if (data !== undefined && data !== null) {
      if (!isPlainObject(data)) {
        return ctx.fail(
          "invalid_variable",
          `Transaction ${target.label}: the variable "data" must be a JSON object (the document), got ${Array.isArray(data) ? "a list" : typeof data}`,
          undefined,
          400,
        );
      }
      for (const [k, v] of Object.entries(data)) if (k !== "__proto__") input[k] = v;
    }
    for (const v of tx.children) {
      if (v.type !== "Variable" || builtInNames.has(v.name)) continue;
      const value = ctx.vars[v.name];
      if (value !== undefined && value !== null) input[v.name] = value;
    }
    if (typeof ctx.vars._id === "string" && ctx.vars._id !== "") input._id = ctx.vars._id;
    if (input._id !== undefined && (typeof input._id !== "string" || input._id === "")) {
      return ctx.fail("invalid_variable", `Transaction ${target.label}: the document's _id must be a non-empty text`);
    }

    // override, merge and noOp read the stored document first; a device writing in between makes
    // a conflict, answered by reading again.
    const retries = policy.write === "override" || policy.write === "merge" || policy.acl === "noOp" ? 5 : 1;
    for (let attempt = 1; ; attempt++) {
      const id = input._id;
      const existing = id && needsExisting(policy, input) ? await readExisting(ctx, target, id) : undefined;
      let doc: FullSyncDocument;
      try {
        doc = applyPolicies(input, existing, policy);
      } catch (e) {
        if (e instanceof PolicyError) return ctx.fail(e.code, e.message, undefined, e.status);
        throw e;
      }
      try {
        const res = typeof doc._id === "string" ? await target.data.put(doc) : await target.data.post(doc);
        return { data: res };
      } catch (e) {
        if (isConflict(e) && attempt < retries) continue;
        return failFromDb(ctx, target, e, typeof doc._id === "string" ? doc._id : undefined);
      }
    }
  },
});
