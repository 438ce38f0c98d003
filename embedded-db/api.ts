/**
 * The one small interface through which the engine reaches FullSync (see ARCHITECTURE.md).
 * `embedded-db/index.ts` implements it over PouchDB + express-pouchdb, or in front of an
 * external CouchDB. The engine imports this file and `index.ts`, nothing deeper.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** Who is asking, resolved from the engine's session (never from the request itself). */
export interface Principal {
  /** undefined for an anonymous session. */
  user: string | undefined;
  groups: readonly string[];
}

/** A FullSync database declared by a FullSync connector of a loaded project. */
export interface FullSyncDatabaseDecl {
  name: string;
  /** Sessions without a user may replicate the public documents. */
  anonymousReplication: boolean;
  /** Revisions kept per document. */
  revsLimit: number;
  /** Where it is declared (for messages). */
  project: string;
  connector: string;
  /** Design documents (views) defined in the project, installed in the database. */
  designDocs?: DesignDocDecl[];
}

export interface DesignDocDecl {
  /** Without the `_design/` prefix. */
  name: string;
  views: Record<string, { map: string; reduce?: string }>;
}

export type FullSyncDoc = Record<string, unknown> & { _id?: string; _rev?: string; _deleted?: boolean };

/**
 * Server-side data access for sequences (FullSync connector transactions). Trusted code: no ACL
 * filtering here; the ACL policy of a Post transaction decides what it writes.
 */
export interface FullSyncData {
  get(id: string, opts?: { revs?: boolean; conflicts?: boolean; rev?: string }): Promise<FullSyncDoc>;
  put(doc: FullSyncDoc): Promise<{ ok: boolean; id: string; rev: string }>;
  post(doc: FullSyncDoc): Promise<{ ok: boolean; id: string; rev: string }>;
  /** `new_edits: false` stores revisions as given (replication from elsewhere, tests). */
  bulkDocs(docs: FullSyncDoc[], opts?: { new_edits?: boolean }): Promise<unknown[]>;
  remove(id: string, rev?: string): Promise<{ ok: boolean; id: string; rev: string }>;
  allDocs(opts?: Record<string, unknown>): Promise<unknown>;
  query(view: string, opts?: Record<string, unknown>): Promise<unknown>;
  find(request: Record<string, unknown>): Promise<unknown>;
  /**
   * One read of the change feed (not live): the documents changed after `since`, oldest first,
   * each with its winning revision, at most `limit` (default 100, at most 10,000). `since: "now"`
   * answers none, with the current sequence as `last_seq` (a place to start following from).
   */
  changes(opts: { since: number | string; limit?: number }): Promise<ChangesPage>;
}

/** A page of a database's change feed. */
export interface ChangesPage {
  results: { id: string; seq: number | string; rev: string; deleted?: boolean }[];
  last_seq: number | string;
  /** The database's identity: the same for every server on it, another once it is created again. */
  instance?: string;
}

/** User ↔ group membership (Convertigo's FullSyncGrp: documents in c8ofullsyncgrp). */
export interface GroupStore {
  /** A user's groups, answered synchronously from a cache kept current by the store. */
  groupsOf(user: string): readonly string[];
  addUserToGroup(user: string, group: string): Promise<void>;
  removeUserFromGroup(user: string, group: string): Promise<void>;
  usersOf(group: string): Promise<string[]>;
  listGroups(): Promise<string[]>;
}

/** What devices pushed and was stored (for FullSync listeners). */
export interface DevicePush {
  db: string;
  /** Ids of the documents written (new revisions stored), deletions included. */
  ids: string[];
  principal: Principal;
}

/**
 * What devices read (for the server's metrics): a `_changes` request answered (each pull of a
 * replication starts with one), or documents sent (`_bulk_get`, a document GET, `_all_docs` with
 * `include_docs`).
 */
export interface DeviceRead {
  db: string;
  kind: "changes" | "documents";
  /** Documents sent (0 for `changes`). */
  docs: number;
}

export interface FullSyncOptions {
  /** Folder of the LevelDB files; undefined keeps databases in memory (tests). */
  dataDir?: string;
  /** An external Apache CouchDB (3.x) instead of the embedded database. */
  couch?: {
    url: string;
    username?: string;
    password?: string;
    /** Time limits of requests to it, in ms (defaults: reads 5 s, writes 15 s, view and `_find` queries 60 s). */
    timeouts?: { readMs?: number; writeMs?: number; queryMs?: number };
  };
  /**
   * Folder of the principal index snapshots (default `<dataDir>/.fullsync-index`). With an
   * external CouchDB, give one to keep them: without, each start reads the whole change feed.
   */
  snapshotDir?: string;
  /** The session's principal for a request; undefined when the request has no live session. */
  resolvePrincipal(req: IncomingMessage): Principal | undefined | Promise<Principal | undefined>;
  log(level: "debug" | "info" | "warn" | "error", message: string): void;
}

export interface FullSyncServer {
  /** Serves every request under the mount prefix (the engine mounts it at /fullsync). */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** The databases devices may reach; created when missing. Replaces the previous list. */
  setDatabases(decls: FullSyncDatabaseDecl[]): Promise<void>;
  /** Trusted, unfiltered access to a declared database. */
  data(db: string): FullSyncData;
  groups: GroupStore;
  /** Subscribes to device writes, called after they are stored; answers an unsubscribe function. */
  onDevicePush(listener: (push: DevicePush) => void): () => void;
  /** Subscribes to device reads (counts for metrics); answers an unsubscribe function. */
  onDeviceRead(listener: (read: DeviceRead) => void): () => void;
  close(): Promise<void>;
}
