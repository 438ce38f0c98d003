/**
 * What a requestable (a sequence or a transaction) answers, as one JSON Schema whose parts say
 * where they come from (issue 18, design §4.2), for the UI builder's binding picker and checks:
 *
 * 1. declared: a sequence's `outputSchema`, when set, wins alone;
 * 2. static: else the response shape derived from a sequence's steps (response-shape.ts), whose
 *    unknown parts (`{}`, an object whose keys are unknown or open) are refined by the shapes of
 *    its test cases' expected outputs (those not expecting an error, merged as the REST API's
 *    documentation merges them: openapi.ts#inferredOutput);
 * 3. runs: what is still unknown is refined by the shapes of its last successful runs (the
 *    engine's `outputSchemas`, served by the Studio route `outputSchemas`), given by the caller.
 *
 * A part's origin is written in it as `x-origin` ("declared", "static", "test", "run") where it
 * differs from its parent's (the root always has one): `originAt` reads it for a path. Where the
 * steps say a key is there, neither tests nor runs remove it; they only say more of what the
 * steps leave unknown. Pure: the run schemas are passed in.
 */
import { inferSchema, mergeSchemas, type JsonSchema } from "./json-schema.ts";
import { isPlainObject } from "./props.ts";
import { responseShape, shapeToSchema, writesUnderRoot, type ShapeTypeLookup } from "./response-shape.ts";
import type { ProjectView, ScopeObject } from "./scope.ts";

export type SchemaOrigin = "declared" | "static" | "test" | "run";

/** The keyword naming a part's origin (an extension keyword: validators ignore it). */
export const ORIGIN = "x-origin";

/** The key of a requestable's run schemas: `project/sequence` or `project/connector.transaction`. */
export function requestableKey(
  project: string,
  ref: { sequence: string } | { connector: string; transaction: string },
): string {
  return "sequence" in ref ? `${project}/${ref.sequence}` : `${project}/${ref.connector}.${ref.transaction}`;
}

/** Run schemas by requestable key (as the Studio route answers them). */
export type RunSchemas = Readonly<Record<string, JsonSchema>> | ((key: string) => JsonSchema | undefined);

function runSchema(runs: RunSchemas | undefined, key: string): JsonSchema | undefined {
  if (!runs) return undefined;
  if (typeof runs === "function") return runs(key);
  return Object.hasOwn(runs, key) && isPlainObject(runs[key]) ? runs[key] : undefined;
}

/** Keywords that say nothing of the value's shape. */
const ANNOTATIONS = new Set([ORIGIN, "title", "description", "$comment", "examples", "default"]);

/** Does this schema leave the value unknown (`{}`, or annotations only)? */
function unknownValue(s: JsonSchema): boolean {
  return Object.keys(s).every((k) => ANNOTATIONS.has(k));
}

function typesOf(s: JsonSchema): string[] {
  return typeof s.type === "string" ? [s.type] : Array.isArray(s.type) ? (s.type as string[]) : [];
}

