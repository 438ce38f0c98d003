/**
 * Group membership, as Convertigo's FullSyncGrp keeps it: documents
 * `{type: "c8oGrp", user, group}` in the database `c8ofullsyncgrp`, with views by user and by
 * group. `groupsOf` answers from a cache that follows the database's change feed (so a change
 * made by another engine on a shared CouchDB arrives too); this store's own writes update the
 * cache before they resolve.
 */
import { createHash } from "node:crypto";
import type { GroupStore } from "./api.ts";
import { isBackendError } from "./errors.ts";
import { ChangeFollower } from "./follower.ts";
import { errorStatus, type ChangeRow, type PouchDb } from "./pouch.ts";

export const GROUPS_DB = "c8ofullsyncgrp";

const DESIGN = {
  _id: "_design/c8oGrp",
  views: {
    byUser: { map: 'function (doc) { if (doc.type === "c8oGrp") emit(doc.user, doc.group); }' },
    byGroup: { map: 'function (doc) { if (doc.type === "c8oGrp") emit(doc.group, doc.user); }' },
  },
};

/** One membership's document id: stable, so adding twice writes once. */
export function membershipId(user: string, group: string): string {
  const h = createHash("sha256")
    .update(JSON.stringify([user, group]))
    .digest("hex")
    .slice(0, 32);
  return `c8oGrp_${h}`;
}

function checkName(kind: string, v: unknown): string {
  if (typeof v !== "string" || !v.trim()) throw new Error(`${kind} must be a non-empty string`);
  if (v.length > 256) throw new Error(`${kind} is longer than 256 characters`);
  return v;
}

export class PouchGroupStore implements GroupStore {
  private readonly byUser = new Map<string, Set<string>>();
  private readonly byGroup = new Map<string, Set<string>>();
  /** doc id → membership it holds now (to undo on deletion). */
  private readonly docs = new Map<string, { user: string; group: string }>();
  private follower: ChangeFollower | undefined;
  private readonly listeners = new Set<(user: string) => void>();

  constructor(
    private readonly db: PouchDb,
    private readonly log: (level: "debug" | "info" | "warn" | "error", m: string) => void,
    private readonly pollMs = 0,
  ) {}

  async start(): Promise<void> {
    try {
      const existing = (await this.db.get(DESIGN._id).catch((e: unknown) => {
        if (errorStatus(e) === 404) return undefined;
        throw e;
      })) as { _rev?: string } | undefined;
      if (!existing) await this.db.put(DESIGN);
    } catch (e) {
      if (errorStatus(e) !== 409) throw e;
    }
    this.follower = new ChangeFollower({
      db: this.db,
      since: 0,
      batchSize: 1000,
      includeDocs: true,
      pollMs: this.pollMs,
      onBatch: async (rows) => this.apply(rows),
      // An outage is said once by the link to the database, not by every reader.
      onError: (m, e) => this.log(isBackendError(e) ? "debug" : "warn", `FullSync groups: ${m}`),
    });
    try {
      await this.follower.start();
    } catch (e) {
      await this.follower.close();
      this.follower = undefined;
      throw e;
    }
  }

  /** Stops following the groups database (idempotent). */
  async close(): Promise<void> {
    await this.follower?.close();
  }

  /** Called with a user whose groups changed. */
  onChange(listener: (user: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Waits (a few seconds at most) for the feed to show a membership just written. The cache
   * already holds it: a database failing now must not make a stored change look failed.
   */
  private async settle(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.follower?.flush().catch(() => {}),
      new Promise<void>((r) => {
        timer = setTimeout(r, 5000);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }

  private apply(rows: ChangeRow[]): void {
    for (const row of rows) {
      const doc = row.doc;
      const previous = this.docs.get(row.id);
      const live =
        doc && !row.deleted && doc.type === "c8oGrp" && typeof doc.user === "string" && typeof doc.group === "string"
          ? { user: doc.user, group: doc.group }
          : undefined;
      if (previous && (!live || previous.user !== live.user || previous.group !== live.group)) {
        this.docs.delete(row.id);
        this.unlink(previous.user, previous.group);
      }
      if (live) {
        this.docs.set(row.id, live);
        this.link(live.user, live.group);
      }
    }
  }

  private link(user: string, group: string): void {
    let g = this.byUser.get(user);
    if (!g) this.byUser.set(user, (g = new Set()));
    const had = g.has(group);
    g.add(group);
    let u = this.byGroup.get(group);
    if (!u) this.byGroup.set(group, (u = new Set()));
    u.add(user);
    if (!had) for (const l of this.listeners) l(user);
  }

  private unlink(user: string, group: string): void {
    // Another document may hold the same membership (written by other tools): keep it then.
    for (const m of this.docs.values()) if (m.user === user && m.group === group) return;
    const g = this.byUser.get(user);
    const had = g?.delete(group) ?? false;
    if (g && g.size === 0) this.byUser.delete(user);
    const u = this.byGroup.get(group);
    u?.delete(user);
    if (u && u.size === 0) this.byGroup.delete(group);
    if (had) for (const l of this.listeners) l(user);
  }

  groupsOf(user: string): readonly string[] {
    return [...(this.byUser.get(user) ?? [])].sort();
  }

  async addUserToGroup(user: string, group: string): Promise<void> {
    checkName("user", user);
    checkName("group", group);
    const _id = membershipId(user, group);
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = (await this.db.get(_id).catch((e: unknown) => {
        if (errorStatus(e) === 404) return undefined;
        throw e;
      })) as { _rev: string; user?: unknown; group?: unknown } | undefined;
      if (current && current.user === user && current.group === group) break;
      try {
        await this.db.put({ _id, ...(current ? { _rev: current._rev } : {}), type: "c8oGrp", user, group });
        break;
      } catch (e) {
        if (errorStatus(e) !== 409 || attempt === 4) throw e;
      }
    }
    this.docs.set(_id, { user, group });
    this.link(user, group);
    await this.settle();
  }

  async removeUserFromGroup(user: string, group: string): Promise<void> {
    checkName("user", user);
    checkName("group", group);
    // Every document holding this membership (ours, and any written by other tools).
    const ids = [...this.docs.entries()].filter(([, m]) => m.user === user && m.group === group).map(([id]) => id);
    if (!ids.includes(membershipId(user, group))) ids.push(membershipId(user, group));
    for (const _id of ids) {
      for (let attempt = 0; attempt < 5; attempt++) {
        const current = (await this.db.get(_id).catch((e: unknown) => {
          if (errorStatus(e) === 404) return undefined;
          throw e;
        })) as { _rev: string } | undefined;
        if (!current) break;
        try {
          await this.db.remove(_id, current._rev);
          break;
        } catch (e) {
          if (errorStatus(e) !== 409 || attempt === 4) throw e;
        }
      }
      this.docs.delete(_id);
    }
    this.unlink(user, group);
    await this.settle();
  }

  async usersOf(group: string): Promise<string[]> {
    return [...(this.byGroup.get(group) ?? [])].sort();
  }

  async listGroups(): Promise<string[]> {
    return [...this.byGroup.keys()].sort();
  }
}
