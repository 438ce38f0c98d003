/**
 * The output schemas of the example projects (engine/common/model/output-schema.ts and
 * view-schema.ts on examples/workspace): Demo's and FullSyncDemo's sequences, FullSyncDemo's views.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { schemaAtPath, type JsonSchema } from "../../common/model/json-schema.ts";
import type { ObjNode } from "../../common/model/node.ts";
import { ORIGIN, originAt, requestableSchema } from "../../common/model/output-schema.ts";
import { treeProject } from "../../common/model/reference-rules.ts";
import { getType } from "../../common/model/registry.ts";
import { bindingProblems, modelSchemas } from "../../common/ui/binding-checks.ts";
import { treeView } from "../../common/model/scope.ts";
import { viewAnswerSchema } from "../../common/model/view-schema.ts";
import { loadProject, type LoadedProject } from "../project/project-files.ts";

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../examples/workspace");
const S = { type: "string" };

/** The object named `name` (pages of the app aside: FullSyncDemo's page Login is not its sequence Login). */
const byName = (root: ObjNode, name: string): ObjNode => {
  const stack = [root];
  while (stack.length) {
    const x = stack.pop()!;
    if (x.name === name && x.type !== "Page") return x;
    stack.push(...x.children);
  }
  throw new Error(`no ${name}`);
};
const schemaOf = (root: ObjNode, name: string) =>
  requestableSchema(
    treeView(root, (t) => getType(t)?.category),
    root.name,
    byName(root, name).id,
    getType,
  );

describe("the example projects", () => {
  let demo: LoadedProject;
  let fullSync: LoadedProject;
  beforeAll(async () => {
    demo = await loadProject(path.join(EXAMPLES, "Demo"));
    fullSync = await loadProject(path.join(EXAMPLES, "FullSyncDemo"));
  });
  /** A schema without its origins, for a compact comparison. */
  const plain = (s: JsonSchema | undefined) =>
    JSON.parse(
      JSON.stringify(s ?? null)
        .replace(/,?"x-origin":"\w+"/g, "")
        .replace(/\{,/g, "{"),
    );

  it("Demo's sequences", () => {
    expect(plain(schemaOf(demo.root, "Greet"))).toEqual({
      type: "object",
      properties: { greeting: S },
      required: ["greeting"],
    });
    expect(originAt(schemaOf(demo.root, "Greet")!, ["greeting"])).toBe("test");
    expect(plain(schemaOf(demo.root, "SumList"))).toEqual({
      type: "object",
      properties: { count: { type: "integer" }, sum: { type: "number" } },
      required: ["count", "sum"],
    });
    expect(schemaOf(demo.root, "Secret")).toEqual({
      type: "object",
      properties: { message: S },
      required: ["message"],
      [ORIGIN]: "static",
    });
    // Only errors are expected: the source's value stays unknown.
    expect(plain(schemaOf(demo.root, "FetchItems"))).toEqual({
      type: "object",
      properties: { items: {} },
      required: ["items"],
    });
    expect(plain(schemaOf(demo.root, "Fail"))).toEqual({ type: "object" });
  });

  it("FullSyncDemo's sequences", () => {
    const root = fullSync.root;
    expect(plain(schemaOf(root, "Login"))).toEqual({
      type: "object",
      properties: { user: S, authenticated: { type: "boolean" } },
      required: ["user", "authenticated"],
    });
    expect(originAt(schemaOf(root, "Login")!, ["authenticated"])).toBe("static");
    expect(originAt(schemaOf(root, "Login")!, ["user"])).toBe("test");
    expect(plain(schemaOf(root, "Logout"))).toEqual({
      type: "object",
      properties: { loggedOut: { type: "boolean" } },
      required: ["loggedOut"],
    });
    expect(plain(schemaOf(root, "MyOrders"))).toEqual({
      type: "object",
      properties: { orders: {} },
      required: ["orders"],
    });
    expect(plain(schemaOf(root, "PushOrder"))).toEqual({
      type: "object",
      properties: { pushed: { type: "integer" } },
      required: ["pushed"],
    });
    expect(plain(schemaOf(root, "SeedData"))).toEqual({
      type: "object",
      properties: { orders: {}, catalog: {}, sales: {} },
      required: ["orders", "catalog", "sales"],
    });
  });

  it("FullSyncDemo's views", () => {
    const byUser = viewAnswerSchema(byName(fullSync.root, "byUser").props);
    expect(schemaAtPath(byUser, "rows[0].value")).toEqual({
      type: "object",
      properties: { item: {}, qty: {} },
      required: ["item", "qty"],
    });
    expect(Object.keys((schemaAtPath(byUser, "rows[0].doc") as { properties: object }).properties)).toEqual([
      "_id",
      "_rev",
      "type",
      "~c8oAcl",
      "item",
      "qty",
    ]);
    expect(
      schemaAtPath(viewAnswerSchema(byName(fullSync.root, "byUser").props, { reduced: true }), "rows[0].value"),
    ).toEqual({
      type: "integer",
    });
    const byId = viewAnswerSchema(byName(fullSync.root, "byId").props);
    expect(schemaAtPath(byId, "rows[0].key")).toEqual(S);
    expect(schemaAtPath(byId, "rows[0].value")).toEqual({ type: "null" });
    expect(Object.keys((schemaAtPath(byId, "rows[0].doc") as { properties: object }).properties)).toEqual([
      "_id",
      "_rev",
      "type",
    ]);
  });

  it("FullSyncDemo's app of the design (§2.4, §9) binds to its sequences and views", () => {
    const n = (
      id: string,
      type: string,
      name: string,
      props: Record<string, unknown> = {},
      children: ObjNode[] = [],
    ) => ({
      id,
      type,
      name,
      props,
      children,
    });
    const app = (itemPath: string) =>
      n("app", "Application", "App", { startPage: "Orders" }, [
        n("user", "State", "user", { schema: { type: "string" } }),
        n("login", "Page", "Login", {}, [
          n("btn", "Component", "LogIn", { component: "Button", text: "Log in" }, [
            n("click", "Event", "Click", { on: "click" }, [
              n(
                "call",
                "Action",
                "CallLogin",
                {
                  action: "CallSequence",
                  inputs: { sequence: "Login", variables: { user: "alice", password: "alice-pw" } },
                },
                [
                  n("set", "Action", "RememberUser", {
                    action: "SetState",
                    inputs: { name: "user", value: { source: "action", action: "call", path: "user" } },
                  }),
                ],
              ),
            ]),
          ]),
        ]),
        n("orders", "Page", "Orders", { requiresLogin: true }, [
          n(
            "each",
            "Directive",
            "EachOrder",
            {
              items: {
                source: "view",
                connector: "FullSync",
                view: "orders/byUser",
                path: "rows",
                query: { key: { source: "state", name: "user" }, include_docs: true },
              },
            },
            [
              n("lbl", "Component", "ItemLabel", {
                component: "Label",
                text: { source: "item", directive: "each", path: itemPath },
              }),
            ],
          ),
        ]),
      ]);
    const check = (itemPath: string) => {
      const root = { ...fullSync.root, children: [...fullSync.root.children, app(itemPath)] };
      const p = treeProject({ name: "FullSyncDemo", root }, getType);
      return bindingProblems(p, getType, modelSchemas([p], getType)).map((i) => i.message);
    };
    expect(check("doc.item")).toEqual([]);
    expect(check("value.qty")).toEqual([]);
    expect(check("value.quantity")).toEqual([
      'Text: "value.quantity" is not in "value" of an item of EachOrder (it has: item, qty)',
    ]);
  });
});
