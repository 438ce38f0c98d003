import { describe, expect, it } from "vitest";
import type { ObjNode } from "../../engine/common/model/node.ts";
import { flattenTree } from "../../engine/common/studio/api.ts";
import { fromTree } from "./tree-model.ts";
import {
  objectsFor,
  paletteGroups,
  placeAtSelection,
  placeProblem,
  searchUiPalette,
  uiPaletteEntries,
} from "./ui-palette.ts";

const n = (id: string, type: string, name: string, props: Record<string, unknown> = {}, children: ObjNode[] = []) => ({
  id,
  type,
  name,
  props,
  children,
});
const p = fromTree({
  project: "Shop",
  rev: 1,
  rootId: "p",
  nodes: flattenTree(
    n("p", "Project", "Shop", {}, [
      n("app", "Application", "App", { startPage: "Home" }, [
        n("home", "Page", "Home", {}, [
          n("content", "Component", "Content", { component: "Content" }, [
            n("label", "Component", "Button", { component: "Label" }),
            n("each", "Directive", "Each", { kind: "ForEach" }, [
              n("item", "Component", "Item", { component: "Item" }),
            ]),
            n("img", "Component", "Img", { component: "Image" }),
          ]),
        ]),
        n("card", "SharedComponent", "Card"),
      ]),
    ]),
  ),
});
const button = { kind: "component", component: "Button" } as const;

describe("the designer's palette", () => {
  it("lists the catalogue by group, then texts and directives, then the shared components", () => {
    const entries = uiPaletteEntries(["Card"]);
    const groups = paletteGroups(entries).map((g) => g.group);
    expect(groups.slice(-2)).toEqual(["Texts and directives", "Shared components"]);
    expect(entries.at(-1)).toMatchObject({ label: "Card", item: { kind: "structure", item: { type: "UseShared" } } });
    expect(searchUiPalette(entries, "button")[0]?.label).toBe("Button");
    expect(searchUiPalette(entries, "zzz")).toEqual([]);
  });

  it("adds inside what takes it, else after the selection, never where the catalogue refuses", () => {
    expect(placeAtSelection(p, "content", button)).toEqual({ parent: "content", index: 3 });
    // A Label shows a text: beside it. An Image takes nothing: after it.
    expect(placeAtSelection(p, "label", button)).toEqual({ parent: "content", index: 1 });
    expect(placeAtSelection(p, "img", button)).toEqual({ parent: "content", index: 3 });
    // In a directive, as its holder would take it.
    expect(placeAtSelection(p, "each", button)).toEqual({ parent: "each", index: 1 });
    expect(placeProblem(p, "content", { kind: "component", component: "Col" })).toMatch(/Col cannot go under Content/);
    expect(placeProblem(p, "each", { kind: "component", component: "Header" })).toBeDefined();
    expect(placeProblem(p, "home", { kind: "component", component: "Header" })).toBeUndefined();
  });

  it("makes objects named freely within the page", () => {
    expect(objectsFor(p, "content", button)).toMatchObject({ type: "Component", name: "Button2" });
    expect(objectsFor(p, "card", button)).toMatchObject({ name: "Button" });
  });
});
