import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ObjNode } from "../../common/model/node.ts";
import { Engine } from "../engine.ts";
import { EngineLog } from "../log.ts";
import { loadProject } from "../project/project-files.ts";
import { c8oSourceLines } from "../testing/c8o-snippets.ts";
import { sendJson, startUpstream, type RecordedRequest, type Upstream } from "../testing/upstream.ts";
import { importConvertigo, type ImportSummary } from "./import.ts";

/*
 * Convertigo's HTTP transactions as real projects write them (the lines below are copied from
 * the public projects lib_OAuth, lib_s3 and lib_Salesforce, only the server pointed at a local
 * one), imported, then run against a real HTTP server on 127.0.0.1.
 */

const tmpRoots: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), "c8o-http-"));
  tmpRoots.push(d);
  return d;
}

async function writeProject(files: Record<string, string>): Promise<string> {
  const dir = path.join(await tempDir(), "src");
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), text);
  }
  return dir;
}

function projectYaml(name: string, connectors: string[]): string {
  return [
    "↑convertigo: 8.0.0.m006",
    `↓${name} [core.Project]: `,
    ...connectors.map((c) => `  ↓${c} [connectors.HttpConnector]: 🗏 connectors/${c}.yaml`),
    "",
  ].join("\n");
}

interface Imported {
  summary: ImportSummary;
  engine: Engine;
  node(connector: string, transaction: string): ObjNode;
}

async function importAndOpen(files: Record<string, string>, settings?: Record<string, string>): Promise<Imported> {
  const ws = await tempDir();
  const summary = await importConvertigo(await writeProject(files), ws, { env: {} });
  const project = await loadProject(summary.projectDir);
  const engine = await Engine.open({
    workspaceDir: ws,
    projectDirs: [summary.projectDir],
    env: {},
    settings,
    log: new EngineLog({ level: "error" }),
  });
  return {
    summary,
    engine,
    node: (c, t) => {
      const conn = project.root.children.find((n) => n.name === c);
      const tx = conn?.children.find((n) => n.name === t);
      if (!tx) throw new Error(`no ${c}.${t}`);
      return tx;
    },
  };
}

let upstream: Upstream;
let handler: (req: RecordedRequest, res: import("node:http").ServerResponse) => void = () => {};
const engines: Engine[] = [];
beforeAll(async () => {
  upstream = await startUpstream((req, res) => handler(req, res));
});
afterAll(async () => {
  for (const e of engines) await e.close();
  await upstream?.close();
  // The imported projects' folders go with the run.
  await Promise.all(tmpRoots.map((d) => rm(d, { recursive: true, force: true })));
});

