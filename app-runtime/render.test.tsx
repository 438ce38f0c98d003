// @vitest-environment happy-dom
import { IONIC_COMPONENTS } from "./components.ts";
import { setupIonicReact } from "@ionic/react";
import { act } from "react";
import { afterEach, describe, expect, it } from "vitest";
import type { TraceEntry } from "./chain.ts";
import type { UiNode } from "./model.ts";
import { renderApp, type AppOptions, type AppRuntime } from "./render.tsx";
import { memoryHistory } from "./router.ts";
import { fakeServices, memoryStorage, n, type FakeServices } from "./testing/fakes.ts";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
setupIonicReact({ mode: "md" });

let mounted: { unmount(): void; container: HTMLElement } | undefined;
afterEach(() => {
  if (mounted) act(() => mounted!.unmount());
  mounted?.container.remove();
  mounted = undefined;
});

async function mount(app: UiNode, fake: FakeServices, options: AppOptions = {}) {
  const container = document.createElement("div");
  document.body.appendChild(container);
  const history = memoryHistory("");
  let runtime!: AppRuntime;
  await act(async () => {
    const r = renderApp(container, app, fake.services, {
      history,
      ionApp: false,
      ui: {},
      components: IONIC_COMPONENTS,
      ...options,
    });
    runtime = r.runtime;
    mounted = { unmount: r.unmount, container };
  });
  return { container, runtime, history };
}

/** Lets chains and data loads finish, and React render what they changed (which may load more). */
async function settle(runtime: AppRuntime) {
  for (let i = 0; i < 3; i++) await act(() => runtime.idle());
}

/**
 * The props the interpreter gave the component that rendered an element. Vitest loads @lit/react's
 * Node build (the SSR one), which neither sets an Ionic element's properties nor listens to its
 * custom events; so tests read and fire them here (a browser build does both).
 */
function propsOf(el: Element): Record<string, unknown> {
  type Fiber = { type: unknown; return: Fiber | null; alternate: Fiber | null; memoizedProps: Record<string, unknown> };
  const own = el as unknown as Record<string, unknown>;
  const fiberKey = Object.keys(own).find((k) => k.startsWith("__reactFiber$"))!;
  const propsKey = Object.keys(own).find((k) => k.startsWith("__reactProps$"))!;
  // The element keeps the fiber it was created with: the current one holds its latest props.
  let fiber = own[fiberKey] as Fiber;
  if (fiber.memoizedProps !== own[propsKey] && fiber.alternate) fiber = fiber.alternate;
  let up = fiber.return;
  while (up && typeof up.type === "string") up = up.return;
  return up!.memoizedProps;
}

/** Fires an Ionic custom event (ionInput, ionChange) as the element would. */
function fireIon(el: Element, prop: string, detail: unknown): void {
  (propsOf(el)[prop] as (e: CustomEvent) => void)(
    new CustomEvent(prop.slice(2, 3).toLowerCase() + prop.slice(3), { detail }),
  );
}

const byId = (root: ParentNode, id: string) => root.querySelector(`[data-atl-id="${id}"]`) as HTMLElement | null;
/**
 * The text under an element. Stencil patches `textContent` and `childNodes` of scoped components
 * (their slots), so the markup is read instead.
 */
function textOf(el: Element | null | undefined): string | undefined {
  if (!el) return undefined;
  const div = document.createElement("div");
  div.innerHTML = el.innerHTML.replace(/<[^>]*>/g, "");
  return div.textContent ?? "";
}
const texts = (root: ParentNode, selector: string) => [...root.querySelectorAll(selector)].map((e) => textOf(e));

