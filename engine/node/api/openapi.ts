/**
 * The OpenAPI 3.1 document of the REST API the engine serves (rest-api.ts): every operation of
 * every project's UrlMapper, read from the same model (rest-model.ts), so what is documented is
 * what is served. Built at each request from the live trees (a Studio edit shows at once).
 *
 * Left out: operations whose target is missing or Private (a private requestable stays private).
 * Never resolved: settings. Defaults holding a `${setting}` placeholder are left out, and
 * descriptions are the objects' own texts.
 *
 * Response bodies without a declared schema get the target sequence's declared output schema, or
 * one inferred from the shapes of the target's last successful runs (`engine.outputSchemas`), or
 * before any, from its test cases' expected outputs; only shapes, never values.
 */
import { sameShape, type PathTemplate } from "../../common/api/rest-paths.ts";
import { isPlainObject } from "../../common/model/props.ts";
import type { ObjNode } from "../../common/model/node.ts";
import { propOrDefault } from "../../common/model/registry.ts";
import type { Engine } from "../engine.ts";
import { variableSpecs } from "../runtime/variables.ts";
import { OutputSchemas } from "./output-schemas.ts";
import {
  restOperations,
  type ParamType,
  type RestOperationDef,
  type RestParam,
  type RestResponseDef,
} from "./rest-model.ts";
import { inferSchema, mergeSchemas, schemaAtPath, type JsonSchema } from "./schema-infer.ts";

export interface OpenApiOptions {
  /** Where the API is served (the server's REST prefix, `/api` by default). */
  prefix: string;
  /** The API's absolute URL, when known (else the prefix, relative: it works behind proxies). */
  serverUrl?: string;
}

const PROBLEM_REF = { $ref: "#/components/schemas/Problem" };

/** The RFC 9457 problem of a failed run, as the REST API answers it. */
export const PROBLEM_SCHEMA: JsonSchema = {
  type: "object",
  description: "A failed run (RFC 9457 problem details), answered as application/problem+json with the error's status.",
  properties: {
    type: { type: "string", description: "A URI reference naming the kind of problem." },
    title: { type: "string", description: "A short summary of the kind of problem." },
    status: { type: "integer", description: "The HTTP status of the answer." },
    detail: { type: "string", description: "What went wrong, for this call." },
    instance: { type: "string", description: "A URI reference naming this occurrence." },
    code: { type: ["string", "integer"], description: "The run's error code (missing_variable, not_found...)." },
  },
  required: ["title", "status"],
};

const PROBLEM_RESPONSES: Record<string, { status: string; description: string }> = {
  BadRequest: { status: "400", description: "A parameter is missing or does not convert to its type." },
  AuthenticationRequired: {
    status: "401",
    description: "The operation requires an authenticated session and the caller's session has none.",
  },
  ServerError: { status: "500", description: "The run failed (an error of the engine or of a called service)." },
};

const SERVING_NOTES = [
  "Responses: a successful run with no matching declared response answers 200 with its output as JSON.",
  "A failed run answers `application/problem+json` (RFC 9457: type, title, status, detail, plus `code`) with the error's status (400 bad parameter, 401 authentication required, 403, 404, 500...).",
  "Declared responses are chosen by their condition, in order; a body of `none` means no content, a body path means that part of the output.",
  "Parameters: query, path and header parameters as such; form parameters are fields of the request body, sent as `application/x-www-form-urlencoded` or as a JSON object; a body parameter is the whole JSON body.",
].join("\n\n");

function text(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() !== "" ? v : undefined;
}

/** `${name}` would be a setting's placeholder: never shown (nor resolved). */
function holdsPlaceholder(v: unknown): boolean {
  if (typeof v === "string") return v.includes("${");
  if (Array.isArray(v)) return v.some(holdsPlaceholder);
  if (v !== null && typeof v === "object") return Object.values(v).some(holdsPlaceholder);
  return false;
}

function typeSchema(t: ParamType): JsonSchema {
  return t === "json" ? {} : { type: t };
}

