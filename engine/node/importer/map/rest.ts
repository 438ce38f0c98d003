import {
  parseCondition,
  parsePathTemplate,
  PathTemplateError,
  sameShape,
  type PathTemplate,
} from "../../../common/api/rest-paths.ts";
import { isFileName, NAME_PATTERN } from "../../../common/model/naming.ts";
import type { ObjNode } from "../../../common/model/node.ts";
import type { C8oBean, C8oContent } from "../c8o-yaml.ts";
import { indent, type Builder } from "./builder.ts";
import { always, type ClassMapper, type ClassMappers } from "./class-mapper.ts";
import { beanStr } from "./prop-bag.ts";

/**
 * Convertigo's URL mapper (its REST API): the mapper (`core.UrlMapper`, written in
 * `_c8oProject/urlMapper.yaml`), its path mappings (`rest.PathMapping`, often in
 * `urlMapper/NAME.yaml`), their operations (`rest.GetOperation`...) running a sequence or a
 * transaction, the operations' parameters and responses. As Convertigo's AbstractRestOperation
 * serves them: a parameter gives its value to the target's variable `mappedVariableName` (the
 * parameter's own name when empty), a default value when the call has none; the first response
 * whose XPath selects something in the run's XML answer gives the status. Its Basic
 * authentication stays foreign (see `BASIC_AUTH_REASON`).
 */
export const restClasses: ClassMappers = {
  "core.UrlMapper": {
    types: ["UrlMapper"],
    decide: (bean) => {
      // Decided before its children: which path mappings only repeat another one.
      for (const d of samePaths(bean)) if (d.redundant) redundantPaths.set(d.bean, d.first.name);
      return { type: "UrlMapper" };
    },
    build: urlMapper,
  },
  "rest.PathMapping": {
    types: ["RestPath"],
    decide: (bean) => {
      const first = redundantPaths.get(bean);
      if (first === undefined) return { type: "RestPath" };
      return {
        type: "Foreign",
        reason: `its path matches the same URLs as ${first}'s in Atelier (a trailing slash or a parameter's name aside), and its operations are the same: ${first} answers them`,
      };
    },
    build: restPath,
  },
  "rest.GetOperation": operation("GET"),
  "rest.PostOperation": operation("POST"),
  "rest.PutOperation": operation("PUT"),
  "rest.DeleteOperation": operation("DELETE"),
  "rest.HeadOperation": operation("HEAD"),
  "rest.QueryParameter": parameter("query"),
  "rest.PathParameter": parameter("path"),
  "rest.HeaderParameter": parameter("header"),
  "rest.FormParameter": parameter("form"),
  "rest.BodyParameter": parameter("body"),
  "rest.OperationResponse": {
    types: ["RestResponse"],
    decide: (bean) => {
      const xpath = beanStr(bean, "xpath", "").trim();
      if (xpath === "" || xpathCondition(xpath)) return { type: "RestResponse" };
      return {
        type: "Foreign",
        reason: `its XPath condition ${xpath} is not a plain path (with at most an equality on the last step's text or on a child), so Atelier cannot tell when it applies`,
      };
    },
    build: response,
  },
  "rest.BasicAuthentication": {
    types: [],
    decide: () => ({ type: "Foreign", reason: BASIC_AUTH_REASON }),
    build: () => undefined,
  },
};

const BASIC_AUTH_REASON =
  "HTTP Basic authentication of the URL mapper: Convertigo ran its authRequestable with the user and password of the Authorization header to log the caller in before an operation whose target requires an authenticated session; Atelier's REST API has no authentication object";

// ------------------------------------------------------------------------------------ mapper

