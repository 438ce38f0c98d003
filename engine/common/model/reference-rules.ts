/**
 * References between objects, read from the type definitions: a "reference" property names its
 * target (`refers`, and `qualifiedBy` for the sibling properties giving the target's project and
 * connector), a "source" property names an earlier step by id, JavaScript names steps
 * (`step("name")`) and variables (`vars.name`, or the bare name), a call's step variables name
 * the called sequence's or transaction's variables, and properties marked `variableNames` name
 * variables by their keys (a test case's inputs) or by `{name}` placeholders (a path template).
 * The UI builder's bindings ("binding" and "bindings" properties) name sequences, connectors,
 * views, states and inputs by name and directives, forms and actions by id; an Action's inputs
 * that the actions catalogue says are references (`entriesOf`) name what they say. Pages, shared
 * components and shared actions are looked up under the project's application, states and
 * inputs from the referencing object upwards. Nothing here knows a type by name, so a new
 * type's references are found, resolved, checked and renamed with their target without
 * touching this file or its callers (the Studio's find, delete warnings, problems and renames,
 * the runner's checks).
 *
 * The rules read projects through views (scope.ts) and types through a lookup, so they run on
 * the engine's trees with the registry (references.ts gives them so) and on the Studio's flat
 * maps with the schemas it is served (`flatProject`): this module imports no registry, so the
 * Studio bundles no type definitions (only the actions catalogue, pure data).
 */
import { actionByName, type ActionRefersTo } from "../ui/actions.ts";
import { stepCalls, tokenize, variableUses, type Span } from "./js-scan.ts";
import { jsModeOf } from "./js-syntax.ts";
import type { ObjNode } from "./node.ts";
import {
  bindingNames,
  isPlainObject,
  type BindingName,
  type MissingTarget,
  type PropDef,
  type RefersTo,
} from "./props.ts";
import {
  enclosingRequestable,
  flatView,
  treeView,
  type FlatObject,
  type ProjectView,
  type ScopeObject,
} from "./scope.ts";
import type { Category } from "./typedef.ts";

/** A property as references read it (a registry definition or a served schema's). */
export type RefProp = Omit<PropDef, "check">;

/** What references read of a type: a TypeDef of the registry (`getType`) or a served TypeSchema. */
export type TypeLookup = (
  type: string,
) => { category: Category; props: readonly RefProp[]; variables?: readonly { name: string }[] } | undefined;

/** A project as references see it: its name and its tree (a loaded project fits). */
export interface ProjectRoot {
  readonly name: string;
  readonly root: ObjNode;
}

/** A project as the rules read it: its name, its root and a view of its objects. */
export interface RefProject<N extends ScopeObject = ScopeObject> {
  readonly name: string;
  readonly root: N;
  readonly view: ProjectView<N>;
}

/** A project tree, indexed for the rules. */
export function treeProject(p: ProjectRoot, types: TypeLookup): RefProject<ObjNode> {
  return { name: p.name, root: p.root, view: treeView(p.root, (t) => types(t)?.category) };
}

/** A project held as a flat map of objects (the Studio's), for the rules. */
export function flatProject<N extends FlatObject>(
  name: string,
  rootId: string,
  nodes: ReadonlyMap<string, N>,
  types: TypeLookup,
): RefProject<N> | undefined {
  const root = nodes.get(rootId);
  return root ? { name, root, view: flatView(nodes, (t) => types(t)?.category) } : undefined;
}

/**
 * What can be referred to: the targets of reference properties, variables, and what bindings
 * name besides (a FullSync view, a shared component's or action's input, and by id a directive,
 * a form container, an earlier action).
 */
export type Referable = RefersTo | "variable" | "view" | "input" | "directive" | "form" | "action";

/** Targets named by their id (a rename changes nothing in references to them). */
const BY_ID: ReadonlySet<Referable> = new Set(["step", "directive", "form", "action"]);

