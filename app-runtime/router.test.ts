import { describe, expect, it, vi } from "vitest";
import { UiModel } from "./model.ts";
import { matchRoute, memoryHistory, pathOf, Router } from "./router.ts";
import { n } from "./testing/fakes.ts";

function app() {
  return new UiModel(
    n("Application", "App", { startPage: "Orders", loginPage: "Login", pageOrder: ["Login"] }, [
      n("Page", "Orders", { requiresLogin: true }),
      n("Page", "Order", { route: "orders/:id", requiresLogin: true }),
      n("Page", "Login", { route: "login" }),
      n("Page", "About", {}),
    ]),
  );
}

function setup(initial = "", loggedIn = true) {
  const history = memoryHistory(initial);
  const user = { in: loggedIn };
  const router = new Router(app(), { history, isLoggedIn: () => user.in });
  return { history, router, user };
}

describe("router", () => {
  it("matches routes and their params", () => {
    expect(matchRoute("orders/:id", "orders/42?tab=lines")).toEqual({ id: "42", tab: "lines" });
    expect(matchRoute("orders/:id", "orders/a%20b")).toEqual({ id: "a b" });
    expect(matchRoute("orders/:id", "orders")).toBeUndefined();
    expect(matchRoute("orders", "/orders/")).toEqual({});
    const model = app();
    expect(pathOf(model.page("Order")!, { id: "4/2", from: "list", gone: undefined })).toBe("orders/4%2F2?from=list");
    expect(pathOf(model.page("About")!)).toBe("about");
    expect(model.pages.map((p) => p.name)).toEqual(["Login", "About", "Order", "Orders"]);
  });

  it("opens the start page at the base, and for unknown paths", () => {
    const { router, history } = setup("");
    expect(router.start()?.page.name).toBe("Orders");
    expect(history.entries()).toEqual(["orders"]);
    const other = setup("nowhere/at/all");
    expect(other.router.start()?.page.name).toBe("Orders");
    expect(other.history.entries()).toEqual(["orders"]);
  });

  it("pushes, roots and goes back", () => {
    const { router, history } = setup("about");
    const heard = vi.fn();
    router.subscribe(heard);
    router.start();
    router.push("Order", { id: 7 });
    expect(router.current()).toMatchObject({
      page: { name: "Order" },
      params: { id: "7" },
      data: { id: 7 },
      path: "orders/7",
    });
    router.push("Orders");
    expect(history.entries()).toEqual(["about", "orders/7", "orders"]);
    router.back();
    expect(router.current()?.path).toBe("orders/7");
    router.root("About");
    expect(history.entries()).toEqual(["about", "about"]);
    expect(router.canGoBack()).toBe(false);
    router.back(); // nothing before the root
    expect(router.current()?.page.name).toBe("About");
    expect(heard).toHaveBeenCalledTimes(5); // start, push, push, back, root
    router.navigate({ page: "Login", mode: "push" });
    expect(router.current()?.page.name).toBe("Login");
    expect(() => router.push("Nope")).toThrow('There is no page "Nope"');
  });

  it("shows the login page instead of a page that requires login, until a user is logged in", () => {
    const { router, history, user } = setup("orders/3", false);
    expect(router.start()).toMatchObject({ page: { name: "Login" }, redirectedFrom: "orders/3" });
    expect(history.entries()).toEqual(["login"]);
    router.push("Orders");
    expect(router.current()?.page.name).toBe("Login");
    router.push("About");
    expect(router.current()?.page.name).toBe("About");
    user.in = true;
    router.root("Orders");
    expect(router.current()?.page.name).toBe("Orders");
    user.in = false;
    router.resolve();
    expect(router.current()?.page.name).toBe("Login");
  });

  it("opens app paths (routerLink, tabs)", () => {
    const { router } = setup("about");
    router.start();
    router.pushPath("/orders/12/");
    expect(router.current()).toMatchObject({ page: { name: "Order" }, params: { id: "12" } });
    expect(router.canGoBack()).toBe(true);
  });
});
