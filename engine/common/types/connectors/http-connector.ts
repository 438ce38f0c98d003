import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";

export const httpConnectorType = defineType({
  type: "HttpConnector",
  label: "HTTP connector",
  category: "connector",
  icon: "http",
  description: "Calls an HTTP server (REST/JSON). Its transactions give the verb, the path and the inputs.",
  accepts: ["JsonHttpTransaction"],
  onlyIn: ["Project"],
  file: "connectors",
  transactionTypes: ["JsonHttpTransaction"],
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
