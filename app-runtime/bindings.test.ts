import { describe, expect, it, vi } from "vitest";
import {
  compileScript,
  evaluate,
  evaluateAsync,
  functionCompiler,
  type Scope,
  type ScriptCompiler,
} from "./bindings.ts";
import { DataStore } from "./data.ts";
import { StateStore, stateScope } from "./state.ts";
import { fakeServices } from "./testing/fakes.ts";

function scope(extra: Partial<Scope> = {}) {
  const fake = fakeServices({
    views: {
      "FullSync/orders/byUser": (q: { key?: string }) => ({
        total_rows: 2,
        offset: 0,
        rows: q.key === "alice" ? [{ id: "o1", doc: { item: "pen" } }] : [],
      }),
    },
    docs: { "FullSync/o1": { _id: "o1", item: "pen", qty: 2 } },
  });
  fake.setStatus("FullSync", { pending: 3 });
  const data = new DataStore(fake.services);
  const state = new StateStore(
    [
      { name: "user", default: "alice", persist: "none" },
      { name: "prefs", default: { colors: ["red", "blue"] }, persist: "none" },
    ],
    { prefix: "t:" },
  );
  const s: Scope = {
    state: stateScope(state),
    data,
    app: () => ({ online: false, user: state.get("user") }),
    connectors: ["FullSync"],
    items: { each1: { doc: { item: "pen" } } },
    item: { doc: { item: "pen" } },
    names: { order: { doc: { item: "pen" } } },
    form: (c) => (c === undefined || c === "form1" ? { user: "bob", remember: true } : undefined),
    input: { title: { text: "Hello" } },
    outputs: new Map([["call1", { user: "alice", rows: [{ n: 1 }, { n: 2 }] }]]),
    out: { n: 7 },
    event: { value: "typed" },
    ...extra,
  };
  return { s, fake, data, state };
}

