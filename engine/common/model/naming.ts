/**
 * The naming rules of project objects, in one place: which names must be unique among siblings,
 * which objects live in a file named after them (so their names must be file names), and the
 * pattern of such names. The validator (`checkNode`), the Studio's service and the renderer all
 * ask `nameProblem`. Types are described by their category and label only, which the served
 * schemas carry too: the renderer applies the rules without the registry.
 */
import { NAME_PATTERN } from "../types/shared-props.ts";

export { NAME_PATTERN };

/** The name rule in words, for messages. */
export const FILE_NAME_RULE = "letters, digits, _ . -, not starting with a digit, . or -";

const NAME_RE = new RegExp(`^${NAME_PATTERN}$`);

/**
 * Categories whose names must be unique among siblings: connectors, sequences and pages are file
 * names (pages are routes too), transactions and variables are keys callers use, settings and
 * test cases are looked up by name. Other types written in files of their own (TypeDef.file: the
 * REST API, the application, shared components and actions) are unique among the siblings of
 * their folder.
 */
const UNIQUE_NAME_CATEGORIES: ReadonlySet<string> = new Set([
  "connector",
  "transaction",
  "sequence",
  "variable",
  "setting",
  "test",
  "page",
]);

/** The project folder holding, for each of these categories, one file per object (`NAME.yaml`). */
const OWN_FILE_FOLDERS = { connector: "connectors", sequence: "sequences" } as const;

export type OwnFileFolder = (typeof OWN_FILE_FOLDERS)[keyof typeof OWN_FILE_FOLDERS];

/** Must an object of this category have a name no sibling of its category has? */
export function hasUniqueName(category: string | undefined): boolean {
  return category !== undefined && UNIQUE_NAME_CATEGORIES.has(category);
}

/**
 * The folder where objects of this category are written, one file each named after the object
 * (connectors/NAME.yaml, sequences/NAME.yaml); undefined for objects written in their parent's file.
 */
export function ownFileFolderOf(category: string | undefined): OwnFileFolder | undefined {
  return category === "connector" || category === "sequence" ? OWN_FILE_FOLDERS[category] : undefined;
}

/** Can this name be a file or folder name of a project (and a key safe everywhere)? */
export function isFileName(name: string): boolean {
  return NAME_RE.test(name);
}

/** What naming needs of a type: a TypeDef or a served TypeSchema. */
export interface NamedType {
  category: string;
  label: string;
  /** The folder of types stored one object per file (their names are file names). */
  file?: string;
}

/** Another child of the same parent, as clashes are looked for. */
export interface NamedSibling {
  id: string;
  name: string;
  /** Its type's category; undefined for an unknown type. */
  category: string | undefined;
  /** Its type's own-file folder (TypeDef.file), when it has one. */
  file?: string | undefined;
}

/** Do two siblings clash by name: same name and a unique-name category, or the same own-file folder? */
function clashes(a: { category: string | undefined; file?: string | undefined }, b: typeof a): boolean {
  return (hasUniqueName(a.category) && a.category === b.category) || (a.file !== undefined && a.file === b.file);
}

/** What a clash is called in messages: the category, or the type's label for own-file types. */
function clashWord(t: { category: string | undefined; file?: string | undefined; label?: string }): string {
  if (hasUniqueName(t.category) || !t.label) return String(t.category);
  return t.label.charAt(0).toLowerCase() + t.label.slice(1);
}

/** A name refused, with the Studio API's error code. */
export interface NameProblem {
  code: "invalid_name" | "name_taken";
  message: string;
}

/** Where a name is given: the parent's name and its children (the object itself is skipped by id). */
export interface NamingPlace {
  parentName: string;
  siblings: Iterable<NamedSibling>;
  selfId?: string;
}

/**
 * What is wrong with naming an object of `type` `name`, or undefined when nothing is: a name is
 * required and one line, a file object's name must be a file name, and (when `place` is given)
 * no sibling of a unique-name category may have it. An unknown type (undefined) is only held to
 * the first two.
 */
export function nameProblem(name: string, type: NamedType | undefined, place?: NamingPlace): NameProblem | undefined {
  if (!name) return { code: "invalid_name", message: "A name is required" };
  if (name.includes("\n")) return { code: "invalid_name", message: "A name is one line of text" };
  if (!type) return undefined;
  if ((ownFileFolderOf(type.category) || type.file) && !isFileName(name)) {
    return {
      code: "invalid_name",
      message: `"${name}" cannot be a ${type.label} name: it is a file name (${FILE_NAME_RULE})`,
    };
  }
  if (place && (hasUniqueName(type.category) || type.file !== undefined)) {
    for (const s of place.siblings) {
      if (s.id !== place.selfId && s.name === name && clashes(type, s)) {
        return {
          code: "name_taken",
          message: `${place.parentName} already holds a ${clashWord(type)} named "${name}"`,
        };
      }
    }
  }
  return undefined;
}

/**
 * The name clashes among the children of one object, as validation reports them on the parent:
 * one message for each child whose unique-name category (or own-file folder) and name an earlier
 * child already has.
 */
export function siblingNameClashes(
  children: Iterable<{ name: string; category: string | undefined; file?: string | undefined; label?: string }>,
): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const c of children) {
    const keys = [
      ...(hasUniqueName(c.category) ? [`category:${c.category}:${c.name}`] : []),
      ...(c.file !== undefined ? [`file:${c.file}:${c.name}`] : []),
    ];
    if (keys.length === 0) continue;
    if (keys.some((k) => seen.has(k))) {
      out.push(
        hasUniqueName(c.category)
          ? `Two ${c.category} objects are named "${c.name}"`
          : `Two ${clashWord(c)} objects are named "${c.name}" (one file, ${c.file}/${c.name}.yaml)`,
      );
    }
    for (const k of keys) seen.add(k);
  }
  return out;
}
