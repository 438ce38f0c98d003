import { Document, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode, YAMLMap } from "yaml";
import { newId, type Issue, type ObjNode } from "../model/node.ts";
import { isDefaultValue } from "../model/props.ts";
import { getType } from "../model/registry.ts";
import type { OwnFileFolder } from "../model/typedef.ts";
import { migrateProps, NewerTypeVersionError, versionsOf } from "../model/versions.ts";

/**
 * The Atelier project file format: each file holds one object (a project, a connector, a
 * sequence, the REST API, the application, a page...) as YAML, keys in a stable order (type, name, id, properties in their schema's
 * order, children), only non-default properties written.
 */

/** The format version written in project.yaml. */
export const FORMAT_VERSION = 1;

/** Keys of an object's mapping that are not properties. */
const RESERVED = new Set(["type", "name", "id", "children", "atelier", "versions"]);

export interface ParsedFile {
  /** The object, or undefined when the file could not be read at all. */
  node?: ObjNode;
  /** Problems that stop the whole file from loading (syntax errors...). */
  errors: Issue[];
  /** Objects read at an older version of their type and brought up to date (what was done). */
  migrated?: string[];
}

/** A stable id derived from a text (FNV-1a twice, base 36): for objects written without one. */
export function stableHash(seed: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < seed.length; i++) {
    const c = seed.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  return h1.toString(36) + h2.toString(36);
}

function hashId(seed: string): string {
  return ("g" + stableHash(seed)).slice(0, 12);
}

/**
 * Reads one project file. Syntax errors make `errors`; problems of single objects (unknown type,
 * missing name) are attached to those objects so the rest still loads.
 */
export function parseObjectFile(text: string, file: string): ParsedFile {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const lineOf = (n: YamlNode | null | undefined): number | undefined =>
    n?.range ? lc.linePos(n.range[0]).line : undefined;
  if (doc.errors.length > 0) {
    return {
      errors: doc.errors.map((e) => ({
        message: e.message.split("\n")[0] ?? e.message,
        location: { file, line: e.linePos?.[0]?.line ?? lc.linePos(e.pos[0]).line },
        origin: "file" as const,
      })),
    };
  }
  if (!isMap(doc.contents)) {
    return {
      errors: [
        {
          message: "The file must hold one object: a mapping with type, name and id",
          location: { file, line: lineOf(doc.contents) ?? 1 },
          origin: "file",
        },
      ],
    };
  }
  const errors: Issue[] = [];
  const root = doc.contents;
  const version = root.get("atelier");
  if (version !== undefined && (typeof version !== "number" || version > FORMAT_VERSION)) {
    errors.push({
      message: `This project was written by a newer Atelier (format ${String(version)}; this one reads up to ${FORMAT_VERSION})`,
      location: { file, line: lineOf(root.get("atelier", true) as YamlNode) },
      origin: "file",
    });
    return { errors };
  }
  const versionsNode = root.get("versions", true) as YamlNode | undefined;
  const versions = readVersions(versionsNode);
  if (typeof versions === "string") {
    return { errors: [{ message: versions, location: { file, line: lineOf(versionsNode) }, origin: "file" }] };
  }
  const node = toObjNode(root, file, lineOf, "");
  const migrated: string[] = [];
  const newer: Issue[] = [];
  const visit = (n: ObjNode) => {
    if (getType(n.type)) {
      try {
        const m = migrateProps(n.type, versions[n.type] ?? 1, n.props);
        if (m.applied.length) {
          n.props = m.props;
          migrated.push(...m.applied.map((a) => `${n.name}: ${a}`));
        }
      } catch (e) {
        if (!(e instanceof NewerTypeVersionError)) {
          newer.push({
            message: `${n.type} "${n.name}" could not be brought up to date: ${(e as Error).message}`,
            location: n.location,
            origin: "file",
          });
        } else if (!newer.some((x) => x.message.includes(`${e.type} objects`))) {
          newer.push({
            message: `This file was ${e.message}`,
            location: { file, line: lineOf(versionsNode) },
            origin: "file",
          });
        }
      }
    }
    for (const c of n.children) visit(c);
  };
  visit(node);
  if (newer.length) return { errors: newer };
  return { node, errors, ...(migrated.length ? { migrated } : {}) };
}

