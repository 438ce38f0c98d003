/**
 * The interpreter (design §7.2, §6): renders the application's pages from the UI model with the
 * component catalogue, without generating code. The Studio's preview runs it; a built app runs
 * the generated JSX instead, on the same runtime (chains, bindings, states, router, data).
 *
 * - A Component renders its catalogue entry (components.ts) with its `inputs` evaluated as props,
 *   its `text`, its children, its `layout` (flex), `styleClass` and `slot`; every element carries
 *   `data-atl-id` (the designer selects by it).
 * - Its Event children are wired to the React prop of the catalogue event (`onClick`,
 *   `onIonInput`...) and run their chain (chain.ts) with the event's payload; `debounceMs` waits.
 * - Form fields (catalogue `form`) keep what the user types (data.ts FormStore): `form` sources
 *   and `form` in scripts read it (the nearest container holding fields, or the one named).
 * - Directive: ForEach repeats its content per item (`item` sources, and the `itemName` in
 *   scripts), If shows it when its condition holds.
 * - UseShared renders its shared component with its inputs (the `input` source); the component's
 *   Emit actions run the UseShared's Events of that name.
 * - Pages: `load` and `enter` events when shown, `leave` when left; leaving aborts the page's
 *   running chains. The application's `start` event runs once.
 * - Everything renders again when a state, a form, the data (a view loaded, a live view changed,
 *   a sync status) or the route changes.
 */
import {
  IonApp,
  IonIcon,
  IonMenuToggle,
  IonTabButton,
  NavContext,
  useIonAlert,
  useIonLoading,
  useIonToast,
} from "@ionic/react";
import type { NavContextState } from "@ionic/react";
import {
  createContext,
  createElement,
  Fragment,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
  type CSSProperties,
  type ReactNode,
} from "react";
import { createRoot } from "react-dom/client";
import { getPath } from "../engine/common/model/json-path.ts";
import type { CatalogueComponent } from "../engine/common/ui/catalogue.ts";
import { displayText, evaluate, truthy, type AppInfo, type Scope, type ScriptCompiler } from "./bindings.ts";
import {
  runChain,
  type ActionImpl,
  type AlertRequest,
  type ChainContext,
  type ChainResult,
  type ChainUi,
  type CustomAction,
  type LogLevel,
  type TraceEntry,
} from "./chain.ts";
import { DataStore, FormStore } from "./data.ts";
import { elementIn, passedProps, type ComponentTable } from "./elements.ts";
import { componentEntry, isUiNode, UiModel, type UiNode } from "./model.ts";
import { browserHistory, pathOf, Router, type HistoryLike, type Route } from "./router.ts";
import type { AppServices } from "./services.ts";
import { StateStore, stateScope, type StateScope, type StateStorages } from "./state.ts";

export interface AppOptions {
  /** Where the app is served (`/apps/FullSyncDemo/`); the browser's history under it. Default `/`. */
  base?: string;
  /** Another history (the Studio's preview, tests: `memoryHistory()`). */
  history?: HistoryLike;
  /** Storages of persisted States (the app gives sessionStorage and localStorage). */
  storages?: StateStorages;
  /** Prefix of persisted States' keys (default `atelier:<Application name>:`). */
  storageKey?: string;
  /**
   * Whether pages that require login show the login page while nobody is logged in (default true;
   * the Studio's preview shows the page designed).
   */
  loginGuard?: boolean;
  /** The application State holding the logged-in user (default `user`): login guard, `app.user`. */
  userState?: string;
  /** The project's FullSync connectors (`sync` in scripts reads the first one's status). */
  connectors?: readonly string[];
  /** Custom actions by function name (app/src/custom/actions.ts). */
  customActions?: Readonly<Record<string, CustomAction>>;
  /** Actions added to or replacing the chain runner's. */
  actions?: Readonly<Record<string, ActionImpl>>;
  /** Toasts, alerts, loading indicators (default: Ionic's overlays). */
  ui?: Partial<ChainUi>;
  /** Every action run (the preview's trace console). */
  trace?: (entry: TraceEntry) => void;
  /** Where the chains' Log actions and unhandled failures go (default: the console). */
  log?: (level: LogLevel, message: string) => void;
  /** A binding that could not be evaluated while rendering (default: a console warning, once). */
  onBindingError?: (error: { node: string; prop: string; message: string }) => void;
  /** How scripts are compiled (default: `new Function`; a built app passes its compiled ones). */
  compileScript?: ScriptCompiler;
  /** SVG sources of ionicons by name (`ionicons/icons`), so icons need no fetch. */
  icons?: Readonly<Record<string, string>>;
  /** Wrap the app in IonApp (default true; false when the host already did). */
  ionApp?: boolean;
  /**
   * The Ionic components the app renders with, by the catalogue's `render.ionic` name: a built
   * app gives the generated table of the components it uses (so its bundle holds no other), the
   * Studio's preview every one (components.ts `IONIC_COMPONENTS`). A component missing from it
   * renders as an error placeholder naming it.
   */
  components?: ComponentTable;
}

