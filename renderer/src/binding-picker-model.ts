/**
 * What the binding picker offers (issue 18, design §6.4): the sources in scope at a UI object, as
 * a tree whose leaves are the fields of their schemas. Clicking a node gives the Binding it stands
 * for (`{source, ..., path}`), the path written in the JSON-path syntax the checks and the app
 * runtime read (json-path.ts). Scope and schemas are binding-checks.ts's (`bindingResolver`,
 * `SchemaProvider`): the picker offers what the Problems view accepts.
 *
 * Pure code over a `RefProject` (the Studio's flat maps or an ObjNode tree alike).
 */
import type { JsonSchema } from "../../engine/common/model/json-schema.ts";
import { ORIGIN } from "../../engine/common/model/output-schema.ts";
import { isPlainObject } from "../../engine/common/model/props.ts";
import type { RefProject } from "../../engine/common/model/reference-rules.ts";
import type { ScopeObject } from "../../engine/common/model/scope.ts";
import { bindingResolver, type SchemaProvider } from "../../engine/common/ui/binding-checks.ts";
import { componentByName } from "../../engine/common/ui/catalogue.ts";
import { joinPath } from "./tree-model.ts";

/** A source binding: an object with a `source` (props.ts `Binding`). */
export type SourceBinding = { source: string } & Record<string, unknown>;

/** One node of the picker's tree. */
export interface PickNode {
  /** Unique in the tree (React key, expansion state). */
  key: string;
  /** What is shown and read aloud: a group, an object's or a field's name. */
  label: string;
  /** A note after the label: the field's type, a schema's origin. */
  detail?: string;
  /** The field is a list (shown `name[]`); its children are the fields of an item. */
  array?: boolean;
  /** What clicking it gives; absent on group headers. */
  binding?: SourceBinding;
  children: PickNode[];
}

/** Fields deeper than this are not listed (recursive or huge schemas). */
const MAX_DEPTH = 6;

const typesOf = (s: JsonSchema): string[] =>
  typeof s.type === "string" ? [s.type] : Array.isArray(s.type) ? (s.type as string[]) : [];

/** The type shown after a field's name ("text", "number"...). */
function typeWords(s: JsonSchema): string | undefined {
  const words: Record<string, string> = {
    string: "text",
    number: "number",
    integer: "number",
    boolean: "true/false",
    null: "null",
    array: "list",
    object: "object",
  };
  const t = [...new Set(typesOf(s).map((x) => words[x] ?? x))];
  return t.length ? t.join(" | ") : undefined;
}

/**
 * The fields of a schema under `base`: an object's properties, a list's item fields (read at the
 * first item, `orders[0].item`: a path names one value; a ForEach over the list walks them all).
 */
export function schemaFields(
  schema: JsonSchema | undefined,
  base: SourceBinding,
  key: string,
  segs: readonly (string | number)[] = [],
  depth = 0,
): PickNode[] {
  if (!schema || depth >= MAX_DEPTH) return [];
  const types = typesOf(schema);
  if (types.includes("array") && isPlainObject(schema.items)) {
    return schemaFields(schema.items as JsonSchema, base, `${key}[0]`, [...segs, 0], depth + 1);
  }
  if (!isPlainObject(schema.properties)) return [];
  const out: PickNode[] = [];
  for (const [name, sub] of Object.entries(schema.properties as Record<string, JsonSchema>)) {
    const s = isPlainObject(sub) ? sub : {};
    const path = [...segs, name];
    const k = `${key}.${name}`;
    const detail = typeWords(s);
    out.push({
      key: k,
      label: name,
      ...(detail ? { detail } : {}),
      ...(typesOf(s).includes("array") ? { array: true } : {}),
      binding: { ...base, path: joinPath(path) },
      children: schemaFields(s, base, k, path, depth + 1),
    });
  }
  return out;
}

/** The name a form field is read by: its `name` input when plain, else the component's name (as the app runtime does). */
function formFieldName(n: ScopeObject): string {
  const inputs = n.props.inputs;
  const named =
    isPlainObject(inputs) && typeof inputs.name === "string" && inputs.name !== "" ? inputs.name : undefined;
  return named ?? n.name;
}

const isFormField = (n: ScopeObject) =>
  n.type === "Component" && typeof n.props.component === "string" && !!componentByName(n.props.component)?.form;

const SYNC_FIELDS = ["state", "pending", "conflicts", "denied", "lastSync"] as const;
const ROOTS = new Set(["Page", "SharedComponent", "Application", "SharedAction"]);

/** What a schema's origin says, for the picker's notes. */
function originNote(s: JsonSchema | undefined): string | undefined {
  const o = s?.[ORIGIN];
  if (o === "declared") return "declared schema";
  if (o === "static") return "from its steps";
  if (o === "test") return "from test cases";
  if (o === "run") return "from runs";
  return undefined;
}