describe("JSON HTTP transactions: POST variables", () => {
  it("lib_OAuth GoogleOAuth.GetToken sends its POST variables form-encoded, as Convertigo does", async () => {
    const imp = await importAndOpen({
      "c8oProject.yaml": projectYaml("lib_OAuth", ["GoogleOAuth"]),
      "_c8oProject/connectors/GoogleOAuth.yaml": [
        `port: ${upstream.port}`,
        "server: 127.0.0.1",
        "↓Default_transaction [transactions.HttpTransaction]: ",
        "  ↑default: true",
        "  accessibility: Public",
        "↓GetToken [transactions.JsonHttpTransaction]: ",
        "  accessibility: Public",
        "  httpVerb: POST",
        "  ↓code [variables.RequestableHttpVariable-1572732527246]: ",
        "    httpMethod: POST",
        "    httpName: code",
        "  ↓client_id [variables.RequestableHttpVariable-1572732553353]: ",
        "    httpMethod: POST",
        "    httpName: client_id",
        "  ↓client_secret [variables.RequestableHttpVariable-1572732579645]: ",
        "    httpMethod: POST",
        "    httpName: client_secret",
        "  ↓redirect_uri [variables.RequestableHttpVariable-1572732602768]: ",
        "    httpMethod: POST",
        "    httpName: redirect_uri",
        "  ↓grant_type [variables.RequestableHttpVariable-1572732625132]: ",
        "    httpMethod: POST",
        "    httpName: grant_type",
        "    value: authorization_code",
        "",
      ].join("\n"),
    });
    engines.push(imp.engine);
    expect(imp.summary.warnings.join("\n")).not.toMatch(/POST variables/);
    expect(imp.node("GoogleOAuth", "GetToken").props).toMatchObject({ verb: "POST", bodyEncoding: "form" });

    handler = (_req, res) => sendJson(res, 200, { access_token: "ya29.a0", token_type: "Bearer" });
    const r = await imp.engine.run({
      project: "lib_OAuth",
      connector: "GoogleOAuth",
      transaction: "GetToken",
      inputs: {
        code: "4/0AX4XfW",
        client_id: "123.apps.googleusercontent.com",
        client_secret: "s+cr/t",
        redirect_uri: "http://localhost:18080/cb",
      },
    });
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual({ access_token: "ya29.a0", token_type: "Bearer" });
    const got = upstream.requests.at(-1)!;
    expect(got.method).toBe("POST");
    expect(got.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(got.body).toBe(
      "code=4%2F0AX4XfW&client_id=123.apps.googleusercontent.com&client_secret=s%2Bcr%2Ft&redirect_uri=http%3A%2F%2Flocalhost%3A18080%2Fcb&grant_type=authorization_code",
    );
  });
});

const sourceLines = c8oSourceLines;

describe("variables without an HTTP name", () => {
  it("lib_FranceConnect GetToken: POST variables without httpName are not sent (Convertigo skips them), and said so", async () => {
    const imp = await importAndOpen({
      "c8oProject.yaml": projectYaml("lib_FranceConnect", ["FranceConnect"]),
      "_c8oProject/connectors/FranceConnect.yaml": [
        "https: false",
        `port: ${upstream.port}`,
        "server: 127.0.0.1",
        "↓GetToken [transactions.JsonHttpTransaction]: ",
        "  ↑default: true",
        "  httpVerb: POST",
        "  subDir: api/v1/token",
        "  ↓grant_type [variables.RequestableHttpVariable-1708445246268]: ",
        "    httpMethod: POST",
        "    value: authorization_code",
        "  ↓code [variables.RequestableHttpVariable-1708445246276]: ",
        "    httpMethod: POST",
        "",
      ].join("\n"),
    });
    engines.push(imp.engine);
    const warned = imp.summary.warnings.filter((w) => /httpName\) is empty/.test(w));
    expect(warned).toHaveLength(2);
    expect(warned[0]).toMatch(
      /grant_type \(variables\.RequestableHttpVariable\): its HTTP name \(httpName\) is empty: Convertigo did not send it/,
    );
    handler = (_req, res) => sendJson(res, 200, { error: "invalid_request" });
    const r = await imp.engine.run({
      project: "lib_FranceConnect",
      connector: "FranceConnect",
      inputs: { code: "abc" },
    });
    expect(r.output).toEqual({ error: "invalid_request" });
    const sent = upstream.requests.at(-1)!;
    expect(sent.url).toBe("/api/v1/token");
    expect(sent.body).toBe("");
  });
});

