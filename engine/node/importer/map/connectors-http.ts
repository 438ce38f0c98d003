import { decipherC8o, looksCiphered } from "../c8o-crypto.ts";
import { readFileSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import { contentText, decodeUtf8, type C8oBean } from "../c8o-yaml.ts";
import { readVector } from "../c8o-values.ts";
import { beanStr } from "./prop-bag.ts";
import { indent, type Builder } from "./builder.ts";
import { always, type ClassMappers } from "./class-mapper.ts";

/** Convertigo's HTTP connector and its JSON transactions (their variables: variables.ts). */
export const httpConnectorClasses: ClassMappers = {
  "connectors.HttpConnector": always("HttpConnector", httpConnector),
  "transactions.JsonHttpTransaction": always("JsonHttpTransaction", jsonHttpTransaction),
  "transactions.XmlHttpTransaction": always("XmlHttpTransaction", xmlHttpTransaction),
  "transactions.HttpTransaction": always("TextHttpTransaction", textHttpTransaction),
};

function httpConnector(b: Builder): void {
  b.comment();
  b.set("https", b.bag.bool("https", false));
  b.set("server", b.bag.str("server", ""));
  b.set("port", b.bag.int("port", 80));
  const base = b.bag.str("baseDir", "/");
  if (base !== "/" && base !== "") b.set("basePath", base);
  if (b.isDefaultAttr()) b.set("isDefault", true);
  const trustAll = b.bag.bool("trustAllServerCertificates", true);
  if (trustAll) {
    b.note(
      "Convertigo trusted every server certificate (trustAllServerCertificates); Atelier verifies them: turn off tlsVerify for a test server with a self-signed certificate",
    );
  }
  const authType = b.bag.str("authenticationType", "None");
  const user = b.bag.str("authUser", "");
  const passRaw = contentText(b.bag.raw("authPassword")) ?? "";
  const kind = authType.toLowerCase();
  if (kind === "basic" || kind === "basicpreemptive") {
    // Atelier sends the credentials with the first request (Convertigo's BasicPreemptive); with
    // Basic, Convertigo waited for the server's 401 challenge: servers accept both.
    if (user !== "") b.set("authUser", user);
    let pass = passRaw;
    if (looksCiphered(pass)) pass = decipherC8o(pass, b.m.opts.passphrase) ?? "\u0000";
    let placeholder = "";
    if (/^\$\{[^}]+\}$/.test(pass.trim())) {
      // A Convertigo symbol (lib_OAuth's ${lib_oauth.openid.clientsecret.secret}): a setting of that name.
      placeholder = pass.trim();
    } else if (pass !== "\u0000" && pass !== "") {
      placeholder = b.m.secretSetting(b.bean, "authPassword", passRaw);
    }
    if (pass === "\u0000") {
      b.m.secretSetting(b.bean, "authPassword", passRaw);
      b.note("Basic authentication: the password could not be deciphered; set authPassword to a secret setting", true);
    } else if (placeholder !== "") {
      b.set("authPassword", placeholder);
    }
    b.note(
      `${authType} authentication of "${user}"${placeholder ? ` (password in ${placeholder})` : ""}: an Authorization: Basic header on every request`,
    );
  } else if (authType !== "None" || (passRaw !== "" && decipherC8o(passRaw, b.m.opts.passphrase) !== "")) {
    const ph = passRaw ? b.m.secretSetting(b.bean, "authPassword", passRaw) : "";
    b.note(
      `authentication ${authType} (user "${user}"${ph ? `, password in ${ph}` : ""}) is not supported by Atelier's HTTP connector`,
      true,
    );
  }
}

/** A header of a Convertigo HTTP transaction's httpParameters (case-insensitive), if set. */
function transactionHeader(tx: C8oBean, name: string): string | undefined {
  const p = tx.props.find((x) => x.name === "httpParameters");
  for (const row of readVector(p?.value) ?? []) {
    if (Array.isArray(row) && typeof row[0] === "string" && row[0].toLowerCase() === name.toLowerCase()) {
      return String(row[1] ?? "");
    }
  }
  return undefined;
}

const isHttpVar = (v: C8oBean) => v.cls.startsWith("variables.RequestableHttp");
const httpMethodOf = (v: C8oBean) => beanStr(v, "httpMethod", "GET").toUpperCase();

