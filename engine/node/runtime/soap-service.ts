import { createHash } from "node:crypto";
import { realpathSync, statSync } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import soap from "soap";
import type { Client as SoapClient, IHttpClient, WSDL } from "soap";
import {
  SoapError,
  type SoapCallRequest,
  type SoapCallResult,
  type SoapInput,
  type SoapOperationInfo,
  type SoapService,
  type SoapWsdlSource,
} from "../../common/model/soap.ts";
import type { HttpClient, StopSignal } from "../../common/model/typedef.ts";
import {
  basicAuthorization,
  effectivePort,
  hostAllowed,
  parseAllowedHosts,
} from "../../common/types/connectors/http-connector.ts";
import { localName, parseXml, type XmlElement } from "../../common/types/connectors/xml-json.ts";

/** Largest WSDL or schema document read (each of them). */
export const MAX_WSDL_BYTES = 5 * 1024 * 1024;
/** Most documents one WSDL may pull in (itself, its imports and includes). */
export const MAX_WSDL_DOCUMENTS = 64;
/** Largest answer of a call. */
export const MAX_SOAP_ANSWER_BYTES = 20 * 1024 * 1024;

const SOAP12_BINDING_NS = "http://schemas.xmlsoap.org/wsdl/soap12/";
const ATTRIBUTES = "$attributes";
const VALUE = "$value";

/** A WSDL loaded with what its calls need. */
interface LoadedWsdl {
  wsdl: WSDL;
  /** SOAP version by binding name. */
  versions: Map<string, "1.1" | "1.2">;
  /** The WSDL's origin when it is a URL; its port addresses are held to the host rules. */
  rootUrl?: URL;
  /** The `soap` package's description of the operations (made once, when first asked). */
  described?: Described;
}

export interface SoapServiceDeps {
  /** The engine's HTTP client (host rules are applied here, before each request). */
  http: () => HttpClient;
  /** A loaded project's folder, by name. */
  projectDir: (project: string) => string | undefined;
}

/**
 * The engine's SOAP client: the `soap` package parses WSDLs and writes and reads envelopes, while
 * every byte goes through the engine's HTTP client (time limits, size bounds, no redirects), every
 * URL is checked against the connector's hosts before a connection, and WSDL files are read only
 * inside their project's folder. Parsed WSDLs are cached per connector until its project reloads.
 */
export class NodeSoapService implements SoapService {
  private readonly cache = new Map<string, { project: string; fingerprint: string; loading: Promise<LoadedWsdl> }>();

  constructor(private readonly deps: SoapServiceDeps) {}

  /** Drops the WSDLs of a project (all of them when no project is named): it was reloaded. */
  forget(project?: string): void {
    for (const [key, entry] of this.cache)
      if (project === undefined || entry.project === project) this.cache.delete(key);
  }

  async operations(source: SoapWsdlSource, signal?: StopSignal): Promise<SoapOperationInfo[]> {
    const loaded = await this.load(source, signal);
    const out: SoapOperationInfo[] = [];
    const defs = loaded.wsdl.definitions;
    const described = (loaded.described ??= describeServices(loaded.wsdl));
    for (const [service, svc] of Object.entries(defs.services)) {
      for (const [port, p] of Object.entries(svc.ports as Record<string, PortInfo>)) {
        const version = versionOf(loaded, p);
        for (const operation of Object.keys(p.binding.methods)) {
          const input = described?.[service]?.[port]?.[operation]?.input;
          out.push({ service, port, operation, soapVersion: version, inputs: describeInputs(input) });
        }
      }
    }
    return out;
  }

