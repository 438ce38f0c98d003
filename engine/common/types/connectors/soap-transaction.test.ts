import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testWorkspace, type PlainObject, type TestWorkspace } from "../../../node/testing/harness.ts";
import { startSoapServer, type SoapTestServer } from "../../../node/testing/soap-fixture.ts";
import { closedPort } from "../../../node/testing/upstream.ts";
import { soapTransactionNodes } from "../../model/soap.ts";

const USER = "alice";
const PASSWORD = "s3cret-Pa55";
const BIG = 6 * 1024 * 1024;

let server: SoapTestServer;
let ws: TestWorkspace;
let outside: string;

const echo = (name: string, operation = name): PlainObject => ({
  type: "SoapTransaction",
  name,
  operation,
  children: [{ type: "Variable", name: "text" }],
});

const getItems = (name = "GetItems", extra: Record<string, unknown> = {}): PlainObject => ({
  type: "SoapTransaction",
  name,
  operation: "GetItems",
  ...extra,
  children: [
    { type: "Variable", name: "category", required: true },
    { type: "Variable", name: "limit", dataType: "integer" },
    { type: "Variable", name: "onlyInStock", dataType: "boolean" },
    { type: "Variable", name: "code", multiValued: true },
  ],
});

beforeAll(async () => {
  // Documents of the WSDL-by-URL tests, served beside the service.
  server = await startSoapServer({
    user: USER,
    password: PASSWORD,
    extra: (req, res) => {
      const send = (body: string) => {
        res.writeHead(200, { "content-type": "text/xml" });
        res.end(body);
      };
      if (req.url === "/orders.wsdl") return (send(server.wsdl), true);
      if (req.url === "/evil.wsdl")
        return (
          send(
            server.wsdl.replace(
              "<types>",
              `<types><xs:schema><xs:import schemaLocation="http://169.254.169.254/latest/x.xsd"/></xs:schema>`,
            ),
          ),
          true
        );
      if (req.url === "/private.wsdl") {
        if (req.headers.authorization !== `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`) {
          res.writeHead(401, { "www-authenticate": "Basic" });
          return (res.end(), true);
        }
        return (send(server.wsdl), true);
      }
      if (req.url === "/big.wsdl") return (send(server.wsdl + `<!--${"x".repeat(BIG)}-->`), true);
      return false;
    },
  });
  const down = await closedPort();
  outside = await mkdtemp(path.join(os.tmpdir(), "atelier-soap-outside-"));
  await writeFile(path.join(outside, "secret.wsdl"), server.wsdl);
  const connector = (name: string, props: Record<string, unknown>, children: PlainObject[]): PlainObject => ({
    type: "SoapConnector",
    name,
    wsdl: "wsdl/orders.wsdl",
    timeoutMs: 3000,
    ...props,
    children,
  });
  ws = await testWorkspace({
    sequences: [
      {
        type: "Sequence",
        name: "Stock",
        children: [
          {
            type: "CallTransaction",
            name: "items",
            connector: "WsSecured",
            transaction: "GetItems",
            output: true,
            children: [
              { type: "StepVariable", name: "category", value: "tools" },
              { type: "StepVariable", name: "limit", expression: "1 + 2" },
            ],
          },
        ],
      },
    ],
    settings: [
      { type: "Setting", name: "soapUser", value: USER },
      { type: "Setting", name: "soapPassword", value: PASSWORD, secret: true },
      { type: "Setting", name: "soapBase", value: server.base },
      { type: "Setting", name: "escapePath", value: "../../outside.wsdl" },
    ],
    connectors: [
      connector("Orders", {}, [
        getItems(),
        getItems("GetItems12", { port: "OrdersPort12" }),
        echo("Fail"),
        { ...echo("Fail12", "Fail"), port: "OrdersPort12" },
        echo("Secure"),
        echo("Protected"),
        echo("Missing", "NoSuchOperation"),
      ]),
      connector("Slow", { timeoutMs: 500 }, [echo("Slow")]),
      connector("WsSecured", { wsUser: "${soapUser}", wsPassword: "${soapPassword}" }, [echo("Secure"), getItems()]),
      connector("BasicSecured", { authUser: "${soapUser}", authPassword: "${soapPassword}" }, [echo("Protected")]),
      connector("Down", { endpoint: `http://127.0.0.1:${down}/orders` }, [echo("Fail")]),
      connector("Broken", { wsdl: "wsdl/broken.wsdl" }, [echo("Fail")]),
      connector("Escape", { wsdl: "../../outside.wsdl" }, [echo("Fail")]),
      connector("EscapeBySetting", { wsdl: "${escapePath}" }, [echo("Fail")]),
      connector("Linked", { wsdl: "wsdl/linked.wsdl" }, [echo("Fail")]),
      connector("ByUrl", { wsdl: "${soapBase}/orders.wsdl" }, [getItems()]),
      connector("Evil", { wsdl: "${soapBase}/evil.wsdl" }, [getItems()]),
      connector("Big", { wsdl: "${soapBase}/big.wsdl" }, [getItems()]),
      connector(
        "PrivateWsdl",
        { wsdl: "${soapBase}/private.wsdl", authUser: "${soapUser}", authPassword: "${soapPassword}" },
        [echo("Protected")],
      ),
      connector("PrivateWsdlNoAuth", { wsdl: "${soapBase}/private.wsdl" }, [echo("Protected")]),
      connector("Unreachable", { wsdl: `http://127.0.0.1:${down}/orders.wsdl` }, [getItems()]),
    ],
  });
  const dir = path.join(ws.dir, "P", "wsdl");
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "orders.wsdl"), server.wsdl);
  await writeFile(path.join(dir, "broken.wsdl"), server.wsdl.replace("</portType>", "</porttype>"));
  await symlink(path.join(outside, "secret.wsdl"), path.join(dir, "linked.wsdl"));
});

