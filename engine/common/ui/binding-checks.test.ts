import { describe, expect, it } from "vitest";
import type { ObjNode } from "../model/node.ts";
import { treeProject } from "../model/reference-rules.ts";
import { getType } from "../model/registry.ts";
import { bindingProblems, bindingResolver, editDistance, modelSchemas, nearest, walkPath } from "./binding-checks.ts";

const n = (id: string, type: string, name: string, props: Record<string, unknown> = {}, children: ObjNode[] = []) => ({
  id,
  type,
  name,
  props,
  children,
});

/** A shop: sequences, a FullSync connector, an application with a page of bindings. */
function shop(opts: { orderField?: string; page?: ObjNode[]; events?: ObjNode[] } = {}): ObjNode {
  return n("p", "Project", "Shop", {}, [
    n("seqorders", "Sequence", "MyOrders", {}, [
      n("arr", "JsonArray", "orders", {}, [
        n("obj", "JsonObject", "order", {}, [
          n("e1", "Element", opts.orderField ?? "item", { expression: "o.item" }),
          n("e2", "Element", "qty", { value: 1 }),
        ]),
      ]),
      n("e3", "Element", "count", { value: 0 }),
    ]),
    n("seqlogin", "Sequence", "Login", {}, [
      n("vu", "Variable", "user", { required: true }),
      n("vp", "Variable", "password", { required: true }),
      n("vr", "Variable", "remember"),
      n("eu", "Element", "user", { expression: "user" }),
      n("tc", "TestCase", "Alice", { inputs: { user: "a" }, expected: { user: "alice" } }),
    ]),
    n("seqseed", "Sequence", "Seed", { accessibility: "Private" }, [n("es", "Element", "ok", { value: true })]),
    n("fs", "FullSyncConnector", "FullSync", { databaseName: "shop" }, [
      n("dd", "FullSyncDesignDocument", "orders", {}, [
        n("vw", "FullSyncView", "byUser", {
          map: 'function (doc) { if (doc.type === "order") emit(doc.user, { item: doc.item, qty: doc.qty }); }',
        }),
      ]),
    ]),
    n("app", "Application", "App", { startPage: "Orders" }, [
      n("st", "State", "user", { schema: { type: "object", properties: { name: { type: "string" } } } }),
      n("page", "Page", "Orders", {}, [...(opts.page ?? []), ...(opts.events ?? [])]),
    ]),
  ]);
}

const problems = (root: ObjNode) => {
  const p = treeProject({ name: root.name, root }, getType);
  return bindingProblems(p, getType, modelSchemas([p], getType)).map((i) => [i.id, i.severity, i.message]);
};

const label = (id: string, text: unknown) => n(id, "Component", `L${id}`, { component: "Label", text });
const each = (items: unknown, children: ObjNode[] = []) => n("each", "Directive", "EachOrder", { items }, children);