/** The state of a running app: its stores, router and services; what every node reads. */
export class AppRuntime {
  model: UiModel;
  appState: StateStore;
  readonly data: DataStore;
  readonly forms = new FormStore();
  readonly router: Router;
  /** What actions show (Ionic's overlays, set by AppView, or the options'). */
  ui: Partial<ChainUi>;
  private version = 0;
  private readonly listeners = new Set<() => void>();
  private readonly cleanups: (() => void)[] = [];
  private readonly reported = new Set<string>();
  private readonly running = new Set<Promise<ChainResult>>();
  private started = false;
  private lastUser: unknown;

  constructor(
    model: UiModel | UiNode,
    readonly services: AppServices,
    readonly options: AppOptions = {},
  ) {
    this.model = model instanceof UiModel ? model : new UiModel(model);
    this.appState = this.newAppState();
    this.data = new DataStore(services);
    this.ui = { ...(options.ui ?? {}) };
    this.router = new Router(this.model, {
      history: options.history ?? browserHistory(options.base ?? "/"),
      isLoggedIn: () => options.loginGuard === false || this.isLoggedIn(),
    });
    // The first page is known before anything renders (start() listens to changes).
    this.router.resolve();
  }

  private newAppState(): StateStore {
    return new StateStore(this.model.appStates(), { storages: this.options.storages, prefix: this.storagePrefix() });
  }

  /** The prefix of persisted States' keys. */
  storagePrefix(): string {
    return this.options.storageKey ?? `atelier:${this.model.name}:`;
  }

  /** Subscribes to the stores and the router, resolves the location. Idempotent. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.lastUser = this.user();
    this.cleanups.push(this.subscribeAppState());
    this.cleanups.push(this.data.subscribe(() => this.notify()));
    this.cleanups.push(this.forms.subscribe(() => this.notify()));
    this.cleanups.push(
      this.router.subscribe(() => {
        this.data.refresh();
        this.notify();
      }),
    );
    if (typeof window !== "undefined" && typeof window.addEventListener === "function") {
      const online = () => this.notify();
      window.addEventListener("online", online);
      window.addEventListener("offline", online);
      this.cleanups.push(() => {
        window.removeEventListener("online", online);
        window.removeEventListener("offline", online);
      });
    }
    this.router.start();
  }

  private subscribeAppState(): () => void {
    return this.appState.subscribe(() => {
      const user = this.user();
      if (user !== this.lastUser) {
        this.lastUser = user;
        // The data read was the previous user's (the services follow the user: followUser).
        this.data.reset();
        // Logged out on a page that requires login: the guard shows the login page.
        this.router.resolve();
      }
      this.notify();
    });
  }

  dispose(): void {
    for (const c of this.cleanups.splice(0)) c();
    this.router.stop();
    this.data.dispose();
    this.started = false;
  }

  /** A new model of the same app (the Studio edited it): states keep their values. */
  setModel(model: UiModel | UiNode): void {
    if (model === this.model || model === this.model.root) return;
    const next = model instanceof UiModel ? model : new UiModel(model);
    this.model = next;
    const names = this.model.appStates().map((d) => d.name);
    if (names.join("\n") !== this.appState.names().join("\n")) {
      const state = this.newAppState();
      state.adopt(this.appState);
      this.appState = state;
      if (this.started) {
        this.cleanups.push(this.subscribeAppState());
      }
    }
    this.router.setModel(this.model);
    this.notify();
  }

  // ---- rendering again ----

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = (): number => this.version;

  notify(): void {
    this.version++;
    for (const l of [...this.listeners]) l();
  }

  // ---- what bindings and chains read ----

  user(): unknown {
    const name = this.options.userState ?? "user";
    return this.appState.has(name) ? this.appState.get(name) : undefined;
  }

  isLoggedIn(): boolean {
    const u = this.user();
    return u !== undefined && u !== null && u !== "";
  }

  appInfo = (): AppInfo => {
    let online = true;
    try {
      online = this.services.online();
    } catch {
      // A stand-in without a network: online.
    }
    const user = this.user();
    return { online, user: user === undefined ? null : user };
  };

  /** The scope every binding starts from: states, data, the app. */
  baseScope(state: StateScope): Scope {
    const scope: Scope = { state, data: this.data, app: this.appInfo };
    if (this.options.connectors) scope.connectors = this.options.connectors;
    if (this.options.compileScript) scope.compile = this.options.compileScript;
    return scope;
  }