function urlMapper(b: Builder): void {
  b.comment();
  if (!isFileName(b.node.name)) {
    const fixed = b.node.name.replace(/[^A-Za-z0-9_.-]/g, "_").replace(/^([^A-Za-z_])/, "_$1") || "UrlMapper";
    b.note(`renamed "${fixed}" (its Convertigo name is "${b.node.name}"): its file's name must match ${NAME_PATTERN}`);
    b.m.warn(b.bean, `renamed "${fixed}": Atelier names its API's file after it (${NAME_PATTERN})`);
    b.node.name = fixed;
  }
  const prefix = b.bag.str("prefix", "").trim();
  if (prefix !== "") b.set("prefix", prefix.startsWith("/") ? prefix : `/${prefix}`);
  const models = b.bag.str("models", "").trim();
  if (models !== "") {
    b.note(
      `models (the API's JSON schemas): each response naming one (modelReference) has it as its schema; all of them, as Convertigo wrote them:\n${indent(models)}`,
    );
  }
  for (const d of samePaths(b.bean)) {
    b.m.warn(
      d.bean,
      d.redundant
        ? `kept as foreign: its path ${pathOf(d.bean)} is ${pathOf(d.first)} for Atelier, whose path mapping ${d.first.name} has the same operations`
        : `its path ${pathOf(d.bean)} matches the same URLs as the path ${pathOf(d.first)} of ${d.first.name} in Atelier: merge their operations into one path`,
    );
  }
  for (const c of b.bean.children) {
    if (c.cls === "rest.BasicAuthentication") {
      const auth = beanStr(c, "authRequestable", "");
      b.m.warn(
        c,
        `Basic authentication kept as foreign: callers sending Basic credentials are no longer logged in${auth ? ` by ${auth}` : ""}; operations whose target requires an authenticated session refuse them until they log in another way`,
      );
    }
  }
}

// ------------------------------------------------------------------------------------ paths

/** Path mappings repeating an earlier one (same URLs, same operations), by the earlier one's name. */
const redundantPaths = new WeakMap<C8oBean, string>();

/** A path as Convertigo serves it: "/" by default, a leading slash added. */
function pathOf(bean: C8oBean): string {
  const path = beanStr(bean, "path", "/").trim();
  return path.startsWith("/") ? path : `/${path}`;
}

/**
 * The path mappings of a mapper whose path matches the same URLs as an earlier one's in Atelier
 * (`/a` and `/a/`, which Convertigo told apart; `/a/{x}` and `/a/{y}`), and whether they only
 * repeat it (same operations, parameters and responses: Convertigo's way of accepting both).
 */
function samePaths(mapper: C8oBean): { bean: C8oBean; first: C8oBean; redundant: boolean }[] {
  const out: { bean: C8oBean; first: C8oBean; redundant: boolean }[] = [];
  const seen: { bean: C8oBean; template: PathTemplate }[] = [];
  for (const c of mapper.children) {
    if (c.cls !== "rest.PathMapping") continue;
    let template: PathTemplate;
    try {
      template = parsePathTemplate(pathOf(c));
    } catch {
      continue;
    }
    const first = seen.find((x) => sameShape(x.template, template));
    if (!first) seen.push({ bean: c, template });
    else out.push({ bean: c, first: first.bean, redundant: sameContent(first.bean.children, c.children) });
  }
  return out;
}

/** Do these objects say the same (classes, names, properties but comments, children)? */
function sameContent(a: readonly C8oBean[], b: readonly C8oBean[]): boolean {
  const canon = (list: readonly C8oBean[]): unknown =>
    list.map((x) => [
      x.cls,
      x.name,
      x.props
        .filter((p) => p.name !== "comment")
        .map((p): [string, C8oContent] => [p.name, p.value])
        .sort(([k1], [k2]) => (k1 < k2 ? -1 : k1 > k2 ? 1 : 0)),
      canon(x.children),
    ]);
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}

function restPath(b: Builder): void {
  b.comment();
  b.bag.skip("path");
  const path = pathOf(b.bean);
  b.set("path", path);
  try {
    parsePathTemplate(path);
  } catch (e) {
    const why = e instanceof PathTemplateError ? e.message : String(e);
    b.note(
      `its path ${path} is not an Atelier path template (${why}): Convertigo matched it as a regular expression, {name} anywhere in a segment; rewrite it with whole-segment {name} parameters`,
      true,
    );
  }
}

// ------------------------------------------------------------------------------------ operations

