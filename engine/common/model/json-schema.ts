/**
 * JSON Schemas (2020-12, as OpenAPI 3.1 uses them) inferred from sample values: the outputs of
 * runs and the expected outputs of test cases, for the REST API's documentation when a response
 * declares no schema. Only the shape is kept: types, property names, item shapes and which
 * properties every sample had. No value is ever copied (outputs may hold personal data), and the
 * walk is bounded (depth, nodes, properties per object) whatever the sample holds.
 *
 * Objects whose keys look like data rather than names (e-mail addresses, numbers, dates, UUIDs)
 * are described as maps (`additionalProperties`), their keys unsaid.
 *
 * Also read in schemas: the schema of the part at a path (`schemaAtPath`), their size, and whether a
 * declared value is a plausible JSON Schema (`schemaProblem`). Pure and light: no dependency, safe
 * in the browser (the Studio's binding checks read it) and loaded by the engine at start
 * (engine/node/api/schema-infer.ts re-exports it for the REST API's documentation).
 */

/** A JSON Schema, as a plain JSON object. */
export type JsonSchema = Record<string, unknown>;

export interface InferLimits {
  /** Objects and arrays nested deeper are described as `{type: "object"}` / `{type: "array"}`. */
  maxDepth: number;
  /** Values looked at in one sample; once spent, the rest is described as `{}` (any value). */
  maxNodes: number;
  /** Properties listed per object; an object with more is left open to the others. */
  maxProperties: number;
}

export const DEFAULT_INFER_LIMITS: InferLimits = { maxDepth: 8, maxNodes: 2000, maxProperties: 200 };

const TYPE_ORDER = ["null", "boolean", "integer", "number", "string", "array", "object"] as const;
type JsonType = (typeof TYPE_ORDER)[number];

/** Sets an own property, even one named `__proto__` (a property name from a sample). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function hasOwn(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

function isPlainRecord(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * The JSON Schema of one value: its type, an object's properties (all required: the sample has
 * them), an array's items merged into one schema. Values JSON has no word for (functions,
 * symbols) and what lies beyond the limits are `{}`.
 */
export function inferSchema(value: unknown, limits: Partial<InferLimits> = {}): JsonSchema {
  const l = { ...DEFAULT_INFER_LIMITS, ...limits };
  let budget = l.maxNodes;

  const walk = (v: unknown, depth: number): JsonSchema => {
    if (budget <= 0) return {};
    budget--;
    if (v === null) return { type: "null" };
    switch (typeof v) {
      case "string":
        return { type: "string" };
      case "boolean":
        return { type: "boolean" };
      case "number":
        return Number.isInteger(v) ? { type: "integer" } : { type: "number" };
      case "bigint":
        return { type: "integer" };
      case "object":
        break;
      default:
        return {};
    }
    if (Array.isArray(v)) {
      if (depth >= l.maxDepth) return { type: "array" };
      let items: JsonSchema | undefined;
      for (const item of v) {
        if (budget <= 0) break;
        if (item === undefined) continue;
        const s = walk(item, depth + 1);
        // An item cut short by the budget would make its missing keys look optional.
        if (budget <= 0 && items !== undefined) break;
        items = items === undefined ? s : mergeSchemas(items, s, l);
      }
      return items === undefined ? { type: "array" } : { type: "array", items };
    }
    if (v instanceof Date) return { type: "string" };
    if (ArrayBuffer.isView(v)) return { type: "string" };
    if (!isPlainRecord(v)) {
      // A class instance (a Map, a Buffer...): its JSON form is not known here.
      if (typeof (v as { toJSON?: unknown }).toJSON === "function") return {};
    }
    if (depth >= l.maxDepth) return { type: "object" };
    const keys = Object.keys(v).filter((k) => {
      const item = (v as Record<string, unknown>)[k];
      return item !== undefined && typeof item !== "function" && typeof item !== "symbol";
    });
    if (keys.some((k) => !looksLikeName(k))) {
      // Keys that are data (e-mail addresses, ids, dates): a map, whose keys are not copied.
      let values: JsonSchema | undefined;
      for (const [i, k] of keys.entries()) {
        if (i >= l.maxProperties || budget <= 0) break;
        const s = walk((v as Record<string, unknown>)[k], depth + 1);
        values = values === undefined ? s : mergeSchemas(values, s, l);
      }
      return { type: "object", additionalProperties: values ?? {} };
    }
    const properties: Record<string, unknown> = {};
    const required: string[] = [];
    for (const key of keys) {
      // Objects stay open (no additionalProperties: false): what is not listed is still allowed.
      if (required.length >= l.maxProperties || budget <= 0) break;
      setOwn(properties, key, walk((v as Record<string, unknown>)[key], depth + 1));
      required.push(key);
    }
    return objectSchema(properties, required);
  };

  return walk(value, 0);
}

/**
 * Does a key look like a property's name (`id`, `firstName`, `line_2`) rather than data used as a
 * key (an e-mail address, a number, a date, a UUID)? Names of data are not copied.
 */
