import { transform } from "esbuild";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseObjectFile } from "../../format/project-format.ts";
import type { ObjNode } from "../../model/node.ts";
import { generateViewsModule, mapFunctionProblem } from "./views.ts";

const EXAMPLE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../../examples/workspace/FullSyncDemo/connectors/FullSync.yaml",
);

type Emit = (key: unknown, value?: unknown) => void;
type Views = Record<string, Record<string, { map: (doc: object, emit: Emit) => void; reduce?: string }>>;
type Connectors = Record<string, { database: string; views: Views[string] }>;

/** Compiles the generated module and loads it, as the app's build does. */
async function load(code: string): Promise<Views> {
  const js = await transform(code, { loader: "ts", format: "esm" });
  const mod = (await import(`data:text/javascript;base64,${Buffer.from(js.code).toString("base64")}`)) as {
    connectors: Connectors;
  };
  return Object.fromEntries(Object.entries(mod.connectors).map(([name, c]) => [name, c.views]));
}

function rows(view: { map: (doc: object, emit: Emit) => void }, docs: object[]): [unknown, unknown][] {
  const out: [unknown, unknown][] = [];
  for (const d of docs) view.map(d, (k, v) => out.push([k, v ?? null]));
  return out;
}

function project(views: { name: string; map: string; reduce?: string }[]): ObjNode {
  return {
    type: "Project",
    name: "P",
    id: "projectpppp1",
    props: {},
    children: [
      {
        type: "FullSyncConnector",
        name: "Db",
        id: "connectordb1",
        props: { databaseName: "things" },
        children: [
          {
            type: "FullSyncDesignDocument",
            name: "d",
            id: "ddocdddddd01",
            props: {},
            children: views.map((v, i) => ({
              type: "FullSyncView",
              name: v.name,
              id: `view${String(i).padStart(8, "0")}`,
              props: { map: v.map, ...(v.reduce ? { reduce: v.reduce } : {}) },
              children: [],
            })),
          },
        ],
      },
    ],
  } as ObjNode;
}

describe("device views generated from the project's map functions", () => {
  it("compiles FullSyncDemo's views into functions computing the server's rows", async () => {
    const parsed = parseObjectFile(await readFile(EXAMPLE, "utf8"), "connectors/FullSync.yaml");
    const root = { type: "Project", name: "FullSyncDemo", id: "fsdprojectid", props: {}, children: [parsed.node] };
    const g = generateViewsModule(root as ObjNode);
    expect(g.errors).toEqual([]);
    expect(g.views).toEqual({ FullSync: ["orders/byId", "orders/byUser"] });
    const views = await load(g.code);
    const docs = [
      { _id: "order-1", type: "order", "~c8oAcl": "alice", item: "Pen", qty: 2 },
      { _id: "cat-1", type: "catalog", item: "Ink" },
    ];
    expect(rows(views.FullSync!["orders/byUser"]!, docs)).toEqual([["alice", { item: "Pen", qty: 2 }]]);
    expect(rows(views.FullSync!["orders/byId"]!, docs)).toEqual([["order-1", null]]);
    expect(views.FullSync!["orders/byUser"]!.reduce).toBe("_count");
  });

  it("gives map functions CouchDB's helpers, arrow functions included", async () => {
    const g = generateViewsModule(
      project([
        { name: "tags", map: "(doc) => { if (isArray(doc.tags)) for (const t of doc.tags) emit(t, sum([1, 2])); }" },
        { name: "json", map: "function (doc) { emit(toJSON(doc.k)); }" },
      ]),
    );
    const views = await load(g.code);
    expect(rows(views.Db!["d/tags"]!, [{ tags: ["a", "b"] }, { tags: "no" }])).toEqual([
      ["a", 3],
      ["b", 3],
    ]);
    expect(rows(views.Db!["d/json"]!, [{ k: { x: 1 } }])).toEqual([['{"x":1}', null]]);
  });

  it("refuses a map text that is not exactly one function, so no code escapes it", async () => {
    const escape = "function (doc) {}); globalThis.pwned = 1; (function () {}";
    expect(mapFunctionProblem(escape)).toBe("The map function must be one function, with nothing after it");
    expect(mapFunctionProblem("emit(doc._id)")).toBe("The map function must be a function: function (doc) { ... }");
    expect(mapFunctionProblem("function (doc) { emit(")).toMatch(/^The map function does not parse/);
    expect(mapFunctionProblem("function (doc) { emit(doc._id) } /* unclosed")).toBe(
      "The map function does not parse: Unterminated comment (1:33)",
    );
    // A comment after it is fine, and cannot swallow the generated code's end.
    const commented = "function (doc) { emit(doc._id) } // a comment";
    expect(mapFunctionProblem(commented)).toBeNull();
    const c = await load(generateViewsModule(project([{ name: "c", map: commented }])).code);
    expect(rows(c.Db!["d/c"]!, [{ _id: "x" }])).toEqual([["x", null]]);
    const g = generateViewsModule(
      project([
        { name: "evil", map: escape },
        { name: "ok", map: "function (doc) { emit(doc._id); }" },
      ]),
    );
    expect(g.errors).toEqual([
      { path: "Db › d › evil", message: "The map function must be one function, with nothing after it" },
    ]);
    expect(g.views).toEqual({ Db: ["d/ok"] });
    expect(g.code).not.toContain("pwned");
    await load(g.code);
    expect((globalThis as { pwned?: number }).pwned).toBeUndefined();
  });

  it("names each connector's database, and leaves out a connector the engine does not serve", async () => {
    const p = project([{ name: "v", map: "function (doc) { emit(doc._id); }" }]);
    const js = await transform(generateViewsModule(p).code, { loader: "ts", format: "esm" });
    const mod = (await import(`data:text/javascript;base64,${Buffer.from(js.code).toString("base64")}`)) as {
      connectors: Connectors;
    };
    expect(mod.connectors.Db!.database).toBe("things");
    // A connector without views still has its device database (posts, documents by id).
    const bare = project([]);
    const bareJs = await transform(generateViewsModule(bare).code, { loader: "ts", format: "esm" });
    const bareMod = (await import(`data:text/javascript;base64,${Buffer.from(bareJs.code).toString("base64")}`)) as {
      connectors: Connectors;
    };
    expect(bareMod.connectors).toEqual({ Db: { database: "things", views: {} } });
    p.children[0]!.props.databaseName = "Not Valid";
    const g = generateViewsModule(p);
    expect(g.views).toEqual({});
    expect(g.warnings).toEqual([
      {
        path: "Db",
        message: "The connector names no valid database (the engine does not serve it): the app gets none of its views",
      },
    ]);
  });

  it("keeps built-in reduces and says a custom one stays on the server", () => {
    const g = generateViewsModule(
      project([
        { name: "n", map: "function (doc) { emit(1, 1); }", reduce: "_sum" },
        { name: "c", map: "function (doc) { emit(1, 1); }", reduce: "function (k, v) { return v.length; }" },
        { name: "d", map: "function (doc) { emit(1, 1); }", reduce: "_approx_count_distinct" },
      ]),
    );
    expect(g.code).toContain('"d/n": { map: (doc, emit) => m0(emit, log, isArray, sum, toJSON)(doc), reduce: "_sum" }');
    expect(g.warnings).toEqual([
      {
        path: "Db › d › c",
        message: "The reduce function is not computed on the device: the app reads the view's rows",
      },
      {
        path: "Db › d › d",
        message: "The reduce _approx_count_distinct is not computed on the device: the app reads the view's rows",
      },
    ]);
  });
});