/**
 * Convertigo's `__body` variable (the raw body) of a transaction, when it is sent (its httpMethod
 * is POST); with a JSON Content-Type its value is JSON, otherwise text sent as it is.
 */
export function rawBodyOf(tx: C8oBean): "json" | "text" | undefined {
  const body = tx.children.find((v) => isHttpVar(v) && v.name === "__body");
  if (!body || httpMethodOf(body) !== "POST") return undefined;
  return /json/i.test(transactionHeader(tx, "Content-Type") ?? "") ? "json" : "text";
}

/**
 * The request of Convertigo's HTTP transactions (JSON, XML, text answers): verb, path, headers,
 * and the body as Convertigo's HttpConnector makes it. Its Content-Type (the transaction's
 * httpParameters, else application/x-www-form-urlencoded) decides: form-encoded, the POST
 * variables are the body; otherwise the body is the request template (XML transactions) with
 * the POST variables in it; a `__body` variable replaces either.
 */
function httpTransaction(b: Builder): void {
  b.comment();
  const dfltAccess = b.convertigoAtLeast("8.0.0") ? "Private" : "Public";
  b.set("accessibility", b.bag.str("accessibility", dfltAccess));
  b.set("authenticatedContextRequired", b.bag.bool("authenticatedContextRequired", false));
  const custom = b.bag.str("customHttpVerb", "").toUpperCase();
  const verb = custom || b.bag.str("httpVerb", "GET").toUpperCase();
  const verbs = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
  if (verbs.includes(verb)) b.set("verb", verb);
  else b.note(`HTTP verb ${verb} is not supported: GET is used`, true);
  const sub = b.bag.str("subDir", "");
  // Convertigo inserts a path variable's value as it is ("/" separates segments: lib_s3's object
  // keys), encoding only what a URL cannot hold: Atelier's {+name}, whose dot segments it refuses.
  if (sub) b.set("path", sub.replace(/\{([A-Za-z0-9_]+)\}/g, "{+$1}"));
  const params = b.bag.vector("httpParameters");
  const headers: Record<string, string> = {};
  if (params) {
    for (const row of params) {
      if (!Array.isArray(row) || typeof row[0] !== "string" || row[0] === "") continue;
      // Convertigo replaces a Host header by the host it calls: left out, the client sends that one.
      if (row[0].toLowerCase() === "host")
        b.note(`its Host header (${String(row[1] ?? "")}) is left out: Convertigo sent the host of the URL`);
      else headers[row[0]] = String(row[1] ?? "");
    }
  }
  if (b.isDefaultAttr()) b.set("isDefault", true);
  // Convertigo reads the body of any answer, whatever its status (sequences test it).
  b.set("errorStatus", "answer");
  const handlers = b.bag.raw("handlers");
  if (handlers !== undefined) {
    const code = contentText(handlers) ?? "";
    b.js("handlers", code);
    b.note(`its handlers (JavaScript run around the call) are not run by Atelier; their code:\n${indent(code)}`);
    b.m.warn(b.bean, "its handlers (JavaScript run around the call) are not run by Atelier (code kept in its comment)");
  }

  const tx = b.bean;
  const contentType = transactionHeader(tx, "Content-Type");
  const hasContentTypeVar = tx.children.some((v) => isHttpVar(v) && v.name === "__contentType");
  const raw = rawBodyOf(tx);
  const bodyVars = tx.children.filter(
    (v) =>
      isHttpVar(v) && b.m.decisionOf(v).type === "Variable" && !v.name.startsWith("__") && httpMethodOf(v) === "POST",
  );
  const template = b.bag.str("requestTemplate", "");
  const formEncoded = contentType === undefined || /^application\/x-www-form-urlencoded/i.test(contentType.trim());
  if (raw === "json") {
    b.set("body", '"{__body}"');
  } else if (raw === "text") {
    b.set("bodyEncoding", "text");
    b.set("body", "{__body}");
    if (contentType === undefined && !hasContentTypeVar) {
      // Convertigo's default Content-Type, also for a raw body.
      headers["Content-Type"] = "application/x-www-form-urlencoded";
    }
  } else if (formEncoded && bodyVars.length > 0) {
    b.set("bodyEncoding", "form");
  } else if (!formEncoded && template !== "") {
    b.set("bodyEncoding", "xml");
    const read = readRequestTemplate(b.m.opts.sourceDir, template);
    if (typeof read === "string") {
      b.set("body", templateWithVariables(read, bodyVars));
      b.note(`its request template ${template} is the body template ($(name) placeholders written {variable})`);
    } else {
      b.note(
        `its request template ${template} could not be read (${read.problem}): copy it into the body template, writing {variable} for each $(name)`,
        true,
      );
    }
  } else if (bodyVars.length > 0) {
    b.note(
      `Content-Type ${contentType}: Convertigo sends its POST variables only form-encoded or in a request template (here it sent none); Atelier sends them as a JSON object`,
      true,
    );
  }
  if (Object.keys(headers).length) b.set("headers", headers);
}

