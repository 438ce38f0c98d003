import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";

export const httpConnectorType = defineType({
  type: "HttpConnector",
  label: "HTTP connector",
  category: "connector",
  icon: "http",
  description:
    "Calls an HTTP server (REST/JSON, XML, SOAP, text). Its transactions give the verb, the path and the inputs.",
  accepts: ["JsonHttpTransaction", "XmlHttpTransaction", "TextHttpTransaction"],
  onlyIn: ["Project"],
  file: "connectors",
  version: 2,
  migrations: [
    {
      to: 2,
      description: "authUser and authPassword (HTTP Basic authentication) added; empty, as version 1 had none",
      up: (props) => props,
    },
  ],
  transactionTypes: ["JsonHttpTransaction", "XmlHttpTransaction", "TextHttpTransaction"],
  props: [
    commentProp,
    {
      name: "https",
      label: "HTTPS",
      kind: "boolean",
      default: false,
      help: "Use https:// instead of http://.",
      group: "Server",
    },
    {
      name: "server",
      label: "Host",
      kind: "string",
      default: "localhost",
      help: "Host name or address of the server, e.g. api.example.com or ${apiHost}.",
      group: "Server",
      check: (v) => hostProblem(v),
    },
    {
      name: "port",
      label: "Port",
      kind: "integer",
      default: 0,
      min: 0,
      max: 65535,
      help: "0 uses the scheme's port (80 or 443).",
      group: "Server",
    },
    {
      name: "allowedHosts",
      // No "host" in the label: finding fields by label (getByLabel("Host")) matches substrings.
      label: "Allowed servers",
      kind: "string",
      default: "",
      help:
        "Other hosts a caller's variable may point this connector at (a {+variable} URL, a Host header), separated by commas: " +
        "host (any port), host:port, *.example.com (its subdomains), a URL (its host and port), or * (any host: only for trusted callers). " +
        "Usually a ${setting}, e.g. ${apiHosts}. Empty: only this connector's host and port, and a host written in the transaction's path.",
      group: "Server",
      check: checkAllowedHosts,
    },
    {
      name: "basePath",
      label: "Base path",
      kind: "string",
      default: "",
      help: "Prefix of every transaction path, e.g. /api/v2.",
      group: "Server",
    },
    {
      name: "headers",
      label: "Default headers",
      kind: "keyValue",
      default: {},
      help: "Headers sent with every request of this connector (values may use ${setting}).",
    },
    {
      name: "authUser",
      label: "User (Basic authentication)",
      kind: "string",
      default: "",
      help: "With a user or a password, every request carries an Authorization: Basic header made of them, sent at once (preemptive). May be a ${setting}.",
      group: "Authentication",
    },
    {
      name: "authPassword",
      label: "Password (Basic authentication)",
      kind: "string",
      default: "",
      help: "The password of the Basic authentication: a secret ${setting}, never the password itself (project files are shared).",
      group: "Authentication",
      check: (v) =>
        typeof v === "string" && v !== "" && !/^\$\{[^}]+\}$/.test(v.trim())
          ? "Give the password through a secret setting, e.g. ${apiPassword}: a password written here would be stored in the project's files"
          : undefined,
    },
    {
      name: "timeoutMs",
      label: "Timeout (ms)",
      kind: "integer",
      default: 30000,
      min: 1,
      max: 3600000,
      help: "A request without a complete answer in this time ends with an error.",
    },
    {
      name: "tlsVerify",
      label: "Verify TLS certificates",
      kind: "boolean",
      default: true,
      help: "Turn off only for test servers with self-signed certificates.",
    },
    {
      name: "isDefault",
      label: "Default connector",
      kind: "boolean",
      default: false,
      help: "Used by HTTP calls that give __transaction without __connector.",
    },
  ],
});

/**
 * Why a Host value is not a host name or address (a URL, a path, a port given here...); undefined
 * when it is one. Values holding a ${setting} are resolved at run time and not judged here.
 */
export function hostProblem(v: unknown): string | undefined {
  if (typeof v !== "string" || v === "" || v.includes("${")) return undefined;
  // Every call of a connector asks (its Host may come from a setting): answered once per text.
  if (hostProblems.has(v)) return hostProblems.get(v);
  const why = findHostProblem(v);
  if (hostProblems.size >= 512) hostProblems.clear();
  hostProblems.set(v, why);
  return why;
}
const hostProblems = new Map<string, string | undefined>();