  async call(req: SoapCallRequest, signal?: StopSignal): Promise<SoapCallResult> {
    const loaded = await this.load(req, signal);
    const { port, service, portName } = findOperation(loaded, req);
    const location = req.endpoint || port.location || "";
    let url: URL;
    try {
      url = new URL(location);
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("not http");
    } catch {
      throw new SoapError(
        "soap_operation",
        `the ${req.endpoint ? "endpoint" : `address of the port ${service}/${portName} in the WSDL`} "${location}" is not an http(s) URL${req.endpoint ? "" : "; set the connector's Endpoint"}`,
        500,
      );
    }
    if (!req.endpoint && loaded.rootUrl) checkHost(url, req, [loaded.rootUrl], "the WSDL's address");
    const version = versionOf(loaded, port);
    const transport = this.transport(req, MAX_SOAP_ANSWER_BYTES, signal);
    const client: SoapClient = new soap.Client(loaded.wsdl, url.toString(), {
      httpClient: transport,
      forceSoap12Headers: version === "1.2",
      attributesKey: ATTRIBUTES,
    });
    if (req.wsSecurity) {
      client.setSecurity(
        new soap.WSSecurity(req.wsSecurity.user, req.wsSecurity.password, {
          passwordType: req.wsSecurity.passwordType,
          hasNonce: true,
        }),
      );
    }
    const method = (client as unknown as Record<string, Record<string, Record<string, SoapMethod>>>)[service]?.[
      portName
    ]?.[req.operation];
    if (!method) throw new SoapError("soap_operation", `the WSDL has no operation ${req.operation}`, 500);
    const extraHeaders = req.basicAuth
      ? { Authorization: basicAuthorization(req.basicAuth.user, req.basicAuth.password) }
      : {};
    const target = `${req.operation} at ${url.toString()}`;
    return new Promise<SoapCallResult>((resolve, reject) => {
      try {
        // Envelope and headers are made now, in this turn: the shared WSDL's options (SOAP
        // version) set by this client cannot change under it.
        method(
          req.args,
          (err, result) => {
            if (err) return reject(callError(err, target, transport.lastStatus, transport.lastContentType));
            const output = (loaded.described ??= describeServices(loaded.wsdl))?.[service]?.[portName]?.[req.operation]
              ?.output;
            resolve({
              data: withEmptyLists(cleanJson(result), output),
              status: transport.lastStatus,
              endpoint: url.toString(),
              soapVersion: version,
            });
          },
          {},
          extraHeaders,
        );
      } catch (e) {
        reject(new SoapError("soap_operation", `${target}: the input cannot be written: ${(e as Error).message}`, 400));
      }
    });
  }

  /** The connector's WSDL, loaded once and cached (a changed location, file or setting reloads it). */
  private async load(source: SoapWsdlSource, signal: StopSignal | undefined): Promise<LoadedWsdl> {
    const where = await locate(source, this.deps.projectDir(source.project));
    const fingerprint = createHash("sha256")
      .update(
        JSON.stringify([
          where.key,
          source.allowedHosts,
          source.timeoutMs,
          source.tlsVerify,
          source.basicAuth ? [source.basicAuth.user, source.basicAuth.password] : null,
        ]),
      )
      .digest("hex");
    const key = `${source.project}\0${source.connectorId}`;
    let entry = this.cache.get(key);
    if (!entry || entry.fingerprint !== fingerprint) {
      const loading = this.open(source, where);
      entry = { project: source.project, fingerprint, loading };
      this.cache.set(key, entry);
      const mine = entry;
      // A failure is not kept: the next call tries again (the server may be back).
      loading.catch(() => {
        if (this.cache.get(key) === mine) this.cache.delete(key);
      });
    }
    return withStop(entry.loading, signal, source.timeoutMs * 4, `the WSDL ${source.wsdl}`);
  }

