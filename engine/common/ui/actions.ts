/**
 * The actions catalogue of the UI builder (issue 18, design §5): what an `Action` object may be.
 * One entry per action: its inputs with their kinds, what it answers (its output, read by the
 * `action` bindings of later actions), which children it takes (actions run after it, an OnError
 * branch, an Else branch), and the Convertigo ionBeans it stands for.
 *
 * Pure data, JSON-serializable, like the component catalogue (catalogue.ts); the lookups below are
 * the only code. How a chain runs (in order, OnError, Else, Iterate) is the app runtime's.
 */
import type { Json } from "../model/typedef.ts";
import type { CataloguePropKind, JsonSchema } from "./catalogue.ts";

/**
 * The kinds of an action input: those of component props, plus `reference` (the name of an object
 * of the project, see `refersTo`), `bindings` (a map name → value or binding, as a sequence's
 * variables) and `stringList`.
 */
export type ActionInputKind = CataloguePropKind | "reference" | "bindings" | "stringList";

/** What a `reference` input names. */
export type ActionRefersTo =
  "sequence" | "project" | "connector" | "view" | "page" | "state" | "sharedAction" | "componentEvent";

export interface ActionInput {
  kind: ActionInputKind;
  refersTo?: ActionRefersTo;
  values?: string[];
  /** The value when the input is not set. */
  default?: Json;
  help: string;
  /** Whether a binding may stand for the value. Default true. */
  bindable?: boolean;
  required?: boolean;
  /**
   * The beanData key(s) of Convertigo's ionBeans holding this input. One value: the first key
   * present wins; a `stringList` takes one item per key present, in order.
   */
  convertigo?: string | string[];
  /** Convertigo's values spelled differently here (`priority_server` → `networkFirst`); null: left unset. */
  convertigoValues?: Record<string, string | null>;
  /** Convertigo's boolean means the opposite (`noLoading` for `loading`). */
  convertigoNegated?: boolean;
}

/** Where an action's output schema comes from, for the binding checks (design §4.2). */
export type ActionOutputFrom =
  | "sequence" // the called sequence's output schema
  | "doc" // the connector's document schema
  | "view" // the view's answer: {total_rows, offset, rows}
  | "input" // the schema of the input named by `input`
  | "sharedAction" // the shared action's declared output
  | "children" // a list of the children's outputs
  | "function" // a custom function: unknown
  | "fixed"; // `schema`

export interface ActionOutput {
  help: string;
  from: ActionOutputFrom;
  /** For `from: "input"`. */
  input?: string;
  /** For `from: "fixed"` (and the known part of the others). */
  schema?: JsonSchema;
}

/** The objects an Action takes as children: actions run after it, an OnError branch, an Else branch. */
export type ActionChild = "Action" | "OnError" | "Else";

export interface CatalogueAction {
  /** Stable, stored in `action:`. */
  name: string;
  label: string;
  group: string;
  /** An ionicons name, for the palette. */
  icon: string;
  help: string;
  version?: number;
  inputs: Record<string, ActionInput>;
  output: ActionOutput;
  /** `Action`: run after it succeeds (for Iterate: once per item). */
  children: ActionChild[];
  /** The Convertigo ionBeans mapped to it. */
  convertigo: string[];
  /** For `CallFullSyncAction`: the `verb` values mapped to it. */
  convertigoVerbs?: string[];
  /** Inputs implied by the ionBean (`RootPageAction` → mode root) or by `CallFullSyncAction:<verb>`. */
  convertigoImplies?: Record<string, { [input: string]: Json }>;
}

const THEN_OR_ERROR: ActionChild[] = ["Action", "OnError"];

