import { describe, expect, it } from "vitest";
import type { ObjNode } from "../../../model/node.ts";
import { acceptsChild, checkNode, propOrDefault } from "../../../model/registry.ts";

const listener = (props: Record<string, unknown>): ObjNode => ({
  id: "l1",
  type: "FullSyncListener",
  name: "ToBackend",
  props,
  children: [],
});

describe("FullSync listener", () => {
  it("lives in a FullSync connector and names a sequence, a design document and a view", () => {
    expect(acceptsChild("FullSyncConnector", "FullSyncListener")).toBe(true);
    expect(acceptsChild("Project", "FullSyncListener")).toBe(false);
    const ok = listener({ targetSequence: "Push", designDocument: "orders", view: "byId" });
    expect(checkNode(ok)).toEqual([]);
    expect(propOrDefault(ok, "chunkSize")).toBe(10);
    expect(propOrDefault(ok, "maxRetries")).toBe(3);
    expect(propOrDefault(ok, "enabled")).toBe(true);
    const missing = checkNode(listener({})).map((i) => i.prop);
    expect(missing).toEqual(expect.arrayContaining(["targetSequence", "designDocument", "view"]));
    const bad = checkNode(listener({ targetSequence: "Push", designDocument: "orders", view: "byId", chunkSize: 0 }));
    expect(bad.map((i) => i.message)).toContain("Chunk size must be at least 1");
  });
});
