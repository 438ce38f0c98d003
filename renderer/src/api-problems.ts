/**
 * What the Problems view says about REST APIs, beyond each object's own checks: parameters that
 * give a value to no variable of the target, path parameters without a {segment} (or segments
 * without a variable), operations whose target is Private (every call refused), and paths served
 * by two projects (the first one answers). Pure code over the Studio's flat maps.
 */
import { joinPaths, parsePathTemplate, type PathTemplate } from "../../engine/common/api/rest-paths.ts";
import type { TypeSchema } from "../../engine/common/model/typedef.ts";
import type { FlatNode } from "../../engine/common/studio/api.ts";
import type { ProjectState } from "./tree-model.ts";

export interface ApiNote {
  project: string;
  id: string;
  path: string[];
  prop?: string;
  severity: "error" | "warning";
  message: string;
}

function tryTemplate(text: unknown): PathTemplate | undefined {
  if (typeof text !== "string" || text === "") return undefined;
  try {
    return parsePathTemplate(text);
  } catch {
    return undefined;
  }
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** The sequence or transaction an operation names, in the Studio's maps. */
function targetOf(
  op: FlatNode,
  project: ProjectState,
  projects: Readonly<Record<string, ProjectState | undefined>>,
  types: ReadonlyMap<string, TypeSchema>,
): { node: FlatNode; p: ProjectState } | undefined {
  const p = projects[str(op.props.project) || project.name];
  if (!p) return undefined;
  const root = p.nodes.get(p.rootId);
  const top = (root?.children ?? []).map((id) => p.nodes.get(id)).filter((n): n is FlatNode => n !== undefined);
  const seq = str(op.props.sequence);
  if (seq) {
    const node = top.find((n) => types.get(n.type)?.category === "sequence" && n.name === seq);
    return node ? { node, p } : undefined;
  }
  const tx = str(op.props.transaction);
  if (!tx) return undefined;
  const connectors = top.filter((n) => types.get(n.type)?.category === "connector");
  const cname = str(op.props.connector);
  const connector = cname
    ? connectors.find((c) => c.name === cname)
    : (connectors.find((c) => c.props.isDefault === true) ?? (connectors.length === 1 ? connectors[0] : undefined));
  const node = connector?.children.map((id) => p.nodes.get(id)).find((n) => n?.name === tx);
  return node ? { node, p } : undefined;
}

function variablesOf(target: FlatNode, p: ProjectState, types: ReadonlyMap<string, TypeSchema>): Set<string> {
  const names = new Set<string>();
  for (const id of target.children) {
    const v = p.nodes.get(id);
    if (v?.type === "Variable") names.add(v.name);
  }
  for (const b of types.get(target.type)?.variables ?? []) names.add(b.name);
  return names;
}

/** The REST API notes of every project. */
export function apiNotes(
  projects: Readonly<Record<string, ProjectState | undefined>>,
  types: ReadonlyMap<string, TypeSchema>,
): ApiNote[] {
  const out: ApiNote[] = [];
  const served = new Map<string, { project: string; path: string }>();
  for (const project of Object.values(projects)) {
    if (!project) continue;
    const root = project.nodes.get(project.rootId);
    const child = (n: FlatNode) =>
      n.children.map((id) => project.nodes.get(id)).filter((c): c is FlatNode => c !== undefined);
    for (const mapper of root ? child(root).filter((n) => n.type === "UrlMapper") : []) {
      for (const pathNode of child(mapper).filter((n) => n.type === "RestPath")) {
        const template = tryTemplate(pathNode.props.path);
        const where = [root!.name, mapper.name, pathNode.name];
        if (template) {
          const full = tryTemplate(joinPaths(str(mapper.props.prefix), template.text));
          const shape = full?.segments.map((s) => ("literal" in s ? s.literal : "{}")).join("/");
          const prev = shape !== undefined ? served.get(shape) : undefined;
          if (prev && prev.project !== project.name) {
            out.push({
              project: project.name,
              id: pathNode.id,
              path: where,
              prop: "path",
              severity: "warning",
              message: `The project ${prev.project} serves the same URLs (${prev.path}): its operations answer, not these`,
            });
          } else if (shape !== undefined && !prev) served.set(shape, { project: project.name, path: full!.text });
        }
        for (const op of child(pathNode).filter((n) => n.type === "RestOperation")) {
          const opWhere = [...where, op.name];
          const target = targetOf(op, project, projects, types);
          if (target?.node.props.accessibility === "Private") {
            out.push({
              project: project.name,
              id: op.id,
              path: opWhere,
              prop: str(op.props.sequence) ? "sequence" : "transaction",
              severity: "warning",
              message: `${target.node.name} is Private: every call of this operation is refused (403). Make it Public or Hidden to serve it`,
            });
          }
          const vars = target ? variablesOf(target.node, target.p, types) : undefined;
          const params = child(op).filter((n) => n.type === "RestParameter");
          for (const prm of params) {
            const variable = str(prm.props.variable) || prm.name;
            if (vars && !vars.has(variable)) {
              out.push({
                project: project.name,
                id: prm.id,
                path: [...opWhere, prm.name],
                prop: "variable",
                severity: "warning",
                message: `${target!.node.name} has no variable "${variable}": this parameter's value reaches nothing`,
              });
            }
            if (prm.props.in === "path" && template && !template.params.includes(prm.name)) {
              out.push({
                project: project.name,
                id: prm.id,
                path: [...opWhere, prm.name],
                prop: "in",
                severity: "error",
                message: `The path ${template.text} has no {${prm.name}} segment for this path parameter`,
              });
            }
          }
          for (const name of template?.params ?? []) {
            const declared = params.some((prm) => prm.props.in === "path" && prm.name === name);
            if (!declared && vars && !vars.has(name)) {
              out.push({
                project: project.name,
                id: op.id,
                path: opWhere,
                severity: "warning",
                message: `The path's {${name}} segment goes to no variable of ${target!.node.name}: add a path parameter naming its variable`,
              });
            }
          }
        }
      }
    }
  }
  return out;
}