/** Where a reference points, as its values say it (nothing looked up yet). */
export interface ReferenceTarget {
  refers: Referable;
  /** The target's project: the one named by the qualifier, else the referencing object's. */
  project: string;
  /** For a transaction: its connector's name; undefined for the project's default connector. */
  connector?: string;
  /**
   * The target's name (a step's: its id, or in code its name or id; a project's: its name; a
   * view's: design/view; a directive's, form's or action's: its id).
   */
  name: string;
  /**
   * Where a step named in code or a variable is looked up: the id of the sequence or transaction
   * (in `project`) holding the referencing object; for a call's step variable, the call's target.
   * For a state or an input: the referencing object's id (looked up from there upwards).
   */
  within?: string | ReferenceTarget;
}

/** One reference an object holds, how it is written, and where it points. */
export interface Reference {
  /**
   * "property": a reference property's value; "source": a source's step; "code": a name in
   * JavaScript; "name": the object's own name (a step variable names the callee's variable);
   * "key": a key of an object value; "template": a `{name}` placeholder; "binding": a field of a
   * binding's source (`bindingPath` says where in the property's value).
   */
  form: "property" | "source" | "code" | "name" | "key" | "template" | "binding";
  /** The property holding it (for a name: `NAME_PROP`). */
  prop: RefProp;
  /** The property's name, or "name". */
  field: string;
  value: string;
  target: ReferenceTarget;
  /** Code and templates: where in the property's text (in the value of `entry` for a map of texts). */
  span?: Span;
  entry?: string;
  /** Code: a shorthand property `{ name }` (a rename keeps the key: `{ name: newName }`). */
  shorthand?: boolean;
  /** Binding: the keys from the property's value down to the field holding the name. */
  bindingPath?: string[];
  /** A list of names (a "stringList" property with `refers`, as an application's page order): the element. */
  index?: number;
  /** What a missing target means, from the property's `missing` (its hint filled in). */
  missing?: { severity: "error" | "warning"; hint?: string };
}

/** A reference found in a workspace: who holds it, where, and the object it names. */
export interface ReferenceHit<N extends ScopeObject = ObjNode> {
  /** The project of the referencing object. */
  project: string;
  node: N;
  /** Names from the project's root down to the referencing object. */
  path: string[];
  reference: Reference;
}

/** The object's name, as the "property" of a reference made by a name. */
export const NAME_PROP: RefProp = { name: "name", label: "Name", kind: "string", help: "The object's name." };

/**
 * What a reference to an object of this category can be, if objects of it can be referenced
 * (resolving the reference tells which: a state object may be a State or a shared component's
 * input, a ui object a directive, a form container or a shared component...).
 */
const REFERABLE: Partial<Record<Category, readonly Referable[]>> = {
  project: ["project"],
  connector: ["connector"],
  transaction: ["transaction"],
  sequence: ["sequence"],
  step: ["step"],
  variable: ["variable"],
  design: ["view"],
  page: ["page"],
  ui: ["directive", "form", "sharedComponent"],
  action: ["action", "sharedAction"],
  state: ["state", "input"],
};

const REQUESTABLE: ReadonlySet<Category | undefined> = new Set(["sequence", "transaction"]);

/**
 * A project whose view remembers what it was asked (children lists, children by name, steps by
 * name): one pass over a workspace asks the same questions thousands of times. It reads the
 * objects as they are when first asked: make a new one after changes.
 */
function memo<N extends ScopeObject>(p: RefProject<N>): RefProject<N> {
  if (memoized.has(p.view)) return p;
  const children = new Map<N, readonly N[]>();
  const view: ProjectView<N> = {
    get: (id) => p.view.get(id),
    parentOf: (n) => p.view.parentOf(n),
    childrenOf: (n) => {
      let c = children.get(n);
      if (!c) children.set(n, (c = p.view.childrenOf(n)));
      return c;
    },
    categoryOf: (t) => p.view.categoryOf(t),
  };
  memoized.add(view);
  return { name: p.name, root: p.root, view };
}
const memoized = new WeakSet<object>();
/** Children by category and name, and steps by name under a requestable, per memoized view. */
const nameIndexes = new WeakMap<object, Map<unknown, Map<string, ScopeObject>>>();