  /**
   * The context of a chain started on a page (`signal`: the page's). The chain is aborted when the
   * page is left, unless it left it itself: after its Navigate it runs on (a Toast after it shows).
   */
  chainContext(
    scope: Scope,
    signal: AbortSignal,
    extra: { state: StateScope; emit?: ChainContext["emit"] },
  ): ChainContext {
    const own = new AbortController();
    const follow = () => own.abort();
    if (signal.aborted) own.abort();
    else signal.addEventListener("abort", follow, { once: true });
    const ctx: ChainContext = {
      model: this.model,
      services: this.services,
      scope,
      state: extra.state,
      data: this.data,
      navigate: (request) => {
        signal.removeEventListener("abort", follow);
        this.router.navigate(request);
      },
      ui: this.ui,
      signal: own.signal,
    };
    if (extra.emit) ctx.emit = extra.emit;
    if (this.options.log) ctx.log = this.options.log;
    if (this.options.customActions) ctx.custom = this.options.customActions;
    if (this.options.actions) ctx.actions = this.options.actions;
    if (this.options.trace) ctx.trace = this.options.trace;
    return ctx;
  }

  /** Runs an Event's chain (counted by `idle`). */
  runEvent(
    event: UiNode,
    scope: Scope,
    signal: AbortSignal,
    extra: { state: StateScope; emit?: ChainContext["emit"] },
  ): Promise<ChainResult> {
    const run = runChain(event, this.chainContext(scope, signal, extra));
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
    return run;
  }

  /** Runs Event nodes one after the other (a page's enter events...). */
  async runEvents(
    events: readonly UiNode[],
    scope: Scope,
    signal: AbortSignal,
    extra: { state: StateScope; emit?: ChainContext["emit"] },
  ): Promise<ChainResult[]> {
    const results: ChainResult[] = [];
    for (const e of events) {
      if (signal.aborted) break;
      results.push(await this.runEvent(e, scope, signal, extra));
    }
    return results;
  }

  /**
   * Resolves when no chain is running and no data is loading (tests; the preview's "rendered"
   * answer). Debounced events not fired yet are not waited for.
   */
  async idle(): Promise<void> {
    for (;;) {
      await this.data.settled();
      if (this.running.size === 0) {
        // A chain ending may start another (an Emit) a microtask later.
        await Promise.resolve();
        if (this.running.size === 0 && !this.data.busy()) return;
      }
      await Promise.allSettled([...this.running]);
    }
  }

  reportBindingError(node: string, prop: string, message: string): void {
    const key = `${node}\n${prop}\n${message}`;
    if (this.reported.has(key)) return;
    // Said once each; a script failing with ever-new messages does not grow this without end.
    if (this.reported.size >= 1000) this.reported.clear();
    this.reported.add(key);
    if (this.options.onBindingError) this.options.onBindingError({ node, prop, message });
    else console.warn(`Binding of ${node} (${prop}): ${message}`);
  }
}

// ---- the React side ----

const RuntimeContext = createContext<AppRuntime | null>(null);

function useRuntime(): AppRuntime {
  const runtime = useContext(RuntimeContext);
  if (!runtime) throw new Error("An app node rendered outside AppView");
  return runtime;
}

/** What a node renders in: items of enclosing ForEach, shared component inputs, forms, its page. */
interface RenderScope {
  items: Readonly<Record<string, unknown>>;
  names: Readonly<Record<string, unknown>>;
  item?: { value: unknown };
  input?: Readonly<Record<string, unknown>>;
  /** Ids of enclosing containers, outermost first (the page or the shared component first). */
  forms: readonly string[];
  state: StateScope;
  /** The signal of the page's chains (aborted when it is left). */
  signal: () => AbortSignal;
  emit?: ChainContext["emit"];
}

function bindingScope(runtime: AppRuntime, rs: RenderScope): Scope {
  const scope = runtime.baseScope(rs.state);
  scope.items = rs.items;
  scope.names = rs.names;
  if (rs.item) scope.item = rs.item.value;
  if (rs.input) scope.input = rs.input;
  scope.form = (container) => {
    const model = runtime.model;
    if (container !== undefined) {
      return model.node(container) ? runtime.forms.values(model.fieldsUnder(container)) : undefined;
    }
    for (let i = rs.forms.length - 1; i >= 0; i--) {
      const fields = model.fieldsUnder(rs.forms[i] as string);
      if (fields.length) return runtime.forms.values(fields);
    }
    return {};
  };
  return scope;
}

/** Evaluates a binding while rendering: errors are reported and give undefined. */
function valueOf(runtime: AppRuntime, node: UiNode, prop: string, binding: unknown, scope: Scope): unknown {
  const r = evaluate(binding, scope);
  if (r.error) runtime.reportBindingError(node.id, prop, r.error);
  return r.value;
}

const px = (v: unknown): string | undefined =>
  typeof v === "number" ? `${v}px` : typeof v === "string" && v !== "" ? v : undefined;

