import { describe, expect, it } from "vitest";
import { checkTree } from "../model/registry.ts";
import { componentByName, uiComponents } from "./catalogue.ts";
import { freeName, newComponent, newStructure } from "./new-objects.ts";
import type { ObjNode } from "../model/node.ts";
import type { NewObject } from "./new-objects.ts";

let ids = 0;
const withIds = (o: NewObject): ObjNode => ({
  id: `n${++ids}`,
  type: o.type,
  name: o.name,
  props: o.props,
  children: o.children.map(withIds),
});

/** "Image \"src\" is required", for every required property of the catalogue. */
const REQUIRED = new Set(
  uiComponents.flatMap((c) =>
    Object.entries(c.props)
      .filter(([, p]) => p.required)
      .map(([k]) => `${c.name} "${k}" is required`),
  ),
);

describe("objects created on drop", () => {
  it("names freely: Button, Button2, and never a name already taken", () => {
    const taken = new Set(["Button", "Button3"]);
    expect(freeName("Button", taken)).toBe("Button2");
    expect(freeName("Button", taken)).toBe("Button4");
    expect(freeName("9lives", new Set())).toBe("C9lives");
    expect(freeName("a b-c", new Set())).toBe("abc");
  });

  it("a Header comes with its Toolbar and Title, names free within the page", () => {
    const taken = new Set(["Title", "Toolbar"]);
    expect(newComponent("Header", taken)).toEqual({
      type: "Component",
      name: "Header",
      props: { component: "Header" },
      children: [
        {
          type: "Component",
          name: "Toolbar2",
          props: { component: "Toolbar" },
          children: [{ type: "Component", name: "Title2", props: { component: "Title", text: "Title" }, children: [] }],
        },
      ],
    });
  });

  it("an unknown component is no object", () => {
    expect(newComponent("Blink", new Set())).toBeUndefined();
  });

  it("every catalogue entry gives objects the model accepts where it goes", () => {
    for (const entry of uiComponents) {
      // Under what it may go: a page, else the parents the catalogue names up to a page, or the
      // application for what goes only there (a side menu, the app's tab bar).
      let holder: ObjNode = withIds(newComponent(entry.name, new Set())!);
      let e = entry;
      for (; e.parents && !e.parents.includes("Page") && !e.parents.includes("Application");) {
        const up = componentByName(e.parents[0]!)!;
        holder = {
          id: `h${++ids}`,
          type: "Component",
          name: `${up.name}Holder`,
          props: { component: up.name },
          children: [holder],
        };
        e = up;
      }
      const page: ObjNode =
        e.parents && !e.parents.includes("Page")
          ? { id: `a${++ids}`, type: "Application", name: "App", props: {}, children: [holder] }
          : { id: `p${++ids}`, type: "Page", name: "P", props: { route: "p" }, children: [holder] };
      // A required property without a sensible default (an Image's src, the page a tab opens) is
      // for the developer to fill; anything else would be a catalogue defect.
      const problems = [...checkTree(page).values()]
        .flat()
        .filter((i) => !REQUIRED.has(i.message) && !/start page/i.test(i.message));
      expect(problems.map((i) => `${entry.name}: ${i.message}`)).toEqual([]);
    }
  });

  it("structure items: a text, the directives, a shared component", () => {
    const taken = new Set<string>();
    expect(newStructure({ type: "Text" }, taken)).toMatchObject({
      type: "Text",
      name: "Text",
      props: { value: "Text" },
    });
    expect(newStructure({ type: "Directive", kind: "ForEach" }, taken)).toMatchObject({
      type: "Directive",
      name: "ForEach",
      props: { kind: "ForEach" },
    });
    expect(newStructure({ type: "UseShared", component: "Card" }, taken)).toMatchObject({
      type: "UseShared",
      name: "Card",
      props: { component: "Card" },
    });
  });
});
