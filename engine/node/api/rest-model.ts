/**
 * The REST API as the engine serves and documents it: every project's UrlMapper read into
 * operations with their full path templates, targets and parameters (declared ones, and the path
 * parameters a template names without declaring them). The server (rest-api.ts) and the OpenAPI
 * document (openapi.ts) both read this, so what is documented is what is served.
 *
 * Read from the live trees; the server keeps the sorted paths until the workspace's revision
 * changes (a reload, or any Studio edit); path templates are parsed once per text.
 */
import {
  compareSpecificity,
  joinPaths,
  parseCondition,
  parsePathTemplate,
  PathTemplateError,
  type Condition,
  type PathTemplate,
} from "../../common/api/rest-paths.ts";
import type { ObjNode } from "../../common/model/node.ts";
import { getType, propOrDefault } from "../../common/model/registry.ts";
import { findSequence, findTransaction, type RunnableProject } from "../runtime/runner.ts";
import { variableSpecs, type VariableSpec } from "../runtime/variables.ts";

export type ParamIn = "query" | "path" | "header" | "form" | "body";
export type ParamType = "string" | "integer" | "number" | "boolean" | "json";

/** A parameter of an operation, with what its target variable says filled in. */
export interface RestParam {
  /** The HTTP name (query/form/path name, header name). */
  name: string;
  in: ParamIn;
  /** The target's variable that gets the value. */
  variable: string;
  dataType: ParamType;
  required: boolean;
  multiValued: boolean;
  default?: unknown;
  description?: string;
  /** Declared by a RestParameter (false: a path parameter the template names, mapped by name). */
  declared: boolean;
  /** The target has no variable of that name (the value is given anyway; the Studio warns). */
  unknownVariable: boolean;
  node?: ObjNode;
}

export interface RestResponseDef {
  node: ObjNode;
  status: number;
  condition?: Condition;
  /** The condition's text did not parse: the response never applies. */
  badCondition?: string;
  headers: Record<string, string>;
  /** "output", "none", or a path into the output. */
  body: string;
  description?: string;
  schema?: unknown;
}

export interface RestTarget {
  project: string;
  sequence?: string;
  connector?: string;
  transaction?: string;
  /** The sequence or transaction, when it exists. */
  node?: ObjNode;
  /** Why the target cannot be run (missing, both given...). */
  problem?: string;
}

export interface RestOperationDef {
  project: string;
  method: string;
  /** The full template, prefix included, without the server's /api prefix. */
  template: PathTemplate;
  pathNode: ObjNode;
  node: ObjNode;
  target: RestTarget;
  params: RestParam[];
  responses: RestResponseDef[];
  terminateSession: boolean;
}

/** A path template of the API, or a problem with it. */
export interface RestPathDef {
  project: string;
  mapper: ObjNode;
  node: ObjNode;
  template?: PathTemplate;
  problem?: string;
  operations: ObjNode[];
}

const templates = new Map<string, PathTemplate | PathTemplateError>();

/** Parses a template once per text (a bounded cache: a Studio edit adds a text). */
export function templateOf(text: string): PathTemplate {
  let t = templates.get(text);
  if (t === undefined) {
    try {
      t = parsePathTemplate(text);
    } catch (e) {
      if (!(e instanceof PathTemplateError)) throw e;
      t = e;
    }
    if (templates.size > 5000) templates.clear();
    templates.set(text, t);
  }
  if (t instanceof PathTemplateError) throw t;
  return t;
}

/** The UrlMappers of a project (one is expected; all are served). */
export function mappersOf(project: RunnableProject): ObjNode[] {
  return project.root.children.filter((c) => c.type === "UrlMapper");
}

/** Every path of every project's API, the most specific first (literal segments before parameters). */
export function restPaths(projects: Iterable<RunnableProject>): RestPathDef[] {
  const out: RestPathDef[] = [];
  for (const p of projects) {
    for (const mapper of mappersOf(p)) {
      const prefix = String(mapper.props.prefix ?? "");
      for (const node of mapper.children) {
        if (node.type !== "RestPath") continue;
        const operations = node.children.filter((c) => c.type === "RestOperation");
        const raw = typeof node.props.path === "string" ? node.props.path : "";
        try {
          if (raw === "") throw new PathTemplateError(`The REST path "${node.name}" has no path`);
          if (/[{}]/.test(prefix)) throw new PathTemplateError("A prefix holds no {parameter}");
          const own = templateOf(raw).text;
          const template =
            prefix.trim() === "" ? templateOf(own) : templateOf(joinPaths(prefix) + (own === "/" ? "" : own));
          out.push({ project: p.name, mapper, node, template, operations });
        } catch (e) {
          if (!(e instanceof PathTemplateError)) throw e;
          out.push({ project: p.name, mapper, node, problem: e.message, operations });
        }
      }
    }
  }
  // Stable: equal specificity keeps project and tree order.
  return out
    .map((d, i) => ({ d, i }))
    .sort((a, b) =>
      a.d.template && b.d.template ? compareSpecificity(a.d.template, b.d.template) || a.i - b.i : a.i - b.i,
    )
    .map((x) => x.d);
}

