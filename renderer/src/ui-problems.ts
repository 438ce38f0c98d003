/**
 * What the Problems view says about the UI builder's bindings (engine/common/ui/binding-checks.ts
 * on the Studio's flat maps): paths not in what their targets answer (a renamed sequence output
 * shows at once), ForEach items that are no list, items read outside their directive, action
 * sources not earlier in the chain, Call Sequence variables and Private targets. Missing targets
 * are left to the reference rules (problems-model.ts says them already). Schemas come from the
 * projects (declared, static, test cases) and from the run schemas the engine serves
 * (`outputSchemas`), when given. Pure code over the Studio's flat maps.
 */
import type { JsonSchema } from "../../engine/common/model/json-schema.ts";
import { flatProject, type RefProject, type TypeLookup } from "../../engine/common/model/reference-rules.ts";
import type { TypeSchema } from "../../engine/common/model/typedef.ts";
import type { FlatNode } from "../../engine/common/studio/api.ts";
import { bindingProblems, modelSchemas } from "../../engine/common/ui/binding-checks.ts";
import type { ProjectState } from "./tree-model.ts";

export interface UiNote {
  project: string;
  id: string;
  path: string[];
  prop: string;
  severity: "error" | "warning" | "info";
  message: string;
}

/** The binding notes of every project holding an application. */
export function uiNotes(
  projects: Readonly<Record<string, ProjectState | undefined>>,
  types: ReadonlyMap<string, TypeSchema>,
  runSchemas?: Readonly<Record<string, JsonSchema>>,
): UiNote[] {
  const lookup: TypeLookup = (t) => types.get(t);
  const all: RefProject<FlatNode>[] = [];
  for (const p of Object.values(projects)) {
    const r = p && flatProject(p.name, p.rootId, p.nodes, lookup);
    if (r) all.push(r);
  }
  const withApp = all.filter((r) => r.view.childrenOf(r.root).some((c) => c.type === "Application"));
  if (withApp.length === 0) return [];
  const schemas = modelSchemas(all, (t) => types.get(t), runSchemas);
  const out: UiNote[] = [];
  for (const r of withApp) {
    const state = projects[r.name]!;
    for (const issue of bindingProblems(r, lookup, schemas)) {
      if (issue.rule === "target") continue;
      const path: string[] = [];
      for (let n = state.nodes.get(issue.id); n; n = n.parent !== undefined ? state.nodes.get(n.parent) : undefined) {
        path.unshift(n.name);
      }
      out.push({
        project: r.name,
        id: issue.id,
        path,
        prop: issue.prop,
        severity: issue.severity,
        message: issue.message,
      });
    }
  }
  return out;
}
