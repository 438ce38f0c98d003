import { describe, expect, it } from "vitest";
import type { ObjNode } from "./node.ts";
import { defaultConnector, referencesOf, referencesTo, resolveReference, type ProjectRoot } from "./references.ts";
import { listTypes } from "./registry.ts";

const n = (
  id: string,
  type: string,
  name: string,
  props: Record<string, unknown> = {},
  children: ObjNode[] = [],
): ObjNode => ({ id, type, name, props, children });

const shop: ProjectRoot = {
  name: "Shop",
  root: n("shop", "Project", "Shop", {}, [
    n("api", "HttpConnector", "Api", { isDefault: true }, [n("get", "JsonHttpTransaction", "Get")]),
    n("fs", "FullSyncConnector", "Data", {}, [
      n("get2", "FullSyncGetDocument", "Get"),
      n("lis", "FullSyncListener", "OnPush", { targetSequence: "Main", designDocument: "d", view: "v" }),
    ]),
    n("main", "Sequence", "Main", {}, [n("prep", "SequenceJS", "prepare", { code: "1" })]),
    n("caller", "Sequence", "Caller", {}, [
      n("cs", "CallSequence", "callMain", { sequence: "Main" }),
      n("ct", "CallTransaction", "callGet", { transaction: "Get" }),
      n("ct2", "CallTransaction", "callGet2", { connector: "Data", transaction: "Get" }),
      n("el", "Element", "out", { source: { step: "cs", path: "a" } }),
    ]),
  ]),
};
const other: ProjectRoot = {
  name: "Other",
  root: n("other", "Project", "Other", {}, [
    n("omain", "Sequence", "Main", {}, [
      n("ocs", "CallSequence", "remote", { project: "Shop", sequence: "Main" }),
      n("olocal", "CallSequence", "local", { sequence: "Main" }),
      n("oct", "CallTransaction", "remoteTx", { project: "Shop", transaction: "Get" }),
    ]),
  ]),
};
const projects = [shop, other];
const lookup = (name: string) => projects.find((p) => p.name === name)?.root;
const ids = (hits: { node: ObjNode }[]) => hits.map((h) => h.node.id);

describe("references", () => {
  it("reads a call's target from its properties and qualifiers", () => {
    const ct2 = shop.root.children[3]!.children[2]!;
    expect(referencesOf(ct2, "Shop").map((r) => [r.prop.name, r.target])).toEqual([
      ["connector", { refers: "connector", project: "Shop", name: "Data" }],
      ["transaction", { refers: "transaction", project: "Shop", connector: "Data", name: "Get" }],
    ]);
    const remote = other.root.children[0]!.children[0]!;
    expect(referencesOf(remote, "Other").map((r) => r.target)).toEqual([
      { refers: "project", project: "Shop", name: "Shop" },
      { refers: "sequence", project: "Shop", name: "Main" },
    ]);
  });

  it("resolves names as the runtime does: own project, default connector, named connector", () => {
    expect(defaultConnector(shop.root)?.id).toBe("api");
    expect(resolveReference({ refers: "transaction", project: "Shop", name: "Get" }, lookup)?.id).toBe("get");
    expect(
      resolveReference({ refers: "transaction", project: "Shop", connector: "Data", name: "Get" }, lookup)?.id,
    ).toBe("get2");
    expect(resolveReference({ refers: "sequence", project: "Other", name: "Main" }, lookup)?.id).toBe("omain");
    expect(resolveReference({ refers: "step", project: "Shop", name: "prep" }, lookup)?.id).toBe("prep");
    expect(resolveReference({ refers: "step", project: "Shop", name: "main" }, lookup)).toBeUndefined();
    expect(resolveReference({ refers: "sequence", project: "Nowhere", name: "Main" }, lookup)).toBeUndefined();
  });

  it("finds the references to a sequence from Call Sequence steps and from a FullSync listener", () => {
    const hits = referencesTo(projects, "Shop", "main");
    expect(ids(hits)).toEqual(["lis", "cs", "ocs"]);
    expect(hits.map((h) => h.reference.prop.name)).toEqual(["targetSequence", "sequence", "sequence"]);
    expect(hits[0]!.path).toEqual(["Shop", "Data", "OnPush"]);
    // Other's own Main is called by "local", not the one of Shop.
    expect(ids(referencesTo(projects, "Other", "omain"))).toEqual(["olocal"]);
  });

  it("tells transactions of the same name apart by their connector", () => {
    expect(ids(referencesTo(projects, "Shop", "get"))).toEqual(["ct", "oct"]);
    expect(ids(referencesTo(projects, "Shop", "get2"))).toEqual(["ct2"]);
    expect(ids(referencesTo(projects, "Shop", "fs"))).toEqual(["ct2"]);
    expect(ids(referencesTo(projects, "Shop", "shop"))).toEqual(["ocs", "oct"]);
  });

  it("counts a source reading a step as a reference to that step", () => {
    expect(ids(referencesTo(projects, "Shop", "cs"))).toEqual(["el"]);
    expect(referencesTo(projects, "Shop", "nope")).toEqual([]);
    // Nothing names a variable: no references, whatever the names say.
    expect(referencesTo(projects, "Shop", "lis")).toEqual([]);
  });

  it("every reference property says what it names, and its qualifiers are references of the same type", () => {
    const where = { project: "project", connector: "connector" } as const;
    for (const t of listTypes()) {
      for (const p of t.props) {
        // A list of names may name objects of one kind too (an application's page order).
        if (p.kind === "stringList" && p.refers) continue;
        if (p.kind !== "reference") {
          expect(p.refers, `${t.type}.${p.name}`).toBeUndefined();
          continue;
        }
        expect(p.refers, `${t.type}.${p.name}`).toBeDefined();
        for (const [k, name] of Object.entries(p.qualifiedBy ?? {})) {
          const q = t.props.find((x) => x.name === name);
          expect(q, `${t.type}.${p.name}: qualifier ${name}`).toMatchObject({
            kind: "reference",
            refers: where[k as keyof typeof where],
          });
        }
        if (p.qualifiedBy?.connector) expect(p.refers, `${t.type}.${p.name}`).toBe("transaction");
      }
    }
  });
});