/** Convertigo's outputContent values (AbstractRestOperation.OutputContent), toJson the default. */
const OUTPUT_CONTENT: Record<string, string | undefined> = {
  toJson: undefined,
  useHeader: "it answered XML or JSON as the Accept header asked (outputContent: useHeader); Atelier answers JSON",
  toXml: "it answered XML (outputContent: toXml); Atelier answers JSON",
  toBinary:
    "it answered the binary attachment its target produced (outputContent: toBinary); Atelier answers the target's JSON output",
  toCxml:
    "it answered the target's output transformed by its XSL sheet (outputContent: toCxml); Atelier answers the target's JSON output",
};

function operation(method: "GET" | "POST" | "PUT" | "DELETE" | "HEAD"): ClassMapper {
  return always("RestOperation", (b) => {
    b.set("method", method);
    documentation(b);
    target(b);
    // Convertigo ends the session after the call unless told not to (its default is true).
    if (b.bag.bool("terminateSession", true)) b.set("terminateSession", true);
    const out = b.bag.str("outputContent", "toJson");
    if (out !== "toJson") {
      const what = OUTPUT_CONTENT[out] ?? `outputContent ${out}: Atelier answers JSON`;
      b.note(what, out !== "useHeader");
    }
    children(b);
  });
}

/** Convertigo documents an operation with its comment (OpenAPI summary and description). */
function documentation(b: Builder): void {
  const comment = b.bag.str("comment", "").trim();
  if (comment === "") return;
  const lines = comment.split("\n");
  const first = (lines[0] ?? "").trim();
  if (lines.length === 1 && first.length <= 200) {
    b.set("summary", first);
  } else {
    b.set("summary", first.length <= 200 ? first : `${first.slice(0, 197)}...`);
    b.set("description", comment);
  }
}

/** `targetRequestable`: "project.sequence" or "project.connector.transaction". */
function target(b: Builder): void {
  const ref = b.bag.str("targetRequestable", "").trim();
  // As Convertigo's StringTokenizer: empty parts are skipped.
  const parts = ref.split(".").filter((p) => p !== "");
  if (parts.length === 2) {
    const project = b.m.projectRef(parts[0]!);
    b.set("project", project || undefined);
    b.set("sequence", project ? parts[1] : b.m.sequenceName(parts[1]!));
  } else if (parts.length === 3) {
    const project = b.m.projectRef(parts[0]!);
    b.set("project", project || undefined);
    b.set("connector", project ? parts[1] : b.m.connectorName(parts[1]!));
    b.set("transaction", parts[2]);
  } else if (ref === "") {
    b.note("it names no target (targetRequestable is empty): Convertigo refused its calls; give it a sequence", true);
  } else {
    b.note(`its target ${ref} is neither project.sequence nor project.connector.transaction: set it again`, true);
  }
}

/**
 * Builds the operation's parameters and responses. Convertigo never chose a response without
 * XPath (it only documented it), while Atelier's response without condition applies to every
 * successful run: those go after the ones with a condition, so they never hide them.
 */
function children(b: Builder): void {
  const built = b.m.buildChildren(b.bean, b.ancestors, b.seq, b.notes);
  b.childrenDone = true;
  const isResponse = (n: ObjNode) => n.type === "RestResponse";
  const unconditional = (n: ObjNode) => isResponse(n) && !n.props.condition;
  const firstConditional = built.findIndex((n) => isResponse(n) && !unconditional(n));
  const moved = built.filter((n, i) => unconditional(n) && firstConditional >= 0 && i < firstConditional);
  b.node.children = [...built.filter((n) => !moved.includes(n)), ...moved];
  if (moved.length) {
    b.note(
      `the responses without condition (${moved.map((n) => n.name).join(", ")}) are put after those with one: Convertigo never chose them, and Atelier chooses the first response that applies`,
    );
  }
  const plain = b.node.children.filter(unconditional);
  for (const r of plain) {
    const status = Number(r.props.statusCode ?? 200);
    if (r !== plain[0]) {
      b.note(`the response ${r.name} (${status}) is documentation only: an earlier response without condition applies`);
    } else if (status !== 200) {
      b.note(
        `its response ${r.name} has no XPath: Convertigo only documented its status ${status} and answered 200; Atelier answers ${status} for every successful run`,
        true,
      );
    }
  }
  for (const c of b.bean.children) {
    if (c.cls === "rest.OperationResponse" && b.m.decisionOf(c).type === "Foreign") {
      b.m.warn(
        c,
        `kept as foreign: its XPath condition ${beanStr(c, "xpath", "")} does not convert to a path; write its condition again on a new response`,
      );
    }
  }
}