describe("the interpreter", () => {
  it("renders a login form whose button runs a Call Sequence with the typed values, then opens the next page", async () => {
    const call = n("Action", "CallLogin", {
      action: "CallSequence",
      inputs: {
        sequence: "Login",
        variables: {
          user: { source: "form", form: "loginform001", field: "User" },
          password: { script: "form.Password" },
        },
      },
    });
    call.children.push(
      n(
        "Action",
        "Remember",
        { action: "SetState", inputs: { name: "user", value: { source: "action", action: call.id, path: "user" } } },
        [n("Action", "Go", { action: "Navigate", inputs: { page: "Orders", mode: "root" } })],
      ),
    );
    const app = n("Application", "App", { startPage: "Orders", loginPage: "Login" }, [
      n("State", "user", { persist: "device" }),
      n("Page", "Login", { route: "login" }, [
        n("Component", "Content", { component: "Content" }, [
          n("Component", "Form", { $id: "loginform001", component: "Stack", layout: { gap: 8 } }, [
            n("Component", "User", { $id: "userinput001", component: "Input", inputs: { label: "User" } }),
            n("Component", "Password", {
              $id: "passinput001",
              component: "Input",
              inputs: { label: "Password", type: "password" },
            }),
            n(
              "Component",
              "LogIn",
              { $id: "loginbutton1", component: "Button", text: "Log in", inputs: { expand: "block" } },
              [n("Event", "Click", { on: "click" }, [call])],
            ),
          ]),
        ]),
      ]),
      n("Page", "Orders", { requiresLogin: true }, [
        n("Component", "Hello", { $id: "hellotitle01", component: "Title", text: { script: "'Hello ' + state.user" } }),
      ]),
    ]);
    const fake = fakeServices({
      sequences: { Login: (r: { variables: { user: string } }) => ({ user: r.variables.user }) },
    });
    const device = memoryStorage();
    const trace: TraceEntry[] = [];
    const { container, runtime, history } = await mount(app, fake, {
      storages: { device },
      trace: (t) => trace.push(t),
    });

    // Orders requires login: the login page shows.
    expect(runtime.router.current()?.page.name).toBe("Login");
    expect(container.querySelector('[data-page="Login"]')).not.toBeNull();
    const user = byId(container, "userinput001")!;
    expect(user.tagName).toBe("ION-INPUT");
    expect(propsOf(user)).toMatchObject({ label: "User", value: undefined });
    expect(propsOf(byId(container, "passinput001")!)).toMatchObject({ label: "Password", type: "password" });
    const form = byId(container, "loginform001")!;
    expect(form.tagName).toBe("DIV");
    expect(form.style.display).toBe("flex");
    expect(form.style.gap).toBe("8px");
    const button = byId(container, "loginbutton1")!;
    expect(button.tagName).toBe("ION-BUTTON");
    expect(textOf(button)).toBe("Log in");

    await act(async () => {
      fireIon(user, "onIonInput", { value: "alice" });
      fireIon(byId(container, "passinput001")!, "onIonInput", { value: "secret" });
    });
    expect(propsOf(user).value).toBe("alice");
    await act(async () => {
      button.click();
    });
    await settle(runtime);

    expect(fake.calls).toEqual([
      { method: "callSequence", args: [{ sequence: "Login", variables: { user: "alice", password: "secret" } }] },
    ]);
    expect(trace.map((t) => `${t.name}:${t.status}`)).toEqual(["CallLogin:ok", "Remember:ok", "Go:ok"]);
    expect(runtime.router.current()?.page.name).toBe("Orders");
    expect(history.location()).toBe("orders");
    expect(textOf(byId(container, "hellotitle01"))).toBe("Hello alice");
    expect(device.getItem("atelier:App:user")).toBe('"alice"');
  });

  it("repeats a ForEach over a live view of the device, and follows its changes and the sync status", async () => {
    const rows = (items: string[]) => ({
      total_rows: items.length,
      offset: 0,
      rows: items.map((item, i) => ({ id: `o${i}`, key: "alice", value: null, doc: { _id: `o${i}`, item } })),
    });
    const fake = fakeServices({
      views: {
        "FullSync/orders/byUser": (q: { key?: string }) => (q.key === "alice" ? rows(["pen", "ink"]) : rows([])),
      },
    });
    const each = n("Directive", "EachOrder", {
      $id: "ordeach00001",
      items: {
        source: "view",
        connector: "FullSync",
        view: "orders/byUser",
        path: "rows",
        live: true,
        query: { key: { source: "state", name: "user" }, include_docs: true },
      },
      key: "id",
      itemName: "order",
    });
    each.children.push(
      n("Component", "Row", { component: "Item" }, [
        n("Component", "ItemLabel", {
          component: "Label",
          styleClass: "order-label",
          text: { source: "item", directive: "ordeach00001", path: "doc.item" },
        }),
        n("Component", "Pos", { component: "Note", styleClass: "order-pos", text: { script: "order.id" } }),
      ]),
    );
    const app = n("Application", "App", { startPage: "Orders" }, [
      n("State", "user", { default: "alice" }),
      n("Page", "Orders", {}, [
        n("Component", "Pending", {
          $id: "pendingbadge",
          component: "Badge",
          inputs: { color: "warning" },
          text: { script: "sync.pending + ' to send'" },
        }),
        n("Component", "List", { component: "List" }, [each]),
      ]),
    ]);
    const { container, runtime } = await mount(app, fake, { connectors: ["FullSync"] });
    await settle(runtime);
    expect(texts(container, ".order-label")).toEqual(["pen", "ink"]);
    expect(texts(container, ".order-pos")).toEqual(["o0", "o1"]);
    expect(textOf(byId(container, "pendingbadge"))).toBe("0 to send");
    expect(propsOf(byId(container, "pendingbadge")!).color).toBe("warning");
    expect(fake.calls).toEqual([
      { method: "view", connector: "FullSync", args: ["orders/byUser", { key: "alice", include_docs: true }] },
    ]);

    await act(async () => {
      fake.setView("FullSync", "orders/byUser", rows(["pen", "ink", "stapler"]));
      fake.setStatus("FullSync", { pending: 1 });
    });
    await settle(runtime);
    expect(texts(container, ".order-label")).toEqual(["pen", "ink", "stapler"]);
    expect(textOf(byId(container, "pendingbadge"))).toBe("1 to send");
  });

  it("renders shared components with inputs, their Emit running the user's event, If directives and texts", async () => {
    const emit = n("Action", "Tell", {
      action: "Emit",
      inputs: { event: "picked", payload: { source: "input", name: "label" } },
    });
    const app = n("Application", "App", { startPage: "Home" }, [
      n("State", "picked", { default: null }),
      n("SharedComponent", "Chip", {}, [
        n("ComponentInput", "label", { default: "none" }),
        n("Component", "Pick", { $id: "chipbutton01", component: "Button", text: { source: "input", name: "label" } }, [
          n("Event", "Click", { on: "click" }, [emit]),
        ]),
      ]),
      n("Page", "Home", {}, [
        n("Event", "Enter", { on: "enter" }, [n("Action", "Hi", { action: "Log", inputs: { message: "entered" } })]),
        n("UseShared", "First", { $id: "usefirst0001", component: "Chip", inputs: { label: "Tea" } }, [
          n("Event", "Picked", { on: "picked" }, [
            n("Action", "Keep", { action: "SetState", inputs: { name: "picked", value: { source: "event" } } }),
          ]),
        ]),
        n("Directive", "WhenPicked", { kind: "If", condition: { source: "state", name: "picked" } }, [
          n("Text", "Said", { $id: "saidtext0001", value: { script: "'Picked ' + state.picked" } }),
        ]),
        n("Text", "Amount", { $id: "amounttext01", value: 1234.5, format: "currency" }),
      ]),
    ]);
    const logs: string[] = [];
    const { container, runtime } = await mount(app, fakeServices(), { log: (level, m) => logs.push(`${level}: ${m}`) });
    await settle(runtime);
    expect(logs).toEqual(["info: entered"]);
    expect(byId(container, "usefirst0001")?.getAttribute("data-shared")).toBe("Chip");
    expect(textOf(byId(container, "chipbutton01"))).toBe("Tea");
    expect(byId(container, "saidtext0001")).toBeNull();
    expect(textOf(byId(container, "amounttext01"))).toMatch(/1.?234[.,]50/);
    await act(async () => byId(container, "chipbutton01")!.click());
    await settle(runtime);
    expect(runtime.appState.get("picked")).toBe("Tea");
    expect(textOf(byId(container, "saidtext0001"))).toBe("Picked Tea");
  });

  it("keeps a field bound to a state two-way: typing sets it, a SetState clears the field", async () => {
    const app = n("Application", "App", { startPage: "Add" }, [
      n("Page", "Add", {}, [
        n("State", "draft", { default: "" }),
        n("Component", "AddOrder", { $id: "addform00001", component: "Stack" }, [
          n("Component", "Item", {
            $id: "iteminput001",
            component: "Input",
            inputs: { value: { source: "state", name: "draft" } },
          }),
          n("Component", "Add", { $id: "addbutton001", component: "Button", text: "Add" }, [
            n("Event", "Click", { on: "click" }, [
              n(
                "Action",
                "Post",
                {
                  action: "FullSyncPost",
                  inputs: {
                    connector: "FullSync",
                    doc: { type: "order", item: { source: "form", form: "addform00001", field: "Item" } },
                  },
                },
                [n("Action", "Clear", { action: "SetState", inputs: { name: "draft", value: "" } })],
              ),
            ]),
          ]),
          n("Component", "Echo", {
            $id: "echotext0001",
            component: "Paragraph",
            text: { script: "'draft: ' + state.draft" },
          }),
        ]),
      ]),
    ]);
    const fake = fakeServices();
    const { container, runtime } = await mount(app, fake);
    const input = byId(container, "iteminput001")!;
    await act(async () => fireIon(input, "onIonInput", { value: "Stapler" }));
    expect(textOf(byId(container, "echotext0001"))).toBe("draft: Stapler");
    expect(propsOf(input).value).toBe("Stapler");
    await act(async () => byId(container, "addbutton001")!.click());
    await settle(runtime);
    expect(fake.calls).toEqual([
      { method: "post", connector: "FullSync", args: [{ type: "order", item: "Stapler" }, { policy: "override" }] },
    ]);
    expect(propsOf(byId(container, "iteminput001")!).value).toBe("");
    expect(textOf(byId(container, "echotext0001"))).toBe("draft: ");
  });

  it("aborts a page's running chain when the page is left, and runs its leave event", async () => {
    // A call that never answers: only leaving the page ends its chain.
    const fake = fakeServices({ sequences: { Slow: () => new Promise(() => undefined) } });
    const app = n("Application", "App", { startPage: "A" }, [
      n("State", "got", { default: null }),
      n("Page", "A", {}, [
        n("Event", "Leave", { on: "leave" }, [n("Action", "Bye", { action: "Log", inputs: { message: "left A" } })]),
        n("Component", "Load", { $id: "loadbutton01", component: "Button", text: "Load" }, [
          n("Event", "Click", { on: "click" }, [
            n("Action", "Call", { action: "CallSequence", inputs: { sequence: "Slow" } }, [
              n("Action", "Keep", { action: "SetState", inputs: { name: "got", value: { script: "out" } } }),
            ]),
          ]),
        ]),
      ]),
      n("Page", "B", {}),
    ]);
    const trace: TraceEntry[] = [];
    const logs: string[] = [];
    const { container, runtime } = await mount(app, fake, {
      trace: (t) => trace.push(t),
      log: (_l, m) => logs.push(m),
    });
    await act(async () => byId(container, "loadbutton01")!.click());
    await act(async () => runtime.router.push("B"));
    await settle(runtime);
    expect(trace.map((t) => `${t.name}:${t.status}`)).toEqual(["Call:aborted", "Bye:ok"]);
    expect(logs).toEqual(["left A"]);
    expect(runtime.appState.get("got")).toBeNull();
    expect(container.querySelector('[data-page="B"]')).not.toBeNull();
  });

  it("shows a page that requires login without a user when the login guard is off (the Studio's preview)", async () => {
    const app = n("Application", "App", { startPage: "Orders", loginPage: "Login" }, [
      n("Page", "Login", { route: "login" }, []),
      n("Page", "Orders", { requiresLogin: true }, [
        n("Component", "Hello", { $id: "hellotitle02", component: "Title", text: "My orders" }),
      ]),
    ]);
    const { container, runtime } = await mount(app, fakeServices({}), { loginGuard: false });
    expect(runtime.router.current()?.page.name).toBe("Orders");
    expect(byId(container, "hellotitle02")?.textContent).toBe("My orders");
    expect(runtime.isLoggedIn()).toBe(false);
  });

  it("reports a binding it cannot evaluate and renders on", async () => {
    const errors: string[] = [];
    const app = n("Application", "App", { startPage: "Home" }, [
      n("Page", "Home", {}, [
        n("Component", "Bad", { $id: "badtitle0001", component: "Title", text: { script: "1 +" } }),
        n("Component", "Good", { $id: "goodtitle001", component: "Title", text: "fine" }),
        n("Component", "Odd", { $id: "oddcomp00001", component: "Teleporter" }),
      ]),
    ]);
    const { container } = await mount(app, fakeServices(), {
      onBindingError: (e) => errors.push(`${e.node} ${e.prop}`),
    });
    expect(textOf(byId(container, "badtitle0001"))).toBe("");
    expect(textOf(byId(container, "goodtitle001"))).toBe("fine");
    expect(byId(container, "oddcomp00001")?.getAttribute("data-atl-unknown")).toBe("Teleporter");
    expect(errors).toEqual(["badtitle0001 text", "oddcomp00001 component"]);
  });
});
