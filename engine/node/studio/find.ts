import { pathTo, type ObjNode } from "../../common/model/node.ts";
import { referencesTo, type ProjectRoot } from "../../common/model/references.ts";
import { getType } from "../../common/model/registry.ts";
import type { FindResult } from "../../common/studio/api.ts";

/** The projects searched: a Workspace, or any map of projects by name (tests). */
export interface ProjectsView {
  readonly projects: ReadonlyMap<string, ProjectRoot>;
}

export interface FindQuery {
  text: string;
  /** Limit to one project. */
  project?: string;
  /** Where to look: names, types, property values (all by default). */
  in?: ("name" | "type" | "value")[];
  limit?: number;
}

function excerpt(text: string, at: number, len: number): string {
  const from = Math.max(0, at - 30);
  const to = Math.min(text.length, at + len + 50);
  return (from > 0 ? "…" : "") + text.slice(from, to).replace(/\s+/g, " ") + (to < text.length ? "…" : "");
}

/** Searches objects of the workspace by name, type (or its label) and property values. */
export function findObjects(ws: ProjectsView, q: FindQuery): { results: FindResult[]; truncated: boolean } {
  const needle = q.text.trim().toLowerCase();
  const where = new Set(q.in?.length ? q.in : ["name", "type", "value"]);
  const limit = q.limit ?? 500;
  const results: FindResult[] = [];
  let truncated = false;
  if (!needle) return { results, truncated };
  for (const p of ws.projects.values()) {
    if (q.project && p.name !== q.project) continue;
    const visit = (n: ObjNode, trail: string[]): void => {
      if (truncated) return;
      const path = [...trail, n.name];
      const add = (field: string, text: string, at: number) => {
        if (results.length >= limit) {
          truncated = true;
          return;
        }
        results.push({
          project: p.name,
          id: n.id,
          name: n.name,
          type: n.type,
          path,
          field,
          excerpt: excerpt(text, at, needle.length),
        });
      };
      let hit = false;
      if (where.has("name")) {
        const at = n.name.toLowerCase().indexOf(needle);
        if (at >= 0) {
          add("name", n.name, at);
          hit = true;
        }
      }
      if (!hit && where.has("type")) {
        const label = getType(n.type)?.label ?? n.type;
        const at = n.type.toLowerCase().indexOf(needle);
        const atLabel = label.toLowerCase().indexOf(needle);
        if (at >= 0 || atLabel >= 0) {
          add("type", at >= 0 ? n.type : label, at >= 0 ? at : atLabel);
          hit = true;
        }
      }
      if (!hit && where.has("value")) {
        for (const [k, v] of Object.entries(n.props)) {
          const text = typeof v === "string" ? v : JSON.stringify(v);
          const at = text.toLowerCase().indexOf(needle);
          if (at >= 0) {
            add(k, text, at);
            break;
          }
        }
      }
      for (const c of n.children) visit(c, path);
    };
    visit(p.root, []);
  }
  return { results, truncated };
}

/**
 * The objects that refer to one object, across the workspace: every reference property naming it
 * (the steps calling a transaction or a sequence, the FullSync listeners running a sequence...)
 * and every source reading a step, as the type definitions declare them (references.ts).
 */
export function findReferences(ws: ProjectsView, project: string, targetId: string): FindResult[] {
  const home = ws.projects.get(project);
  const trail = home ? pathTo(home.root, targetId) : undefined;
  const target = trail?.at(-1);
  if (!trail || !target) return [];
  // A transaction is shown with its connector: two connectors may hold transactions of one name.
  const parent = trail.at(-2);
  const excerpt =
    getType(target.type)?.category === "transaction" && parent ? `${parent.name}.${target.name}` : target.name;
  return referencesTo(ws.projects.values(), project, targetId).map((hit) => ({
    project: hit.project,
    id: hit.node.id,
    name: hit.node.name,
    type: hit.node.type,
    path: hit.path,
    field: hit.reference.field,
    excerpt,
  }));
}