afterAll(async () => {
  await ws?.close();
  await server?.close();
  if (outside) await rm(outside, { recursive: true, force: true });
});

const call = (connector: string, transaction: string, inputs: Record<string, unknown> = {}) =>
  ws.run({ connector, transaction, inputs, trace: true });

describe("SOAP transaction", () => {
  it("answers the response as JSON: typed values, a list where the schema allows several", async () => {
    const r = await call("Orders", "GetItems", {
      category: "books",
      limit: "2",
      onlyInStock: "true",
      code: ["a", "b"],
    });
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual({
      count: 2,
      item: [
        { name: "item 1", price: 1.5, qty: 10, inStock: true, tag: ["new"] },
        { name: "item 2", price: 2.5, qty: 20, inStock: false, tag: ["new"] },
      ],
    });
    const seen = server.seen.at(-1)!;
    expect(seen).toMatchObject({
      operation: "GetItems",
      path: "/orders",
      args: { category: "books", limit: 2, code: ["a", "b"] },
    });
    expect(seen.contentType).toMatch(/^text\/xml/);
  });

  it("runs in a sequence through Call Transaction", async () => {
    const r = await ws.run({ sequence: "Stock", inputs: {}, trace: true });
    expect(r.error).toBeUndefined();
    expect(JSON.stringify(r.output)).toContain('{"name":"item 3","price":3.5,"qty":30,"inStock":true,"tag":["new"]}');
    expect(server.seen.at(-1)?.args).toMatchObject({ category: "tools", limit: 3 });
    expect(JSON.stringify(r.trace)).not.toContain(PASSWORD);
  });

  it("keeps a list a list when one element comes back", async () => {
    const r = await call("Orders", "GetItems", { category: "books", limit: 1 });
    expect(r.output).toEqual({
      count: 1,
      item: [{ name: "item 1", price: 1.5, qty: 10, inStock: true, tag: ["new"] }],
    });
    // None: an empty list.
    expect((await call("Orders", "GetItems", { category: "books", limit: 0 })).output).toEqual({ count: 0, item: [] });
  });

  it("speaks SOAP 1.2 to a port whose binding is SOAP 1.2", async () => {
    const r = await call("Orders", "GetItems12", { category: "books", limit: 1 });
    expect(r.error).toBeUndefined();
    expect(r.output).toMatchObject({ count: 1 });
    const seen = server.seen.at(-1)!;
    expect(seen.path).toBe("/orders12");
    expect(seen.contentType).toMatch(/^application\/soap\+xml;.*action="urn:orders#GetItems"/);
  });

  it("ends with soap_fault giving the fault's code, string and detail", async () => {
    const r = await call("Orders", "Fail", { text: "x" });
    expect(r.error?.code).toBe("soap_fault");
    expect(r.error?.status).toBe(502);
    expect(r.error?.message).toMatch(
      /^Transaction Orders\.Fail: Fail at http:\/\/127\.0\.0\.1:\d+\/orders answered a SOAP fault: soap:Client: Order refused$/,
    );
    expect(r.error?.details).toMatchObject({
      faultcode: "soap:Client",
      faultstring: "Order refused",
      detail: { reason: "out of stock", code: "42" },
    });
  });

  it("reads a fault of a SOAP 1.2 port", async () => {
    const r = await call("Orders", "Fail12", { text: "x" });
    expect(r.error?.code).toBe("soap_fault");
    expect(r.error?.message).toMatch(/answered a SOAP fault: soap:Sender \(tns:OutOfStock\): Order refused$/);
    expect(r.error?.details).toMatchObject({ faultcode: "soap:Sender (tns:OutOfStock)", faultstring: "Order refused" });
    expect(server.seen.at(-1)?.path).toBe("/orders12");
  });

  it("sends a WS-Security UsernameToken made of secret settings, never traced", async () => {
    const r = await call("WsSecured", "Secure", { text: "hi" });
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual({ text: "hi", user: USER });
    expect(JSON.stringify(r.trace)).not.toContain(PASSWORD);
    // Without the token the service refuses.
    const refused = await call("Orders", "Secure", { text: "hi" });
    expect(refused.error?.code).toBe("soap_fault");
    expect(refused.error?.message).toContain("Not authenticated");
  });

  it("sends HTTP Basic authentication made of secret settings, never traced", async () => {
    const r = await call("BasicSecured", "Protected", { text: "hi" });
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual({ text: "hi", user: USER });
    expect(JSON.stringify(r.trace)).not.toContain(PASSWORD);
    expect(JSON.stringify(r.trace)).not.toContain(Buffer.from(`${USER}:${PASSWORD}`).toString("base64"));
    const refused = await call("Orders", "Protected", { text: "hi" });
    expect(refused.error?.message).toContain("Basic authentication required");
  });

  it("names the operation and the ones the WSDL has when it has not this one", async () => {
    const r = await call("Orders", "Missing", { text: "x" });
    expect(r.error?.code).toBe("soap_operation");
    expect(r.error?.message).toContain(
      "Transaction Orders.Missing: the WSDL wsdl/orders.wsdl has no operation NoSuchOperation",
    );
    expect(r.error?.message).toContain("OrdersService/OrdersPort/GetItems");
  });

  it("names the URL when the endpoint does not answer", async () => {
    const r = await call("Down", "Fail", { text: "x" });
    expect(r.error?.code).toBe("soap_request_failed");
    expect(r.error?.message).toMatch(
      /^Transaction Down\.Fail: Fail at http:\/\/127\.0\.0\.1:\d+\/orders failed: connection refused/,
    );
    expect(r.error?.status).toBe(502);
  });

  it("ends a call at the connector's time limit", async () => {
    const started = Date.now();
    const r = await call("Slow", "Slow", { text: "x" });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.error?.code).toBe("soap_request_failed");
    expect(r.error?.message).toMatch(
      /Slow at http:\/\/127\.0\.0\.1:\d+\/orders failed: no complete answer within 500 ms$/,
    );
  });

  it("names the WSDL file that cannot be read", async () => {
    const r = await call("Broken", "Fail", { text: "x" });
    expect(r.error?.code).toBe("soap_wsdl");
    expect(r.error?.message).toMatch(
      /^Transaction Broken\.Fail: the WSDL wsdl\/broken\.wsdl cannot be read: Unexpected close tag at line \d+, column \d+/,
    );
  });

  it("reads no WSDL file outside the project folder, by path or by link", async () => {
    // Written in the project, the path is refused by the connector's check before any run...
    expect((await call("Escape", "Fail", { text: "x" })).error?.code).toBe("invalid_object");
    // ...and given by a setting, by the SOAP client itself.
    const r = await call("EscapeBySetting", "Fail", { text: "x" });
    expect(r.error?.code).toBe("invalid_wsdl_path");
    expect(r.error?.status).toBe(403);
    const linked = await call("Linked", "Fail", { text: "x" });
    expect(linked.error?.code).toBe("invalid_wsdl_path");
  });

  it("reads a WSDL from a URL once, and again after the project reloads", async () => {
    const fetches = () => server.gets.filter((g) => g === "/orders.wsdl").length;
    const before = fetches();
    expect((await call("ByUrl", "GetItems", { category: "c", limit: 1 })).output).toMatchObject({ count: 1 });
    expect((await call("ByUrl", "GetItems", { category: "c", limit: 2 })).output).toMatchObject({ count: 2 });
    expect(fetches()).toBe(before + 1);
    await ws.engine.workspace.reload("P");
    expect((await call("ByUrl", "GetItems", { category: "c", limit: 1 })).output).toMatchObject({ count: 1 });
    expect(fetches()).toBe(before + 2);
  });

  it("refuses an import from a host the connector may not call", async () => {
    const r = await call("Evil", "GetItems", { category: "c", limit: 1 });
    expect(r.error?.code).toBe("host_not_allowed");
    expect(r.error?.message).toContain("169.254.169.254:80");
    expect(server.gets.some((g) => g.includes("latest"))).toBe(false);
  });

  it("names the WSDL URL that does not answer", async () => {
    const r = await call("Unreachable", "GetItems", { category: "c", limit: 1 });
    expect(r.error?.code).toBe("soap_wsdl");
    expect(r.error?.message).toMatch(
      /^Transaction Unreachable\.GetItems: the WSDL http:\/\/127\.0\.0\.1:\d+\/orders\.wsdl cannot be read: connection refused/,
    );
  });

  it("reads a WSDL URL with the connector's Basic authentication", async () => {
    const r = await call("PrivateWsdl", "Protected", { text: "hi" });
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual({ text: "hi", user: USER });
    const refused = await call("PrivateWsdlNoAuth", "Protected", { text: "hi" });
    expect(refused.error?.code).toBe("soap_wsdl");
    expect(refused.error?.message).toMatch(/the WSDL http:\/\/127\.0\.0\.1:\d+\/private\.wsdl answered HTTP 401$/);
  });

  it("refuses a WSDL larger than its bound", async () => {
    const r = await call("Big", "GetItems", { category: "c", limit: 1 });
    expect(r.error?.code).toBe("soap_wsdl");
    expect(r.error?.message).toContain("larger than 5 MiB");
  });
});