describe("XML HTTP transactions", () => {
  // lib_s3's AmazonS3.listBuckets and its sequence's reading of the answer (signing left out).
  const s3Files = () => ({
    "c8oProject.yaml": [
      "↑convertigo: 8.0.0.m006",
      "↓lib_s3 [core.Project]: ",
      "  ↓AmazonS3 [connectors.HttpConnector]: 🗏 connectors/AmazonS3.yaml",
      "  ↓listBuckets [sequences.GenericSequence]: 🗏 sequences/listBuckets.yaml",
      "",
    ].join("\n"),
    "_c8oProject/connectors/AmazonS3.yaml": [
      "↑default: true",
      `port: ${upstream.port}`,
      "server: 127.0.0.1",
      "trustAllServerCertificates: false",
      "↓listBuckets [transactions.XmlHttpTransaction]: ",
      "  comment: HTTP Transaction to list all S3 buckets accessible with configured AWS credentials. Uses GET method on S3 API root. Returns complete list of available buckets for the AWS account.",
      "  subDir: /",
      "  ↓__header_Authorization [variables.RequestableHttpVariable-1781599463767]: ",
      "    cachedKey: false",
      "    httpName: Authorization",
      "  ↓__header_x_amz_date [variables.RequestableHttpVariable-1781599472486]: ",
      "    cachedKey: false",
      "    httpName: x-amz-date",
      "↓listObjects [transactions.XmlHttpTransaction]: ",
      "  subDir: '{bucketName}?list-type=2'",
      "  ↓bucketName [variables.RequestableHttpVariable-1781613400007]: ",
      "    cachedKey: false",
      "  ↓prefix [variables.RequestableHttpVariable-1781599508445]: ",
      "    httpName: prefix",
      "  ↓maxKeys [variables.RequestableHttpVariable-1781599508464]: ",
      "    httpName: max-keys",
      "",
    ].join("\n"),
    "_c8oProject/sequences/listBuckets.yaml": [
      "accessibility: Public",
      "↓callListBuckets [steps.TransactionStep-1781586708510]: ",
      "  sourceTransaction: lib_s3.AmazonS3.listBuckets",
      "  ↓__header_Authorization [variables.StepVariable-1781599631538]: ",
      "    value: AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/s3/aws4_request",
      "  ↓__header_x_amz_date [variables.StepVariable-1781599631540]: ",
      "    value: 20260101T000000Z",
      "↓code [steps.XMLElementStep-1781712405432]: ",
      "  nodeName: code",
      "  sourceDefinition: ",
      ...sourceLines("    ", "1781586708510", "./document/Error/Code/text()"),
      "↓owner [steps.XMLElementStep-1781712405449]: ",
      "  nodeName: owner",
      "  sourceDefinition: ",
      ...sourceLines("    ", "1781586708510", "./document/ListAllMyBucketsResult/Owner/ID/text()"),
      "",
    ].join("\n"),
  });

  it("lib_s3: imported natively, headers and path variables sent, the XML read where the sources look", async () => {
    const imp = await importAndOpen(s3Files());
    engines.push(imp.engine);
    expect(imp.summary.foreignByClass).toEqual({});
    expect(imp.node("AmazonS3", "listBuckets").type).toBe("XmlHttpTransaction");

    let answer = { status: 200, xml: "" };
    handler = (_req, res) => {
      res.writeHead(answer.status, { "content-type": "application/xml" });
      res.end(answer.xml);
    };
    answer = {
      status: 200,
      xml: `<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>bcaf1ffd86f4</ID><DisplayName>webfile</DisplayName></Owner><Buckets><Bucket><Name>quotes</Name></Bucket></Buckets></ListAllMyBucketsResult>`,
    };
    const ok = await imp.engine.run({ project: "lib_s3", sequence: "listBuckets", inputs: {} });
    expect(ok.error).toBeUndefined();
    expect(ok.output).toMatchObject({ owner: "bcaf1ffd86f4" });
    const sent = upstream.requests.at(-1)!;
    expect(sent.url).toBe("/");
    expect(sent.headers.authorization).toBe("AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/s3/aws4_request");
    expect(sent.headers["x-amz-date"]).toBe("20260101T000000Z");

    // S3 answers errors with a 4xx and an <Error>: read, as Convertigo does, for the sequence to test.
    answer = {
      status: 403,
      xml: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>`,
    };
    const denied = await imp.engine.run({ project: "lib_s3", sequence: "listBuckets", inputs: {} });
    expect(denied.error).toBeUndefined();
    expect(denied.output).toMatchObject({ code: "SignatureDoesNotMatch" });

    // A variable of the path is not also sent in the query (Convertigo's path variables).
    answer = { status: 200, xml: "<ListBucketResult><Name>quotes</Name></ListBucketResult>" };
    const listed = await imp.engine.run({
      project: "lib_s3",
      connector: "AmazonS3",
      transaction: "listObjects",
      inputs: { bucketName: "quotes", prefix: "2026/", maxKeys: "10" },
    });
    expect(listed.output).toEqual({ ListBucketResult: { Name: "quotes" } });
    expect(upstream.requests.at(-1)!.url).toBe("/quotes?list-type=2&prefix=2026%2F&max-keys=10");
  });

  it("lib_Salesforce: the SOAP request template becomes the body, the SOAP body's elements the answer", async () => {
    const template = [
      '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:partner.soap.sforce.com">',
      "   <soapenv:Header>",
      "      <urn:SessionHeader>",
      "         <!--type: {http://www.w3.org/2001/XMLSchema}string-->",
      "         <urn:sessionId>$(HEADER_SESSIONHEADER_SESSIONID)</urn:sessionId>",
      "      </urn:SessionHeader>",
      "      <urn:QueryOptions>",
      "         <urn:batchSize>$(HEADER_QUERYOPTIONS_BATCHSIZE)</urn:batchSize>",
      "      </urn:QueryOptions>",
      "   </soapenv:Header>",
      "   <soapenv:Body>",
      "      <urn:query>",
      "         <urn:queryString>$(BODY_QUERY_QUERYSTRING)</urn:queryString>",
      "      </urn:query>",
      "   </soapenv:Body>",
      "</soapenv:Envelope>",
    ].join("\n");
    const param = (name: string, value: string) => [
      "        - xmlizable: ",
      "          - ↑classname: com.twinsoft.convertigo.beans.common.XMLVector",
      "          - com.twinsoft.convertigo.beans.common.XMLVector: ",
      "            - java.lang.String: ",
      `              - ↑value: ${name}`,
      "            - java.lang.String: ",
      `              - ↑value: ${value}`,
    ];
    const imp = await importAndOpen({
      "c8oProject.yaml": projectYaml("lib_Salesforce", ["SoapBinding"]),
      "soap-templates/SoapBinding/Cquery.xml": template,
      "_c8oProject/connectors/SoapBinding.yaml": [
        "↑default: true",
        `port: ${upstream.port}`,
        "server: 127.0.0.1",
        "↓Cquery [transactions.XmlHttpTransaction]: ",
        "  accessibility: Public",
        "  errorOnSoapFault: false",
        "  httpParameters: ",
        "    - xmlizable: ",
        "      - ↑classname: com.twinsoft.convertigo.beans.common.XMLVector",
        "      - com.twinsoft.convertigo.beans.common.XMLVector: ",
        ...param("Content-Type", "text/xml"),
        ...param("Host", "login.salesforce.com"),
        ...param("SOAPAction", "query"),
        "  httpVerb: POST",
        "  ignoreSoapEnveloppe: true",
        "  requestTemplate: /soap-templates/SoapBinding/Cquery.xml",
        "  xmlEncoding: UTF-8",
        "  ↓Header_QueryOptions_batchSize [variables.RequestableHttpVariable-1399555245004]: ",
        "    description: Header_QueryOptions_batchSize",
        "    httpMethod: POST",
        "    httpName: HEADER_QUERYOPTIONS_BATCHSIZE",
        "  ↓Header_SessionHeader_sessionId [variables.RequestableHttpVariable-1399555245018]: ",
        "    description: Header_SessionHeader_sessionId",
        "    httpMethod: POST",
        "    httpName: HEADER_SESSIONHEADER_SESSIONID",
        "  ↓Body_query_queryString [variables.RequestableHttpVariable-1399555245020]: ",
        "    description: Body_query_queryString",
        "    httpMethod: POST",
        "    httpName: BODY_QUERY_QUERYSTRING",
        "",
      ].join("\n"),
    });
    engines.push(imp.engine);
    expect(imp.summary.foreignByClass).toEqual({});
    expect(imp.summary.warnings).toEqual([]);
    expect(imp.node("SoapBinding", "Cquery").props).toMatchObject({
      bodyEncoding: "xml",
      ignoreSoapEnvelope: true,
      errorOnSoapFault: false,
      headers: { "Content-Type": "text/xml", SOAPAction: "query" },
    });

    handler = (_req, res) => {
      res.writeHead(200, { "content-type": "text/xml; charset=utf-8" });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:sf="urn:sobject.partner.soap.sforce.com"><soapenv:Body><queryResponse><result xsi:type="QueryResult"><done>true</done><queryLocator xsi:nil="true"/><records xsi:type="sf:sObject"><sf:type>Account</sf:type><sf:Id>001xx000003DGb2AAG</sf:Id><sf:Name>Acme</sf:Name></records><size>1</size></result></queryResponse></soapenv:Body></soapenv:Envelope>`,
      );
    };
    const r = await imp.engine.run({
      project: "lib_Salesforce",
      connector: "SoapBinding",
      transaction: "Cquery",
      inputs: {
        Header_SessionHeader_sessionId: "00D!AQ",
        Body_query_queryString: "SELECT Id, Name FROM Account WHERE Name < 'B'",
      },
    });
    expect(r.error).toBeUndefined();
    // Where lib_Salesforce's query sequence reads: ./document/queryResponse/result/records, size, done.
    expect(r.output).toEqual({
      queryResponse: {
        result: {
          "xsi:type": "QueryResult",
          done: "true",
          queryLocator: null,
          records: { "xsi:type": "sf:sObject", type: "Account", Id: "001xx000003DGb2AAG", Name: "Acme" },
          size: "1",
        },
      },
    });
    const sent = upstream.requests.at(-1)!;
    expect(sent.headers.soapaction).toBe("query");
    expect(sent.headers.host).toBe(`127.0.0.1:${upstream.port}`);
    // The batch size has no value: its element is left out, as Convertigo does.
    expect(sent.body).toContain("<urn:QueryOptions>\n         \n      </urn:QueryOptions>");
    expect(sent.body).toContain("<urn:sessionId>00D!AQ</urn:sessionId>");
    expect(sent.body).toContain(
      "<urn:queryString>SELECT Id, Name FROM Account WHERE Name &lt; &apos;B&apos;</urn:queryString>",
    );
  });
});

