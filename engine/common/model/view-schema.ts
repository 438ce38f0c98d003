/**
 * The shapes a FullSync view answers, read from its map function's text before any run (issue 18,
 * design §4.2): the documents' properties from what the function reads (`doc.type`,
 * `doc["~c8oAcl"]`, `doc.address.city`), a row's value from an object literal given to `emit` as
 * its second argument (`emit(doc.user, { item: doc.item, qty: doc.qty })` → `{item, qty}`), and a
 * row's key from `emit`'s first argument when it is simple (a literal, a read of the document, a
 * list of those). Nothing is run: the text is read through js-scan.ts's tokenizer.
 *
 * What the text does not tell plainly is `{}` (any value), never a guess: a value built in a
 * variable, a computed key, a spread, a call. Documents are open (`additionalProperties: {}`): a
 * map function reads some of their properties, not all. A row is `{id, key, value, doc?}`; a view
 * answers `{total_rows, offset, rows: [row]}` (reduced: `{rows: [{key, value}]}`). Declared
 * schemas (the view's `rowSchema`, `docSchema`) win over what is read here.
 */
import { mergeSchemas, type JsonSchema } from "./json-schema.ts";
import { stringValue, tokenize, type Token } from "./js-scan.ts";
import { isPlainObject } from "./props.ts";

/** What a map function's text tells. */
export interface MapInference {
  /** The documents (open: the properties read, and any other). */
  doc: JsonSchema;
  /** A row's key. */
  key: JsonSchema;
  /** A row's value. */
  value: JsonSchema;
}

/** An object tree of the documents' properties read, by name. */
interface ReadTree {
  props: Map<string, ReadTree>;
}

const STRING: JsonSchema = { type: "string" };
const MAX_TOKENS = 20_000;

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The name of the function's first parameter (`function (doc)`, `(doc) =>`, `doc =>`), if plain. */
function docParam(tokens: readonly Token[]): string | undefined {
  let i = 0;
  if (tokens[i]?.text === "function") {
    i++;
    if (tokens[i]?.kind === "name") i++; // its name
  }
  if (tokens[i]?.text === "(") {
    const t = tokens[i + 1];
    return t?.kind === "name" && (tokens[i + 2]?.text === ")" || tokens[i + 2]?.text === ",") ? t.text : undefined;
  }
  return tokens[i]?.kind === "name" && tokens[i + 1]?.text === "=>" ? tokens[i]!.text : undefined;
}

/** A property name after `.` / `?.`, or inside `[...]` as a string literal; with the tokens it took. */
function member(tokens: readonly Token[], i: number): { name: string; next: number } | undefined {
  const t = tokens[i];
  if ((t?.text === "." || t?.text === "?.") && tokens[i + 1]?.kind === "name") {
    return { name: tokens[i + 1]!.text, next: i + 2 };
  }
  const open = t?.text === "[" ? i : t?.text === "?." && tokens[i + 1]?.text === "[" ? i + 1 : -1;
  if (open >= 0 && tokens[open + 2]?.text === "]") {
    const name = stringValue(tokens[open + 1]!);
    if (name !== undefined) return { name, next: open + 3 };
  }
  return undefined;
}

/**
 * The property path a read of the document starting at token `i` (the parameter's name) names:
 * `doc.a.b` → [a, b]. A method called on the last part (`doc.name.toLowerCase()`) and `length`
 * leave it out: they say what the value is, not a property of it.
 */
function readPath(tokens: readonly Token[], i: number): { path: string[]; next: number } {
  const path: string[] = [];
  let j = i + 1;
  for (;;) {
    const m = member(tokens, j);
    if (!m) break;
    path.push(m.name);
    j = m.next;
  }
  if (path.length && (tokens[j]?.text === "(" || path.at(-1) === "length")) path.pop();
  return { path, next: j };
}

/** Is token `i` a read of the variable (not a property `x.doc`, nor a key `{doc: 1}`)? */
function isVariable(tokens: readonly Token[], i: number, name: string): boolean {
  const t = tokens[i]!;
  if (t.kind !== "name" || t.text !== name) return false;
  const prev = tokens[i - 1]?.text;
  if (prev === "." || prev === "?.") return false;
  // A key of an object literal: `{ doc: ... }` or `, doc: ...` (not `a ? doc : b`).
  if (tokens[i + 1]?.text === ":" && (prev === "{" || prev === ",")) return false;
  return true;
}

function treeSchema(t: ReadTree): JsonSchema {
  if (t.props.size === 0) return {};
  const properties: Record<string, unknown> = {};
  for (const [k, sub] of t.props) setOwn(properties, k, treeSchema(sub));
  // Read into: an object, whose other properties are unknown.
  return { type: "object", properties, additionalProperties: {} };
}