/** A parameter's schema: its type, a list of it when multi-valued, its default. */
function paramSchema(p: RestParam, variableDefault: unknown): JsonSchema {
  const one = typeSchema(p.dataType);
  const schema: JsonSchema = p.multiValued ? { type: "array", items: one } : one;
  // A path parameter is always given: a default would never apply.
  const def = p.in === "path" ? undefined : p.default !== undefined ? p.default : variableDefault;
  if (def !== undefined && def !== null && def !== "" && !holdsPlaceholder(def)) {
    schema.default = p.multiValued && !Array.isArray(def) ? [def] : def;
  }
  return schema;
}

function sanitize(s: string): string {
  return s.replace(/[^A-Za-z0-9_]+/g, "_").replace(/^_+|_+$/g, "") || "op";
}

/**
 * The shape of a target's outputs: a sequence's declared `outputSchema` when it has one; else of
 * its last successful runs when it ran; else of its test cases' expected outputs (subsets of
 * outputs: their shapes merged are a weaker guess, used until a run succeeds).
 */
function inferredOutput(engine: Engine, op: RestOperationDef): JsonSchema | undefined {
  const t = op.target;
  const declared = t.sequence !== undefined ? t.node?.props.outputSchema : undefined;
  if (isPlainObject(declared)) return declared;
  const key =
    t.sequence !== undefined
      ? OutputSchemas.key(t.project, { sequence: t.node?.name ?? t.sequence })
      : OutputSchemas.key(t.project, {
          connector: t.connector ?? "",
          transaction: t.node?.name ?? t.transaction ?? "",
        });
  const fromRuns = engine.outputSchemas.get(key);
  if (fromRuns) return fromRuns;
  let schema: JsonSchema | undefined;
  for (const c of t.node?.children ?? []) {
    if (c.type !== "TestCase") continue;
    const expected = c.props.expected;
    // An expected error says nothing of the output.
    if (expected === undefined || (isPlainObject(expected) && "error" in expected)) continue;
    const s = inferSchema(expected);
    schema = schema ? mergeSchemas(schema, s) : s;
  }
  return schema;
}

function conditionText(r: RestResponseDef): string | undefined {
  const raw = r.node.props.condition;
  return typeof raw === "string" && raw.trim() !== "" ? raw.trim() : undefined;
}

/** Does this response answer failed runs (its condition reads the error)? */
function answersErrors(r: RestResponseDef): boolean {
  return r.condition !== undefined && /^error(\b|$)/.test(r.condition.path);
}

interface Built {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, { schema: unknown }>;
}

/** The response object of a declared response (or of a group sharing its status). */
function responseOf(r: RestResponseDef, output: JsonSchema | undefined): Built {
  const cond = conditionText(r);
  const description = r.description ?? (cond ? `When ${cond}.` : "A successful run.");
  const out: Built = { description };
  const headers: Record<string, unknown> = {};
  for (const name of Object.keys(r.headers)) {
    if (/^content-type$/i.test(name)) continue;
    headers[name] = { schema: { type: "string" } };
  }
  if (Object.keys(headers).length) out.headers = headers;
  if (r.body === "none" || r.status === 204 || r.status === 304 || (r.status >= 100 && r.status < 200)) return out;
  if (r.schema !== undefined) {
    // A schema is an object (or true/false); anything else written there says nothing.
    const declared = isPlainObject(r.schema) || typeof r.schema === "boolean" ? r.schema : {};
    out.content = { "application/json": { schema: declared } };
  } else if (answersErrors(r)) {
    // The run failed: its problem, or a part of {error} the outputs' shapes do not tell.
    out.content =
      r.body === "output"
        ? { "application/problem+json": { schema: PROBLEM_REF } }
        : { "application/json": { schema: {} } };
  } else {
    const whole = output ?? {};
    out.content = { "application/json": { schema: r.body === "output" ? whole : schemaAtPath(whole, r.body) } };
  }
  return out;
}

