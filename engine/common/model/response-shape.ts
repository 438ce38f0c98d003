/**
 * What a sequence's response will contain, read from its steps before any run: the steps whose
 * type declares an `output` (Element: a value under its name; Object and Array: nested, filled by
 * the steps inside) make the response, unless their `output` flag is off (calls with theirs on add
 * their result); steps inside a condition may be missing, inside a loop repeated.
 *
 * `shapeToSchema` turns the shape into a JSON Schema (json-schema.ts): the keys are known, a
 * constant's type is known, a value only known at run time (an expression, a source, a call's
 * result) is `{}` (any value), and an array's items are what its steps append. What the steps
 * cannot tell stays open rather than wrong: a Copy of members adds keys only a run knows, and so
 * does JavaScript writing at the root (`context.addTextNodeUnderRoot`).
 *
 * Pure: it reads a project through a view (scope.ts) and types through a lookup, so the Studio
 * (renderer/src/response-model.ts, on its flat maps) and the engine (output-schema.ts, on trees)
 * derive the same shape.
 */
import { inferSchema, mergeSchemas, type JsonSchema } from "./json-schema.ts";
import type { PropDef } from "./props.ts";
import type { ProjectView, ScopeObject } from "./scope.ts";
import type { Category, TypeDef } from "./typedef.ts";

/** What the shape reads of a type (a registry TypeDef or a served TypeSchema fits). */
export type ShapeTypeLookup = (type: string) =>
  | {
      category: Category;
      output?: TypeDef["output"];
      flow?: TypeDef["flow"];
      props: readonly Pick<PropDef, "name" | "kind" | "default">[];
    }
  | undefined;

/** One entry of the response: a value, or an object or array the steps inside fill. */
export interface ShapeEntry {
  /** The step writing it. */
  id: string;
  /** The key it is written under (in an array: appended, the name is not a key). */
  name: string;
  kind: "value" | "object" | "array";
  /** Under a condition: may be missing. */
  optional: boolean;
  /** Under a loop: written many times (in an object, a name written twice becomes a list). */
  repeated: boolean;
  /** Where a value comes from, in words: "source Fetch › data.title", "expression", "constant". */
  from?: string;
  /** A value set as a constant: the constant (its type is then known before any run). */
  constant?: unknown;
  /** A Copy of members: the keys of the value it reads (each item of a list), known only at run time. */
  members?: boolean;
  children: ShapeEntry[];
}

/** The entries a sequence's steps write into its response, in order. */
export function responseShape<N extends ScopeObject>(
  view: ProjectView<N>,
  sequenceId: string,
  types: ShapeTypeLookup,
): ShapeEntry[] {
  const seq = view.get(sequenceId);
  if (!seq) return [];
  const walk = (nodes: readonly N[], optional: boolean, repeated: boolean): ShapeEntry[] => {
    const out: ShapeEntry[] = [];
    for (const n of nodes) {
      const t = types(n.type);
      if (t?.category !== "step") continue;
      const flag = outputFlag(n, t);
      // Kept out of the response (output: false): built for sources only, with what it holds.
      if (t.output && flag === false) continue;
      if (!t.output && flag === true) {
        // A call adding its result (output: true).
        out.push({
          id: n.id,
          name: n.name,
          kind: "value",
          optional,
          repeated,
          from: "the call's result",
          children: [],
        });
        continue;
      }
      if (t.output) {
        const entry: ShapeEntry = {
          id: n.id,
          name: n.name,
          kind: t.output,
          optional,
          repeated,
          ...(t.output === "value" ? { from: valueFrom(view, n) } : {}),
          children: t.output === "value" ? [] : walk(view.childrenOf(n), false, false),
        };
        if (t.output === "value" && isConstant(n)) entry.constant = n.props.value;
        if (t.output === "value" && n.props.members === true && t.props.some((p) => p.name === "members")) {
          entry.members = true;
        }
        out.push(entry);
        continue;
      }
      out.push(...walk(view.childrenOf(n), optional || t.flow === "condition", repeated || t.flow === "loop"));
    }
    return out;
  };
  return walk(view.childrenOf(seq), false, false);
}

