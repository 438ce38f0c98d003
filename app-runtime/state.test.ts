import { describe, expect, it, vi } from "vitest";
import { setPath, StateStore, stateScope } from "./state.ts";
import { memoryStorage } from "./testing/fakes.ts";

describe("states", () => {
  it("start from their defaults (copies), are set, and notify", () => {
    const dflt = { items: [] as string[] };
    const store = new StateStore([{ name: "cart", default: dflt, persist: "none" }], { prefix: "a:" });
    const heard = vi.fn();
    store.subscribe(heard);
    expect(store.get("cart")).toEqual({ items: [] });
    expect(store.get("cart")).not.toBe(dflt);
    store.set("cart", "pen", "items[0]");
    expect(store.get("cart")).toEqual({ items: ["pen"] });
    expect(dflt.items).toEqual([]);
    expect(heard).toHaveBeenCalledTimes(1);
    expect(() => store.set("nope", 1)).toThrow('There is no state "nope"');
  });

  it("persist per session or device in the storages given, and read them back", () => {
    const session = memoryStorage();
    const device = memoryStorage();
    const decls = [
      { name: "user", default: null, persist: "device" as const },
      { name: "tab", default: "all", persist: "session" as const },
      { name: "draft", default: "", persist: "none" as const },
    ];
    const store = new StateStore(decls, { prefix: "atelier:App:", storages: { session, device } });
    store.set("user", "alice");
    store.set("tab", "mine");
    store.set("draft", "x");
    expect([...device.data]).toEqual([["atelier:App:user", '"alice"']]);
    expect([...session.data]).toEqual([["atelier:App:tab", '"mine"']]);
    const again = new StateStore(decls, { prefix: "atelier:App:", storages: { session, device } });
    expect(again.values()).toEqual({ user: "alice", tab: "mine", draft: "" });
    again.reset("user");
    expect(device.data.size).toBe(0);
    device.setItem("atelier:App:user", "{broken");
    expect(new StateStore(decls, { prefix: "atelier:App:", storages: { device } }).get("user")).toBeNull();
  });

  it("are looked up on the page first, then on the application", () => {
    const app = new StateStore(
      [
        { name: "user", default: "alice", persist: "none" },
        { name: "filter", default: "app", persist: "none" },
      ],
      { prefix: "a:" },
    );
    const page = new StateStore([{ name: "filter", default: "page", persist: "none" }], {
      prefix: "a:P/",
      initial: { filter: "given" },
    });
    const scope = stateScope(app, page);
    expect(scope.values()).toEqual({ user: "alice", filter: "given" });
    scope.set("filter", "x");
    scope.set("user", "bob");
    expect([app.get("filter"), page.get("filter"), app.get("user")]).toEqual(["app", "x", "bob"]);
    expect(() => scope.set("nope", 1)).toThrow();
  });

  it("set paths by copying what they go through", () => {
    const before = { a: { b: [1, 2] }, c: 1 };
    const after = setPath(before, "a.b[1]", 9) as typeof before;
    expect(after).toEqual({ a: { b: [1, 9] }, c: 1 });
    expect(before.a.b).toEqual([1, 2]);
    expect(setPath(undefined, "x[0].y", true)).toEqual({ x: [{ y: true }] });
    expect(setPath({ a: 1 }, "", 5)).toBe(5);
  });
});
