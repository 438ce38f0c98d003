import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChangeResult, FlatNode, ProjectTree } from "../../common/studio/api.ts";
import { startAtelier, type RunningAtelier } from "../app.ts";
import { EngineLog } from "../log.ts";
import { ordersWsdl } from "../testing/soap-fixture.ts";

let dir: string;
let app: RunningAtelier;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "atelier-soap-import-"));
  app = await startAtelier({
    workspaceDir: dir,
    port: 0,
    log: new EngineLog({ level: "silent" }),
    studio: { distDir: path.join(dir, "no-dist"), watch: false },
  });
});
afterAll(async () => {
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

async function call<T>(method: string, url: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(new URL(url, app.url), {
    method,
    headers: {
      authorization: `Bearer ${app.studio!.auth.token}`,
      "x-atelier-studio": "1",
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as T };
}

async function nodes(project: string): Promise<FlatNode[]> {
  return (await call<ProjectTree>("GET", `/api/studio/projects/${project}/tree`)).json.nodes;
}

describe("Import WSDL (Studio API)", () => {
  it("adds one SoapTransaction per operation with its inputs, once", async () => {
    expect((await call("POST", "/api/studio/projects", { name: "Shop" })).status).toBe(200);
    await mkdir(path.join(dir, "Shop", "wsdl"), { recursive: true });
    await writeFile(path.join(dir, "Shop", "wsdl", "orders.wsdl"), ordersWsdl("http://127.0.0.1:9"));
    const root = (await nodes("Shop")).find((n) => n.type === "Project")!;
    const made = await call<ChangeResult>("POST", "/api/studio/projects/Shop/objects", {
      parent: root.id,
      type: "SoapConnector",
      name: "Orders",
      props: { wsdl: "wsdl/orders.wsdl" },
    });
    expect(made.status).toBe(200);
    const connector = (await nodes("Shop")).find((n) => n.type === "SoapConnector")!;

    const r = await call<{ operations: number; added: number }>(
      "POST",
      `/api/studio/projects/Shop/soap/${connector.id}/import`,
      {},
    );
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ operations: 5, added: 5 });
    const all = await nodes("Shop");
    const txs = all.filter((n) => n.type === "SoapTransaction");
    expect(txs.map((t) => t.name).sort()).toEqual(["Fail", "GetItems", "Protected", "Secure", "Slow"]);
    const getItems = txs.find((t) => t.name === "GetItems")!;
    expect(getItems.props).toMatchObject({ operation: "GetItems", service: "OrdersService", port: "OrdersPort" });
    const vars = all.filter((n) => n.parent === getItems.id);
    expect(vars.map((v) => [v.name, v.props.dataType ?? "string", v.props.multiValued ?? false])).toEqual([
      ["category", "string", false],
      ["limit", "integer", false],
      ["onlyInStock", "boolean", false],
      ["code", "string", true],
    ]);

    // Again: nothing new.
    const again = await call<{ added: number }>("POST", `/api/studio/projects/Shop/soap/${connector.id}/import`, {});
    expect(again.json.added).toBe(0);
  });

  it("says why a WSDL cannot be imported", async () => {
    await call("POST", "/api/studio/projects", { name: "Bad" });
    const root = (await nodes("Bad")).find((n) => n.type === "Project")!;
    await call("POST", "/api/studio/projects/Bad/objects", {
      parent: root.id,
      type: "SoapConnector",
      name: "Nowhere",
      props: { wsdl: "wsdl/none.wsdl" },
    });
    const connector = (await nodes("Bad")).find((n) => n.type === "SoapConnector")!;
    const r = await call<{ message: string }>("POST", `/api/studio/projects/Bad/soap/${connector.id}/import`, {});
    expect(r.status).toBe(422);
    expect(JSON.stringify(r.json)).toContain(
      "Connector Nowhere: the WSDL file wsdl/none.wsdl does not exist in the project folder",
    );
    const notSoap = await call("POST", `/api/studio/projects/Bad/soap/${root.id}/import`, {});
    expect(notSoap.status).toBe(404);
  });
});
