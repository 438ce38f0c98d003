import { transform } from "esbuild";
import { describe, expect, it } from "vitest";
import type { ObjNode } from "../../model/node.ts";
import { commentText, generateScriptsModule, SCRIPT_SCOPE, scriptProblem } from "./scripts.ts";

type Compile = (text: string, names: readonly string[]) => (...values: unknown[]) => unknown;

async function load(code: string): Promise<Compile> {
  const js = await transform(code, { loader: "ts", format: "esm" });
  const mod = (await import(`data:text/javascript;base64,${Buffer.from(js.code).toString("base64")}`)) as {
    compileScript: Compile;
  };
  return mod.compileScript;
}

let ids = 0;
const node = (type: string, name: string, props: Record<string, unknown>, children: ObjNode[] = []): ObjNode =>
  ({ type, name, id: `node${String(ids++).padStart(8, "0")}`, props, children }) as ObjNode;

/** An application whose page has a ForEach over orders (item name `order`) and a few scripts. */
function app(extra: Record<string, unknown> = {}): ObjNode {
  return node("Application", "App", {}, [
    node("Page", "Orders", {}, [
      node("Directive", "Each", { kind: "ForEach", items: { script: "state.orders" }, itemName: "order" }, [
        node("Component", "Label", { component: "Label", text: { script: "order.item + ' x' + order.qty" } }),
      ]),
      node("Component", "Pending", {
        component: "Badge",
        text: { script: "sync.pending + ' to send'" },
        inputs: { color: { script: "sync.pending > 0 ? 'warning' : 'success'" }, size: "small" },
        ...extra,
      }),
      node("Component", "Again", { component: "Label", text: { script: "sync.pending + ' to send'" } }),
    ]),
  ]);
}

describe("scripts compiled into the app", () => {
  it("compiles each script once, callable with the runtime's names in its order", async () => {
    const g = generateScriptsModule(app());
    expect(g.errors).toEqual([]);
    expect(g.count).toBe(4);
    const compile = await load(g.code);
    const names = [...SCRIPT_SCOPE, "order"];
    const values = (scope: Record<string, unknown>) => names.map((n) => scope[n]);
    expect(compile("order.item + ' x' + order.qty", names)(...values({ order: { item: "Pen", qty: 2 } }))).toBe(
      "Pen x2",
    );
    expect(compile("sync.pending + ' to send'", names)(...values({ sync: { pending: 3 } }))).toBe("3 to send");
    // The runtime may pass the names in another order, or fewer of them.
    expect(compile("state.orders", ["state"])({ orders: [1] })).toEqual([1]);
    expect(() => compile("1 + 1", names)).toThrow("This script is not part of the app's build: 1 + 1");
    expect(() => compile("constructor", names)).toThrow(/not part of the app's build/);
  });

  it("refuses a script that is not one expression, so none escapes its function", async () => {
    expect(scriptProblem("1); globalThis.pwned = 1; (2")).toBe("A script is one expression, with nothing after it");
    expect(scriptProblem("a +")).toMatch(/^The script does not parse/);
    expect(scriptProblem("a + 1 // why not")).toBeNull();
    // A parenthesized expression (an object literal) is one expression, up to its closing parenthesis.
    expect(scriptProblem("({ type: 'order', item: form.item, qty: 1 })")).toBeNull();
    expect(scriptProblem("(a)")).toBeNull();
    expect(scriptProblem("(a) + (b)")).toBeNull();
    expect(scriptProblem("(a)); globalThis.pwned = 1; ((0")).toBe("A script is one expression, with nothing after it");
    const g = generateScriptsModule(app({ title: { script: "0); globalThis.pwned = 1; (0" } }));
    expect(g.errors).toEqual([
      { path: "App › Orders › Pending: title", message: "A script is one expression, with nothing after it" },
    ]);
    expect(g.code).not.toContain("pwned");
    await load(g.code);
    expect((globalThis as { pwned?: number }).pwned).toBeUndefined();
  });

  it("keeps comments from ending early, and a trailing comment from eating the code", async () => {
    expect(commentText("a\u2028b\nc\rd\u2029e")).toBe("a b c d e");
    const g = generateScriptsModule(
      app({ inputs: { "x\u2028globalThis.pwned2 = 1;": { script: "sync.pending // trailing" } } }),
    );
    const compile = await load(g.code);
    expect((globalThis as { pwned2?: number }).pwned2).toBeUndefined();
    expect(compile("sync.pending // trailing", ["sync"])({ pending: 5 })).toBe(5);
  });

  it("gives item names that cannot be declared to no script, and shadows nothing else", async () => {
    const a = app();
    a.children[0]!.children[0]!.props.itemName = "class";
    const g = generateScriptsModule(a);
    expect(g.code).not.toMatch(/const \{[^}]*\bclass\b/);
    await load(g.code);
  });
});
