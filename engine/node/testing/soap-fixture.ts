import http from "node:http";
import type { AddressInfo } from "node:net";
import soap from "soap";

/** The operations of the test WSDL (each in a SOAP 1.1 and a SOAP 1.2 port). */
const OPERATIONS = ["GetItems", "Fail", "Secure", "Protected", "Slow"];

/**
 * A document/literal WSDL for tests: GetItems answers a list of items (maxOccurs unbounded) with
 * typed fields; Fail answers a fault (each operation has its own input element: a SOAP 1.2 server
 * tells operations apart by it); Secure wants a WS-Security UsernameToken; Protected HTTP
 * Basic authentication; Slow never answers. Port OrdersPort is SOAP 1.1 at `base`/orders,
 * OrdersPort12 SOAP 1.2 at `base`/orders12.
 */
export function ordersWsdl(base: string): string {
  const ops = (soapPrefix: string) =>
    OPERATIONS.map(
      (o) =>
        `<operation name="${o}"><${soapPrefix}:operation soapAction="urn:orders#${o}"/><input><${soapPrefix}:body use="literal"/></input><output><${soapPrefix}:body use="literal"/></output></operation>`,
    ).join("\n    ");
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions name="Orders" targetNamespace="urn:orders"
  xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
  xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/"
  xmlns:tns="urn:orders" xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <types>
    <xs:schema targetNamespace="urn:orders" elementFormDefault="qualified">
      <xs:complexType name="Item">
        <xs:sequence>
          <xs:element name="name" type="xs:string"/>
          <xs:element name="price" type="xs:double"/>
          <xs:element name="qty" type="xs:int"/>
          <xs:element name="inStock" type="xs:boolean"/>
          <xs:element name="tag" type="xs:string" minOccurs="0" maxOccurs="unbounded"/>
        </xs:sequence>
      </xs:complexType>
      <xs:element name="GetItems">
        <xs:complexType><xs:sequence>
          <xs:element name="category" type="xs:string"/>
          <xs:element name="limit" type="xs:int"/>
          <xs:element name="onlyInStock" type="xs:boolean" minOccurs="0"/>
          <xs:element name="code" type="xs:string" minOccurs="0" maxOccurs="unbounded"/>
        </xs:sequence></xs:complexType>
      </xs:element>
      <xs:element name="GetItemsResponse">
        <xs:complexType><xs:sequence>
          <xs:element name="count" type="xs:int"/>
          <xs:element name="item" type="tns:Item" minOccurs="0" maxOccurs="unbounded"/>
        </xs:sequence></xs:complexType>
      </xs:element>
      ${OPERATIONS.slice(1)
        .map(
          (o) =>
            `<xs:element name="${o}Request"><xs:complexType><xs:sequence><xs:element name="text" type="xs:string"/></xs:sequence></xs:complexType></xs:element>`,
        )
        .join("\n      ")}
      <xs:element name="EchoResponse">
        <xs:complexType><xs:sequence>
          <xs:element name="text" type="xs:string"/>
          <xs:element name="user" type="xs:string"/>
        </xs:sequence></xs:complexType>
      </xs:element>
    </xs:schema>
  </types>
  <message name="GetItemsIn"><part name="parameters" element="tns:GetItems"/></message>
  <message name="GetItemsOut"><part name="parameters" element="tns:GetItemsResponse"/></message>
  ${OPERATIONS.slice(1)
    .map((o) => `<message name="${o}In"><part name="parameters" element="tns:${o}Request"/></message>`)
    .join("\n  ")}
  <message name="EchoOut"><part name="parameters" element="tns:EchoResponse"/></message>
  <portType name="OrdersPortType">
    <operation name="GetItems"><input message="tns:GetItemsIn"/><output message="tns:GetItemsOut"/></operation>
    ${OPERATIONS.slice(1)
      .map((o) => `<operation name="${o}"><input message="tns:${o}In"/><output message="tns:EchoOut"/></operation>`)
      .join("\n    ")}
  </portType>
  <binding name="OrdersBinding" type="tns:OrdersPortType">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    ${ops("soap")}
  </binding>
  <binding name="OrdersBinding12" type="tns:OrdersPortType">
    <soap12:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    ${ops("soap12")}
  </binding>
  <service name="OrdersService">
    <port name="OrdersPort" binding="tns:OrdersBinding"><soap:address location="${base}/orders"/></port>
    <port name="OrdersPort12" binding="tns:OrdersBinding12"><soap12:address location="${base}/orders12"/></port>
  </service>
</definitions>`;
}

/** What the test service saw of a call. */
export interface SoapSeen {
  operation: string;
  path: string;
  contentType: string | undefined;
  args: Record<string, unknown>;
}

export interface SoapTestServer {
  /** http://127.0.0.1:port */
  base: string;
  wsdl: string;
  seen: SoapSeen[];
  /** GET requests of other paths (WSDL documents served by `extra`), by path. */
  gets: string[];
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => boolean;

/**
 * Starts the orders service on 127.0.0.1 (a random port) with the `soap` package's own server.
 * `extra` may answer other requests first (documents of WSDL tests); it answers true when it did.
 */
export async function startSoapServer(opts: {
  user: string;
  password: string;
  extra?: Handler;
}): Promise<SoapTestServer> {
  const gets: string[] = [];
  const server = http.createServer((req, res) => {
    gets.push(req.url ?? "");
    if (opts.extra?.(req, res)) return;
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const wsdl = ordersWsdl(base);
  const seen: SoapSeen[] = [];
  const expected = `Basic ${Buffer.from(`${opts.user}:${opts.password}`).toString("base64")}`;
  const fault = (faultcode: string, faultstring: string, detail?: unknown) => ({
    Fault: { faultcode, faultstring, ...(detail !== undefined ? { detail } : {}), statusCode: 500 },
  });
  const port = (path: string) => {
    const record = (operation: string, args: Record<string, unknown>, req: http.IncomingMessage) =>
      seen.push({ operation, path, contentType: req.headers["content-type"], args });
    type Op = (
      args: Record<string, unknown>,
      cb: unknown,
      headers: Record<string, unknown>,
      req: http.IncomingMessage,
    ) => unknown;
    const ops: Record<string, Op> = {
      GetItems: (args, _cb, _h, req) => {
        record("GetItems", args, req);
        const n = Number(args.limit);
        return {
          count: n,
          item: Array.from({ length: n }, (_, i) => ({
            name: `item ${i + 1}`,
            price: 1.5 + i,
            qty: 10 * (i + 1),
            inStock: i % 2 === 0,
            tag: ["new"],
          })),
        };
      },
      Fail: (args, _cb, _h, req) => {
        record("Fail", args, req);
        if (path === "/orders12")
          throw {
            Fault: {
              Code: { Value: "soap:Sender", Subcode: { value: "tns:OutOfStock" } },
              Reason: { Text: "Order refused" },
              statusCode: 500,
            },
          };
        throw fault("soap:Client", "Order refused", { reason: "out of stock", code: 42 });
      },
      Secure: (args, _cb, headers, req) => {
        record("Secure", args, req);
        const token = (headers?.Security as { UsernameToken?: { Username?: unknown; Password?: unknown } })
          ?.UsernameToken;
        const pw = token?.Password;
        const password = typeof pw === "object" && pw !== null ? (pw as { $value?: unknown }).$value : pw;
        if (token?.Username !== opts.user || password !== opts.password)
          throw fault("soap:Client", "Not authenticated");
        return { text: String(args.text), user: String(token.Username) };
      },
      Protected: (args, _cb, _h, req) => {
        record("Protected", args, req);
        if (req.headers.authorization !== expected) throw fault("soap:Client", "Basic authentication required");
        return { text: String(args.text), user: opts.user };
      },
      Slow: (args, _cb, _h, req) => {
        record("Slow", args, req);
        return new Promise(() => {}); // never answers
      },
    };
    return ops;
  };
  const services = { OrdersService: { OrdersPort: port("/orders"), OrdersPort12: port("/orders12") } };
  const log = () => {};
  soap.listen(server, { path: "/orders", services, xml: wsdl, suppressStack: true }).log = log;
  soap.listen(server, { path: "/orders12", services, xml: wsdl, suppressStack: true }).log = log;
  return {
    base,
    wsdl,
    seen,
    gets,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