describe("transactions made from a WSDL", () => {
  it("makes one SoapTransaction per operation with its typed inputs", async () => {
    const soap = ws.engine.services.soap!;
    const ops = await soap.operations({
      project: "P",
      connectorId: "gen",
      connectorName: "Orders",
      wsdl: "wsdl/orders.wsdl",
      allowedHosts: "",
      timeoutMs: 3000,
      tlsVerify: true,
    });
    expect(ops.find((o) => o.port === "OrdersPort12")?.soapVersion).toBe("1.2");
    const nodes = soapTransactionNodes(ops, ["Fail"]);
    expect(nodes.map((n) => n.name)).toEqual(["GetItems", "Secure", "Protected", "Slow"]);
    expect(nodes[0]).toEqual({
      type: "SoapTransaction",
      name: "GetItems",
      props: { operation: "GetItems", service: "OrdersService", port: "OrdersPort" },
      children: [
        expect.objectContaining({
          type: "Variable",
          name: "category",
          props: expect.not.objectContaining({ dataType: expect.anything() }),
        }),
        expect.objectContaining({ name: "limit", props: expect.objectContaining({ dataType: "integer" }) }),
        expect.objectContaining({ name: "onlyInStock", props: expect.objectContaining({ dataType: "boolean" }) }),
        expect.objectContaining({ name: "code", props: expect.objectContaining({ multiValued: true }) }),
      ],
    });
  });
});

