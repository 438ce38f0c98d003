import { describe, expect, it } from "vitest";
import type { ObjNode } from "../../engine/common/model/node.ts";
import { typeSchemas } from "../../engine/common/model/registry.ts";
import type { TypeSchema } from "../../engine/common/model/typedef.ts";
import { flattenTree, type WorkspaceInfo } from "../../engine/common/studio/api.ts";
import { collectProblems, countBySeverity } from "./problems-model.ts";
import { responseShape, shapeText, givesValue, valueUse } from "./response-model.ts";
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
  n("s", "Sequence", "Books", {}, [
    n("v", "Variable", "q"),
    n("call", "CallSequence", "callBooks", { sequence: "GetBooks" }),
    n("js", "SequenceJS", "transform", { code: "step('callBooks').length" }),
  ]),
  n("s2", "Sequence", "Out", {}, [
    n("it", "Iterator", "each", { expression: "[1, 2]" }, [n("e1", "Element", "item", { expression: "item" })]),
    n("if", "If", "maybe", { condition: "true" }, [
      n("obj", "JsonObject", "extra", {}, [n("e2", "Element", "note", { value: "x" })]),
    ]),
    n("e3", "Element", "fromJs", { source: { step: "js2", path: "a" } }),
    n("js2", "SequenceJS", "calc", { code: "({a: 1})" }),
  ]),
]);
// What the engine sends for a broken file and a JavaScript syntax error.
shop.children[1]!.children[3]!.issues = [
  {
    message: "Code: line 1: unexpected token (JavaScript syntax error)",
    prop: "code",
    code: "js_syntax",
    at: { line: 1, column: 3 },
    origin: "check",
  },
];

describe("problems", () => {
  it("says a missing referenced project as an error, with where to get it", () => {
    const location = "lib_X=https://example.org/c8oprj-lib-x.git:branch=master";
    const app = n("a", "Project", "App", {}, [
      n("r", "ProjectReference", "lib_X", { project: "lib_X", location }),
      n("r2", "ProjectReference", "lib_Y", { project: "lib_Y" }),
    ]);
    const problems = collectProblems({
      projects: { App: state(app), lib_Y: state(n("y", "Project", "lib_Y")) },
      types,
    });
    expect(problems.filter((p) => p.kind === "reference")).toEqual([
      expect.objectContaining({ severity: "error", id: "r", prop: "project", path: ["App", "lib_X"] }),
    ]);
    const message = problems.find((p) => p.id === "r")!.message;
    expect(message).toMatch(/^Project: there is no project "lib_X" in the workspace\. Add it to the workspace/);
    expect(message).toContain(`It comes from ${location}.`);
  });

  it("lists issues, dangling references, unsaved values, broken files and empty responses", () => {
    const workspace: WorkspaceInfo = {
      dir: "/ws",
      projects: [
        {
          name: "Shop",
          rev: 1,
          rootId: "p",
          objectCount: 9,
          invalidCount: 1,
          errors: [
            { message: "Nested mappings are not allowed", location: { file: "Shop/sequences/Bad.yaml", line: 4 } },
          ],
        },
      ],
      failures: [{ name: "Gone", reason: "project.yaml: no such file" }],
      examples: [],
    };
    const problems = collectProblems({
      workspace,
      projects: { Shop: state(shop) },
      types,
      unsaved: [
        {
          project: "Shop",
          id: "s",
          prop: "timeoutMs",
          label: "Time limit (ms)",
          text: "0",
          message: "Time limit (ms) must be at least 1: not saved",
        },
      ],
    });
    expect(problems.map((p) => [p.severity, p.kind, p.path.join("/"), p.prop ?? "", p.message])).toEqual([
      ["error", "project", "Gone", "", "The project could not be loaded: project.yaml: no such file"],
      ["error", "file", "Shop", "", "Nested mappings are not allowed"],
      ["error", "unsaved", "Shop/Books", "timeoutMs", 'Time limit (ms) must be at least 1 — "0" was not saved'],
      ["error", "syntax", "Shop/Out/calc", "code", "Code: line 1: unexpected token (JavaScript syntax error)"],
      [
        "warning",
        "reference",
        "Shop/Books/callBooks",
        "sequence",
        'Sequence: there is no sequence "GetBooks" in project Shop',
      ],
      ["info", "output", "Shop/Books", "", expect.stringMatching(/^Its response is empty/)],
    ]);
    expect(problems.find((p) => p.kind === "file")).toMatchObject({ file: "Shop/sequences/Bad.yaml", line: 4 });
    expect(problems.find((p) => p.kind === "syntax")?.at).toEqual({ line: 1, column: 3 });
    expect(countBySeverity(problems)).toEqual({ error: 4, warning: 1, info: 1 });
  });
});

describe("response shape", () => {
  it("derives what the response will hold from the output steps, conditions and loops", () => {
    const p = state(shop);
    expect(shapeText(responseShape(p, "s2", types))).toBe(`{
  "item": ‹expression item› (repeated),
  "extra"?: {
    "note": ‹constant "x"›
  },
  "fromJs": ‹source calc › a›
}`);
    expect(responseShape(p, "s", types)).toEqual([]);
  });

  it("leaves out steps kept out of the response, and adds calls whose output flag is on", () => {
    // As imported from Convertigo (lib_Bitly Shorten): a hidden request body, a call added.
    const p = state(
      n("p", "Project", "Bitly", {}, [
        n("s", "Sequence", "Shorten", {}, [
          n("body", "JsonObject", "object", { output: false }, [n("u", "Element", "long_url", { value: "x" })]),
          n("call", "CallSequence", "shorten", { sequence: "Api", output: true }),
          n("copy", "Copy", "link", { source: { step: "call", path: "link" } }),
        ]),
      ]),
    );
    expect(shapeText(responseShape(p, "s", types))).toBe(`{
  "shorten": ‹the call's result›,
  "link": ‹source shorten › link›
}`);
  });

  it("says where a step's value goes", () => {
    const p = state(shop);
    expect(givesValue(p.nodes.get("js")!, types)).toBe(true);
    expect(givesValue(p.nodes.get("e1")!, types)).toBe(false);
    expect(valueUse({ Shop: p }, "Shop", "js", types).readers).toEqual([]);
    expect(valueUse({ Shop: p }, "Shop", "js2", types).readers).toEqual([
      { id: "e3", name: "fromJs", field: "source" },
    ]);
    expect(valueUse({ Shop: p }, "Shop", "call", types).readers).toEqual([
      { id: "js", name: "transform", field: "code" },
    ]);
  });
});
