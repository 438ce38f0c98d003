import { describe, expect, it } from "vitest";
import { parseObjectFile } from "../../engine/common/format/project-format.ts";
import type { ObjNode } from "../../engine/common/model/node.ts";
import { treeProject } from "../../engine/common/model/reference-rules.ts";
import { getType } from "../../engine/common/model/registry.ts";
import { modelSchemas } from "../../engine/common/ui/binding-checks.ts";
import {
  bindingMode,
  bindingSummary,
  filterTree,
  findBinding,
  pickerTree,
  type PickNode,
} from "./binding-picker-model.ts";

const n = (id: string, type: string, name: string, props: Record<string, unknown> = {}, children: ObjNode[] = []) => ({
  id,
  type,
  name,
  props,
  children,
});

/** A shop: a sequence answering a list of orders with nested lines, a FullSync view, a page of components. */
function shop(): ObjNode {
  return n("p", "Project", "Shop", {}, [
    n("seqorders", "Sequence", "MyOrders", {}, [
      n("arr", "JsonArray", "orders", {}, [
        n("obj", "JsonObject", "order", {}, [
          n("e1", "Element", "item", { value: "x" }),
          n("lines", "JsonArray", "lines", {}, [
            n("lo", "JsonObject", "line", {}, [n("e2", "Element", "sku", { value: "s" })]),
          ]),
        ]),
      ]),
    ]),
    n("fs", "FullSyncConnector", "FullSync", { databaseName: "shop" }, [
      n("dd", "FullSyncDesignDocument", "orders", {}, [
        n("vw", "FullSyncView", "byUser", {
          map: 'function (doc) { if (doc.type === "order") emit(doc.user, { item: doc.item, qty: doc.qty }); }',
        }),
      ]),
    ]),
    n("app", "Application", "App", { startPage: "Orders" }, [
      n("st", "State", "user", { schema: { type: "object", properties: { name: { type: "string" } } } }),
      n("page", "Page", "Orders", {}, [
        n("pst", "State", "filter", { schema: { type: "string" } }),
        n("each", "Directive", "EachOrder", { items: { source: "sequence", sequence: "MyOrders", path: "orders" } }, [
          n("lbl", "Component", "ItemLabel", { component: "Label" }),
        ]),
        n("form", "Component", "AddForm", { component: "Stack" }, [
          n("in1", "Component", "ItemInput", { component: "Input", inputs: { name: "item" } }),
          n("btn", "Component", "Add", { component: "Button" }, [
            n("ev", "Event", "OnClick", { on: "click" }, [
              n("a1", "Action", "Call", { action: "CallSequence", inputs: { sequence: "MyOrders" } }, [
                n("a2", "Action", "Say", { action: "Toast", inputs: { message: "ok" } }),
              ]),
            ]),
          ]),
        ]),
      ]),
    ]),
  ]);
}

const treeAt = (root: ObjNode, id: string) => {
  const p = treeProject({ name: root.name, root }, getType);
  return pickerTree(p, id, modelSchemas([p], getType));
};
const labels = (nodes: readonly PickNode[]) => nodes.map((x) => x.label);
const child = (nodes: readonly PickNode[], ...names: string[]): PickNode => {
  let cur: PickNode | undefined;
  let list = nodes;
  for (const name of names) {
    cur = list.find((x) => x.label === name);
    if (!cur) throw new Error(`no ${name} in ${labels(list).join(", ")}`);
    list = cur.children;
  }
  return cur!;
};

