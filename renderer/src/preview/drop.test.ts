import { describe, expect, it } from "vitest";
import { createUiModel, type UiNode } from "../../../app-runtime/model.ts";
import { dropContainer, dropIndex, dropProblem, drawnInRow } from "./drop.ts";

const comp = (id: string, component: string, children: UiNode[] = [], props: Record<string, unknown> = {}): UiNode => ({
  id,
  type: "Component",
  name: id,
  props: { component, ...props },
  children,
});

// A page: a header with a toolbar of two buttons; content with a stack holding a label, a
// ForEach of items (drawn as its items), and a button; an image (takes no children).
const app: UiNode = {
  id: "app",
  type: "Application",
  name: "App",
  props: {},
  children: [
    {
      id: "page",
      type: "Page",
      name: "Home",
      props: {},
      children: [
        comp("header", "Header", [comp("toolbar", "Toolbar", [comp("b1", "Button"), comp("b2", "Button")])]),
        comp("content", "Content", [
          comp("stack", "Stack", [
            comp("label", "Label"),
            {
              id: "each",
              type: "Directive",
              name: "each",
              props: { kind: "ForEach" },
              children: [comp("item", "Item")],
            },
            comp("go", "Button"),
          ]),
          comp("img", "Image", [], { inputs: { src: "a.png" } }),
        ]),
      ],
    },
  ],
};
const model = createUiModel(app);
const box = (left: number, top: number, width: number, height: number) => ({ left, top, width, height });

describe("where a drop lands in the preview", () => {
  it("the deepest object under the pointer that takes the item", () => {
    const button = { kind: "component", component: "Button" } as const;
    // Over the image (no children): its content takes it.
    expect(dropContainer(model, ["img", "content", "page"], button)?.id).toBe("content");
    // A Label shows a text: a drop on it goes beside it, in the stack.
    expect(dropContainer(model, ["label", "stack", "content", "page"], button)?.id).toBe("stack");
    // A Col goes only in a Row: nothing here takes it.
    expect(dropContainer(model, ["stack", "content", "page"], { kind: "component", component: "Col" })).toBeUndefined();
    // A Header goes on the page, not in the content.
    expect(dropContainer(model, ["stack", "content", "page"], { kind: "component", component: "Header" })?.id).toBe(
      "page",
    );
    expect(dropProblem(model, model.node("img")!, { kind: "structure", type: "Text" })).toBe("Image takes no children");
  });

  it("an object is never moved inside itself", () => {
    expect(dropProblem(model, model.node("stack")!, { kind: "move", id: "content" })).toBe(
      "An object cannot go inside itself",
    );
    expect(dropContainer(model, ["label", "stack", "content", "page"], { kind: "move", id: "stack" })?.id).toBe(
      "content",
    );
    expect(dropContainer(model, ["toolbar", "header", "page"], { kind: "move", id: "go" })?.id).toBe("toolbar");
    expect(dropProblem(model, model.node("stack")!, { kind: "move", id: "nothing" })).toBeDefined();
  });

  it("the index from the pointer, down a column, through a directive", () => {
    const stack = model.node("stack")!;
    const drawn = [
      { id: "label", box: box(0, 0, 300, 20) },
      { id: "item", box: box(0, 20, 300, 40) },
      { id: "item", box: box(0, 60, 300, 40) },
      { id: "go", box: box(0, 100, 300, 30) },
    ];
    const at = (y: number) => dropIndex(model, stack, drawn, { x: 10, y }, box(0, 0, 300, 200));
    expect(at(5).index).toBe(0);
    expect(at(15).index).toBe(1);
    // The ForEach's items are the directive's: before it, else after it.
    expect(at(35).index).toBe(1);
    expect(at(90).index).toBe(2);
    expect(at(120).index).toBe(3);
    expect(at(180)).toEqual({ index: 3, line: box(0, 129, 300, 2) });
  });

  it("side by side in a toolbar: the index from x", () => {
    const toolbar = model.node("toolbar")!;
    const drawn = [
      { id: "b1", box: box(10, 5, 60, 30) },
      { id: "b2", box: box(80, 5, 60, 30) },
    ];
    expect(drawnInRow(drawn)).toBe(true);
    const at = (x: number) => dropIndex(model, toolbar, drawn, { x, y: 20 }, box(0, 0, 390, 40)).index;
    expect([at(0), at(50), at(100), at(300)]).toEqual([0, 1, 1, 2]);
    expect(dropIndex(model, toolbar, drawn, { x: 50, y: 20 }, box(0, 0, 390, 40)).line).toEqual(box(79, 5, 2, 30));
  });

  it("an empty container: at its end", () => {
    const label = model.node("label")!;
    expect(dropIndex(model, label, [], { x: 0, y: 0 }, box(5, 5, 100, 20))).toEqual({
      index: 0,
      line: box(5, 6, 100, 2),
    });
  });
});
