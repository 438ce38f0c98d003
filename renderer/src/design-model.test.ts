import { describe, expect, it } from "vitest";
import type { ObjNode } from "../../engine/common/model/node.ts";
import { flattenTree } from "../../engine/common/studio/api.ts";
import { designTarget, previewApplication, SHARED_DESIGN_PAGE } from "./design-model.ts";
import { fromTree, toObjNode } from "./tree-model.ts";

const n = (id: string, type: string, name: string, props: Record<string, unknown> = {}, children: ObjNode[] = []) => ({
  id,
  type,
  name,
  props,
  children,
});
const root = n("p", "Project", "Shop", {}, [
  n("seq", "Sequence", "MyOrders"),
  n("app", "Application", "App", { startPage: "Home" }, [
    n("about", "Page", "About"),
    n("home", "Page", "Home", {}, [n("btn", "Component", "Go", { component: "Button" })]),
    n("card", "SharedComponent", "OrderCard", {}, [n("lbl", "Component", "Item", { component: "Label" })]),
  ]),
]);
const p = fromTree({ project: "Shop", rev: 1, rootId: "p", nodes: flattenTree(root) });

describe("what the designer shows", () => {
  it("the page holding the selection, the start page for the application, nothing elsewhere", () => {
    expect(designTarget(p, "btn")?.page.id).toBe("home");
    expect(designTarget(p, "about")?.page.id).toBe("about");
    expect(designTarget(p, "app")?.page.id).toBe("home");
    expect(designTarget(p, "seq")).toBeUndefined();
  });

  it("a shared component alone, as a page of its own with its ids", () => {
    const target = designTarget(p, "lbl")!;
    expect(target.page.id).toBe("card");
    const shown = previewApplication(toObjNode(p, "app")!, target);
    expect(shown.page).toBe(SHARED_DESIGN_PAGE);
    const page = shown.application.children.find((c) => c.name === SHARED_DESIGN_PAGE)!;
    expect(page).toMatchObject({ id: "card", type: "Page", props: { route: SHARED_DESIGN_PAGE, title: "OrderCard" } });
    expect(page.children.map((c) => c.id)).toEqual(["lbl"]);
    // A page is shown as it is.
    const home = previewApplication(toObjNode(p, "app")!, designTarget(p, "btn")!);
    expect(home.page).toBe("Home");
    expect(home.application.children.map((c) => c.type)).toEqual(["Page", "Page", "SharedComponent"]);
  });
});