describe("request templates", () => {
  it("are read only inside the project's folder: a link to a file outside is not followed", async () => {
    const outside = path.join(await tempDir(), "secret.xml");
    await writeFile(outside, "<secret>do not import</secret>");
    const src = await writeProject({
      "c8oProject.yaml": projectYaml("Linked", ["Soap"]),
      "_c8oProject/connectors/Soap.yaml": [
        "↑default: true",
        "server: 127.0.0.1",
        "↓Call [transactions.XmlHttpTransaction]: ",
        "  httpParameters: ",
        "    - xmlizable: ",
        "      - ↑classname: com.twinsoft.convertigo.beans.common.XMLVector",
        "      - com.twinsoft.convertigo.beans.common.XMLVector: ",
        "        - xmlizable: ",
        "          - ↑classname: com.twinsoft.convertigo.beans.common.XMLVector",
        "          - com.twinsoft.convertigo.beans.common.XMLVector: ",
        "            - java.lang.String: ",
        "              - ↑value: Content-Type",
        "            - java.lang.String: ",
        "              - ↑value: text/xml",
        "  httpVerb: POST",
        "  requestTemplate: /templates/Call.xml",
        "  ↓q [variables.RequestableHttpVariable-1]: ",
        "    httpMethod: POST",
        "    httpName: Q",
        "",
      ].join("\n"),
    });
    await mkdir(path.join(src, "templates"));
    await symlink(outside, path.join(src, "templates", "Call.xml"));
    const summary = await importConvertigo(src, await tempDir(), { env: {} });
    expect(summary.warnings.join("\n")).toContain(
      "its request template /templates/Call.xml could not be read (it is outside the project's folder)",
    );
    const project = await loadProject(summary.projectDir);
    expect(JSON.stringify(project.root)).not.toContain("do not import");
  });
});

