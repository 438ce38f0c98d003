/**
 * What the FullSync connector's transactions share: reaching the connector's database, turning
 * database errors into messages that name the transaction and the database, the ACL and write
 * policies of Post transactions. Not an object type.
 */
import {
  ACL_FROM_KEY,
  ACL_GROUPS_KEY,
  ACL_OWNER_KEY,
  type FullSyncDataApi,
  type FullSyncDocument,
} from "../../../model/fullsync.ts";
import type { ObjNode } from "../../../model/node.ts";
import { isPlainObject, type PropDef } from "../../../model/props.ts";
import type { BuiltInVariable, TransactionContext } from "../../../model/typedef.ts";
import { commentProp, requestableProps } from "../../shared-props.ts";
import { applyWritePolicy, type WritePolicy } from "./write-policy.ts";

export type { WritePolicy };

/** A FullSync transaction's database, reached through the `fullsync` run service. */
export interface FullSyncTarget {
  /** "Connector.Transaction", for messages. */
  label: string;
  db: string;
  data: FullSyncDataApi;
  /** The connector's documentErrors is "answer": a missing document or a conflict is answered as data. */
  answerErrors?: boolean;
}

/**
 * The properties every FullSync transaction has. They run with no ACL filtering (trusted code),
 * so they are Private by default: a sequence decides what a caller may see.
 */
export const fullSyncTransactionProps: PropDef[] = [
  commentProp,
  ...requestableProps.map((p) =>
    p.name === "accessibility"
      ? {
          ...p,
          default: "Private",
          help: "FullSync transactions read and write the whole database with no ACL filtering: keep them Private (called by sequences) unless every caller may see every document.",
        }
      : p,
  ),
];

/** A transaction's database, or a clear failure when FullSync is not running or the name is unknown. */
export function openDatabase(tx: ObjNode, connector: ObjNode, ctx: TransactionContext): FullSyncTarget {
  const label = `${connector.name}.${tx.name}`;
  const db = String(ctx.prop(connector, "databaseName") ?? "");
  const service = ctx.services.fullsync;
  if (!service) {
    return ctx.fail(
      "fullsync_unavailable",
      ctx.services.fullsyncDown
        ? `Transaction ${label}: FullSync did not start in this engine (${ctx.services.fullsyncDown}), so the database "${db}" cannot be reached`
        : `Transaction ${label}: FullSync is not running in this engine, so the database "${db}" cannot be reached (serve the workspace: atelier serve)`,
      { database: db },
      503,
    );
  }
  ctx.input("database", db);
  const answerErrors = ctx.prop(connector, "documentErrors") === "answer";
  try {
    return { label, db, data: service.data(db), ...(answerErrors ? { answerErrors } : {}) };
  } catch (e) {
    return failFromDb(ctx, { label, db }, e);
  }
}

interface DbError {
  status?: number;
  name?: string;
  code?: string;
  message?: string;
  reason?: string;
}

function asDbError(e: unknown): DbError {
  return e && typeof e === "object" ? (e as DbError) : { message: String(e) };
}

