/**
 * "Try it" on a REST operation (the property panel's RestTryPanel): the operation's parameters as
 * the Studio's tree holds them (its RestParameter children, and the path parameters its template
 * names without declaring them, as the engine serves them: engine/node/api/rest-model.ts), and
 * the HTTP request the values typed make. Pure: no DOM, no fetch.
 */
import { joinPaths, parsePathTemplate, PathTemplateError } from "../../engine/common/api/rest-paths.ts";
import type { GeneratedApiSummary } from "../../engine/common/api/generate-mapper.ts";
import type { FlatNode } from "../../engine/common/studio/api.ts";
import type { ProjectState } from "./tree-model.ts";

export type TryParamIn = "query" | "path" | "header" | "form" | "body";

/** One input of the form. */
export interface TryParam {
  name: string;
  in: TryParamIn;
  required: boolean;
  multiValued: boolean;
  /** The declared type, or the target variable's for "auto" (string when unknown). */
  dataType: string;
  description?: string;
  /** A RestParameter (false: a {name} of the template with no RestParameter). */
  declared: boolean;
}

/** What the form needs of an operation. */
export interface TryOperation {
  method: string;
  /** The full path template: the mapper's prefix and the path (without the server's REST prefix). */
  template: string;
  params: TryParam[];
  /** Why it cannot be called (no path, a bad template). */
  problem?: string;
}

/** A request ready for fetch. */
export interface BuiltRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** A value that keeps the request from being made, said plainly. */
export class TryError extends Error {}

/** The key of a parameter's value in the form (a query and a header may share a name). */
export function paramKey(p: Pick<TryParam, "in" | "name">): string {
  return `${p.in}:${p.name}`;
}

const IN_VALUES: readonly string[] = ["query", "path", "header", "form", "body"];

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/** The Variable children of the operation's target (a sequence or a transaction of this project), by name. */
function targetVariables(project: ProjectState, op: FlatNode): Map<string, FlatNode> {
  const out = new Map<string, FlatNode>();
  const other = str(op.props.project);
  if (other !== "" && other !== project.name) return out;
  const root = project.nodes.get(project.rootId);
  if (!root) return out;
  const top = root.children.map((id) => project.nodes.get(id)).filter((n): n is FlatNode => n !== undefined);
  let target: FlatNode | undefined;
  const sequence = str(op.props.sequence);
  const transaction = str(op.props.transaction);
  if (sequence) target = top.find((n) => n.type === "Sequence" && n.name === sequence);
  else if (transaction) {
    const connector = str(op.props.connector);
    const connectors = top.filter((n) => /Connector$/.test(n.type));
    const c = connector
      ? connectors.find((n) => n.name === connector)
      : (connectors.find((n) => n.props.isDefault === true) ?? (connectors.length === 1 ? connectors[0] : undefined));
    target = c?.children.map((id) => project.nodes.get(id)).find((n) => n?.name === transaction);
  }
  for (const id of target?.children ?? []) {
    const v = project.nodes.get(id);
    if (v?.type === "Variable") out.set(v.name, v);
  }
  return out;
}

/** The operation `opId` of the project as "Try it" calls it, or undefined when it is not an operation. */
export function tryOperation(project: ProjectState, opId: string): TryOperation | undefined {
  const op = project.nodes.get(opId);
  if (!op || op.type !== "RestOperation") return undefined;
  const pathNode = op.parent !== undefined ? project.nodes.get(op.parent) : undefined;
  const mapper = pathNode?.parent !== undefined ? project.nodes.get(pathNode.parent) : undefined;
  const method = str(op.props.method) || "GET";
  const vars = targetVariables(project, op);
  const params: TryParam[] = [];
  for (const id of op.children) {
    const c = project.nodes.get(id);
    if (!c || c.type !== "RestParameter") continue;
    const where = (IN_VALUES.includes(str(c.props.in)) ? str(c.props.in) : "query") as TryParamIn;
    const variable = vars.get(str(c.props.variable) || c.name);
    const declared = str(c.props.dataType) || "auto";
    const description = str(c.props.description) || str(variable?.props.description);
    params.push({
      name: c.name,
      in: where,
      required: where === "path" || c.props.required === true,
      multiValued:
        where !== "body" &&
        (c.props.multiValued === true || (declared === "auto" && variable?.props.multiValued === true)),
      dataType: declared !== "auto" ? declared : str(variable?.props.dataType) || "string",
      ...(description ? { description } : {}),
      declared: true,
    });
  }
  const raw = str(pathNode?.props.path);
  const prefix = str(mapper?.props.prefix);
  let template = raw;
  let problem: string | undefined;
  try {
    if (raw === "") throw new PathTemplateError("The REST path has no path");
    const own = parsePathTemplate(raw).text;
    template = prefix.trim() === "" ? own : joinPaths(prefix) + (own === "/" ? "" : own);
    for (const name of parsePathTemplate(template).params) {
      if (params.some((p) => p.in === "path" && p.name === name)) continue;
      const variable = vars.get(name);
      params.push({
        name,
        in: "path",
        required: true,
        multiValued: false,
        dataType: str(variable?.props.dataType) || "string",
        ...(str(variable?.props.description) ? { description: str(variable?.props.description) } : {}),
        declared: false,
      });
    }
  } catch (e) {
    if (!(e instanceof PathTemplateError)) throw e;
    problem = e.message;
  }
  // Path parameters first, in the template's order: they are what a call is about.
  const order: Record<TryParamIn, number> = { path: 0, query: 1, header: 2, form: 3, body: 4 };
  params.sort((a, b) => order[a.in] - order[b.in]);
  return { method, template, params, ...(problem ? { problem } : {}) };
}