describe("HTTP transactions answered as text (Convertigo's HttpTransaction)", () => {
  it("lib_s3 putTags: PUT of a raw __body with its __contentType, the answer kept as text", async () => {
    const imp = await importAndOpen({
      "c8oProject.yaml": projectYaml("lib_s3", ["AmazonS3"]),
      "_c8oProject/connectors/AmazonS3.yaml": [
        "↑default: true",
        `port: ${upstream.port}`,
        "server: 127.0.0.1",
        "↓putTags [transactions.HttpTransaction-1782810276650]: ",
        "  comment: HTTP Transaction to put tag to an object to S3 bucket. Uses PUT method with /bucket/object path.",
        "  httpVerb: PUT",
        "  subDir: '{bucketName}/{objectKey}?tagging'",
        "  ↓bucketName [variables.RequestableHttpVariable-1782810332310]: ",
        "  ↓objectKey [variables.RequestableHttpVariable-1782810332312]: ",
        "  ↓__header_x_amz_date [variables.RequestableHttpVariable-1782810389459]: ",
        "    cachedKey: false",
        "    httpName: x-amz-date",
        "  ↓__contentType [variables.RequestableHttpVariable-1782810389471]: ",
        "    cachedKey: false",
        "    httpMethod: POST",
        "    httpName: __contentType",
        "    value: application/xml",
        "  ↓__body [variables.RequestableHttpVariable-1782810389474]: ",
        "    httpMethod: POST",
        "",
      ].join("\n"),
    });
    engines.push(imp.engine);
    expect(imp.summary.foreignByClass).toEqual({});
    expect(imp.node("AmazonS3", "putTags")).toMatchObject({
      type: "TextHttpTransaction",
      props: { verb: "PUT", bodyEncoding: "text", body: "{__body}" },
    });
    handler = (_req, res) => {
      res.writeHead(200, { "x-amz-request-id": "4442587FB7D0A2F9" });
      res.end();
    };
    const tagging =
      '<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>env</Key><Value>prod</Value></Tag></TagSet></Tagging>';
    const r = await imp.engine.run({
      project: "lib_s3",
      connector: "AmazonS3",
      transaction: "putTags",
      inputs: {
        bucketName: "quotes",
        objectKey: "2026/report.pdf",
        __header_x_amz_date: "20260101T000000Z",
        __body: tagging,
      },
    });
    expect(r.error).toBeUndefined();
    expect(r.output).toBe("");
    const sent = upstream.requests.at(-1)!;
    expect(sent.method).toBe("PUT");
    // As Convertigo does, the key's "/" separates path segments (S3 signs that path).
    expect(sent.url).toBe("/quotes/2026/report.pdf?tagging");
    // A value never moves the request out of the path: no dot segment.
    const before = upstream.requests.length;
    const moved = await imp.engine.run({
      project: "lib_s3",
      connector: "AmazonS3",
      transaction: "putTags",
      inputs: { bucketName: "quotes", objectKey: "../other-bucket/x", __body: "<Tagging/>" },
    });
    expect(moved.error).toMatchObject({ code: "invalid_path_variable", status: 400 });
    expect(upstream.requests.length).toBe(before);
    expect(sent.headers["content-type"]).toBe("application/xml");
    expect(sent.headers["x-amz-date"]).toBe("20260101T000000Z");
    expect(sent.body).toBe(tagging);
  });

  it("lib_OAuth MicrosoftGraphApi.default: a GET whose answer is the text", async () => {
    const imp = await importAndOpen({
      "c8oProject.yaml": projectYaml("lib_OAuth", ["MicrosoftGraphApi"]),
      "_c8oProject/connectors/MicrosoftGraphApi.yaml": [
        `port: ${upstream.port}`,
        "server: 127.0.0.1",
        "baseDir: /v1.0/",
        "↓default [transactions.HttpTransaction]: ",
        "  ↑default: true",
        "  accessibility: Public",
        "  subDir: me/",
        "",
      ].join("\n"),
    });
    engines.push(imp.engine);
    handler = (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"displayName":"Ada"}');
    };
    const r = await imp.engine.run({ project: "lib_OAuth", connector: "MicrosoftGraphApi", inputs: {} });
    expect(r.error).toBeUndefined();
    expect(r.output).toBe('{"displayName":"Ada"}');
    expect(upstream.requests.at(-1)!.url).toBe("/v1.0/me/");
  });
});