export function looksLikeName(key: string): boolean {
  return /^[A-Za-z_$][A-Za-z0-9_$-]{0,63}$/.test(key) && !/\d{4,}/.test(key) && !/[0-9a-f]{8}-[0-9a-f]{4}/i.test(key);
}

/** A map's schema: the schema of all its values, its keys unsaid. */
function mapValues(s: JsonSchema): JsonSchema | undefined {
  const ap = s.additionalProperties;
  return ap !== null && typeof ap === "object" && !Array.isArray(ap) ? (ap as JsonSchema) : undefined;
}

function objectSchema(properties: Record<string, unknown>, required: string[]): JsonSchema {
  const out: JsonSchema = { type: "object" };
  if (Object.keys(properties).length) out.properties = properties;
  if (required.length) out.required = required;
  return out;
}

function typesOf(s: JsonSchema): JsonType[] | undefined {
  const t = s.type;
  if (typeof t === "string") return [t as JsonType];
  if (Array.isArray(t)) return t as JsonType[];
  return undefined;
}

/** Is this schema `{}` or anything without a type (it allows any value)? */
function allowsAnything(s: JsonSchema): boolean {
  return typesOf(s) === undefined;
}

/**
 * One schema allowing what either allows: types united (integer within number), properties of
 * objects united and merged (required: those both require), items merged. A schema without a
 * type (`{}`) allows anything, and so does the merge. The result stays within the limits'
 * properties per object.
 */
export function mergeSchemas(a: JsonSchema, b: JsonSchema, limits: Partial<InferLimits> = {}): JsonSchema {
  if (allowsAnything(a) || allowsAnything(b)) return {};
  const l = { ...DEFAULT_INFER_LIMITS, ...limits };
  const ta = typesOf(a)!;
  const tb = typesOf(b)!;
  let types = TYPE_ORDER.filter((t) => ta.includes(t) || tb.includes(t));
  if (types.includes("number")) types = types.filter((t) => t !== "integer");
  const out: JsonSchema = { type: types.length === 1 ? types[0] : types };

  if (types.includes("object")) {
    const aObj = ta.includes("object");
    const bObj = tb.includes("object");
    const aMap = aObj ? mapValues(a) : undefined;
    const bMap = bObj ? mapValues(b) : undefined;
    if (aObj && bObj && (aMap || bMap)) {
      // A map and an object: a map of what either holds.
      let values: JsonSchema | undefined;
      for (const [side, map] of [
        [a, aMap],
        [b, bMap],
      ] as const) {
        const vs = map ? [map] : Object.values((side.properties ?? {}) as Record<string, JsonSchema>);
        for (const one of vs) values = values === undefined ? one : mergeSchemas(values, one, l);
      }
      out.additionalProperties = values ?? {};
    } else if (aObj && bObj) {
      const pa = (a.properties ?? {}) as Record<string, JsonSchema>;
      const pb = (b.properties ?? {}) as Record<string, JsonSchema>;
      const properties: Record<string, unknown> = {};
      let count = 0;
      for (const key of [...Object.keys(pa), ...Object.keys(pb).filter((k) => !hasOwn(pa, k))]) {
        if (count >= l.maxProperties) break;
        const sa = hasOwn(pa, key) ? pa[key] : undefined;
        const sb = hasOwn(pb, key) ? pb[key] : undefined;
        setOwn(properties, key, sa && sb ? mergeSchemas(sa, sb, l) : (sa ?? sb));
        count++;
      }
      const rb = new Set((b.required ?? []) as string[]);
      const required = ((a.required ?? []) as string[]).filter((k) => rb.has(k) && hasOwn(properties, k));
      if (Object.keys(properties).length) out.properties = properties;
      if (required.length) out.required = required;
    } else {
      const from = aObj ? a : b;
      for (const k of ["properties", "required", "additionalProperties"]) if (from[k] !== undefined) out[k] = from[k];
    }
  }

  if (types.includes("array")) {
    const ia = ta.includes("array") ? (a.items as JsonSchema | undefined) : undefined;
    const ib = tb.includes("array") ? (b.items as JsonSchema | undefined) : undefined;
    const items = ia && ib ? mergeSchemas(ia, ib, l) : (ia ?? ib);
    if (items !== undefined) out.items = items;
  }
  return out;
}

/**
 * The schema of the part of a value at `path` (`data.items[0].id`, as response bodies name it),
 * read in the schema of the whole value: `{}` when the schema does not say.
 */
export function schemaAtPath(schema: JsonSchema, path: string): JsonSchema {
  let cur: JsonSchema = schema;
  const p = path.trim();
  if (p === "" || p === ".") return cur;
  for (const part of p.replace(/\[(\d+)\]/g, ".$1").split(".")) {
    if (part === "") continue;
    const types = typesOf(cur) ?? [];
    const props = cur.properties as Record<string, JsonSchema> | undefined;
    if (types.includes("object") && props && hasOwn(props, part)) cur = props[part]!;
    else if (types.includes("object") && mapValues(cur)) cur = mapValues(cur)!;
    else if (types.includes("array") && /^\d+$/.test(part) && cur.items) cur = cur.items as JsonSchema;
    else return {};
  }
  return cur;
}

