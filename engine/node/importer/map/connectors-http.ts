import { decipherC8o, looksCiphered } from "../c8o-crypto.ts";
import { contentText } from "../c8o-yaml.ts";
import { indent, type Builder } from "./builder.ts";
import { always, type ClassMappers } from "./class-mapper.ts";

/** Convertigo's HTTP connector and its JSON transactions (their variables: variables.ts). */
export const httpConnectorClasses: ClassMappers = {
  "connectors.HttpConnector": always("HttpConnector", httpConnector),
  "transactions.JsonHttpTransaction": always("JsonHttpTransaction", jsonHttpTransaction),
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
  const passRaw = contentText(b.bag.raw("authPassword"));
  if (authType.toLowerCase() === "basic") {
    let pass = passRaw ?? "";
    if (looksCiphered(pass)) pass = decipherC8o(pass, b.m.opts.passphrase) ?? "\u0000";
    if (pass === "\u0000") {
      b.m.secretSetting(b.bean, "authPassword", passRaw ?? "");
      b.note("Basic authentication: the password could not be deciphered; set the Authorization header again", true);
    } else {
      const token = Buffer.from(`${user}:${pass}`, "utf8").toString("base64");
      const placeholder = b.m.secretSetting(b.bean, "authorization", `Basic ${token}`);
      b.set("headers", { Authorization: placeholder });
      b.note(`Basic authentication of "${user}": sent as an Authorization header held by a secret setting`);
    }
  } else if (authType !== "None" || (passRaw && passRaw !== "" && decipherC8o(passRaw, b.m.opts.passphrase) !== "")) {
    const ph = passRaw ? b.m.secretSetting(b.bean, "authPassword", passRaw) : "";
    b.note(
      `authentication ${authType} (user "${user}"${ph ? `, password in ${ph}` : ""}) is not supported by Atelier's HTTP connector`,
      true,
    );
  }
}

function jsonHttpTransaction(b: Builder): void {
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
  if (sub) b.set("path", sub);
  const params = b.bag.vector("httpParameters");
  if (params) {
    const headers: Record<string, string> = {};
    for (const row of params) {
      if (Array.isArray(row) && typeof row[0] === "string" && row[0] !== "") headers[row[0]] = String(row[1] ?? "");
    }
    if (Object.keys(headers).length) b.set("headers", headers);
  }
  if (b.isDefaultAttr()) b.set("isDefault", true);
  const handlers = b.bag.raw("handlers");
  if (handlers !== undefined) {
    const code = contentText(handlers) ?? "";
    b.js("handlers", code);
    b.note(`its handlers (JavaScript run around the call) are not run by Atelier; their code:\n${indent(code)}`);
    b.m.warn(b.bean, "its handlers (JavaScript run around the call) are not run by Atelier (code kept in its comment)");
  }
  const vars = b.bean.children.filter((c) => c.cls.startsWith("variables.RequestableHttp"));
  if (
    vars.some(
      (v) =>
        b.m.decisionOf(v).type === "Variable" &&
        (contentText(v.props.find((p) => p.name === "httpMethod")?.value) ?? "GET") === "POST",
    )
  ) {
    b.note("Convertigo sends POST variables form-encoded; Atelier sends them as a JSON object", true);
  }
  if (vars.some((v) => v.name === "__body")) b.set("body", '"{__body}"');
}