/** The tokens of a text at the top level of template literals (their substitutions left out). */
function topLevel(tokens: readonly Token[]): Token[] {
  const out: Token[] = [];
  let templateEnd = -1;
  for (const t of tokens) {
    if (t.start < templateEnd) continue;
    out.push(t);
    if (t.kind === "template") templateEnd = t.end;
  }
  return out;
}

const OPEN: Record<string, string> = { "(": ")", "[": "]", "{": "}" };

/** The index of the bracket closing the one at `i`, or -1. */
function closing(tokens: readonly Token[], i: number): number {
  const stack: string[] = [];
  for (let j = i; j < tokens.length; j++) {
    const x = tokens[j]!.text;
    if (tokens[j]!.kind !== "punct") continue;
    if (OPEN[x]) stack.push(OPEN[x]);
    else if (x === ")" || x === "]" || x === "}") {
      if (stack.pop() !== x) return -1;
      if (stack.length === 0) return j;
    }
  }
  return -1;
}

/** Tokens from `from` to `to` (excluded) split at the commas outside brackets. */
function splitArgs(tokens: readonly Token[], from: number, to: number): Token[][] {
  const out: Token[][] = [];
  let cur: Token[] = [];
  let depth = 0;
  for (let j = from; j < to; j++) {
    const t = tokens[j]!;
    if (t.kind === "punct" && OPEN[t.text]) depth++;
    else if (t.kind === "punct" && (t.text === ")" || t.text === "]" || t.text === "}")) depth--;
    if (depth === 0 && t.kind === "punct" && t.text === ",") {
      out.push(cur);
      cur = [];
    } else cur.push(t);
  }
  if (cur.length || out.length) out.push(cur);
  return out;
}

/**
 * The schema of a simple expression's value: a literal, a read of the document, an object or a
 * list literal of those; `{}` for anything else.
 */
function exprSchema(toks: readonly Token[], param: string | undefined, doc: ReadTree): JsonSchema {
  if (toks.length === 0) return {};
  const first = toks[0]!;
  if (toks.length === 1) {
    if (first.kind === "string" || first.kind === "template") return STRING;
    if (first.kind === "number") return /^\d+$/.test(first.text) ? { type: "integer" } : { type: "number" };
    if (first.text === "null") return { type: "null" };
    if (first.text === "true" || first.text === "false") return { type: "boolean" };
  }
  if (param !== undefined && first.kind === "name" && first.text === param) {
    const { path, next } = readPath(toks, 0);
    if (next !== toks.length || toks[next - 1]?.text === "(") return {};
    if (path.length === 0) return docSchemaOf(doc);
    if (path.length === 1 && (path[0] === "_id" || path[0] === "_rev")) return STRING;
    let cur: ReadTree | undefined = doc;
    for (const p of path) cur = cur?.props.get(p);
    return cur ? treeSchema(cur) : {};
  }
  if (first.text === "[" && closing(toks, 0) === toks.length - 1) {
    const parts = splitArgs(toks, 1, toks.length - 1).filter((p) => p.length > 0);
    let items: JsonSchema | undefined;
    for (const p of parts) {
      if (p[0]?.text === "...") return { type: "array" };
      const s = exprSchema(p, param, doc);
      items = items === undefined ? s : mergeSchemas(items, s);
    }
    return items === undefined || Object.keys(items).length === 0 ? { type: "array" } : { type: "array", items };
  }
  if (first.text === "{" && closing(toks, 0) === toks.length - 1) {
    const properties: Record<string, unknown> = {};
    const required: string[] = [];
    let open = false;
    for (const entry of splitArgs(toks, 1, toks.length - 1)) {
      if (entry.length === 0) continue;
      const k = entry[0]!;
      const name = k.kind === "name" ? k.text : k.kind === "string" ? stringValue(k) : undefined;
      if (name !== undefined && entry.length === 1 && k.kind === "name") {
        // Shorthand `{ doc }` or `{ x }`: the variable's value.
        setOwn(properties, name, name === param ? docSchemaOf(doc) : {});
      } else if (name !== undefined && entry[1]?.text === ":") {
        setOwn(properties, name, exprSchema(entry.slice(2), param, doc));
      } else {
        // A spread, a computed key, a method: keys only a run knows.
        open = true;
        continue;
      }
      if (!required.includes(name)) required.push(name);
    }
    const out: JsonSchema = { type: "object" };
    if (Object.keys(properties).length) out.properties = properties;
    if (required.length) out.required = required;
    if (open) out.additionalProperties = {};
    return out;
  }
  return {};
}

/** The documents' schema from the properties read: `_id` and `_rev` always, open to the others. */
function docSchemaOf(doc: ReadTree): JsonSchema {
  const properties: Record<string, unknown> = {};
  setOwn(properties, "_id", STRING);
  setOwn(properties, "_rev", STRING);
  for (const [k, sub] of doc.props) {
    if (k === "_id" || k === "_rev") continue;
    setOwn(properties, k, treeSchema(sub));
  }
  return { type: "object", properties, required: ["_id", "_rev"], additionalProperties: {} };
}

