/** The served catalogues and their shapes (for the type-versions snapshot). */
import { describe, expect, it } from "vitest";
import { uiActions } from "./actions.ts";
import { uiComponents } from "./catalogue.ts";
import { catalogueShapes, uiCatalogue } from "./ui-catalogue.ts";

describe("uiCatalogue", () => {
  it("holds both catalogues", () => {
    expect(uiCatalogue()).toEqual({ components: uiComponents, actions: uiActions });
  });
});

describe("catalogueShapes", () => {
  const shapes = catalogueShapes();

  it("has one shape per entry, keyed as the files' versions header", () => {
    expect(Object.keys(shapes)).toHaveLength(uiComponents.length + uiActions.length);
    expect(shapes["ui:Button"]?.version).toBe(1);
    expect(shapes["ui:Button"]?.events).toEqual(["click", "focus", "blur"]);
    expect(shapes["ui:Button"]?.props.expand).toBe("enum:block|full");
    expect(shapes["ui:Button"]?.props.disabled).toBe("boolean");
    expect(shapes["action:CallSequence"]?.props.sequence).toBe("reference:sequence");
    expect(shapes["action:CallSequence"]?.props.cachePolicy).toBe("enum:none|networkFirst|cacheFirst");
    expect(shapes["action:CallSequence"]?.events).toBeUndefined();
  });

  it("changes when a stored prop changes", () => {
    const before = JSON.stringify(shapes);
    const button = uiComponents.find((c) => c.name === "Button")!;
    const saved = button.props.expand!.values;
    button.props.expand!.values = ["block"];
    try {
      expect(JSON.stringify(catalogueShapes())).not.toBe(before);
    } finally {
      button.props.expand!.values = saved;
    }
    expect(JSON.stringify(catalogueShapes())).toBe(before);
  });
});
