import { describe, expect, it } from "vitest";
import type { ObjNode } from "../../model/node.ts";
import { acceptsChild, checkNode, checkTree, getType } from "../../model/registry.ts";

let seq = 0;
const n = (type: string, name: string, props: Record<string, unknown> = {}, children: ObjNode[] = []): ObjNode => ({
  id: `${type.toLowerCase().slice(0, 6)}${String(++seq).padStart(6, "0")}`,
  type,
  name,
  props,
  children,
});
const withId = (node: ObjNode, id: string): ObjNode => ({ ...node, id });

/** The messages of one object's own checks (not its descendants'). */
const issues = (node: ObjNode, parent?: ObjNode) => checkNode(node, parent).map((i) => i.message);

/** An application as the design's §2.4 and §9 describe FullSyncDemo's. */
function demoApp(): ObjNode {
  const each = withId(
    n(
      "Directive",
      "EachOrder",
      {
        items: {
          source: "view",
          connector: "FullSync",
          view: "orders/byUser",
          path: "rows",
          live: true,
          query: { key: { source: "state", name: "user" }, include_docs: true },
        },
        key: "id",
      },
      [
        n("Component", "ItemLabel", {
          component: "Label",
          text: { source: "item", directive: "ordeach00001", path: "doc.item" },
        }),
      ],
    ),
    "ordeach00001",
  );
  const call = withId(
    n(
      "Action",
      "CallLogin",
      {
        action: "CallSequence",
        inputs: {
          sequence: "Login",
          variables: { script: "({ user: form.user, password: form.password })" },
        },
      },
      [
        n("Action", "RememberUser", {
          action: "SetState",
          inputs: { name: "user", value: { source: "action", action: "logincall001", path: "user" } },
        }),
        n("OnError", "Failed", {}, [
          n("Action", "Say", { action: "Toast", inputs: { message: { source: "event", path: "message" } } }),
        ]),
      ],
    ),
    "logincall001",
  );
  const login = n("Page", "Login", { route: "login" }, [
    withId(
      n("Component", "Form", { component: "Stack", layout: { direction: "column", gap: 8 } }, [
        n("Component", "User", { component: "Input", inputs: { label: "User" } }),
        n("Component", "LogIn", { component: "Button", text: "Log in" }, [
          n("Event", "Click", { on: "click" }, [call]),
        ]),
      ]),
      "loginform001",
    ),
  ]);
  const orders = n("Page", "Orders", { title: "My orders", requiresLogin: true }, [
    n("State", "filter", { schema: { type: "string" }, default: "" }),
    n("Style", "Look", { css: ".pending { font-weight: bold; }" }),
    n("Event", "Enter", { on: "enter" }, [n("Action", "Log", { action: "Log", inputs: { message: "entered" } })]),
    n("Component", "Content", { component: "Content", layout: { direction: "column", gap: 8, padding: 12 } }, [
      each,
      n("Component", "Pending", {
        component: "Badge",
        inputs: { color: "warning" },
        text: { script: "sync.pending + ' to send'" },
        styleClass: "pending",
      }),
      n("Directive", "WhenOffline", { kind: "If", condition: { script: "!app.online" } }, [
        n("Text", "Offline", { value: "Offline" }),
      ]),
      n("UseShared", "Total", { component: "OrderRow", inputs: { order: { source: "state", name: "filter" } } }, [
        n("Event", "Picked", { on: "pick" }),
      ]),
    ]),
  ]);
  return n(
    "Application",
    "App",
    { title: "Orders", startPage: "Orders", loginPage: "Login", theme: { primary: "#2563eb" }, pageOrder: ["Login"] },
    [
      n("State", "user", { schema: { type: "string" }, persist: "device" }),
      n("Style", "Global", { css: "ion-content { --background: #fafafa; }" }),
      n("Event", "Start", { on: "start" }, [
        n("Action", "Sync", { action: "FullSyncSync", inputs: { connector: "FullSync" } }),
      ]),
      login,
      orders,
      n("SharedComponent", "OrderRow", {}, [
        n("ComponentInput", "order", { schema: { type: "object" } }),
        n("ComponentEvent", "pick", { payload: { type: "string" } }),
        n("Text", "Item", { value: { source: "input", name: "order", path: "item" } }),
      ]),
      n("SharedAction", "AfterLogin", { output: { source: "input", name: "user" } }, [
        n("ActionInput", "user", { required: true }),
        n("Action", "Check", { action: "If", inputs: { condition: { source: "input", name: "user" } } }, [
          n("Action", "Go", { action: "Navigate", inputs: { page: "Orders" } }),
          n("ActionElse", "Otherwise", {}, [n("Action", "Back", { action: "Navigate", inputs: { page: "Login" } })]),
        ]),
      ]),
    ],
  );
}