/** Ends the run with the error a database operation gave, in words that name what failed. */
export function failFromDb(
  ctx: TransactionContext,
  target: { label: string; db: string; answerErrors?: boolean },
  e: unknown,
  docid?: string,
): never {
  const err = asDbError(e);
  const { label, db } = target;
  const missing = err.status === 404 || err.name === "not_found";
  const conflict = err.status === 409 || err.name === "conflict";
  if (target.answerErrors && (missing || conflict) && err.code !== "database_not_declared") {
    // As Convertigo's CouchDB transactions: CouchDB's own error body is the answer.
    const error = missing ? "not_found" : "conflict";
    const reason = err.reason ?? err.message ?? (missing ? "missing" : "Document update conflict.");
    return ctx.answer({ data: { error, reason } });
  }
  const details: Record<string, unknown> = { database: db, ...(docid !== undefined ? { docid } : {}) };
  const reason = err.reason && err.reason !== err.message ? `${err.message ?? ""} (${err.reason})` : err.message;
  if (err.code === "database_not_declared") {
    return ctx.fail(
      "database_not_declared",
      `Transaction ${label}: the FullSync database "${db}" is not declared by any loaded project`,
      details,
      500,
    );
  }
  if (err.status === 404 || err.name === "not_found") {
    if (docid !== undefined) {
      return ctx.fail(
        "document_not_found",
        `Transaction ${label}: there is no document "${docid}" in the FullSync database "${db}"${err.reason === "deleted" ? " (it was deleted)" : ""}`,
        details,
        404,
      );
    }
    return ctx.fail(
      "not_found",
      `Transaction ${label}: FullSync database "${db}": ${reason ?? "not found"}`,
      details,
      404,
    );
  }
  if (err.status === 409 || err.name === "conflict") {
    return ctx.fail(
      "document_conflict",
      `Transaction ${label}: the document "${docid ?? "?"}" of the FullSync database "${db}" has another current revision (update conflict): read it again and retry, or use the override or merge write policy`,
      details,
      409,
    );
  }
  // The database FullSync stands on cannot be used (an external CouchDB unreachable, too slow,
  // refusing the engine's credentials): a back end's failure, with its status and its cause.
  if (err.status === 502 || err.status === 503 || err.status === 504) {
    return ctx.fail(
      err.status === 504 ? "fullsync_timeout" : "fullsync_unavailable",
      `Transaction ${label}: FullSync database "${db}": ${reason ?? err.name ?? "its database cannot be used"}`,
      details,
      err.status,
    );
  }
  if (err.status === 400 || err.name === "bad_request" || err.name === "query_parse_error") {
    return ctx.fail(
      "bad_request",
      `Transaction ${label}: the FullSync database "${db}" refused the request: ${reason ?? "bad request"}`,
      details,
      400,
    );
  }
  return ctx.fail(
    "fullsync_error",
    `Transaction ${label}: FullSync database "${db}": ${reason ?? err.name ?? "unknown error"}`,
    details,
    500,
  );
}

/** Runs a database operation; its errors end the run with a clear message. */
export async function dbCall<T>(
  ctx: TransactionContext,
  target: FullSyncTarget,
  op: () => Promise<T>,
  docid?: string,
): Promise<T> {
  try {
    return await op();
  } catch (e) {
    return failFromDb(ctx, target, e, docid);
  }
}

/** Query options from built-in variables: only those given (not null) are passed on. */
export function givenOptions(vars: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const n of names) {
    const v = vars[n];
    if (v === undefined || v === null) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    out[n] = v;
  }
  return out;
}

/** Built-in variables of the query transactions (All Docs, Get View), as CouchDB names them. */
export const queryVariables: BuiltInVariable[] = [
  {
    name: "key",
    dataType: "json",
    textIfNotJson: true,
    description: 'Only rows with this key: JSON ("text", 12, [..]), or a plain text.',
  },
  {
    name: "keys",
    dataType: "json",
    textIfNotJson: true,
    description: "Only rows with these keys, in this order (a JSON array).",
  },
  { name: "startkey", dataType: "json", textIfNotJson: true, description: "Rows from this key (JSON)." },
  { name: "endkey", dataType: "json", textIfNotJson: true, description: "Rows up to this key (JSON)." },
  { name: "inclusive_end", dataType: "boolean", description: "Include the endkey row (default true)." },
  { name: "include_docs", dataType: "boolean", description: "Add each row's document as `doc`." },
  { name: "conflicts", dataType: "boolean", description: "With include_docs: add `_conflicts` to documents." },
  { name: "limit", dataType: "integer", description: "At most this many rows." },
  { name: "skip", dataType: "integer", description: "Skip this many rows first." },
  { name: "descending", dataType: "boolean", description: "Rows in reverse order (swap startkey and endkey)." },
];

