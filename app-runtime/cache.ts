/**
 * The cache of Call Sequence answers (design §5, "Cache policies"): one entry per user, project,
 * sequence and variables, keyed by the SHA-256 of those (variables as sorted JSON). Kept in a
 * store of the runtime, never synced; cleared on logout. Only successful answers are stored.
 */
import { canonicalJson, sha256Hex } from "./digest.ts";

export interface CacheEntry {
  value: unknown;
  /** When it was stored (ms since the epoch). */
  storedAt: number;
}

/** Where cached answers live: IndexedDB in the app, memory in tests. */
export interface CacheStore {
  get(key: string): Promise<CacheEntry | undefined>;
  set(key: string, entry: CacheEntry): Promise<void>;
  clear(): Promise<void>;
}

/** The key of an answer: SHA-256 (hex) of user, project, sequence and sorted variables. */
export function cacheKey(
  user: string | null,
  project: string,
  sequence: string,
  variables: Record<string, unknown>,
): Promise<string> {
  return sha256Hex(canonicalJson([user ?? "", project, sequence, variables]));
}

/** A store in memory (tests, or a browser without IndexedDB). */
export class MemoryCacheStore implements CacheStore {
  private readonly entries = new Map<string, CacheEntry>();
  async get(key: string): Promise<CacheEntry | undefined> {
    const e = this.entries.get(key);
    return e && { value: structuredClone(e.value), storedAt: e.storedAt };
  }
  async set(key: string, entry: CacheEntry): Promise<void> {
    this.entries.set(key, { value: structuredClone(entry.value), storedAt: entry.storedAt });
  }
  async clear(): Promise<void> {
    this.entries.clear();
  }
  get size(): number {
    return this.entries.size;
  }
}

const STORE = "sequence-cache";

/** A store in IndexedDB: database `atelier-runtime-<app>` (one object store, keys are cache keys). */
export class IndexedDbCacheStore implements CacheStore {
  private db: Promise<IDBDatabase> | undefined;

  constructor(
    private readonly name = "atelier-runtime",
    private readonly factory: IDBFactory = globalThis.indexedDB,
  ) {}

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const req = this.factory.open(this.name, 1);
      req.onupgradeneeded = () => {
        if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error(`IndexedDB ${this.name} did not open`));
    }).catch((e: unknown) => {
      this.db = undefined;
      throw e;
    });
    return this.db;
  }

  private async run<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest): Promise<T> {
    const db = await this.open();
    return new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result as T);
      tx.onerror = () => reject(tx.error ?? req.error ?? new Error("IndexedDB transaction failed"));
      tx.onabort = () => reject(tx.error ?? new Error("IndexedDB transaction aborted"));
    });
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    const v = await this.run<CacheEntry | undefined>("readonly", (s) => s.get(key));
    return v && typeof v === "object" && "storedAt" in v ? v : undefined;
  }
  async set(key: string, entry: CacheEntry): Promise<void> {
    await this.run("readwrite", (s) => s.put({ value: entry.value, storedAt: entry.storedAt }, key));
  }
  async clear(): Promise<void> {
    await this.run("readwrite", (s) => s.clear());
  }
}

/** IndexedDB when the browser has it, else memory. */
export function defaultCacheStore(name?: string): CacheStore {
  return typeof globalThis.indexedDB === "object" && globalThis.indexedDB
    ? new IndexedDbCacheStore(name)
    : new MemoryCacheStore();
}