/** A multi-valued parameter's values: one per line, blank lines left out. */
export function valuesOf(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

/**
 * The request for the values typed (by paramKey): path parameters substituted (encoded), query
 * parameters, headers, and for form parameters a JSON object body, for a body parameter its JSON.
 * An empty value is not sent (the engine then applies the default, or says it is required);
 * an empty path parameter, a body that is not JSON or a body on a GET is refused here.
 */
export function buildRequest(op: TryOperation, values: Record<string, string>, restPrefix: string): BuiltRequest {
  if (op.problem) throw new TryError(op.problem);
  const value = (p: TryParam) => values[paramKey(p)] ?? "";
  const pathParams = new Map(op.params.filter((p) => p.in === "path").map((p) => [p.name, p]));
  const path = op.template
    .split("/")
    .map((segment) => {
      const m = /^\{(.+)\}$/.exec(segment);
      if (!m) return segment;
      const p = pathParams.get(m[1]!);
      const v = p ? value(p).trim() : "";
      if (v === "") throw new TryError(`Give a value for the path parameter {${m[1]}}`);
      return encodeURIComponent(v);
    })
    .join("/");
  const query = new URLSearchParams();
  const headers: Record<string, string> = {};
  const fields: Record<string, unknown> = {};
  let body: string | undefined;
  let hasFields = false;
  for (const p of op.params) {
    const text = value(p);
    if (p.in === "path") continue;
    if (p.in === "body") {
      if (text.trim() === "") continue;
      try {
        JSON.parse(text);
      } catch (e) {
        throw new TryError(`The body (${p.name}) is not JSON: ${(e as Error).message}`);
      }
      body = text;
      continue;
    }
    const list = p.multiValued ? valuesOf(text) : text === "" ? [] : [text];
    if (list.length === 0) continue;
    if (p.in === "query") for (const v of list) query.append(p.name, v);
    else if (p.in === "header") headers[p.name] = list.join(", ");
    else {
      fields[p.name] = p.multiValued ? list : list[0];
      hasFields = true;
    }
  }
  if (hasFields) body = JSON.stringify(fields);
  const method = op.method.toUpperCase();
  if (body !== undefined && (method === "GET" || method === "HEAD"))
    throw new TryError(`A ${method} request has no body: make the body and form parameters query parameters`);
  if (body !== undefined) headers["content-type"] = "application/json";
  const qs = query.toString();
  const prefix = (restPrefix || "/api").replace(/\/+$/, "");
  return {
    method,
    url: `${prefix}${path === "/" ? "" : path}${qs ? `?${qs}` : ""}`,
    headers,
    ...(body !== undefined ? { body } : {}),
  };
}

/** A response body for reading: JSON pretty-printed, anything else as it came. */
export function formatBody(text: string, contentType: string | null): string {
  if (text === "") return "";
  if (/json/i.test(contentType ?? "") || /^\s*[[{"]/.test(text)) {
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      return text;
    }
  }
  return text;
}

/** What "Generate REST API from sequences" says it did. */
export function generateMessage(project: string, r: GeneratedApiSummary): string {
  const n = r.operations.length;
  if (n === 0) {
    return r.skipped.length
      ? `Every sequence of ${project} callable from outside already has an operation (${r.skipped.length} left out)`
      : `${project} has no sequence to make an operation of`;
  }
  const posts = r.operations.filter((o) => o.method === "POST").length;
  const what = `${n} operation${n === 1 ? "" : "s"} (${n - posts} GET, ${posts} POST)`;
  return r.created
    ? `REST API "${r.mapper}" made for ${project} at ${r.prefix}: ${what}`
    : `${what} added to the REST API "${r.mapper}"`;
}
