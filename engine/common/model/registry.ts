import { allTypes, type TypeName } from "../types/index.ts";
import { jsSyntaxIssues } from "./js-syntax.ts";
import { nameProblem, siblingNameClashes } from "./naming.ts";
import type { Issue, ObjNode } from "./node.ts";
import { checkPropValue, type PropDef } from "./props.ts";
import type { TypeDef, TypeSchema } from "./typedef.ts";

const byName = new Map<string, TypeDef>(allTypes.map((t) => [t.type, t]));

/** The definition of a type, or undefined for an unknown type. */
export function getType(type: string): TypeDef | undefined {
  return byName.get(type);
}

export function isKnownType(type: string): type is TypeName {
  return byName.has(type);
}

/** All definitions, in registry order. */
export function listTypes(): readonly TypeDef[] {
  return allTypes;
}

function matches(entry: string, def: TypeDef): boolean {
  if (entry === "*") return true;
  if (entry.startsWith("category:")) return def.category === entry.slice("category:".length);
  return entry === def.type;
}

/** Can an object of `childType` be placed in an object of `parentType`? */
export function acceptsChild(parentType: string, childType: string): boolean {
  const parent = byName.get(parentType);
  const child = byName.get(childType);
  if (!parent || !child) return false;
  // Foreign objects come from imports and are kept wherever they were found.
  if (child.type === "Foreign") return true;
  if (!parent.accepts.some((e) => matches(e, child))) return false;
  if (child.onlyIn && !child.onlyIn.some((e) => matches(e, parent))) return false;
  return true;
}

/** The child types a parent accepts, for the Studio's palette. */
export function acceptedChildTypes(parentType: string): TypeDef[] {
  return allTypes.filter((t) => t.type !== "Foreign" && acceptsChild(parentType, t.type));
}

/**
 * Checks one object (not its descendants): known type, its name (naming.ts), property values,
 * unknown properties, accepted children, sibling name clashes, the type's own checks.
 */
export function checkNode(node: ObjNode, parent?: ObjNode): Issue[] {
  const issues: Issue[] = [];
  const def = byName.get(node.type);
  if (!def) {
    issues.push({ message: `Unknown object type "${node.type}"` });
    return issues;
  }
  if (!node.name || typeof node.name !== "string") issues.push({ message: "The object has no name" });
  else {
    const named = nameProblem(node.name, def);
    if (named) issues.push({ message: named.message });
  }
  if (parent && byName.has(parent.type) && !acceptsChild(parent.type, node.type)) {
    issues.push({ message: `A ${parent.type} cannot hold a ${node.type}` });
  }
  const known = new Set(def.props.map((p) => p.name));
  for (const key of Object.keys(node.props)) {
    if (!known.has(key) && def.type !== "Foreign") {
      issues.push({ message: `Unknown property "${key}" for a ${def.type}`, prop: key });
    }
  }
  for (const p of def.props) {
    const msg = checkPropValue(p, node.props[p.name], node);
    if (msg) issues.push({ message: msg, prop: p.name });
  }
  // JavaScript that does not parse (when the engine's parser is installed: js-syntax.ts).
  issues.push(...jsSyntaxIssues(node.props, def.props));
  for (const msg of def.check?.(node) ?? []) issues.push({ message: msg });
  const children = node.children.map((c) => {
    const t = byName.get(c.type);
    return { name: c.name, category: t?.category, file: t?.file, label: t?.label };
  });
  for (const msg of siblingNameClashes(children)) issues.push({ message: msg });
  return issues;
}

/** Checks a whole tree; answers the issues by object id. */
export function checkTree(root: ObjNode): Map<string, Issue[]> {
  const result = new Map<string, Issue[]>();
  const visit = (n: ObjNode, parent?: ObjNode) => {
    const issues = checkNode(n, parent);
    if (issues.length) result.set(n.id, issues);
    for (const c of n.children) visit(c, n);
  };
  visit(root);
  return result;
}

/** The serializable schema of every type (what the Studio's tree and property panel read). */
export function typeSchemas(): TypeSchema[] {
  return allTypes.map((t) => ({
    type: t.type,
    label: t.label,
    category: t.category,
    icon: t.icon,
    description: t.description,
    props: t.props.map(({ check: _check, ...rest }) => rest),
    accepts: acceptedChildTypes(t.type).map((c) => c.type),
    ...(t.onlyIn ? { onlyIn: [...t.onlyIn] } : {}),
    runnable: Boolean(t.run || t.execute || t.category === "sequence"),
    ...(t.variables ? { variables: [...t.variables] } : {}),
    ...(t.output ? { output: t.output } : {}),
    ...(t.flow ? { flow: t.flow } : {}),
    ...(t.file ? { file: t.file } : {}),
    ...(t.fileParent ? { fileParent: t.fileParent } : {}),
  }));
}

const propsByType = new Map<string, ReadonlyMap<string, PropDef>>();

/** A property's definition in a type (read at every property read of a run: indexed once per type). */
export function propDef(type: string, prop: string): PropDef | undefined {
  let props = propsByType.get(type);
  if (!props) {
    const def = byName.get(type);
    if (!def) return undefined;
    props = new Map(def.props.map((p) => [p.name, p]));
    propsByType.set(type, props);
  }
  return props.get(prop);
}

/** A property's default value, as the definition gives it. */
export function propDefault(type: string, prop: string): unknown {
  return propDef(type, prop)?.default;
}

/** A property value, falling back to the definition's default. */
export function propOrDefault<T = unknown>(node: ObjNode, prop: string): T {
  const v = node.props[prop];
  return (v === undefined ? propDefault(node.type, prop) : v) as T;
}

/**
 * Recomputes the `issues` of one object (not of its children): problems found while reading the
 * files are kept, validation problems are computed afresh. Answers whether it has any.
 */
export function annotateNodeIssues(node: ObjNode, parent?: ObjNode): boolean {
  const fileIssues = (node.issues ?? []).filter((i) => i.origin === "file");
  const checkIssues = fileIssues.some((i) => /no type|Unknown object type/.test(i.message))
    ? []
    : checkNode(node, parent).map((i) => ({ ...i, origin: "check" as const, location: i.location ?? node.location }));
  const all = [...fileIssues, ...checkIssues];
  if (all.length) node.issues = all;
  else delete node.issues;
  return all.length > 0;
}

/**
 * Recomputes the `issues` of every object of a tree (annotateNodeIssues). Answers the number of
 * invalid objects.
 */
export function annotateIssues(root: ObjNode, parent?: ObjNode): number {
  let count = annotateNodeIssues(root, parent) ? 1 : 0;
  for (const c of root.children) count += annotateIssues(c, root);
  return count;
}
