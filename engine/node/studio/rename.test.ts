import { describe, expect, it } from "vitest";
import type { ObjNode } from "../../common/model/node.ts";
import { planRename } from "./rename.ts";

const n = (
  id: string,
  type: string,
  name: string,
  props: Record<string, unknown> = {},
  children: ObjNode[] = [],
): ObjNode => ({ id, type, name, props, children });

// An application (held in memory; its files are tested in engine/node/project/ui-files.test.ts)
// whose bindings name a sequence, a connector and its view, states, a directive; its start page
// names a page.
const shop = () =>
  n("p", "Project", "Shop", {}, [
    n("fs", "FullSyncConnector", "FullSync", {}, [
      n("dd", "FullSyncDesignDocument", "orders", {}, [
        n("vw", "FullSyncView", "byUser", { map: "function (doc) {}" }),
      ]),
    ]),
    n("seq", "Sequence", "MyOrders"),
    n("app", "Application", "App", { startPage: "Orders", pageOrder: ["Login", "Orders"] }, [
      n("user", "State", "user"),
      n("pg", "Page", "Orders", {}, [
        n("each", "Directive", "EachOrder", {
          items: {
            source: "view",
            connector: "FullSync",
            view: "orders/byUser",
            query: { key: { source: "state", name: "user" } },
          },
        }),
        n("lbl", "Component", "Label", {
          component: "Label",
          text: { source: "item", directive: "each", path: "doc.item" },
          inputs: {
            count: { source: "sequence", sequence: "MyOrders", path: "count" },
            pending: { source: "sync", connector: "FullSync", field: "pending" },
          },
        }),
        n("btn", "Component", "Refresh", { component: "Button", text: "Refresh" }, [
          n("ev", "Event", "Click", { on: "click" }, [
            n("call", "Action", "Call", { action: "CallSequence", inputs: { sequence: "MyOrders" } }, [
              n("rd", "Action", "Read", {
                action: "FullSyncView",
                inputs: { connector: "FullSync", view: "orders/byUser" },
              }),
            ]),
          ]),
        ]),
      ]),
    ]),
  ]);

function rename(id: string, name: string) {
  const plan = planRename([{ name: "Shop", root: shop() }], "Shop", id, name, { checkName: () => undefined });
  const after = new Map(
    plan.ops.map((op) => [op.op === "props" ? op.id : "", op.op === "props" ? op.after : undefined]),
  );
  return {
    plan,
    after: (id: string) => after.get(id)?.props,
    changes: plan.changes.map((c) => `${c.path.at(-1)} · ${c.field}: ${c.before} → ${c.after}`),
  };
}

describe("renames update the bindings and action inputs naming the renamed object", () => {
  it("a sequence", () => {
    const r = rename("seq", "OrdersOf");
    expect(r.changes).toEqual([
      "MyOrders · name: MyOrders → OrdersOf",
      "Label · inputs.count.sequence: MyOrders → OrdersOf",
      "Call · inputs.sequence: MyOrders → OrdersOf",
    ]);
    expect(r.after("call")?.inputs).toEqual({ sequence: "OrdersOf" });
    expect(r.after("lbl")?.inputs).toEqual({
      count: { source: "sequence", sequence: "OrdersOf", path: "count" },
      pending: { source: "sync", connector: "FullSync", field: "pending" },
    });
    expect(r.plan.label).toBe('Rename "MyOrders" to "OrdersOf" (and 2 references)');
  });

  it("a connector, a view (written design/view), a state nested in a view's query, a page", () => {
    expect(rename("fs", "Data").changes).toEqual([
      "FullSync · name: FullSync → Data",
      "EachOrder · items.connector: FullSync → Data",
      "Label · inputs.pending.connector: FullSync → Data",
      "Read · inputs.connector: FullSync → Data",
    ]);
    const view = rename("vw", "mine");
    expect(view.changes).toEqual([
      "byUser · name: byUser → mine",
      "EachOrder · items.view: orders/byUser → orders/mine",
      "Read · inputs.view: orders/byUser → orders/mine",
    ]);
    expect((view.after("each")?.items as { view: string }).view).toBe("orders/mine");
    expect(view.after("rd")?.inputs).toEqual({ connector: "FullSync", view: "orders/mine" });
    const state = rename("user", "me");
    expect(state.changes).toEqual(["user · name: user → me", "EachOrder · items.query.key.name: user → me"]);
    expect(state.after("each")?.items).toEqual({
      source: "view",
      connector: "FullSync",
      view: "orders/byUser",
      query: { key: { source: "state", name: "me" } },
    });
    const page = rename("pg", "Home");
    expect(page.changes).toEqual([
      "Orders · name: Orders → Home",
      "App · startPage: Orders → Home",
      "App · pageOrder: Orders → Home",
    ]);
    expect(page.after("app")?.pageOrder).toEqual(["Login", "Home"]);
  });

  it("leaves references by id as they are (a directive read by an item binding)", () => {
    const r = rename("each", "Orders");
    expect(r.changes).toEqual(["EachOrder · name: EachOrder → Orders"]);
    expect(r.after("lbl")).toBeUndefined();
  });
});
