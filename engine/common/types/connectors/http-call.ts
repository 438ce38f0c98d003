import type { ObjNode } from "../../model/node.ts";
import type { HttpResponse, TransactionContext } from "../../model/typedef.ts";
import type { PropDef } from "../../model/props.ts";
import { placeholderNames } from "../../model/settings.ts";
import {
  basicAuthorization,
  connectorBaseUrl,
  effectivePort,
  hostAllowed,
  hostProblem,
  httpConnectorType,
  parseAllowedHosts,
  type HostRule,
} from "./http-connector.ts";

/**
 * What every HTTP transaction type shares (JSON, XML, text answers): how the request is built
 * from the transaction's properties and variables, where it may go, and the call itself. Each
 * type then reads the answer its own way.
 */

/** How body variables (or the body template) become the request's body. */
export const BODY_ENCODINGS = ["json", "form", "text", "xml"] as const;
export type BodyEncoding = (typeof BODY_ENCODINGS)[number];

const DEFAULT_CONTENT_TYPE: Record<BodyEncoding, string> = {
  json: "application/json",
  form: "application/x-www-form-urlencoded",
  text: "text/plain; charset=utf-8",
  xml: "text/xml; charset=utf-8",
};

/** The request properties of an HTTP transaction (verb, path, headers, body, error statuses). */
export function httpRequestProps(answer: string): PropDef[] {
  return [
    {
      name: "verb",
      label: "HTTP verb",
      kind: "enum",
      values: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
      default: "GET",
      help: "The HTTP method.",
    },
    {
      name: "path",
      label: "Path",
      kind: "string",
      default: "",
      variableNames: "template",
      help: "Path after the connector's base, with {variable} (URL-encoded) or {+variable} (as is). A path that expands to an absolute http(s) URL replaces the connector's base.",
    },
    {
      name: "headers",
      label: "Headers",
      kind: "keyValue",
      default: {},
      variableNames: "template",
      help: "Headers of this transaction; values may hold {variable} and ${setting}.",
    },
    {
      name: "bodyEncoding",
      label: "Body encoding",
      kind: "enum",
      values: [...BODY_ENCODINGS],
      default: "json",
      help:
        "How the body is made. json: the JSON body template, or else the body variables as a JSON object (application/json). " +
        "form: the body variables form-encoded (application/x-www-form-urlencoded), as Convertigo sends its POST variables. " +
        "text: the body template as text, {variable} replaced by its value as is (text/plain). " +
        "xml: the body template as XML, {variable} replaced by its XML-escaped value; an element holding a variable without value is left out, and repeated for each value of a list (text/xml). " +
        "A Content-Type header of the transaction or connector replaces the default type.",
    },
    {
      name: "body",
      label: "Body template",
      kind: "text",
      default: "",
      variableNames: "template",
      help: 'The body (see Body encoding). In json: a JSON document; a string that is exactly "{variable}" is replaced by the variable\'s value (any JSON type); {variable} inside a longer string is inserted as text. Without a template, body variables are sent as a JSON object.',
      check: (v, node) => {
        if (typeof v !== "string" || v.trim() === "") return undefined;
        const encoding = String(node.props.bodyEncoding ?? "json");
        if (encoding === "form")
          return "A form-encoded body is made of the body variables: the body template is not used";
        if (encoding !== "json") return undefined;
        try {
          JSON.parse(v);
          return undefined;
        } catch (e) {
          return `The body template is not valid JSON: ${(e as Error).message}`;
        }
      },
    },
    {
      name: "errorStatus",
      label: "Error statuses",
      kind: "enum",
      values: ["fail", "answer"],
      default: "fail",
      help: `fail: an answer whose status is not 2xx ends the call with an error (http_status). answer: it is read as ${answer} and answered like any other, with its status (as Convertigo does: sequences then test the answer, e.g. an <Error> element).`,
    },
    {
      name: "isDefault",
      label: "Default transaction",
      kind: "boolean",
      default: false,
      help: "Used by HTTP calls that name the connector but no transaction.",
    },
  ];
}

/** The answer of an HTTP call, with what the transaction's messages name. */
export interface HttpCall {
  res: HttpResponse;
  /** The URL called. */
  url: string;
  /** "VERB URL", for messages. */
  target: string;
  /** "Connector.Transaction", for messages. */
  label: string;
}