/** The `versions:` map of a file (type → version, 1 when absent), or a message saying what is wrong. */
function readVersions(n: YamlNode | undefined): Record<string, number> | string {
  if (n === undefined || (isScalar(n) && n.value === null)) return {};
  if (!isMap(n)) return "`versions` must map type names to version numbers";
  const out: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const pair of n.items) {
    const type = isScalar(pair.key) ? String(pair.key.value) : "";
    const v = isScalar(pair.value) ? pair.value.value : undefined;
    if (!type || typeof v !== "number" || !Number.isInteger(v) || v < 1) {
      return `\`versions\`: the version of "${type}" must be a whole number ≥ 1`;
    }
    out[type] = v;
  }
  return out;
}

function toObjNode(
  map: YAMLMap,
  file: string,
  lineOf: (n: YamlNode | null | undefined) => number | undefined,
  treePath: string,
): ObjNode {
  const line = lineOf(map);
  const issues: Issue[] = [];
  const location = { file, line };
  const get = (k: string) => map.get(k, true) as YamlNode | undefined;

  const typeNode = get("type");
  let type = "";
  if (isScalar(typeNode) && typeof typeNode.value === "string" && typeNode.value !== "") type = typeNode.value;
  else issues.push({ message: "The object has no type (a `type:` key)", location, origin: "file" });

  const nameNode = get("name");
  let name = "";
  if (isScalar(nameNode) && nameNode.value !== null && nameNode.value !== "") name = String(nameNode.value);
  else issues.push({ message: "The object has no name (a `name:` key)", location, origin: "file" });

  const idNode = get("id");
  let id: string;
  if (isScalar(idNode) && idNode.value !== null && idNode.value !== "") id = String(idNode.value);
  else id = hashId(`${file}#${treePath}#${type}#${name}`);

  const props: Record<string, unknown> = {};
  const children: ObjNode[] = [];
  for (const pair of map.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (RESERVED.has(key) && key !== "children") continue;
    const value = pair.value as YamlNode | null;
    if (key === "children") {
      if (value === null || (isScalar(value) && value.value === null)) continue;
      if (!isSeq(value)) {
        issues.push({
          message: "`children` must be a list of objects",
          location: { file, line: lineOf(value) },
          origin: "file",
        });
        continue;
      }
      value.items.forEach((item, i) => {
        if (isMap(item)) {
          children.push(toObjNode(item, file, lineOf, `${treePath}/${i}`));
        } else {
          issues.push({
            message: `Child ${i + 1} is not an object (a mapping with type, name and id)`,
            location: { file, line: lineOf(item as YamlNode) },
            origin: "file",
          });
        }
      });
      continue;
    }
    if (key === "__proto__" || key === "constructor" || key === "prototype") {
      issues.push({
        message: `The property name "${key}" is not allowed`,
        location: { file, line: lineOf(value) },
        origin: "file",
      });
      continue;
    }
    props[key] = value === null ? null : (value as YamlNode).toJSON();
  }
  const node: ObjNode = { id, type, name, props, children, location };
  if (issues.length) node.issues = issues;
  return node;
}

/** Orders the properties of a node as its schema does, unknown ones after, in their order. */
function orderedProps(node: ObjNode): [string, unknown][] {
  const def = getType(node.type);
  const out: [string, unknown][] = [];
  const done = new Set<string>();
  if (def) {
    for (const p of def.props) {
      if (!(p.name in node.props)) continue;
      done.add(p.name);
      const v = node.props[p.name];
      if (isDefaultValue(p, v)) continue;
      out.push([p.name, v]);
    }
  }
  for (const [k, v] of Object.entries(node.props)) {
    if (done.has(k) || v === undefined) continue;
    out.push([k, v]);
  }
  return out;
}

function toPlain(node: ObjNode, fileChildren: (n: ObjNode) => boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { type: node.type, name: node.name, id: node.id };
  for (const [k, v] of orderedProps(node)) out[k] = v;
  const kids = node.children.filter((c) => !fileChildren(c));
  if (kids.length > 0) out.children = kids.map((c) => toPlain(c, () => false));
  return out;
}

export interface FileOptions {
  /** Which direct children live in files of their own (left out here). */
  inOwnFile?: (child: ObjNode) => boolean;
  /** Keys written first (project.yaml's format version). */
  header?: Record<string, unknown>;
}