function propsOf(s: JsonSchema): Record<string, JsonSchema> | undefined {
  return isPlainObject(s.properties) ? (s.properties as Record<string, JsonSchema>) : undefined;
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A copy of `s` marked with its origin (its root only: its parts inherit it). */
function marked(s: JsonSchema, origin: SchemaOrigin): JsonSchema {
  return { ...s, [ORIGIN]: origin };
}

/**
 * `base` with its unknown parts told by `extra` (of origin `origin`): a `{}` part becomes
 * extra's; an object whose keys are unknown (none listed) or open (`additionalProperties`) gains
 * extra's other keys; listed keys and array items are refined in turn. What base says is kept.
 */
export function refineSchema(base: JsonSchema, extra: JsonSchema | undefined, origin: SchemaOrigin): JsonSchema {
  if (!extra || unknownValue(extra)) return base;
  if (unknownValue(base)) return marked(extra, origin);
  const bt = typesOf(base);
  const et = typesOf(extra);
  let out: JsonSchema | undefined;
  if (bt.includes("object") && et.includes("object")) {
    const bp = propsOf(base);
    const ep = propsOf(extra) ?? {};
    const open = bp === undefined || isPlainObject(base.additionalProperties) || base.additionalProperties === true;
    const properties: Record<string, unknown> = {};
    for (const [k, s] of Object.entries(bp ?? {})) {
      setOwn(properties, k, Object.hasOwn(ep, k) ? refineSchema(s, ep[k], origin) : s);
    }
    if (open) {
      for (const [k, s] of Object.entries(ep))
        if (!Object.hasOwn(properties, k)) setOwn(properties, k, marked(s, origin));
    }
    out = { ...base };
    if (Object.keys(properties).length) out.properties = properties;
  }
  if (bt.includes("array") && et.includes("array") && isPlainObject(extra.items)) {
    out ??= { ...base };
    out.items = isPlainObject(base.items)
      ? refineSchema(base.items as JsonSchema, extra.items as JsonSchema, origin)
      : marked(extra.items as JsonSchema, origin);
  }
  return out ?? base;
}

/** The origin of the part at a path (`rows[0].doc.item`): that of the deepest part with one on the way. */
export function originAt(schema: JsonSchema, path: readonly string[]): SchemaOrigin | undefined {
  let origin = schema[ORIGIN] as SchemaOrigin | undefined;
  let cur: JsonSchema | undefined = schema;
  for (const part of path) {
    const props: Record<string, JsonSchema> | undefined = cur && propsOf(cur);
    if (props && Object.hasOwn(props, part)) cur = props[part];
    else if (cur && /^\d+$/.test(part) && isPlainObject(cur.items)) cur = cur.items as JsonSchema;
    else if (cur && isPlainObject(cur.additionalProperties)) cur = cur.additionalProperties as JsonSchema;
    else break;
    if (cur && typeof cur[ORIGIN] === "string") origin = cur[ORIGIN] as SchemaOrigin;
  }
  return origin;
}

/** The merged shapes of the expected outputs of a requestable's test cases that expect no error. */
export function testCasesSchema<N extends ScopeObject>(view: ProjectView<N>, node: N): JsonSchema | undefined {
  let schema: JsonSchema | undefined;
  for (const c of view.childrenOf(node)) {
    if (c.type !== "TestCase") continue;
    const expected = c.props.expected;
    // An expected error says nothing of the output.
    if (expected === undefined || (isPlainObject(expected) && "error" in expected)) continue;
    const s = inferSchema(expected);
    schema = schema ? mergeSchemas(schema, s) : s;
  }
  return schema;
}

/**
 * A requestable's schema, its parts marked with their origins; undefined when nothing is known of
 * it (a transaction without test cases nor runs). `id` names a sequence or a transaction of the
 * project `project` (the run schemas' keys start with it).
 */
export function requestableSchema<N extends ScopeObject>(
  view: ProjectView<N>,
  project: string,
  id: string,
  types: ShapeTypeLookup,
  runs?: RunSchemas,
): JsonSchema | undefined {
  const node = view.get(id);
  if (!node) return undefined;
  const category = view.categoryOf(node.type);
  let key: string;
  let base: JsonSchema;
  if (category === "sequence") {
    const declared = node.props.outputSchema;
    if (isPlainObject(declared)) return marked(declared, "declared");
    key = requestableKey(project, { sequence: node.name });
    base = marked(shapeToSchema(responseShape(view, id, types), { open: writesUnderRoot(view, id) }), "static");
  } else if (category === "transaction") {
    const connector = view.parentOf(node);
    key = requestableKey(project, { connector: connector?.name ?? "", transaction: node.name });
    base = {};
  } else {
    return undefined;
  }
  const tests = testCasesSchema(view, node);
  const refined = refineSchema(refineSchema(base, tests, "test"), runSchema(runs, key), "run");
  return unknownValue(refined) ? undefined : refined;
}