// A server that is not SOAP, for the answer-reading errors.
describe("SOAP answers that are not SOAP", () => {
  let plain: http.Server;
  let pws: TestWorkspace;
  beforeAll(async () => {
    plain = http.createServer((req, res) => {
      if (req.url === "/huge") {
        // A SOAP answer beyond the bound, never ending in time: the bound must end it while reading.
        res.writeHead(200, { "content-type": "text/xml" });
        res.on("error", () => {});
        const chunk = Buffer.alloc(1024 * 1024, 32);
        let sent = 0;
        const write = () => {
          while (sent++ < 25) if (!res.write(chunk)) return void res.once("drain", write);
          res.end();
        };
        return write();
      }
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html><body>maintenance</body></html>");
    });
    await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
    const port = (plain.address() as AddressInfo).port;
    pws = await testWorkspace({
      connectors: [
        {
          type: "SoapConnector",
          name: "Html",
          wsdl: "orders.wsdl",
          endpoint: `http://127.0.0.1:${port}/x`,
          children: [getItems()],
        },
        {
          type: "SoapConnector",
          name: "Huge",
          wsdl: "orders.wsdl",
          endpoint: `http://127.0.0.1:${port}/huge`,
          timeoutMs: 20000,
          children: [getItems()],
        },
      ],
    });
    await writeFile(path.join(pws.dir, "P", "orders.wsdl"), server.wsdl);
  });
  afterAll(async () => {
    await pws?.close();
    plain?.closeAllConnections();
    await new Promise((resolve) => plain?.close(resolve));
  });

  it("ends an answer larger than its bound", async () => {
    const r = await pws.run({ connector: "Huge", transaction: "GetItems", inputs: { category: "c", limit: 1 } });
    expect(r.error?.code).toBe("soap_request_failed");
    expect(r.error?.message).toMatch(
      /GetItems at http:\/\/127\.0\.0\.1:\d+\/huge failed: the answer is larger than 20 MiB$/,
    );
  });

  it("says the answer is no SOAP envelope", async () => {
    const r = await pws.run({ connector: "Html", transaction: "GetItems", inputs: { category: "c", limit: 1 } });
    expect(r.error?.code).toBe("soap_answer");
    expect(r.error?.message).toMatch(
      /^Transaction Html\.GetItems: GetItems at http:\/\/127\.0\.0\.1:\d+\/x answered something that is no SOAP envelope \(HTTP 200, text\/html\)$/,
    );
  });
});