// ------------------------------------------------------------------------------------ parameters

/** Convertigo's inputType (UrlMappingParameter.DataType) in Atelier's dataType; String: the variable's. */
const DATA_TYPES: Record<string, string> = {
  String: "auto",
  Integer: "integer",
  Number: "number",
  Boolean: "boolean",
  Model: "json",
};

function parameter(where: "query" | "path" | "header" | "form" | "body"): ClassMapper {
  return always("RestParameter", (b) => {
    if (where !== "query") b.set("in", where);
    const desc = b.bag.str("comment", "").trim();
    if (desc !== "") b.set("description", desc);
    const mapped = b.bag.str("mappedVariableName", "").trim();
    if (mapped !== "" && mapped !== b.node.name) b.set("variable", mapped);
    const variable = mapped || b.node.name;
    if (variable.startsWith("__")) {
      b.note(
        `it gives its value to Convertigo's engine parameter ${variable} (not a variable of the target), which Atelier does not read`,
        true,
      );
    }

    // A path parameter is always required; others as said.
    if (where === "path") b.bag.skip("required", "exposed");
    else if (b.bag.bool("required", false)) b.set("required", true);
    if (where !== "path" && !b.bag.bool("exposed", true)) {
      b.note(
        "Convertigo left it out of the API's documentation (exposed: false), yet read it from the call; Atelier documents it",
      );
    }

    const inputType = b.bag.str("inputType", where === "body" ? "Model" : "String");
    let dataType = DATA_TYPES[inputType];
    const content = where === "body" ? b.bag.str("inputContent", "toJson") : "";
    if (where !== "body") b.bag.skip("inputContent");
    if (where === "body") {
      // A body is one value: JSON, or its raw text when Convertigo did not convert it.
      dataType = content === "noConvert" ? "string" : "json";
      if (inputType !== "Model") b.note(`inputType ${inputType}: a body is one value`);
    } else if (inputType === "Model") {
      dataType = "json";
    } else if (inputType === "File") {
      dataType = "auto";
      b.note("a file upload (inputType: File): Atelier's REST parameters take no files", true);
    } else if (dataType === undefined) {
      dataType = "auto";
      b.note(`inputType ${inputType} is not a Convertigo type Atelier knows: read as the variable's type`);
    }
    if (dataType !== "auto") b.set("dataType", dataType);

    const multiValued = b.bag.bool("multiValued", false);
    const multi = b.bag.bool("array", false) || multiValued;
    if (multi && where === "body") {
      b.note("a list (multiValued or array): the body is one value, a JSON list when the caller sends one");
    } else if (multi) b.set("multiValued", true);

    if (content === "toJson" || content === "useHeader") {
      if (content === "useHeader") {
        b.note(
          "Convertigo read the body as XML or JSON by its Content-Type (inputContent: useHeader); Atelier reads JSON",
        );
      }
      b.note(
        `its JSON is given to the variable as a JSON value (Convertigo gave the target its XML form, under <${b.node.name}>)`,
      );
    } else if (content === "noConvert") {
      b.note(
        "Convertigo gave the target the body's raw text (inputContent: noConvert): imported as a text body (dataType string); check that Atelier's REST API takes such a body as it is",
        true,
      );
    } else if (content !== "") {
      b.note(
        `Convertigo read the body as ${content === "toXml" ? "XML" : content} (inputContent: ${content}); Atelier reads a JSON body`,
        true,
      );
    }

    if (b.bag.has("value")) defaultValue(b, multi && where !== "body", dataType);
  });
}