describe("the UI builder's types", () => {
  it("are versioned; a project holds one application, in ui/, and its pages, shared components and actions in files of their own", () => {
    for (const t of ["Page", "Component", "Action", "State", "ActionElse", "Style"]) {
      expect(getType(t)?.version ?? 1, t).toBe(1);
    }
    // Version 2: the page order names pages as references.
    expect(getType("Application")?.version).toBe(2);
    expect(acceptsChild("Project", "Application")).toBe(true);
    const files = Object.fromEntries(
      ["Application", "Page", "SharedComponent", "SharedAction"].map((t) => [
        t,
        [getType(t)?.file, getType(t)?.fileParent],
      ]),
    );
    expect(files).toEqual({
      Application: ["ui", undefined],
      Page: ["ui/pages", "Application"],
      SharedComponent: ["ui/shared", "Application"],
      SharedAction: ["ui/actions", "Application"],
    });
    // Everything else is written in its parent's file.
    for (const t of ["Component", "Text", "Directive", "UseShared", "Event", "Action", "State", "Style"]) {
      expect(getType(t)?.file, t).toBeUndefined();
    }
    const project = n("Project", "Shop", {}, [demoApp()]);
    expect(issues(project)).toEqual([]);
    project.children.push(n("Application", "Other"));
    expect(issues(project)).toEqual([
      'The project Shop holds 2 applications ("App", "Other"): a project has one application, whose pages, shared components and shared actions are the files of ui/pages/, ui/shared/ and ui/actions/. Keep one (move what the others hold into it, then delete them)',
    ]);
  });

  it("hold pages, shared components and shared actions to unique file names", () => {
    const app = demoApp();
    app.children.push(n("Page", "Orders"), n("SharedComponent", "OrderRow"), n("SharedAction", "AfterLogin"));
    // A shared component may share a page's name: they are files of different folders.
    app.children.push(n("SharedComponent", "Login"));
    expect(issues(app).filter((m) => m.startsWith("Two"))).toEqual([
      'Two page objects are named "Orders"',
      'Two shared component objects are named "OrderRow" (one file, ui/shared/OrderRow.yaml)',
      'Two shared action objects are named "AfterLogin" (one file, ui/actions/AfterLogin.yaml)',
    ]);
  });

  it("accept the children of the design and refuse the others", () => {
    const yes: [string, string][] = [
      ["Application", "Page"],
      ["Application", "SharedComponent"],
      ["Application", "SharedAction"],
      ["Application", "State"],
      ["Application", "Style"],
      ["Application", "Event"],
      ["Application", "Component"],
      ["Page", "Component"],
      ["Page", "Text"],
      ["Page", "Directive"],
      ["Page", "UseShared"],
      ["Page", "Event"],
      ["Page", "State"],
      ["Page", "Style"],
      ["Component", "Component"],
      ["Component", "Event"],
      ["Directive", "Component"],
      ["UseShared", "Event"],
      ["SharedComponent", "Component"],
      ["SharedComponent", "ComponentInput"],
      ["SharedComponent", "ComponentEvent"],
      ["SharedComponent", "Style"],
      ["SharedAction", "ActionInput"],
      ["SharedAction", "Action"],
      ["Event", "Action"],
      ["Action", "Action"],
      ["Action", "OnError"],
      ["Action", "ActionElse"],
      ["OnError", "Action"],
      ["ActionElse", "Action"],
    ];
    const no: [string, string][] = [
      ["Page", "SharedComponent"],
      ["Page", "Page"],
      ["Component", "SharedComponent"],
      ["Component", "State"],
      ["Component", "Action"],
      ["Text", "Component"],
      ["Directive", "Event"],
      ["UseShared", "Component"],
      ["Event", "Event"],
      ["Event", "OnError"],
      ["SharedAction", "OnError"],
      ["Application", "Text"],
      ["Application", "ActionInput"],
      ["Sequence", "Action"],
      ["IfThenElse", "ActionElse"],
      ["Action", "Else"],
    ];
    for (const [p, c] of yes) expect(acceptsChild(p, c), `${p} holds ${c}`).toBe(true);
    for (const [p, c] of no) expect(acceptsChild(p, c), `${p} refuses ${c}`).toBe(false);
  });

  it("pass a whole application with no issue on any object", () => {
    const problems = checkTree(demoApp());
    expect(Object.fromEntries(problems)).toEqual({});
  });

  it("say what is wrong in a broken one", () => {
    const app = demoApp();
    const page = (name: string) => app.children.find((c) => c.name === name)!;
    const orders = page("Orders");
    const content = orders.children.find((c) => c.name === "Content")!;
    const each = content.children[0]!;
    const offline = content.children[2]!;
    delete each.props.items;
    each.props.condition = true;
    offline.props = { kind: "If", items: { source: "state", name: "user" } };
    expect(issues(each, content)).toEqual([
      "A ForEach needs Items: the list to repeat its content for",
      "A ForEach has no condition (make it an If, or put an If inside)",
    ]);
    expect(issues(offline, content)).toEqual(["An If needs a Condition", "An If has no items (make it a ForEach)"]);
    each.props.items = "orders";
    expect(issues(each, content)).toContain("Items must be a list: a source or a script giving one");

    orders.props.route = "My Orders";
    expect(issues(orders, app)).toEqual(["Route has an invalid format (expected [a-z0-9-/:]*)"]);
    delete orders.props.route;
    orders.name = "Orders_list";
    expect(issues(orders, app)).toEqual(['The name "Orders_list" makes no route ([a-z0-9-/:]*): set Route']);
    // A page's name is its file's name (ui/pages/NAME.yaml) too.
    orders.name = "Orders list";
    expect(issues(orders, app)).toEqual([
      '"Orders list" cannot be a Page name: it is a file name (letters, digits, _ . -, not starting with a digit, . or -)',
      'The name "Orders list" makes no route ([a-z0-9-/:]*): set Route',
    ]);
    orders.name = "Orders";

    const enter = orders.children.find((c) => c.type === "Event")!;
    enter.props.on = "click";
    expect(issues(orders, app)).toEqual(['A page has no event "click" (event Enter): it offers load, enter, leave']);
    enter.props.on = " ";
    expect(issues(enter, orders)).toEqual(["On names no event"]);
    delete enter.props.on;
    expect(issues(enter, orders)).toEqual(["On is required"]);

    const pending = content.children[1]!;
    pending.props.text = { source: "sync", connector: "FullSync" };
    pending.props.layout = { direction: "row", top: 3 };
    expect(issues(pending, content)).toEqual(['Text: source "sync" needs field', 'Layout has no "top"']);

    const login = page("Login");
    app.props.loginPage = "Orders";
    login.props.route = "orders";
    app.props.pageOrder = ["Login", "Home"];
    app.children.push(n("State", "user"), n("Event", "Resume", { on: "resume" }));
    expect(issues(app)).toEqual([
      'Two states are named "user"',
      'The application has no event "resume" (event Resume): it offers start',
      'The pages Login and Orders have the same route "orders"',
      'Page order: there is no page "Home"',
      "The login page cannot be the start page",
    ]);
    delete app.props.startPage;
    expect(issues(app)).toContain("Start page is required");

    const state = app.children.find((c) => c.type === "State")!;
    state.name = "the-user";
    state.props.persist = "forever";
    expect(issues(state, app)).toEqual([
      "Persist must be one of: none, session, device",
      'A state needs a name scripts can read: letters, digits, _ or $, not starting with a digit ("the-user")',
    ]);

    const shared = page("OrderRow");
    shared.children.push(n("ComponentInput", "order"), n("Event", "Click", { on: "click" }));
    expect(issues(shared, app)).toEqual([
      'Two inputs are named "order"',
      'A shared component has no event "click" (event Click): it offers init',
    ]);

    const check = page("AfterLogin").children[1]!;
    check.props.action = "Navigate";
    check.children.push(n("OnError", "E1"), n("OnError", "E2"), n("ActionElse", "Else2"));
    expect(issues(check, page("AfterLogin"))).toEqual([
      'Navigate has no input "condition"; its inputs: page, params, mode',
      "Navigate takes no Else",
      "An action has one Else",
      "An action has one OnError",
    ]);
    expect(issues(n("Action", "Nothing", { inputs: { page: { source: "page" } } }))).toEqual([
      "Action is required",
      'Inputs "page": unknown source "page" (one of: sequence, view, doc, item, form, state, action, input, event, sync, app)',
    ]);
    expect(issues(n("Text", "Empty"))).toEqual(["Value is required"]);
    expect(issues(n("UseShared", "Nothing"))).toEqual(["Shared component is required"]);
    expect(issues(n("Component", "Nothing"))).toEqual(["Component is required"]);
    expect(issues(n("Style", "S"), content)).toEqual(["A Component cannot hold a Style"]);
  });

  it("check the values and names of the other types", () => {
    const app = demoApp();
    expect(issues(n("Application", "A", { startPage: "P", themeColor: "blue", capacitorAppId: "orders" }))).toEqual([
      "Theme color has an invalid format (expected #[0-9a-fA-F]{6})",
      "Capacitor app id has an invalid format (expected [A-Za-z][\\w]*(\\.[A-Za-z][\\w]*)+)",
    ]);
    // The engine of an app not served by it: an absolute http(s) address, nothing else.
    const endpoint = (value: unknown) => issues(n("Application", "A", { startPage: "P", endpoint: value }));
    expect(endpoint("https://engine.example.com")).toEqual([]);
    expect(endpoint("http://10.0.2.2:28080/")).toEqual([]);
    expect(endpoint("")).toEqual([]);
    expect(endpoint("engine.example.com")).toEqual([
      'Engine address "engine.example.com" is not an absolute URL (https://engine.example.com)',
    ]);
    expect(endpoint("ftp://engine.example.com")).toEqual([
      'Engine address "ftp://engine.example.com" must be an http or https URL',
    ]);
    expect(endpoint("https://u:p@engine.example.com")).toEqual([
      'Engine address "https://u:p@engine.example.com" must have no query, fragment nor user name',
    ]);
    expect(issues(n("Text", "T", { value: "x", format: "money" }))).toEqual([
      "Format must be one of: none, date, number, currency",
    ]);
    expect(issues(n("Event", "E", { on: "click", debounceMs: -5 }))).toEqual(["Debounce (ms) must be at least 0"]);
    expect(issues(n("Directive", "D", { items: { script: "[]" }, itemName: "an item" }))).toEqual([
      "Item name has an invalid format (expected [A-Za-z_$][\\w$]*)",
    ]);
    expect(issues(n("ComponentInput", "1st"))).toEqual([
      `A shared component's input needs a name scripts can read: letters, digits, _ or $, not starting with a digit ("1st")`,
    ]);
    expect(issues(n("ComponentEvent", "on-pick"))[0]).toMatch(
      /^A shared component's event needs a name scripts can read/,
    );
    expect(issues(n("ActionInput", "the user"))[0]).toMatch(/^A shared action's input needs a name scripts can read/);
    const shared = app.children.find((c) => c.type === "SharedAction")!;
    shared.children.push(n("ActionInput", "user"));
    expect(issues(shared, app)).toEqual(['Two inputs are named "user"']);
    expect(issues(n("UseShared", "U", { component: "OrderRow", inputs: { order: { source: "input" } } }))).toEqual([
      'Inputs "order": source "input" needs name',
    ]);
    expect(issues(n("Style", "S", { css: 3 }))).toEqual(["CSS must be text"]);
    expect(issues(n("State", "s", { persist: "device", schema: { type: "string" }, default: "x" }))).toEqual([]);
  });

  it("check components and actions against the catalogues", () => {
    const app = demoApp();
    const orders = app.children.find((c) => c.name === "Orders")!;
    const content = orders.children.find((c) => c.name === "Content")!;
    const pending = content.children[1]!;
    pending.props.component = "Badg";
    expect(issues(pending, content)).toEqual(['Unknown component "Badg" (did you mean "Badge"?)']);
    pending.props.component = "Badge";
    pending.props.inputs = { color: 3, shape: "round" };
    expect(issues(pending, content)[0]).toBe('Badge "color" must be a color name (got number 3)');
    expect(issues(pending, content)[1]).toMatch(/^Badge has no prop "shape"; its props: /);

    // Children, looking through directives; events; text.
    const each = content.children[0]!;
    each.children.push(n("Component", "Head", { component: "Header" }));
    expect(issues(content, orders)).toEqual([
      "Head: Header cannot go under Content (it goes under Page, SharedComponent)",
    ]);
    const spinner = n("Component", "Wait", { component: "Spinner", text: "Loading" }, [
      n("Component", "Inner", { component: "Label" }),
      n("Text", "Words", { value: "Wait" }),
      n("Event", "Tap", { on: "click" }),
    ]);
    expect(issues(spinner, content)).toEqual([
      "Spinner shows no text",
      "Inner: Spinner takes no children",
      "Words: Spinner takes no children",
      'Tap: Spinner has no events (not "click")',
    ]);
    app.children.push(n("Component", "Side", { component: "Button" }));
    expect(issues(app)).toEqual(["Side: Button cannot go under the application"]);

    const start = app.children.find((c) => c.type === "Event")!;
    const sync = start.children[0]!;
    sync.props.action = "FullSyncSnc";
    expect(issues(sync, start)).toEqual(['Unknown action "FullSyncSnc" (did you mean "FullSyncSync"?)']);
    sync.props.action = "Toast";
    sync.props.inputs = {};
    sync.children.push(n("ActionElse", "Otherwise"));
    expect(issues(sync, start)).toEqual(['Toast "message" is required', "Toast takes no Else"]);
  });
});
