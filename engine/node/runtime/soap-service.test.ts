import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SoapError, type SoapWsdlSource } from "../../common/model/soap.ts";
import { UndiciHttpClient } from "./http-client.ts";
import { cleanJson, NodeSoapService } from "./soap-service.ts";

describe("cleanJson", () => {
  it("puts attributes beside children under local names and drops xmlns and xsi attributes", () => {
    expect(
      cleanJson({
        $attributes: { id: "7", "ns1:lang": "fr", xmlns: "urn:x", "xmlns:a": "urn:a", "xsi:type": "a:T" },
        name: "box",
        sizes: [1, 2],
      }),
    ).toEqual({ id: "7", lang: "fr", name: "box", sizes: [1, 2] });
  });

  it("answers an element of text alone as its text, and its text beside attributes as text", () => {
    expect(cleanJson({ $value: "hello" })).toBe("hello");
    expect(cleanJson({ $attributes: { unit: "kg" }, $value: 12 })).toEqual({ unit: "kg", text: 12 });
  });

  it("keeps an element named __proto__ as data", () => {
    const out = cleanJson(JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("answers null for nothing and dates as ISO text", () => {
    expect(cleanJson(undefined)).toBeNull();
    expect(cleanJson(new Date("2026-01-02T03:04:05Z"))).toBe("2026-01-02T03:04:05.000Z");
  });
});

// A WSDL whose schema is included from a file beside it.
const wsdl = (include: string) => `<?xml version="1.0"?>
<definitions targetNamespace="urn:t" xmlns="http://schemas.xmlsoap.org/wsdl/"
  xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:tns="urn:t" xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <types><xs:schema targetNamespace="urn:t"><xs:include schemaLocation="${include}"/></xs:schema></types>
  <message name="In"><part name="parameters" element="tns:Ping"/></message>
  <message name="Out"><part name="parameters" element="tns:Ping"/></message>
  <portType name="PT"><operation name="Ping"><input message="tns:In"/><output message="tns:Out"/></operation></portType>
  <binding name="B" type="tns:PT"><soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="Ping"><soap:operation soapAction="ping"/><input><soap:body use="literal"/></input><output><soap:body use="literal"/></output></operation>
  </binding>
  <service name="S"><port name="P" binding="tns:B"><soap:address location="http://127.0.0.1:9/ping"/></port></service>
</definitions>`;
const xsd = `<?xml version="1.0"?>
<xs:schema targetNamespace="urn:t" xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:element name="Ping"><xs:complexType><xs:sequence>
    <xs:element name="count" type="xs:long"/><xs:element name="ratio" type="xs:decimal"/>
  </xs:sequence></xs:complexType></xs:element>
</xs:schema>`;

// An RPC/literal WSDL: the inputs are the message's parts.
const rpcWsdl = `<?xml version="1.0"?>
<definitions targetNamespace="urn:r" xmlns="http://schemas.xmlsoap.org/wsdl/"
  xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:tns="urn:r" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <message name="AddIn"><part name="a" type="xsd:int"/><part name="b" type="xsd:float"/><part name="round" type="xsd:boolean"/></message>
  <message name="AddOut"><part name="sum" type="xsd:float"/></message>
  <portType name="Calc"><operation name="Add"><input message="tns:AddIn"/><output message="tns:AddOut"/></operation></portType>
  <binding name="CalcB" type="tns:Calc"><soap:binding style="rpc" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="Add"><soap:operation soapAction="add"/><input><soap:body use="literal" namespace="urn:r"/></input><output><soap:body use="literal" namespace="urn:r"/></output></operation>
  </binding>
  <service name="CalcService"><port name="CalcPort" binding="tns:CalcB"><soap:address location="http://127.0.0.1:9/calc"/></port></service>
</definitions>`;

describe("NodeSoapService and WSDL files", () => {
  let root: string;
  let projectDir: string;
  const http = new UndiciHttpClient();
  const service = new NodeSoapService({ http: () => http, projectDir: () => projectDir });
  const source = (file: string): SoapWsdlSource => ({
    project: "P",
    connectorId: file,
    connectorName: "C",
    wsdl: file,
    allowedHosts: "",
    timeoutMs: 2000,
    tlsVerify: true,
  });

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "atelier-soap-files-"));
    projectDir = path.join(root, "P");
    await mkdir(path.join(projectDir, "wsdl"), { recursive: true });
    await writeFile(path.join(projectDir, "wsdl", "types.xsd"), xsd);
    await writeFile(path.join(root, "outside.xsd"), xsd);
    await writeFile(path.join(projectDir, "wsdl", "good.wsdl"), wsdl("types.xsd"));
    await writeFile(path.join(projectDir, "wsdl", "escape.wsdl"), wsdl("../../outside.xsd"));
    await writeFile(path.join(projectDir, "wsdl", "remote.wsdl"), wsdl("http://10.0.0.1/types.xsd"));
    await writeFile(path.join(projectDir, "wsdl", "rpc.wsdl"), rpcWsdl);
    await writeFile(
      path.join(projectDir, "wsdl", "empty.wsdl"),
      `<definitions targetNamespace="urn:e" xmlns="http://schemas.xmlsoap.org/wsdl/"/>`,
    );
  });
  afterAll(async () => {
    await http.close();
    await rm(root, { recursive: true, force: true });
  });

  it("reads a schema included beside the WSDL, with the inputs' types", async () => {
    const ops = await service.operations(source("wsdl/good.wsdl"));
    expect(ops).toEqual([
      {
        service: "S",
        port: "P",
        operation: "Ping",
        soapVersion: "1.1",
        inputs: [
          { name: "count", dataType: "integer", multiValued: false, required: false, schemaType: "xs:long" },
          { name: "ratio", dataType: "number", multiValued: false, required: false, schemaType: "xs:decimal" },
        ],
      },
    ]);
  });

  it("refuses an include outside the project folder", async () => {
    const e = await service.operations(source("wsdl/escape.wsdl")).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SoapError);
    expect((e as SoapError).code).toBe("invalid_wsdl_path");
  });

  it("refuses an include from a host the connector may not call, before connecting", async () => {
    const e = await service.operations(source("wsdl/remote.wsdl")).catch((x: unknown) => x);
    expect((e as SoapError).code).toBe("host_not_allowed");
    expect((e as SoapError).message).toContain("10.0.0.1:80");
  });

  it("reads the parts of an RPC operation as its inputs", async () => {
    const ops = await service.operations(source("wsdl/rpc.wsdl"));
    expect(ops.map((o) => [o.operation, o.inputs.map((i) => `${i.name}:${i.dataType}`)])).toEqual([
      ["Add", ["a:integer", "b:number", "round:boolean"]],
    ]);
  });

  it("says when a WSDL defines no service", async () => {
    const e = await service.operations(source("wsdl/empty.wsdl")).catch((x: unknown) => x);
    expect((e as SoapError).code).toBe("soap_wsdl");
    expect((e as SoapError).message).toBe("the WSDL wsdl/empty.wsdl defines no SOAP service");
  });

  it("names a WSDL file that does not exist", async () => {
    const e = await service.operations(source("wsdl/none.wsdl")).catch((x: unknown) => x);
    expect((e as SoapError).code).toBe("soap_wsdl");
    expect((e as SoapError).message).toBe("the WSDL file wsdl/none.wsdl does not exist in the project folder");
  });
});