describe("binding checks", () => {
  it("accepts bindings whose targets and paths exist, and paths into unknown parts", () => {
    const page = [
      each({ source: "sequence", sequence: "MyOrders", path: "orders" }, [
        label("l1", { source: "item", directive: "each", path: "item" }),
        label("l2", { source: "item", directive: "each", path: "qty" }),
      ]),
      label("l3", { source: "sequence", sequence: "Login", path: "user" }),
      label("l4", { source: "view", connector: "FullSync", view: "orders/byUser", path: "rows[0].value.item" }),
      label("l5", { source: "doc", connector: "FullSync", id: "x", path: "anything.below" }),
      label("l6", { source: "state", name: "user", path: "name" }),
      label("l7", { script: "state.user.whatever" }),
      label("l8", "plain text"),
    ];
    expect(problems(shop({ page }))).toEqual([]);
  });

  it("says a missing target: sequence, connector, view, state, directive, action", () => {
    const page = [
      label("l1", { source: "sequence", sequence: "Nope" }),
      label("l2", { source: "view", connector: "Gone", view: "a/b" }),
      label("l3", { source: "view", connector: "FullSync", view: "orders/byNobody" }),
      label("l4", { source: "state", name: "cart" }),
      label("l5", { source: "item", directive: "nowhere" }),
    ];
    expect(problems(shop({ page }))).toEqual([
      ["l1", "error", 'Text: there is no sequence "Nope" in project Shop'],
      ["l2", "error", 'Text: there is no connector "Gone" in project Shop'],
      ["l3", "error", 'Text: there is no view "orders/byNobody" in connector FullSync'],
      ["l4", "error", 'Text: there is no state "cart" on this page or the application'],
      ["l5", "error", 'Text: there is no ForEach directive or Iterate action "nowhere"'],
    ]);
  });

  it("says a path not in the schema, with the nearest name; a warning when only tests said it", () => {
    const page = [
      label("l1", { source: "sequence", sequence: "MyOrders", path: "cuont" }),
      label("l2", { source: "view", connector: "FullSync", view: "orders/byUser", path: "rows[0].value.qyt" }),
      label("l3", { source: "sequence", sequence: "Login", path: "user.first" }),
      label("l4", { source: "state", name: "user", path: "nmae" }),
    ];
    expect(problems(shop({ page }))).toEqual([
      [
        "l1",
        "error",
        'Text: "cuont" is not in the output of sequence MyOrders (it has: orders, count). Did you mean "count"?',
      ],
      [
        "l2",
        "error",
        'Text: "rows[0].value.qyt" is not in "rows[0].value" of the answer of FullSync orders/byUser (it has: item, qty). Did you mean "rows[0].value.qty"?',
      ],
      // Login's user is a text because a test case said so: a warning.
      ["l3", "warning", 'Text: "user.first" reads "first" of "user", which is a text'],
      ["l4", "error", 'Text: "nmae" is not in state user (it has: name). Did you mean "name"?'],
    ]);
  });

  it("a renamed sequence output makes the binding a problem", () => {
    const page = [
      each({ source: "sequence", sequence: "MyOrders", path: "orders" }, [
        label("l1", { source: "item", directive: "each", path: "item" }),
      ]),
    ];
    expect(problems(shop({ page }))).toEqual([]);
    expect(problems(shop({ page, orderField: "product" }))).toEqual([
      ["l1", "error", 'Text: "item" is not in an item of EachOrder (it has: product, qty)'],
    ]);
    expect(problems(shop({ page, orderField: "items" }))).toEqual([
      ["l1", "error", 'Text: "item" is not in an item of EachOrder (it has: items, qty). Did you mean "items"?'],
    ]);
  });

  it("a ForEach's items must be a list; item is read inside its directive only", () => {
    const page = [
      each({ source: "sequence", sequence: "MyOrders", path: "count" }),
      label("out", { source: "item", directive: "each", path: "item" }),
    ];
    expect(problems(shop({ page }))).toEqual([
      [
        "each",
        "error",
        'Items: a ForEach repeats over a list, and the output of sequence MyOrders at "count" is a number',
      ],
      ["out", "error", 'Text: "item" of EachOrder is read outside it: only what is inside EachOrder sees its item'],
    ]);
  });

  it("an action source names an action earlier in the same chain", () => {
    const call = n(
      "a1",
      "Action",
      "CallLogin",
      {
        action: "CallSequence",
        inputs: { sequence: "Login", variables: { user: "a", password: "b" } },
      },
      [
        n("a2", "Action", "Remember", {
          action: "SetState",
          inputs: { name: "user", value: { source: "action", action: "a1", path: "user" } },
        }),
      ],
    );
    const after = n("a3", "Action", "Toast", {
      action: "Toast",
      inputs: { message: { source: "action", action: "a1", path: "usr" } },
    });
    const before = n("a0", "Action", "Early", {
      action: "Toast",
      inputs: { message: { source: "action", action: "a1" } },
    });
    const events = [n("ev", "Event", "OnLoad", { on: "load" }, [before, call, after])];
    const page = [label("l1", { source: "action", action: "a1" })];
    expect(problems(shop({ events, page }))).toEqual([
      [
        "l1",
        "error",
        "Text: the output of CallLogin is read where CallLogin has not run: an action source names an action earlier in the same chain",
      ],
      [
        "a0",
        "error",
        "Inputs › message: the output of CallLogin is read where CallLogin has not run: an action source names an action earlier in the same chain",
      ],
      [
        "a3",
        // The keys are the steps': an error, though the value's type is known from a test case.
        "error",
        'Inputs › message: "usr" is not in the output of CallLogin (it has: user). Did you mean "user"?',
      ],
    ]);
  });

  it("a Call Sequence's variables are the sequence's, required ones given, its target callable", () => {
    const call = (id: string, inputs: Record<string, unknown>) =>
      n(id, "Action", `C${id}`, { action: "CallSequence", inputs });
    const events = [
      n("ev", "Event", "OnLoad", { on: "load" }, [
        call("c1", { sequence: "Login", variables: { user: "a", pasword: "b" } }),
        call("c2", { sequence: "Seed" }),
        call("c3", { sequence: "Login", variables: { script: "({ user: 'a', password: 'b' })" } }),
        call("c4", { sequence: "Nope" }),
      ]),
    ];
    expect(problems(shop({ events }))).toEqual([
      [
        "c1",
        "error",
        'Inputs › variables › pasword: sequence Login has no variable "pasword" (it has: user, password, remember). Did you mean "password"?',
      ],
      ["c1", "error", 'Inputs › variables: variable "password" of sequence Login is required: give it a value'],
      ["c2", "error", "Inputs › sequence: sequence Seed is Private: an app cannot call it (make it Public or Hidden)"],
      ["c4", "error", 'Inputs › sequence: there is no sequence "Nope" in project Shop'],
    ]);
  });
});

