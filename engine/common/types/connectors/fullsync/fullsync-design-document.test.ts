import { writeFile } from "node:fs/promises";
import path from "node:path";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import type { ObjNode } from "../../../model/node.ts";
import { acceptsChild, checkNode } from "../../../model/registry.ts";
import { fullSyncWorkspace } from "../../../../node/testing/fullsync-harness.ts";

const node = (type: string, name: string, props: Record<string, unknown> = {}, children: ObjNode[] = []): ObjNode => ({
  id: `${type}-${name}`,
  type,
  name,
  props,
  children,
});

const view = (name: string) => node("FullSyncView", name, { map: "function (doc) { emit(doc._id); }" });

describe("FullSync Design document", () => {
  it("holds views, lives in a FullSync connector, and has a valid, unreserved name and distinct views", () => {
    expect(acceptsChild("FullSyncConnector", "FullSyncDesignDocument")).toBe(true);
    expect(acceptsChild("FullSyncDesignDocument", "FullSyncView")).toBe(true);
    expect(acceptsChild("HttpConnector", "FullSyncDesignDocument")).toBe(false);
    expect(checkNode(node("FullSyncDesignDocument", "orders", {}, [view("a"), view("b")]))).toEqual([]);
    const msgs = (n: ObjNode) => checkNode(n).map((i) => i.message);
    expect(msgs(node("FullSyncDesignDocument", "c8o"))).toContain('The design document name "c8o" is reserved');
    expect(msgs(node("FullSyncDesignDocument", "bad name"))).toContain('Invalid design document name "bad name"');
    expect(msgs(node("FullSyncDesignDocument", "d", {}, [view("a"), view("a")]))).toContain('Two views are named "a"');
  });

  it("is installed in the database, and installed again when the project is reloaded", async () => {
    const connector = {
      type: "FullSyncConnector",
      name: "Db",
      databaseName: "shop",
      children: [
        {
          type: "FullSyncDesignDocument",
          name: "docs",
          children: [{ type: "FullSyncView", name: "byType", map: "function (doc) { emit(doc.type); }" }],
        },
      ],
    };
    const ws = await fullSyncWorkspace({ connectors: [connector] });
    try {
      const data = ws.fullsync.server.data("shop");
      await data.put({ _id: "x", type: "k", n: 1 });
      const byType = (await data.query("docs/byType", { key: "k" })) as { rows: { id: string }[] };
      expect(byType.rows.map((r) => r.id)).toEqual(["x"]);

      // A second view, written to the file as an editor would, then the project reloaded.
      const changed = structuredClone(connector) as typeof connector & { id: string };
      changed.id = "Db";
      changed.children[0]!.children.push({ type: "FullSyncView", name: "byN", map: "function (doc) { emit(doc.n); }" });
      await writeFile(path.join(ws.dir, "P", "connectors", "Db.yaml"), stringify(changed));
      await ws.engine.workspace.reload("P");
      const deadline = Date.now() + 10_000;
      let rows: { id: string }[] | undefined;
      while (!rows && Date.now() < deadline) {
        try {
          rows = ((await data.query("docs/byN", { key: 1 })) as { rows: { id: string }[] }).rows;
        } catch {
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      expect(rows?.map((r) => r.id)).toEqual(["x"]);
    } finally {
      await ws.close();
    }
  });
});
