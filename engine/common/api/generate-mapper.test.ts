import { describe, expect, it } from "vitest";
import type { ObjNode } from "../model/node.ts";
import { checkTree } from "../model/registry.ts";
import { httpVerbEffects, sqlEffects } from "./effects.ts";
import { candidatePaths, effectsOfSequences, generateMapper, kebabCase, typeEffects } from "./generate-mapper.ts";

let n = 0;
function node(type: string, name: string, props: Record<string, unknown> = {}, children: ObjNode[] = []): ObjNode {
  return { id: `id${++n}`, type, name, props, children };
}
const variable = (name: string, props: Record<string, unknown> = {}) => node("Variable", name, props);
const element = (name: string) => node("Element", name, { value: 1 });

function project(children: ObjNode[], name = "Shop"): ObjNode {
  return node("Project", name, {}, children);
}

function counter() {
  let i = 0;
  return () => `gen${++i}`;
}

/** The shop: reads, writes, calls through sequences and transactions. */
function shop(): ObjNode {
  return project([
    node("SqlConnector", "db", {}, [
      node("SqlTransaction", "SelectOrders", { sqlQuery: "SELECT * FROM orders WHERE id = {id}" }),
      node("SqlTransaction", "InsertOrder", { sqlQuery: "INSERT INTO orders (label) VALUES ({label})" }),
    ]),
    node("Sequence", "GetOrders", { comment: "The orders.\nAll of them." }, [
      variable("status", { required: true }),
      variable("limit", { dataType: "integer" }),
      node("CallTransaction", "select", { transaction: "SelectOrders" }),
      element("orders"),
    ]),
    node("Sequence", "ListOrders", {}, [element("orders")]),
    node("Sequence", "CreateOrder", {}, [
      variable("label", { required: true }),
      node("CallTransaction", "insert", { connector: "db", transaction: "InsertOrder" }),
      node("Error", "refused", { code: "refused", httpStatus: 409, message: "No" }),
    ]),
    node("Sequence", "Remember", {}, [
      node("If", "if", { expression: "true" }, [node("SessionSet", "keep", { key: "k" })]),
    ]),
    node("Sequence", "Wrapper", {}, [node("CallSequence", "call", { sequence: "Remember" })]),
    node("Sequence", "Internal", { accessibility: "Private" }, [element("x")]),
    node("Sequence", "Ping", { accessibility: "Hidden" }, [element("pong")]),
  ]);
}

describe("effects of types", () => {
  it("SQL: SELECT, VALUES and WITH ... SELECT read; anything else writes", () => {
    expect(sqlEffects("")).toBe("none");
    expect(sqlEffects("SELECT 1")).toBe("none");
    expect(sqlEffects("  select a from t where b = {x}; -- delete\nselect 2")).toBe("none");
    expect(sqlEffects("SELECT 'delete from t' AS text")).toBe("none");
    expect(sqlEffects("SELECT * FROM t FOR UPDATE")).toBe("none");
    expect(sqlEffects("WITH x AS (SELECT 1) SELECT * FROM x")).toBe("none");
    expect(sqlEffects("WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x")).toBe("write");
    expect(sqlEffects("SELECT * INTO copy FROM t")).toBe("write");
    expect(sqlEffects("SELECT 1; UPDATE t SET a = 1")).toBe("write");
    expect(sqlEffects("insert into t values (1)")).toBe("write");
    expect(sqlEffects("EXPLAIN ANALYZE DELETE FROM t")).toBe("write");
    expect(sqlEffects("BEGIN")).toBe("write");
  });

  it("HTTP: GET and HEAD are safe; the default verb is GET", () => {
    expect(httpVerbEffects(node("JsonHttpTransaction", "t"))).toBe("none");
    expect(httpVerbEffects(node("JsonHttpTransaction", "t", { verb: "HEAD" }))).toBe("none");
    expect(httpVerbEffects(node("JsonHttpTransaction", "t", { verb: "POST" }))).toBe("write");
    expect(httpVerbEffects(node("TextHttpTransaction", "t", { verb: "DELETE" }))).toBe("write");
  });

  it("from the type definitions: writers say so, others have none, unknown types may write", () => {
    for (const t of [
      "FullSyncPostDocument",
      "FullSyncPostBulkDocuments",
      "FullSyncDeleteDocument",
      "FullSyncAddUserToGroup",
      "FullSyncRemoveUserFromGroup",
      "SetAuthenticatedUser",
      "RemoveAuthenticatedUser",
      "SessionSet",
      "SessionRemove",
      "SequenceJs",
      "SoapTransaction",
      "Foreign",
      "NoSuchType",
    ])
      expect(typeEffects(node(t, "x")), t).toBe("write");
    for (const t of ["Element", "JsonObject", "SessionGet", "GetAuthenticatedUser", "FullSyncGetDocument", "Log"])
      expect(typeEffects(node(t, "x")), t).toBe("none");
    expect(typeEffects(node("XmlHttpTransaction", "x", { verb: "PUT" }))).toBe("write");
    expect(typeEffects(node("SqlTransaction", "x", { sqlQuery: "select 1" }))).toBe("none");
  });
});