  private async open(source: SoapWsdlSource, where: WsdlLocation): Promise<LoadedWsdl> {
    let documents = 1;
    const counted = () => {
      if (++documents > MAX_WSDL_DOCUMENTS)
        throw new SoapError(
          "soap_wsdl",
          `the WSDL ${source.wsdl} pulls in more than ${MAX_WSDL_DOCUMENTS} documents`,
          500,
        );
    };
    const trusted = where.url ? [where.url] : [];
    const transport = this.transport(source, MAX_WSDL_BYTES, undefined, trusted, true);
    const overrideImportLocation = (location: string): string => {
      counted();
      if (/^https?:/i.test(location)) {
        checkHost(new URL(location), source, trusted, "an import of the WSDL");
        return location;
      }
      if (!where.projectDir)
        throw new SoapError("soap_wsdl", `the WSDL imports a file (${location}) but is no file`, 500);
      return checkFileSync(location, where.projectDir, source.wsdl);
    };
    let client: SoapClient;
    try {
      client = await soap.createClientAsync(where.uri, {
        disableCache: true,
        httpClient: transport,
        wsdl_options: { overrideImportLocation },
        attributesKey: ATTRIBUTES,
        valueKey: VALUE,
        handleNilAsNull: true,
        customDeserializer: DESERIALIZERS,
      });
    } catch (e) {
      if (e instanceof SoapError) throw e;
      const message = e instanceof Error ? e.message : String(e);
      throw new SoapError("soap_wsdl", `the WSDL ${source.wsdl} cannot be read: ${saxMessage(message)}`, 500, {
        wsdl: source.wsdl,
      });
    }
    const wsdl = client.wsdl;
    const loaded: LoadedWsdl = { wsdl, versions: soapVersions(wsdl), ...(where.url ? { rootUrl: where.url } : {}) };
    if (Object.keys(wsdl.definitions.services ?? {}).length === 0)
      throw new SoapError("soap_wsdl", `the WSDL ${source.wsdl} defines no SOAP service`, 500, { wsdl: source.wsdl });
    return loaded;
  }

  /**
   * What the `soap` package sends its requests through: the engine's HTTP client, after the host
   * check, with the connector's time limit and a size bound.
   */
  private transport(
    req: SoapWsdlSource,
    maxBodyBytes: number,
    signal: StopSignal | undefined,
    trusted?: URL[],
    forWsdl = false,
  ): IHttpClient & { lastStatus: number; lastContentType?: string } {
    const http = this.deps.http;
    const self = {
      lastStatus: 0,
      lastContentType: undefined as string | undefined,
      request(
        rurl: string,
        data: unknown,
        callback: (error: unknown, res?: unknown, body?: unknown) => unknown,
        exheaders?: Record<string, unknown>,
      ) {
        const run = async () => {
          const url = new URL(rurl);
          if (trusted) checkHost(url, req, trusted, forWsdl ? "the WSDL" : "the call");
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(exheaders ?? {}))
            if (v !== undefined) headers[k.toLowerCase()] = String(v);
          // The credentials go to the WSDL's own origin only, never to a host its imports name.
          if (forWsdl && req.basicAuth && trusted?.some((t) => t.origin === url.origin))
            headers.authorization = basicAuthorization(req.basicAuth.user, req.basicAuth.password);
          const body = typeof data === "string" ? data : undefined;
          const res = await http().request(
            {
              method: body === undefined ? "GET" : "POST",
              url: url.toString(),
              headers,
              body,
              timeoutMs: req.timeoutMs,
              tlsVerify: req.tlsVerify,
              maxBodyBytes,
            },
            signal,
          );
          self.lastStatus = res.status;
          self.lastContentType = res.headers["content-type"];
          if (forWsdl && res.status !== 200)
            throw new SoapError("soap_wsdl", `the WSDL ${rurl} answered HTTP ${res.status}`, 502, {
              url: rurl,
              status: res.status,
            });
          return res;
        };
        run().then(
          (res) => callback(null, { status: res.status, headers: res.headers, data: res.body }, res.body),
          (e: unknown) => callback(e instanceof SoapError ? e : new TransportError(rurl, (e as Error).message)),
        );
        return Promise.resolve() as never;
      },
    };
    return self;
  }
}

type SoapMethod = (
  args: unknown,
  cb: (err: unknown, result: unknown) => void,
  options?: unknown,
  extra?: unknown,
) => void;
interface PortInfo {
  location?: string;
  binding: { methods: Record<string, MethodInfo> };
}
type MethodInfo = unknown;
type Described = Record<string, Record<string, Record<string, { input?: unknown; output?: unknown }>>>;

function describeServices(wsdl: WSDL): Described | undefined {
  try {
    return wsdl.describeServices() as Described;
  } catch {
    return undefined;
  }
}

