/**
 * The Variable type's version 2 (its `httpMethod` property renamed `httpUse`) end to end, on a
 * project written by Atelier 0.1.0 (fixtures/atelier-0.1.0: the example project as that version
 * saved it): migrated when read, files untouched until saved, rewritten with their versions when
 * saved, and a file from a newer Atelier refused naming the type and both versions.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { findById, walk, type ObjNode } from "../../common/model/node.ts";
import { Engine } from "../engine.ts";
import { EngineLog } from "../log.ts";
import { loadProject, saveProject } from "./project-files.ts";

const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "fixtures/atelier-0.1.0/Demo");
const temps: string[] = [];
async function copy(): Promise<string> {
  const ws = await mkdtemp(path.join(os.tmpdir(), "atelier-migration-"));
  temps.push(ws);
  await cp(FIXTURE, path.join(ws, "Demo"), { recursive: true });
  return path.join(ws, "Demo");
}
afterAll(async () => {
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

const variables = (root: ObjNode) => {
  const out: ObjNode[] = [];
  walk(root, (n) => void (n.type === "Variable" && out.push(n)));
  return out;
};

describe("a project written by Atelier 0.1.0", () => {
  it("is migrated in memory, its files untouched until saved", async () => {
    const dir = await copy();
    const before = await readFile(path.join(dir, "connectors/ItemsApi.yaml"), "utf8");
    expect(before).toContain("httpMethod: none");
    const p = await loadProject(dir);
    expect(p.errors).toEqual([]);
    expect(p.invalidCount).toBe(0);
    const baseUrl = findById(p.root, "vargetitemsb")!;
    expect(baseUrl.props).toMatchObject({ httpUse: "none" });
    expect(baseUrl.props).not.toHaveProperty("httpMethod");
    for (const v of variables(p.root)) expect(v.props).not.toHaveProperty("httpMethod");
    expect(await readFile(path.join(dir, "connectors/ItemsApi.yaml"), "utf8")).toBe(before);
  });

  it("is written with the new name and its versions when saved, and reads back the same", async () => {
    const dir = await copy();
    const p = await loadProject(dir);
    // Saving an untouched project changes no byte; a changed object's file is rewritten at version 2.
    expect((await saveProject(p)).written).toEqual([]);
    const tx = findById(p.root, "txgetitems01")!;
    tx.props.comment = "changed";
    expect((await saveProject(p)).written).toEqual(["connectors/ItemsApi.yaml"]);
    const text = await readFile(path.join(dir, "connectors/ItemsApi.yaml"), "utf8");
    expect(text.startsWith("versions:\n  HttpConnector: 2\n  JsonHttpTransaction: 2\n  Variable: 2\n")).toBe(true);
    expect(text).toContain("httpUse: none");
    expect(text).not.toContain("httpMethod");
    const again = await loadProject(dir);
    expect(findById(again.root, "vargetitemsb")!.props).toEqual(findById(p.root, "vargetitemsb")!.props);
    expect((await saveProject(again)).written).toEqual([]);
  });

  it("runs as it did: a variable sent nowhere stays out of the query", async () => {
    // An items server on loopback that answers what it was asked.
    let asked = "";
    const upstream: Server = createServer((req, res) => {
      asked = req.url ?? "";
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify([{ id: 1 }]));
    });
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
    const port = (upstream.address() as AddressInfo).port;
    const dir = await copy();
    // Atelier 0.1.0 let FetchItems call any host; this Atelier asks the connector to allow it.
    const conn = path.join(dir, "connectors/ItemsApi.yaml");
    await writeFile(
      conn,
      (await readFile(conn, "utf8")).replace("isDefault: true\n", "isDefault: true\nallowedHosts: 127.0.0.1\n"),
    );
    const engine = await Engine.open({
      workspaceDir: path.dirname(dir),
      projectDirs: [dir],
      log: new EngineLog({ level: "silent" }),
    });
    try {
      const r = await engine.run({
        project: "Demo",
        sequence: "FetchItems",
        inputs: { baseUrl: `http://127.0.0.1:${port}` },
      });
      expect(r.error).toBeUndefined();
      expect(r.output).toEqual({ items: [{ id: 1 }] });
      // Read as version 1 (httpMethod ignored), baseUrl would have been sent as a query parameter.
      expect(asked).toBe("/items");
    } finally {
      await engine.close();
      upstream.close();
    }
  });

  it("a file written by a newer Atelier is refused naming the type and both versions; the rest loads", async () => {
    const dir = await copy();
    const greet = path.join(dir, "sequences/Greet.yaml");
    const original = await readFile(greet, "utf8");
    await writeFile(greet, "versions:\n  Variable: 3\n" + original);
    const p = await loadProject(dir);
    expect(p.errors).toHaveLength(1);
    expect(p.errors[0]!.location?.file).toBe("Demo/sequences/Greet.yaml");
    expect(p.errors[0]!.message).toMatch(
      /written by a newer Atelier: Variable objects are at version 3 there, this Atelier reads up to version 2/,
    );
    // The other sequences load; the refused file is kept as it is, even when the project is saved.
    expect(p.root.children.map((c) => c.name)).toEqual(expect.arrayContaining(["SumList", "FetchItems", "Greet"]));
    await saveProject(p);
    expect(await readFile(greet, "utf8")).toBe("versions:\n  Variable: 3\n" + original);
  });
});