/** The flex style of a layout's container keys (direction, gap...), or undefined when it has none. */
function containerStyle(layout: Record<string, unknown>, direction?: string): CSSProperties | undefined {
  const keys = ["direction", "gap", "align", "justify", "wrap", "padding"];
  if (!direction && !keys.some((k) => layout[k] !== undefined)) return undefined;
  const style: CSSProperties = {
    display: "flex",
    flexDirection: (layout.direction === "row"
      ? "row"
      : layout.direction === "column"
        ? "column"
        : (direction ?? "column")) as "row" | "column",
  };
  if (px(layout.gap)) style.gap = px(layout.gap);
  if (typeof layout.align === "string") style.alignItems = layout.align;
  if (typeof layout.justify === "string") style.justifyContent = layout.justify;
  if (layout.wrap === true) style.flexWrap = "wrap";
  if (px(layout.padding)) style.padding = px(layout.padding);
  return style;
}

/** The style of a layout's own keys (how it sits in its parent). */
function selfStyle(layout: Record<string, unknown>): CSSProperties {
  const style: CSSProperties = {};
  if (typeof layout.grow === "number") style.flexGrow = layout.grow;
  if (px(layout.basis)) style.flexBasis = px(layout.basis);
  if (typeof layout.alignSelf === "string") style.alignSelf = layout.alignSelf;
  if (px(layout.width)) style.width = px(layout.width);
  if (px(layout.maxWidth)) style.maxWidth = px(layout.maxWidth);
  return style;
}

/** No table given: every Ionic component shows as a placeholder naming it. */
const NO_COMPONENTS: ComponentTable = {};

/** The id of the element holding the current page (the side menu's content). */
const MAIN_ID = "atelier-main";

const RUNTIME_CSS = `
@media (max-width: 575.98px) { .atl-hide-below-sm { display: none !important; } }
@media (max-width: 767.98px) { .atl-hide-below-md { display: none !important; } }
@media (max-width: 991.98px) { .atl-hide-below-lg { display: none !important; } }
.atl-missing { border: 1px dashed #b91c1c; color: #b91c1c; padding: 4px 8px; font: 13px system-ui, sans-serif; }
`;

/** The payload of a fired event: a CustomEvent's detail (Ionic), a key's value, else {}. */
function payloadOf(e: unknown): unknown {
  if (typeof CustomEvent !== "undefined" && e instanceof CustomEvent) return e.detail ?? {};
  if (typeof e === "object" && e !== null) {
    const native = (e as { nativeEvent?: unknown }).nativeEvent;
    if (typeof CustomEvent !== "undefined" && native instanceof CustomEvent) return native.detail ?? {};
    const key = (e as { key?: unknown }).key;
    if (typeof key === "string") {
      const target = (e as { target?: { value?: unknown } }).target;
      return { key, value: target?.value };
    }
  }
  return {};
}

type Handler = (e: unknown) => void;

function addHandler(handlers: Record<string, Handler[]>, prop: string, h: Handler): void {
  (handlers[prop] ??= []).push(h);
}

/** Runs an Event node's chain, with its debounce. */
function useEventFiring(runtime: AppRuntime, scope: RenderScope) {
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  useEffect(() => {
    const map = timers.current;
    return () => {
      for (const t of map.values()) clearTimeout(t);
      map.clear();
    };
  }, []);
  return (event: UiNode, payload: unknown) => {
    const run = () => {
      const s = { ...bindingScope(runtime, scope), event: payload };
      const extra: { state: StateScope; emit?: ChainContext["emit"] } = { state: scope.state };
      if (scope.emit) extra.emit = scope.emit;
      void runtime.runEvent(event, s, scope.signal(), extra);
    };
    const wait = typeof event.props.debounceMs === "number" ? event.props.debounceMs : 0;
    if (wait <= 0) return run();
    const t = timers.current.get(event.id);
    if (t !== undefined) clearTimeout(t);
    timers.current.set(
      event.id,
      setTimeout(() => {
        timers.current.delete(event.id);
        run();
      }, wait),
    );
  };
}

function renderChildren(children: readonly UiNode[], scope: RenderScope): ReactNode[] {
  return children.filter(isUiNode).map((c) => <NodeView key={c.id} node={c} scope={scope} />);
}

function NodeView({ node, scope }: { node: UiNode; scope: RenderScope }): ReactNode {
  switch (node.type) {
    case "Component":
      return <ComponentView node={node} scope={scope} />;
    case "Text":
      return <TextView node={node} scope={scope} />;
    case "Directive":
      return <DirectiveView node={node} scope={scope} />;
    case "UseShared":
      return <UseSharedView node={node} scope={scope} />;
    default:
      return null;
  }
}

function formatText(value: unknown, format: unknown): string {
  if (value === undefined || value === null || value === "") return "";
  try {
    if (format === "date") {
      const d = value instanceof Date ? value : new Date(value as string | number);
      return Number.isNaN(d.getTime()) ? displayText(value) : d.toLocaleDateString();
    }
    if (format === "number" || format === "currency") {
      const n = typeof value === "number" ? value : Number(value);
      if (Number.isNaN(n)) return displayText(value);
      // No currency code in the model: an amount with two decimals.
      return format === "number"
        ? new Intl.NumberFormat().format(n)
        : new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(n);
    }
  } catch {
    // Formatting failed (odd value): as it is.
  }
  return displayText(value);
}