describe("HTTP connector authentication", () => {
  it("lib_OAuth OpenID: BasicPreemptive from symbols, a raw __body sent form-encoded as Convertigo's default", async () => {
    const clientSecret = "cs-" + "9f8e7d";
    const imp = await importAndOpen(
      {
        "c8oProject.yaml": projectYaml("lib_OAuth", ["OpenID"]),
        "_c8oProject/connectors/OpenID.yaml": [
          "authPassword: xe6e30f193254e0d691a72418fca3a3fc9088bbfe56af469fc72c161e37930c7092ee0a15b8d2bbb999e5a43872520347",
          "authUser: ${lib_oauth.openid.clientid}",
          "authenticationType: BasicPreemptive",
          `port: ${upstream.port}`,
          "server: 127.0.0.1",
          "↓Default_transaction [transactions.HttpTransaction]: ",
          "  ↑default: true",
          "↓Introspect [transactions.JsonHttpTransaction]: ",
          "  httpVerb: POST",
          "  ↓__body [variables.RequestableHttpVariable-1693495739263]: ",
          "    httpMethod: POST",
          "",
        ].join("\n"),
      },
      { "lib_oauth.openid.clientid": "atelier-client", "lib_oauth.openid.clientsecret.secret": clientSecret },
    );
    engines.push(imp.engine);
    expect(imp.summary.warnings.join("\n")).not.toMatch(/not supported/);
    const connector = imp.node("OpenID", "Introspect");
    expect(connector.props).toMatchObject({ bodyEncoding: "text", body: "{__body}" });
    handler = (_req, res) => sendJson(res, 200, { active: true, sub: "ada" });
    const r = await imp.engine.run({
      project: "lib_OAuth",
      connector: "OpenID",
      transaction: "Introspect",
      inputs: { __body: "token=eyJhbGciOi.x.y&token_type_hint=access_token" },
      trace: true,
    });
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual({ active: true, sub: "ada" });
    const sent = upstream.requests.at(-1)!;
    expect(sent.headers.authorization).toBe(
      "Basic " + Buffer.from(`atelier-client:${clientSecret}`, "utf8").toString("base64"),
    );
    expect(sent.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(sent.body).toBe("token=eyJhbGciOi.x.y&token_type_hint=access_token");
    // The header made of the secret never reaches the trace.
    const trace = JSON.stringify(r.trace);
    expect(trace).not.toContain(Buffer.from(`atelier-client:${clientSecret}`, "utf8").toString("base64"));
    expect(trace).toContain("Basic (hidden)");
  });
});