/** `value`: the parameter's default (a text, or an XMLVector of texts when multi-valued). */
function defaultValue(b: Builder, multi: boolean, dataType: string): void {
  if (multi) {
    const vec = b.bag.vector("value");
    const list = vec ? vec.filter((x): x is string => typeof x === "string") : [b.bag.str("value", "")];
    const items = list.filter((x) => x !== "").map((x) => typed(x, dataType));
    if (items.length) b.set("default", items);
    return;
  }
  const text = b.bag.str("value", "");
  if (text === "") {
    b.note('its default value is "" (an empty text); Atelier reads an empty default as no value');
    return;
  }
  b.set("default", typed(text, dataType));
}

/** A Convertigo text value in the parameter's type, when it reads as one; else the text. */
function typed(text: string, dataType: string): unknown {
  const t = text.trim();
  if (
    (dataType === "integer" && /^-?\d+$/.test(t)) ||
    (dataType === "number" && t !== "" && Number.isFinite(Number(t)))
  )
    return Number(t);
  if (dataType === "boolean" && (t === "true" || t === "false")) return t === "true";
  if (dataType === "json") {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

// ------------------------------------------------------------------------------------ responses

function response(b: Builder): void {
  const text = b.bag.str("statusText", "successful operation").trim();
  // Convertigo's Studio often repeats the status text as the comment.
  const comment = b.bag.str("comment", "");
  if (comment !== "" && comment.trim() !== text) b.set("comment", comment);
  const code = b.bag.str("statusCode", "200").trim();
  const status = /^\d{3}$/.test(code) ? Number(code) : NaN;
  if (status >= 100 && status <= 599) {
    if (status !== 200) b.set("statusCode", status);
  } else {
    // Convertigo refused such a value and kept 200.
    b.note(`statusCode ${code} is not an HTTP status: 200 is kept, as Convertigo did`, true);
  }
  if (text !== "" && text !== "successful operation") b.set("description", text);

  const xpath = b.bag.str("xpath", "").trim();
  if (xpath !== "") {
    const c = xpathCondition(xpath);
    // decide() made it foreign otherwise.
    if (c) {
      b.set("condition", c.condition);
      if (c.guessed) b.note(`XPath ${xpath} read as ${c.condition}: ${c.guessed}`);
    }
  }
  if (status >= 300 && status < 400) {
    b.note(
      `a redirection (${status}): Convertigo set only the status; give it a Location header ({path} of the answer holding the URL)`,
      true,
    );
  }

  const model = b.bag.str("modelReference", "").trim();
  if (model !== "") {
    const schema = modelSchema(b, model);
    if (schema.schema !== undefined) b.set("schema", schema.schema);
    if (schema.problem) b.note(`modelReference ${model}: ${schema.problem}`);
  }
}

/** The JSON Schema a response's modelReference names in its mapper's `models`, refs inlined. */
function modelSchema(b: Builder, ref: string): { schema?: unknown; problem?: string } {
  if (ref.includes(".jsonschema") || ref.includes("#")) {
    return { problem: "a schema generated by Convertigo from a requestable; Atelier infers the body's schema itself" };
  }
  const mapperBean = [...b.ancestors].reverse().find((a) => a.cls === "core.UrlMapper");
  const models = parseModels(mapperBean);
  if (!models) return { problem: "the mapper's models are not a JSON object" };
  if (!Object.hasOwn(models, ref)) return { problem: "no model of that name in the mapper's models" };
  const unresolved = new Set<string>();
  const inline = (v: unknown, seen: readonly string[]): unknown => {
    if (Array.isArray(v)) return v.map((x) => inline(x, seen));
    if (v === null || typeof v !== "object") return v;
    const o = v as Record<string, unknown>;
    const r =
      typeof o.$ref === "string" ? /^#\/(?:components\/schemas|definitions)\/(.+)$/.exec(o.$ref)?.[1] : undefined;
    if (r !== undefined) {
      if (Object.hasOwn(models, r) && !seen.includes(r) && seen.length < 20) return inline(models[r], [...seen, r]);
      unresolved.add(String(o.$ref));
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, inline(x, seen)]));
  };
  const schema = inline(models[ref], [ref]);
  return {
    schema,
    ...(unresolved.size
      ? { problem: `references not inlined (recursive or unknown): ${[...unresolved].join(", ")}` }
      : {}),
  };
}

