// @vitest-environment happy-dom
// The preview's frame (main.tsx) applies the look of each application it is sent: its theme's
// colors and dark setting, its Style objects' CSS, its mode, renewed at every render.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UiNode } from "../../../app-runtime/model.ts";
import type { PreviewMessage, RenderMessage } from "./protocol.ts";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;

const sent: PreviewMessage[] = [];
const onSent = (e: MessageEvent) => sent.push(e.data as PreviewMessage);

beforeAll(async () => {
  document.body.innerHTML = '<div id="root"></div>';
  // The frame answers its parent, which in this test is the window itself.
  window.addEventListener("message", onSent);
  await import("./main.tsx");
});
afterAll(() => window.removeEventListener("message", onSent));

let seq = 0;
const n = (type: string, name: string, props: Record<string, unknown> = {}, children: UiNode[] = []): UiNode => ({
  id: `node${String(++seq).padStart(8, "0")}`,
  type,
  name,
  props,
  children,
});

/** Sends a render message as the Studio does, and waits for the frame's answer. */
async function render(application: UiNode): Promise<PreviewMessage> {
  const sentAt = ++seq;
  const message: RenderMessage = {
    atelier: "preview",
    type: "render",
    application,
    page: "Home",
    selected: null,
    sentAt,
  };
  const before = sent.length;
  window.dispatchEvent(new MessageEvent("message", { data: message, source: window }));
  for (let i = 0; i < 200; i++) {
    const answer = sent.slice(before).find((m) => (m.type === "rendered" && m.sentAt === sentAt) || m.type === "error");
    if (answer) return answer;
    await new Promise((r) => requestAnimationFrame(r));
  }
  throw new Error("the preview did not answer the render message");
}

const app = (props: Record<string, unknown>, styles: string[]) =>
  n("Application", "App", { startPage: "Home", ...props }, [
    ...styles.map((css, i) => n("Style", `S${i}`, { css })),
    n("Page", "Home", { title: "Home" }, [n("Component", "Badge", { component: "Badge", text: "1" })]),
  ]);

const one = (selector: string) => {
  const all = document.head.querySelectorAll(selector);
  expect(all).toHaveLength(1);
  return all[0]!;
};
const htmlMode = () => ["ios", "md"].filter((m) => document.documentElement.classList.contains(m));
const badgeMode = () => {
  const badge = document.querySelector("ion-badge");
  return badge ? ["ios", "md"].filter((m) => badge.classList.contains(m)) : null;
};

describe("the preview's look", () => {
  it("applies the theme, the dark palette, the mode and the Style objects of the application it renders", async () => {
    expect(
      await render(app({ theme: { primary: "#2563eb" }, dark: "dark", mode: "ios" }, ["h1 { color: red; }"])),
    ).toMatchObject({ type: "rendered" });
    expect(one("style[data-atelier-theme]").textContent).toContain("--ion-color-primary-rgb: 37, 99, 235;");
    const styles = one("style[data-atelier-styles]");
    expect(styles.textContent).toBe("/* App › S0 */\nh1 { color: red; }\n");
    // After the theme's colors, so that a Style can override them.
    expect(one("style[data-atelier-theme]").compareDocumentPosition(styles)).toBe(Node.DOCUMENT_POSITION_FOLLOWING);
    expect(document.documentElement.classList.contains("ion-palette-dark")).toBe(true);
    expect(htmlMode()).toEqual(["ios"]);
    expect(badgeMode()).toEqual(["ios"]);
  });

  it("renews them at the next render: no style piles up, a mode change shows", async () => {
    expect(
      await render(app({ theme: { danger: "#dc2626" }, dark: "light", mode: "md" }, ["p { margin: 0; }", "a {}"])),
    ).toMatchObject({ type: "rendered" });
    expect(one("style[data-atelier-theme]").textContent).not.toContain("primary");
    expect(one("style[data-atelier-styles]").textContent).toBe(
      "/* App › S0 */\np { margin: 0; }\n\n/* App › S1 */\na {}\n",
    );
    expect(one("style[data-atelier-theme]").compareDocumentPosition(one("style[data-atelier-styles]"))).toBe(
      Node.DOCUMENT_POSITION_FOLLOWING,
    );
    expect(document.documentElement.classList.contains("ion-palette-dark")).toBe(false);
    expect(htmlMode()).toEqual(["md"]);
    expect(badgeMode()).toEqual(["md"]);

    // No theme, no Style: nothing left of the earlier ones.
    expect(await render(app({}, []))).toMatchObject({ type: "rendered" });
    expect(document.head.querySelectorAll("style[data-atelier-theme]")).toHaveLength(0);
    expect(one("style[data-atelier-styles]").textContent).toBe("");
  });
});
