import { describe, expect, it, vi } from "vitest";
import { runChain, type ChainContext, type CustomAction, type TraceEntry } from "./chain.ts";
import { DataStore } from "./data.ts";
import { UiModel, type UiNode } from "./model.ts";
import { StateStore, stateScope } from "./state.ts";
import { fakeServices, n } from "./testing/fakes.ts";

/**
 * A Custom action calling `rec` with a tag: the recorder logs `tag>` when it starts and `<tag` when
 * it ends. With `gate`, it waits until the test opens that gate (no timing in these tests).
 */
const rec = (
  tag: string,
  extra: Record<string, unknown> = {},
  children: UiNode[] = [],
  props: Record<string, unknown> = {},
) => n("Action", tag, { action: "Custom", inputs: { function: "rec", inputs: { tag, ...extra } }, ...props }, children);

/** Gates actions wait at: `entered(name)` resolves when one waits there, `open(name)` lets it go. */
function gates() {
  const all = new Map<string, { entered: Promise<void>; enter: () => void; opened: Promise<void>; open: () => void }>();
  const get = (name: string) => {
    let g = all.get(name);
    if (!g) {
      let enter!: () => void;
      let open!: () => void;
      const entered = new Promise<void>((r) => (enter = r));
      const opened = new Promise<void>((r) => (open = r));
      all.set(name, (g = { entered, enter, opened, open }));
    }
    return g;
  };
  return {
    wait: (name: string) => {
      get(name).enter();
      return get(name).opened;
    },
    entered: (name: string) => get(name).entered,
    open: (name: string) => get(name).open(),
  };
}

function setup(app: UiNode = n("Application", "App", {}, []), over: Partial<ChainContext> = {}) {
  const log: string[] = [];
  const seen: Record<string, unknown>[] = [];
  const gate = gates();
  const fake = fakeServices({
    sequences: {
      Login: (r: { variables: { user?: string } }) =>
        r.variables.user === "alice"
          ? { user: "alice" }
          : Promise.reject({ code: "invalid_credentials", message: "Wrong password", status: 401 }),
    },
    views: { "FullSync/orders/byUser": { total_rows: 1, offset: 0, rows: [{ id: "o1" }] } },
  });
  const custom: Record<string, CustomAction> = {
    rec: async (inputs) => {
      const tag = String(inputs.tag);
      seen.push(inputs);
      log.push(`${tag}>`);
      if (typeof inputs.gate === "string") await gate.wait(inputs.gate);
      else await Promise.resolve();
      if (inputs.fail) throw { code: "boom", message: `${tag} failed` };
      log.push(`<${tag}`);
      return inputs.answer ?? tag;
    },
  };
  const model = new UiModel(app);
  const appState = new StateStore(model.appStates(), { prefix: "t:" });
  const trace: TraceEntry[] = [];
  const messages: string[] = [];
  const data = new DataStore(fake.services);
  const ctx: ChainContext = {
    model,
    services: fake.services,
    scope: { state: stateScope(appState), data },
    state: stateScope(appState),
    data,
    custom,
    trace: (t) => trace.push(t),
    log: (level, m) => messages.push(`${level}: ${m}`),
    ...over,
  };
  return { ctx, log, seen, trace, fake, appState, messages, data, gate };
}

