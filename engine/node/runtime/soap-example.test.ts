// The example project SoapDemo (examples/workspace) passes its test cases against the stock
// service it documents (examples/soap-demo/service.mjs, started here on a free port), and its
// sequence logs each check in the embedded SQL database, kept across engines.
import { cp, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../engine.ts";
import { runProjectTests } from "../test-cases/test-cases.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
let service: { url: string; close(): Promise<void> };
let ws: string;

beforeAll(async () => {
  const m = (await import(path.join(root, "examples/soap-demo/service.mjs"))) as {
    startStockService(port?: number): Promise<typeof service>;
  };
  service = await m.startStockService(0);
  ws = await mkdtemp(path.join(os.tmpdir(), "atelier-soapdemo-"));
  await cp(path.join(root, "examples/workspace/SoapDemo"), path.join(ws, "SoapDemo"), { recursive: true });
});

afterAll(async () => {
  await service?.close();
  if (ws) await rm(ws, { recursive: true, force: true });
});

describe("the SoapDemo example", () => {
  it("passes its test cases, and keeps its log across engines", async () => {
    for (let round = 1; round <= 2; round++) {
      const engine = await Engine.open({
        workspaceDir: ws,
        env: { ATELIER_SET_stockEndpoint: service.url },
        warmSandbox: false,
      });
      try {
        expect(engine.project("SoapDemo")?.invalidCount).toBe(0);
        const results = await runProjectTests(engine, "SoapDemo");
        expect(results.map((r) => [r.testCase, r.ok])).toEqual([
          ["TwoCodes", true],
          ["OneCodeIsAList", true],
          ["InStock", true],
          ["UnknownIsAFault", true],
          ["Logged", true],
        ]);
        const r = await engine.run({ project: "SoapDemo", sequence: "CheckAndLog", inputs: { code: "PEN" } });
        // Each round logs STAPLER (the test case) and PEN (this run): the file keeps the rounds before.
        expect(r.output).toEqual({ stock: { code: "PEN", inStock: true, quantity: 120 }, logged: round });
      } finally {
        await engine.close();
      }
    }
  });

  it("names the fault of an unknown code", async () => {
    const engine = await Engine.open({
      workspaceDir: ws,
      env: { ATELIER_SET_stockEndpoint: service.url },
      warmSandbox: false,
    });
    try {
      const r = await engine.run({
        project: "SoapDemo",
        connector: "Stock",
        transaction: "CheckStock",
        inputs: { code: "NOPE" },
      });
      expect(r.error).toMatchObject({ code: "soap_fault" });
      expect(JSON.stringify(r.error)).toContain("Unknown product code: NOPE");
    } finally {
      await engine.close();
    }
  });
});