function TextView({ node, scope }: { node: UiNode; scope: RenderScope }): ReactNode {
  const runtime = useRuntime();
  const value = valueOf(runtime, node, "value", node.props.value, bindingScope(runtime, scope));
  return <span data-atl-id={node.id}>{formatText(value, node.props.format)}</span>;
}

function DirectiveView({ node, scope }: { node: UiNode; scope: RenderScope }): ReactNode {
  const runtime = useRuntime();
  const s = bindingScope(runtime, scope);
  if (node.props.kind === "If") {
    const condition = valueOf(runtime, node, "condition", node.props.condition, s);
    return truthy(condition) ? <>{renderChildren(node.children, scope)}</> : null;
  }
  const items = valueOf(runtime, node, "items", node.props.items, s);
  if (items === undefined || items === null) return null;
  if (!Array.isArray(items)) {
    runtime.reportBindingError(node.id, "items", "The items of a ForEach must be a list");
    return null;
  }
  const itemName = typeof node.props.itemName === "string" && node.props.itemName !== "" ? node.props.itemName : "item";
  const keyPath = typeof node.props.key === "string" && node.props.key !== "" ? node.props.key : "_id";
  const seen = new Set<string>();
  return (
    <>
      {items.map((item, i) => {
        let key: string;
        try {
          const k = getPath(item, keyPath);
          key = k === undefined || k === null || typeof k === "object" ? `#${i}` : String(k);
        } catch {
          key = `#${i}`;
        }
        if (seen.has(key)) key = `${key}#${i}`;
        seen.add(key);
        const inner: RenderScope = {
          ...scope,
          items: { ...scope.items, [node.id]: item },
          names: { ...scope.names, [itemName]: item },
          item: { value: item },
        };
        return <Fragment key={key}>{renderChildren(node.children, inner)}</Fragment>;
      })}
    </>
  );
}

function UseSharedView({ node, scope }: { node: UiNode; scope: RenderScope }): ReactNode {
  const runtime = useRuntime();
  const fire = useEventFiring(runtime, scope);
  const name = typeof node.props.component === "string" ? node.props.component : "";
  const shared = runtime.model.sharedComponent(name);
  const outer = bindingScope(runtime, scope);
  const given = (
    typeof node.props.inputs === "object" && node.props.inputs !== null ? node.props.inputs : {}
  ) as Record<string, unknown>;
  const input: Record<string, unknown> = {};
  for (const decl of shared?.children.filter((c) => c.type === "ComponentInput") ?? []) {
    const v = decl.name in given ? valueOf(runtime, node, `inputs.${decl.name}`, given[decl.name], outer) : undefined;
    input[decl.name] = v === undefined ? decl.props.default : v;
  }
  // Its Emit actions run this use's Events of that name, in the page's scope.
  const emit = (event: string, payload: unknown) => {
    for (const e of runtime.model.events(node, event)) fire(e, payload);
  };
  const inner: RenderScope = {
    items: {},
    names: {},
    input,
    forms: shared ? [shared.id] : [],
    state: scope.state,
    signal: scope.signal,
    emit,
  };
  const innerRef = useRef(inner);
  innerRef.current = inner;
  const sharedId = shared?.id;
  useEffect(() => {
    if (!sharedId) return;
    const sharedNode = runtime.model.node(sharedId);
    if (!sharedNode) return;
    const rs = innerRef.current;
    const extra: { state: StateScope; emit?: ChainContext["emit"] } = { state: rs.state };
    if (rs.emit) extra.emit = rs.emit;
    void runtime.runEvents(runtime.model.events(sharedNode, "init"), bindingScope(runtime, rs), rs.signal(), extra);
  }, [runtime, sharedId]);
  if (!shared) {
    runtime.reportBindingError(node.id, "component", `There is no shared component "${name}"`);
    return <div data-atl-id={node.id} data-atl-missing="" />;
  }
  const layout = (
    typeof shared.props.rootLayout === "object" && shared.props.rootLayout !== null
      ? shared.props.rootLayout
      : undefined
  ) as Record<string, unknown> | undefined;
  const style: CSSProperties = layout ? (containerStyle(layout, "column") ?? {}) : { display: "contents" };
  const css = runtime.model.styles(shared);
  return (
    <div data-atl-id={node.id} data-shared={shared.name} style={style}>
      {css.length ? <style>{css.map((c) => `[data-shared="${shared.name}"] {\n${c}\n}`).join("\n")}</style> : null}
      {renderChildren(shared.children, inner)}
    </div>
  );
}