function childNamed<N extends ScopeObject>(
  view: ProjectView<N>,
  parent: N,
  category: Category,
  name: string,
): N | undefined {
  if (!memoized.has(view))
    return view.childrenOf(parent).find((c) => view.categoryOf(c.type) === category && c.name === name);
  let byParent = nameIndexes.get(view);
  if (!byParent) nameIndexes.set(view, (byParent = new Map()));
  let index = byParent.get(parent) as Map<string, N> | undefined;
  if (!index) {
    index = new Map();
    for (const c of view.childrenOf(parent)) {
      const key = `${view.categoryOf(c.type)}\u0000${c.name}`;
      if (!index.has(key)) index.set(key, c);
    }
    byParent.set(parent, index);
  }
  return index.get(`${category}\u0000${name}`);
}

/** The first step named `name` under a sequence or transaction, in tree order. */
function stepNamed<N extends ScopeObject>(view: ProjectView<N>, owner: N, name: string): N | undefined {
  const build = () => {
    const index = new Map<string, N>();
    const visit = (n: N): void => {
      for (const c of view.childrenOf(n)) {
        if (view.categoryOf(c.type) === "step" && !index.has(c.name)) index.set(c.name, c);
        visit(c);
      }
    };
    visit(owner);
    return index;
  };
  if (!memoized.has(view)) return build().get(name);
  let byParent = nameIndexes.get(view);
  if (!byParent) nameIndexes.set(view, (byParent = new Map()));
  let index = byParent.get(`steps\u0000${owner.id}`) as Map<string, N> | undefined;
  if (!index) byParent.set(`steps\u0000${owner.id}`, (index = build()));
  return index.get(name);
}

/** Names from the project's root down to an object. */
function pathOf<N extends ScopeObject>(view: ProjectView<N>, node: N): string[] {
  const out: string[] = [];
  for (let n: N | undefined = node; n; n = view.parentOf(n)) out.unshift(n.name);
  return out;
}

