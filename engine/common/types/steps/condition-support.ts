/**
 * What Convertigo's source-reading condition steps share (If exists, Is in, and their Then/Else
 * forms; not an object type): the values their source selects, in Atelier's JSON model.
 *
 * Convertigo evaluates an XPath into a step's XML output and looks at the nodes it selects. In
 * JSON the selection is read so:
 * - a step that has not run (or gave no output) selects nothing, as in Convertigo, where the
 *   source of a step not executed gives no node list;
 * - `undefined` and `null` select nothing (no key; a JSON null is "no value" here, although
 *   Convertigo writes an empty element for it);
 * - an array selects its items, so an empty array selects nothing: the importer reads a
 *   Convertigo path ending in `item` (the XML form of a JSON array's items) as the array;
 * - anything else is one selected value: an empty text "" too, as an empty element is a node;
 * - "text only" keeps the values that have a non-empty text (a text, number or boolean), as a
 *   Convertigo XPath ending in `text()` selects no node for an empty element;
 * - "equals" keeps the values whose text is exactly that (Convertigo's predicate `[.="x"]`).
 */
import type { PropDef } from "../../model/props.ts";
import type { SourceRef } from "../../model/props.ts";
import type { ObjNode } from "../../model/node.ts";
import type { StepContext } from "../../model/typedef.ts";

/** The source, expression and filters of a condition reading a source. */
export const selectionProps: PropDef[] = [
  {
    name: "source",
    label: "Source",
    kind: "source",
    help: "What to look for: an earlier step's output and a path such as data.rows. A step that has not run selects nothing.",
    group: "Selection",
  },
  {
    name: "expression",
    label: "Expression",
    kind: "expression",
    help: "What to look for, as a JavaScript expression (used when there is no source).",
    group: "Selection",
  },
  {
    name: "textOnly",
    label: "Text only",
    kind: "boolean",
    default: false,
    help: "Count only values with a non-empty text (a text, number or boolean): an empty text or an object then selects nothing, as Convertigo's XPath ending in text() does.",
    group: "Selection",
  },
  {
    name: "equals",
    label: "Equals",
    kind: "string",
    help: 'When set, count only values whose text is exactly this (Convertigo\'s XPath predicate [.="..."]): the JSON true is the text "true".',
    group: "Selection",
  },
];

/** The check of a condition reading a source: it needs something to read. */
export function checkSelection(node: ObjNode): string[] {
  const src = node.props.source as SourceRef | undefined;
  const expr = node.props.expression;
  if ((src && typeof src === "object" && src.step) || (typeof expr === "string" && expr.trim() !== "")) return [];
  return ["It needs a source or an expression"];
}

/** The text of a JSON value, as Convertigo's XML would hold it; undefined for objects and arrays. */
export function textOf(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

/** The values the step's source (or expression) selects, filtered by its "text only" and "equals". */
export async function selectedValues(ctx: StepContext): Promise<unknown[]> {
  const src = ctx.prop<SourceRef | undefined>("source");
  let value: unknown;
  if (src && typeof src === "object" && src.step) {
    try {
      value = ctx.source(src);
    } catch (e) {
      // Convertigo: the source of a step that has not run selects nothing.
      if ((e as { code?: unknown }).code !== "source_not_ready") throw e;
      value = undefined;
    }
    ctx.input("source", { ...src, value });
  } else {
    const expr = ctx.prop<string | undefined>("expression");
    value = expr && expr.trim() !== "" ? await ctx.evaluate(expr, `expression of "${ctx.node.name}"`) : undefined;
  }
  let values = value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
  values = values.filter((v) => v !== undefined && v !== null);
  if (ctx.prop<boolean>("textOnly")) values = values.filter((v) => (textOf(v) ?? "") !== "");
  const equals = ctx.prop<string | undefined>("equals");
  if (equals !== undefined && equals !== null && equals !== "") values = values.filter((v) => textOf(v) === equals);
  return values;
}

/** The check of a Then-Else condition: at most one Then and one Else. */
export function checkBranches(node: ObjNode, label: string): string[] {
  const issues: string[] = [];
  if (node.children.filter((c) => c.type === "Then").length > 1) issues.push(`An ${label} holds at most one Then`);
  if (node.children.filter((c) => c.type === "Else").length > 1) issues.push(`An ${label} holds at most one Else`);
  return issues;
}

/** The patterns of Is in: all "matches" must be found in each value's text, no "does not match". */
export const patternProps: PropDef[] = [
  {
    name: "matches",
    label: "Matches",
    kind: "stringList",
    help: "Regular expressions each selected value's text must contain a match of (Convertigo's AND tests).",
    group: "Test",
  },
  {
    name: "notMatches",
    label: "Does not match",
    kind: "stringList",
    help: "Regular expressions no selected value's text may contain a match of (Convertigo's NOT tests).",
    group: "Test",
  },
];

/** The check of Is in: its patterns are regular expressions. */
export function checkPatterns(node: ObjNode): string[] {
  const issues: string[] = [];
  for (const name of ["matches", "notMatches"]) {
    const list = node.props[name];
    if (!Array.isArray(list)) continue;
    for (const p of list) {
      try {
        new RegExp(String(p));
      } catch {
        issues.push(`${JSON.stringify(p)} is not a regular expression`);
      }
    }
  }
  return issues;
}

/** All the text of a JSON value, as Convertigo's XML element would hold it (its texts, in order). */
function allText(v: unknown): string {
  const t = textOf(v);
  if (t !== undefined) return t;
  if (v && typeof v === "object") return Object.values(v).map(allText).join("");
  return "";
}

/**
 * Is in's test: something is selected, and every selected value's text contains a match of
 * each "matches" pattern and of no "does not match" pattern (Convertigo's IsInStep).
 */
export async function isIn(ctx: StepContext): Promise<boolean> {
  const values = await selectedValues(ctx);
  ctx.input("selected", values.length);
  if (values.length === 0) return false;
  const compile = (name: string) => (ctx.prop<string[] | undefined>(name) ?? []).map((p) => new RegExp(p));
  const must = compile("matches");
  const mustNot = compile("notMatches");
  return values.every((v) => {
    const text = allText(v);
    return must.every((re) => re.test(text)) && !mustNot.some((re) => re.test(text));
  });
}
