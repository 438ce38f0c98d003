import { describe, expect, it } from "vitest";
import type { ObjNode } from "../../engine/common/model/node.ts";
import { typeSchemas } from "../../engine/common/model/registry.ts";
import type { TypeSchema } from "../../engine/common/model/typedef.ts";
import { flattenTree } from "../../engine/common/studio/api.ts";
import { apiNotes } from "./api-problems.ts";
import { collectProblems } from "./problems-model.ts";
import { fromTree } from "./tree-model.ts";

const types = new Map<string, TypeSchema>(typeSchemas().map((t) => [t.type, t]));
const n = (
  id: string,
  type: string,
  name: string,
  props: Record<string, unknown> = {},
  children: ObjNode[] = [],
): ObjNode => ({
  id,
  type,
  name,
  props,
  children,
});
const state = (root: ObjNode) => fromTree({ project: root.name, rev: 1, rootId: root.id, nodes: flattenTree(root) });

const shop = n("p", "Project", "Shop", {}, [
  n("s", "Sequence", "GetOrder", {}, [n("v", "Variable", "orderId")]),
  n("sec", "Sequence", "Secret", { accessibility: "Private" }),
  n("m", "UrlMapper", "Api", { prefix: "/v1" }, [
    n("path", "RestPath", "order", { path: "/orders/{id}" }, [
      n("op", "RestOperation", "get", { sequence: "GetOrder" }, [
        n("p1", "RestParameter", "verbose"),
        n("p2", "RestParameter", "other", { in: "path", variable: "orderId" }),
      ]),
    ]),
    n("path2", "RestPath", "secret", { path: "/secret" }, [n("op2", "RestOperation", "get", { sequence: "Secret" })]),
  ]),
]);
const other = n("q", "Project", "Other", {}, [
  n("m2", "UrlMapper", "Api", { prefix: "/v1/orders" }, [n("x", "RestPath", "one", { path: "/{n}" })]),
]);

describe("REST API problems", () => {
  const notes = apiNotes({ Shop: state(shop), Other: state(other) }, types);
  const byId = (id: string) => notes.filter((x) => x.id === id).map((x) => x.message);

  it("names parameters that reach no variable, and path parameters without a segment", () => {
    expect(byId("p1")).toEqual(['GetOrder has no variable "verbose": this parameter\'s value reaches nothing']);
    expect(byId("p2")).toEqual(["The path /orders/{id} has no {other} segment for this path parameter"]);
    expect(byId("op")).toEqual([
      "The path's {id} segment goes to no variable of GetOrder: add a path parameter naming its variable",
    ]);
  });

  it("warns of a Private target, and of URLs another project already serves", () => {
    expect(byId("op2")[0]).toMatch(/^Secret is Private: every call of this operation is refused/);
    expect(byId("x")).toEqual([
      "The project Shop serves the same URLs (/v1/orders/{id}): its operations answer, not these",
    ]);
  });

  it("reaches the Problems view", () => {
    const problems = collectProblems({ projects: { Shop: state(shop) }, types });
    expect(problems.some((p) => p.id === "p2" && p.severity === "error" && p.prop === "in")).toBe(true);
  });
});