/** A step's `output` flag (its type's default when unset); undefined for a type without one. */
function outputFlag(n: ScopeObject, t: NonNullable<ReturnType<ShapeTypeLookup>>): boolean | undefined {
  const def = t.props.find((x) => x.name === "output" && x.kind === "boolean");
  if (!def) return undefined;
  return typeof n.props.output === "boolean" ? n.props.output : def.default === true;
}

/** Is the step's value its constant (no source, no expression)? */
function isConstant(n: ScopeObject): boolean {
  const src = n.props.source as { step?: string } | undefined;
  const expr = n.props.expression;
  return !src?.step && !(typeof expr === "string" && expr.trim()) && n.props.value !== undefined;
}

function valueFrom<N extends ScopeObject>(view: ProjectView<N>, n: N): string {
  const src = n.props.source as { step?: string; path?: string } | undefined;
  if (src?.step) {
    const step = view.get(src.step);
    return `source ${step?.name ?? src.step}${src.path ? ` › ${src.path}` : ""}`;
  }
  if (typeof n.props.expression === "string" && n.props.expression.trim())
    return `expression ${n.props.expression.trim()}`;
  if (n.props.value !== undefined) return `constant ${JSON.stringify(n.props.value)}`;
  return "no value set";
}

/** The shape as JSON-like text (for a compact preview and tests). */
export function shapeText(entries: readonly ShapeEntry[], indent = ""): string {
  if (entries.length === 0) return "{}";
  const inner = indent + "  ";
  const lines = entries.map((e) => {
    const key = `${JSON.stringify(e.name)}${e.optional ? "?" : ""}: `;
    const body =
      e.kind === "value"
        ? `‹${e.from ?? "value"}›`
        : e.kind === "object"
          ? shapeText(e.children, inner)
          : `[${e.children.length ? ` ${e.children.map((c) => (c.kind === "value" ? `‹${c.from}›` : shapeText(c.children, inner + "  "))).join(", ")} ` : ""}]`;
    return `${inner}${key}${e.repeated ? `${body} (repeated)` : body}`;
  });
  return `{\n${lines.join(",\n")}\n${indent}}`;
}

/** Does JavaScript of the sequence write at the response's root (Convertigo's addTextNodeUnderRoot)? */
export function writesUnderRoot<N extends ScopeObject>(view: ProjectView<N>, sequenceId: string): boolean {
  const seq = view.get(sequenceId);
  if (!seq) return false;
  const stack = [...view.childrenOf(seq)];
  while (stack.length) {
    const n = stack.pop()!;
    for (const v of Object.values(n.props))
      if (typeof v === "string" && v.includes("addTextNodeUnderRoot")) return true;
    stack.push(...view.childrenOf(n));
  }
  return false;
}

/**
 * The JSON Schema of what entries write: an object of their keys (required unless under a
 * condition). `open`: keys beyond those listed may be written (`additionalProperties: {}`), as
 * JavaScript writing at the root does.
 */
export function shapeToSchema(entries: readonly ShapeEntry[], opts: { open?: boolean } = {}): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  let open = opts.open === true;
  for (const e of entries) {
    if (e.members) {
      // Each key of what it copies, under its own name: the keys are a run's.
      open = true;
      continue;
    }
    const one = entrySchema(e);
    const has = Object.prototype.hasOwnProperty.call(properties, e.name);
    // A name written twice (or in a loop) becomes a list: one value or several.
    const schema = has || e.repeated ? {} : one;
    Object.defineProperty(properties, e.name, { value: schema, enumerable: true, writable: true, configurable: true });
    if (!e.optional && !required.includes(e.name)) required.push(e.name);
  }
  const out: JsonSchema = { type: "object" };
  if (Object.keys(properties).length) out.properties = properties;
  if (required.length) out.required = required;
  if (open) out.additionalProperties = {};
  return out;
}

/** The schema of one entry's value (an object's or array's from the entries inside). */
function entrySchema(e: ShapeEntry): JsonSchema {
  if (e.kind === "object") return shapeToSchema(e.children);
  if (e.kind === "array") {
    let items: JsonSchema | undefined;
    for (const c of e.children) {
      const s = c.members ? {} : entrySchema(c);
      items = items === undefined ? s : mergeSchemas(items, s);
    }
    return items === undefined ? { type: "array" } : { type: "array", items };
  }
  return "constant" in e ? inferSchema(e.constant) : {};
}
