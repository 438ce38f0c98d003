import { ApiError } from "../../common/http/api-error.ts";
import type { ObjNode } from "../../common/model/node.ts";
import { checkPropValue } from "../../common/model/props.ts";
import { getType } from "../../common/model/registry.ts";

/**
 * Invalid values are never written: a change that gives a property a value its definition refuses
 * (the kind's own rules, bounds, pattern, the property's `check`) is refused as a whole, with a
 * 400 naming the field and why (`details: {field, label, message}`), before anything is applied.
 * Only the properties the change gives a value are judged (a value read from a hand-edited file
 * stays, marked by the validator, until it is changed); an emptied required property is a
 * problem the validator shows, not a refusal (a new object starts empty). Unknown properties
 * are refused, except on foreign objects (imported, kept as they were).
 */
export function refuseInvalidValues(node: ObjNode, props: Record<string, unknown>, changed: Iterable<string>): void {
  const def = getType(node.type);
  if (!def || def.type === "Foreign") return;
  const after: ObjNode = { ...node, props };
  for (const key of changed) {
    const value = props[key];
    if (value === undefined || value === null || value === "") continue;
    const prop = def.props.find((p) => p.name === key);
    if (!prop) {
      throw new ApiError(400, "unknown_property", `A ${def.label} has no property "${key}"`, { field: key });
    }
    const message = checkPropValue(prop, value, after);
    if (message) {
      throw new ApiError(400, "invalid_value", `${message}: not saved`, { field: key, label: prop.label, message });
    }
  }
}
