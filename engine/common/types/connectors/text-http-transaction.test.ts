import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testWorkspace, type TestWorkspace } from "../../../node/testing/harness.ts";
import { startUpstream, type Upstream } from "../../../node/testing/upstream.ts";

let upstream: Upstream;
let ws: TestWorkspace;
beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    if (req.url === "/csv") {
      res.writeHead(200, { "content-type": "text/csv; charset=utf-8" });
      return void res.end("id;name\n1;Zoë\n");
    }
    if (req.url === "/gone") {
      res.writeHead(410, { "content-type": "text/plain" });
      return void res.end("gone for good");
    }
    res.writeHead(204);
    res.end();
  });
  ws = await testWorkspace({
    connectors: [
      {
        type: "HttpConnector",
        name: "Files",
        server: "127.0.0.1",
        port: upstream.port,
        children: [
          { type: "TextHttpTransaction", name: "csv", path: "/csv" },
          { type: "TextHttpTransaction", name: "gone", path: "/gone", errorStatus: "answer" },
          { type: "TextHttpTransaction", name: "goneFails", path: "/gone" },
          {
            type: "TextHttpTransaction",
            name: "put",
            verb: "PUT",
            path: "/{key}?tagging",
            bodyEncoding: "text",
            body: "{__body}",
            children: [
              { type: "Variable", name: "key", httpUse: "path" },
              { type: "Variable", name: "__body", httpUse: "none" },
              {
                type: "Variable",
                name: "__contentType",
                httpUse: "header",
                httpName: "Content-Type",
                default: "application/xml",
              },
            ],
          },
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
  ws.run({ connector: "Files", transaction, inputs });

describe("text HTTP transaction", () => {
  it("answers the body as text (Convertigo's document/text())", async () => {
    const r = await call("csv");
    expect(r.error).toBeUndefined();
    expect(r.output).toBe("id;name\n1;Zoë\n");
    expect(upstream.requests.at(-1)?.headers.accept).toBe("*/*");
  });

  it("answers an error status's text when errorStatus is answer, else fails", async () => {
    expect((await call("gone")).output).toBe("gone for good");
    expect((await call("goneFails")).error).toMatchObject({ code: "http_status" });
  });

  it("sends a raw body with its content type, and answers an empty body as an empty text", async () => {
    const tagging = "<Tagging><TagSet><Tag><Key>env</Key><Value>prod</Value></Tag></TagSet></Tagging>";
    const r = await call("put", { key: "report.pdf", __body: tagging });
    expect(r.error).toBeUndefined();
    expect(r.output).toBe("");
    const sent = upstream.requests.at(-1)!;
    expect(sent.method).toBe("PUT");
    expect(sent.url).toBe("/report.pdf?tagging");
    expect(sent.headers["content-type"]).toBe("application/xml");
    expect(sent.body).toBe(tagging);
  });
});