describe("read-only sequences", () => {
  it("look through calls of the same project, nested steps included", () => {
    const p = shop();
    const of = effectsOfSequences(p);
    const seq = (name: string) => p.children.find((c) => c.name === name)!;
    expect(of(seq("GetOrders"))).toEqual({ effects: "none" });
    expect(of(seq("CreateOrder")).effects).toBe("write");
    expect(of(seq("CreateOrder")).because).toContain('SQL transaction "InsertOrder"');
    expect(of(seq("Remember")).because).toBe('Session Set "keep" in sequence Remember writes');
    expect(of(seq("Wrapper"))).toEqual(of(seq("Remember")));
  });

  it("a call into another project or to something missing counts as a write; recursion adds nothing", () => {
    const p = project([
      node("Sequence", "A", {}, [node("CallSequence", "b", { sequence: "B" })]),
      node("Sequence", "B", {}, [node("CallSequence", "a", { sequence: "A" })]),
      node("Sequence", "Other", {}, [node("CallSequence", "x", { project: "Else", sequence: "S" })]),
      node("Sequence", "Missing", {}, [node("CallTransaction", "x", { transaction: "Nope" })]),
    ]);
    const of = effectsOfSequences(p);
    expect(of(p.children[0]!).effects).toBe("none");
    expect(of(p.children[1]!).effects).toBe("none");
    expect(of(p.children[2]!).because).toContain("calls another project");
    expect(of(p.children[3]!).because).toContain('"Nope" that is not found');
  });
});

describe("paths", () => {
  it("kebab-case names; a read names its resource", () => {
    expect(kebabCase("GetOrdersByID")).toBe("get-orders-by-id");
    expect(kebabCase("my_seq.v2")).toBe("my-seq-v2");
    expect(candidatePaths("GetOrders", true)).toEqual(["/orders", "/get-orders"]);
    expect(candidatePaths("GetOrders", false)).toEqual(["/get-orders"]);
    expect(candidatePaths("Greet", true)).toEqual(["/greet"]);
    expect(candidatePaths("Get", true)).toEqual(["/get"]);
  });
});

