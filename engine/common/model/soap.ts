import type { StopSignal } from "./typedef.ts";

/**
 * What SOAP connector code sees of the engine's SOAP client (engine/node/runtime/soap-service.ts,
 * loaded with the `soap` package by the first SOAP call). Declared here because engine/common may
 * not load Node code: the runtime passes an implementation through `RunServices.soap`.
 */

/** Where a connector's WSDL is and how it may be fetched (settings already resolved). */
export interface SoapWsdlSource {
  /** The project whose folder holds a WSDL file (a relative path never leaves that folder). */
  project: string;
  /** The connector's id: its parsed WSDL is cached under it until the project reloads. */
  connectorId: string;
  /** For messages: the connector's name. */
  connectorName: string;
  /** A path relative to the project folder, or an http(s) URL. */
  wsdl: string;
  /** Other hosts the WSDL's imports and addresses may name (the HTTP connector's allowedHosts syntax). */
  allowedHosts: string;
  /** The time limit of each fetch and call, in ms. */
  timeoutMs: number;
  tlsVerify: boolean;
  /** HTTP Basic credentials, sent with the calls and to the WSDL URL's own origin. */
  basicAuth?: { user: string; password: string };
}

/** One SOAP call: the operation, its input and the connector's endpoint and credentials. */
export interface SoapCallRequest extends SoapWsdlSource {
  /** Service and port may be empty: then the only one (or the one holding the operation) is used. */
  service: string;
  port: string;
  operation: string;
  /** The input message's content: element names to values. */
  args: Record<string, unknown>;
  /** Replaces the address the WSDL gives the port (an http(s) URL), when not empty. */
  endpoint: string;
  wsSecurity?: { user: string; password: string; passwordType: "PasswordText" | "PasswordDigest" };
}

export interface SoapCallResult {
  /** The response body's content as JSON (see the SoapTransaction type). */
  data: unknown;
  /** The HTTP status of the answer. */
  status: number;
  /** What was called, for traces: the URL and the SOAP version. */
  endpoint: string;
  soapVersion: "1.1" | "1.2";
}

/** An input of an operation, as the WSDL's schema describes it. */
export interface SoapInput {
  name: string;
  dataType: "string" | "integer" | "number" | "boolean" | "json";
  multiValued: boolean;
  required: boolean;
  /** The schema type, e.g. xs:int, or "complex" for a nested element. */
  schemaType: string;
}

/** An operation of a WSDL, with where it is and its inputs. */
export interface SoapOperationInfo {
  service: string;
  port: string;
  operation: string;
  soapVersion: "1.1" | "1.2";
  inputs: SoapInput[];
}

/** The engine's SOAP client. Failures are thrown as SoapError. */
export interface SoapService {
  call(req: SoapCallRequest, signal?: StopSignal): Promise<SoapCallResult>;
  /** The operations of a WSDL (services, ports, operations and their inputs). */
  operations(source: SoapWsdlSource, signal?: StopSignal): Promise<SoapOperationInfo[]>;
}

/**
 * A SOAP failure in the engine's error shape: `soap_fault` (the service answered a fault: its code,
 * string and detail are in `details`), `soap_wsdl` (the WSDL cannot be read), `soap_operation`
 * (no such operation), `soap_request_failed` (no answer: refused, time limit, too large),
 * `soap_answer` (an answer that is no SOAP envelope), `host_not_allowed`, `invalid_wsdl_path`.
 */
export class SoapError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** A new object as the Studio's paste takes it: type, name, properties, children. */
export interface PlainNode {
  type: string;
  name: string;
  props: Record<string, unknown>;
  children: PlainNode[];
}

/**
 * One SoapTransaction per operation of a WSDL, with a Variable per input (its schema type as the
 * variable's type, a list where the schema allows several, json for a nested element). An
 * operation offered by several ports (SOAP 1.1 and 1.2 of one service) is made once, on the first
 * SOAP 1.1 port; operations whose name is in `existing` (transactions already made) are left out.
 */
export function soapTransactionNodes(ops: readonly SoapOperationInfo[], existing: Iterable<string> = []): PlainNode[] {
  const taken = new Set(existing);
  const chosen = new Map<string, SoapOperationInfo>();
  for (const op of ops) {
    const prev = chosen.get(op.operation);
    if (!prev || (prev.soapVersion === "1.2" && op.soapVersion === "1.1")) chosen.set(op.operation, op);
  }
  const out: PlainNode[] = [];
  for (const op of chosen.values()) {
    const name = op.operation.replace(/[^A-Za-z0-9_.-]/g, "_").replace(/^([^A-Za-z_])/, "_$1");
    if (taken.has(name)) continue;
    taken.add(name);
    out.push({
      type: "SoapTransaction",
      name,
      props: { operation: op.operation, service: op.service, port: op.port },
      children: op.inputs.map((input) => ({
        type: "Variable",
        name: input.name.replace(/[^A-Za-z0-9_.-]/g, "_").replace(/^([^A-Za-z_])/, "_$1"),
        props: {
          ...(input.dataType !== "string" ? { dataType: input.dataType } : {}),
          ...(input.multiValued ? { multiValued: true } : {}),
          ...(input.required ? { required: true } : {}),
          description: `SOAP input ${input.name} (${input.schemaType}${input.multiValued ? ", several" : ""})`,
        },
        children: [],
      })),
    });
  }
  return out;
}
