/**
 * What of a type's definition a saved file depends on (its version and, per property, name,
 * kind, default, allowed values, bounds), in a stable form: the registry test compares it with
 * the committed snapshot (engine/common/types/type-versions.snapshot.json), so changing a
 * property without a new version and a migration fails, saying what to add.
 */
import { listTypes } from "./registry.ts";
import type { TypeDef } from "./typedef.ts";

export interface TypeShape {
  version: number;
  props: Record<string, Record<string, unknown>>;
}

export type TypeSnapshot = Record<string, TypeShape>;

/** The stored shape of one type. */
export function typeShape(def: TypeDef): TypeShape {
  const props: Record<string, Record<string, unknown>> = {};
  for (const p of def.props) {
    const shape: Record<string, unknown> = { kind: p.kind };
    if (p.default !== undefined) shape.default = p.default;
    if (p.values) shape.values = [...p.values];
    if (p.min !== undefined) shape.min = p.min;
    if (p.max !== undefined) shape.max = p.max;
    if (p.pattern !== undefined) shape.pattern = p.pattern;
    if (p.required) shape.required = true;
    if (p.refers) shape.refers = p.refers;
    props[p.name] = shape;
  }
  return { version: def.version ?? 1, props };
}

/** The shapes of every registered type, by name (sorted). */
export function currentSnapshot(): TypeSnapshot {
  const out: TypeSnapshot = {};
  for (const def of [...listTypes()].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0))) {
    out[def.type] = typeShape(def);
  }
  return out;
}

/** What differs between a type's recorded shape and its current one, in words. */
export function shapeChanges(before: TypeShape, now: TypeShape): string[] {
  const out: string[] = [];
  for (const [name, was] of Object.entries(before.props)) {
    const is = now.props[name];
    if (!is) {
      out.push(`property "${name}" was removed or renamed`);
      continue;
    }
    for (const key of new Set([...Object.keys(was), ...Object.keys(is)])) {
      if (JSON.stringify(was[key]) !== JSON.stringify(is[key])) {
        out.push(`property "${name}": ${key} ${JSON.stringify(was[key])} → ${JSON.stringify(is[key])}`);
      }
    }
  }
  for (const name of Object.keys(now.props)) if (!before.props[name]) out.push(`property "${name}" was added`);
  return out;
}

/**
 * Problems of the registry against the snapshot: changed shapes without a new version, new
 * versions without their snapshot. Empty when all is well.
 */
export function snapshotProblems(recorded: TypeSnapshot, now: TypeSnapshot = currentSnapshot()): string[] {
  const problems: string[] = [];
  const update = "then record it with `npm run types:snapshot`";
  for (const [type, shape] of Object.entries(now)) {
    const was = recorded[type];
    if (!was) {
      problems.push(`${type} is a new type: record its shape with \`npm run types:snapshot\``);
      continue;
    }
    const changes = shapeChanges(was, shape);
    if (shape.version < was.version) {
      problems.push(`${type}: its version went down from ${was.version} to ${shape.version}; versions only go up`);
    } else if (shape.version === was.version && changes.length) {
      problems.push(
        `${type} changed without a new version (${changes.join("; ")}): set \`version: ${was.version + 1}\` in its definition and add a migration \`{ to: ${was.version + 1}, description, up(props) }\` that turns version-${was.version} properties into the new ones (a changed default: write the old default into objects that lack the property), ${update}`,
      );
    } else if (shape.version > was.version) {
      problems.push(`${type} is now at version ${shape.version} (recorded: ${was.version}): ${update}`);
    }
  }
  for (const type of Object.keys(recorded)) {
    if (!now[type]) {
      problems.push(
        `${type} was removed from the registry: projects holding it will not load; keep the type (deprecated) or map it to another with a migration, ${update}`,
      );
    }
  }
  return problems;
}