function parseModels(mapper: C8oBean | undefined): Record<string, unknown> | undefined {
  if (!mapper) return undefined;
  try {
    const v = JSON.parse(beanStr(mapper, "models", "{}")) as unknown;
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

// ------------------------------------------------------------------------------------ XPath

const XML_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A response's XPath condition as an Atelier condition, with what the reading guessed. */
export interface XPathCondition {
  condition: string;
  guessed?: string;
}

/**
 * Converts the XPath of an OperationResponse (evaluated on the run's XML answer, `<document>`
 * its root element) into a condition on the JSON answer (rest-paths.ts): `//error` → `error`,
 * `//a/b` → `a.b`, `/document/a` → `a`, `//x[.='v']` or `//x[text()='v']` → `x == v`,
 * `//error[code='E']` or `//error[@code='E']` → `error.code == E`, `//a/@x` → `a.x`, `a[2]` →
 * `a[1]` (`a[1]` → `a`, guessed). Undefined for anything else (other predicates, axes, functions,
 * wildcards).
 */
export function xpathCondition(xpath: string): XPathCondition | undefined {
  let s = xpath.trim();
  let anyDepth = false;
  if (s.startsWith("//")) {
    anyDepth = true;
    s = s.slice(2);
  } else if (s.startsWith("/")) {
    s = s.slice(1);
  } else return undefined;
  const steps = s.split("/");
  // The answer's root element: the JSON answer itself (always there: no condition to say so).
  if (steps[0] === "document") {
    if (steps.length === 1) return undefined;
    steps.shift();
    anyDepth = false;
  }
  let equals: string | undefined;
  const path: string[] = [];
  let firstName = "";
  let indexGuess: string | undefined;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!.trim();
    const last = i === steps.length - 1;
    if (last && step === "text()" && path.length > 0) break;
    // An attribute: a key of the element's JSON form.
    if (last && path.length > 0 && /^@[A-Za-z_][A-Za-z0-9_]*$/.test(step)) {
      path.push(step.slice(1));
      break;
    }
    const m = /^([A-Za-z_][\w.-]*)((?:\[[^\]]*\])*)$/.exec(step);
    if (!m || !XML_NAME.test(m[1]!)) return undefined;
    let seg = m[1]!;
    if (firstName === "") firstName = seg;
    const preds = [...m[2]!.matchAll(/\[([^\]]*)\]/g)].map((x) => x[1]!.trim());
    for (const p of preds) {
      if (/^\d+$/.test(p)) {
        const n = Number(p);
        if (n < 1) return undefined;
        // In JSON a single value is no list: [1] is the value itself.
        if (n === 1) indexGuess = `"${m[1]}[1]" read as the single value ${m[1]}`;
        else seg += `[${n - 1}]`;
        continue;
      }
      const eq = /^(?:(\.|text\(\)|\.\/text\(\))|@?([A-Za-z_][A-Za-z0-9_]*))\s*=\s*(?:"([^"]*)"|'([^']*)')$/.exec(p);
      if (!eq || !last || equals !== undefined || p !== preds[preds.length - 1]) return undefined;
      if (eq[2]) seg += `.${eq[2]}`;
      equals = eq[3] ?? eq[4] ?? "";
    }
    path.push(seg);
  }
  if (path.length === 0) return undefined;
  let condition = path.join(".");
  if (equals !== undefined) {
    // parseCondition takes off one pair of quotes around the value (whatever it holds).
    const quoted = equals === "" || equals !== equals.trim() || /^(["']).*\1$/s.test(equals);
    condition += ` == ${quoted ? `"${equals}"` : equals}`;
  }
  try {
    parseCondition(condition);
  } catch {
    return undefined;
  }
  const guessed = [
    ...(anyDepth
      ? [`Convertigo looked for ${firstName} at any depth of its answer; Atelier reads it at the top of the answer`]
      : []),
    ...(indexGuess ? [indexGuess] : []),
  ];
  return { condition, ...(guessed.length ? { guessed: guessed.join("; ") } : {}) };
}
