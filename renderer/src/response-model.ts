/**
 * What a sequence's response will contain, read from its steps before any run (the pure core is
 * engine/common/model/response-shape.ts, shared with the engine's output schemas), on the
 * Studio's flat maps. And where a step's value goes: a Sequence JS step (or a call) gives a value that
 * reaches the response only when an output step reads it (a source, or `step("name")` in code).
 * Pure code, tested by response-model.test.ts; shown by ResponsePreview.tsx.
 */
import { referencesTo } from "../../engine/common/model/reference-rules.ts";
import { responseShape as shapeOf, type ShapeEntry } from "../../engine/common/model/response-shape.ts";
import { flatView } from "../../engine/common/model/scope.ts";
import type { TypeSchema } from "../../engine/common/model/typedef.ts";
import type { FlatNode } from "../../engine/common/studio/api.ts";
import { refProjects, schemaLookup } from "./problems-model.ts";
import type { ProjectState } from "./tree-model.ts";

export { shapeText, type ShapeEntry } from "../../engine/common/model/response-shape.ts";

/** The entries a sequence's steps write into its response, in order (engine/common/model/response-shape.ts). */
export function responseShape(
  p: ProjectState,
  sequenceId: string,
  types: ReadonlyMap<string, TypeSchema>,
): ShapeEntry[] {
  return shapeOf(
    flatView(p.nodes, (t) => types.get(t)?.category),
    sequenceId,
    (t) => types.get(t),
  );
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
