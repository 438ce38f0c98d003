/**
 * JavaScript syntax of code and expression properties, checked without running anything. The
 * parser is the sandbox's own (QuickJS, compile only), which lives in the engine: the engine
 * installs it (`setJsSyntaxChecker`, engine/node/runtime/js-syntax-check.ts) and the validator
 * (`checkNode`) and the runner ask here. Where none is installed (the browser, a unit test
 * without the engine), nothing is reported.
 */
import type { Issue } from "./node.ts";
import type { PropDef } from "./props.ts";

/** How a property's text is run: as statements (a Sequence JS step), or as one expression. */
export type JsMode = "statements" | "expression";

/** A syntax error: the parser's message and where (1-based, in the property's own text). */
export interface JsSyntaxError {
  message: string;
  line: number;
  column: number;
}

export type JsSyntaxChecker = (code: string, mode: JsMode) => JsSyntaxError | undefined;

let checker: JsSyntaxChecker | undefined;

/** Installs the parser (the engine does, once its QuickJS module is loaded). */
export function setJsSyntaxChecker(c: JsSyntaxChecker | undefined): void {
  checker = c;
}

export function hasJsSyntaxChecker(): boolean {
  return checker !== undefined;
}

/**
 * How a property's text runs, or undefined when it is not JavaScript: `code` properties are
 * statements unless they say otherwise (`js`), `expression` ones are expressions.
 */
export function jsModeOf(prop: Pick<PropDef, "kind" | "js">): JsMode | undefined {
  if (prop.kind === "code") return prop.js ?? "statements";
  if (prop.kind === "expression") return prop.js ?? "expression";
  return undefined;
}

/** The syntax error of a text run as `mode`, if any (and if a parser is installed). */
export function jsSyntaxError(code: string, mode: JsMode): JsSyntaxError | undefined {
  if (!checker || code.trim() === "") return undefined;
  return checker(code, mode);
}

/** The message of a syntax error of a property, as problems and runs say it. */
export function jsSyntaxMessage(label: string, e: JsSyntaxError): string {
  return `${label}: line ${e.line}: ${e.message.replace(/^SyntaxError: /, "")} (JavaScript syntax error)`;
}

/** The syntax problems of an object's JavaScript properties (one per property at most). */
export function jsSyntaxIssues(
  props: Record<string, unknown>,
  defs: readonly Pick<PropDef, "name" | "label" | "kind" | "js">[],
): Issue[] {
  if (!checker) return [];
  const out: Issue[] = [];
  for (const p of defs) {
    const mode = jsModeOf(p);
    const v = props[p.name];
    if (!mode || typeof v !== "string") continue;
    const e = jsSyntaxError(v, mode);
    if (e)
      out.push({
        message: jsSyntaxMessage(p.label, e),
        prop: p.name,
        at: { line: e.line, column: e.column },
        code: "js_syntax",
      });
  }
  return out;
}