describe("generateMapper", () => {
  it("makes a mapper: GET for reads, POST for writes, parameters from variables, Private left out", () => {
    const p = shop();
    const plan = generateMapper(p, { newId: counter() });
    expect(plan.created).toBe(true);
    expect(plan.parent).toBe(p.id);
    expect(plan.prefix).toBe("/shop");
    expect(plan.operations.map((o) => `${o.method} ${o.url} ${o.sequence}`)).toEqual([
      "GET /shop/orders GetOrders",
      "GET /shop/list-orders ListOrders",
      "POST /shop/create-order CreateOrder",
      "POST /shop/remember Remember",
      "POST /shop/wrapper Wrapper",
      "GET /shop/ping Ping",
    ]);
    expect(plan.skipped).toEqual([{ sequence: "Internal", reason: "Private: callable from other sequences only" }]);
    const mapper = plan.nodes[0]!;
    expect(mapper).toMatchObject({ type: "UrlMapper", name: "api", props: { prefix: "/shop", title: "Shop" } });
    const get = mapper.children[0]!.children[0]!;
    expect(get.props).toMatchObject({ method: "GET", sequence: "GetOrders", summary: "The orders." });
    expect(get.children.map((c) => [c.type, c.name, c.props])).toEqual([
      ["RestParameter", "status", { in: "query", required: true }],
      ["RestParameter", "limit", { in: "query" }],
      ["RestResponse", "ok", { statusCode: 200, description: "The output of GetOrders" }],
    ]);
    const post = mapper.children[2]!.children[0]!;
    expect(post.children.map((c) => [c.name, c.props])).toEqual([
      ["label", { in: "form", required: true }],
      ["ok", { statusCode: 200, description: "The output of CreateOrder" }],
      [
        "error_refused",
        {
          statusCode: 409,
          condition: "error.code == refused",
          description: 'The error "refused" of Error "refused": No',
        },
      ],
    ]);
    // What it adds is valid.
    const after = { ...p, children: [...p.children, ...plan.nodes] };
    expect([...checkTree(after).entries()].filter(([id]) => id.startsWith("gen"))).toEqual([]);
    // Ids are new and distinct.
    const ids = new Set<string>();
    const visit = (x: ObjNode) => {
      ids.add(x.id);
      x.children.forEach(visit);
    };
    plan.nodes.forEach(visit);
    expect([...ids].every((i) => i.startsWith("gen"))).toBe(true);
  });

  it("adds to an existing mapper without changing it: served sequences left out, taken paths avoided", () => {
    const p = shop();
    const existing = node("UrlMapper", "rest", { prefix: "/v1" }, [
      node("RestPath", "orders", { path: "/orders/{id}" }, [
        node("RestOperation", "one", { method: "GET", sequence: "Ping" }),
      ]),
      node("RestPath", "list", { path: "/orders" }, []),
      node("RestPath", "list2", { path: "/list-orders" }, []),
    ]);
    p.children.push(existing);
    const before = structuredClone(existing);
    const plan = generateMapper(p, { newId: counter() });
    expect(existing).toEqual(before);
    expect(plan.created).toBe(false);
    expect(plan.parent).toBe(existing.id);
    expect(plan.mapper).toBe("rest");
    expect(plan.skipped.map((s) => s.sequence)).toEqual(["Internal", "Ping"]);
    expect(plan.skipped[1]!.reason).toBe("already served by GET /v1/orders/{id}");
    expect(plan.nodes.every((x) => x.type === "RestPath")).toBe(true);
    expect(plan.operations.slice(0, 2).map((o) => o.url)).toEqual(["/v1/get-orders", "/v1/list-orders-2"]);
  });

  it("a path another mapper of the project serves under the same prefix is not taken", () => {
    const p = project([
      node("Sequence", "GetOrders", {}, [element("orders")]),
      node("UrlMapper", "first", { prefix: "/v1" }, []),
      node("UrlMapper", "second", { prefix: "v1/" }, [node("RestPath", "o", { path: "/orders" }, [])]),
    ]);
    const plan = generateMapper(p, { newId: counter() });
    expect(plan.mapper).toBe("first");
    expect(plan.operations.map((o) => o.url)).toEqual(["/v1/get-orders"]);
  });

  it("nothing to add: no mapper is made", () => {
    const plan = generateMapper(project([node("Sequence", "P", { accessibility: "Private" })]));
    expect(plan).toMatchObject({ created: false, nodes: [], operations: [] });
  });
});