/** The sequence or transaction an operation runs. */
export function operationTarget(
  op: ObjNode,
  projectName: string,
  lookup: (name: string) => RunnableProject | undefined,
): RestTarget {
  const project = String(op.props.project || "") || projectName;
  const sequence = String(op.props.sequence ?? "");
  const transaction = String(op.props.transaction ?? "");
  const connector = String(op.props.connector ?? "");
  const p = lookup(project);
  if (sequence && transaction)
    return { project, sequence, problem: "The operation names a sequence and a transaction" };
  if (!sequence && !transaction) return { project, problem: "The operation names no sequence or transaction" };
  if (!p) return { project, ...(sequence ? { sequence } : { transaction }), problem: `No project named "${project}"` };
  try {
    if (sequence) return { project, sequence, node: findSequence(p, sequence) };
    const found = findTransaction(p, connector || undefined, transaction);
    return { project, connector: found.connector.name, transaction, node: found.transaction };
  } catch (e) {
    return {
      project,
      ...(sequence ? { sequence } : { connector: connector || undefined, transaction }),
      problem: (e as Error).message,
    };
  }
}

const PARAM_TYPES: readonly string[] = ["string", "integer", "number", "boolean", "json"];

/** An operation's parameters: its RestParameter children, then the template's undeclared path parameters. */
export function operationParams(
  op: ObjNode,
  template: PathTemplate | undefined,
  target: ObjNode | undefined,
): RestParam[] {
  const specs = new Map<string, VariableSpec & { description?: string }>();
  if (target) {
    for (const s of variableSpecs(target)) specs.set(s.name, s);
    for (const v of target.children) {
      const spec = v.type === "Variable" ? specs.get(v.name) : undefined;
      if (spec && typeof v.props.description === "string") spec.description = v.props.description;
    }
  }
  const out: RestParam[] = [];
  for (const c of op.children) {
    if (c.type !== "RestParameter") continue;
    const where = propOrDefault<ParamIn>(c, "in");
    const variable = String(c.props.variable || "") || c.name;
    const spec = specs.get(variable);
    const declaredType = propOrDefault<string>(c, "dataType");
    const dataType = (
      declaredType !== "auto" && PARAM_TYPES.includes(declaredType) ? declaredType : (spec?.dataType ?? "string")
    ) as ParamType;
    const description = (typeof c.props.description === "string" && c.props.description) || spec?.description;
    out.push({
      name: c.name,
      in: where,
      variable,
      dataType,
      required: where === "path" || propOrDefault<boolean>(c, "required"),
      multiValued:
        where !== "body" &&
        (propOrDefault<boolean>(c, "multiValued") || (declaredType === "auto" && Boolean(spec?.multi))),
      ...(c.props.default !== undefined ? { default: c.props.default } : {}),
      ...(description ? { description } : {}),
      declared: true,
      unknownVariable: target !== undefined && spec === undefined,
      node: c,
    });
  }
  for (const name of template?.params ?? []) {
    if (out.some((p) => p.in === "path" && p.name === name)) continue;
    const spec = specs.get(name);
    out.push({
      name,
      in: "path",
      variable: name,
      dataType: (spec?.dataType ?? "string") as ParamType,
      required: true,
      multiValued: false,
      ...(spec?.description ? { description: spec.description } : {}),
      declared: false,
      unknownVariable: target !== undefined && spec === undefined,
    });
  }
  return out;
}

/** An operation's responses, in order (the first whose condition holds applies). */
export function operationResponses(op: ObjNode): RestResponseDef[] {
  const out: RestResponseDef[] = [];
  for (const c of op.children) {
    if (c.type !== "RestResponse") continue;
    const text = String(c.props.condition ?? "").trim();
    let condition: Condition | undefined;
    let badCondition: string | undefined;
    if (text) {
      try {
        condition = parseCondition(text);
      } catch (e) {
        badCondition = (e as Error).message;
      }
    }
    const headers: Record<string, string> = {};
    const h = c.props.headers;
    if (h && typeof h === "object" && !Array.isArray(h)) {
      for (const [k, v] of Object.entries(h as Record<string, unknown>)) if (typeof v === "string") headers[k] = v;
    }
    out.push({
      node: c,
      status: propOrDefault<number>(c, "statusCode"),
      ...(condition ? { condition } : {}),
      ...(badCondition ? { badCondition } : {}),
      headers,
      body: String(c.props.body ?? "output").trim() || "output",
      ...(typeof c.props.description === "string" && c.props.description ? { description: c.props.description } : {}),
      ...(c.props.schema !== undefined && c.props.schema !== null ? { schema: c.props.schema } : {}),
    });
  }
  return out;
}

/** Every operation of the API, the most specific paths first, with everything resolved. */
export function restOperations(
  projects: Iterable<RunnableProject>,
  lookup: (name: string) => RunnableProject | undefined,
): RestOperationDef[] {
  const out: RestOperationDef[] = [];
  for (const path of restPaths(projects)) {
    if (!path.template) continue;
    const seen = new Set<string>();
    for (const op of path.operations) {
      const method = propOrDefault<string>(op, "method");
      if (seen.has(method)) continue; // the validator reports the second one
      seen.add(method);
      const target = operationTarget(op, path.project, lookup);
      out.push({
        project: path.project,
        method,
        template: path.template,
        pathNode: path.node,
        node: op,
        target,
        params: operationParams(op, path.template, target.node),
        responses: operationResponses(op),
        terminateSession: propOrDefault<boolean>(op, "terminateSession"),
      });
    }
  }
  return out;
}

/** Is this object part of a REST API (for the Studio: which objects the API's problems are about)? */
export function isApiObject(node: ObjNode): boolean {
  return getType(node.type)?.category === "api";
}
