import type { ObjNode } from "../../model/node.ts";
import { SoapError, type SoapCallRequest, type SoapWsdlSource } from "../../model/soap.ts";
import { defineType, type TransactionContext } from "../../model/typedef.ts";
import { commentProp, requestableProps } from "../shared-props.ts";
import { soapConnectorType } from "./soap-connector.ts";

export const soapTransactionType = defineType({
  type: "SoapTransaction",
  label: "SOAP transaction",
  category: "transaction",
  effects: "write",
  icon: "transaction",
  description:
    "One operation of the connector's WSDL. Its variables are the operation's inputs (the input element's children, by name); it answers the response's content as JSON: namespace prefixes dropped, a list wherever the schema allows several elements, numbers and booleans as the schema types them. A SOAP fault ends the call with an error (soap_fault) giving the fault's code, string and detail.",
  accepts: ["Variable", "TestCase"],
  onlyIn: ["SoapConnector"],
  props: [
    commentProp,
    ...requestableProps,
    {
      name: "operation",
      label: "Operation",
      kind: "string",
      default: "",
      help: "The WSDL operation called, e.g. GetOrders.",
      check: (v) =>
        typeof v === "string" && v.trim() === "" ? "Give the WSDL operation this transaction calls" : undefined,
    },
    {
      name: "service",
      label: "Service",
      kind: "string",
      default: "",
      help: "The WSDL service holding the operation; empty: the first one that has it.",
    },
    {
      name: "port",
      label: "Port",
      kind: "string",
      default: "",
      help: "The service's port (its binding decides SOAP 1.1 or 1.2); empty: the first one that has the operation.",
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
    const soap = ctx.services.soap;
    if (!soap)
      return ctx.fail("soap_unavailable", `Transaction ${label}: this engine has no SOAP client`, undefined, 500);
    const args: Record<string, unknown> = {};
    for (const v of tx.children) {
      if (v.type !== "Variable") continue;
      const value = ctx.vars[v.name];
      if (value !== undefined && value !== null) args[v.name] = value;
    }
    const source = soapSource(connector, ctx, label);
    const wsUser = String(ctx.prop(connector, "wsUser") ?? "");
    const req: SoapCallRequest = {
      ...source,
      service: String(ctx.prop(tx, "service") ?? "").trim(),
      port: String(ctx.prop(tx, "port") ?? "").trim(),
      operation: String(ctx.prop(tx, "operation") ?? "").trim() || tx.name,
      args,
      endpoint: String(ctx.prop(connector, "endpoint") ?? "").trim(),
      ...(wsUser !== ""
        ? {
            wsSecurity: {
              user: wsUser,
              password: String(ctx.prop(connector, "wsPassword") ?? ""),
              passwordType:
                ctx.prop(connector, "wsPasswordType") === "PasswordDigest" ? "PasswordDigest" : "PasswordText",
            },
          }
        : {}),
    };
    // Credentials are not inputs: the trace shows what is sent, never how it is signed.
    ctx.input("request", {
      wsdl: req.wsdl,
      operation: [req.service, req.port, req.operation].filter(Boolean).join("/"),
      endpoint: req.endpoint || undefined,
      args,
    });
    try {
      const res = await soap.call(req, ctx.signal);
      return { data: res.data, status: res.status };
    } catch (e) {
      if (e instanceof SoapError) return ctx.fail(e.code, `Transaction ${label}: ${e.message}`, e.details, e.status);
      throw e;
    }
  },
});

/** The connector's WSDL source with its settings resolved and its numbers checked. */
export function soapSource(connector: ObjNode, ctx: TransactionContext, label: string): SoapWsdlSource {
  const wsdl = String(ctx.prop(connector, "wsdl") ?? "").trim();
  const user = String(ctx.prop(connector, "authUser") ?? "");
  const password = String(ctx.prop(connector, "authPassword") ?? "");
  return {
    ...(user !== "" || password !== "" ? { basicAuth: { user, password } } : {}),
    project: ctx.project ?? "",
    connectorId: connector.id,
    connectorName: connector.name,
    wsdl,
    allowedHosts: String(ctx.prop(connector, "allowedHosts") ?? ""),
    timeoutMs: timeoutOf(connector, ctx, label),
    tlsVerify: ctx.prop(connector, "tlsVerify") !== false,
  };
}

function timeoutOf(connector: ObjNode, ctx: TransactionContext, label: string): number {
  const def = soapConnectorType.props.find((p) => p.name === "timeoutMs");
  const raw = ctx.prop<unknown>(connector, "timeoutMs") ?? def?.default;
  const v = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
  if (typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 3600000) return v;
  return ctx.fail(
    "invalid_setting",
    `Transaction ${label}: the connector's timeoutMs is ${JSON.stringify(connector.props.timeoutMs)}, which gives ${JSON.stringify(raw)}: not a whole number from 1 to 3600000`,
    { property: "timeoutMs" },
    500,
  );
}
