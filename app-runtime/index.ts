/** The app runtime (issue 18): its modules are exported from here as they land. */
export * from "./services.ts";
export {
  createAppServices,
  type AppServicesOptions,
  type ConnectorData,
  type RuntimeServices,
} from "./app-services.ts";
export {
  createSequenceCaller,
  DEFAULT_CACHE_TTL_MS,
  type FetchLike,
  type SequenceCallerOptions,
} from "./call-sequence.ts";
export {
  cacheKey,
  defaultCacheStore,
  IndexedDbCacheStore,
  MemoryCacheStore,
  type CacheEntry,
  type CacheStore,
} from "./cache.ts";
export {
  createFullSyncSource,
  deviceDatabaseName,
  type DeviceFullSyncSource,
  type FullSyncSourceOptions,
  type PouchConstructor,
  type PouchDatabase,
} from "./fullsync.ts";
export {
  collate,
  type DeviceView,
  type Emit,
  type ViewAnswer,
  type ViewQuery,
  type ReducedAnswer,
} from "./device-views.ts";
