import { describe, expect, it } from "vitest";
import type { ObjNode } from "../../model/node.ts";
import { acceptedChildTypes, checkNode } from "../../model/registry.ts";

const child = (type: string, name: string): ObjNode => ({ id: `${type}-${name}`, type, name, props: {}, children: [] });
const connector = (props: Record<string, unknown>, children: ObjNode[] = []): ObjNode => ({
  id: "c1",
  type: "FullSyncConnector",
  name: "Db",
  props,
  children,
});

describe("FullSync connector", () => {
  it("holds the FullSync transactions, design documents and listeners", () => {
    const accepted = acceptedChildTypes("FullSyncConnector").map((t) => t.type);
    expect(accepted).toEqual(
      expect.arrayContaining([
        "FullSyncGetDocument",
        "FullSyncPostDocument",
        "FullSyncPostBulkDocuments",
        "FullSyncDeleteDocument",
        "FullSyncAllDocs",
        "FullSyncGetView",
        "FullSyncFind",
        "FullSyncDesignDocument",
        "FullSyncListener",
      ]),
    );
    expect(accepted).not.toContain("JsonHttpTransaction");
  });

  it("checks the database name and duplicate design documents and listeners", () => {
    const msgs = (n: ObjNode) => checkNode(n).map((i) => i.message);
    expect(msgs(connector({ databaseName: "shop" }))).toEqual([]);
    expect(msgs(connector({}))).toContain("Database name is required");
    expect(msgs(connector({ databaseName: "Shop" })).join()).toMatch(/Database name has an invalid format/);
    expect(msgs(connector({ databaseName: "a/b" })).join()).toMatch(/invalid format/);
    // The group database, as Convertigo's lib_FullSyncGrp reaches it (never served to devices).
    expect(msgs(connector({ databaseName: "c8ofullsyncgrp" }))).toEqual([]);
    const dup = connector({ databaseName: "shop" }, [
      child("FullSyncDesignDocument", "d"),
      child("FullSyncDesignDocument", "d"),
      child("FullSyncListener", "l"),
      child("FullSyncListener", "l"),
    ]);
    expect(msgs(dup)).toEqual(
      expect.arrayContaining(['Two design documents are named "d"', 'Two listeners are named "l"']),
    );
  });
});