/**
 * Makes the call a transaction describes: URL, query, headers and body from its properties and
 * variables, checked against the connector's hosts. Ends the run with an error when the call
 * fails, and when the answer's status is not 2xx unless the transaction's errorStatus is "answer".
 */
export async function callHttp(
  tx: ObjNode,
  connector: ObjNode,
  ctx: TransactionContext,
  accept: string,
): Promise<HttpCall> {
  const label = `${connector.name}.${tx.name}`;
  const vars = ctx.vars;
  const varDefs = tx.children.filter((c) => c.type === "Variable");
  const httpUse = (v: ObjNode) => String(v.props.httpUse ?? "query");
  const httpName = (v: ObjNode) => String(v.props.httpName || v.name);

  const server = String(ctx.prop(connector, "server") ?? "localhost");
  // A Host written in the file is checked when saved; one that comes from a setting only now.
  const hostWhy = hostProblem(server);
  if (hostWhy) {
    const written = String(connector.props.server);
    return ctx.fail(
      "invalid_host",
      `Connector "${connector.name}": ${hostWhy.replace(/^Host /, `Host (${written}) `)}`,
      { connector: connector.name, server },
      500,
    );
  }
  const base = connectorBaseUrl(
    Boolean(ctx.prop(connector, "https")),
    server,
    numberProp(ctx, connector, "port", label),
    String(ctx.prop(connector, "basePath") ?? ""),
  );
  const template = ctx.prop<string>(tx, "path") ?? "";
  let parsed: URL;
  try {
    parsed = requestUrl(template, vars, base, label);
  } catch (e) {
    if (e instanceof UrlRefusal) return ctx.fail(e.code, e.message, e.details, e.status);
    throw e;
  }
  for (const v of varDefs) {
    if (httpUse(v) !== "query") continue;
    const value = vars[v.name];
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      parsed.searchParams.append(httpName(v), typeof item === "string" ? item : JSON.stringify(item));
    }
  }

  const headers: Record<string, string> = { accept };
  // Basic authentication first: an Authorization header of the connector or transaction replaces it.
  const authUser = String(ctx.prop(connector, "authUser") ?? "");
  const authPassword = String(ctx.prop(connector, "authPassword") ?? "");
  if (authUser !== "" || authPassword !== "") headers.authorization = basicAuthorization(authUser, authPassword);
  const computedAuth = headers.authorization;
  const addHeaders = (h: unknown) => {
    if (h && typeof h === "object") {
      for (const [k, val] of Object.entries(h as Record<string, string>)) {
        headers[k.toLowerCase()] = expandTemplate(ctx.resolveSettings(String(val)), vars, label);
      }
    }
  };
  addHeaders(ctx.prop(connector, "headers"));
  addHeaders(ctx.prop(tx, "headers"));
  for (const v of varDefs) {
    if (httpUse(v) !== "header") continue;
    const value = vars[v.name];
    if (value === undefined || value === null) continue;
    headers[httpName(v).toLowerCase()] = Array.isArray(value) ? value.join(", ") : String(value);
  }

  const verb = String(ctx.prop(tx, "verb") ?? "GET");
  const encoding = String(ctx.prop(tx, "bodyEncoding") ?? "json") as BodyEncoding;
  const bodyFields = varDefs.filter((v) => httpUse(v) === "body");
  let body = requestBody(encoding, String(ctx.prop(tx, "body") ?? ""), bodyFields, httpName, vars, label);
  if (body !== undefined && verb !== "GET" && verb !== "HEAD") {
    headers["content-type"] ??= DEFAULT_CONTENT_TYPE[encoding] ?? "application/json";
  } else {
    body = undefined;
  }

  // Where a caller's values may send the request (the path, a {+variable} URL, a Host header):
  // checked on the final URL and headers, before any connection, whatever built them.
  const policy = hostPolicy(connector, base, template, String(ctx.prop(connector, "allowedHosts") ?? ""), label);
  const refusal = policy.refusal(parsed, headers.host);
  if (refusal) return ctx.fail(refusal.code, refusal.message, refusal.details, refusal.status);

  const timeoutMs = numberProp(ctx, connector, "timeoutMs", label);
  const url = parsed.toString();
  const target = `${verb} ${url}`;
  // The header made of the password is not the password: the trace's masking would not see it.
  const traced =
    headers.authorization === computedAuth && computedAuth ? { ...headers, authorization: "Basic (hidden)" } : headers;
  ctx.input("request", { method: verb, url, headers: traced, body });
  let res: HttpResponse;
  try {
    res = await ctx.services.http.request(
      { method: verb, url, headers, body, timeoutMs, tlsVerify: ctx.prop(connector, "tlsVerify") !== false },
      ctx.signal,
    );
  } catch (e) {
    return ctx.fail(
      "http_request_failed",
      `Transaction ${label}: ${target} failed: ${(e as Error).message}`,
      { url },
      502,
    );
  }
  if ((res.status < 200 || res.status >= 300) && ctx.prop(tx, "errorStatus") !== "answer") {
    return ctx.fail(
      "http_status",
      `Transaction ${label}: ${target} answered HTTP ${res.status}`,
      { url, status: res.status, body: res.body.slice(0, 2000) },
      502,
    );
  }
  return { res, url, target, label };
}

