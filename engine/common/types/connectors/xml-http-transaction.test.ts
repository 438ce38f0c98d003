import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testWorkspace, type TestWorkspace } from "../../../node/testing/harness.ts";
import { startUpstream, type Upstream } from "../../../node/testing/upstream.ts";

const xml = (res: import("node:http").ServerResponse, status: number, body: string) => {
  res.writeHead(status, { "content-type": "application/xml" });
  res.end(body);
};

const SOAP = (body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;

let upstream: Upstream;
let ws: TestWorkspace;
beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    const url = new URL(req.url, "http://x");
    if (url.pathname === "/") {
      return xml(
        res,
        200,
        `<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>bcaf1ffd86f4</ID></Owner><Buckets><Bucket><Name>quotes</Name></Bucket></Buckets></ListAllMyBucketsResult>`,
      );
    }
    if (url.pathname === "/missing-bucket") {
      return xml(
        res,
        404,
        `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>`,
      );
    }
    if (url.pathname === "/soap") {
      if (req.body.includes("<urn:username>bad</urn:username>")) {
        return xml(
          res,
          500,
          SOAP(
            `<soapenv:Fault><faultcode>INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN: Invalid username, password, security token; or user locked out.</faultstring></soapenv:Fault>`,
          ),
        );
      }
      return xml(
        res,
        200,
        SOAP(
          `<loginResponse><result><serverUrl>https://eu1.salesforce.com/services/Soap/u/60.0</serverUrl><sessionId>00D!AQ</sessionId></result></loginResponse>`,
        ),
      );
    }
    if (url.pathname === "/html") {
      res.writeHead(200, { "content-type": "text/html" });
      return void res.end("<html><body>oops<br></body></html>");
    }
    if (url.pathname === "/huge") {
      return xml(res, 200, `<r>${"<i/>".repeat(600_000)}</r>`);
    }
    xml(res, 200, "<empty/>");
  });
  const login = (name: string, extra: Record<string, unknown>) => ({
    type: "XmlHttpTransaction",
    name,
    verb: "POST",
    path: "/soap",
    bodyEncoding: "xml",
    headers: { "Content-Type": "text/xml", SOAPAction: "login" },
    body: `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:partner.soap.sforce.com"><soapenv:Body><urn:login><urn:username>{username}</urn:username><urn:password>{password}</urn:password></urn:login></soapenv:Body></soapenv:Envelope>`,
    ...extra,
    children: [
      { type: "Variable", name: "username", httpUse: "none" },
      { type: "Variable", name: "password", httpUse: "none" },
    ],
  });
  ws = await testWorkspace({
    connectors: [
      {
        type: "HttpConnector",
        name: "S3",
        server: "127.0.0.1",
        port: upstream.port,
        children: [
          { type: "XmlHttpTransaction", name: "listBuckets", path: "/" },
          { type: "XmlHttpTransaction", name: "missing", path: "/missing-bucket", errorStatus: "answer" },
          { type: "XmlHttpTransaction", name: "missingFails", path: "/missing-bucket" },
          login("login", { ignoreSoapEnvelope: true, errorOnSoapFault: false, errorStatus: "answer" }),
          login("loginStrict", { ignoreSoapEnvelope: true }),
          login("loginEnvelope", {}),
          login("loginFault", { ignoreSoapEnvelope: true, errorStatus: "answer" }),
          { type: "XmlHttpTransaction", name: "html", path: "/html" },
          { type: "XmlHttpTransaction", name: "huge", path: "/huge" },
        ],
      },
    ],
  });
});
afterAll(async () => {
  await ws?.close();
  await upstream?.close();
});

const call = (transaction: string, inputs: Record<string, unknown> = {}) =>
  ws.run({ connector: "S3", transaction, inputs });

describe("XML HTTP transaction", () => {
  it("answers the root element under its name (Convertigo's document/ListAllMyBucketsResult)", async () => {
    const r = await call("listBuckets");
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual({
      ListAllMyBucketsResult: { Owner: { ID: "bcaf1ffd86f4" }, Buckets: { Bucket: { Name: "quotes" } } },
    });
    expect(upstream.requests.at(-1)?.headers.accept).toMatch(/^application\/xml/);
  });

  it("reads an error answer's XML when errorStatus is answer (lib_s3 tests document/Error/Code)", async () => {
    const r = await call("missing");
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual({
      Error: {
        Code: "NoSuchBucket",
        Message: "The specified bucket does not exist",
        RequestId: "4442587FB7D0A2F9",
      },
    });
    const strict = await call("missingFails");
    expect(strict.error).toMatchObject({ code: "http_status" });
  });

  it("sends an XML body template and answers the SOAP body's elements (lib_Salesforce's login)", async () => {
    const r = await call("login", { username: "ada@example.com", password: "p<&>" });
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual({
      loginResponse: {
        result: { serverUrl: "https://eu1.salesforce.com/services/Soap/u/60.0", sessionId: "00D!AQ" },
      },
    });
    const sent = upstream.requests.at(-1)!;
    expect(sent.headers["content-type"]).toBe("text/xml");
    expect(sent.headers.soapaction).toBe("login");
    expect(sent.body).toContain(
      "<urn:username>ada@example.com</urn:username><urn:password>p&lt;&amp;&gt;</urn:password>",
    );
  });

  it("answers a SOAP Fault as an element, or fails with its faultstring (errorOnSoapFault)", async () => {
    const kept = await call("login", { username: "bad", password: "x" });
    expect(kept.error).toBeUndefined();
    expect(kept.output).toEqual({
      Fault: {
        faultcode: "INVALID_LOGIN",
        faultstring: "INVALID_LOGIN: Invalid username, password, security token; or user locked out.",
      },
    });
    const strict = await call("loginStrict", { username: "bad", password: "x" });
    // Without errorStatus answer, the HTTP 500 ends the call first.
    expect(strict.error).toMatchObject({ code: "http_status" });
    const fault = await call("loginFault", { username: "bad", password: "x" });
    expect(fault.error).toMatchObject({
      code: "soap_fault",
      message:
        "Transaction S3.loginFault: the Web Service returned a SOAP Fault: INVALID_LOGIN: Invalid username, password, security token; or user locked out.",
    });
  });

  it("keeps the envelope unless told to ignore it", async () => {
    const r = await call("loginEnvelope", { username: "ada", password: "x" });
    expect(r.output).toMatchObject({ Envelope: { Body: { loginResponse: { result: { sessionId: "00D!AQ" } } } } });
  });

  it("refuses an answer that is not XML, and one too large to read, naming the transaction", async () => {
    const html = await call("html");
    expect(html.error).toMatchObject({ code: "http_not_xml" });
    expect(html.error?.message).toMatch(
      /^Transaction S3\.html: GET http:\/\/127\.0\.0\.1:\d+\/html answered something that is not XML \(text\/html\): <\/body> closes <br>/,
    );
    const huge = await call("huge");
    expect(huge.error).toMatchObject({ code: "http_xml_too_large" });
    expect(huge.error?.message).toContain("more than 500000 elements");
  });
});
