// @vitest-environment happy-dom
import { setupIonicReact } from "@ionic/react";
import { act } from "react";
import { describe, expect, it, vi } from "vitest";
import { uiComponents } from "../engine/common/ui/catalogue.ts";
import { elementFor, IONIC_COMPONENTS, passedProps } from "./components.ts";
import { renderApp } from "./render.tsx";
import { memoryHistory } from "./router.ts";
import { fakeServices, n } from "./testing/fakes.ts";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
setupIonicReact({ mode: "md" });

/** IonCardTitle → ion-card-title. */
const tagOf = (ionic: string) => ionic.replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase();

describe("the components table", () => {
  it("has an Ionic component for every catalogue entry rendered with one, and nothing more", () => {
    const named = new Set(uiComponents.flatMap((c) => (c.render.ionic ? [c.render.ionic] : [])));
    for (const name of named) expect(IONIC_COMPONENTS[name], name).toBeDefined();
    expect(Object.keys(IONIC_COMPONENTS).sort()).toEqual([...named].sort());
  });

  it("renders plain entries with their element, headings at their level", () => {
    const heading = uiComponents.find((c) => c.name === "Heading")!;
    expect(elementFor(heading, { level: "4" })).toBe("h4");
    expect(elementFor(heading, {})).toBe("h2");
    expect(elementFor(heading, { level: "9" })).toBe("h6");
    expect(passedProps(heading, { level: "4", id: "x" })).toEqual({ id: "x" });
    expect(elementFor(uiComponents.find((c) => c.name === "Stack")!)).toBe("div");
    expect(elementFor(uiComponents.find((c) => c.name === "Paragraph")!)).toBe("p");
  });

  it("renders every catalogue entry through the interpreter", async () => {
    const needs: Record<string, Record<string, unknown>> = {
      Image: { src: "logo.png" },
      TabButton: { tab: "Home" },
      MenuItem: { page: "Home" },
    };
    const nodes = uiComponents.map((c) =>
      n("Component", c.name, {
        $id: `cat${c.name}`,
        component: c.name,
        inputs: { ...(c.initial?.inputs ?? {}), ...(needs[c.name] ?? {}) },
        ...(c.initial?.text !== undefined ? { text: c.initial.text } : {}),
      }),
    );
    // A tab button inside a tab bar goes another way (IonTabBar keeps only IonTabButton children).
    nodes.push(
      n("Component", "Bar", { $id: "catBar", component: "TabBar" }, [
        n("Component", "Tab", { $id: "catBarTab", component: "TabButton", inputs: { tab: "Home" }, text: "Home" }),
      ]),
    );
    const app = n("Application", "App", { startPage: "Home" }, [n("Page", "Home", {}, nodes)]);
    const container = document.createElement("div");
    document.body.appendChild(container);
    // Known noise, kept out of the output: Ionic 9 says ion-img (the catalogue's Image) is
    // deprecated; and Vitest loads @lit/react's Node build, which sets no element property, so
    // ion-menu has no contentId and ion-icon no icon here (a browser build sets both).
    const { warn, error } = console;
    const noise = /\[ion-img\]|\[ion-menu\] - Must have a "content"|reading 'toLowerCase'/;
    const quietWarn = vi.spyOn(console, "warn").mockImplementation((...args: unknown[]) => {
      if (!noise.test(String(args[0]))) warn(...args);
    });
    const quietError = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
      if (!noise.test(String(args[0]))) error(...args);
    });
    let unmount = () => {};
    await act(async () => {
      // Icons given as SVG (as a built app's bundled ionicons): none is fetched by name.
      const icons = { add: "data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg'/>" };
      const r = renderApp(container, app, fakeServices().services, {
        history: memoryHistory(""),
        ionApp: false,
        ui: {},
        icons,
        components: IONIC_COMPONENTS,
      });
      unmount = r.unmount;
    });
    try {
      for (const c of uiComponents) {
        const el = container.querySelector(`[data-atl-id="cat${c.name}"]`);
        expect(el, c.name).not.toBeNull();
        const expected = c.render.ionic ? tagOf(c.render.ionic) : c.render.html === "h{level}" ? "h2" : c.render.html;
        expect(el!.tagName.toLowerCase(), c.name).toBe(expected);
      }
      expect(container.querySelector('[data-atl-id="catBarTab"]')?.tagName).toBe("ION-TAB-BUTTON");
    } finally {
      act(() => unmount());
      container.remove();
      quietWarn.mockRestore();
      quietError.mockRestore();
    }
  });

  it("renders an Ionic component the app's table lacks as a visible error naming it", async () => {
    const app = n("Application", "App", { startPage: "Home" }, [
      n("Page", "Home", {}, [
        n("Component", "Buy", { $id: "tblBuy", component: "Button", text: "Buy" }),
        n("Component", "Box", { $id: "tblBox", component: "Stack" }, [
          n("Component", "Agree", { $id: "tblAgree", component: "Toggle" }),
        ]),
      ]),
    ]);
    const container = document.createElement("div");
    document.body.appendChild(container);
    const errors: { node: string; prop: string; message: string }[] = [];
    let unmount = () => {};
    await act(async () => {
      const r = renderApp(container, app, fakeServices().services, {
        history: memoryHistory(""),
        ionApp: false,
        ui: {},
        // The app's own table: the Button only.
        components: { IonButton: IONIC_COMPONENTS.IonButton! },
        onBindingError: (e) => errors.push(e),
      });
      unmount = r.unmount;
    });
    try {
      const at = (id: string) => container.querySelector(`[data-atl-id="${id}"]`);
      expect(at("tblBuy")?.tagName).toBe("ION-BUTTON");
      expect(at("tblBox")?.tagName).toBe("DIV");
      const missing = at("tblAgree");
      expect(missing?.getAttribute("data-atl-missing")).toBe("IonToggle");
      expect(missing?.getAttribute("role")).toBe("alert");
      expect(missing?.textContent).toBe(
        "IonToggle (the catalogue's Toggle) is not in this app's component table: rebuild the app",
      );
      expect(errors).toEqual([{ node: "tblAgree", prop: "component", message: missing?.textContent }]);
    } finally {
      act(() => unmount());
      container.remove();
    }
  });
});
