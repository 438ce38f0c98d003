import type { C8oBean } from "../c8o-yaml.ts";
import { readVector, sourceOfVector, type C8oSource } from "../c8o-values.ts";
import { parsePlainXPath, selectsText, splitTextEquality } from "../xpath.ts";
import type { Builder } from "./builder.ts";
import type { ClassMapper, ClassMappers } from "./class-mapper.ts";

/**
 * Convertigo's condition steps that read a source: If exists (IfExistStep, IfExistThenElseStep).
 * Their Then and Else children are mapped with the If-Then-Else's (steps.ts).
 */
export const conditionStepClasses: ClassMappers = {
  "steps.IfExistStep": readsSource("IfExists"),
  "steps.IfExistThenElseStep": readsSource("IfExistsThenElse"),
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

function readsSource(type: "IfExists" | "IfExistsThenElse"): ClassMapper {
  return {
    types: [type],
    decide: (bean) => {
      const reason = sourceProblem(bean);
      return reason ? { type: "Foreign", reason } : { type };
    },
    build: (b) => {
      b.comment();
      useSelection(b);
    },
  };
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