export const queryOptionNames = queryVariables.map((v) => v.name);

// ---- Post policies ----

export type AclPolicy = "fromAuthenticatedUser" | "anonymous" | "noOp" | "fromKeyC8oAcl";

export const aclPolicyProp: PropDef = {
  name: "aclPolicy",
  label: "ACL policy",
  kind: "enum",
  values: ["fromAuthenticatedUser", "anonymous", "noOp", "fromKeyC8oAcl"],
  default: "fromAuthenticatedUser",
  help: "Who owns what is written. fromAuthenticatedUser: the session's user (stamped as ~c8oAcl). anonymous: nobody (public, or only its c8oGrp groups). noOp: keep the stored document's ACL (a new document keeps the ~c8oAcl it is given). fromKeyC8oAcl: the user named by the _c8oAcl variable (or the document's _c8oAcl key).",
  group: "FullSync",
};

export const writePolicyProp: PropDef = {
  name: "writePolicy",
  label: "Write policy",
  kind: "enum",
  values: ["none", "create", "override", "merge"],
  default: "none",
  help: "none: write the document as given (an existing document needs its current _rev). create: always a new document with a new id. override: replace the stored document (its current revision is taken), or create it. merge: merge the given fields into the stored document (objects merged deeply), or create it.",
  group: "FullSync",
};

/** Built-in variables of the Post transactions that carry the ACL. */
export const aclVariables: BuiltInVariable[] = [
  {
    name: ACL_FROM_KEY,
    dataType: "string",
    description: "The owner of the document(s), for the fromKeyC8oAcl ACL policy.",
  },
  {
    name: ACL_GROUPS_KEY,
    dataType: "string",
    description:
      'The groups that may read and write the document(s): "sales", ["sales", "hr"] or {"sales": true}. Not given: the document\'s own c8oGrp, if any.',
  },
];

/** What a Post transaction's policies need to know, read once per run. */
export interface PostPolicy {
  acl: AclPolicy;
  write: WritePolicy;
  /** The session's user (fromAuthenticatedUser). */
  sessionUser: string | undefined;
  /** The _c8oAcl variable (fromKeyC8oAcl). */
  ownerVar: string | undefined;
  /** The c8oGrp variable, normalised; undefined when not given. */
  groups: string | Record<string, boolean> | undefined;
  label: string;
}