/** Counts the schemas within a schema (itself included): what a bound on stored schemas reads. */
export function schemaSize(schema: JsonSchema): number {
  let n = 1;
  const props = schema.properties as Record<string, JsonSchema> | undefined;
  if (props) for (const k of Object.keys(props)) n += schemaSize(props[k]!);
  if (schema.items) n += schemaSize(schema.items as JsonSchema);
  const map = mapValues(schema);
  if (map) n += schemaSize(map);
  return n;
}

/** The types JSON Schema names. */
const JSON_TYPES: readonly string[] = TYPE_ORDER;

/** Keywords whose value is one schema. */
const SCHEMA_KEYWORDS = ["items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else"];
/** Keywords whose value is a list of schemas. */
const SCHEMA_LIST_KEYWORDS = ["allOf", "anyOf", "oneOf", "prefixItems"];
/** Keywords whose value is a map of names to schemas. */
const SCHEMA_MAP_KEYWORDS = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"];
/** The other keywords a schema may hold (validation and annotations). */
const OTHER_KEYWORDS = new Set([
  "type",
  "required",
  "enum",
  "const",
  "format",
  "title",
  "description",
  "default",
  "examples",
  "deprecated",
  "readOnly",
  "writeOnly",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minLength",
  "maxLength",
  "pattern",
  "minItems",
  "maxItems",
  "uniqueItems",
  "minProperties",
  "maxProperties",
  "dependentRequired",
  "unevaluatedProperties",
  "unevaluatedItems",
  "contentMediaType",
  "contentEncoding",
  "nullable",
]);

/**
 * What makes a declared value an implausible JSON Schema, or undefined when it is one: an
 * object (or true/false) whose `type` names JSON types, whose `properties` are schemas, whose
 * `required` lists names, and which holds at least one keyword when it holds anything (an object
 * such as `{"name": "string"}` is a sample, not a schema). `what` starts the message; the place
 * inside the schema is said as a path (`properties.qty.type`). Depth-bounded.
 */
export function schemaProblem(value: unknown, what: string): string | undefined {
  const at = (path: string[]) => (path.length ? ` (at ${path.join(".")})` : "");
  const check = (v: unknown, path: string[]): string | undefined => {
    if (typeof v === "boolean") return undefined;
    if (v === null || typeof v !== "object" || Array.isArray(v)) {
      return `${what} must be a JSON Schema: an object such as { "type": "object", "properties": { "name": { "type": "string" } } }${at(path)}`;
    }
    if (path.length > 64) return `${what} is nested too deeply${at(path)}`;
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    const known = (k: string) =>
      OTHER_KEYWORDS.has(k) ||
      SCHEMA_KEYWORDS.includes(k) ||
      SCHEMA_LIST_KEYWORDS.includes(k) ||
      SCHEMA_MAP_KEYWORDS.includes(k) ||
      k.startsWith("$") ||
      k.startsWith("x-");
    if (keys.length > 0 && !keys.some(known)) {
      return `${what} has none of JSON Schema's keywords (type, properties, items...)${at(path)}: ${keys
        .slice(0, 3)
        .map((k) => JSON.stringify(k))
        .join(", ")} look like data. An object is described as { "type": "object", "properties": { ... } }`;
    }
    if (o.type !== undefined) {
      const types = Array.isArray(o.type) ? o.type : [o.type];
      const bad = types.find((t) => typeof t !== "string" || !JSON_TYPES.includes(t));
      if (bad !== undefined || types.length === 0) {
        return `${what}: type ${JSON.stringify(bad ?? o.type)} is not a JSON type (${JSON_TYPES.join(", ")})${at([...path, "type"])}`;
      }
    }
    if (o.required !== undefined && (!Array.isArray(o.required) || o.required.some((r) => typeof r !== "string"))) {
      return `${what}: required must be a list of property names${at([...path, "required"])}`;
    }
    if (o.enum !== undefined && !Array.isArray(o.enum)) {
      return `${what}: enum must be a list of values${at([...path, "enum"])}`;
    }
    for (const k of SCHEMA_KEYWORDS) {
      if (o[k] === undefined) continue;
      if (k === "items" && Array.isArray(o[k])) {
        return `${what}: items must be one schema (a list of schemas per position is prefixItems)${at([...path, k])}`;
      }
      const p = check(o[k], [...path, k]);
      if (p) return p;
    }
    for (const k of SCHEMA_LIST_KEYWORDS) {
      if (o[k] === undefined) continue;
      if (!Array.isArray(o[k])) return `${what}: ${k} must be a list of schemas${at([...path, k])}`;
      for (const [i, s] of (o[k] as unknown[]).entries()) {
        const p = check(s, [...path, `${k}[${i}]`]);
        if (p) return p;
      }
    }
    for (const k of SCHEMA_MAP_KEYWORDS) {
      const m = o[k];
      if (m === undefined) continue;
      if (m === null || typeof m !== "object" || Array.isArray(m)) {
        return `${what}: ${k} must map names to schemas${at([...path, k])}`;
      }
      for (const [name, s] of Object.entries(m)) {
        const p = check(s, [...path, k, name]);
        if (p) return p;
      }
    }
    return undefined;
  };
  return check(value, []);
}
