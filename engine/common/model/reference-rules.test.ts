import { describe, expect, it } from "vitest";
import { flattenTree } from "../studio/api.ts";
import type { ObjNode } from "./node.ts";
import { danglingMessage, danglingReferences, flatProject, referencesTo, type TypeLookup } from "./reference-rules.ts";
import { getType, typeSchemas } from "./registry.ts";

// The rules on the Studio's flat maps with served schemas (no registry), as on trees.
const schemas = new Map(typeSchemas().map((t) => [t.type, t]));
const served: TypeLookup = (t) => schemas.get(t);

const n = (
  id: string,
  type: string,
  name: string,
  props: Record<string, unknown> = {},
  children: ObjNode[] = [],
): ObjNode => ({
  id,
  type,
  name,
  props,
  children,
});

const root = n("p", "Project", "Shop", {}, [
  n("c", "HttpConnector", "Api", {}, [
    n("t", "JsonHttpTransaction", "Get", { path: "/items/{id}" }, [n("tv", "Variable", "id")]),
  ]),
  n("s", "Sequence", "Main", {}, [
    n("v", "Variable", "who"),
    n("call", "CallTransaction", "fetch", { transaction: "Get" }, [
      n("sv", "StepVariable", "id", { expression: "who" }),
    ]),
    n("js", "SequenceJS", "calc", { code: 'var t = step("fetch").data; step("nope"); vars.who' }),
    n("el", "Element", "out", { source: { step: "js" } }),
    n("gone", "Element", "lost", { source: { step: "deleted" } }),
    n("cs", "CallSequence", "again", { sequence: "Missing" }),
    n("cs2", "CallSequence", "setting", { sequence: "${target}" }),
    n("tc", "TestCase", "case", { inputs: { who: "x" } }),
  ]),
]);

function flat(r: ObjNode) {
  const nodes = new Map(flattenTree(r).map((f) => [f.id, f]));
  return flatProject("Shop", r.id, nodes, served)!;
}

describe("reference rules on flat maps", () => {
  it("finds a variable's references: code, step variables of callers, test inputs, templates", () => {
    const p = flat(root);
    const hits = referencesTo([p], "Shop", "v", served);
    expect(hits.map((h) => `${h.node.name}:${h.reference.form}:${h.reference.field}`)).toEqual([
      "id:code:expression",
      "calc:code:code",
      "case:key:inputs",
    ]);
    const tx = referencesTo([p], "Shop", "tv", served);
    expect(tx.map((h) => `${h.node.name}:${h.reference.form}:${h.reference.field}`)).toEqual([
      "Get:template:path",
      "id:name:name",
    ]);
    // step("fetch") names the Call Transaction step by name.
    expect(referencesTo([p], "Shop", "call", served).map((h) => h.node.name)).toEqual(["calc"]);
  });

  it("says which references name nothing, settings left to run time", () => {
    const dangling = danglingReferences([flat(root)], served);
    expect(dangling.map((h) => `${h.node.name}: ${danglingMessage(h.reference)}`)).toEqual([
      'calc: Code: step("nope") names no step of this sequence',
      "lost: Source: the step it reads (id deleted) no longer exists",
      'again: Sequence: there is no sequence "Missing" in project Shop',
    ]);
  });

  it("reads the registry's definitions the same way", () => {
    const nodes = new Map(flattenTree(root).map((f) => [f.id, f]));
    const withRegistry = flatProject("Shop", "p", nodes, getType)!;
    expect(danglingReferences([withRegistry], getType)).toHaveLength(3);
  });
});
