import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";
import { checkAllowedHosts } from "./http-connector.ts";

/** A password property: a secret ${setting}, never the password itself (project files are shared). */
function secretOnly(what: string) {
  return (v: unknown) =>
    typeof v === "string" && v !== "" && !/^\$\{[^}]+\}$/.test(v.trim())
      ? `Give the ${what} through a secret setting, e.g. \${soapPassword}: a password written here would be stored in the project's files`
      : undefined;
}

/** Why a WSDL location is not a project file path or an http(s) URL; undefined when it is one. */
export function wsdlLocationProblem(v: unknown): string | undefined {
  if (typeof v !== "string" || v.includes("${")) return undefined;
  const text = v.trim();
  if (text === "") return "Give the WSDL: a file of the project (e.g. wsdl/service.wsdl) or an http(s) URL";
  if (/^[a-z][a-z0-9+.-]*:/i.test(text) && !/^[a-z]:[\\/]/i.test(text)) {
    if (!/^https?:\/\//i.test(text)) return `The WSDL is a project file or an http(s) URL, not "${text}"`;
    try {
      new URL(text);
    } catch {
      return `The WSDL URL "${text}" is not a valid URL`;
    }
    return undefined;
  }
  if (text.startsWith("/") || text.startsWith("\\") || /^[a-z]:/i.test(text))
    return `The WSDL file is given relative to the project folder, not as an absolute path ("${text}")`;
  if (text.split(/[\\/]+/).includes("..")) return `The WSDL file must stay inside the project folder ("${text}")`;
  return undefined;
}

export const soapConnectorType = defineType({
  type: "SoapConnector",
  label: "SOAP connector",
  category: "connector",
  icon: "http",
  description:
    "Calls a SOAP web service described by a WSDL (a file of the project or a URL). Its transactions are the WSDL's operations; the SOAP version (1.1 or 1.2) is the one of the port's binding.",
  accepts: ["SoapTransaction"],
  onlyIn: ["Project"],
  file: "connectors",
  transactionTypes: ["SoapTransaction"],
  props: [
    commentProp,
    {
      name: "wsdl",
      label: "WSDL",
      kind: "string",
      default: "",
      help: "The service's WSDL: a file of the project (a path relative to the project folder, e.g. wsdl/orders.wsdl) or an http(s) URL. May be a ${setting}. Its imports and includes are read from the same place.",
      group: "Service",
      check: (v) => wsdlLocationProblem(v),
    },
    {
      name: "endpoint",
      label: "Endpoint",
      kind: "string",
      default: "",
      help: "The URL calls are sent to, instead of the address the WSDL gives (e.g. a test server). Usually a ${setting}.",
      group: "Service",
      check: (v) => {
        if (typeof v !== "string" || v.trim() === "" || v.includes("${")) return undefined;
        return /^https?:\/\/[^/]/i.test(v.trim()) ? undefined : `The endpoint is an http(s) URL, not "${v}"`;
      },
    },
    {
      name: "allowedHosts",
      label: "Allowed servers",
      kind: "string",
      default: "",
      help:
        "Other hosts the WSDL may send the connector to, separated by commas (host, host:port, *.example.com, a URL): hosts of imports and includes fetched by URL, and of the addresses a WSDL URL gives. " +
        "Empty: only the WSDL URL's host (the Endpoint is always allowed); the addresses of a WSDL file of the project are trusted as written.",
      group: "Service",
      check: checkAllowedHosts,
    },
    {
      name: "authUser",
      label: "User (Basic authentication)",
      kind: "string",
      default: "",
      help: "With a user or a password, every request (WSDL and calls) carries an Authorization: Basic header. May be a ${setting}.",
      group: "Authentication",
    },
    {
      name: "authPassword",
      label: "Password (Basic authentication)",
      kind: "string",
      default: "",
      help: "The password of the Basic authentication: a secret ${setting}, never the password itself.",
      group: "Authentication",
      check: secretOnly("password"),
    },
    {
      name: "wsUser",
      label: "User (WS-Security)",
      kind: "string",
      default: "",
      help: "With a user, every call carries a WS-Security UsernameToken header (with a nonce and a creation time). May be a ${setting}.",
      group: "Authentication",
    },
    {
      name: "wsPassword",
      label: "Password (WS-Security)",
      kind: "string",
      default: "",
      help: "The UsernameToken's password: a secret ${setting}, never the password itself.",
      group: "Authentication",
      check: secretOnly("WS-Security password"),
    },
    {
      name: "wsPasswordType",
      label: "WS-Security password type",
      kind: "enum",
      values: ["PasswordText", "PasswordDigest"],
      default: "PasswordText",
      help: "PasswordText sends the password (use https); PasswordDigest sends a digest of the nonce, time and password.",
      group: "Authentication",
    },
    {
      name: "timeoutMs",
      label: "Timeout (ms)",
      kind: "integer",
      default: 30000,
      min: 1,
      max: 3600000,
      help: "Each fetch of the WSDL and each call without a complete answer in this time ends with an error.",
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