describe("binding checks: conditions and events", () => {
  it("an If over an object or a list warns; an event source is read inside an Event only", () => {
    const page = [
      n("if1", "Directive", "WhenOrders", {
        kind: "If",
        condition: { source: "sequence", sequence: "MyOrders", path: "orders" },
      }),
      n("if2", "Directive", "WhenCount", {
        kind: "If",
        condition: { source: "sequence", sequence: "MyOrders", path: "count" },
      }),
      label("l1", { source: "event", path: "detail" }),
    ];
    const events = [
      n("ev", "Event", "OnLoad", { on: "load" }, [
        n("a1", "Action", "Say", { action: "Toast", inputs: { message: { source: "event", path: "detail" } } }),
        n("a2", "Action", "Check", { action: "If", inputs: { condition: { source: "state", name: "user" } } }),
      ]),
    ];
    expect(problems(shop({ page, events }))).toEqual([
      [
        "if1",
        "warning",
        'Condition: the output of sequence MyOrders at "orders" is a list, true whenever it is there: test one of its values',
      ],
      ["l1", "error", "Text: the event source is read outside an Event: only the actions of an Event see its payload"],
      [
        "a2",
        "warning",
        "Inputs › condition: state user is an object, true whenever it is there: test one of its values",
      ],
    ]);
  });
});

describe("helpers", () => {
  it("edit distance and the nearest name", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(nearest("qyt", ["item", "qty"])).toBe("qty");
    expect(nearest("zzzzzz", ["item", "qty"])).toBeUndefined();
  });

  it("walkPath accepts what goes into unknown parts and reads lists by index", () => {
    const s = { type: "object", properties: { a: { type: "array", items: { type: "object" } }, b: {} } };
    expect(walkPath(s, "a[0].anything", "x")).toEqual({ schema: {} });
    expect(walkPath(s, "b.c.d", "x")).toEqual({ schema: {} });
    expect(walkPath(s, "a.length", "x")).toEqual({ schema: { type: "integer" } });
    expect(walkPath(s, "a[", "x")).toMatchObject({ problem: expect.stringMatching(/Invalid path/) });
  });
});

describe("binding resolver", () => {
  it("reads an item's schema from its ForEach's list, and the earlier actions of a chain", () => {
    const page = [
      each({ source: "sequence", sequence: "MyOrders", path: "orders" }, [label("l1", "x")]),
      n("btn", "Component", "Go", { component: "Button" }, [
        n("ev", "Event", "OnClick", { on: "click" }, [
          n("a1", "Action", "Call", { action: "CallSequence", inputs: { sequence: "Login" } }, [
            n("a2", "Action", "Say", { action: "Toast", inputs: { message: "hi" } }),
          ]),
        ]),
      ]),
    ];
    const p = treeProject({ name: "Shop", root: shop({ page }) }, getType);
    const r = bindingResolver(p, modelSchemas([p], getType));
    const l1 = p.view.get("l1")!;
    const item = r.resolve({ source: "item", directive: "each" }, l1);
    expect(item && "schema" in item && Object.keys(item.schema.properties as object)).toEqual(["item", "qty"]);
    expect(r.ancestors(l1).map((a) => a.id)).toEqual(["each", "page", "app", "p"]);
    expect([...r.earlierActions(p.view.get("a2")!)]).toEqual(["a1"]);
  });
});
