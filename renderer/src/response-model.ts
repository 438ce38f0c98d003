/**
 * What a sequence's response will contain, read from its steps before any run: the steps whose
 * type declares an `output` (Element: a value under its name; Object and Array: nested, filled by
 * the steps inside) make the response, unless their `output` flag is off (calls with theirs on add
 * their result); steps inside a condition may be missing, inside a loop
 * repeated. And where a step's value goes: a Sequence JS step (or a call) gives a value that
 * reaches the response only when an output step reads it (a source, or `step("name")` in code).
 * Pure code, tested by response-model.test.ts; shown by ResponsePreview.tsx.
 */
import { referencesTo } from "../../engine/common/model/reference-rules.ts";
import type { TypeSchema } from "../../engine/common/model/typedef.ts";
import type { FlatNode } from "../../engine/common/studio/api.ts";
import { refProjects, schemaLookup } from "./problems-model.ts";
import type { ProjectState } from "./tree-model.ts";

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
  children: ShapeEntry[];
}

/** The entries a sequence's steps write into its response, in order. */
export function responseShape(
  p: ProjectState,
  sequenceId: string,
  types: ReadonlyMap<string, TypeSchema>,
): ShapeEntry[] {
  const seq = p.nodes.get(sequenceId);
  if (!seq) return [];
  const walk = (ids: readonly string[], optional: boolean, repeated: boolean): ShapeEntry[] => {
    const out: ShapeEntry[] = [];
    for (const id of ids) {
      const n = p.nodes.get(id);
      const t = n && types.get(n.type);
      if (!n || t?.category !== "step") continue;
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
        out.push({
          id: n.id,
          name: n.name,
          kind: t.output,
          optional,
          repeated,
          ...(t.output === "value" ? { from: valueFrom(p, n) } : {}),
          children: t.output === "value" ? [] : walk(n.children, false, false),
        });
        continue;
      }
      out.push(...walk(n.children, optional || t.flow === "condition", repeated || t.flow === "loop"));
    }
    return out;
  };
  return walk(seq.children, false, false);
}

/** A step's `output` flag (its type's default when unset); undefined for a type without one. */
function outputFlag(n: FlatNode, t: TypeSchema): boolean | undefined {
  const def = t.props.find((x) => x.name === "output" && x.kind === "boolean");
  if (!def) return undefined;
  return typeof n.props.output === "boolean" ? n.props.output : def.default === true;
}

function valueFrom(p: ProjectState, n: FlatNode): string {
  const src = n.props.source as { step?: string; path?: string } | undefined;
  if (src?.step) {
    const step = p.nodes.get(src.step);
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

/** A step's value and where it goes: who reads it, and whether an output step writes it. */
export interface ValueUse {
  /** Objects reading the step's value (sources, step("name") in code). */
  readers: { id: string; name: string; field: string }[];
}

/**
 * Does this step give a value that matters to the response: a step running JavaScript statements
 * or calling a sequence or transaction (its value is its output), not itself an output step?
 */
export function givesValue(n: FlatNode, types: ReadonlyMap<string, TypeSchema>): boolean {
  const t = types.get(n.type);
  if (!t || t.category !== "step" || t.output || t.flow) return false;
  return t.props.some(
    (x) =>
      (x.kind === "code" && (x.js ?? "statements") === "statements") ||
      (x.kind === "reference" && (x.refers === "sequence" || x.refers === "transaction")),
  );
}

/** Who reads a step's value, in its project (sources and `step("name")`). */
export function valueUse(
  projects: Readonly<Record<string, ProjectState | undefined>>,
  project: string,
  id: string,
  types: ReadonlyMap<string, TypeSchema>,
): ValueUse {
  const hits = referencesTo(refProjects(projects, types), project, id, schemaLookup(types));
  return { readers: hits.map((h) => ({ id: h.node.id, name: h.node.name, field: h.reference.field })) };
}
