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

// The UI builder's bindings (issue 18): an application held by the project (in memory: files
// come later), its bindings naming sequences, connectors, views, states, pages, directives.
const ui = n("p", "Project", "Shop", {}, [
  n("fs", "FullSyncConnector", "FullSync", {}, [
    n("dd", "FullSyncDesignDocument", "orders", {}, [n("vw", "FullSyncView", "byUser", { map: "function (doc) {}" })]),
  ]),
  n("seq", "Sequence", "MyOrders"),
  n("app", "Application", "App", { startPage: "Orders", loginPage: "Gone" }, [
    n("user", "State", "user"),
    n("pg", "Page", "Orders", {}, [
      n("filt", "State", "filter"),
      n("each", "Directive", "EachOrder", {
        items: {
          source: "view",
          connector: "FullSync",
          view: "orders/byUser",
          query: { key: { source: "state", name: "user" }, startkey: { source: "state", name: "filter" } },
        },
      }),
      n("lbl", "Component", "Label", {
        component: "Label",
        text: { source: "item", directive: "each", path: "doc.item" },
        inputs: {
          count: { source: "sequence", sequence: "MyOrders", path: "count" },
          pending: { source: "sync", connector: "FullSync", field: "pending" },
          lost: { source: "sequence", sequence: "Missing" },
          other: { source: "view", connector: "FullSync", view: "orders/byDate" },
          was: { source: "item", directive: "deleted" },
          who: { source: "state", name: "nobody" },
          mine: { source: "input", name: "order" },
        },
      }),
      n("use", "UseShared", "Row", { component: "OrderRow", inputs: { order: { source: "state", name: "user" } } }, [
        n("ev", "Event", "Pick", { on: "pick" }, [
          n("call", "Action", "Call", { action: "CallSequence", inputs: { sequence: "MyOrders", variables: {} } }, [
            n("set", "Action", "Keep", {
              action: "SetState",
              inputs: { name: "filter", value: { source: "action", action: "call" } },
            }),
            n("go", "Action", "Go", { action: "Navigate", inputs: { page: "Orders" } }),
            n("rd", "Action", "Read", {
              action: "FullSyncView",
              inputs: { connector: "FullSync", view: "orders/byUser" },
            }),
            n("bad", "Action", "Bad", { action: "CallSequence", inputs: { sequence: "Nope", project: "Elsewhere" } }),
          ]),
        ]),
      ]),
    ]),
    n("row", "SharedComponent", "OrderRow", {}, [
      n("in", "ComponentInput", "order"),
      n("t", "Text", "Item", { value: { source: "input", name: "order", path: "item" } }),
    ]),
  ]),
]);

describe("references of the UI builder's bindings", () => {
  const p = () => flat(ui);
  const found = (id: string) =>
    referencesTo([p()], "Shop", id, served).map(
      (h) =>
        `${h.node.name}:${h.reference.form}:${h.reference.field}${h.reference.bindingPath ? `.${h.reference.bindingPath.join(".")}` : ""}`,
    );

  it("finds what bindings name: sequences, connectors, views, states, inputs, directives, pages", () => {
    expect(found("seq")).toEqual(["Label:binding:inputs.count.sequence", "Call:binding:inputs.sequence"]);
    expect(found("fs")).toEqual([
      "EachOrder:binding:items.connector",
      "Label:binding:inputs.pending.connector",
      "Label:binding:inputs.other.connector",
      "Read:binding:inputs.connector",
    ]);
    expect(found("vw")).toEqual(["EachOrder:binding:items.view", "Read:binding:inputs.view"]);
    expect(found("user")).toEqual(["EachOrder:binding:items.query.key.name", "Row:binding:inputs.order.name"]);
    expect(found("filt")).toEqual(["EachOrder:binding:items.query.startkey.name", "Keep:binding:inputs.name"]);
    expect(found("each")).toEqual(["Label:binding:text.directive"]);
    expect(found("call")).toEqual(["Keep:binding:inputs.value.action"]);
    expect(found("in")).toEqual(["Item:binding:value.name"]);
    expect(found("pg")).toEqual(["App:property:startPage", "Go:binding:inputs.page"]);
    expect(found("row")).toEqual(["Row:property:component"]);
  });

  it("says which bindings name nothing", () => {
    const dangling = danglingReferences([p()], served);
    expect(dangling.map((h) => `${h.node.name}: ${danglingMessage(h.reference)}`)).toEqual([
      'App: Login page: there is no page "Gone" in project Shop',
      'Label: Properties › lost: there is no sequence "Missing" in project Shop',
      'Label: Properties › other: there is no view "orders/byDate" in connector FullSync of project Shop',
      "Label: Properties › was: the directive it reads (id deleted) no longer exists",
      'Label: Properties › who: no state "nobody" is declared on its page or the application',
      'Label: Properties › mine: no input "order" is declared by its shared component or action',
      'Bad: Inputs: there is no sequence "Nope" in project Elsewhere',
      'Bad: Inputs: there is no project "Elsewhere" in the workspace',
    ]);
    // The app cannot work without them: errors (a reference property says what it means: the login page's).
    expect(dangling.every((h) => h.reference.missing?.severity === "error")).toBe(true);
    // The same with the registry's definitions, on trees.
    expect(
      danglingReferences([flatProject("Shop", "p", new Map(flattenTree(ui).map((f) => [f.id, f])), getType)!], getType),
    ).toHaveLength(8);
  });
});