function ComponentView({ node, scope }: { node: UiNode; scope: RenderScope }): ReactNode {
  const runtime = useRuntime();
  const fire = useEventFiring(runtime, scope);
  const entry = componentEntry(node);
  if (!entry) {
    const name = String(node.props.component ?? "");
    runtime.reportBindingError(node.id, "component", `Unknown component "${name}"`);
    return (
      <div data-atl-id={node.id} data-atl-unknown={name}>
        {renderChildren(node.children, scope)}
      </div>
    );
  }
  const s = bindingScope(runtime, scope);
  const given = (
    typeof node.props.inputs === "object" && node.props.inputs !== null ? node.props.inputs : {}
  ) as Record<string, unknown>;
  const values: Record<string, unknown> = {};
  for (const [k, b] of Object.entries(given)) {
    let v = valueOf(runtime, node, `inputs.${k}`, b, s);
    if (entry.props[k]?.kind === "icon" && typeof v === "string") v = runtime.options.icons?.[v] ?? v;
    if (v !== undefined) values[k] = v;
  }
  const type = elementIn(runtime.options.components ?? NO_COMPONENTS, entry, values);
  const props: Record<string, unknown> = passedProps(entry, values);
  props["data-atl-id"] = node.id;

  // Layout, classes, slot.
  const layout = (
    typeof node.props.layout === "object" && node.props.layout !== null ? node.props.layout : {}
  ) as Record<string, unknown>;
  const isHtml = !entry.render.ionic;
  const inner = containerStyle(layout, isHtml ? (entry.container ?? "column") : undefined);
  const style: CSSProperties = { ...selfStyle(layout), ...(isHtml && inner ? inner : {}) };
  if (Object.keys(style).length) props.style = style;
  const classes = [
    typeof node.props.styleClass === "string" ? node.props.styleClass : "",
    typeof layout.hideBelow === "string" ? `atl-hide-below-${layout.hideBelow}` : "",
  ].filter((c) => c !== "");
  if (classes.length) props.className = classes.join(" ");
  if (typeof node.props.slot === "string" && node.props.slot !== "") props.slot = node.props.slot;
  // The side menu slides over the app's main element (AppView's).
  if (entry.name === "Menu") props.contentId = MAIN_ID;

  // Handlers: the form field's change, the Events, the interpreter's own (navigation).
  const handlers: Record<string, Handler[]> = {};
  if (entry.form) {
    const form = entry.form;
    props[form.value] = runtime.forms.value(node.id, values[form.value]);
    // A value bound to a State is two-way (Convertigo's DoubleBinding): typing sets the State, so
    // a SetState of it (clearing the field after a post) shows in the field.
    const bound = given[form.value];
    const twoWay =
      typeof bound === "object" && bound !== null && (bound as { source?: unknown }).source === "state"
        ? (bound as { name?: unknown; path?: unknown })
        : undefined;
    addHandler(handlers, form.change, (e) => {
      const value = (payloadOf(e) as Record<string, unknown>)[form.value];
      runtime.forms.set(node.id, value);
      const name = typeof twoWay?.name === "string" ? twoWay.name : undefined;
      if (name !== undefined && scope.state.has(name)) {
        scope.state.set(name, value, typeof twoWay?.path === "string" ? twoWay.path : undefined);
      }
    });
  }
  for (const ev of runtime.model.events(node)) {
    const on = typeof ev.props.on === "string" ? ev.props.on : "";
    const cat = entry.events[on];
    if (!cat) {
      runtime.reportBindingError(ev.id, "on", `${entry.name} has no event "${on}"`);
      continue;
    }
    addHandler(handlers, cat.react, (e) => {
      if (cat.key && (e as { key?: unknown }).key !== cat.key) return;
      fire(ev, payloadOf(e));
    });
  }
  addNavigation(runtime, entry, values, handlers);
  for (const [prop, list] of Object.entries(handlers)) {
    props[prop] = (e: unknown) => {
      for (const h of list) h(e);
    };
  }

  // Content: the text, then the children.
  const content: ReactNode[] = [];
  if (entry.text && node.props.text !== undefined && node.props.text !== null) {
    content.push(displayText(valueOf(runtime, node, "text", node.props.text, s)));
  }
  const childScope: RenderScope = { ...scope, forms: [...scope.forms, node.id] };
  if (entry.name === "TabBar") content.push(...tabButtons(runtime, node, childScope));
  else if (entry.name === "MenuItem") {
    props.button = true;
    if (typeof values.icon === "string") content.unshift(<IonIcon key="icon" icon={values.icon} slot="start" />);
  } else content.push(...renderChildren(node.children, childScope));

  if (!type) {
    // An Ionic component the app's table lacks (a table written by hand, an app rendering pages it
    // was not built with): said where the component should be, never an empty space.
    const missing = entry.render.ionic ?? entry.render.html ?? entry.name;
    const message = entry.render.ionic
      ? `${missing} (the catalogue's ${entry.name}) is not in this app's component table: rebuild the app`
      : `${entry.name} renders as <${missing}>, an element the runtime does not know`;
    runtime.reportBindingError(node.id, "component", message);
    return (
      <div data-atl-id={node.id} data-atl-missing={missing} role="alert" className="atl-missing">
        {message}
        {content}
      </div>
    );
  }
  const wrapped =
    !isHtml && inner
      ? [
          <div key="layout" style={inner}>
            {content}
          </div>,
        ]
      : content;
  const element = createElement(type, props, ...wrapped);
  return entry.name === "MenuItem" ? <IonMenuToggle autoHide={false}>{element}</IonMenuToggle> : element;
}