/** Several responses on one status: their descriptions joined, their bodies any of theirs. */
function joinResponses(list: Built[]): Built {
  if (list.length === 1) return list[0]!;
  const out: Built = { description: [...new Set(list.map((b) => b.description))].join(" Or: ") };
  const headers: Record<string, unknown> = {};
  for (const b of list) Object.assign(headers, b.headers);
  if (Object.keys(headers).length) out.headers = headers;
  const byType = new Map<string, unknown[]>();
  for (const b of list) {
    for (const [type, media] of Object.entries(b.content ?? {})) {
      const schemas = byType.get(type) ?? [];
      if (!schemas.some((s) => JSON.stringify(s) === JSON.stringify(media.schema))) schemas.push(media.schema);
      byType.set(type, schemas);
    }
  }
  if (byType.size) {
    out.content = {};
    for (const [type, schemas] of byType)
      out.content[type] = { schema: schemas.length === 1 ? schemas[0] : { anyOf: schemas } };
  }
  return out;
}

function responsesOf(engine: Engine, op: RestOperationDef, target: ObjNode): Record<string, unknown> {
  let output: JsonSchema | undefined;
  const outputSchema = (): JsonSchema | undefined => (output ??= inferredOutput(engine, op));
  const byStatus = new Map<string, Built[]>();
  const add = (status: string, b: Built) => byStatus.set(status, [...(byStatus.get(status) ?? []), b]);
  for (const r of op.responses) {
    if (r.badCondition) continue; // never applies
    add(String(r.status), responseOf(r, r.schema === undefined ? outputSchema() : undefined));
  }
  // A successful run that no declared response takes answers 200 with its output.
  const successCovered = op.responses.some((r) => !r.badCondition && r.condition === undefined);
  if (!successCovered) {
    add("200", {
      description: "A successful run: its output.",
      content: { "application/json": { schema: outputSchema() ?? {} } },
    });
  }
  const out: Record<string, unknown> = {};
  for (const [status, list] of [...byStatus].sort((a, b) => Number(a[0]) - Number(b[0]))) {
    const joined = joinResponses(list);
    // HEAD answers headers only.
    if (op.method === "HEAD") delete joined.content;
    out[status] = joined;
  }
  const problem = (name: keyof typeof PROBLEM_RESPONSES) => {
    const s = PROBLEM_RESPONSES[name]!.status;
    if (out[s] === undefined) out[s] = { $ref: `#/components/responses/${name}` };
  };
  problem("BadRequest");
  if (propOrDefault<boolean>(target, "authenticatedContextRequired")) problem("AuthenticationRequired");
  problem("ServerError");
  return out;
}

/** The operation object of one served operation. */
function operationOf(engine: Engine, op: RestOperationDef, target: ObjNode, operationId: string): JsonSchema {
  const out: JsonSchema = { operationId };
  const summary = text(op.node.props.summary);
  const description = text(op.node.props.description);
  if (summary) out.summary = summary;
  const auth = propOrDefault<boolean>(target, "authenticatedContextRequired")
    ? "Requires an authenticated session (401 without one)."
    : undefined;
  const fullDescription = [description, auth].filter(Boolean).join("\n\n");
  if (fullDescription) out.description = fullDescription;
  const tags = (Array.isArray(op.node.props.tags) ? op.node.props.tags : []).filter(
    (t): t is string => typeof t === "string" && t.trim() !== "",
  );
  out.tags = tags.length ? tags : [op.project];

  const varDefaults = new Map(variableSpecs(target).map((s) => [s.name, s.default]));
  const parameters: JsonSchema[] = [];
  const formProps: Record<string, unknown> = {};
  const formRequired: string[] = [];
  let body: RestParam | undefined;
  for (const p of op.params) {
    // A path parameter the template does not name is never given.
    if (p.in === "path" && !op.template.params.includes(p.name)) continue;
    const schema = paramSchema(p, varDefaults.get(p.variable));
    if (p.in === "form") {
      formProps[p.name] = p.description ? { ...schema, description: p.description } : schema;
      if (p.required) formRequired.push(p.name);
      continue;
    }
    if (p.in === "body") {
      body = p;
      continue;
    }
    const param: JsonSchema = { name: p.name, in: p.in };
    if (p.description) param.description = p.description;
    param.required = p.required || p.in === "path";
    param.schema = schema;
    if (p.multiValued && p.in === "query") {
      param.style = "form";
      param.explode = true;
    }
    parameters.push(param);
  }
  if (parameters.length) out.parameters = parameters;
  if (body) {
    const schema = paramSchema(body, varDefaults.get(body.variable));
    out.requestBody = {
      ...(body.description ? { description: body.description } : {}),
      required: body.required,
      content: { "application/json": { schema } },
    };
  } else if (Object.keys(formProps).length) {
    const schema: JsonSchema = { type: "object", properties: formProps };
    if (formRequired.length) schema.required = formRequired;
    out.requestBody = {
      required: formRequired.length > 0,
      content: {
        "application/json": { schema },
        "application/x-www-form-urlencoded": { schema },
      },
    };
  }
  out.responses = responsesOf(engine, op, target);
  return out;
}

