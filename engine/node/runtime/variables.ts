import type { ObjNode } from "../../common/model/node.ts";
import { getType, propOrDefault } from "../../common/model/registry.ts";
import { MissingSettingError, resolvePlaceholders } from "../../common/model/settings.ts";
import { RunError } from "./run-error.ts";

export interface VariableSpec {
  name: string;
  multi: boolean;
  dataType: string;
  required: boolean;
  default: unknown;
  textIfNotJson?: boolean;
}

/** The inputs of a sequence or transaction: its Variable children, then its type's built-in ones. */
export function variableSpecs(owner: ObjNode): VariableSpec[] {
  const specs: VariableSpec[] = [];
  for (const v of owner.children) {
    if (v.type !== "Variable") continue;
    specs.push({
      name: v.name,
      multi: propOrDefault<boolean>(v, "multiValued"),
      dataType: propOrDefault<string>(v, "dataType"),
      required: propOrDefault<boolean>(v, "required"),
      default: v.props.default,
    });
  }
  for (const b of getType(owner.type)?.variables ?? []) {
    if (specs.some((s) => s.name === b.name)) continue;
    specs.push({
      name: b.name,
      multi: Boolean(b.multiValued),
      dataType: b.dataType,
      required: Boolean(b.required),
      default: undefined,
      textIfNotJson: Boolean(b.textIfNotJson),
    });
  }
  return specs;
}

/**
 * Turns the values a caller gives (text from HTTP or the CLI, or JSON from another sequence)
 * into the typed inputs of a sequence or transaction: defaults applied (`${setting}` placeholders
 * of text defaults resolved through `lookupSetting`), types converted, required variables
 * checked. Unknown inputs are ignored, as Convertigo does. `typedInputs`: the values come from a
 * step (JSON values, not HTTP text), so a text given to a textIfNotJson variable stays a text.
 */
export function prepareVariables(
  owner: ObjNode,
  given: Record<string, unknown>,
  what: string,
  lookupSetting?: (name: string) => string | undefined,
  typedInputs = false,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const v of variableSpecs(owner)) {
    const { multi, dataType } = v;
    const keepText = v.textIfNotJson && typedInputs;
    let value = Object.prototype.hasOwnProperty.call(given, v.name) ? given[v.name] : undefined;
    if (value === undefined || (Array.isArray(value) && value.length === 0 && !multi)) {
      value = v.default;
      if (typeof value === "string" && lookupSetting && value.includes("${")) {
        try {
          value = resolvePlaceholders(value, lookupSetting);
        } catch (e) {
          if (e instanceof MissingSettingError) {
            throw new RunError("missing_setting", `${what}: default of "${v.name}": ${e.message}`, undefined, 500);
          }
          throw e;
        }
      }
    }
    if (value === undefined || value === null || value === "") {
      if (v.required) {
        throw new RunError(
          "missing_variable",
          `${what}: the variable "${v.name}" is required and was not given`,
          { variable: v.name },
          400,
        );
      }
      out[v.name] = multi ? [] : (value ?? null);
      continue;
    }
    if (multi) {
      const list = Array.isArray(value) ? value : [value];
      out[v.name] = list.map((item, i) =>
        keepText && typeof item === "string" ? item : convert(item, dataType, v.name, what, i, v.textIfNotJson),
      );
    } else {
      const single = Array.isArray(value) && dataType !== "json" ? value[0] : value;
      out[v.name] =
        keepText && typeof single === "string"
          ? single
          : convert(single, dataType, v.name, what, undefined, v.textIfNotJson);
    }
  }
  return out;
}

/** Converts one value given as text or JSON to a variable's type, or throws a 400 RunError naming it. */
export function convert(
  value: unknown,
  dataType: string,
  name: string,
  what: string,
  index?: number,
  textIfNotJson = false,
): unknown {
  const label = index === undefined ? `"${name}"` : `"${name}" (value ${index + 1})`;
  const wrong = (expected: string): never => {
    throw new RunError(
      "invalid_variable",
      `${what}: the variable ${label} must be ${expected}, got ${JSON.stringify(value)}`,
      { variable: name, expected: dataType },
      400,
    );
  };
  switch (dataType) {
    case "integer": {
      const n =
        typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
      if (!Number.isInteger(n)) return wrong("a whole number");
      return n;
    }
    case "number": {
      const n =
        typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
      if (!Number.isFinite(n)) return wrong("a number");
      return n;
    }
    case "boolean":
      if (typeof value === "boolean") return value;
      if (value === "true" || value === "1" || value === "on") return true;
      if (value === "false" || value === "0" || value === "off") return false;
      return wrong("true or false");
    case "json":
      if (typeof value === "string") {
        try {
          return JSON.parse(value);
        } catch {
          return textIfNotJson ? value : wrong("JSON");
        }
      }
      return value;
    default:
      return typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);
  }
}