/**
 * An empty list where the schema allows several elements and none came (the `soap` package's
 * description names such elements "name[]"), so that a list is always a list.
 */
function withEmptyLists(value: unknown, desc: unknown, depth = 0): unknown {
  if (depth > 32 || !desc || typeof desc !== "object" || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    for (const v of value) withEmptyLists(v, desc, depth + 1);
    return value;
  }
  const obj = value as Record<string, unknown>;
  for (const [rawName, child] of Object.entries(desc as Record<string, unknown>)) {
    const list = rawName.endsWith("[]");
    const name = list ? rawName.slice(0, -2) : rawName;
    if (DESCRIPTION_KEYS.has(name)) continue;
    if (!Object.prototype.hasOwnProperty.call(obj, name)) {
      if (list) Object.defineProperty(obj, name, { value: [], enumerable: true, writable: true, configurable: true });
      continue;
    }
    withEmptyLists(obj[name], child, depth + 1);
  }
  return value;
}

/** A failure of the HTTP exchange itself (refused, time limit, too large). */
class TransportError extends Error {
  constructor(
    readonly url: string,
    message: string,
  ) {
    super(message);
  }
}

interface WsdlLocation {
  /** What the `soap` package opens: an absolute file path or the URL. */
  uri: string;
  url?: URL;
  projectDir?: string;
  /** What identifies this version of the WSDL (a file's path, size and time of change). */
  key: string;
}

async function locate(source: SoapWsdlSource, projectDir: string | undefined): Promise<WsdlLocation> {
  const text = source.wsdl;
  if (text === "") throw new SoapError("soap_wsdl", `the connector "${source.connectorName}" has no WSDL`, 500);
  if (/^https?:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new SoapError("soap_wsdl", `the WSDL URL "${text}" is not a valid URL`, 500);
    }
    return { uri: url.toString(), url, key: url.toString() };
  }
  if (!projectDir) throw new SoapError("soap_wsdl", `the project "${source.project}" is not loaded`, 500);
  const file = await checkFile(text, projectDir, text);
  const st = await stat(file);
  return { uri: file, projectDir, key: `${file}\0${st.size}\0${st.mtimeMs}` };
}

/** True when a path is not strictly inside a folder. */
function outside(file: string, root: string): boolean {
  const rel = path.relative(root, file);
  return rel === "" || rel.startsWith("..") || path.isAbsolute(rel);
}

/** A WSDL file of the project: inside its folder (links followed), a file, not too large. */
async function checkFile(location: string, projectDir: string, wsdl: string): Promise<string> {
  const root = await realpath(projectDir);
  const wanted = path.resolve(root, location);
  if (outside(wanted, root)) throw pathError(location, wsdl);
  let real: string;
  try {
    real = await realpath(wanted);
  } catch {
    throw new SoapError("soap_wsdl", `the WSDL file ${location} does not exist in the project folder`, 500, { wsdl });
  }
  if (outside(real, root)) throw pathError(location, wsdl);
  const st = await stat(real);
  if (!st.isFile()) throw new SoapError("soap_wsdl", `the WSDL ${location} is not a file`, 500, { wsdl });
  if (st.size > MAX_WSDL_BYTES) throw tooLarge(location, wsdl);
  return real;
}

/** As checkFile, for the imports the `soap` package asks for (its hook is synchronous). */
function checkFileSync(file: string, projectDir: string, wsdl: string): string {
  const root = realpathSync(projectDir);
  if (outside(path.resolve(root, file), root)) throw pathError(file, wsdl);
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    throw new SoapError(
      "soap_wsdl",
      `the file ${path.relative(root, file)} imported by the WSDL ${wsdl} does not exist`,
      500,
      { wsdl },
    );
  }
  if (outside(real, root)) throw pathError(file, wsdl);
  const st = statSync(real);
  if (!st.isFile())
    throw new SoapError("soap_wsdl", `${path.relative(root, real)} imported by the WSDL ${wsdl} is not a file`, 500, {
      wsdl,
    });
  if (st.size > MAX_WSDL_BYTES) throw tooLarge(path.relative(root, real), wsdl);
  return real;
}