const connector = (): ActionInput => ({
  kind: "reference",
  refersTo: "connector",
  required: true,
  bindable: false,
  help: "The FullSync connector (its database on the device).",
  convertigo: "requestable",
});
const docId = (convertigo: string, required = true): ActionInput => ({
  kind: "string",
  required,
  help: "The document's id.",
  convertigo,
});
const okSchema: JsonSchema = {
  type: "object",
  properties: { ok: { type: "boolean" }, id: { type: "string" }, rev: { type: "string" } },
};

export const uiActions: CatalogueAction[] = [
  {
    name: "CallSequence",
    label: "Call sequence",
    group: "Data",
    icon: "flash-outline",
    help: "Calls a sequence of a project on the engine; its answer is the output, an engine error goes to OnError.",
    inputs: {
      sequence: {
        kind: "reference",
        refersTo: "sequence",
        required: true,
        bindable: false,
        help: "The sequence to call.",
        convertigo: "requestable",
      },
      project: {
        kind: "reference",
        refersTo: "project",
        bindable: false,
        help: "The sequence's project (default: this one).",
      },
      variables: {
        kind: "bindings",
        default: {},
        help: "The sequence's variables, by name (checked against its Variables).",
      },
      cachePolicy: {
        kind: "enum",
        values: ["none", "networkFirst", "cacheFirst"],
        default: "none",
        bindable: false,
        help: "networkFirst: the cached answer when the network fails; cacheFirst: a fresh cached answer without calling.",
        convertigo: "cachePolicy",
        convertigoValues: { priority_server: "networkFirst", priority_local: "cacheFirst" },
      },
      cacheTtlMs: {
        kind: "number",
        default: 3000,
        help: "How long a cached answer stays fresh (ms), with a cache policy.",
        convertigo: "cacheTtl",
      },
      timeoutMs: { kind: "number", help: "Gives up after this long (ms).", convertigo: "timeout" },
      loading: {
        kind: "boolean",
        default: true,
        help: "Shows a loading indicator when the call lasts.",
        convertigo: "noLoading",
        convertigoNegated: true,
      },
    },
    output: { help: "The sequence's answer.", from: "sequence" },
    children: THEN_OR_ERROR,
    convertigo: ["CallSequenceAction"],
  },
  {
    name: "FullSyncGet",
    label: "FullSync get",
    group: "FullSync",
    icon: "document-outline",
    help: "Reads a document from the device database.",
    inputs: { connector: connector(), id: docId("_id") },
    output: { help: "The document.", from: "doc" },
    children: THEN_OR_ERROR,
    convertigo: ["FullSyncGetAction", "CallFullSyncAction"],
    convertigoVerbs: ["get"],
  },
  {
    name: "FullSyncView",
    label: "FullSync view",
    group: "FullSync",
    icon: "list-outline",
    help: "Queries a view of the device database.",
    inputs: {
      connector: connector(),
      view: {
        kind: "reference",
        refersTo: "view",
        required: true,
        bindable: false,
        help: "The view, as design/view.",
        convertigo: "fsview",
      },
      key: { kind: "json", help: "Only rows with this key.", convertigo: "key" },
      startkey: { kind: "json", help: "Rows from this key.", convertigo: "startkey" },
      endkey: { kind: "json", help: "Rows up to this key.", convertigo: "endkey" },
      keys: { kind: "json", help: "Only rows with these keys (a list).", convertigo: "keys" },
      limit: { kind: "number", default: 500, help: "The most rows answered.", convertigo: "limit" },
      skip: { kind: "number", help: "Rows skipped first.", convertigo: "skip" },
      descending: { kind: "boolean", default: false, help: "Keys in descending order.", convertigo: "descending" },
      include_docs: {
        kind: "boolean",
        default: false,
        help: "Each row carries its document (doc).",
        convertigo: "include_docs",
      },
      reduce: { kind: "boolean", default: false, help: "Runs the view's reduce.", convertigo: "reduce" },
    },
    output: {
      help: "The view's answer: total_rows, offset, rows (id, key, value, doc).",
      from: "view",
      schema: {
        type: "object",
        properties: { total_rows: { type: "number" }, offset: { type: "number" }, rows: { type: "array" } },
      },
    },
    children: THEN_OR_ERROR,
    convertigo: ["FullSyncViewAction", "CallFullSyncAction"],
    convertigoVerbs: ["view"],
  },
  {
    name: "FullSyncPost",
    label: "FullSync post",
    group: "FullSync",
    icon: "save-outline",
    help: "Writes a document to the device database (synced later); the owner is the logged-in user unless public or groups.",
    inputs: {
      connector: connector(),
      doc: { kind: "json", required: true, help: "The document (an object)." },
      id: docId("_id", false),
      policy: {
        kind: "enum",
        values: ["create", "override", "merge", "none"],
        default: "override",
        bindable: false,
        help: "When the id exists: create a new id, override it, merge into it, or fail (none).",
        convertigo: "_use_policy",
      },
      groups: { kind: "stringList", help: "The groups that may read it (instead of the owner).", convertigo: "c8oGrp" },
      public: { kind: "boolean", default: false, help: "Readable by everyone." },
    },
    output: { help: "ok, id, rev.", from: "fixed", schema: okSchema },
    children: THEN_OR_ERROR,
    convertigo: ["FullSyncPostAction", "CallFullSyncAction"],
    convertigoVerbs: ["post"],
  },
  {
    name: "FullSyncDelete",
    label: "FullSync delete",
    group: "FullSync",
    icon: "trash-outline",
    help: "Deletes a document of the device database (synced later).",
    inputs: {
      connector: connector(),
      id: docId("docid"),
      rev: { kind: "string", help: "The revision deleted (default: the current one).", convertigo: "rev" },
    },
    output: { help: "ok, id, rev.", from: "fixed", schema: okSchema },
    children: THEN_OR_ERROR,
    convertigo: ["FullSyncDeleteAction", "CallFullSyncAction"],
    convertigoVerbs: ["delete"],
  },
  {
    name: "FullSyncSync",
    label: "FullSync sync",
    group: "FullSync",
    icon: "sync-outline",
    help: "Starts the synchronization of the device database with the engine; resolves at the first pause, or at once offline.",
    inputs: {
      connector: connector(),
      direction: {
        kind: "enum",
        values: ["both", "push", "pull"],
        default: "both",
        bindable: false,
        help: "Both ways, device to engine (push) or engine to device (pull).",
        convertigo: "Direction",
        convertigoValues: { "bi-directional": "both" },
      },
      mode: {
        kind: "enum",
        values: ["continuous", "once"],
        default: "continuous",
        bindable: false,
        help: "Keeps syncing, or syncs once.",
        convertigo: "Mode",
        convertigoValues: { "one-shot": "once" },
      },
      retry: { kind: "boolean", default: true, help: "Retries after a network failure.", convertigo: "Retry" },
    },
    output: {
      help: "The sync state when it resolved.",
      from: "fixed",
      schema: { type: "object", properties: { state: { type: "string" }, pending: { type: "number" } } },
    },
    children: THEN_OR_ERROR,
    convertigo: ["FullSyncSyncAction", "CallFullSyncAction"],
    convertigoVerbs: ["sync", "replicate_pull", "replicate_push"],
    convertigoImplies: {
      "CallFullSyncAction:replicate_pull": { direction: "pull", mode: "once" },
      "CallFullSyncAction:replicate_push": { direction: "push", mode: "once" },
    },
  },
  {
    name: "FullSyncReset",
    label: "FullSync reset",
    group: "FullSync",
    icon: "nuclear-outline",
    help: "Destroys the device database (pending changes are lost); the next sync fetches everything again.",
    inputs: { connector: connector() },
    output: { help: "Nothing.", from: "fixed", schema: {} },
    children: THEN_OR_ERROR,
    convertigo: ["CallFullSyncAction"],
    convertigoVerbs: ["reset", "destroy"],
  },
  {
    name: "Navigate",
    label: "Navigate",
    group: "Navigation",
    icon: "navigate-outline",
    help: "Opens a page: pushed on the history, as the new root, or back to the previous one.",
    inputs: {
      page: {
        kind: "reference",
        refersTo: "page",
        bindable: false,
        help: "The page to open (not for back).",
        convertigo: ["page", "url"],
      },
      params: { kind: "bindings", default: {}, help: "The page's parameters, by name.", convertigo: "data" },
      mode: {
        kind: "enum",
        values: ["push", "root", "back"],
        default: "push",
        bindable: false,
        help: "push: on top of the history; root: the history restarts there; back: the previous page.",
      },
    },
    output: { help: "Nothing.", from: "fixed", schema: {} },
    children: THEN_OR_ERROR,
    convertigo: ["PushPageAction", "RootPageAction", "PopPageAction", "NavigatePageAction"],
    convertigoImplies: {
      PushPageAction: { mode: "push" },
      RootPageAction: { mode: "root" },
      PopPageAction: { mode: "back" },
      NavigatePageAction: { mode: "push" },
    },
  },
  {
    name: "Toast",
    label: "Toast",
    group: "Messages",
    icon: "chatbox-ellipses-outline",
    help: "Shows a short message that goes away by itself.",
    inputs: {
      message: { kind: "string", required: true, help: "The message.", convertigo: "message" },
      header: { kind: "string", help: "A title above the message.", convertigo: "header" },
      duration: { kind: "number", default: 2000, help: "How long it shows (ms).", convertigo: "duration" },
      color: { kind: "color", help: "The Ionic color.", convertigo: "IonColor" },
      position: {
        kind: "enum",
        values: ["top", "middle", "bottom"],
        default: "bottom",
        help: "Where it shows.",
        convertigo: "position",
      },
    },
    output: { help: "Nothing (resolves when shown).", from: "fixed", schema: {} },
    children: THEN_OR_ERROR,
    convertigo: ["ToastAction"],
  },
  {
    name: "Alert",
    label: "Alert",
    group: "Messages",
    icon: "alert-circle-outline",
    help: "Shows a dialog and waits for a button.",
    inputs: {
      header: { kind: "string", help: "The dialog's title.", convertigo: "header" },
      message: { kind: "string", required: true, help: "The message.", convertigo: "message" },
      buttons: {
        kind: "stringList",
        default: ["OK"],
        help: "The buttons' texts.",
        convertigo: ["button1", "button2", "button3"],
      },
    },
    output: {
      help: "The button pressed (its text; none when dismissed).",
      from: "fixed",
      schema: { type: "object", properties: { button: { type: ["string", "null"] } } },
    },
    children: THEN_OR_ERROR,
    convertigo: ["AlertAction"],
  },
  {
    name: "If",
    label: "If",
    group: "Flow",
    icon: "git-branch-outline",
    help: "Runs its actions when the condition is true, else its Else branch (or nothing).",
    inputs: {
      condition: { kind: "json", required: true, help: "The condition (true when truthy).", convertigo: "condition" },
      negate: {
        kind: "boolean",
        default: false,
        help: "Runs its actions when the condition is false.",
        convertigo: "negate",
      },
    },
    output: { help: "The condition's value.", from: "input", input: "condition" },
    children: ["Action", "OnError", "Else"],
    convertigo: ["IfAction", "IfElseAction"],
  },
  {
    name: "Iterate",
    label: "Iterate",
    group: "Flow",
    icon: "repeat-outline",
    help: "Runs its actions once per item of a list (an item binding names this action).",
    inputs: { items: { kind: "json", required: true, help: "The list.", convertigo: "items" } },
    output: { help: "The list of the children's outputs, one per item.", from: "children" },
    children: THEN_OR_ERROR,
    convertigo: ["IterateAction"],
  },
  {
    name: "SetState",
    label: "Set state",
    group: "Flow",
    icon: "pencil-outline",
    help: "Sets a State of the app or of the page (or a path inside it).",
    inputs: {
      name: {
        kind: "reference",
        refersTo: "state",
        required: true,
        bindable: false,
        help: "The State.",
        convertigo: "Property",
      },
      value: { kind: "json", help: "The new value.", convertigo: "Value" },
      path: { kind: "string", bindable: false, help: "A path inside the State (default: the whole value)." },
    },
    output: { help: "The value set.", from: "input", input: "value" },
    children: THEN_OR_ERROR,
    convertigo: ["SetGlobalAction", "SetLocalAction"],
  },
  {
    name: "Invoke",
    label: "Invoke shared action",
    group: "Flow",
    icon: "play-circle-outline",
    help: "Runs a shared action with inputs.",
    inputs: {
      action: {
        kind: "reference",
        refersTo: "sharedAction",
        required: true,
        bindable: false,
        help: "The shared action (Convertigo: the InvokeAction's stack).",
      },
      inputs: { kind: "bindings", default: {}, help: "Its inputs, by name." },
    },
    output: { help: "The shared action's output.", from: "sharedAction" },
    children: THEN_OR_ERROR,
    convertigo: ["InvokeAction"],
  },
  {
    name: "Emit",
    label: "Emit event",
    group: "Flow",
    icon: "megaphone-outline",
    help: "Fires an event of the enclosing shared component, for its user's Event.",
    inputs: {
      event: {
        kind: "reference",
        refersTo: "componentEvent",
        required: true,
        bindable: false,
        help: "The event (a ComponentEvent of the shared component).",
        convertigo: "event",
      },
      payload: { kind: "json", help: "The event's payload.", convertigo: "data" },
    },
    output: { help: "Nothing.", from: "fixed", schema: {} },
    children: THEN_OR_ERROR,
    convertigo: ["EmitEventAction"],
  },
  {
    name: "Log",
    label: "Log",
    group: "Flow",
    icon: "terminal-outline",
    help: "Writes a message to the console (and the Studio preview's trace).",
    inputs: {
      message: { kind: "string", required: true, help: "The message.", convertigo: "message" },
      level: {
        kind: "enum",
        values: ["debug", "info", "warn", "error"],
        default: "info",
        help: "The level.",
        convertigo: "level",
        convertigoValues: { fatal: "error", trace: "debug" },
      },
    },
    output: { help: "Nothing.", from: "fixed", schema: {} },
    children: THEN_OR_ERROR,
    convertigo: ["LogAction"],
  },
  {
    name: "Custom",
    label: "Custom action",
    group: "Flow",
    icon: "code-slash-outline",
    help: "Calls a function exported by app/src/custom/actions.ts (Convertigo's UICustomAction bodies are moved there on import).",
    inputs: {
      function: { kind: "string", required: true, bindable: false, help: "The exported function's name." },
      inputs: { kind: "bindings", default: {}, help: "Its inputs, by name." },
    },
    output: { help: "What the function returns.", from: "function" },
    children: THEN_OR_ERROR,
    convertigo: [],
  },
];

const byName = new Map(uiActions.map((a) => [a.name, a]));

/** The catalogue entry of an action name, or undefined. */
export function actionByName(name: string): CatalogueAction | undefined {
  return byName.get(name);
}

/**
 * The catalogue entry mapped from a Convertigo ionBean; `CallFullSyncAction` needs its `verb`
 * (`plain:` already removed). Undefined when nothing maps it.
 */
export function actionForIonBean(bean: string, verb?: string): CatalogueAction | undefined {
  if (bean === "CallFullSyncAction") {
    return verb === undefined ? undefined : uiActions.find((a) => a.convertigoVerbs?.includes(verb));
  }
  return uiActions.find((a) => a.convertigo.includes(bean));
}
