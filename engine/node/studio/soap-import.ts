import { resolvePlaceholders } from "../../common/model/settings.ts";
import { SoapError, soapTransactionNodes, type SoapWsdlSource } from "../../common/model/soap.ts";
import type { ChangeResult } from "../../common/studio/api.ts";
import type { Engine } from "../engine.ts";
import { connectorForAction } from "./connector-props.ts";
import { StudioError, type StudioService } from "./studio-service.ts";

/**
 * The Studio's "Import WSDL" of a SOAP connector: reads its WSDL with the engine's SOAP client
 * (the same host rules, bounds and project-folder paths as a call) and adds one SoapTransaction
 * per operation it has not yet, with the operation's inputs as variables, as one undoable change.
 */
export async function importWsdl(
  engine: Engine,
  service: StudioService,
  project: string,
  connectorId: string,
  origin: string | undefined,
): Promise<ChangeResult & { operations: number; added: number }> {
  const { connector, lookup, prop } = connectorForAction(engine, project, connectorId, "SoapConnector", "SOAP");
  const timeoutMs = Number(prop("timeoutMs"));
  const user = String(prop("authUser") ?? "");
  const password = String(prop("authPassword") ?? "");
  const source: SoapWsdlSource = {
    ...(user !== "" || password !== "" ? { basicAuth: { user, password } } : {}),
    project,
    connectorId: connector.id,
    connectorName: connector.name,
    wsdl: String(prop("wsdl") ?? "").trim(),
    allowedHosts: resolvePlaceholders(String(connector.props.allowedHosts ?? ""), lookup),
    timeoutMs: Number.isInteger(timeoutMs) && timeoutMs > 0 ? timeoutMs : 30000,
    tlsVerify: prop("tlsVerify") !== false,
  };
  const soap = engine.services.soap;
  if (!soap) throw new StudioError(500, "soap_unavailable", "This engine has no SOAP client");
  let ops;
  try {
    ops = await soap.operations(source);
  } catch (e) {
    if (e instanceof SoapError)
      throw new StudioError(e.status === 500 ? 422 : e.status, e.code, `Connector ${connector.name}: ${e.message}`);
    throw e;
  }
  const nodes = soapTransactionNodes(
    ops,
    connector.children.map((c) => c.name),
  );
  const operations = new Set(ops.map((o) => o.operation)).size;
  if (nodes.length === 0) return { deltas: [], history: service.historyState(), operations, added: 0 };
  const change = await service.paste(project, { parent: connector.id, nodes }, origin, "Import WSDL");
  return { ...change, operations, added: nodes.length };
}