function pathError(location: string, wsdl: string): SoapError {
  return new SoapError("invalid_wsdl_path", `the WSDL file ${location} is outside the project folder; refused`, 403, {
    wsdl,
  });
}

function tooLarge(location: string, wsdl: string): SoapError {
  return new SoapError(
    "soap_wsdl",
    `the WSDL document ${location} is larger than ${MAX_WSDL_BYTES / 1048576} MiB`,
    500,
    {
      wsdl,
    },
  );
}

/**
 * Refuses a URL whose host is neither trusted (the WSDL URL's, the endpoint's) nor on the
 * connector's allowedHosts: a WSDL from elsewhere may not send the engine to cloud metadata or
 * the internal network.
 */
function checkHost(url: URL, source: SoapWsdlSource, trusted: readonly URL[], what: string): void {
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new SoapError(
      "host_not_allowed",
      `${what} names ${url.toString()}, which is not an http(s) URL; refused`,
      403,
    );
  const port = effectivePort(url);
  if (trusted.some((t) => t.hostname === url.hostname && effectivePort(t) === port)) return;
  let rules;
  try {
    rules = parseAllowedHosts(source.allowedHosts);
  } catch (e) {
    throw new SoapError("host_not_allowed", (e as Error).message, 500);
  }
  if (hostAllowed(rules, url.hostname, port)) return;
  throw new SoapError(
    "host_not_allowed",
    `${what} goes to ${url.hostname}:${port}, which the connector "${source.connectorName}" may not call; to allow it, add it to the connector's allowedHosts property (Allowed servers) or set its Endpoint`,
    403,
    { host: `${url.hostname}:${port}`, connector: source.connectorName },
  );
}

function findOperation(
  loaded: LoadedWsdl,
  req: SoapCallRequest,
): { service: string; portName: string; port: PortInfo } {
  const services = loaded.wsdl.definitions.services as Record<string, { ports: Record<string, PortInfo> }>;
  const available: string[] = [];
  for (const [service, svc] of Object.entries(services)) {
    if (req.service && service !== req.service) continue;
    for (const [portName, port] of Object.entries(svc.ports)) {
      if (req.port && portName !== req.port) continue;
      if (Object.prototype.hasOwnProperty.call(port.binding.methods, req.operation)) return { service, portName, port };
      available.push(...Object.keys(port.binding.methods).map((m) => `${service}/${portName}/${m}`));
    }
  }
  const where = [req.service, req.port].filter(Boolean).join("/");
  throw new SoapError(
    "soap_operation",
    `the WSDL ${req.wsdl} has no operation ${req.operation}${where ? ` in ${where}` : ""} (it has ${available.length ? [...new Set(available)].slice(0, 20).join(", ") : "none there"})`,
    500,
    { wsdl: req.wsdl, operation: req.operation },
  );
}

function versionOf(loaded: LoadedWsdl, port: PortInfo): "1.1" | "1.2" {
  const bindings = loaded.wsdl.definitions.bindings as Record<string, unknown>;
  for (const [name, b] of Object.entries(bindings)) if (b === port.binding) return loaded.versions.get(name) ?? "1.1";
  return "1.1";
}

/** SOAP 1.2 bindings: a wsdl:binding holding a binding element of the SOAP 1.2 binding namespace. */
function soapVersions(wsdl: WSDL): Map<string, "1.1" | "1.2"> {
  const out = new Map<string, "1.1" | "1.2">();
  const seen = new Set<WSDL>();
  const visit = (w: WSDL) => {
    if (seen.has(w)) return;
    seen.add(w);
    const xml = (w as unknown as { xml?: string }).xml;
    if (xml) {
      try {
        const root = parseXml(xml);
        walkBindings(root, new Map(), out);
      } catch {
        // The `soap` package read it; what it cannot tell is SOAP 1.1.
      }
    }
    for (const inc of (w as unknown as { _includesWsdl?: WSDL[] })._includesWsdl ?? []) visit(inc);
  };
  visit(wsdl);
  return out;
}

