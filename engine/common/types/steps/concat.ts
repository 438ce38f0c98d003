import { isPlainObject, type SourceRef } from "../../model/props.ts";
import { defineType, type StepContext } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";
import { isOutput, outputProp } from "./output-prop.ts";

/**
 * One part of a Concat: an earlier step's value (a source) or a JavaScript expression's (a loop's
 * item), or the text, used too when the value is missing.
 */
export interface ConcatPart {
  source?: SourceRef;
  expression?: string;
  text?: string;
}

function partsProblem(v: unknown): string | undefined {
  if (!Array.isArray(v)) return "Parts must be a list of { source?, expression?, text? }";
  for (const [i, p] of v.entries()) {
    if (!isPlainObject(p)) return `Part ${i + 1} must be an object { source?, expression?, text? }`;
    const extra = Object.keys(p).filter((k) => k !== "source" && k !== "expression" && k !== "text");
    if (extra.length) return `Part ${i + 1}: unknown key ${extra.join(", ")} (source, expression and text only)`;
    if (p.text !== undefined && typeof p.text !== "string") return `Part ${i + 1}: text must be text`;
    if (p.expression !== undefined && typeof p.expression !== "string")
      return `Part ${i + 1}: expression must be JavaScript text`;
    if (p.source !== undefined && p.expression !== undefined)
      return `Part ${i + 1}: a source or an expression, not both`;
    if (p.source !== undefined) {
      const s = p.source;
      if (!isPlainObject(s) || typeof s.step !== "string" || s.step === "")
        return `Part ${i + 1}: source must name a step: { step, path }`;
      if (s.path !== undefined && typeof s.path !== "string") return `Part ${i + 1}: the source's path must be text`;
    }
  }
  return undefined;
}

/** The text of a value as an XML node's text: a list's or an object's is its values' texts. */
function textOf(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  const values = Array.isArray(v) ? v : Object.values(v as object);
  return values.map((x) => textOf(x) ?? "").join("");
}

/** A source's value; undefined when its step has not run (Convertigo then uses the part's text). */
function readSource(ctx: StepContext, ref: SourceRef): unknown {
  try {
    return ctx.source(ref);
  } catch (e) {
    if ((e as { code?: unknown }).code === "source_not_ready") return undefined;
    throw e;
  }
}

/**
 * Convertigo's XMLConcatStep: a text made of parts (each an earlier step's value, or a fixed text,
 * which also stands in for a missing value) joined by a separator, added under the step's name.
 * As Convertigo does, the separator is only put after a text that is not empty, and the values of
 * a source that gives a list are each a part.
 */
export const concatStep = defineType({
  type: "Concat",
  label: "Concat",
  category: "step",
  icon: "element",
  description:
    "Joins texts into one, added to the output under the step's name: each part is an earlier step's value (its text) or a fixed text, used too when the value is missing.",
  accepts: [],
  output: "value",
  props: [
    commentProp,
    {
      name: "parts",
      label: "Parts",
      kind: "json",
      default: [],
      help: 'A list of parts, each { "source": { "step": <id>, "path": <path> } } or { "expression": <JavaScript> }, with an optional { "text": <text> }: the value, or the text when there is none or it gives nothing.',
      check: (v) => partsProblem(v),
    },
    {
      name: "separator",
      label: "Separator",
      kind: "string",
      default: " ",
      help: "Put between the parts (not after an empty beginning).",
    },
    outputProp(true, "the text"),
  ],
  run: async (ctx) => {
    const parts = (ctx.prop<ConcatPart[]>("parts") ?? []) as ConcatPart[];
    const sep = ctx.prop<string>("separator") ?? " ";
    let text = "";
    for (const [i, part] of parts.entries()) {
      if (text !== "") text += sep;
      const fallback = part.text ?? "";
      if (!part.source && !part.expression) {
        text += fallback;
        continue;
      }
      const v = part.source
        ? readSource(ctx, part.source)
        : await ctx.evaluate(part.expression as string, `part ${i + 1} of Concat "${ctx.node.name}"`);
      const items = Array.isArray(v) ? v : v === undefined ? [] : [v];
      if (items.length === 0) text += fallback;
      else text += items.map((x) => textOf(x) ?? fallback).join(sep);
    }
    if (isOutput(ctx)) ctx.emit(ctx.node.name, text);
    return text;
  },
});