function group(key: string, label: string, children: PickNode[]): PickNode[] {
  return children.length ? [{ key, label, children }] : [];
}

/** The sources in scope at `holderId`, grouped: the picker's tree. */
export function pickerTree<N extends ScopeObject>(
  p: RefProject<N>,
  holderId: string,
  schemas: SchemaProvider,
): PickNode[] {
  const { view } = p;
  const holder = view.get(holderId);
  if (!holder) return [];
  const r = bindingResolver(p, schemas);
  const ancestors = r.ancestors(holder);
  const chain = [holder, ...ancestors];
  const top = view.childrenOf(p.root);

  /** A source and its fields, the schema read through the resolver (the checks' own reading). */
  const sourceNode = (key: string, label: string, binding: SourceBinding, detail?: string): PickNode => {
    const res = r.resolve(binding, holder);
    const schema = res && "schema" in res ? res.schema : undefined;
    const note = [detail, originNote(schema)].filter(Boolean).join(", ");
    return {
      key,
      label,
      ...(note ? { detail: note } : {}),
      ...(schema && typesOf(schema).includes("array") ? { array: true } : {}),
      binding,
      children: schemaFields(schema, binding, key),
    };
  };

  const sequences = top
    .filter((c) => view.categoryOf(c.type) === "sequence")
    .map((s) => sourceNode(`seq:${s.name}`, s.name, { source: "sequence", sequence: s.name }));

  const connectors = top.filter((c) => c.type === "FullSyncConnector");
  const views: PickNode[] = [];
  for (const c of connectors) {
    for (const d of view.childrenOf(c)) {
      if (d.type !== "FullSyncDesignDocument") continue;
      for (const v of view.childrenOf(d)) {
        if (v.type !== "FullSyncView") continue;
        const name = `${d.name}/${v.name}`;
        views.push(
          sourceNode(`view:${c.name}:${name}`, name, { source: "view", connector: c.name, view: name }, c.name),
        );
      }
    }
  }

  const items = ancestors
    .filter(
      (a) =>
        (a.type === "Directive" && (a.props.kind ?? "ForEach") === "ForEach") ||
        (a.type === "Action" && a.props.action === "Iterate"),
    )
    .map((d) => sourceNode(`item:${d.id}`, d.name, { source: "item", directive: d.id }, "item"));

  // Forms: the containers of form fields on the page (or shared component) holding the object.
  const root = chain.find((a) => ROOTS.has(a.type));
  const forms: PickNode[] = [];
  if (root) {
    const byContainer = new Map<string, { node: N; fields: N[] }>();
    const visit = (n: N) => {
      for (const c of view.childrenOf(n)) {
        if (c.type === "UseShared") continue;
        if (isFormField(c) && n.type === "Component") {
          const e = byContainer.get(n.id) ?? { node: n, fields: [] };
          e.fields.push(c);
          byContainer.set(n.id, e);
        }
        visit(c);
      }
    };
    visit(root);
    for (const { node, fields } of byContainer.values()) {
      const binding = { source: "form", form: node.id };
      forms.push({
        key: `form:${node.id}`,
        label: node.name,
        detail: "form",
        binding,
        children: fields.map((f) => {
          const name = formFieldName(f);
          const s = componentByName(String(f.props.component))?.form?.schema;
          const detail = s ? typeWords(s) : undefined;
          return {
            key: `form:${node.id}.${name}`,
            label: name,
            ...(detail ? { detail } : {}),
            binding: { ...binding, field: name },
            children: [],
          };
        }),
      });
    }
  }

  // States: the page's first (they hide the application's of the same name), then the application's.
  const seen = new Set<string>();
  const states: PickNode[] = [];
  for (const a of chain) {
    for (const s of view.childrenOf(a)) {
      if (s.type !== "State" || seen.has(s.name)) continue;
      seen.add(s.name);
      states.push(sourceNode(`state:${s.name}`, s.name, { source: "state", name: s.name }, a.type.toLowerCase()));
    }
  }

  // Inputs of the shared component or shared action being edited.
  const shared = chain.find((a) => a.type === "SharedComponent" || a.type === "SharedAction");
  const inputs = shared
    ? view
        .childrenOf(shared)
        .filter((c) => c.type === "ComponentInput" || c.type === "ActionInput")
        .map((c) => {
          const binding = { source: "input", name: c.name };
          const schema = isPlainObject(c.props.schema) ? (c.props.schema as JsonSchema) : undefined;
          const detail = schema ? typeWords(schema) : undefined;
          return {
            key: `input:${c.name}`,
            label: c.name,
            ...(detail ? { detail } : {}),
            binding,
            children: schemaFields(schema, binding, `input:${c.name}`),
          };
        })
    : [];

  // The event's payload, inside an Event's chain: its schema from the catalogue's event of the parent component.
  const event = chain.find((a) => a.type === "Event");
  const eventNodes: PickNode[] = [];
  if (event) {
    const parent = view.parentOf(event);
    const def =
      parent?.type === "Component" && typeof parent.props.component === "string"
        ? componentByName(parent.props.component)?.events[String(event.props.on)]
        : undefined;
    const binding = { source: "event" };
    eventNodes.push({
      key: "event",
      label: `payload of ${event.name}`,
      binding,
      children: schemaFields(def?.payload as JsonSchema | undefined, binding, "event"),
    });
  }

  const actions = [...r.earlierActions(holder)]
    .map((id) => view.get(id))
    .filter((a): a is N => a !== undefined)
    .map((a) => sourceNode(`action:${a.id}`, a.name, { source: "action", action: a.id }, String(a.props.action ?? "")));

  const sync = connectors.map((c) => ({
    key: `sync:${c.name}`,
    label: c.name,
    children: SYNC_FIELDS.map((f) => ({
      key: `sync:${c.name}.${f}`,
      label: f,
      binding: { source: "sync", connector: c.name, field: f },
      children: [],
    })),
  }));

  const app = (["online", "user"] as const).map((f) => ({
    key: `app.${f}`,
    label: f,
    binding: { source: "app", field: f },
    children: [],
  }));

  return [
    ...group("g:items", "Items", items),
    ...group("g:forms", "Forms", forms),
    ...group("g:states", "States", states),
    ...group("g:inputs", "Inputs", inputs),
    ...group("g:event", "Event", eventNodes),
    ...group("g:actions", "Earlier actions", actions),
    ...group("g:sequences", "Sequences", sequences),
    ...group("g:views", "FullSync views", views),
    ...group("g:sync", "Sync", sync),
    ...group("g:app", "App", app),
  ];
}