function jsonHttpTransaction(b: Builder): void {
  httpTransaction(b);
}

function textHttpTransaction(b: Builder): void {
  httpTransaction(b);
  if (b.bag.str("dataEncoding", "0") === "1") {
    b.note("its answer was given in base64 (dataEncoding); Atelier gives it as UTF-8 text", true);
  }
  const charset = b.bag.str("dataStringCharset", "UTF-8");
  if (!/^utf-?8$/i.test(charset))
    b.note(`its answer was read as ${charset || "the answer's charset"}; Atelier reads it as UTF-8`);
  b.bag.skip("responseInCDATA");
}

function xmlHttpTransaction(b: Builder): void {
  httpTransaction(b);
  if (b.bag.bool("ignoreSoapEnveloppe", false)) b.set("ignoreSoapEnvelope", true);
  // Convertigo before 7.3.0 wrote no errorOnSoapFault and meant false; later, true by default.
  const faultDefault = b.convertigoAtLeast("7.3.0");
  if (!b.bag.bool("errorOnSoapFault", faultDefault)) b.set("errorOnSoapFault", false);
  const encoding = b.bag.str("xmlEncoding", "ISO-8859-1");
  if (!/^utf-?8$/i.test(encoding)) {
    b.note(`its answers were read as ${encoding} when they declare no encoding; Atelier reads them as UTF-8`);
  }
  // XSD descriptions of the answer (for Convertigo's WSDL), not what the call does.
  b.bag.skip("xmlElementRefAffectation", "responseElementQName");
}

const MAX_TEMPLATE_BYTES = 1024 * 1024;

/** A request template file of the Convertigo project (its path from the project's folder), or why not. */
function readRequestTemplate(sourceDir: string | undefined, template: string): string | { problem: string } {
  if (!sourceDir) return { problem: "the project's folder is not known" };
  const root = path.resolve(sourceDir);
  const file = path.resolve(root, template.replace(/^[/\\]+/, ""));
  if (file !== root && !file.startsWith(root + path.sep)) return { problem: "it is outside the project's folder" };
  try {
    // A link inside the project must not make the import read a file outside it.
    const real = realpathSync(file);
    const realRoot = realpathSync(root);
    if (!real.startsWith(realRoot + path.sep)) return { problem: "it is outside the project's folder" };
    const st = statSync(real);
    if (!st.isFile()) return { problem: "it is not a file" };
    if (st.size > MAX_TEMPLATE_BYTES) return { problem: `it is larger than ${MAX_TEMPLATE_BYTES} bytes` };
    return decodeUtf8(readFileSync(real), template);
  } catch (e) {
    return {
      problem: (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file in the project" : (e as Error).message,
    };
  }
}

/** Convertigo's $(httpName) placeholders (and their noE / concat forms) of POST variables become {variable}. */
function templateWithVariables(text: string, postVars: readonly C8oBean[]): string {
  let out = text;
  for (const v of postVars) {
    const httpName = beanStr(v, "httpName", "");
    if (httpName === "") continue;
    const token = `$(${httpName})`;
    out = out
      .split(`${token}noE`)
      .join(`{${v.name}}`)
      .split(`${token}concat`)
      .join(`{${v.name}}`)
      .split(token)
      .join(`{${v.name}}`);
  }
  return out;
}
