import { describe, expect, it } from "vitest";
import { createUiModel, fieldName, routeOf } from "./model.ts";
import { n } from "./testing/fakes.ts";

describe("the UI model", () => {
  const form = n("Component", "Form", { component: "Stack" }, [
    n("Component", "User", { component: "Input" }),
    n("Directive", "Each", { items: [] }, [
      n("Component", "Pick", { component: "Toggle", inputs: { name: "picked" } }),
    ]),
    n("Component", "Go", { component: "Button" }),
    n("UseShared", "Row", { component: "Row" }),
  ]);
  const orders = n("Page", "Orders", { requiresLogin: true }, [
    n("State", "filter", { default: "", persist: "session" }),
    form,
  ]);
  const app = n("Application", "App", { startPage: "Orders", loginPage: "Login", pageOrder: ["Login"] }, [
    n("State", "user", { persist: "device" }),
    n("Page", "Order", { route: "/orders/:id/" }),
    orders,
    n("Page", "Login", {}),
    n("SharedComponent", "Row"),
    n("SharedAction", "AfterLogin"),
  ]);

  it("finds pages by name and route, in the application's order, and its start and login pages", () => {
    const model = createUiModel(n("Project", "P", {}, [app]));
    expect(model.app).toBe(app);
    expect(model.pages.map((p) => p.name)).toEqual(["Login", "Order", "Orders"]);
    expect(model.startPage()?.name).toBe("Orders");
    expect(model.loginPage()?.name).toBe("Login");
    expect(model.pageAtRoute("orders/:id")?.name).toBe("Order");
    expect(routeOf(model.page("Orders")!)).toBe("orders");
    expect(model.pageOf(form.children[0]!.id)).toBe(orders);
    expect(model.parent(form.id)).toBe(orders);
  });

  it("finds shared components and actions, states, and the form fields under a container", () => {
    const model = createUiModel(app);
    expect(model.sharedComponent("Row")?.type).toBe("SharedComponent");
    expect(model.sharedAction("AfterLogin")?.type).toBe("SharedAction");
    expect(model.sharedAction("Row")).toBeUndefined();
    expect(model.appStates()).toEqual([{ name: "user", default: undefined, persist: "device" }]);
    expect(model.pageStates(orders)).toEqual([{ name: "filter", default: "", persist: "session" }]);
    expect(model.fieldsUnder(form.id).map((f) => [f.name, f.entry.name])).toEqual([
      ["User", "Input"],
      ["picked", "Toggle"],
    ]);
    expect(model.fieldsUnder(orders.id).length).toBe(2);
    expect(fieldName(form.children[0]!)).toBe("User");
    expect(() => createUiModel(n("Project", "Empty"))).toThrow("No Application in Project Empty");
  });
});