describe("evaluate", () => {
  it("answers plain values as they are", () => {
    const { s } = scope();
    for (const v of ["text", 3, true, null]) expect(evaluate(v, s)).toEqual({ value: v });
  });

  it("reads each source, then its path", () => {
    const { s } = scope();
    const value = (b: unknown) => evaluate(b, s);
    expect(value({ source: "state", name: "user" })).toEqual({ value: "alice" });
    expect(value({ source: "state", name: "prefs", path: "colors[-1]" })).toEqual({ value: "blue" });
    expect(value({ source: "item", directive: "each1", path: "doc.item" })).toEqual({ value: "pen" });
    expect(value({ source: "form", form: "form1" })).toEqual({ value: { user: "bob", remember: true } });
    expect(value({ source: "form", form: "form1", field: "user" })).toEqual({ value: "bob" });
    expect(value({ source: "action", action: "call1", path: "rows[1].n" })).toEqual({ value: 2 });
    expect(value({ source: "input", name: "title", path: "text" })).toEqual({ value: "Hello" });
    expect(value({ source: "event", path: "value" })).toEqual({ value: "typed" });
    expect(value({ source: "app", field: "online" })).toEqual({ value: false });
    expect(value({ source: "app", field: "user" })).toEqual({ value: "alice" });
    expect(value({ source: "sync", connector: "FullSync", field: "pending" })).toEqual({ value: 3 });
    expect(value({ source: "sync", connector: "FullSync", field: "state" })).toEqual({ value: "paused" });
  });

  it("reads the last output of a sequence", () => {
    const { s, data } = scope();
    expect(evaluate({ source: "sequence", sequence: "MyOrders", path: "orders" }, s)).toEqual({ value: undefined });
    data.setSequenceOutput("MyOrders", undefined, { orders: [1, 2] });
    data.setSequenceOutput("MyOrders", "Other", { orders: [3] });
    expect(evaluate({ source: "sequence", sequence: "MyOrders", path: "orders[0]" }, s)).toEqual({ value: 1 });
    expect(evaluate({ source: "sequence", sequence: "MyOrders", project: "Other", path: "orders" }, s)).toEqual({
      value: [3],
    });
  });

  it("reads views and documents of the device: pending, then loaded", async () => {
    const { s, data, fake } = scope();
    const view = {
      source: "view",
      connector: "FullSync",
      view: "orders/byUser",
      query: { key: { source: "state", name: "user" } },
      path: "rows[0].doc.item",
    };
    expect(evaluate(view, s)).toEqual({ value: undefined, pending: true });
    await data.settled();
    expect(evaluate(view, s)).toEqual({ value: "pen" });
    expect(fake.calls).toEqual([{ method: "view", connector: "FullSync", args: ["orders/byUser", { key: "alice" }] }]);
    const doc = { source: "doc", connector: "FullSync", id: { script: "'o' + 1" }, path: "qty" };
    expect(await evaluateAsync(doc, s)).toBe(2);
    const missing = { source: "doc", connector: "FullSync", id: "nope" };
    expect(await evaluateAsync(missing, s).catch((e: Error) => e.message)).toBe("Document nope: missing nope");
  });

  it("loads a live view again when its connector changes, and notifies", async () => {
    const { s, data, fake } = scope();
    const heard = vi.fn();
    data.subscribe(heard);
    const view = { source: "view", connector: "FullSync", view: "orders/byUser", live: true, path: "total_rows" };
    expect(await evaluateAsync(view, s)).toBe(2);
    fake.setView("FullSync", "orders/byUser", { total_rows: 5, rows: [] });
    await data.settled();
    expect(evaluate(view, s)).toEqual({ value: 5 });
    expect(heard).toHaveBeenCalled();
    // A read that is not live is kept until the next page.
    const once = {
      source: "view",
      connector: "FullSync",
      view: "orders/byUser",
      query: { limit: 1 },
      path: "total_rows",
    };
    expect(await evaluateAsync(once, s)).toBe(5);
    fake.setView("FullSync", "orders/byUser", { total_rows: 9, rows: [] });
    await data.settled();
    expect(evaluate(once, s)).toEqual({ value: 5 });
    data.refresh();
    expect(await evaluateAsync(once, s)).toBe(9);
  });

  it("runs scripts over item, form, state, input, out, event, sync, app and ForEach item names", () => {
    const { s } = scope();
    const script = (text: string) => evaluate({ script: text }, s).value;
    expect(script("item.doc.item + '/' + order.doc.item")).toBe("pen/pen");
    expect(script("form.user")).toBe("bob");
    expect(script("state.user + state.prefs.colors.length")).toBe("alice2");
    expect(script("input.title.text")).toBe("Hello");
    expect(script("out.n * 2")).toBe(14);
    expect(script("event.value")).toBe("typed");
    expect(script("sync.pending + ' to send'")).toBe("3 to send");
    expect(script("sync.FullSync.state")).toBe("paused");
    expect(script("app.online ? 'on' : 'off'")).toBe("off");
  });

  it("answers errors instead of throwing: syntax, run time, unknown names, paths, sources", () => {
    const { s } = scope();
    const error = (b: unknown, extra: Partial<Scope> = {}) => evaluate(b, { ...s, ...extra }).error;
    expect(error({ script: "1 +" })).toMatch(/^Script "1 \+": /);
    expect(error({ script: "nothing.here" })).toMatch(/nothing is not defined/);
    expect(error({ script: "state.none.x" })).toMatch(/Cannot read properties of undefined/);
    expect(error({ source: "state", name: "none" })).toBe('There is no state "none"');
    expect(error({ source: "state", name: "user", path: "a..b" })).toMatch(/^State user: Invalid path "a..b"/);
    expect(error({ source: "item", directive: "other" })).toBe(
      "No item of other here (outside its ForEach or Iterate)",
    );
    expect(error({ source: "action", action: "later" })).toBe("The action later has not run in this chain");
    expect(error({ source: "form", form: "elsewhere" })).toBe("No form elsewhere here");
    const { event: _e, ...noEvent } = s;
    expect(evaluate({ source: "event" }, noEvent).error).toBe(
      "No event here (an event source is read in an event's actions)",
    );
    expect(error({ source: "teleport" })).toBe('Unknown source "teleport"');
    expect(error({ source: "view", connector: "FullSync", view: "x/y" }, { data: undefined })).toBe(
      "No FullSync data here",
    );
  });

  it("evaluates objects and lists that are no binding entry by entry", () => {
    const { s } = scope();
    expect(
      evaluate({ type: "order", who: { source: "state", name: "user" }, tags: ["a", { script: "'b'" }] }, s),
    ).toEqual({
      value: { type: "order", who: "alice", tags: ["a", "b"] },
    });
  });

  it("compiles a script once per text and names, with the compiler given", () => {
    const compiler = vi.fn<ScriptCompiler>((text, names) => functionCompiler(text, names));
    const { s } = scope({ compile: compiler });
    evaluate({ script: "out.n + 1" }, s);
    evaluate({ script: "out.n + 1" }, { ...s, out: { n: 1 } });
    expect(evaluate({ script: "out.n + 1" }, { ...s, out: { n: 2 } }).value).toBe(3);
    expect(compiler).toHaveBeenCalledTimes(1);
    // A syntax error is cached too: reported again, not compiled again.
    expect(compileScript("(", ["a"], compiler)).toBeInstanceOf(Error);
    expect(compileScript("(", ["a"], compiler)).toBeInstanceOf(Error);
    expect(compiler).toHaveBeenCalledTimes(2);
    // A built app's compiler: no eval at all.
    const table: ScriptCompiler = (text) => {
      if (text === "state.user.toUpperCase()")
        return (_item, _form, state) => (state as { user: string }).user.toUpperCase();
      throw new Error(`not compiled in: ${text}`);
    };
    expect(evaluate({ script: "state.user.toUpperCase()" }, { ...s, compile: table }).value).toBe("ALICE");
  });
});