/**
 * What a map function's text tells of the documents, keys and values of its rows. Text that is
 * no function of one parameter tells nothing (`{}` everywhere but the documents' `_id`/`_rev`).
 */
export function inferMapFunction(map: string): MapInference {
  const all = tokenize(map);
  const doc: ReadTree = { props: new Map() };
  const param = all.length <= MAX_TOKENS ? docParam(all) : undefined;
  if (param === undefined) return { doc: docSchemaOf(doc), key: {}, value: {} };
  // Every read of the document, template substitutions included; the parameter itself skipped.
  let skippedParam = false;
  for (let i = 0; i < all.length; i++) {
    if (!isVariable(all, i, param)) continue;
    if (!skippedParam) {
      skippedParam = true;
      continue;
    }
    const { path } = readPath(all, i);
    let cur = doc;
    for (const p of path) {
      let next = cur.props.get(p);
      if (!next) cur.props.set(p, (next = { props: new Map() }));
      cur = next;
    }
  }
  const tokens = topLevel(all);
  let key: JsonSchema | undefined;
  let value: JsonSchema | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== "name" || t.text !== "emit" || tokens[i + 1]?.text !== "(") continue;
    const prev = tokens[i - 1]?.text;
    if (prev === "." || prev === "?." || prev === "function") continue;
    const end = closing(tokens, i + 1);
    if (end < 0) return { doc: docSchemaOf(doc), key: {}, value: {} };
    const args = splitArgs(tokens, i + 2, end);
    const k = exprSchema(args[0] ?? [], param, doc);
    // emit(key) emits a null value.
    const v = args.length < 2 || args[1]!.length === 0 ? { type: "null" } : exprSchema(args[1]!, param, doc);
    key = key === undefined ? k : mergeSchemas(key, k);
    value = value === undefined ? v : mergeSchemas(value, v);
  }
  return { doc: docSchemaOf(doc), key: key ?? {}, value: value ?? {} };
}

/** A declared schema when the property holds one (an object or true/false), else undefined. */
function declared(v: unknown): JsonSchema | undefined {
  if (isPlainObject(v)) return v;
  return undefined;
}

/** The schema of a row (`{id, key, value, doc?}`): the view's rowSchema when declared, else read from `map`. */
export function viewRowSchema(props: Record<string, unknown>): JsonSchema {
  const row = declared(props.rowSchema);
  if (row) return row;
  const inferred = inferMapFunction(typeof props.map === "string" ? props.map : "");
  return {
    type: "object",
    properties: { id: STRING, key: inferred.key, value: inferred.value, doc: viewDocSchema(props, inferred) },
    required: ["id", "key", "value"],
  };
}

/** The schema of the documents a view reads: its docSchema when declared, else read from `map`. */
export function viewDocSchema(props: Record<string, unknown>, inferred?: MapInference): JsonSchema {
  return (
    declared(props.docSchema) ?? (inferred ?? inferMapFunction(typeof props.map === "string" ? props.map : "")).doc
  );
}

/** The built-in reduces' values. */
const REDUCE_VALUES: Record<string, JsonSchema> = {
  _count: { type: "integer" },
  _sum: { type: ["number", "array"] },
  _approx_count_distinct: { type: "integer" },
  _stats: {
    type: "object",
    properties: {
      sum: { type: "number" },
      count: { type: "integer" },
      min: { type: "number" },
      max: { type: "number" },
      sumsqr: { type: "number" },
    },
    required: ["sum", "count", "min", "max", "sumsqr"],
  },
};

/**
 * What a query of the view answers: `{total_rows, offset, rows: [row]}`; `reduced` (the view has
 * a reduce and the query does not turn it off): `{rows: [{key, value}]}`, a built-in reduce's value
 * known, a custom one's not.
 */
export function viewAnswerSchema(props: Record<string, unknown>, opts: { reduced?: boolean } = {}): JsonSchema {
  const reduce = typeof props.reduce === "string" ? props.reduce.trim() : "";
  if (opts.reduced && reduce !== "") {
    const key = (schemaProp(viewRowSchema(props), "key") ?? {}) as JsonSchema;
    return {
      type: "object",
      properties: {
        rows: {
          type: "array",
          items: {
            type: "object",
            properties: { key, value: REDUCE_VALUES[reduce] ?? {} },
            required: ["key", "value"],
          },
        },
      },
      required: ["rows"],
    };
  }
  return {
    type: "object",
    properties: {
      total_rows: { type: "integer" },
      offset: { type: "integer" },
      rows: { type: "array", items: viewRowSchema(props) },
    },
    required: ["total_rows", "offset", "rows"],
  };
}

function schemaProp(s: JsonSchema, name: string): unknown {
  const props = s.properties;
  return isPlainObject(props) && Object.hasOwn(props, name) ? props[name] : undefined;
}
