/**
 * A page, a shared component or a shared action of the application written as JSX (design §7.1,
 * "readable JSX per page"): the object tree as nested elements, one per object, its properties as
 * attributes. The runtime's factory (app-runtime/jsx.ts) turns the JSX back into the very
 * objects of the project's files, which the one interpreter renders; a test compiles the JSX of
 * real pages and compares.
 *
 * Values are printed as JavaScript literals (JSON's values only), never as code: a text holding
 * quotes, braces, `&` or line breaks is a string expression (`{"..."}`), since a JSX attribute
 * text decodes `&...;` entities.
 */
import type { ObjNode } from "../../model/node.ts";

/** The tags app-runtime/jsx.ts exports (any other type is a `<Node type=...>`). */
const TAGS = new Set([
  "Application",
  "Page",
  "SharedComponent",
  "SharedAction",
  "Component",
  "Text",
  "Directive",
  "UseShared",
  "Event",
  "Action",
  "ActionElse",
  "OnError",
  "State",
  "Style",
  "ComponentInput",
  "ComponentEvent",
  "ActionInput",
]);

/** Names an attribute cannot have (they are the object's own, or JSX's). */
const TAKEN = new Set(["id", "name", "type", "children", "key", "ref", "$props"]);

const IDENT = /^[A-Za-z_$][\w$]*$/;
const WIDTH = 100;

/** A JSON value as a JavaScript literal: identifier keys unquoted, on one line when short. */
export function literal(v: unknown, indent = ""): string {
  if (v === null || typeof v !== "object") return v === undefined ? "undefined" : JSON.stringify(v);
  const inner = indent + "  ";
  if (Array.isArray(v)) {
    const items = v.map((x) => literal(x, inner));
    const one = `[${items.join(", ")}]`;
    return one.length <= WIDTH && !one.includes("\n")
      ? one
      : `[\n${items.map((i) => inner + i).join(",\n")},\n${indent}]`;
  }
  const entries = Object.entries(v as Record<string, unknown>).map(
    ([k, x]) => `${IDENT.test(k) ? k : JSON.stringify(k)}: ${literal(x, inner)}`,
  );
  if (!entries.length) return "{}";
  const one = `{ ${entries.join(", ")} }`;
  return one.length <= WIDTH && !one.includes("\n")
    ? one
    : `{\n${entries.map((e) => inner + e).join(",\n")},\n${indent}}`;
}

/** A text safe as a JSX attribute text: no quote, entity, brace, angle bracket, backslash or line break. */
const PLAIN_TEXT = /^[^"&{}<>\\\n\r]*$/;

function attribute(name: string, value: unknown, indent: string): string {
  if (typeof value === "string" && PLAIN_TEXT.test(value)) return `${name}="${value}"`;
  return `${name}={${literal(value, indent)}}`;
}

/** The JSX of an object and its children, at `indent`. */
export function objectJsx(node: ObjNode, indent = ""): string {
  const tag = TAGS.has(node.type) ? node.type : "Node";
  const inner = indent + "  ";
  const attrs = [attribute("id", node.id, inner), attribute("name", node.name, inner)];
  if (tag === "Node") attrs.push(attribute("type", node.type, inner));
  const taken: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node.props)) {
    if (TAKEN.has(k) || !IDENT.test(k)) taken[k] = v;
    else attrs.push(attribute(k, v, inner));
  }
  if (Object.keys(taken).length) attrs.push(`$props={${literal(taken, inner)}}`);
  const one = `<${tag} ${attrs.join(" ")}`;
  const open =
    one.length + indent.length <= WIDTH && !one.includes("\n")
      ? one
      : `<${tag}\n${attrs.map((a) => inner + a).join("\n")}\n${indent}`;
  if (!node.children.length) return `${open}${open.endsWith("\n" + indent) ? "" : " "}/>`;
  const kids = node.children.map((c) => inner + objectJsx(c, inner)).join("\n");
  return `${open}>\n${kids}\n${indent}</${tag}>`;
}

/** The tags a tree uses, sorted (what its module imports). */
function tagsOf(node: ObjNode, out = new Set<string>()): Set<string> {
  out.add(TAGS.has(node.type) ? node.type : "Node");
  for (const c of node.children) tagsOf(c, out);
  return out;
}

/**
 * The module of one object of the application (a page, a shared component, a shared action):
 * `export const <exportName>` is its tree, written as JSX.
 */
export function objectModule(
  node: ObjNode,
  exportName: string,
  header: string[],
  runtimeImport = "@atelier/runtime/jsx.ts",
): string {
  return [
    ...header.map((h) => `// ${h}`),
    "// @ts-nocheck: the objects are checked by Atelier (the Problems view), not by TypeScript.",
    "/** @jsxRuntime classic */",
    "/** @jsx ui */",
    `import { ui, ${[...tagsOf(node)].sort().join(", ")} } from ${JSON.stringify(runtimeImport)};`,
    `import type { UiNode } from ${JSON.stringify(runtimeImport.replace(/jsx\.ts$/, "model.ts"))};`,
    "",
    `export const ${exportName}: UiNode = (`,
    `  ${objectJsx(node, "  ")}`,
    ");",
    "",
  ].join("\n");
}