/** The request's body as the transaction's body encoding makes it; undefined when there is none. */
function requestBody(
  encoding: BodyEncoding,
  template: string,
  fields: readonly ObjNode[],
  httpName: (v: ObjNode) => string,
  vars: Record<string, unknown>,
  label: string,
): string | undefined {
  const hasTemplate = template.trim() !== "";
  switch (encoding) {
    case "form": {
      if (fields.length === 0) return undefined;
      // Convertigo's order: the variables' order, each value of a list under the same name.
      const form = new URLSearchParams();
      for (const v of fields) {
        const value = vars[v.name];
        if (value === undefined || value === null) continue;
        for (const item of Array.isArray(value) ? value : [value]) form.append(httpName(v), valueText(item));
      }
      return form.toString();
    }
    case "text":
      return hasTemplate ? expandText(template, vars, label) : undefined;
    case "xml":
      return hasTemplate ? fillXmlTemplate(template, vars, label) : undefined;
    default: {
      if (hasTemplate) return JSON.stringify(fillJsonTemplate(JSON.parse(template), vars, label));
      if (fields.length === 0) return undefined;
      const obj: Record<string, unknown> = {};
      for (const v of fields) if (vars[v.name] !== undefined) obj[httpName(v)] = vars[v.name];
      return JSON.stringify(obj);
    }
  }
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_.-]*)\}/g;

/** A text template: {name} replaced by the value's text (strings as they are, other values as JSON). */
function expandText(template: string, vars: Record<string, unknown>, label: string): string {
  return template.replace(PLACEHOLDER, (m, name: string) => {
    if (!Object.prototype.hasOwnProperty.call(vars, name))
      throw new Error(`Transaction ${label}: the body uses {${name}} but there is no such variable`);
    const v = vars[name];
    return v === undefined || v === null ? "" : typeof v === "string" ? v : JSON.stringify(v);
  });
}

function xmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" }[c]};`);
}

/**
 * An XML template (Convertigo's request templates, SOAP envelopes): each {name} is replaced by
 * the variable's XML-escaped text. As Convertigo does, the element around a placeholder
 * (`<a>{name}</a>`) is left out when the variable has no value, and written once per value when
 * it holds a list. A placeholder elsewhere (an attribute, mixed text) takes the value's text.
 */
function fillXmlTemplate(template: string, vars: Record<string, unknown>, label: string): string {
  const known = (name: string) => {
    if (!Object.prototype.hasOwnProperty.call(vars, name))
      throw new Error(`Transaction ${label}: the body uses {${name}} but there is no such variable`);
    return vars[name];
  };
  const text = (v: unknown) =>
    xmlEscape(v === undefined || v === null ? "" : typeof v === "string" ? v : JSON.stringify(v));
  const element = /<([A-Za-z_][\w.:-]*)((?:\s+[^<>]*?)?)>\s*\{([A-Za-z_][A-Za-z0-9_.-]*)\}\s*<\/\1\s*>/g;
  const withElements = template.replace(element, (_m, tag: string, attrs: string, name: string) => {
    const v = known(name);
    const attrText = attrs.replace(PLACEHOLDER, (_a, n: string) => text(known(n)));
    if (v === undefined || v === null) return "";
    const values = Array.isArray(v) ? v : [v];
    return values.map((item) => `<${tag}${attrText}>${text(item)}</${tag}>`).join("");
  });
  return withElements.replace(PLACEHOLDER, (_m, name: string) => {
    const v = known(name);
    return text(Array.isArray(v) ? v.map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join("") : v);
  });
}