describe("binding picker model", () => {
  it("offers at a component in a ForEach its item, the forms, the states, sequences, views, sync and app", () => {
    const t = treeAt(shop(), "lbl");
    expect(labels(t)).toEqual(["Items", "Forms", "States", "Sequences", "FullSync views", "Sync", "App"]);
    expect(child(t, "Items", "EachOrder").binding).toEqual({ source: "item", directive: "each" });
    // The item's fields come from the list's schema (MyOrders' orders).
    expect(child(t, "Items", "EachOrder", "lines", "sku").binding).toEqual({
      source: "item",
      directive: "each",
      path: "lines[0].sku",
    });
    expect(labels(child(t, "States").children)).toEqual(["filter", "user"]);
    expect(child(t, "States", "user", "name").binding).toEqual({ source: "state", name: "user", path: "name" });
    expect(child(t, "Forms", "AddForm", "item").binding).toEqual({ source: "form", form: "form", field: "item" });
    expect(child(t, "Sync", "FullSync", "pending").binding).toEqual({
      source: "sync",
      connector: "FullSync",
      field: "pending",
    });
    expect(child(t, "App", "online").binding).toEqual({ source: "app", field: "online" });
    expect(child(t, "FullSync views", "orders/byUser", "rows").array).toBe(true);
  });

  it("gives a nested field of a sequence's list its path at the first item", () => {
    const t = treeAt(shop(), "lbl");
    const orders = child(t, "Sequences", "MyOrders", "orders");
    expect(orders.array).toBe(true);
    expect(orders.binding).toEqual({ source: "sequence", sequence: "MyOrders", path: "orders" });
    expect(child(t, "Sequences", "MyOrders", "orders", "lines", "sku").binding).toEqual({
      source: "sequence",
      sequence: "MyOrders",
      path: "orders[0].lines[0].sku",
    });
  });

  it("offers in an event's chain its payload and the actions run before, not outside", () => {
    const t = treeAt(shop(), "a2");
    expect(labels(t)).toContain("Event");
    expect(child(t, "Earlier actions", "Call").binding).toEqual({ source: "action", action: "a1" });
    // The Call Sequence's output is MyOrders'.
    expect(child(t, "Earlier actions", "Call", "orders", "item").binding).toEqual({
      source: "action",
      action: "a1",
      path: "orders[0].item",
    });
    expect(labels(treeAt(shop(), "lbl"))).not.toContain("Event");
    expect(labels(treeAt(shop(), "a1"))).not.toContain("Earlier actions");
  });

  it("offers a shared component's inputs inside it", () => {
    const root = shop();
    root.children
      .find((c) => c.type === "Application")!
      .children.push(
        n("sc", "SharedComponent", "Card", {}, [
          n("ci", "ComponentInput", "order", { schema: { type: "object", properties: { item: { type: "string" } } } }),
          n("cl", "Component", "CardLabel", { component: "Label" }),
        ]),
      );
    const t = treeAt(root, "cl");
    expect(child(t, "Inputs", "order", "item").binding).toEqual({ source: "input", name: "order", path: "item" });
  });

  it("filters on names, keeping the way to what matches", () => {
    const t = filterTree(treeAt(shop(), "lbl"), "SKU");
    expect(labels(t)).toEqual(["Items", "Sequences"]);
    expect(child(t, "Sequences", "MyOrders", "orders", "lines", "sku").label).toBe("sku");
    expect(filterTree(t, "")).toHaveLength(2);
  });

  it("says a binding in one line and finds its node", () => {
    const t = treeAt(shop(), "lbl");
    const b = { source: "sequence", sequence: "MyOrders", path: "orders[0].item" };
    expect(findBinding(t, b)?.label).toBe("item");
    expect(bindingSummary(b)).toBe("MyOrders › orders[0].item");
    expect(bindingSummary({ source: "state", name: "user" })).toBe("State user");
    expect(bindingSummary({ source: "item", directive: "each", path: "doc.qty" }, () => "EachOrder")).toBe(
      "Item of EachOrder › doc.qty",
    );
    expect(bindingMode(b)).toBe("source");
    expect(bindingMode({ script: "1 + 1" })).toBe("script");
    expect(bindingMode("text")).toBe("plain");
  });
});

/** FullSyncDemo's files, as text (read by the bundler: the renderer's code has no file system). */
const DEMO = "../../examples/workspace/FullSyncDemo/";
const demoFiles = import.meta.glob("../../examples/workspace/FullSyncDemo/**/*.yaml", {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

/** FullSyncDemo as the engine loads it: the project, its connectors, sequences, application and pages. */
function fullSyncDemo(): ObjNode {
  const read = (file: string): ObjNode => {
    const text = demoFiles[DEMO + file];
    if (text === undefined) throw new Error(`no ${file} in FullSyncDemo`);
    const r = parseObjectFile(text, file);
    if (!r.node) throw new Error(`${file}: ${r.errors.map((e) => e.message).join("; ")}`);
    return r.node;
  };
  const yamls = (sub: string) =>
    Object.keys(demoFiles)
      .map((k) => k.slice(DEMO.length))
      .filter((f) => f.startsWith(`${sub}/`) && !f.slice(sub.length + 1).includes("/"))
      .sort()
      .map(read);
  const root = read("project.yaml");
  const app = read("ui/App.yaml");
  app.children.push(...yamls("ui/pages"));
  root.children.push(...yamls("connectors"), ...yamls("sequences"), app);
  return root;
}

describe("binding picker model on FullSyncDemo's Orders page", () => {
  it("offers in the orders' ForEach the rows' documents, the new-item form, the user state", () => {
    const t = treeAt(fullSyncDemo(), "fsdorditemnm"); // ItemName, a Label in EachOrder
    const each = child(t, "Items", "EachOrder");
    expect(each.binding).toEqual({ source: "item", directive: "fsdordeach01" });
    expect(child(t, "Items", "EachOrder", "doc", "item").binding).toEqual({
      source: "item",
      directive: "fsdordeach01",
      path: "doc.item",
    });
    expect(child(t, "States", "user").binding).toEqual({ source: "state", name: "user" });
    expect(child(t, "States", "newItem").binding).toEqual({ source: "state", name: "newItem" });
    expect(child(t, "Forms", "AddOrder", "item").binding).toEqual({
      source: "form",
      form: "fsdordaddfrm",
      field: "item",
    });
    expect(labels(child(t, "Sequences").children)).toEqual(expect.arrayContaining(["MyOrders", "Login"]));
    expect(child(t, "FullSync views", "orders/byUser", "rows", "doc").binding).toEqual({
      source: "view",
      connector: "FullSync",
      view: "orders/byUser",
      path: "rows[0].doc",
    });
  });

  it("offers MyOrders' orders with their fields, as the Problems view reads them", () => {
    const t = treeAt(fullSyncDemo(), "fsdordtitle1");
    const myOrders = child(t, "Sequences", "MyOrders");
    expect(myOrders.binding).toEqual({ source: "sequence", sequence: "MyOrders" });
    expect(labels(myOrders.children)).toContain("orders");
  });
});
