/**
 * References between objects, read from the type definitions: a "reference" property names its
 * target (`refers`, and `qualifiedBy` for the sibling properties giving the target's project and
 * connector), a "source" property names an earlier step by id. Nothing here knows a type by
 * name, so a new type with a reference property is found, resolved and (later) renamed along
 * with its target without touching this file or its callers (Studio's find, validation).
 */
import { findById, type ObjNode } from "./node.ts";
import { isPlainObject, type PropDef, type RefersTo } from "./props.ts";
import { getType, propOrDefault } from "./registry.ts";
import type { Category } from "./typedef.ts";

/** A project as references see it: its name and its tree (a loaded project fits). */
export interface ProjectRoot {
  readonly name: string;
  readonly root: ObjNode;
}

/** Where a reference points, as its values say it (nothing looked up yet). */
export interface ReferenceTarget {
  refers: RefersTo;
  /** The target's project: the one named by the qualifier, else the referencing object's. */
  project: string;
  /** For a transaction: its connector's name; undefined for the project's default connector. */
  connector?: string;
  /** The target's name (a step's: its id; a project's: its name). */
  name: string;
}

/** One reference an object holds: a property with a value, and where that value points. */
export interface Reference {
  prop: PropDef;
  value: string;
  target: ReferenceTarget;
}

/** A reference found in a workspace: who holds it, where, and the object it names. */
export interface ReferenceHit {
  /** The project of the referencing object. */
  project: string;
  node: ObjNode;
  /** Names from the project's root down to the referencing object. */
  path: string[];
  reference: Reference;
}

/** What a reference to an object of this category is, if objects of it can be referenced. */
const REFERABLE: Partial<Record<Category, RefersTo>> = {
  project: "project",
  connector: "connector",
  transaction: "transaction",
  sequence: "sequence",
  step: "step",
};

function text(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function categoryOf(n: ObjNode): Category | undefined {
  return getType(n.type)?.category;
}

/**
 * The references an object holds, in its schema's order: reference properties with a value and
 * sources naming a step. `project` is the name of the project holding the object.
 */
export function referencesOf(node: ObjNode, project: string): Reference[] {
  const def = getType(node.type);
  if (!def) return [];
  const out: Reference[] = [];
  for (const prop of def.props) {
    const raw = node.props[prop.name];
    if (prop.kind === "source") {
      // A source's step is a reference too: deleting or moving that step breaks it.
      const step = isPlainObject(raw) ? text(raw.step) : "";
      if (step) out.push({ prop, value: step, target: { refers: "step", project, name: step } });
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
    out.push({ prop, value, target });
  }
  return out;
}

/** The connectors of a project. */
function connectorsOf(root: ObjNode): ObjNode[] {
  return root.children.filter((c) => categoryOf(c) === "connector");
}

/**
 * The connector a transaction reference without one means: the project's connector marked
 * isDefault, else its only connector (as the runtime decides).
 */
export function defaultConnector(root: ObjNode): ObjNode | undefined {
  const connectors = connectorsOf(root);
  return (
    connectors.find((c) => propOrDefault<boolean>(c, "isDefault")) ??
    (connectors.length === 1 ? connectors[0] : undefined)
  );
}

/**
 * The object a reference names, or undefined when there is none. `project` finds a project's
 * root by name (a workspace; or only the referencing object's project, when that is all there is).
 */
export function resolveReference(
  target: ReferenceTarget,
  project: (name: string) => ObjNode | undefined,
): ObjNode | undefined {
  const root = project(target.project);
  if (!root) return undefined;
  switch (target.refers) {
    case "project":
      return root;
    case "connector":
      return connectorsOf(root).find((c) => c.name === target.name);
    case "sequence":
      return root.children.find((c) => categoryOf(c) === "sequence" && c.name === target.name);
    case "transaction": {
      const connector = target.connector
        ? connectorsOf(root).find((c) => c.name === target.connector)
        : defaultConnector(root);
      return connector?.children.find((c) => categoryOf(c) === "transaction" && c.name === target.name);
    }
    case "step": {
      const step = findById(root, target.name);
      return step && categoryOf(step) === "step" ? step : undefined;
    }
  }
}

/**
 * Every reference, across the given projects, to one object (`targetId` of the project
 * `targetProject`), in project order then tree order. Empty when nothing can refer to it.
 */
export function referencesTo(projects: Iterable<ProjectRoot>, targetProject: string, targetId: string): ReferenceHit[] {
  const all = [...projects];
  const roots = new Map(all.map((p) => [p.name, p.root]));
  const home = roots.get(targetProject);
  const target = home && findById(home, targetId);
  const refers = target && REFERABLE[categoryOf(target) ?? "foreign"];
  if (!target || !refers) return [];
  // Names are compared first: only references that could name the target are resolved.
  const key = refers === "step" ? target.id : refers === "project" ? targetProject : target.name;
  const out: ReferenceHit[] = [];
  for (const p of all) {
    const visit = (n: ObjNode, trail: string[]) => {
      const path = [...trail, n.name];
      for (const reference of referencesOf(n, p.name)) {
        const t = reference.target;
        if (t.refers !== refers || t.project !== targetProject || t.name !== key) continue;
        if (resolveReference(t, (name) => roots.get(name))?.id === targetId) {
          out.push({ project: p.name, node: n, path, reference });
        }
      }
      for (const c of n.children) visit(c, path);
    };
    visit(p.root, []);
  }
  return out;
}