/**
 * A number property of the connector, `${setting}` resolved, checked against its bounds: a
 * setting giving -5 made a timer of -5 ms (every call failed at once), one giving 70000 a port
 * no URL can hold.
 */
function numberProp(ctx: TransactionContext, connector: ObjNode, name: string, label: string): number {
  const def = httpConnectorType.props.find((p) => p.name === name);
  const v = ctx.prop<unknown>(connector, name) ?? def?.default;
  const min = def?.min ?? -Infinity;
  const max = def?.max ?? Infinity;
  if (typeof v === "number" && Number.isInteger(v) && v >= min && v <= max) return v;
  const raw = connector.props[name];
  const settings = typeof raw === "string" ? placeholderNames(raw) : [];
  return ctx.fail(
    "invalid_setting",
    `Transaction ${label}: the connector's ${name} is ${JSON.stringify(raw)}, which gives ${JSON.stringify(v)}: not a whole number from ${min} to ${max}${settings.length ? ` (change the setting ${settings.join(", ")})` : ""}`,
    { property: name, ...(settings.length ? { settings } : {}) },
    500,
  );
}

function valueText(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return value.map(valueText).join(",");
  return typeof value === "string" ? value : JSON.stringify(value);
}

const EXPRESSION = /\{(\+?)([A-Za-z_][A-Za-z0-9_.-]*)\}/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** An expanded template: its text and where each variable's value lies in it. */
interface Expansion {
  text: string;
  spans: { start: number; end: number; name: string }[];
}

function expand(template: string, vars: Record<string, unknown>, label: string, forUrl: boolean): Expansion {
  let text = "";
  const spans: Expansion["spans"] = [];
  let last = 0;
  EXPRESSION.lastIndex = 0;
  for (let m = EXPRESSION.exec(template); m; m = EXPRESSION.exec(template)) {
    const [whole, raw, name] = m as unknown as [string, string, string];
    if (!Object.prototype.hasOwnProperty.call(vars, name)) {
      throw new Error(`Transaction ${label}: the template uses {${raw}${name}} but there is no variable "${name}"`);
    }
    text += template.slice(last, m.index);
    let value = valueText(vars[name]);
    // A URL parser drops tabs and line breaks wherever they are: dropped here first, a value's
    // text is what the parser sees (".\t." would otherwise become "..").
    if (forUrl && raw) value = value.replace(/[\t\n\r]/g, "");
    // encodeURIComponent throws on a lone surrogate (a JSON body can hold "\ud800"): it becomes U+FFFD.
    const piece = raw ? value : encodeURIComponent(value.replace(LONE_SURROGATE, "\ufffd"));
    spans.push({ start: text.length, end: text.length + piece.length, name });
    text += piece;
    last = m.index + whole.length;
  }
  text += template.slice(last);
  return { text, spans };
}

/** Expands {name} (URL-encoded) and {+name} (as is) from the variables. */
export function expandTemplate(template: string, vars: Record<string, unknown>, label: string): string {
  return expand(template, vars, label, false).text;
}

/** A request the transaction refuses to make, with the error it answers. */
export class UrlRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

const ABSOLUTE = /^https?:\/\//i;
/** "." and "..", also percent-encoded: URL parsers (WHATWG, undici, most servers) treat them all as moves. */
const DOT_SEGMENTS = new Set([".", "..", "%2e", ".%2e", "%2e.", "%2e%2e"]);

/**
 * The URL a path template asks for: the connector's base URL followed by the expanded template,
 * or the expansion itself when it is an absolute http(s) URL. `{name}` values are URL-encoded,
 * `{+name}` values inserted as they are (reserved expansion).
 *
 * A path segment made even partly by a variable is never a dot segment: "." or ".." (a device
 * document whose id is ".." made `PUT {+base}/orders/{id}` a `PUT /`), nor their percent-encoded
 * forms, which URL parsers normalise the same way (`%2E%2E` cannot carry a literal "..": there is
 * no encoding of it that survives, so it is refused). A template with a fixed path before its
 * first variable keeps every request under that path. Throws UrlRefusal (400) naming the variable.
 */
