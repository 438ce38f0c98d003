/**
 * What the app runtime asks of the outside world (issue 18, design §5, §7.6, §7.7): calling a
 * project's sequences and reading and writing the device's FullSync databases. The chain runner
 * (`chain.ts`) and the bindings reach data through these interfaces only, so the Studio's preview
 * can give stand-ins that never touch a server and the app gives the real ones (`fullsync.ts`,
 * `call-sequence.ts`).
 */

/** How a Call Sequence uses its cache (Convertigo's priority_server / priority_local). */
export type CachePolicy = "none" | "networkFirst" | "cacheFirst";

export interface CallSequenceRequest {
  /** The project holding the sequence (the app's own when absent). */
  project?: string;
  sequence: string;
  variables: Record<string, unknown>;
  cachePolicy?: CachePolicy;
  /** How long a cached answer stays fresh (cacheFirst); 3,000 ms when a policy is set and this is absent. */
  cacheTtlMs?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A sequence's error answer, or a network failure: what an OnError branch sees as `out`. */
export interface CallError {
  code: string;
  message: string;
  /** The HTTP status, when the engine answered. */
  status?: number;
}

export type SyncDirection = "both" | "push" | "pull";

/** The replication state of one FullSync connector on the device, bound with `{source: "sync"}`. */
export interface SyncStatus {
  state: "offline" | "connecting" | "active" | "paused" | "error" | "denied-login";
  online: boolean;
  /** Local changes not yet pushed. */
  pending: number;
  /** Documents holding conflicting revisions. */
  conflicts: number;
  /** Documents the server refused, with its reason. */
  denied: { id: string; reason: string }[];
  /** When the last replication round ended (ISO time), or null. */
  lastSync: string | null;
}

export interface PostOptions {
  id?: string;
  /**
   * Convertigo's `_use_policy` (as the engine's FullSyncPostDocument): create (always a new
   * document, with a new id), override (replaces the stored one; the default), merge (fields
   * merged deeply into the stored one), none (as given: an existing one needs its `_rev`).
   */
  policy?: "create" | "override" | "merge" | "none";
  /** Groups allowed to read it (`c8oGrp`); no owner stamp when set. */
  groups?: string[];
  /** Readable by all (no owner stamp). */
  public?: boolean;
}

/** One FullSync connector's database on the device (PouchDB), for the logged-in user. */
export interface FullSyncSource {
  get(id: string): Promise<Record<string, unknown>>;
  /** A view of the project (`ddoc/view`), computed on the device over local documents. */
  view(view: string, query: Record<string, unknown>): Promise<unknown>;
  post(doc: Record<string, unknown>, options?: PostOptions): Promise<{ ok: true; id: string; rev: string }>;
  remove(id: string): Promise<{ ok: true }>;
  /** Starts (or restarts) replication; resolves at the first pause or completion, at once when offline. */
  sync(options?: { direction?: SyncDirection; mode?: "continuous" | "once"; retry?: boolean }): Promise<void>;
  /** Stops replication and destroys the device database. */
  reset(): Promise<void>;
  status(): SyncStatus;
  /** Called on any change of data or status (live views and bindings re-read); answers the unsubscribe. */
  subscribe(listener: () => void): () => void;
}

export interface AppServices {
  callSequence(request: CallSequenceRequest): Promise<unknown>;
  /** The device database of a FullSync connector of the app's project. */
  fullsync(connector: string): FullSyncSource;
  /** Whether the browser has a network (navigator.onLine and failed calls). */
  online(): boolean;
}