function findHostProblem(v: string): string | undefined {
  const text = v.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    let hint = "";
    try {
      const url = new URL(text);
      hint = `: give ${url.hostname.replace(/^\[|\]$/g, "")}${url.protocol === "https:" ? ", turn HTTPS on" : ""}${url.port ? `, Port ${url.port}` : ""}${url.pathname !== "/" ? `, Base path ${url.pathname}` : ""}`;
    } catch {
      // the generic message
    }
    return `Host takes a host name or address, not a URL${hint}`;
  }
  if (/[/?#@\s\\]/.test(text)) return `Host takes a host name or address (e.g. api.example.com), not "${text}"`;
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^:]+)(?::(\d*))?$/.exec(text);
  if (m && m[2] !== undefined) return `Host takes no port: give ${m[1]} and set Port to ${m[2] || "the port"}`;
  if (!m && !/^[0-9A-Fa-f:.]+$/.test(text))
    return `Host takes a host name or address (e.g. api.example.com), not "${text}"`;
  try {
    const host = text.includes(":") && !text.startsWith("[") ? `[${text}]` : text;
    if (!new URL(`http://${host}/`).hostname) throw new Error("empty");
  } catch {
    return `Host takes a host name or address (e.g. api.example.com), not "${text}"`;
  }
  return undefined;
}

/** An Authorization header of HTTP Basic authentication (RFC 7617, UTF-8). */
export function basicAuthorization(user: string, password: string): string {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}

/** The connector's base URL (scheme, host, port, base path), without a trailing slash. */
export function connectorBaseUrl(https: boolean, server: string, port: number, basePath: string): string {
  const scheme = https ? "https" : "http";
  const defaultPort = https ? 443 : 80;
  const host = server.includes(":") && !server.startsWith("[") ? `[${server}]` : server;
  const portPart = port && port !== defaultPort ? `:${port}` : "";
  let path = basePath.trim();
  if (path && !path.startsWith("/")) path = "/" + path;
  path = path.replace(/\/+$/, "");
  return `${scheme}://${host}${portPart}${path}`;
}

/**
 * One entry of an allow-list of hosts: any host, a host (any port or one port), or the
 * subdomains of a domain.
 */
export type HostRule = { any: true } | { host: string; port?: string } | { suffix: string; port?: string };

/** The port a URL reaches (its explicit port, or its scheme's). */
export function effectivePort(url: URL): string {
  return url.port || (url.protocol === "https:" ? "443" : "80");
}

/** A host name as URLs write it (lower case, IDNA, IPv4 forms such as 127.1 made canonical), or undefined. */
function canonicalHost(text: string): string | undefined {
  if (text === "" || /[\s/?#@\\]/.test(text)) return undefined;
  try {
    return new URL(`http://${text}/`).hostname || undefined;
  } catch {
    return undefined;
  }
}

const ruleCache = new Map<string, readonly HostRule[]>();

/**
 * Reads an allow-list of hosts (see the connector's allowedHosts): entries separated by commas
 * or spaces. Throws an Error naming a bad entry. Parsed lists are cached by their text (a
 * connector's list is read at every call).
 */
/** The check of an "Allowed servers" property: its list must parse (a ${setting} is checked once resolved). */
export function checkAllowedHosts(v: unknown): string | undefined {
  if (typeof v !== "string" || v.includes("${")) return undefined;
  try {
    parseAllowedHosts(v);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

export function parseAllowedHosts(text: string): readonly HostRule[] {
  const cached = ruleCache.get(text);
  if (cached) return cached;
  const rules: HostRule[] = [];
  for (const entry of text.split(/[\s,]+/)) {
    if (entry === "") continue;
    const bad = () => new Error(`allowedHosts: "${entry}" is not a host, host:port, *.domain, URL or *`);
    if (entry === "*") {
      rules.push({ any: true });
      continue;
    }
    if (entry.includes("://")) {
      let url: URL;
      try {
        url = new URL(entry);
      } catch {
        throw bad();
      }
      if ((url.protocol !== "http:" && url.protocol !== "https:") || !url.hostname) throw bad();
      rules.push({ host: url.hostname, port: effectivePort(url) });
      continue;
    }
    const m = /^(\*\.)?(\[[0-9A-Fa-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(entry);
    if (!m) throw bad();
    const port = m[3] === undefined ? undefined : String(Number(m[3]));
    if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) throw bad();
    const host = canonicalHost(m[2] as string);
    if (!host) throw bad();
    if (m[1]) rules.push({ suffix: "." + host, ...(port ? { port } : {}) });
    else rules.push({ host, ...(port ? { port } : {}) });
  }
  if (ruleCache.size > 256) ruleCache.clear();
  ruleCache.set(text, rules);
  return rules;
}

/** True when a host (canonical, as URL.hostname) and port are on an allow-list. */
export function hostAllowed(rules: readonly HostRule[], hostname: string, port: string): boolean {
  for (const r of rules) {
    if ("any" in r) return true;
    if (r.port !== undefined && r.port !== port) continue;
    if ("host" in r ? r.host === hostname : hostname.endsWith(r.suffix) && hostname.length > r.suffix.length) {
      return true;
    }
  }
  return false;
}