function walkBindings(el: XmlElement, scope: Map<string, string>, out: Map<string, "1.1" | "1.2">): void {
  let ns = scope;
  for (const [n, v] of el.attrs) {
    if (n === "xmlns" || n.startsWith("xmlns:")) {
      if (ns === scope) ns = new Map(scope);
      ns.set(n === "xmlns" ? "" : n.slice(6), v);
    }
  }
  const children = el.children.filter((c): c is XmlElement => typeof c !== "string");
  if (localName(el.name) === "binding") {
    const name = el.attrs.find(([n]) => n === "name")?.[1];
    for (const c of children) {
      if (localName(c.name) !== "binding") continue;
      const prefix = c.name.includes(":") ? c.name.slice(0, c.name.indexOf(":")) : "";
      const own = c.attrs.find(([n]) => n === (prefix ? `xmlns:${prefix}` : "xmlns"))?.[1];
      if (name && (own ?? ns.get(prefix)) === SOAP12_BINDING_NS) out.set(name, "1.2");
    }
    return;
  }
  for (const c of children) walkBindings(c, ns, out);
}

const whole = (text: string): number | string => {
  const n = Number(text.trim());
  return Number.isSafeInteger(n) ? n : text;
};
const decimal = (text: string): number | string => {
  const n = Number(text.trim());
  return Number.isFinite(n) ? n : text;
};
/** Values as the schema's simple types say; dates stay text (as sent). */
const DESERIALIZERS: Record<string, (text: string) => unknown> = {
  ...Object.fromEntries(
    [
      "int",
      "integer",
      "long",
      "short",
      "byte",
      "unsignedInt",
      "unsignedLong",
      "unsignedShort",
      "unsignedByte",
      "nonNegativeInteger",
      "positiveInteger",
      "nonPositiveInteger",
      "negativeInteger",
    ].map((t) => [t, whole]),
  ),
  double: decimal,
  float: decimal,
  decimal,
  boolean: (text) => text.trim() === "true" || text.trim() === "1",
  dateTime: (text) => text,
  date: (text) => text,
  time: (text) => text,
};

/**
 * The `soap` package's result as plain JSON: attributes beside the children under their local
 * names (xmlns and xsi: attributes left out), an element's text beside attributes as "text".
 */
export function cleanJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cleanJson);
  if (value instanceof Date) return value.toISOString();
  if (value === null || typeof value !== "object") return value === undefined ? null : value;
  const src = value as Record<string, unknown>;
  const attrs = src[ATTRIBUTES] as Record<string, unknown> | undefined;
  const out: Record<string, unknown> = {};
  const put = (k: string, v: unknown) =>
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  if (attrs && typeof attrs === "object") {
    for (const [k, v] of Object.entries(attrs)) {
      if (
        k === "xmlns" ||
        k.startsWith("xmlns:") ||
        /^[^:]+:(type|nil|schemaLocation|noNamespaceSchemaLocation)$/.test(k)
      )
        continue;
      put(localName(k), v);
    }
  }
  for (const [k, v] of Object.entries(src)) {
    if (k === ATTRIBUTES) continue;
    if (k === VALUE) {
      if (Object.keys(out).length === 0 && Object.keys(src).length === 2) return v;
      put("text", v);
      continue;
    }
    put(localName(k), cleanJson(v));
  }
  if (Object.keys(src).length === 1 && Object.prototype.hasOwnProperty.call(src, VALUE)) return src[VALUE];
  return out;
}

/** sax's "Unexpected close tag\nLine: 3\nColumn: 9\nChar: >" as one line saying where. */
function saxMessage(message: string): string {
  const m = /^([^\n]*)\nLine: (\d+)\nColumn: (\d+)/.exec(message);
  if (m) return `${m[1]} at line ${Number(m[2]) + 1}, column ${m[3]}`;
  return message.replace(/\s+/g, " ").trim();
}