/** Clicks that navigate in the app: a back button, a menu item. */
function addNavigation(
  runtime: AppRuntime,
  entry: CatalogueComponent,
  values: Record<string, unknown>,
  handlers: Record<string, Handler[]>,
): void {
  if (entry.name === "BackButton") {
    addHandler(handlers, "onClick", (e) => {
      (e as { preventDefault?: () => void }).preventDefault?.();
      if (runtime.router.canGoBack()) runtime.router.back();
      else if (typeof values.defaultHref === "string") runtime.router.pushPath(values.defaultHref);
    });
  }
  if (entry.name === "MenuItem" && typeof values.page === "string") {
    const page = values.page;
    addHandler(handlers, "onClick", () => runtime.router.push(page));
  }
}

/** A TabBar's TabButtons, as direct IonTabButton elements (IonTabBar only keeps those). */
function tabButtons(runtime: AppRuntime, bar: UiNode, scope: RenderScope): ReactNode[] {
  const s = bindingScope(runtime, scope);
  return bar.children
    .filter((c) => componentEntry(c)?.name === "TabButton")
    .map((tab) => {
      const inputs = (
        typeof tab.props.inputs === "object" && tab.props.inputs !== null ? tab.props.inputs : {}
      ) as Record<string, unknown>;
      const pageName = typeof inputs.tab === "string" ? inputs.tab : "";
      const page = runtime.model.page(pageName);
      const props: Record<string, unknown> = {
        key: tab.id,
        tab: pageName || tab.id,
        "data-atl-id": tab.id,
        href: page ? `/${pathOf(page)}` : undefined,
        onClick: () => page && runtime.router.push(page.name),
      };
      for (const k of ["layout", "disabled"]) {
        const r = evaluate(inputs[k], s);
        if (r.value !== undefined) props[k] = r.value;
      }
      const text = tab.props.text !== undefined ? displayText(evaluate(tab.props.text, s).value) : undefined;
      return createElement(
        IonTabButton,
        props,
        text,
        ...renderChildren(tab.children, { ...scope, forms: [...scope.forms, tab.id] }),
      );
    });
}

function PageView({ page, route }: { page: UiNode; route: Route }): ReactNode {
  const runtime = useRuntime();
  const [pageState] = useState(
    () =>
      new StateStore(runtime.model.pageStates(page), {
        storages: runtime.options.storages,
        prefix: `${runtime.storagePrefix()}${page.name}/`,
        initial: { ...route.params, ...(route.data ?? {}) },
      }),
  );
  const state = useMemo(() => stateScope(runtime.appState, pageState), [runtime.appState, pageState]);
  const controller = useRef<AbortController>(new AbortController());
  const scope: RenderScope = {
    items: {},
    names: {},
    forms: [page.id],
    state,
    signal: () => controller.current.signal,
  };
  const scopeRef = useRef(scope);
  scopeRef.current = scope;
  const pageId = page.id;

  useEffect(() => {
    const unsubscribe = pageState.subscribe(() => runtime.notify());
    if (controller.current.signal.aborted) controller.current = new AbortController();
    const signal = controller.current.signal;
    const node = runtime.model.node(pageId);
    const rs = scopeRef.current;
    if (node) {
      const s = bindingScope(runtime, rs);
      void (async () => {
        await runtime.runEvents(runtime.model.events(node, "load"), s, signal, { state: rs.state });
        await runtime.runEvents(runtime.model.events(node, "enter"), s, signal, { state: rs.state });
      })();
    }
    return () => {
      unsubscribe();
      controller.current.abort();
      const left = runtime.model.node(pageId);
      if (left) {
        // Its leave events get a signal of their own: the page's is aborted.
        void runtime.runEvents(
          runtime.model.events(left, "leave"),
          bindingScope(runtime, rs),
          new AbortController().signal,
          {
            state: rs.state,
          },
        );
        runtime.forms.clear(runtime.model.fieldsUnder(pageId).map((f) => f.node.id));
      }
    };
  }, [runtime, pageState, pageId]);

  const css = runtime.model.styles(page);
  return (
    <div className="ion-page" data-page={page.name} data-atl-id={page.id}>
      {css.length ? <style>{css.map((c) => `[data-page="${page.name}"] {\n${c}\n}`).join("\n")}</style> : null}
      {renderChildren(page.children, scope)}
    </div>
  );
}

