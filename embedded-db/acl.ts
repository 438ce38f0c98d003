/**
 * Who may see and write a document revision (Convertigo's FullSync rules, see
 * shared guide: convertigo-reference §4 and fullsync-protocol).
 *
 * A revision is routed to principals: `u:<user>` for `~c8oAcl`, `g:<group>` for each group of
 * `c8oGrp` that counts, `*` (public) when it has neither key. A user reads a revision when one of
 * their principals (their user, each of their groups, public) is among the revision's.
 */

export const ACL_KEY = "~c8oAcl";
export const GRP_KEY = "c8oGrp";
export const PUBLIC = "*";

export const userPrincipal = (user: string): string => `u:${user}`;
export const groupPrincipal = (group: string): string => `g:${group}`;

/**
 * Whether a value of the object form of `c8oGrp` counts as membership: `true`, the string
 * "true" (any case), a non-zero number. Anything else (false, "false", "", null, objects, other
 * strings) does not: deny by default.
 */
export function groupValueCounts(v: unknown): boolean {
  if (v === true) return true;
  if (typeof v === "string") return v.trim().toLowerCase() === "true";
  if (typeof v === "number") return v !== 0 && !Number.isNaN(v);
  return false;
}

const has = (o: Record<string, unknown>, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** The groups of a `c8oGrp` value that count. */
export function groupsOfValue(v: unknown): string[] {
  if (typeof v === "string") return v ? [v] : [];
  if (typeof v === "object" && v !== null && !Array.isArray(v)) {
    const out: string[] = [];
    for (const [g, val] of Object.entries(v)) if (g && groupValueCounts(val)) out.push(g);
    return out;
  }
  return [];
}

/** Whether a body carries ACL keys at all (presence decides "public", not validity). */
export function hasAclKeys(body: Record<string, unknown>): boolean {
  return has(body, ACL_KEY) || has(body, GRP_KEY);
}

/**
 * The principals of a revision's body. `undefined` for a tombstone without ACL keys: its
 * principals are inherited from the revision it deletes (the caller knows which).
 * A malformed ACL (non-string `~c8oAcl`, `c8oGrp` of another type) grants nothing, and never
 * makes the document public.
 */
export function principalsOfBody(body: Record<string, unknown>): string[] | undefined {
  const acl = has(body, ACL_KEY);
  const grp = has(body, GRP_KEY);
  if (!acl && !grp) return body._deleted === true ? undefined : [PUBLIC];
  const out: string[] = [];
  const owner = body[ACL_KEY];
  if (acl && typeof owner === "string" && owner) out.push(userPrincipal(owner));
  if (grp) for (const g of groupsOfValue(body[GRP_KEY])) out.push(groupPrincipal(g));
  return out;
}

/** The principals a session reads through. */
export function readerPrincipals(user: string | undefined, groups: Iterable<string>): string[] {
  const out = new Set<string>();
  if (user) {
    out.add(userPrincipal(user));
    for (const g of groups) if (g) out.add(groupPrincipal(g));
  }
  out.add(PUBLIC);
  return [...out];
}

export function visibleTo(principals: readonly string[], reader: ReadonlySet<string>): boolean {
  for (const p of principals) if (reader.has(p)) return true;
  return false;
}

/** Writing needs the user or one of their groups; public and ownerless revisions are read-only. */
export function writableBy(principals: readonly string[], user: string, groups: ReadonlySet<string>): boolean {
  for (const p of principals) {
    if (p === userPrincipal(user)) return true;
    if (p.startsWith("g:") && groups.has(p.slice(2))) return true;
  }
  return false;
}

export interface ExistingLeaf {
  rev: string;
  deleted: boolean;
  /** The leaf's body (ACL keys are read from it). */
  body: Record<string, unknown>;
  /** Its principals (inherited for tombstones without ACL keys; [] when unknown). */
  principals: readonly string[];
}

export type WriteVerdict =
  | {
      ok: true;
      /** ACL keys to set on the revision before storing it (empty: store as sent). */ stamp: Record<string, unknown>;
    }
  | { ok: false; reason: string };

/**
 * Decides whether `user` may store the new revision `doc` of a document whose current leaves are
 * `leaves` (all of them, deleted ones included, whatever revision the client claims as parent).
 * - every existing leaf must be writable by the user (no grafting onto someone else's branch);
 * - `~c8oAcl`, when set, is the user (or the owner the document already has, which a group member
 *   may keep when editing);
 * - each group of `c8oGrp` that counts is a group of the user, or already one of the document's;
 * - a revision without `~c8oAcl` gets the user stamped (Convertigo's behaviour), except a
 *   tombstone without ACL keys, which keeps the keys of the revision it deletes (`parent`), so
 *   the deletion reaches everyone who saw the document.
 */
export function checkWrite(args: {
  user: string | undefined;
  groups: ReadonlySet<string>;
  doc: Record<string, unknown>;
  leaves: readonly ExistingLeaf[];
  /** The existing leaf the new revision descends from, when it is one of `leaves`. */
  parent?: ExistingLeaf;
}): WriteVerdict {
  const { user, groups, doc, leaves } = args;
  if (!user) return { ok: false, reason: "Anonymous sessions cannot write." };
  for (const leaf of leaves) {
    if (!writableBy(leaf.principals, user, groups)) {
      return { ok: false, reason: "You cannot write this document: one of its revisions is not yours." };
    }
  }
  const keptOwners = new Set<string>();
  const keptGroups = new Set<string>();
  for (const leaf of leaves) {
    const o = leaf.body[ACL_KEY];
    if (typeof o === "string" && o) keptOwners.add(o);
    for (const g of groupsOfValue(leaf.body[GRP_KEY])) keptGroups.add(g);
    for (const p of leaf.principals) {
      if (p.startsWith("u:")) keptOwners.add(p.slice(2));
      else if (p.startsWith("g:")) keptGroups.add(p.slice(2));
    }
  }
  const stamp: Record<string, unknown> = {};
  if (has(doc, ACL_KEY)) {
    const owner = doc[ACL_KEY];
    if (typeof owner !== "string" || !owner) {
      return { ok: false, reason: `${ACL_KEY} must be a user name (a non-empty string).` };
    }
    if (owner !== user && !keptOwners.has(owner)) {
      return { ok: false, reason: `${ACL_KEY} must be your own user name.` };
    }
  }
  if (has(doc, GRP_KEY)) {
    const v = doc[GRP_KEY];
    const okShape = typeof v === "string" || (typeof v === "object" && v !== null && !Array.isArray(v));
    if (!okShape) return { ok: false, reason: `${GRP_KEY} must be a group name or an object {group: true}.` };
    for (const g of groupsOfValue(v)) {
      if (!groups.has(g) && !keptGroups.has(g)) {
        return { ok: false, reason: `You are not a member of the group ${JSON.stringify(g)}.` };
      }
    }
  }
  if (!has(doc, ACL_KEY)) {
    if (doc._deleted === true && !has(doc, GRP_KEY)) {
      const from = args.parent ?? leaves[0];
      if (from && hasAclKeys(from.body)) {
        if (has(from.body, ACL_KEY)) stamp[ACL_KEY] = from.body[ACL_KEY];
        if (has(from.body, GRP_KEY)) stamp[GRP_KEY] = from.body[GRP_KEY];
      } else if (from && from.principals.length) {
        // The parent is itself a tombstone with inherited principals: write them out.
        const owner = from.principals.find((p) => p.startsWith("u:"));
        const grps = from.principals.filter((p) => p.startsWith("g:")).map((p) => p.slice(2));
        if (owner) stamp[ACL_KEY] = owner.slice(2);
        if (grps.length) stamp[GRP_KEY] = Object.fromEntries(grps.map((g) => [g, true]));
        if (!owner && !grps.length) stamp[ACL_KEY] = user;
      } else {
        stamp[ACL_KEY] = user;
      }
    } else {
      stamp[ACL_KEY] = user;
    }
  }
  return { ok: true, stamp };
}

/** The ACL keys of a body (to hand to a tombstone written by trusted code). */
export function aclKeysOf(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (has(body, ACL_KEY)) out[ACL_KEY] = body[ACL_KEY];
  if (has(body, GRP_KEY)) out[GRP_KEY] = body[GRP_KEY];
  return out;
}
