import { describe, expect, it } from "vitest";
import { soapTransactionNodes, type SoapOperationInfo } from "./soap.ts";

const op = (operation: string, port: string, soapVersion: "1.1" | "1.2"): SoapOperationInfo => ({
  service: "S",
  port,
  operation,
  soapVersion,
  inputs: [
    { name: "id", dataType: "integer", multiValued: false, required: false, schemaType: "xs:int" },
    { name: "tags", dataType: "string", multiValued: true, required: false, schemaType: "xs:string" },
    { name: "filter", dataType: "json", multiValued: false, required: false, schemaType: "complex" },
  ],
});

describe("soapTransactionNodes", () => {
  it("makes one transaction per operation, on its SOAP 1.1 port when there are both", () => {
    const nodes = soapTransactionNodes([op("Get", "P12", "1.2"), op("Get", "P", "1.1"), op("Put", "P12", "1.2")]);
    expect(nodes.map((n) => [n.name, n.props.port])).toEqual([
      ["Get", "P"],
      ["Put", "P12"],
    ]);
    expect(nodes[0]!.children).toEqual([
      {
        type: "Variable",
        name: "id",
        props: { dataType: "integer", description: "SOAP input id (xs:int)" },
        children: [],
      },
      {
        type: "Variable",
        name: "tags",
        props: { multiValued: true, description: "SOAP input tags (xs:string, several)" },
        children: [],
      },
      {
        type: "Variable",
        name: "filter",
        props: { dataType: "json", description: "SOAP input filter (complex)" },
        children: [],
      },
    ]);
  });

  it("leaves out the operations that already have a transaction", () => {
    expect(soapTransactionNodes([op("Get", "P", "1.1"), op("Put", "P", "1.1")], ["Get"]).map((n) => n.name)).toEqual([
      "Put",
    ]);
  });
});
