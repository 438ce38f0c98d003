/**
 * Code generation of an app's device views (issue 18, design §7.6): the map functions of the
 * project's FullSync views, written into the app's sources as functions, so the device computes
 * the same views over its local database with no `eval` (an app's CSP forbids it) and no design
 * document from the server (FullSync never gives them to devices).
 *
 * A map function's text is the developer's own code, compiled into the app: it must be exactly
 * one function expression (checked with a JavaScript parser, so no text can close the generated
 * code around it and add statements of its own). Its free names `emit`, `log`, `isArray`, `sum`
 * and `toJSON` are CouchDB's helpers, given to it as parameters. A custom reduce function is not
 * run on the device (deferred): the view is generated without it and a warning says so.
 */
import { parseExpressionAt, tokenizer, tokTypes } from "acorn";
import type { ObjNode } from "../../model/node.ts";
import { commentText } from "./scripts.ts";

/** A database name FullSync serves (the FullSyncConnector type's pattern). */
const DATABASE_NAME = /^[a-z][a-z0-9_$()+-]{0,237}$/;

/** The reduces computed on the device. */
const DEVICE_REDUCES = new Set(["_count", "_sum", "_stats"]);

export interface GeneratedViews {
  /** The module's text (TypeScript). */
  code: string;
  /** The views generated, by connector then `ddoc/view`. */
  views: Record<string, string[]>;
  /** Views left out or generated without their reduce, and why (an object path and a message). */
  warnings: { path: string; message: string }[];
  /** Views whose map function is not one function expression: the app cannot be generated. */
  errors: { path: string; message: string }[];
}

/** Checks that `text` is exactly one function expression; answers why not, or null. */
export function mapFunctionProblem(text: string): string | null {
  let node: { type: string; end: number };
  try {
    node = parseExpressionAt(text, 0, { ecmaVersion: "latest", sourceType: "module" }) as unknown as {
      type: string;
      end: number;
    };
  } catch (e) {
    return `The map function does not parse: ${(e as Error).message}`;
  }
  if (node.type !== "FunctionExpression" && node.type !== "ArrowFunctionExpression")
    return "The map function must be a function: function (doc) { ... }";
  // Comments may follow (they end where the text ends: the generated code puts a line break after it).
  try {
    const next = tokenizer(text.slice(node.end), { ecmaVersion: "latest", sourceType: "module" }).getToken();
    if (next.type !== tokTypes.eof) return "The map function must be one function, with nothing after it";
  } catch {
    return "The map function must be one function, with nothing after it";
  }
  return null;
}

/**
 * The module of a project's device views: `export const connectors`, by FullSync connector name,
 * its database and its views by `ddoc/view` (the app services' `connectors` option).
 * `runtimeImport` is how the generated code imports the runtime's types.
 */
export function generateViewsModule(
  project: ObjNode,
  runtimeImport = "@atelier/runtime/device-views.ts",
): GeneratedViews {
  const warnings: GeneratedViews["warnings"] = [];
  const errors: GeneratedViews["errors"] = [];
  const views: Record<string, string[]> = {};
  const functions: string[] = [];
  const entries: string[] = [];
  const byConnector = new Map<string, { database: string; list: string[] }>();
  for (const connector of project.children) {
    if (connector.type !== "FullSyncConnector") continue;
    const database = connector.props.databaseName;
    if (typeof database !== "string" || !DATABASE_NAME.test(database)) {
      warnings.push({
        path: connector.name,
        message: "The connector names no valid database (the engine does not serve it): the app gets none of its views",
      });
      continue;
    }
    // Every connector has its device database, views or not (a Post or a doc source needs none).
    if (!byConnector.has(connector.name)) byConnector.set(connector.name, { database, list: [] });
    for (const ddoc of connector.children) {
      if (ddoc.type !== "FullSyncDesignDocument") continue;
      for (const view of ddoc.children) {
        if (view.type !== "FullSyncView") continue;
        const key = `${ddoc.name}/${view.name}`;
        const where = `${connector.name} › ${ddoc.name} › ${view.name}`;
        const map = typeof view.props.map === "string" ? view.props.map : "";
        const problem = mapFunctionProblem(map);
        if (problem) {
          errors.push({ path: where, message: problem });
          continue;
        }
        const reduceText = typeof view.props.reduce === "string" ? view.props.reduce.trim() : "";
        let reduce = "";
        if (reduceText !== "") {
          if (DEVICE_REDUCES.has(reduceText)) reduce = `, reduce: ${JSON.stringify(reduceText)}`;
          else
            warnings.push({
              path: where,
              message: `The reduce ${reduceText.startsWith("_") ? reduceText : "function"} is not computed on the device: the app reads the view's rows`,
            });
        }
        const fn = `m${functions.length}`;
        functions.push(
          `// ${commentText(where)}\nconst ${fn} = (emit: Emit, log: Log, isArray: IsArray, sum: Sum, toJSON: ToJson) => (\n${map.trim()}\n);`,
        );
        let entry = byConnector.get(connector.name);
        if (!entry) byConnector.set(connector.name, (entry = { database, list: [] }));
        entry.list.push(
          `    ${JSON.stringify(key)}: { map: (doc, emit) => ${fn}(emit, log, isArray, sum, toJSON)(doc)${reduce} },`,
        );
        (views[connector.name] ??= []).push(key);
      }
    }
  }
  for (const [name, { database, list }] of byConnector) {
    const viewsText = list.length ? `{\n${list.map((l) => "  " + l).join("\n")}\n    }` : "{}";
    entries.push(
      `  ${JSON.stringify(name)}: {\n    database: ${JSON.stringify(database)},\n    views: ${viewsText},\n  },`,
    );
  }
  const code = [
    "// Generated by Atelier from the project's FullSync views: regenerated at each build, do not edit.",
    "// @ts-nocheck: a map function is the developer's JavaScript, typed by nobody.",
    "/* eslint-disable */",
    `import type { DeviceView, Emit } from ${JSON.stringify(runtimeImport)};`,
    "",
    "type Log = (message: unknown) => void;",
    "type IsArray = (value: unknown) => boolean;",
    "type Sum = (values: number[]) => number;",
    "type ToJson = (value: unknown) => string;",
    'const log: Log = (message) => console.debug("[view]", message);',
    "const isArray: IsArray = Array.isArray;",
    "const sum: Sum = (values) => values.reduce((a, b) => a + b, 0);",
    "const toJSON: ToJson = (value) => JSON.stringify(value);",
    "",
    ...functions.map((f) => f + "\n"),
    "export const connectors: Record<string, { database: string; views: Record<string, DeviceView> }> = {",
    ...entries,
    "};",
    "",
  ].join("\n");
  return { code, views, warnings, errors };
}
