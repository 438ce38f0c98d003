/** Where a problem was found: the file (relative to the workspace) and a 1-based line. */
export interface SourceLocation {
  file: string;
  line?: number;
}

/** A problem attached to an object: bad property, unknown type, child not accepted... */
export interface Issue {
  message: string;
  /** The property at fault, when there is one. */
  prop?: string;
  location?: SourceLocation;
  /** "file": found while reading the file (kept until the file changes); "check": by validation. */
  origin?: "file" | "check";
  /** What kind of problem (e.g. "js_syntax"), for tools that group or explain them. */
  code?: string;
  /** Where in the property's own text (JavaScript): 1-based line and column. */
  at?: { line: number; column: number };
}

/**
 * An object of a project tree, as loaded from and saved to the project files.
 * Property values are kept as read (JSON values); validation is separate, so an invalid value is
 * shown to the user and saved back as it was instead of being lost.
 */
export interface ObjNode {
  id: string;
  type: string;
  name: string;
  props: Record<string, unknown>;
  children: ObjNode[];
  /** Problems found when loading or validating; an object with problems is marked invalid. */
  issues?: Issue[];
  /** Where the object was read from. */
  location?: SourceLocation;
}

const ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/** A new object id: 12 random base-36 characters, stable once written to a project file. */
export function newId(): string {
  const bytes = new Uint8Array(12);
  globalThis.crypto.getRandomValues(bytes);
  let id = "";
  for (const b of bytes) id += ID_ALPHABET[b % 36];
  return id;
}

/** Depth-first walk over a node and its descendants; return false from visit to skip children. */
export function walk(
  node: ObjNode,
  visit: (n: ObjNode, parent: ObjNode | undefined, depth: number) => boolean | void,
  parent?: ObjNode,
  depth = 0,
): void {
  if (visit(node, parent, depth) === false) return;
  for (const c of node.children) walk(c, visit, node, depth + 1);
}

/** Finds a descendant (or the node itself) by id. */
export function findById(root: ObjNode, id: string): ObjNode | undefined {
  let found: ObjNode | undefined;
  walk(root, (n) => {
    if (found) return false;
    if (n.id === id) {
      found = n;
      return false;
    }
    return undefined;
  });
  return found;
}

/** The path of ancestors from root to the node with the given id (both included), or undefined. */
export function pathTo(root: ObjNode, id: string): ObjNode[] | undefined {
  if (root.id === id) return [root];
  for (const c of root.children) {
    const p = pathTo(c, id);
    if (p) return [root, ...p];
  }
  return undefined;
}

/** A deep copy of a node tree (JSON values only). */
export function cloneNode(node: ObjNode): ObjNode {
  return structuredClone(node);
}
