/**
 * What FullSync connector code (transactions, steps) sees of a FullSync server. Declared here,
 * structurally, because engine/common may not import embedded-db: the server of `embedded-db/`
 * (or an adapter in front of an external CouchDB) satisfies these interfaces as they are.
 */

/** A CouchDB document as the data API reads and writes it. */
export type FullSyncDocument = Record<string, unknown> & { _id?: string; _rev?: string; _deleted?: boolean };

/** Trusted, unfiltered access to one FullSync database (what connector transactions use). */
export interface FullSyncDataApi {
  get(id: string, opts?: { revs?: boolean; conflicts?: boolean; rev?: string }): Promise<FullSyncDocument>;
  put(doc: FullSyncDocument): Promise<{ ok: boolean; id: string; rev: string }>;
  post(doc: FullSyncDocument): Promise<{ ok: boolean; id: string; rev: string }>;
  bulkDocs(docs: FullSyncDocument[]): Promise<unknown[]>;
  remove(id: string, rev?: string): Promise<{ ok: boolean; id: string; rev: string }>;
  allDocs(opts?: Record<string, unknown>): Promise<unknown>;
  query(view: string, opts?: Record<string, unknown>): Promise<unknown>;
  find(request: Record<string, unknown>): Promise<unknown>;
}

/** User ↔ group membership (Convertigo's FullSyncGrp). */
export interface FullSyncGroupsApi {
  /** A user's groups, from a cache kept current by the store. */
  groupsOf(user: string): readonly string[];
  addUserToGroup(user: string, group: string): Promise<void>;
  removeUserFromGroup(user: string, group: string): Promise<void>;
  usersOf(group: string): Promise<string[]>;
  listGroups(): Promise<string[]>;
}

/** The `fullsync` run service: present when the engine runs a FullSync server. */
export interface FullSyncService {
  /**
   * The data of a database declared by a loaded project's FullSync connector. Throws an error
   * with `code: "database_not_declared"` for any other name.
   */
  data(db: string): FullSyncDataApi;
  readonly groups: FullSyncGroupsApi;
}

/** The owner of a document: the user who may read and write it. */
export const ACL_OWNER_KEY = "~c8oAcl";
/** The groups of a document (a name, or an object of names to truthy values). */
export const ACL_GROUPS_KEY = "c8oGrp";
/** An owner given with a document by trusted code (the fromKeyC8oAcl policy); never stored. */
export const ACL_FROM_KEY = "_c8oAcl";

/** A copy of a document without its ACL keys (what FullSync listeners hand to sequences). */
export function stripAclKeys(doc: FullSyncDocument): FullSyncDocument {
  const out: FullSyncDocument = {};
  for (const [k, v] of Object.entries(doc)) {
    if (k === ACL_OWNER_KEY || k === ACL_GROUPS_KEY || k === ACL_FROM_KEY) continue;
    out[k] = v;
  }
  return out;
}

/**
 * The group names a `c8oGrp` value grants: a name, a list of names, or an object whose truthy
 * values count (the string "true" included, "false" not).
 */
export function groupNames(value: unknown): string[] {
  if (typeof value === "string") return value === "" ? [] : [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string" && v !== "");
  if (value && typeof value === "object") {
    return Object.entries(value as Record<string, unknown>)
      .filter(([k, v]) => k !== "" && Boolean(v) && v !== "false")
      .map(([k]) => k);
  }
  return [];
}

/** Group and user names used by the group store: non-empty, one line, reasonably short. */
export function checkPrincipalName(value: unknown, what: string): string | undefined {
  if (typeof value !== "string" || value.trim() === "") return `${what} must be a non-empty text`;
  if (value.length > 200) return `${what} is longer than 200 characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return `${what} holds control characters`;
  return undefined;
}
