/**
 * A sequence's (or a transaction's) HTTP endpoint as the Studio shows it: its URL on the engine
 * that serves the Studio, a copy-as-curl with the Run panel's inputs, the request "Call over
 * HTTP" makes, and what its accessibility means for callers. Pure functions (unit-tested).
 */

/** What an endpoint runs. */
export interface EndpointTarget {
  project: string;
  sequence?: string;
  connector?: string;
  transaction?: string;
}

export type Accessibility = "Public" | "Hidden" | "Private";

export interface AccessInfo {
  access: Accessibility;
  /** Callable over HTTP (Public, Hidden). */
  callable: boolean;
  /** Callers need a session with an authenticated user. */
  authenticated: boolean;
  /** One line for the user. */
  text: string;
}

/** What a requestable's accessibility properties mean for HTTP callers. */
export function accessOf(props: Record<string, unknown>): AccessInfo {
  const raw = props.accessibility;
  const access: Accessibility = raw === "Hidden" || raw === "Private" ? raw : "Public";
  const authenticated = props.authenticatedContextRequired === true;
  const text =
    access === "Private"
      ? "Private: not callable over HTTP (other sequences, jobs and the Studio can run it)"
      : `${access === "Hidden" ? "Hidden: callable over HTTP, left out of listings" : "Public: callable over HTTP"}${authenticated ? ", by an authenticated session only" : ""}`;
  return { access, callable: access !== "Private", authenticated, text };
}

/** The engine-relative path that runs the target, without inputs. */
export function endpointPath(t: EndpointTarget, format: "json" | "xml" = "json"): string {
  const base = `/projects/${encodeURIComponent(t.project)}/.${format}`;
  if (t.sequence !== undefined) return `${base}?__sequence=${encodeURIComponent(t.sequence)}`;
  const parts: string[] = [];
  if (t.connector) parts.push(`__connector=${encodeURIComponent(t.connector)}`);
  if (t.transaction) parts.push(`__transaction=${encodeURIComponent(t.transaction)}`);
  return parts.length ? `${base}?${parts.join("&")}` : base;
}

/** Whether the inputs need a JSON body (a value other than a text or a list of texts). */
export function needsJsonBody(inputs: Record<string, unknown>): boolean {
  return Object.values(inputs).some(
    (v) => !(typeof v === "string" || (Array.isArray(v) && v.every((x) => typeof x === "string"))),
  );
}

/** `name=value` pairs of text inputs for a query (a list repeats the name), percent-encoded. */
function queryOf(inputs: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(inputs)) {
    for (const item of Array.isArray(v) ? v : [v]) {
      parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(item))}`);
    }
  }
  return parts.join("&");
}

/** The full URL (on `origin`) with the inputs in the query, when they fit in one. */
export function endpointUrl(origin: string, t: EndpointTarget, inputs: Record<string, unknown> = {}): string {
  const base = origin.replace(/\/+$/, "") + endpointPath(t);
  if (needsJsonBody(inputs)) return base;
  const q = queryOf(inputs);
  return q ? `${base}&${q}` : base;
}

/** A text as one POSIX shell word (single quotes; a quote inside closes, escapes and reopens). */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The reserved parameters of the target, as a JSON body's keys. */
function reservedOf(t: EndpointTarget): Record<string, string> {
  if (t.sequence !== undefined) return { __sequence: t.sequence };
  return {
    ...(t.connector ? { __connector: t.connector } : {}),
    ...(t.transaction ? { __transaction: t.transaction } : {}),
  };
}

/** What "Call over HTTP" sends: a GET with the inputs in the query, or a POST of a JSON object. */
export function endpointRequest(
  origin: string,
  t: EndpointTarget,
  inputs: Record<string, unknown>,
): { url: string; method: "GET" | "POST"; body?: string } {
  if (!needsJsonBody(inputs)) return { url: endpointUrl(origin, t, inputs), method: "GET" };
  const url = origin.replace(/\/+$/, "") + `/projects/${encodeURIComponent(t.project)}/.json`;
  return { url, method: "POST", body: JSON.stringify({ ...reservedOf(t), ...inputs }) };
}

/** A curl command that makes the same call (copy-as-curl). */
export function curlCommand(origin: string, t: EndpointTarget, inputs: Record<string, unknown> = {}): string {
  const r = endpointRequest(origin, t, inputs);
  if (r.method === "GET") return `curl ${shellQuote(r.url)}`;
  return `curl -X POST -H 'content-type: application/json' -d ${shellQuote(r.body ?? "{}")} ${shellQuote(r.url)}`;
}