/** Title, version and description, from the projects that hold a REST API (UrlMapper). */
function apiInfo(engine: Engine): JsonSchema {
  const names = [...engine.workspace.projects.values()]
    .filter((p) => p.root.children.some((c) => c.type === "UrlMapper"))
    .map((p) => p.name);
  const titles: string[] = [];
  const descriptions: string[] = [];
  const versions: string[] = [];
  for (const name of names) {
    const p = engine.project(name);
    if (!p) continue;
    const mappers = p.root.children.filter((c) => c.type === "UrlMapper");
    for (const m of mappers) {
      const t = text(m.props.title) ?? name;
      if (!titles.includes(t)) titles.push(t);
      const d = text(m.props.description);
      if (d) descriptions.push(names.length > 1 ? `## ${t}\n\n${d}` : d);
    }
    const v = text(p.root.props.version) ?? "0.0.0";
    versions.push(names.length > 1 ? `${name} ${v}` : v);
  }
  return {
    title: titles.join(", ") || "REST API",
    version: versions.join(", ") || "0.0.0",
    description: [...descriptions, SERVING_NOTES].join("\n\n"),
  };
}

/**
 * The OpenAPI 3.1.0 document of the served REST API: one path per served template (its
 * `{param}` segments as OpenAPI writes them), one operation per method.
 */
export function openApiDocument(engine: Engine, opts: OpenApiOptions): Record<string, unknown> {
  const all = restOperations(engine.workspace.projects.values(), (n) => engine.project(n));
  const served: { op: RestOperationDef; target: ObjNode }[] = [];
  const taken: { template: PathTemplate; method: string }[] = [];
  for (const op of all) {
    const target = op.target.node;
    if (!target || op.target.problem) continue;
    if (propOrDefault<string>(target, "accessibility") === "Private") continue;
    // The same URLs and method on another path: the first is served, the other never is.
    if (taken.some((t) => t.method === op.method && sameShape(t.template, op.template))) continue;
    taken.push({ template: op.template, method: op.method });
    served.push({ op, target });
  }

  const paths: Record<string, Record<string, unknown>> = {};
  const ids = new Set<string>();
  for (const { op, target } of served) {
    const base = sanitize(`${op.project}_${op.pathNode.name}_${op.method.toLowerCase()}`);
    let id = base;
    for (let n = 2; ids.has(id); n++) id = `${base}_${n}`;
    ids.add(id);
    const item = (paths[op.template.text] ??= {});
    item[op.method.toLowerCase()] = operationOf(engine, op, target, id);
  }

  const responses: Record<string, unknown> = {};
  for (const [name, r] of Object.entries(PROBLEM_RESPONSES)) {
    responses[name] = { description: r.description, content: { "application/problem+json": { schema: PROBLEM_REF } } };
  }
  return {
    openapi: "3.1.0",
    info: apiInfo(engine),
    servers: [{ url: opts.serverUrl ?? opts.prefix }],
    paths,
    components: { schemas: { Problem: PROBLEM_SCHEMA }, responses },
  };
}
