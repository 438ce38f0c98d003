import { useMemo } from "react";
import { referencesTo } from "../../../engine/common/model/reference-rules.ts";
import { refProjects, schemaLookup } from "../problems-model.ts";
import { useStudio } from "../store.ts";

/**
 * In the delete confirmation: the objects outside the deletion that refer to what is deleted
 * (calls, sources, step("name") in code, step variables...), found by the reference rules on
 * the Studio's maps. Deleting leaves them naming nothing: the Problems view will list them.
 */
export function DeleteReferences({ project, ids }: { project: string; ids: string[] }) {
  const projects = useStudio((s) => s.projects);
  const types = useStudio((s) => s.types);
  const hits = useMemo(() => {
    const p = projects[project];
    if (!p) return [];
    const deleted = new Set<string>();
    const stack = [...ids];
    while (stack.length) {
      const id = stack.pop()!;
      if (deleted.has(id)) continue;
      deleted.add(id);
      stack.push(...(p.nodes.get(id)?.children ?? []));
    }
    const seen = new Set<string>();
    return referencesTo(refProjects(projects, types), project, deleted, schemaLookup(types)).filter((h) => {
      const key = `${h.project}/${h.node.id}`;
      if ((h.project === project && deleted.has(h.node.id)) || seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }, [projects, types, project, ids]);
  if (hits.length === 0) return null;
  return (
    <div className="delete-references" role="alert">
      <p>
        ⚠ {hits.length} object{hits.length > 1 ? "s refer" : " refers"} to {ids.length > 1 ? "them" : "it"}; once
        deleted,
        {hits.length > 1 ? " they" : " it"} will name nothing (shown in Problems):
      </p>
      <ul aria-label="Objects that refer to it">
        {hits.slice(0, 20).map((h) => (
          <li key={`${h.project}/${h.node.id}`}>
            {h.path.join(" › ")} <span className="hint">· {h.reference.field}</span>
          </li>
        ))}
        {hits.length > 20 && <li className="hint">…and {hits.length - 20} more</li>}
      </ul>
    </div>
  );
}
