/** The app runtime (issue 18): what the Studio's preview and a built app import. */
export type {
  AppServices,
  CachePolicy,
  CallError,
  CallSequenceRequest,
  FullSyncSource,
  PostOptions,
  SyncDirection,
  SyncStatus,
} from "./services.ts";
export {
  UiModel,
  UI_NODE_TYPES,
  actionEntry,
  componentEntry,
  createUiModel,
  fieldName,
  isUiNode,
  routeOf,
  type FormField,
  type StateDecl,
  type UiNode,
} from "./model.ts";
export {
  BindingError,
  SCRIPT_NAMES,
  compileScript,
  displayText,
  evaluate,
  evaluateAsync,
  evaluateMap,
  functionCompiler,
  truthy,
  type AppInfo,
  type CompiledScript,
  type DataReader,
  type Evaluation,
  type Read,
  type Scope,
  type ScriptCompiler,
} from "./bindings.ts";
export {
  ActionError,
  actionRegistry,
  runChain,
  toChainError,
  type ActionImpl,
  type ActionRun,
  type AlertRequest,
  type ChainContext,
  type ChainError,
  type ChainResult,
  type ChainUi,
  type CustomAction,
  type CustomActionContext,
  type LogLevel,
  type NavigateRequest,
  type ToastRequest,
  type TraceEntry,
} from "./chain.ts";
export { DataStore, FormStore } from "./data.ts";
export { StateStore, setPath, stateScope, type StateScope, type StateStorages, type StorageLike } from "./state.ts";
export {
  Router,
  browserHistory,
  matchRoute,
  memoryHistory,
  pathOf,
  type HistoryLike,
  type Route,
  type RouterOptions,
} from "./router.ts";
export { IONIC_COMPONENTS, elementFor, passedProps } from "./components.ts";
export { elementIn, type ComponentTable } from "./elements.ts";
export { AppRuntime, AppView, renderApp, type AppOptions, type AppViewProps } from "./render.tsx";
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
export { registerServiceWorker, type ServiceWorkerHandle } from "./sw/register.ts";
export {
  applyTheme,
  DARK_PALETTE_CLASS,
  ionicModeConfig,
  setupIonicMode,
  THEME_STYLE_ATTRIBUTE,
  type ApplyThemeOptions,
} from "./theme.ts";