export function requestUrl(template: string, vars: Record<string, unknown>, base: string, label: string): URL {
  const { text, spans } = expand(template, vars, label, true);
  const absolute = ABSOLUTE.test(text);
  const sep = absolute || text === "" || text.startsWith("/") || text.startsWith("?") ? "" : "/";
  const offset = absolute ? 0 : base.length + sep.length;
  const url = absolute ? text : base + sep + text;

  // The path: from the first separator after the authority to the query or fragment.
  const authorityStart = url.indexOf("//") + 2;
  let pathStart = url.length;
  for (let i = authorityStart; i < url.length; i++) {
    const c = url[i];
    if (c === "/" || c === "\\" || c === "?" || c === "#") {
      pathStart = i;
      break;
    }
  }
  let segStart = pathStart;
  for (let i = pathStart; i <= url.length; i++) {
    const c = url[i];
    const end = i === url.length || c === "?" || c === "#";
    if (end || c === "/" || c === "\\") {
      if (i > segStart && DOT_SEGMENTS.has(url.slice(segStart, i).toLowerCase())) {
        const s = segStart;
        const span = spans.find((sp) => sp.end > sp.start && sp.start + offset < i && sp.end + offset > s);
        if (span) {
          throw new UrlRefusal(
            "invalid_path_variable",
            `Transaction ${label}: the variable "${span.name}" makes the path segment "${url.slice(segStart, i)}", which would move the request to another path; refused`,
            400,
            { variable: span.name },
          );
        }
      }
      if (end) break;
      segStart = i + 1;
    }
  }

  // A caller's value that makes no URL is the caller's mistake (400); a template alone, the project's.
  const status = spans.some((sp) => sp.end > sp.start) ? 400 : 500;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UrlRefusal("invalid_url", `Transaction ${label}: "${url}" is not a valid URL`, status, undefined);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new UrlRefusal("invalid_url", `Transaction ${label}: "${url}" is not an http(s) URL`, status, undefined);
  }
  // The invariant itself, checked on the parsed URL: under the template's fixed path.
  const fixed = fixedPathPrefix(template, base);
  if (fixed !== undefined && !parsed.pathname.startsWith(fixed)) {
    throw new UrlRefusal(
      "invalid_path_variable",
      `Transaction ${label}: the variables move the request out of ${fixed}; refused`,
      400,
      undefined,
    );
  }
  return parsed;
}

const prefixCache = new Map<string, string | undefined>();

