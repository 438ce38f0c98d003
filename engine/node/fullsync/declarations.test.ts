import { describe, expect, it } from "vitest";
import type { ObjNode } from "../../common/model/node.ts";
import { annotateIssues } from "../../common/model/registry.ts";
import type { LoadedProject } from "../project/project-files.ts";
import { fullSyncDeclarations } from "./declarations.ts";

let n = 0;
const obj = (type: string, name: string, props: Record<string, unknown> = {}, children: ObjNode[] = []): ObjNode => ({
  id: `id${n++}`,
  type,
  name,
  props,
  children,
});

function project(name: string, connectors: ObjNode[]): LoadedProject {
  const root = obj("Project", name, {}, connectors);
  const invalidCount = annotateIssues(root);
  return { dir: `/ws/${name}`, name, root, files: new Map(), errors: [], invalidCount };
}

const view = (name: string, map: string, reduce?: string) =>
  obj("FullSyncView", name, { map, ...(reduce ? { reduce } : {}) });

describe("fullSyncDeclarations", () => {
  it("declares each FullSync connector's database with its design documents", () => {
    const p = project("P", [
      obj("FullSyncConnector", "Db", { databaseName: "shop", anonymousReplication: "allow", revsLimit: 5 }, [
        obj("FullSyncDesignDocument", "orders", {}, [
          view("byId", "function (doc) { emit(doc._id); }"),
          view("count", "function (doc) { emit(doc.type); }", " _count "),
          view("broken", "emit(1)"),
        ]),
        obj("FullSyncListener", "L", { targetSequence: "S", designDocument: "orders", view: "byId" }),
      ]),
      obj("HttpConnector", "Http"),
    ]);
    const warnings: string[] = [];
    expect(fullSyncDeclarations([p], (m) => warnings.push(m))).toEqual([
      {
        name: "shop",
        anonymousReplication: true,
        revsLimit: 5,
        project: "P",
        connector: "Db",
        designDocs: [
          {
            name: "orders",
            views: {
              byId: { map: "function (doc) { emit(doc._id); }" },
              count: { map: "function (doc) { emit(doc.type); }", reduce: "_count" },
            },
          },
        ],
      },
    ]);
    expect(warnings.join("\n")).toMatch(/View "broken" of P\.Db\/orders is invalid/);
  });

  it("merges connectors of one database: strictest anonymous replication, first design document wins", () => {
    const a = project("A", [
      obj("FullSyncConnector", "Db", { databaseName: "shared", anonymousReplication: "allow" }, [
        obj("FullSyncDesignDocument", "d", {}, [view("v", "function (doc) { emit(1); }")]),
      ]),
    ]);
    const b = project("B", [
      obj("FullSyncConnector", "Other", { databaseName: "shared" }, [
        obj("FullSyncDesignDocument", "d", {}, [view("v", "function (doc) { emit(2); }")]),
        obj("FullSyncDesignDocument", "e", {}, [view("w", "function (doc) { emit(3); }")]),
      ]),
      obj("FullSyncConnector", "Bad", { databaseName: "Not Valid" }),
    ]);
    const warnings: string[] = [];
    const decls = fullSyncDeclarations([a, b], (m) => warnings.push(m));
    expect(decls).toHaveLength(1);
    expect(decls[0]?.anonymousReplication).toBe(false);
    expect(decls[0]?.designDocs?.map((d) => [d.name, d.views])).toEqual([
      ["d", { v: { map: "function (doc) { emit(1); }" } }],
      ["e", { w: { map: "function (doc) { emit(3); }" } }],
    ]);
    const text = warnings.join("\n");
    expect(text).toMatch(/disagree on anonymous replication; it is denied/);
    expect(text).toMatch(/the design document "d" of B\.Other differs from A\.Db's/);
    expect(text).toMatch(/FullSync connector "Bad" of B: its database name "Not Valid" is not valid/);
  });
});
