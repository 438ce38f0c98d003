import { describe, expect, it } from "vitest";
import { readDragMessage, readPreviewMessage, readRenderMessage } from "./protocol.ts";

const app = { id: "a", type: "Application", name: "App", props: {}, children: [] };

describe("the preview's messages, read as data from another frame", () => {
  it("a render message needs an application tree", () => {
    const ok = { atelier: "preview", type: "render", application: app, page: "P", selected: null, sentAt: 1 };
    expect(readRenderMessage(ok)).toEqual(ok);
    expect(readRenderMessage({ ...ok, application: { ...app, type: "Page" } })).toBeNull();
    expect(readRenderMessage({ ...ok, application: { ...app, children: [{ id: 1 }] } })).toBeNull();
    expect(readRenderMessage({ ...ok, selected: 3 })).toBeNull();
    // Too deep a tree is refused before it is walked further.
    let deep: Record<string, unknown> = { ...app };
    for (let i = 0; i < 300; i++) deep = { id: `n${i}`, type: "Component", name: "n", props: {}, children: [deep] };
    expect(readRenderMessage({ ...ok, application: { ...app, children: [deep] } })).toBeNull();
  });

  it("drag items: known kinds only, names and ids bounded", () => {
    expect(readDragMessage({ atelier: "preview", type: "drag", item: null })).toEqual({
      atelier: "preview",
      type: "drag",
      item: null,
    });
    expect(
      readDragMessage({ atelier: "preview", type: "drag", item: { kind: "component", component: "Button", x: 1 } }),
    ).toEqual({ atelier: "preview", type: "drag", item: { kind: "component", component: "Button" } });
    expect(
      readDragMessage({ atelier: "preview", type: "drag", item: { kind: "component", component: "<b>" } }),
    ).toBeNull();
    expect(readDragMessage({ atelier: "preview", type: "drag", item: { kind: "structure", type: "Page" } })).toBeNull();
    expect(
      readDragMessage({ atelier: "preview", type: "drag", item: { kind: "move", id: "x".repeat(101) } }),
    ).toBeNull();
  });

  it("a drop names a parent, an index and an item", () => {
    const drop = { atelier: "preview", type: "drop", parent: "p1", index: 2, item: { kind: "move", id: "c1" } };
    expect(readPreviewMessage(drop)).toEqual(drop);
    expect(readPreviewMessage({ ...drop, index: -1 })).toBeNull();
    expect(readPreviewMessage({ ...drop, index: 1.5 })).toBeNull();
    expect(readPreviewMessage({ ...drop, parent: "" })).toBeNull();
    expect(readPreviewMessage({ ...drop, item: { kind: "eval" } })).toBeNull();
    expect(readPreviewMessage({ atelier: "preview", type: "error", message: "x".repeat(5000) })).toMatchObject({
      message: "x".repeat(2000),
    });
    expect(readPreviewMessage({ atelier: "other", type: "ready" })).toBeNull();
  });
});