function text(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/**
 * The references an object's properties hold, in its schema's order: reference properties with
 * a value and sources naming a step. `project` is the name of the project holding the object.
 * (What needs the object's place, code and variables, is added by `referencesOf`.)
 */
export function propertyReferences(node: ScopeObject, project: string, types: TypeLookup): Reference[] {
  const def = types(node.type);
  if (!def) return [];
  const out: Reference[] = [];
  for (const prop of def.props) {
    const raw = node.props[prop.name];
    if (prop.kind === "source") {
      // A source's step is a reference too: deleting or moving that step breaks it.
      const step = isPlainObject(raw) ? text(raw.step) : "";
      if (step) {
        out.push({
          form: "source",
          prop,
          field: prop.name,
          value: step,
          target: { refers: "step", project, name: step },
        });
      }
      continue;
    }
    if (prop.kind === "binding" || prop.kind === "bindings") {
      if (prop.entriesOf) out.push(...catalogueReferences(prop, raw, node, project));
      for (const b of bindingNames(raw, prop.kind === "bindings")) {
        const target = bindingTarget(b, node, project);
        if (!target) continue;
        out.push({
          form: "binding",
          prop,
          field: prop.name,
          value: b.value,
          target,
          bindingPath: b.path,
          missing: APP_BREAKS,
        });
      }
      continue;
    }
    // A list of names of one kind (an application's page order): one reference per element.
    if (prop.kind === "stringList" && prop.refers && prop.refers !== "project" && Array.isArray(raw)) {
      raw.forEach((item, index) => {
        const value = text(item);
        if (value) {
          const target: ReferenceTarget = { refers: prop.refers!, project, name: value };
          out.push({ form: "property", prop, field: prop.name, value, target, index });
        }
      });
      continue;
    }
    if (prop.kind !== "reference" || !prop.refers) continue;
    const value = text(raw);
    if (!value) continue;
    const q = prop.qualifiedBy ?? {};
    const inProject = (q.project && text(node.props[q.project])) || project;
    const target: ReferenceTarget =
      prop.refers === "project"
        ? { refers: "project", project: value, name: value }
        : { refers: prop.refers, project: inProject, name: value };
    if (prop.refers === "transaction") {
      const connector = q.connector ? text(node.props[q.connector]) : "";
      if (connector) target.connector = connector;
    }
    if (prop.refers === "state") target.within = node.id;
    const missing = prop.missing && missingOf(prop.missing, node);
    out.push({ form: "property", prop, field: prop.name, value, target, ...(missing ? { missing } : {}) });
  }
  return out;
}

/** A binding or an action input naming nothing breaks the app (design §4.3: an error). */
const APP_BREAKS: NonNullable<Reference["missing"]> = { severity: "error" };

/** What an action input of kind reference names, as a reference target. */
const ACTION_REFERS: Partial<Record<ActionRefersTo, Referable>> = {
  sequence: "sequence",
  project: "project",
  connector: "connector",
  view: "view",
  page: "page",
  state: "state",
  sharedAction: "sharedAction",
};

/**
 * The references of a map of bindings an action of the catalogue describes (`entriesOf`): its
 * inputs of kind reference given as plain names (a Call Sequence's sequence and project, a
 * Navigate's page, a SetState's state, a FullSync action's connector and view...).
 */
function catalogueReferences(prop: RefProp, raw: unknown, node: ScopeObject, project: string): Reference[] {
  const name = prop.entriesOf && node.props[prop.entriesOf.prop];
  const action = typeof name === "string" ? actionByName(name) : undefined;
  if (!action || !isPlainObject(raw)) return [];
  const out: Reference[] = [];
  for (const [key, input] of Object.entries(action.inputs)) {
    const refers = input.kind === "reference" && input.refersTo ? ACTION_REFERS[input.refersTo] : undefined;
    const value = text(raw[key]);
    if (!refers || !value) continue;
    // A sibling input naming the target's project (a sequence's) or connector (a view's).
    const sibling = (kind: ActionRefersTo) =>
      text(raw[Object.keys(action.inputs).find((k) => action.inputs[k]?.refersTo === kind) ?? ""]);
    const target: ReferenceTarget =
      refers === "project"
        ? { refers, project: value, name: value }
        : { refers, project: (refers === "sequence" && sibling("project")) || project, name: value };
    if (refers === "view") target.connector = sibling("connector");
    if (refers === "state") target.within = node.id;
    out.push({ form: "binding", prop, field: prop.name, value, target, bindingPath: [key], missing: APP_BREAKS });
  }
  return out;
}

/** Where a name or id held by a binding points; undefined for what names nothing (a form's field). */
function bindingTarget(b: BindingName, node: ScopeObject, project: string): ReferenceTarget | undefined {
  const inProject = { project, name: b.value };
  switch (`${b.source}.${b.field}`) {
    case "sequence.sequence":
      return { refers: "sequence", project: text(b.binding.project) || project, name: b.value };
    case "sequence.project":
      return { refers: "project", project: b.value, name: b.value };
    case "view.connector":
    case "doc.connector":
    case "sync.connector":
      return { refers: "connector", ...inProject };
    case "view.view":
      return { refers: "view", ...inProject, connector: text(b.binding.connector) };
    case "item.directive":
      return { refers: "directive", ...inProject };
    case "form.form":
      return { refers: "form", ...inProject };
    case "action.action":
      return { refers: "action", ...inProject };
    case "state.name":
      return { refers: "state", ...inProject, within: node.id };
    case "input.name":
      return { refers: "input", ...inProject, within: node.id };
    default:
      return undefined;
  }
}

/** A property's `missing`, its hint's `{prop}` placeholders filled from the object. */
function missingOf(m: MissingTarget, node: ScopeObject): NonNullable<Reference["missing"]> {
  const sentences = (m.hint ?? []).flatMap((s) => {
    let empty = false;
    const filled = s.replace(/\{([A-Za-z_$][\w$]*)\}/g, (_, name: string) => {
      const v = text(node.props[name]);
      if (!v) empty = true;
      return v;
    });
    return empty ? [] : [filled];
  });
  return { severity: m.severity ?? "warning", ...(sentences.length ? { hint: sentences.join(" ") } : {}) };
}

/**
 * Every reference an object holds: its properties' (`propertyReferences`), then the names its
 * JavaScript reads (`step("name")`, `vars.name`), the variables its keys and templates name, and,
 * for a call's step variable, the callee's variable its name gives a value to.
 */
export function referencesOf<N extends ScopeObject>(node: N, project: RefProject<N>, types: TypeLookup): Reference[] {
  const out = propertyReferences(node, project.name, types);
  const def = types(node.type);
  if (!def) return out;
  const view = project.view;
  const owner = () => enclosingRequestable(view, node.id)?.node.id;
  for (const prop of def.props) {
    const raw = node.props[prop.name];
    const mode = jsModeOf(prop);
    if (mode && typeof raw === "string" && raw.trim() !== "") {
      const within = owner();
      if (!within) continue;
      const tokens = tokenize(raw);
      for (const c of stepCalls(raw, tokens)) {
        out.push({
          form: "code",
          prop,
          field: prop.name,
          value: c.name,
          target: { refers: "step", project: project.name, name: c.name, within },
          span: { start: c.token.start, end: c.token.end },
        });
      }
      for (const u of variableUses(raw, undefined, false, tokens)) {
        out.push({
          form: "code",
          prop,
          field: prop.name,
          value: u.name,
          target: { refers: "variable", project: project.name, name: u.name, within },
          span: { start: u.token.start, end: u.token.end },
        });
      }
      continue;
    }
    if (prop.variableNames === "keys" && isPlainObject(raw)) {
      const within = owner();
      if (!within) continue;
      for (const key of Object.keys(raw)) {
        out.push({
          form: "key",
          prop,
          field: prop.name,
          value: key,
          target: { refers: "variable", project: project.name, name: key, within },
        });
      }
    }
    if (prop.variableNames === "template" && raw !== undefined) {
      const within = owner();
      if (!within) continue;
      const texts: [string | undefined, string][] =
        typeof raw === "string"
          ? [[undefined, raw]]
          : isPlainObject(raw)
            ? Object.entries(raw).flatMap(([k, v]) => (typeof v === "string" ? [[k, v] as [string, string]] : []))
            : [];
      for (const [entry, t] of texts) {
        for (const m of t.matchAll(/\{\+?([A-Za-z_$][\w$.-]*)\}/g)) {
          const start = m.index + m[0].indexOf(m[1]!);
          out.push({
            form: "template",
            prop,
            field: prop.name,
            value: m[1]!,
            target: { refers: "variable", project: project.name, name: m[1]!, within },
            span: { start, end: start + m[1]!.length },
            ...(entry !== undefined ? { entry } : {}),
          });
        }
      }
    }
  }
  // A step variable (a variable under a step) gives its value to the callee's variable of its name.
  if (def.category === "variable") {
    const parent = view.parentOf(node);
    if (parent && view.categoryOf(parent.type) === "step") {
      const call = propertyReferences(parent, project.name, types)
        .filter((r) => r.target.refers === "sequence" || r.target.refers === "transaction")
        .at(-1);
      if (call) {
        out.push({
          form: "name",
          prop: NAME_PROP,
          field: "name",
          value: node.name,
          target: { refers: "variable", project: call.target.project, name: node.name, within: call.target },
        });
      }
    }
  }
  return out;
}

/** The connectors of a project. */
function connectorsOf<N extends ScopeObject>(p: RefProject<N>): N[] {
  return p.view.childrenOf(p.root).filter((c) => p.view.categoryOf(c.type) === "connector");
}

/**
 * The connector a transaction reference without one means: the project's connector marked
 * isDefault, else its only connector (as the runtime decides).
 */
export function defaultConnector<N extends ScopeObject>(p: RefProject<N>, types: TypeLookup): N | undefined {
  const connectors = connectorsOf(p);
  const isDefault = (c: N) =>
    Boolean(c.props.isDefault ?? types(c.type)?.props.find((x) => x.name === "isDefault")?.default);
  return connectors.find(isDefault) ?? (connectors.length === 1 ? connectors[0] : undefined);
}

/**
 * The object a reference names, or undefined when there is none. `project` finds a project by
 * name (a workspace; or only the referencing object's project, when that is all there is).
 */
export function resolveReference<N extends ScopeObject>(
  target: ReferenceTarget,
  project: (name: string) => RefProject<N> | undefined,
  types: TypeLookup,
): N | undefined {
  const p = project(target.project);
  if (!p) return undefined;
  const { view } = p;
  const cat = (n: N) => view.categoryOf(n.type);
  switch (target.refers) {
    case "project":
      return p.root;
    case "connector":
      return childNamed(view, p.root, "connector", target.name);
    case "sequence":
      return childNamed(view, p.root, "sequence", target.name);
    case "transaction": {
      const connector = target.connector
        ? childNamed(view, p.root, "connector", target.connector)
        : defaultConnector(p, types);
      return connector && childNamed(view, connector, "transaction", target.name);
    }
    case "step": {
      if (target.within === undefined) {
        const step = view.get(target.name);
        return step && cat(step) === "step" ? step : undefined;
      }
      // Named in code: a step of the same sequence, by id or by name (as step() reads them).
      const owner = typeof target.within === "string" ? view.get(target.within) : undefined;
      if (!owner) return undefined;
      const byId = view.get(target.name);
      if (byId && cat(byId) === "step" && enclosingRequestable(view, byId.id)?.node.id === owner.id) return byId;
      return stepNamed(view, owner, target.name);
    }
    case "page":
    case "sharedComponent":
    case "sharedAction": {
      // Pages, shared components and shared actions are children of the project's application.
      const category = target.refers === "page" ? "page" : target.refers === "sharedComponent" ? "ui" : "action";
      for (const app of view.childrenOf(p.root)) {
        if (cat(app) !== "app") continue;
        const found = childNamed(view, app, category, target.name);
        if (found) return found;
      }
      return undefined;
    }
    case "view": {
      // design/view: a view of a design document of the connector.
      const [ddoc, name] = target.name.split("/");
      const connector = target.connector ? childNamed(view, p.root, "connector", target.connector) : undefined;
      const doc = connector && ddoc ? childNamed(view, connector, "design", ddoc) : undefined;
      return doc && name ? childNamed(view, doc, "design", name) : undefined;
    }
    case "directive":
    case "form":
    case "action": {
      const found = view.get(target.name);
      return found && cat(found) === (target.refers === "action" ? "action" : "ui") ? found : undefined;
    }
    case "state":
    case "input": {
      // The nearest declaration above the referencing object: a State of its page or of the
      // application; an input of its shared component or shared action.
      const holders: readonly (Category | undefined)[] = target.refers === "state" ? ["page", "app"] : ["ui", "action"];
      const from = typeof target.within === "string" ? view.get(target.within) : undefined;
      for (let n = from && view.parentOf(from); n; n = view.parentOf(n)) {
        if (!holders.includes(cat(n))) continue;
        const found = childNamed(view, n, "state", target.name);
        if (found) return found;
      }
      return undefined;
    }
    case "variable": {
      const owner =
        typeof target.within === "string"
          ? view.get(target.within)
          : target.within
            ? resolveReference(target.within, project, types)
            : undefined;
      if (!owner) return undefined;
      const home = typeof target.within === "object" ? project(target.within.project) : p;
      return home?.view
        .childrenOf(owner)
        .find((c) => home.view.categoryOf(c.type) === "variable" && c.name === target.name);
    }
  }
}

/**
 * The names a reference to the object could be written with (a step: its id, or in code its
 * name; a directive, form or action: its id; a view: design/view).
 */
function keysOf<N extends ScopeObject>(
  view: ProjectView<N>,
  target: N,
  refers: readonly Referable[],
  targetProject: string,
): Set<string> {
  if (refers.includes("step")) return new Set([target.id, target.name]);
  if (refers.includes("project")) return new Set([targetProject]);
  const keys = new Set([target.name]);
  if (refers.some((r) => BY_ID.has(r))) keys.add(target.id);
  if (refers.includes("view")) {
    const doc = view.parentOf(target);
    if (doc) keys.add(`${doc.name}/${target.name}`);
  }
  return keys;
}

/**
 * Every reference, across the given projects, to one object (`targetId` of the project
 * `targetProject`) or, with several ids, to any of them, in project order then tree order; a
 * variable's references include the bare uses of its name in its sequence's JavaScript. Empty
 * when nothing can refer to the objects.
 */
export function referencesTo<N extends ScopeObject>(
  projects: Iterable<RefProject<N>>,
  targetProject: string,
  targetId: string | Iterable<string>,
  types: TypeLookup,
): ReferenceHit<N>[] {
  const all = [...projects].map(memo);
  const byName = new Map(all.map((p) => [p.name, p]));
  const home = byName.get(targetProject);
  if (!home) return [];
  const wanted = new Set(typeof targetId === "string" ? [targetId] : targetId);
  const targets: { node: N; refers: readonly Referable[]; keys: Set<string> }[] = [];
  for (const id of wanted) {
    const node = home.view.get(id);
    const refers = node && REFERABLE[home.view.categoryOf(node.type) ?? "foreign"];
    if (!node || !refers) continue;
    // A variable can be referred to when a sequence or transaction declares it (not a step variable).
    if (refers.includes("variable")) {
      const parent = home.view.parentOf(node);
      if (!parent || !REQUESTABLE.has(home.view.categoryOf(parent.type))) continue;
    }
    targets.push({ node, refers, keys: keysOf(home.view, node, refers, targetProject) });
  }
  if (targets.length === 0) return [];
  const lookup = (name: string) => byName.get(name);
  // Bare uses of a variable's name in the code of its own sequence.
  const bare: { owner: string; name: string }[] = [];
  for (const t of targets) {
    if (!t.refers.includes("variable")) continue;
    bare.push({ owner: home.view.parentOf(t.node)!.id, name: t.node.name });
  }
  const out: ReferenceHit<N>[] = [];
  for (const p of all) {
    const visit = (n: N, owner: string | undefined) => {
      let path: string[] | undefined;
      const at = () => (path ??= pathOf(p.view, n));
      const cat = p.view.categoryOf(n.type);
      const inOwner = REQUESTABLE.has(cat) ? n.id : owner;
      for (const reference of referencesOf(n, p, types)) {
        const tr = reference.target;
        if (tr.project !== targetProject) continue;
        const match = targets.find((t) => t.refers.includes(tr.refers) && t.keys.has(tr.name));
        if (!match) continue;
        if (resolveReference(tr, lookup, types)?.id === match.node.id) {
          out.push({ project: p.name, node: n, path: at(), reference });
        }
      }
      if (p.name === targetProject && inOwner && bare.length) {
        for (const v of bare) {
          if (v.owner !== inOwner) continue;
          for (const prop of types(n.type)?.props ?? []) {
            const raw = n.props[prop.name];
            if (!jsModeOf(prop) || typeof raw !== "string" || !raw.includes(v.name)) continue;
            for (const u of variableUses(raw, v.name, true)) {
              if (u.form === "vars") continue; // already a reference of the object
              out.push({
                project: p.name,
                node: n,
                path: at(),
                reference: {
                  form: "code",
                  prop,
                  field: prop.name,
                  value: v.name,
                  target: { refers: "variable", project: p.name, name: v.name, within: v.owner },
                  span: { start: u.token.start, end: u.token.end },
                  ...(u.form === "shorthand" ? { shorthand: true } : {}),
                },
              });
            }
          }
        }
      }
      for (const c of p.view.childrenOf(n)) visit(c, inOwner);
    };
    visit(p.root, undefined);
  }
  return out;
}

/**
 * The references that name nothing: a call to a sequence or transaction that does not exist, a
 * source reading a step that is gone, `step("name")` naming no step of its sequence. Variables
 * are left out (a caller may give inputs a sequence does not declare, as in Convertigo), and so
 * are names made of `${setting}` placeholders (resolved at run time). In project, then tree order.
 */
export function danglingReferences<N extends ScopeObject>(
  projects: Iterable<RefProject<N>>,
  types: TypeLookup,
  only?: (project: string) => boolean,
): ReferenceHit<N>[] {
  const all = [...projects].map(memo);
  const byName = new Map(all.map((p) => [p.name, p]));
  const lookup = (name: string) => byName.get(name);
  const out: ReferenceHit<N>[] = [];
  // Types holding references (most hold none): asked once per type.
  const holds = new Map<string, boolean>();
  const holdsRefs = (type: string) => {
    let h = holds.get(type);
    if (h === undefined) {
      const def = types(type);
      h = Boolean(
        def?.props.some(
          (x) =>
            x.kind === "reference" ||
            x.kind === "source" ||
            x.kind === "binding" ||
            x.kind === "bindings" ||
            jsModeOf(x),
        ),
      );
      holds.set(type, h);
    }
    return h;
  };
  for (const p of all) {
    if (only && !only(p.name)) continue;
    const stack: N[] = [p.root];
    while (stack.length) {
      const n = stack.pop()!;
      if (holdsRefs(n.type)) {
        for (const reference of referencesOf(n, p, types)) {
          const t = reference.target;
          if (t.refers === "variable" || reference.value.includes("${") || t.project.includes("${")) continue;
          if (t.connector?.includes("${")) continue;
          // A list's names (a page order) are checked by their type, which says what the list is for.
          if (reference.index !== undefined) continue;
          if (!resolveReference(t, lookup, types))
            out.push({ project: p.name, node: n, path: pathOf(p.view, n), reference });
        }
      }
      const kids = p.view.childrenOf(n);
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
    }
  }
  return out;
}

/** Says what a dangling reference misses, for people. */
export function danglingMessage(ref: Reference): string {
  const t = ref.target;
  // A binding in a map (an input) or nested (a view's query): the keys leading to it.
  const inside = ref.form === "binding" ? (ref.bindingPath ?? []).slice(0, -1) : [];
  const label = inside.length ? `${ref.prop.label} › ${inside.join(" › ")}` : ref.prop.label;
  if (BY_ID.has(t.refers) && t.refers !== "step")
    return `${label}: the ${t.refers} it reads (id ${t.name}) no longer exists`;
  if (t.refers === "view") {
    return `${label}: there is no view "${t.name}" in connector ${t.connector || "(none)"} of project ${t.project}`;
  }
  if (t.refers === "state") return `${label}: no state "${t.name}" is declared on its page or the application`;
  if (t.refers === "input") return `${label}: no input "${t.name}" is declared by its shared component or action`;
  switch (ref.form) {
    case "source":
      return `${label}: the step it reads (id ${t.name}) no longer exists`;
    case "code":
      return `${label}: step(${JSON.stringify(t.name)}) names no step of this sequence`;
    default: {
      const what =
        t.refers === "transaction"
          ? `transaction "${t.connector ? `${t.connector}.` : ""}${t.name}"`
          : `${t.refers} "${t.name}"`;
      const where = t.refers === "project" ? " in the workspace" : ` in project ${t.project}`;
      const hint = ref.missing?.hint ? `. ${ref.missing.hint}` : "";
      return `${label}: there is no ${what}${where}${hint}`;
    }
  }
}
