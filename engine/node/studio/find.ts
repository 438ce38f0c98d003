import type { ObjNode } from "../../common/model/node.ts";
import { getType, propOrDefault } from "../../common/model/registry.ts";
import type { FindResult } from "../../common/studio/api.ts";
import type { Workspace } from "../project/workspace.ts";

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
export function findObjects(ws: Workspace, q: FindQuery): { results: FindResult[]; truncated: boolean } {
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

/** The steps that call a transaction or a sequence, across the workspace. */
export function findReferences(ws: Workspace, project: string, targetId: string): FindResult[] {
  const p = ws.get(project);
  if (!p) return [];
  let target: ObjNode | undefined;
  let targetConnector: ObjNode | undefined;
  const locate = (n: ObjNode, parent?: ObjNode) => {
    if (target) return;
    if (n.id === targetId) {
      target = n;
      targetConnector = parent;
      return;
    }
    for (const c of n.children) locate(c, n);
  };
  locate(p.root);
  if (!target) return [];
  const category = getType(target.type)?.category;
  if (category !== "transaction" && category !== "sequence") return [];
  const connectors = p.root.children.filter((c) => getType(c.type)?.category === "connector");
  const defaultConnector =
    connectors.find((c) => propOrDefault<boolean>(c, "isDefault")) ??
    (connectors.length === 1 ? connectors[0] : undefined);
  const out: FindResult[] = [];
  for (const other of ws.projects.values()) {
    const visit = (n: ObjNode, trail: string[]) => {
      const path = [...trail, n.name];
      const projectProp = String(n.props.project ?? "") || other.name;
      if (projectProp === p.name) {
        if (category === "transaction" && n.type === "CallTransaction" && n.props.transaction === target!.name) {
          const conn = String(n.props.connector ?? "");
          const refersTo = conn ? connectors.find((c) => c.name === conn) : defaultConnector;
          if (refersTo && refersTo.id === targetConnector?.id) {
            out.push({
              project: other.name,
              id: n.id,
              name: n.name,
              type: n.type,
              path,
              field: "transaction",
              excerpt: `${conn || refersTo.name}.${target!.name}`,
            });
          }
        }
        if (category === "sequence" && n.type === "CallSequence" && n.props.sequence === target!.name) {
          out.push({
            project: other.name,
            id: n.id,
            name: n.name,
            type: n.type,
            path,
            field: "sequence",
            excerpt: target!.name,
          });
        }
      }
      for (const c of n.children) visit(c, path);
    };
    visit(other.root, []);
  }
  return out;
}