/** What a file holds, as plain data: header, versions of the types written, the object. */
function fileContent(node: ObjNode, opts: FileOptions): Record<string, unknown> {
  const inOwnFile = opts.inOwnFile ?? (() => false);
  const plain = toPlain(node, inOwnFile);
  // The versions of the types written here, so a reader knows what it reads (see versions.ts).
  const written: ObjNode[] = [node];
  const collect = (n: ObjNode) => {
    for (const c of n.children) {
      written.push(c);
      collect(c);
    }
  };
  for (const c of node.children) {
    if (inOwnFile(c)) continue;
    written.push(c);
    collect(c);
  }
  const versions = versionsOf(written);
  return {
    ...(opts.header ?? {}),
    ...(Object.keys(versions).length ? { versions } : {}),
    ...plain,
  };
}

/** Writes one object as a project file's text. */
export function serializeObjectFile(node: ObjNode, opts: FileOptions = {}): string {
  const doc = new Document(fileContent(node, opts));
  return doc.toString({ lineWidth: 0, blockQuote: "literal", indentSeq: true });
}

/**
 * A cheap fingerprint of what `serializeObjectFile` would write (the same content as JSON, no
 * YAML): equal fingerprints mean equal files. Taken when a file is read, compared when saving, so
 * an untouched file is neither serialized nor rewritten (hand-formatted text is kept).
 */
export function objectFingerprint(node: ObjNode, opts: FileOptions = {}): string {
  return JSON.stringify(fileContent(node, opts));
}

/**
 * The folder of an object's own file (`<folder>/<name>.yaml`), by its type (TypeDef.file);
 * undefined for types written in their parent's file. Whether a given object is in that file
 * depends on where it sits too: see `inOwnFile`.
 */
export function ownFileFolder(node: ObjNode): OwnFileFolder | undefined {
  return getType(node.type)?.file;
}

/** A folder of own files, as the loader reads it. */
export interface OwnFileFolderInfo {
  folder: OwnFileFolder;
  /**
   * The type of the object its files are attached under (TypeDef.fileParent); absent: the
   * project. Such folders are read after the others.
   */
  parent?: string;
  /**
   * The one type its files hold (a file holding another is kept as it is, as a placeholder);
   * absent: any type whose `file` is the folder (the connectors' types).
   */
  type?: string;
  /** The type of the placeholder standing for a file that cannot be read. */
  placeholder: string;
}

/**
 * The folders of own files, in the order they are read (a file parent's folder before the
 * folders of its children): a test holds the registry's `file`/`fileParent` to it.
 */
export const OWN_FILE_FOLDERS: readonly OwnFileFolderInfo[] = [
  { folder: "connectors", placeholder: "UnreadableConnector" },
  { folder: "sequences", placeholder: "Sequence" },
  { folder: "api", placeholder: "UrlMapper" },
  { folder: "ui", type: "Application", placeholder: "Application" },
  { folder: "ui/pages", parent: "Application", type: "Page", placeholder: "Page" },
  { folder: "ui/shared", parent: "Application", type: "SharedComponent", placeholder: "SharedComponent" },
  { folder: "ui/actions", parent: "Application", type: "SharedAction", placeholder: "SharedAction" },
];

/** Placeholders stand for files that could not be read; their ids start with this. */
export const UNREADABLE_PREFIX = "unreadable-";

/**
 * Is `child`, a child of `holder`, written in a file of its own rather than in `holder`'s file?
 * `holder` is an object written in its own file, or the project's root (`isRoot`): the root's
 * children of a type with a top-level `file` (connectors, sequences, the REST API, the
 * application), a file parent's children of a type naming it as `fileParent` (the application's
 * pages...), and placeholders of unreadable files wherever the loader put them. Anywhere else
 * (an object misplaced by hand) an object is written inline, so nothing is ever left out of every
 * file.
 */
export function inOwnFile(child: ObjNode, holder: ObjNode, isRoot: boolean): boolean {
  // Placeholders are put by the loader under the root or a file parent (an application).
  if (child.id.startsWith(UNREADABLE_PREFIX) && (isRoot || OWN_FILE_FOLDERS.some((f) => f.parent === holder.type))) {
    return true;
  }
  const def = getType(child.type);
  if (!def?.file) return false;
  return def.fileParent === undefined ? isRoot : !isRoot && holder.type === def.fileParent;
}

/**
 * How an object written in its own file (or the project's root) is written: without its
 * children that have files of their own.
 */
export function ownFileOptions(holder: ObjNode, isRoot: boolean, header?: Record<string, unknown>): FileOptions {
  return { inOwnFile: (c) => inOwnFile(c, holder, isRoot), ...(header ? { header } : {}) };
}

export { newId };
