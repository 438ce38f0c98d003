import type { C8oBean } from "../c8o-yaml.ts";
import { readVector, sourceOfVector, type C8oSource } from "../c8o-values.ts";
import { parsePlainXPath, selectsText, splitTextEquality } from "../xpath.ts";
import type { Builder } from "./builder.ts";
import type { ClassMapper, ClassMappers } from "./class-mapper.ts";

/**
 * Convertigo's condition steps that read a source: If exists (IfExistStep, IfExistThenElseStep),
 * Is in (IsInStep, IsInThenElseStep). Their Then and Else children are mapped with the
 * If-Then-Else's (steps.ts).
 */
export const conditionStepClasses: ClassMappers = {
  "steps.IfExistStep": readsSource("IfExists"),
  "steps.IfExistThenElseStep": readsSource("IfExistsThenElse"),
  "steps.IsInStep": readsSource("IsIn"),
  "steps.IsInThenElseStep": readsSource("IsInThenElse"),
};

/** The source of a condition step, its XPath split from a text-equality predicate. */
function selection(src: C8oSource): { src: C8oSource; equals?: string } | undefined {
  const eq = splitTextEquality(src.xpath);
  const xpath = eq?.xpath ?? src.xpath;
  if (!parsePlainXPath(xpath)) return undefined;
  return { src: { step: src.step, xpath }, ...(eq ? { equals: eq.equals } : {}) };
}

function sourceOf(bean: C8oBean): C8oSource | undefined {
  return sourceOfVector(readVector(bean.props.find((p) => p.name === "sourceDefinition")?.value));
}

/** Why a condition step's source keeps it foreign, if it does. */
function sourceProblem(bean: C8oBean): string | undefined {
  const src = sourceOf(bean);
  if (!src) return "it has no source";
  if (!selection(src)) return `its XPath ${src.xpath} is neither a plain path nor one with an equality on the text`;
  return undefined;
}

function readsSource(type: "IfExists" | "IfExistsThenElse" | "IsIn" | "IsInThenElse"): ClassMapper {
  const isIn = type === "IsIn" || type === "IsInThenElse";
  return {
    types: [type],
    decide: (bean) => {
      const reason = sourceProblem(bean) ?? (isIn ? testsOf(bean).problem : undefined);
      return reason ? { type: "Foreign", reason } : { type };
    },
    build: (b) => {
      b.comment();
      useSelection(b);
      if (isIn) {
        const { matches, notMatches } = testsOf(b.bean);
        b.bag.skip("testDefinition");
        if (matches.length) b.set("matches", matches);
        if (notMatches.length) b.set("notMatches", notMatches);
      }
    },
  };
}

/**
 * Is in's tests: rows [AND | NOT, regular expression]. Java's and JavaScript's regular expressions
 * agree on what the corpus uses (^0$, gzip, true); one JavaScript refuses keeps the step foreign.
 */
function testsOf(bean: C8oBean): { matches: string[]; notMatches: string[]; problem?: string } {
  const rows = readVector(bean.props.find((p) => p.name === "testDefinition")?.value) ?? [];
  const matches: string[] = [];
  const notMatches: string[] = [];
  for (const row of rows) {
    const [op, re] = Array.isArray(row) ? row : [];
    if ((op !== "AND" && op !== "NOT") || typeof re !== "string") {
      return { matches, notMatches, problem: `its test ${JSON.stringify(row)} is not [AND|NOT, expression]` };
    }
    try {
      new RegExp(re);
    } catch {
      return { matches, notMatches, problem: `its regular expression ${re} is not one JavaScript reads` };
    }
    (op === "AND" ? matches : notMatches).push(re);
  }
  return { matches, notMatches };
}

/** Sets source (or expression), textOnly and equals from the step's Convertigo source. */
function useSelection(b: Builder): void {
  const src = b.bag.source();
  const sel = src && selection(src);
  if (!sel) return;
  b.useSource(sel.src, "source");
  if (selectsText(sel.src.xpath)) b.set("textOnly", true);
  if (sel.equals !== undefined) b.set("equals", sel.equals);
}