describe("runChain", () => {
  it("runs an event's actions in order, each action's children after it succeeds", async () => {
    const { ctx, log } = setup();
    const event = n("Event", "Click", { on: "click" }, [rec("a", {}, [rec("a1"), rec("a2")]), rec("b")]);
    const result = await runChain(event, ctx);
    expect(result.status).toBe("done");
    expect(log).toEqual(["a>", "<a", "a1>", "<a1", "a2>", "<a2", "b>", "<b"]);
  });

  it("runs them together when parallel, on the event or on an action", async () => {
    const { ctx, log, gate } = setup();
    const event = runChain(
      n("Event", "E", { on: "click", parallel: true }, [rec("a", { gate: "A" }), rec("b", { gate: "B" })]),
      ctx,
    );
    await Promise.all([gate.entered("A"), gate.entered("B")]);
    expect(log).toEqual(["a>", "b>"]); // both started, neither ended
    gate.open("B");
    gate.open("A");
    expect((await event).status).toBe("done");
    expect(log.slice(2).sort()).toEqual(["<a", "<b"]);

    log.length = 0;
    const action = runChain(
      n("Event", "E", { on: "click" }, [
        rec("p", {}, [rec("x", { gate: "X" }), rec("y", { gate: "Y" })], { parallel: true }),
        rec("z"),
      ]),
      ctx,
    );
    await Promise.all([gate.entered("X"), gate.entered("Y")]);
    expect(log).toEqual(["p>", "<p", "x>", "y>"]);
    gate.open("Y");
    gate.open("X");
    expect((await action).status).toBe("done");
    expect(log.slice(4, 6).sort()).toEqual(["<x", "<y"]);
    expect(log.slice(6)).toEqual(["z>", "<z"]); // after both
  });

  it("gives each action the previous output as out, and keeps outputs by id", async () => {
    const { ctx, seen } = setup();
    const first = rec("a", { answer: { user: "bob" } }, [rec("b", { got: { script: "out.user" } })]);
    const later = rec("c", { got: { source: "action", action: first.id, path: "user" }, prev: { script: "out" } });
    const result = await runChain(n("Event", "E", { on: "click" }, [first, later]), ctx);
    expect(seen[1]?.got).toBe("bob");
    expect(seen[2]).toMatchObject({ got: "bob", prev: { user: "bob" } });
    expect(result.status === "done" && result.outputs.get(first.id)).toEqual({ user: "bob" });
  });

  it("stops at the first failure and runs the nearest OnError with the error as out", async () => {
    const { ctx, log, seen } = setup();
    const failing = rec("f", { fail: true });
    // The action source naming the failed action reads its error, as out does.
    const handler = rec("handler", {
      msg: { script: "out.message" },
      code: { source: "action", action: failing.id, path: "code" },
    });
    failing.children.push(rec("never"), n("OnError", "Failed", {}, [handler]));
    const result = await runChain(n("Event", "E", { on: "click" }, [failing, rec("after")]), ctx);
    expect(log).toEqual(["f>", "handler>", "<handler"]);
    expect(seen.at(-1)).toMatchObject({ msg: "f failed", code: "boom" });
    expect(result).toMatchObject({ status: "failed", handled: true, error: { code: "boom", message: "f failed" } });
  });

  it("takes a child's failure to its parent's OnError when the child has none", async () => {
    const { ctx, log } = setup();
    const parent = rec("p", {}, [
      rec("c", { fail: true }),
      rec("c2"),
      n("OnError", "Err", {}, [rec("caught", { what: { script: "out.code" } })]),
    ]);
    await runChain(n("Event", "E", { on: "click" }, [parent]), ctx);
    expect(log).toEqual(["p>", "<p", "c>", "caught>", "<caught"]);
  });

  it("answers an unhandled failure as failed, logged, without throwing", async () => {
    const { ctx, messages, trace } = setup();
    const result = await runChain(n("Event", "Click", { on: "click" }, [rec("f", { fail: true }), rec("after")]), ctx);
    expect(result).toMatchObject({ status: "failed", handled: false, error: { code: "boom" } });
    expect(messages).toEqual(["error: Click failed: f failed (boom)"]);
    expect(trace.map((t) => [t.name, t.status])).toEqual([["f", "error"]]);
  });

  it("runs a failing OnError branch's failure up to the next OnError", async () => {
    const { ctx, log } = setup();
    const inner = rec("i", { fail: true }, [n("OnError", "E1", {}, [rec("h1", { fail: true })])]);
    const outer = rec("o", {}, [inner, n("OnError", "E2", {}, [rec("h2")])]);
    await runChain(n("Event", "E", { on: "click" }, [outer]), ctx);
    expect(log).toEqual(["o>", "<o", "i>", "h1>", "h2>", "<h2"]);
  });

  it("runs If's actions when its condition holds, else its Else, else nothing, and goes on", async () => {
    const { ctx, log } = setup();
    const iff = (cond: unknown, withElse: boolean, negate = false) =>
      n("Action", "If", { action: "If", inputs: { condition: cond, negate } }, [
        rec("then"),
        ...(withElse ? [n("ActionElse", "Else", {}, [rec("else")])] : []),
      ]);
    await runChain(n("Event", "E", { on: "click" }, [iff({ script: "1 + 1 === 2" }, true), rec("next")]), ctx);
    expect(log).toEqual(["then>", "<then", "next>", "<next"]);
    log.length = 0;
    await runChain(n("Event", "E", { on: "click" }, [iff("", true), rec("next")]), ctx);
    expect(log).toEqual(["else>", "<else", "next>", "<next"]);
    log.length = 0;
    await runChain(n("Event", "E", { on: "click" }, [iff(0, false), rec("next")]), ctx);
    expect(log).toEqual(["next>", "<next"]);
    log.length = 0;
    await runChain(n("Event", "E", { on: "click" }, [iff(0, true, true)]), ctx);
    expect(log).toEqual(["then>", "<then"]);
  });

  it("iterates its actions per item, with the item source and a list of outputs", async () => {
    const { ctx, seen } = setup();
    const iterate = n(
      "Action",
      "Each",
      { action: "Iterate", inputs: { items: { script: "[{n: 1}, {n: 2}, {n: 3}]" } } },
      [],
    );
    iterate.children.push(
      rec("row", { n: { source: "item", directive: iterate.id, path: "n" }, answer: { script: "item.n * 10" } }),
    );
    const after = rec("after", { all: { source: "action", action: iterate.id } });
    const result = await runChain(n("Event", "E", { on: "click" }, [iterate, after]), ctx);
    expect(seen.slice(0, 3).map((s) => s.n)).toEqual([1, 2, 3]);
    expect(seen[3]?.all).toEqual([10, 20, 30]);
    expect(result.status).toBe("done");
  });

  it("stops when aborted: the running action is interrupted, nothing after it runs, no OnError", async () => {
    const controller = new AbortController();
    const { ctx, log, trace, gate } = setup(undefined, { signal: controller.signal });
    const slow = rec("slow", { gate: "S" }, [rec("child"), n("OnError", "E", {}, [rec("handler")])]);
    const running = runChain(n("Event", "E", { on: "click" }, [slow, rec("after")]), ctx);
    await gate.entered("S");
    controller.abort();
    const result = await running;
    expect(result.status).toBe("aborted");
    expect(log).toEqual(["slow>"]);
    expect(trace.map((t) => [t.name, t.status])).toEqual([["slow", "aborted"]]);
    gate.open("S");
    await Promise.resolve();
    await Promise.resolve();
    expect(log).toEqual(["slow>", "<slow"]); // the custom function ran on, its chain did not
    expect(await runChain([rec("late")], ctx)).toMatchObject({ status: "aborted" });
  });

  it("invokes a shared action with its inputs and answers its output", async () => {
    const shared = n("SharedAction", "Greet", { output: { source: "action", action: "greetrec0001", path: "text" } }, [
      n("ActionInput", "who", { required: true }),
      n("Action", "Make", {
        $id: "greetrec0001",
        action: "Custom",
        inputs: { function: "rec", inputs: { tag: "make", answer: { script: "({ text: 'hi ' + input.who })" } } },
      }),
    ]);
    const app = n("Application", "App", {}, [shared]);
    const { ctx, seen } = setup(app);
    const invoke = n(
      "Action",
      "Call",
      { action: "Invoke", inputs: { action: "Greet", inputs: { who: { script: "'bob'" } } } },
      [rec("after", { got: { script: "out" } })],
    );
    const result = await runChain(n("Event", "E", { on: "click" }, [invoke]), ctx);
    expect(result.status).toBe("done");
    expect(seen.at(-1)?.got).toBe("hi bob");

    const missing = n("Action", "Call", { action: "Invoke", inputs: { action: "Greet" } });
    expect(await runChain([missing], ctx)).toMatchObject({ status: "failed", error: { code: "missing_input" } });
    const unknown = n("Action", "Call", { action: "Invoke", inputs: { action: "Nope" } });
    expect(await runChain([unknown], ctx)).toMatchObject({
      status: "failed",
      error: { code: "unknown_shared_action" },
    });
  });

  it("sets a state, or a path inside it, and answers the value", async () => {
    const app = n("Application", "App", {}, [
      n("State", "user", { default: null }),
      n("State", "prefs", { default: { theme: "light" } }),
    ]);
    const { ctx, appState } = setup(app);
    const result = await runChain(
      [
        n("Action", "SetUser", { action: "SetState", inputs: { name: "user", value: { script: "'alice'" } } }),
        n("Action", "SetTheme", { action: "SetState", inputs: { name: "prefs", path: "colors[1]", value: "dark" } }),
      ],
      ctx,
    );
    expect(result.status).toBe("done");
    expect(appState.get("user")).toBe("alice");
    expect(appState.get("prefs")).toEqual({ theme: "light", colors: [undefined, "dark"] });
    const bad = await runChain([n("Action", "S", { action: "SetState", inputs: { name: "nope", value: 1 } })], ctx);
    expect(bad).toMatchObject({ status: "failed", error: { message: 'There is no state "nope"' } });
  });

  it("calls sequences and FullSync through AppServices, and records sequence outputs", async () => {
    const { ctx, fake, data } = setup();
    const login = n("Action", "Login", {
      action: "CallSequence",
      inputs: {
        sequence: "Login",
        variables: { user: { script: "'alice'" }, password: "x" },
        cachePolicy: "networkFirst",
      },
    });
    const view = n("Action", "View", {
      action: "FullSyncView",
      inputs: {
        connector: "FullSync",
        view: "orders/byUser",
        key: { source: "action", action: login.id, path: "user" },
        include_docs: true,
      },
    });
    const post = n("Action", "Post", {
      action: "FullSyncPost",
      inputs: { connector: "FullSync", doc: { type: "order", item: { script: "'pen'" } }, id: "o2", groups: ["staff"] },
    });
    const sync = n("Action", "Sync", { action: "FullSyncSync", inputs: { connector: "FullSync", direction: "push" } });
    const result = await runChain(
      [
        login,
        view,
        post,
        sync,
        n("Action", "Del", { action: "FullSyncDelete", inputs: { connector: "FullSync", id: "o2" } }),
        n("Action", "Reset", { action: "FullSyncReset", inputs: { connector: "FullSync" } }),
      ],
      ctx,
    );
    expect(result.status).toBe("done");
    expect(fake.calls).toEqual([
      {
        method: "callSequence",
        args: [
          {
            sequence: "Login",
            variables: { user: "alice", password: "x" },
            cachePolicy: "networkFirst",
            cacheTtlMs: 3000,
          },
        ],
      },
      {
        method: "view",
        connector: "FullSync",
        args: ["orders/byUser", { key: "alice", limit: 500, descending: false, include_docs: true, reduce: false }],
      },
      {
        method: "post",
        connector: "FullSync",
        args: [
          { type: "order", item: "pen" },
          { id: "o2", policy: "override", groups: ["staff"] },
        ],
      },
      { method: "sync", connector: "FullSync", args: [{ direction: "push", mode: "continuous", retry: true }] },
      { method: "remove", connector: "FullSync", args: ["o2"] },
      { method: "reset", connector: "FullSync", args: [] },
    ]);
    expect(data.sequence("Login")).toEqual({ user: "alice" });
    expect(result.status === "done" && result.outputs.get(sync.id)).toMatchObject({ state: "paused", pending: 0 });
  });

  it("gives a sequence's error answer to OnError (the login flow)", async () => {
    const { ctx } = setup();
    const toasts: string[] = [];
    ctx.ui = { toast: (t) => void toasts.push(`${t.color}: ${t.message}`) };
    const call = n(
      "Action",
      "Login",
      { action: "CallSequence", inputs: { sequence: "Login", variables: { user: "eve" } } },
      [],
    );
    call.children.push(
      n("OnError", "Failed", {}, [
        n("Action", "Say", {
          action: "Toast",
          inputs: { message: { source: "action", action: call.id, path: "message" }, color: "danger" },
        }),
      ]),
    );
    const result = await runChain([call], ctx);
    expect(result).toMatchObject({
      status: "failed",
      handled: true,
      error: { code: "invalid_credentials", status: 401 },
    });
    expect(toasts).toEqual(["danger: Wrong password"]);
  });

  it("navigates, alerts, emits, logs and calls custom functions through its context", async () => {
    const navigate = vi.fn();
    const emit = vi.fn();
    const { ctx, messages } = setup(undefined, {
      navigate,
      emit,
      ui: { alert: async (a) => a.buttons[1] ?? null },
    });
    const result = await runChain(
      [
        n("Action", "Go", {
          action: "Navigate",
          inputs: { page: "Orders", params: { id: { script: "42" } }, mode: "root" },
        }),
        n("Action", "Ask", { action: "Alert", inputs: { message: "Sure?", buttons: ["No", "Yes"] } }, [
          n("Action", "Tell", { action: "Emit", inputs: { event: "picked", payload: { script: "out.button" } } }),
        ]),
        n("Action", "Note", { action: "Log", inputs: { message: "done", level: "warn" } }),
      ],
      ctx,
    );
    expect(result.status).toBe("done");
    expect(navigate).toHaveBeenCalledWith({ page: "Orders", params: { id: 42 }, mode: "root" });
    expect(emit).toHaveBeenCalledWith("picked", "Yes");
    expect(messages).toEqual(["warn: done"]);
    const unknown = await runChain([n("Action", "X", { action: "Custom", inputs: { function: "nope" } })], ctx);
    expect(unknown).toMatchObject({ status: "failed", error: { code: "unknown_function" } });
    const notAnAction = await runChain([n("Action", "X", { action: "Teleport" })], ctx);
    expect(notAnAction).toMatchObject({ status: "failed", error: { code: "unknown_action" } });
  });

  it("fails an action whose input cannot be evaluated (its OnError runs)", async () => {
    const { ctx, log } = setup();
    const bad = rec("bad", { x: { script: "1 +" } }, [
      n("OnError", "E", {}, [rec("handler", { what: { script: "out.code" } })]),
    ]);
    const result = await runChain([bad], ctx);
    expect(log).toEqual(["handler>", "<handler"]);
    expect(result).toMatchObject({ status: "failed", handled: true, error: { code: "binding" } });
  });

  it("traces each action with its time and output or error", async () => {
    const { ctx, trace } = setup();
    await runChain([rec("a", { answer: 1 }, [rec("b", { fail: true })])], ctx);
    expect(trace.map(({ name, action, status, output, error }) => ({ name, action, status, output, error }))).toEqual([
      { name: "a", action: "Custom", status: "ok", output: 1, error: undefined },
      { name: "b", action: "Custom", status: "error", output: undefined, error: { code: "boom", message: "b failed" } },
    ]);
    expect(trace.every((t) => t.ms >= 0)).toBe(true);
  });

  it("shows the loading indicator of a call that lasts 300 ms, and hides it when it ends", async () => {
    vi.useFakeTimers();
    try {
      let shown = 0;
      let hidden = 0;
      let release: (v: unknown) => void = () => undefined;
      const slow = fakeServices({ sequences: { Slow: () => new Promise((r) => (release = r)) } });
      const { ctx } = setup(undefined, {
        services: slow.services,
        ui: { loading: () => (shown++, () => void hidden++) },
      });
      const call = (loading?: boolean) =>
        runChain(
          [
            n("Action", "Call", {
              action: "CallSequence",
              inputs: { sequence: "Slow", ...(loading === false ? { loading } : {}) },
            }),
          ],
          ctx,
        );
      const first = call();
      await vi.advanceTimersByTimeAsync(299);
      expect(shown).toBe(0);
      await vi.advanceTimersByTimeAsync(1);
      expect([shown, hidden]).toEqual([1, 0]);
      release("ok");
      expect((await first).status).toBe("done");
      expect(hidden).toBe(1);
      const second = call(false);
      await vi.advanceTimersByTimeAsync(1000);
      release("ok");
      await second;
      expect([shown, hidden]).toEqual([1, 1]);
    } finally {
      vi.useRealTimers();
    }
  });
});
