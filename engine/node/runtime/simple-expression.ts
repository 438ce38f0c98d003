/**
 * Expressions simple enough to need no JavaScript interpreter: string and number literals and
 * variables joined by `+` (`"Hello, " + name + "!"`), evaluated here with JavaScript's own rules
 * for `+` on strings, numbers, booleans and null. Creating the sandbox's context is most of a
 * simple sequence's cost; an expression outside this grammar goes to the sandbox as always.
 */

/** A value that crosses into the sandbox and back unchanged (no copy, no conversion). */
type PlainScalar = string | number | boolean | null;

function isPlainScalar(v: unknown): v is PlainScalar {
  return v === null || typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v));
}

/** Words an expression cannot use as a variable's name (keywords, literals, fixed globals). */
const NOT_VARIABLE_NAMES = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for " +
    "function if import in instanceof new null return super switch this throw true try typeof var void while with " +
    "yield let static implements interface package private protected public await arguments eval undefined NaN " +
    "Infinity globalThis"
  ).split(" "),
);

/** A name a sandbox global can be set and read under, unchanged. */
function isPlainIdentifier(text: string): boolean {
  return /^[A-Za-z_$][\w$]*$/.test(text) && !NOT_VARIABLE_NAMES.has(text);
}

type Operand = { literal: PlainScalar } | { name: string };

const OPERANDS = new Map<string, readonly Operand[] | null>();
const CACHE_LIMIT = 2000;

/** The operands of `a + b + ...`, or null when the text is anything else (cached by text). */
function operandsOf(text: string): readonly Operand[] | null {
  const hit = OPERANDS.get(text);
  if (hit !== undefined) return hit;
  const parsed = parse(text);
  if (OPERANDS.size >= CACHE_LIMIT) OPERANDS.delete(OPERANDS.keys().next().value as string);
  OPERANDS.set(text, parsed);
  return parsed;
}

const SPACE = /[ \t\r\n]/;
const STRING = /^(["'])([^"'\\\n\r\u2028\u2029]*)\1/;
const NUMBER = /^(?:0|[1-9]\d{0,14})(?:\.\d{1,15})?(?![\w$.])/;
const NAME = /^[A-Za-z_$][\w$]*/;

function parse(text: string): readonly Operand[] | null {
  const out: Operand[] = [];
  let i = 0;
  const skip = () => {
    while (i < text.length && SPACE.test(text[i] as string)) i++;
  };
  for (;;) {
    skip();
    const rest = text.slice(i);
    let m: RegExpExecArray | null;
    if ((m = STRING.exec(rest))) out.push({ literal: m[2] as string });
    else if ((m = NUMBER.exec(rest))) out.push({ literal: Number(m[0]) });
    else if ((m = NAME.exec(rest)) && isPlainIdentifier(m[0])) out.push({ name: m[0] });
    else return null;
    i += m[0].length;
    skip();
    if (i === text.length) return out;
    // Only a binary "+" between operands ("++", "+=" and anything else are not this grammar).
    if (text[i] !== "+" || text[i + 1] === "+" || text[i + 1] === "=") return null;
    i++;
  }
}

function text(v: PlainScalar): string {
  return v === null ? "null" : String(v);
}

function number(v: PlainScalar): number {
  return v === null ? 0 : typeof v === "boolean" ? (v ? 1 : 0) : (v as number);
}

/**
 * The value of `expression` when it is literals and variables joined by `+` and every variable
 * it names is in `scope` with a plain scalar value; `undefined` otherwise (the caller then asks
 * the sandbox). A finite result only: anything else is left to the sandbox to answer.
 */
export function simpleExpressionValue(
  expression: string,
  scope: ReadonlyMap<string, unknown>,
): { value: PlainScalar } | undefined {
  const operands = operandsOf(expression);
  if (!operands) return undefined;
  let acc: PlainScalar | undefined;
  for (const op of operands) {
    let v: PlainScalar;
    if ("literal" in op) v = op.literal;
    else {
      if (!scope.has(op.name)) return undefined;
      const s = scope.get(op.name);
      if (!isPlainScalar(s)) return undefined;
      v = s;
    }
    // JavaScript's `+`: a string on either side concatenates, else numbers add (null 0, true 1).
    acc =
      acc === undefined
        ? v
        : typeof acc === "string" || typeof v === "string"
          ? text(acc) + text(v)
          : number(acc) + number(v);
  }
  if (typeof acc === "number" && !Number.isFinite(acc)) return undefined;
  return acc === undefined ? undefined : { value: acc };
}