function callError(err: unknown, target: string, httpStatus: number, contentType?: string): SoapError {
  if (err instanceof SoapError) return err;
  if (err instanceof TransportError)
    return new SoapError("soap_request_failed", `${target} failed: ${err.message}`, 502, { url: err.url });
  const e = err as { root?: { Envelope?: { Body?: { Fault?: unknown } } }; Fault?: unknown; message?: string };
  const fault = e.root?.Envelope?.Body?.Fault;
  if (fault && typeof fault === "object") {
    const f = cleanJson(fault) as Record<string, unknown>;
    const code = textOf(f.faultcode) ?? faultCode12(f.Code);
    const text = textOf(f.faultstring) ?? textOf((f.Reason as Record<string, unknown> | undefined)?.Text);
    const detail = f.detail ?? f.Detail;
    return new SoapError(
      "soap_fault",
      `${target} answered a SOAP fault: ${code ?? "(no code)"}: ${text ?? "(no text)"}`,
      502,
      { faultcode: code, faultstring: text, ...(detail !== undefined ? { detail } : {}), httpStatus },
    );
  }
  if (e.Fault) {
    const f = e.Fault as { faultstring?: string; detail?: string };
    return new SoapError(
      "soap_answer",
      `${target} answered something that is no SOAP envelope: ${f.faultstring}: ${f.detail}`,
      502,
      {
        httpStatus,
      },
    );
  }
  const message = e.message ?? String(err);
  if (message === "Cannot parse response")
    return new SoapError(
      "soap_answer",
      `${target} answered something that is no SOAP envelope (HTTP ${httpStatus}, ${contentType ?? "no content type"})`,
      502,
      { httpStatus },
    );
  if (message === "Error http status codes")
    return new SoapError("soap_answer", `${target} answered HTTP ${httpStatus} without a SOAP body`, 502, {
      httpStatus,
    });
  return new SoapError("soap_answer", `${target}: the answer cannot be read: ${message}`, 502, { httpStatus });
}

function textOf(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "object") return textOf((v as Record<string, unknown>).text);
  return String(v);
}

function faultCode12(code: unknown): string | undefined {
  if (!code || typeof code !== "object") return undefined;
  // Some servers (the soap package's own) write Subcode/value in lower case.
  const c = code as { Value?: unknown; Subcode?: { Value?: unknown; value?: unknown } };
  const main = textOf(c.Value);
  const sub = textOf(c.Subcode?.Value ?? c.Subcode?.value);
  return main && sub ? `${main} (${sub})` : main;
}

const DESCRIPTION_KEYS = new Set(["targetNSAlias", "targetNamespace"]);

/** An operation's inputs from its input message's schema: names, types, lists, nested objects. */
function describeInputs(desc: unknown): SoapInput[] {
  if (!desc || typeof desc !== "object") return [];
  const out: SoapInput[] = [];
  for (const [rawName, type] of Object.entries(desc as Record<string, unknown>)) {
    if (DESCRIPTION_KEYS.has(rawName) || rawName.startsWith("$")) continue;
    const multiValued = rawName.endsWith("[]");
    const name = multiValued ? rawName.slice(0, -2) : rawName;
    const schemaType = typeof type === "string" ? type : "complex";
    out.push({ name, dataType: dataTypeOf(schemaType), multiValued, required: false, schemaType });
  }
  return out;
}

function dataTypeOf(schemaType: string): SoapInput["dataType"] {
  const t = localName(schemaType);
  if (schemaType === "complex") return "json";
  if (t in DESERIALIZERS && DESERIALIZERS[t] === whole) return "integer";
  if (t === "double" || t === "float" || t === "decimal") return "number";
  if (t === "boolean") return "boolean";
  return "string";
}

/** Waits for a shared promise, giving up (alone) when the run stops or after `ms`. */
function withStop<T>(p: Promise<T>, signal: StopSignal | undefined, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => done(new SoapError("soap_request_failed", `${what} was not read within ${ms} ms`, 504)),
      ms,
    );
    timer.unref();
    const onAbort = () => done(new SoapError("soap_request_failed", "the run was stopped", 499));
    const done = (e: Error | undefined, v?: T) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (e) reject(e);
      else resolve(v as T);
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => done(undefined, v),
      (e: Error) => done(e),
    );
  });
}
