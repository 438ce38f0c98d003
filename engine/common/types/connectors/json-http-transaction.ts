import type { ObjNode } from "../../model/node.ts";
import type { HttpResponse } from "../../model/typedef.ts";
import { defineType } from "../../model/typedef.ts";
import { commentProp, requestableProps } from "../shared-props.ts";
import { connectorBaseUrl } from "./http-connector.ts";

export const jsonHttpTransactionType = defineType({
  type: "JsonHttpTransaction",
  label: "JSON HTTP transaction",
  category: "transaction",
  icon: "transaction",
  description:
    "One HTTP call answered with JSON: verb, path template with {variable}, query/header/body variables, JSON body template.",
  accepts: ["Variable", "TestCase"],
  onlyIn: ["HttpConnector"],
  props: [
    commentProp,
    ...requestableProps,
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
      help: "Path after the connector's base, with {variable} (URL-encoded) or {+variable} (as is). A path that expands to an absolute http(s) URL replaces the connector's base.",
    },
    {
      name: "headers",
      label: "Headers",
      kind: "keyValue",
      default: {},
      help: "Headers of this transaction; values may hold {variable} and ${setting}.",
    },
    {
      name: "body",
      label: "JSON body template",
      kind: "text",
      default: "",
      help: 'A JSON document sent as the body. A string that is exactly "{variable}" is replaced by the variable\'s value (any JSON type); {variable} inside a longer string is inserted as text. Without a template, body variables are sent as a JSON object.',
      check: (v) => {
        if (typeof v !== "string" || v.trim() === "") return undefined;
        try {
          JSON.parse(v);
          return undefined;
        } catch (e) {
          return `The body template is not valid JSON: ${(e as Error).message}`;
        }
      },
    },
    {
      name: "isDefault",
      label: "Default transaction",
      kind: "boolean",
      default: false,
      help: "Used by HTTP calls that name the connector but no transaction.",
    },
  ],
  execute: async (tx, connector, ctx) => {
    const label = `${connector.name}.${tx.name}`;
    const vars = ctx.vars;
    const varDefs = tx.children.filter((c) => c.type === "Variable");
    const httpUse = (v: ObjNode) => String(v.props.httpMethod ?? "query");
    const httpName = (v: ObjNode) => String(v.props.httpName || v.name);

    const path = expandTemplate(ctx.prop<string>(tx, "path") ?? "", vars, label);
    let url: string;
    if (/^https?:\/\//i.test(path)) {
      url = path;
    } else {
      const base = connectorBaseUrl(
        Boolean(ctx.prop(connector, "https")),
        String(ctx.prop(connector, "server") ?? "localhost"),
        Number(ctx.prop(connector, "port") ?? 0),
        String(ctx.prop(connector, "basePath") ?? ""),
      );
      url = base + (path === "" || path.startsWith("/") || path.startsWith("?") ? path : "/" + path);
    }
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return ctx.fail("invalid_url", `Transaction ${label}: "${url}" is not a valid URL`, undefined, 500);
    }
    for (const v of varDefs) {
      if (httpUse(v) !== "query") continue;
      const value = vars[v.name];
      if (value === undefined || value === null) continue;
      for (const item of Array.isArray(value) ? value : [value]) {
        parsed.searchParams.append(httpName(v), typeof item === "string" ? item : JSON.stringify(item));
      }
    }

    const headers: Record<string, string> = { accept: "application/json" };
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
    let body: string | undefined;
    const template = String(ctx.prop(tx, "body") ?? "");
    if (template.trim() !== "") {
      body = JSON.stringify(fillJsonTemplate(JSON.parse(template), vars, label));
    } else {
      const fields = varDefs.filter((v) => httpUse(v) === "body");
      if (fields.length > 0) {
        const obj: Record<string, unknown> = {};
        for (const v of fields) if (vars[v.name] !== undefined) obj[httpName(v)] = vars[v.name];
        body = JSON.stringify(obj);
      }
    }
    if (body !== undefined && verb !== "GET" && verb !== "HEAD") {
      headers["content-type"] ??= "application/json";
    } else {
      body = undefined;
    }

    const timeoutMs = Number(ctx.prop(connector, "timeoutMs") ?? 30000);
    const target = `${verb} ${parsed.toString()}`;
    ctx.input("request", { method: verb, url: parsed.toString(), headers, body });
    let res: HttpResponse;
    try {
      res = await ctx.services.http.request(
        {
          method: verb,
          url: parsed.toString(),
          headers,
          body,
          timeoutMs,
          tlsVerify: ctx.prop(connector, "tlsVerify") !== false,
        },
        ctx.signal,
      );
    } catch (e) {
      return ctx.fail(
        "http_request_failed",
        `Transaction ${label}: ${target} failed: ${(e as Error).message}`,
        { url: parsed.toString() },
        502,
      );
    }
    if (res.status < 200 || res.status >= 300) {
      return ctx.fail(
        "http_status",
        `Transaction ${label}: ${target} answered HTTP ${res.status}`,
        { url: parsed.toString(), status: res.status, body: res.body.slice(0, 2000) },
        502,
      );
    }
    let data: unknown = null;
    if (res.body.trim() !== "") {
      try {
        data = JSON.parse(res.body);
      } catch {
        const type = res.headers["content-type"] ?? "no content type";
        return ctx.fail(
          "http_not_json",
          `Transaction ${label}: ${target} answered something that is not JSON (${type})`,
          { url: parsed.toString(), status: res.status, body: res.body.slice(0, 500) },
          502,
        );
      }
    }
    return { data, status: res.status, headers: res.headers };
  },
});

function valueText(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return value.map(valueText).join(",");
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Expands {name} (URL-encoded) and {+name} (as is) from the variables. */
export function expandTemplate(template: string, vars: Record<string, unknown>, label: string): string {
  return template.replace(/\{(\+?)([A-Za-z_][A-Za-z0-9_.-]*)\}/g, (_m, raw: string, name: string) => {
    if (!(name in vars)) {
      throw new Error(`Transaction ${label}: the template uses {${raw}${name}} but there is no variable "${name}"`);
    }
    const text = valueText(vars[name]);
    return raw ? text : encodeURIComponent(text);
  });
}

function fillJsonTemplate(node: unknown, vars: Record<string, unknown>, label: string): unknown {
  if (typeof node === "string") {
    const whole = /^\{([A-Za-z_][A-Za-z0-9_.-]*)\}$/.exec(node);
    if (whole) {
      const name = whole[1] as string;
      if (!(name in vars))
        throw new Error(`Transaction ${label}: the body uses {${name}} but there is no such variable`);
      return vars[name] ?? null;
    }
    return node.replace(/\{([A-Za-z_][A-Za-z0-9_.-]*)\}/g, (m, name: string) =>
      name in vars ? valueText(vars[name]) : m,
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