/** The c8oGrp value to store: a name, or an object of names (a list becomes one). */
export function normaliseGroups(value: unknown, label: string): string | Record<string, boolean> | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "string") {
    // A list or an object arrives as JSON text (from HTTP, or converted from a sequence's value).
    if (!/^\s*[[{]/.test(value)) return value;
    try {
      value = JSON.parse(value);
    } catch {
      throw new Error(`Transaction ${label}: c8oGrp is neither a group name nor valid JSON`);
    }
    return normaliseGroups(value, label);
  }
  if (Array.isArray(value)) {
    const out: Record<string, boolean> = {};
    for (const g of value) {
      if (typeof g !== "string" || g === "")
        throw new Error(`Transaction ${label}: c8oGrp lists a group that is not a name`);
      out[g] = true;
    }
    return out;
  }
  if (isPlainObject(value)) {
    const out: Record<string, boolean> = {};
    for (const [k, v] of Object.entries(value)) if (k !== "__proto__") out[k] = Boolean(v) && v !== "false";
    return out;
  }
  throw new Error(`Transaction ${label}: c8oGrp must be a group name, a list of names or an object of names`);
}

/** A policy that cannot be applied to a document (no user to stamp, no owner given...). */
export class PolicyError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Whether the write needs the stored document first. */
export function needsExisting(policy: PostPolicy, doc: FullSyncDocument): boolean {
  if (typeof doc._id !== "string" || doc._id === "") return false;
  return policy.write === "override" || policy.write === "merge" || policy.acl === "noOp";
}

/**
 * The document to store, from what the caller gave and the stored document (when read): write
 * policy first, then the ACL. Throws a PolicyError (naming the transaction) when the policy
 * cannot be applied.
 */
export function applyPolicies(
  input: FullSyncDocument,
  existing: FullSyncDocument | undefined,
  policy: PostPolicy,
): FullSyncDocument {
  const { [ACL_FROM_KEY]: ownerKey, ...given } = input;
  const doc = applyWritePolicy(given, existing, policy.write) as FullSyncDocument;
  switch (policy.acl) {
    case "fromAuthenticatedUser":
      if (!policy.sessionUser) {
        throw new PolicyError(
          "authentication_required",
          `Transaction ${policy.label}: the ACL policy fromAuthenticatedUser makes the session's user the owner, but the session has no authenticated user (run Set Authenticated User first, or use the anonymous or fromKeyC8oAcl policy)`,
          401,
        );
      }
      doc[ACL_OWNER_KEY] = policy.sessionUser;
      break;
    case "anonymous":
      delete doc[ACL_OWNER_KEY];
      break;
    case "fromKeyC8oAcl": {
      const owner = typeof ownerKey === "string" && ownerKey !== "" ? ownerKey : policy.ownerVar;
      if (!owner) {
        throw new PolicyError(
          "missing_owner",
          `Transaction ${policy.label}: the ACL policy fromKeyC8oAcl takes the owner from the _c8oAcl variable (or the document's _c8oAcl key), and none was given${typeof doc._id === "string" ? ` for "${doc._id}"` : ""}`,
          400,
        );
      }
      doc[ACL_OWNER_KEY] = owner;
      break;
    }
    case "noOp":
      if (existing) {
        if (existing[ACL_OWNER_KEY] !== undefined) doc[ACL_OWNER_KEY] = existing[ACL_OWNER_KEY];
        else delete doc[ACL_OWNER_KEY];
        if (policy.groups === undefined) {
          if (existing[ACL_GROUPS_KEY] !== undefined) doc[ACL_GROUPS_KEY] = existing[ACL_GROUPS_KEY];
          else delete doc[ACL_GROUPS_KEY];
        }
      }
      break;
  }
  if (policy.groups !== undefined) doc[ACL_GROUPS_KEY] = policy.groups;
  return doc;
}

/** The Post policies of a transaction run. */
export function readPostPolicy(tx: ObjNode, ctx: TransactionContext, label: string): PostPolicy {
  const owner = ctx.vars[ACL_FROM_KEY];
  let groups: PostPolicy["groups"];
  try {
    groups = normaliseGroups(ctx.vars[ACL_GROUPS_KEY], label);
  } catch (e) {
    return ctx.fail("invalid_variable", (e as Error).message, undefined, 400);
  }
  const policy: PostPolicy = {
    acl: (ctx.prop<string>(tx, "aclPolicy") ?? "fromAuthenticatedUser") as AclPolicy,
    write: (ctx.prop<string>(tx, "writePolicy") ?? "none") as WritePolicy,
    sessionUser: ctx.session.user,
    ownerVar: typeof owner === "string" && owner !== "" ? owner : undefined,
    groups,
    label,
  };
  ctx.input("policy", { acl: policy.acl, write: policy.write });
  return policy;
}

/** The stored document with this id, or undefined when there is none (or it is deleted). */
export async function readExisting(
  ctx: TransactionContext,
  target: FullSyncTarget,
  id: string,
): Promise<FullSyncDocument | undefined> {
  try {
    return await target.data.get(id);
  } catch (e) {
    if (asDbError(e).status === 404) return undefined;
    return failFromDb(ctx, target, e, id);
  }
}

/** Is this error an update conflict? */
export function isConflict(e: unknown): boolean {
  const err = asDbError(e);
  return err.status === 409 || err.name === "conflict";
}