/** The normalised path a template's text before its first variable fixes (up to its last "/"). */
function fixedPathPrefix(template: string, base: string): string | undefined {
  const brace = template.search(EXPRESSION);
  if (brace <= 0) return undefined;
  const literal = template.slice(0, brace);
  const key = `${base}\n${literal}`;
  if (prefixCache.has(key)) return prefixCache.get(key);
  let prefix: string | undefined;
  const absolute = ABSOLUTE.test(literal);
  const full = absolute ? literal : base + (literal.startsWith("/") || literal.startsWith("?") ? "" : "/") + literal;
  const authorityEnd = full.indexOf("/", full.indexOf("//") + 2);
  const q = full.search(/[?#]/);
  const cut = Math.max(full.lastIndexOf("/"), full.lastIndexOf("\\"));
  if (authorityEnd > 0 && cut >= authorityEnd && (q < 0 || cut < q)) {
    try {
      prefix = new URL(full.slice(0, cut + 1)).pathname;
    } catch {
      prefix = undefined;
    }
  }
  if (prefixCache.size > 512) prefixCache.clear();
  prefixCache.set(key, prefix);
  return prefix;
}

/** Where a connector's requests may go: its own host, a host fixed by the path, allowedHosts. */
interface HostPolicy {
  refusal(url: URL, hostHeader: string | undefined): UrlRefusal | undefined;
}

const originCache = new Map<string, { hostname: string; port: string } | undefined>();

function originOf(text: string): { hostname: string; port: string } | undefined {
  if (originCache.has(text)) return originCache.get(text);
  let out: { hostname: string; port: string } | undefined;
  try {
    const u = new URL(text);
    out = { hostname: u.hostname, port: effectivePort(u) };
  } catch {
    out = undefined;
  }
  if (originCache.size > 512) originCache.clear();
  originCache.set(text, out);
  return out;
}

/**
 * The hosts a transaction may reach: the connector's own (server and port), a host written in
 * the path template before any variable, and the connector's allowedHosts (resolved from its
 * settings). Anything else a variable points it at is refused (SSRF: an anonymous caller
 * reaching cloud metadata, the loopback admin ports or the internal network through the
 * engine), with a message naming the host and what to change.
 */
function hostPolicy(connector: ObjNode, base: string, template: string, allowed: string, label: string): HostPolicy {
  const own = originOf(base);
  const brace = template.search(EXPRESSION);
  const literal = brace < 0 ? template : template.slice(0, brace);
  const fixedOrigin = /^(https?:\/\/[^/?#\\{}]+)[/?#\\]/i.exec(literal);
  const fixed = fixedOrigin ? originOf((fixedOrigin[1] as string) + "/") : undefined;
  let rules: readonly HostRule[];
  let rulesError: string | undefined;
  try {
    rules = parseAllowedHosts(allowed);
  } catch (e) {
    rules = [];
    rulesError = (e as Error).message;
  }
  const ok = (hostname: string, port: string) =>
    (own !== undefined && own.hostname === hostname && own.port === port) ||
    (fixed !== undefined && fixed.hostname === hostname && fixed.port === port) ||
    hostAllowed(rules, hostname, port);
  const refuse = (shown: string, how: string): UrlRefusal => {
    const raw = typeof connector.props.allowedHosts === "string" ? connector.props.allowedHosts : "";
    const settings = placeholderNames(raw);
    const change = settings.length
      ? `add it to the setting ${settings.join(", ")} (the connector's allowedHosts is "${raw}")`
      : `add it to the connector's allowedHosts property (Allowed servers), best through a \${setting}`;
    const mayCall = [own && `${own.hostname}:${own.port}`, fixed && `${fixed.hostname}:${fixed.port}`]
      .filter(Boolean)
      .join(", ");
    return new UrlRefusal(
      "host_not_allowed",
      `Transaction ${label}: ${how} ${shown}, which the connector "${connector.name}" may not call (it may call ${mayCall}${allowed.trim() ? ` and ${allowed.trim()}` : ""}); to allow it, ${change}${rulesError ? ` [${rulesError}]` : ""}`,
      403,
      { host: shown, connector: connector.name, ...(settings.length ? { settings } : {}) },
    );
  };
  return {
    refusal(url, hostHeader) {
      const port = effectivePort(url);
      if (!ok(url.hostname, port)) return refuse(`${url.hostname}:${port}`, "the request goes to");
      if (hostHeader !== undefined) {
        // A Host header picks the site at the other end (virtual hosts): held to the same list.
        // Only host[:port] characters: "a@b" or "a/b" would be read one way here, another there.
        const h = /^[A-Za-z0-9.\-[\]:]+$/.test(hostHeader) ? originOf(`${url.protocol}//${hostHeader}/`) : undefined;
        if (!h || !ok(h.hostname, h.port)) return refuse(JSON.stringify(hostHeader), "the Host header names");
      }
      return undefined;
    },
  };
}

function fillJsonTemplate(node: unknown, vars: Record<string, unknown>, label: string): unknown {
  if (typeof node === "string") {
    const whole = /^\{([A-Za-z_][A-Za-z0-9_.-]*)\}$/.exec(node);
    if (whole) {
      const name = whole[1] as string;
      if (!Object.prototype.hasOwnProperty.call(vars, name))
        throw new Error(`Transaction ${label}: the body uses {${name}} but there is no such variable`);
      return vars[name] ?? null;
    }
    return node.replace(/\{([A-Za-z_][A-Za-z0-9_.-]*)\}/g, (m, name: string) =>
      Object.prototype.hasOwnProperty.call(vars, name) ? valueText(vars[name]) : m,
    );
  }
  if (Array.isArray(node)) return node.map((x) => fillJsonTemplate(x, vars, label));
  if (node && typeof node === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = fillJsonTemplate(v, vars, label);
    return out;
  }
  return node;
}
