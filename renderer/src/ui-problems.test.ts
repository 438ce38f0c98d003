import { describe, expect, it } from "vitest";
import type { ObjNode } from "../../engine/common/model/node.ts";
import { typeSchemas } from "../../engine/common/model/registry.ts";
import type { TypeSchema } from "../../engine/common/model/typedef.ts";
import { flattenTree } from "../../engine/common/studio/api.ts";
import { collectProblems } from "./problems-model.ts";
import { fromTree } from "./tree-model.ts";

const types = new Map<string, TypeSchema>(typeSchemas().map((t) => [t.type, t]));
const n = (id: string, type: string, name: string, props: Record<string, unknown> = {}, children: ObjNode[] = []) => ({
  id,
  type,
  name,
  props,
  children,
});
const state = (root: ObjNode) => fromTree({ project: root.name, rev: 1, rootId: root.id, nodes: flattenTree(root) });

/** A project whose page lists MyOrders' orders, the sequence's element named `field`. */
const shop = (field: string) =>
  n("p", "Project", "Shop", {}, [
    n("seq", "Sequence", "MyOrders", {}, [
      n("arr", "JsonArray", "orders", {}, [
        n("obj", "JsonObject", "order", {}, [n("e1", "Element", field, { value: "x" })]),
      ]),
    ]),
    n("app", "Application", "App", { startPage: "Orders" }, [
      n("page", "Page", "Orders", {}, [
        n("each", "Directive", "EachOrder", { items: { source: "sequence", sequence: "MyOrders", path: "orders" } }, [
          n("lbl", "Component", "ItemLabel", {
            component: "Label",
            text: { source: "item", directive: "each", path: "item" },
          }),
        ]),
        n("gone", "Component", "Gone", { component: "Label", text: { source: "sequence", sequence: "Nope" } }),
      ]),
    ]),
  ]);

describe("UI binding problems", () => {
  it("a renamed sequence output appears in Problems, in the same pass as references", () => {
    const binding = (root: ObjNode) =>
      collectProblems({ projects: { Shop: state(root) }, types })
        .filter((p) => p.kind === "binding")
        .map((p) => [p.severity, p.path.join("/"), p.prop, p.message]);
    expect(binding(shop("item"))).toEqual([]);
    expect(binding(shop("label"))).toEqual([
      [
        "error",
        "Shop/App/Orders/EachOrder/ItemLabel",
        "text",
        'Text: "item" is not in an item of EachOrder (it has: label)',
      ],
    ]);
    // A missing target is said once, by the reference rules.
    const all = collectProblems({ projects: { Shop: state(shop("item")) }, types }).filter((p) => p.id === "gone");
    expect(all.map((p) => p.kind)).toEqual(["reference"]);
  });

  it("checks against the run schemas the engine serves when the steps do not tell", () => {
    const root = n("p", "Project", "Shop", {}, [
      n("seq", "Sequence", "Info", {}, [n("e", "Element", "data", { expression: "compute()" })]),
      n("app", "Application", "App", { startPage: "Home" }, [
        n("page", "Page", "Home", {}, [
          n("lbl", "Component", "Lbl", {
            component: "Label",
            text: { source: "sequence", sequence: "Info", path: "data.titel" },
          }),
        ]),
      ]),
    ]);
    const outputSchemas = {
      "Shop/Info": {
        type: "object",
        properties: { data: { type: "object", properties: { title: { type: "string" } } } },
      },
    };
    expect(collectProblems({ projects: { Shop: state(root) }, types }).filter((p) => p.kind === "binding")).toEqual([]);
    expect(
      collectProblems({ projects: { Shop: state(root) }, types, outputSchemas })
        .filter((p) => p.kind === "binding")
        .map((p) => [p.severity, p.message]),
    ).toEqual([
      [
        "warning",
        'Text: "data.titel" is not in "data" of the output of sequence Info (it has: title). Did you mean "data.title"?',
      ],
    ]);
  });
});
