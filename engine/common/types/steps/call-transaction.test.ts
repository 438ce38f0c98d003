import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSteps } from "../../../node/testing/harness.ts";
import { sendJson, startUpstream, type Upstream } from "../../../node/testing/upstream.ts";

let upstream: Upstream;
beforeAll(async () => {
  upstream = await startUpstream((req, res) =>
    sendJson(res, 200, [{ id: 1, q: new URL(req.url, "http://x").searchParams.get("q") }], { "x-total": "1" }),
  );
});
afterAll(() => upstream.close());

const connector = () => ({
  type: "HttpConnector",
  name: "Api",
  server: "127.0.0.1",
  port: upstream.port,
  isDefault: true,
  children: [
    { type: "JsonHttpTransaction", name: "Search", path: "/search", children: [{ type: "Variable", name: "q" }] },
  ],
});

describe("Call Transaction step", () => {
  it("runs the transaction with its step variables; its output holds status, headers and data", async () => {
    const r = await runSteps(
      [
        {
          type: "CallTransaction",
          name: "call",
          connector: "Api",
          transaction: "Search",
          children: [{ type: "StepVariable", name: "q", value: "lamp" }],
        },
        { type: "Element", name: "first", source: { step: "Main-0-call", path: "data[0]" } },
        { type: "Element", name: "status", source: { step: "Main-0-call", path: "status" } },
        { type: "Element", name: "total", source: { step: "Main-0-call", path: "headers['x-total']" } },
      ],
      {},
      { connectors: [connector()] },
    );
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual({ first: { id: 1, q: "lamp" }, status: 200, total: "1" });
    const tx = r.trace?.find((e) => e.type === "JsonHttpTransaction");
    expect(tx?.depth).toBe(1);
    expect(tx?.inputs).toMatchObject({ variables: { q: "lamp" } });
  });

  it("adds the transaction's data to the response under its name when output is on", async () => {
    const r = await runSteps(
      [
        {
          type: "CallTransaction",
          name: "search",
          connector: "Api",
          transaction: "Search",
          output: true,
          children: [{ type: "StepVariable", name: "q", value: "lamp" }],
        },
        { type: "Element", name: "status", source: { step: "Main-0-search", path: "status" } },
      ],
      {},
      { connectors: [connector()] },
    );
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual({ search: [{ id: 1, q: "lamp" }], status: 200 });
  });

  it("uses the default connector when none is named", async () => {
    const r = await runSteps(
      [{ type: "CallTransaction", name: "call", transaction: "Search" }],
      {},
      { connectors: [connector()] },
    );
    expect(r.ok).toBe(true);
  });

  it("refuses a foreign (imported, not runnable) transaction by name", async () => {
    const c = connector();
    c.children.push({ type: "Foreign", name: "Legacy", class: "transactions.XmlHttpTransaction" } as never);
    const r = await runSteps(
      [{ type: "CallTransaction", name: "call", connector: "Api", transaction: "Legacy" }],
      {},
      { connectors: [c] },
    );
    expect(r.error?.code).toBe("foreign_object");
    expect(r.error?.message).toBe(
      '"Api.Legacy" is a foreign object (transactions.XmlHttpTransaction) that Atelier cannot run',
    );
  });

  it("names a transaction that does not exist", async () => {
    const r = await runSteps(
      [{ type: "CallTransaction", name: "call", connector: "Api", transaction: "Nope" }],
      {},
      { connectors: [connector()] },
    );
    expect(r.error?.code).toBe("unknown_transaction");
    expect(r.error?.message).toContain('no transaction named "Nope"');
  });
});