/** Toasts, alerts and loading indicators with Ionic's overlays. */
function useIonicUi(): ChainUi {
  const [presentToast] = useIonToast();
  const [presentAlert] = useIonAlert();
  const [presentLoading, dismissLoading] = useIonLoading();
  return {
    toast: (t) =>
      presentToast({
        message: t.message,
        duration: t.duration,
        position: t.position,
        ...(t.color ? { color: t.color } : {}),
        ...(t.header ? { header: t.header } : {}),
      }),
    alert: (a: AlertRequest) =>
      new Promise<string | null>((resolve) => {
        let answered = false;
        const answer = (v: string | null) => {
          if (!answered) {
            answered = true;
            resolve(v);
          }
        };
        void presentAlert({
          ...(a.header ? { header: a.header } : {}),
          message: a.message,
          buttons: a.buttons.map((text) => ({ text, handler: () => answer(text) })),
          onDidDismiss: () => answer(null),
        });
      }),
    loading: () => {
      void presentLoading({});
      return () => void dismissLoading();
    },
  };
}

export interface AppViewProps {
  /** The application (or a UiModel of it). */
  model: UiModel | UiNode;
  services: AppServices;
  options?: AppOptions;
  /** A runtime made by the host (to reach its stores and router); made here otherwise. */
  runtime?: AppRuntime;
}

/** The app: its current page at its route, its app-wide components (menu, tab bar), its styles. */
export function AppView({ model, services, options, runtime: given }: AppViewProps): ReactNode {
  const [made] = useState(() => given ?? new AppRuntime(model, services, options));
  const runtime = given ?? made;
  const ionicUi = useIonicUi();
  runtime.ui = { ...ionicUi, ...(runtime.options.ui ?? {}) };
  useEffect(() => {
    runtime.setModel(model);
  }, [runtime, model]);
  useEffect(() => {
    runtime.start();
    const controller = new AbortController();
    const app = runtime.model.app;
    const state = stateScope(runtime.appState);
    void runtime.runEvents(runtime.model.events(app, "start"), runtime.baseScope(state), controller.signal, { state });
    return () => {
      controller.abort();
      if (!given) runtime.dispose();
    };
  }, [runtime, given]);
  useSyncExternalStore(runtime.subscribe, runtime.getVersion, runtime.getVersion);

  const route = runtime.router.current();
  const path = route?.path;
  const nav = useMemo(() => navContext(runtime, path), [runtime, path]);
  const app = runtime.model.app;
  const appScope: RenderScope = {
    items: {},
    names: {},
    forms: [app.id],
    state: stateScope(runtime.appState),
    signal: () => new AbortController().signal,
  };
  const appComponents = app.children.filter((c) => c.type === "Component");
  const menus = appComponents.filter((c) => componentEntry(c)?.name === "Menu");
  const others = appComponents.filter((c) => componentEntry(c)?.name !== "Menu");
  const css = [RUNTIME_CSS, ...runtime.model.styles(app)].join("\n");
  const body = (
    <>
      <style>{css}</style>
      {menus.map((m) => (
        <NodeView key={m.id} node={m} scope={appScope} />
      ))}
      <div id={MAIN_ID} className="ion-page">
        {route ? <PageView key={`${route.page.id}\n${route.path}`} page={route.page} route={route} /> : null}
      </div>
      {others.map((c) => (
        <NodeView key={c.id} node={c} scope={appScope} />
      ))}
    </>
  );
  return (
    <RuntimeContext.Provider value={runtime}>
      <NavContext.Provider value={nav}>
        {runtime.options.ionApp === false ? body : <IonApp>{body}</IonApp>}
      </NavContext.Provider>
    </RuntimeContext.Provider>
  );
}

/** Ionic's navigation context on our router: routerLink, back buttons and tab bars use it. */
function navContext(runtime: AppRuntime, path: string | undefined): NavContextState {
  const go = (to: string) => runtime.router.pushPath(to);
  const [pathname = "", search = ""] = (path ?? "").split("?", 2);
  return {
    getIonRoute: () => undefined,
    getStackManager: () => undefined,
    goBack: (route) => {
      if (runtime.router.canGoBack()) runtime.router.back();
      else if (typeof route === "string") go(route);
    },
    navigate: (path) => go(path),
    hasIonicRouter: () => false,
    routeInfo:
      path === undefined ? undefined : { id: path, pathname: `/${pathname}`, search: search ? `?${search}` : "" },
    setCurrentTab: () => undefined,
    changeTab: (_tab, path) => go(path),
    resetTab: (_tab, path) => go(path),
  };
}

/** Renders the app into an element; answers its runtime and how to unmount it. */
export function renderApp(
  container: Element,
  model: UiModel | UiNode,
  services: AppServices,
  options: AppOptions = {},
): { runtime: AppRuntime; unmount(): void } {
  const runtime = new AppRuntime(model, services, options);
  const root = createRoot(container);
  root.render(<AppView model={runtime.model} services={services} options={options} runtime={runtime} />);
  return {
    runtime,
    unmount: () => {
      root.unmount();
      runtime.dispose();
    },
  };
}