/**
 * The tree kept to what matches `text` (case-insensitive, on labels): a matching node with all
 * its fields, and the ancestors of matching nodes.
 */
export function filterTree(nodes: readonly PickNode[], text: string): PickNode[] {
  const q = text.trim().toLowerCase();
  if (!q) return [...nodes];
  const out: PickNode[] = [];
  for (const n of nodes) {
    if (n.label.toLowerCase().includes(q)) out.push(n);
    else {
      const children = filterTree(n.children, q);
      if (children.length) out.push({ ...n, children });
    }
  }
  return out;
}

/** The node giving `binding` (same source fields), for showing the current choice. */
export function findBinding(nodes: readonly PickNode[], binding: unknown): PickNode | undefined {
  if (!isPlainObject(binding)) return undefined;
  const same = (b: SourceBinding) =>
    Object.keys({ ...b, ...binding }).every((k) => k === "query" || k === "live" || b[k] === binding[k]);
  for (const n of nodes) {
    if (n.binding && same(n.binding)) return n;
    const inner = findBinding(n.children, binding);
    if (inner) return inner;
  }
  return undefined;
}

/** How a binding is said in one line: `MyOrders › orders[0].item`, `State user`, `Script: a + b`. */
export function bindingSummary(b: unknown, nameOf: (id: string) => string | undefined = () => undefined): string {
  if (!isPlainObject(b)) return b === undefined ? "" : JSON.stringify(b);
  if (typeof b.script === "string") return `Script: ${b.script}`;
  const path = typeof b.path === "string" && b.path !== "" ? ` › ${b.path}` : "";
  const id = (v: unknown) => nameOf(String(v)) ?? String(v);
  switch (b.source) {
    case "sequence":
      return `${typeof b.project === "string" && b.project ? `${b.project}.` : ""}${String(b.sequence)}${path}`;
    case "view":
      return `FullSync ${String(b.connector)} ${String(b.view)}${path}`;
    case "doc":
      return `Document of ${String(b.connector)}${path}`;
    case "item":
      return `Item of ${id(b.directive)}${path}`;
    case "form":
      return `Form ${id(b.form)}${typeof b.field === "string" && b.field ? ` › ${b.field}` : ""}`;
    case "state":
      return `State ${String(b.name)}${path}`;
    case "action":
      return `Output of ${id(b.action)}${path}`;
    case "input":
      return `Input ${String(b.name)}${path}`;
    case "event":
      return `Event${path}`;
    case "sync":
      return `Sync ${String(b.connector)} › ${String(b.field)}`;
    case "app":
      return `App › ${String(b.field)}`;
    default:
      return JSON.stringify(b);
  }
}

/** Which mode of the binding field a value is edited in. */
export type BindingMode = "plain" | "source" | "script";

export function bindingMode(v: unknown): BindingMode {
  if (isPlainObject(v) && typeof v.source === "string") return "source";
  if (isPlainObject(v) && typeof v.script === "string") return "script";
  return "plain";
}
