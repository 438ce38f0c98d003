/**
 * References between objects, for the engine: the rules of reference-rules.ts (reference
 * properties, sources, names in JavaScript, step variables, keys and templates naming variables)
 * applied to project trees with the registry's type definitions. The Studio applies the same
 * rules to its flat maps with the schemas it is served (reference-rules.ts, no registry).
 */
import type { ObjNode } from "./node.ts";
import {
  danglingReferences as danglingIn,
  defaultConnector as defaultConnectorIn,
  propertyReferences,
  referencesOf as referencesIn,
  referencesTo as referencesToIn,
  resolveReference as resolveIn,
  treeProject,
  type ProjectRoot,
  type RefProject,
  type Reference,
  type ReferenceHit,
  type ReferenceTarget,
  type TypeLookup,
} from "./reference-rules.ts";
import { getType } from "./registry.ts";

export {
  danglingMessage,
  NAME_PROP,
  type ProjectRoot,
  type Referable,
  type Reference,
  type ReferenceHit,
  type ReferenceTarget,
  type RefProject,
} from "./reference-rules.ts";

/** The registry's definitions, as the rules read types. */
export const registryTypes: TypeLookup = getType;

/** A project tree indexed for the rules (with the registry's types). */
export function indexProject(p: ProjectRoot): RefProject<ObjNode> {
  return treeProject(p, registryTypes);
}

/**
 * The references an object holds. With only its project's name: its properties' (reference
 * properties, sources); with its project indexed (`indexProject`): also what its place gives
 * (names in its JavaScript, a step variable's callee variable, keys and templates).
 */
export function referencesOf(node: ObjNode, project: string | RefProject<ObjNode>): Reference[] {
  return typeof project === "string"
    ? propertyReferences(node, project, registryTypes)
    : referencesIn(node, project, registryTypes);
}

function indexed(projects: Iterable<ProjectRoot | RefProject<ObjNode>>): RefProject<ObjNode>[] {
  return [...projects].map((p) => ("view" in p ? (p as RefProject<ObjNode>) : indexProject(p)));
}

/**
 * Every reference, across the given projects, to one object (`targetId` of the project
 * `targetProject`) or to any of several, in project order then tree order.
 */
export function referencesTo(
  projects: Iterable<ProjectRoot | RefProject<ObjNode>>,
  targetProject: string,
  targetId: string | Iterable<string>,
): ReferenceHit[] {
  return referencesToIn(indexed(projects), targetProject, targetId, registryTypes);
}

/** The references of the given projects that name nothing (see reference-rules.ts). */
export function danglingReferences(projects: Iterable<ProjectRoot | RefProject<ObjNode>>): ReferenceHit[] {
  return danglingIn(indexed(projects), registryTypes);
}

/** The object a reference names, or undefined. `project` finds a project's root by name. */
export function resolveReference(
  target: ReferenceTarget,
  project: (name: string) => ObjNode | undefined,
): ObjNode | undefined {
  const cache = new Map<string, RefProject<ObjNode> | undefined>();
  return resolveIn(
    target,
    (name) => {
      if (!cache.has(name)) {
        const root = project(name);
        cache.set(name, root ? indexProject({ name, root }) : undefined);
      }
      return cache.get(name);
    },
    registryTypes,
  );
}

/** The connector a transaction reference without one means (isDefault, else the only one). */
export function defaultConnector(root: ObjNode): ObjNode | undefined {
  return defaultConnectorIn(indexProject({ name: root.name, root }), registryTypes);
}
