/**
 * Versions of object types and the migrations between them (the registry's side of it; the file
 * format records versions per file, see engine/common/format/project-format.ts).
 *
 * Why: saved files leave defaults out and a server may load a project written by another Atelier.
 * Without versions, changing a default or renaming a property silently changes every saved
 * project; with them, an older object is brought up to date when read, and a newer one is refused
 * with a message naming the type and both versions instead of being misread.
 */
import type { ObjNode } from "./node.ts";
import { getType, listTypes } from "./registry.ts";
import type { TypeDef } from "./typedef.ts";

/** The version of a type's properties this Atelier writes (1 for unknown types). */
export function typeVersion(type: string): number {
  return getType(type)?.version ?? 1;
}

/** Why a type's migrations are not a contiguous chain 2..version, or undefined when they are. */
export function migrationChainProblem(def: TypeDef): string | undefined {
  const version = def.version ?? 1;
  if (!Number.isInteger(version) || version < 1) return `${def.type}: version must be a whole number ≥ 1`;
  const steps = def.migrations ?? [];
  if (steps.length !== version - 1) {
    return `${def.type} is at version ${version} and needs ${version - 1} migration(s) (to 2..${version}), it has ${steps.length}`;
  }
  for (let i = 0; i < steps.length; i++) {
    if (steps[i]!.to !== i + 2) return `${def.type}: migration ${i + 1} must have to: ${i + 2} (has ${steps[i]!.to})`;
  }
  return undefined;
}

/** A file written by a newer Atelier: the type and both versions. */
export class NewerTypeVersionError extends Error {
  constructor(
    readonly type: string,
    readonly fileVersion: number,
    readonly ownVersion: number,
  ) {
    super(
      `written by a newer Atelier: ${type} objects are at version ${fileVersion} there, this Atelier reads up to version ${ownVersion}; update Atelier to open it`,
    );
  }
}

/**
 * The properties of an object of `type` saved at version `from`, as the current version means
 * them. Throws NewerTypeVersionError for a version above this Atelier's.
 */
export function migrateProps(
  type: string,
  from: number,
  props: Record<string, unknown>,
): { props: Record<string, unknown>; applied: string[] } {
  const def = getType(type);
  const own = def?.version ?? 1;
  if (!def || from === own) return { props, applied: [] };
  if (from > own) throw new NewerTypeVersionError(type, from, own);
  let out = structuredClone(props);
  const applied: string[] = [];
  for (const m of def.migrations ?? []) {
    if (m.to <= from) continue;
    out = m.up(out);
    applied.push(`${type} ${m.to - 1}→${m.to}: ${m.description}`);
  }
  return { props: out, applied };
}

/** The versions to record for these objects: types above version 1, sorted by name. */
export function versionsOf(nodes: Iterable<ObjNode>): Record<string, number> {
  const found = new Map<string, number>();
  for (const n of nodes) {
    const v = typeVersion(n.type);
    if (v > 1) found.set(n.type, v);
  }
  return Object.fromEntries([...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Every type's version (what a .car records, what a server compares). */
export function registryVersions(): Record<string, number> {
  return Object.fromEntries(listTypes().map((t) => [t.type, t.version ?? 1]));
}
