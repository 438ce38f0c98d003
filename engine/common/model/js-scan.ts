/**
 * A small JavaScript scanner for the names code uses: `step("name")` calls, `vars.name`, and
 * identifiers. It knows tokens (strings, template literals, comments, regular expressions,
 * punctuation), not the grammar: enough to find and rename the names the Studio's objects give
 * code (steps, variables) without touching text inside strings or comments. Pure: the engine's
 * renames and the Studio's editor both read code through it.
 */

export interface Token {
  kind: "name" | "string" | "template" | "number" | "punct" | "regex";
  /** The source text of the token (a string's with its quotes). */
  text: string;
  start: number;
  end: number;
}

/** A place in code: offsets into the text, end excluded. */
export interface Span {
  start: number;
  end: number;
}

const ID_START = /[A-Za-z_$\u00c0-\uffff]/;
const ID_PART = /[\w$\u00c0-\uffff]/;
const PUNCT = [
  ">>>=",
  "...",
  "===",
  "!==",
  "**=",
  "<<=",
  ">>=",
  ">>>",
  "&&=",
  "||=",
  "??=",
  "=>",
  "==",
  "!=",
  "<=",
  ">=",
  "&&",
  "||",
  "??",
  "?.",
  "++",
  "--",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  "&=",
  "|=",
  "^=",
  "**",
  "<<",
  ">>",
];
/** Words after which a `/` starts a regular expression, not a division. */
const REGEX_AFTER_WORDS = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
]);

/**
 * The tokens of a piece of JavaScript, comments left out; the expressions inside template
 * literals are scanned too (their tokens follow the template's). Never throws: text it does not
 * understand becomes punctuation, an unterminated string ends at the end of the line.
 */
export function tokenize(code: string): readonly Token[] {
  const cached = tokenCache.get(code);
  if (cached) return cached;
  const out: Token[] = [];
  scan(code, 0, code.length, out);
  out.sort((a, b) => a.start - b.start);
  // The same texts are read again and again (problems as you type, renames): keep the last ones.
  if (code.length <= 50_000) {
    if (tokenCache.size >= 500) tokenCache.delete(tokenCache.keys().next().value as string);
    tokenCache.set(code, out);
  }
  return out;
}

const tokenCache = new Map<string, readonly Token[]>();

function scan(code: string, from: number, to: number, out: Token[]): number {
  let i = from;
  let depth = 0; // braces opened inside a template substitution
  const last = () => {
    for (let k = out.length - 1; k >= 0; k--) if (out[k]!.start < i) return out[k];
    return undefined;
  };
  while (i < to) {
    const c = code[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\u00a0" || c === "\ufeff") {
      i++;
      continue;
    }
    if (c === "/" && code[i + 1] === "/") {
      while (i < to && code[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && code[i + 1] === "*") {
      const end = code.indexOf("*/", i + 2);
      i = end < 0 || end >= to ? to : end + 2;
      continue;
    }
    const start = i;
    if (c === '"' || c === "'") {
      i++;
      while (i < to && code[i] !== c && code[i] !== "\n") i += code[i] === "\\" ? 2 : 1;
      if (code[i] === c) i++;
      out.push({ kind: "string", text: code.slice(start, Math.min(i, to)), start, end: Math.min(i, to) });
      continue;
    }
    if (c === "`") {
      i = scanTemplate(code, i, to, out);
      continue;
    }
    if (ID_START.test(c)) {
      i++;
      while (i < to && ID_PART.test(code[i]!)) i++;
      out.push({ kind: "name", text: code.slice(start, i), start, end: i });
      continue;
    }
    if (/\d/.test(c) || (c === "." && /\d/.test(code[i + 1] ?? ""))) {
      i++;
      while (i < to && /[\w.]/.test(code[i]!)) i++;
      out.push({ kind: "number", text: code.slice(start, i), start, end: i });
      continue;
    }
    if (c === "/") {
      const prev = last();
      const regexHere =
        !prev ||
        (prev.kind === "punct" && prev.text !== ")" && prev.text !== "]" && prev.text !== "}") ||
        (prev.kind === "name" && REGEX_AFTER_WORDS.has(prev.text));
      if (regexHere) {
        i++;
        let inClass = false;
        while (i < to && code[i] !== "\n") {
          const ch = code[i]!;
          if (ch === "\\") i += 2;
          else {
            if (ch === "[") inClass = true;
            else if (ch === "]") inClass = false;
            else if (ch === "/" && !inClass) break;
            i++;
          }
        }
        i++;
        while (i < to && ID_PART.test(code[i]!)) i++;
        out.push({ kind: "regex", text: code.slice(start, Math.min(i, to)), start, end: Math.min(i, to) });
        continue;
      }
    }
    if (c === "}" && depth === 0 && from > 0) return i; // the end of a template substitution
    if (c === "{") depth++;
    if (c === "}") depth--;
    const p = PUNCT.find((x) => code.startsWith(x, i)) ?? c;
    // `?.` followed by a digit is a conditional and a number (a ?.5 : b).
    const text = p === "?." && /\d/.test(code[i + 2] ?? "") ? "?" : p;
    i += text.length;
    out.push({ kind: "punct", text, start, end: i });
  }
  return i;
}

function scanTemplate(code: string, at: number, to: number, out: Token[]): number {
  let i = at + 1;
  const token: Token = { kind: "template", text: "", start: at, end: at };
  out.push(token);
  while (i < to && code[i] !== "`") {
    if (code[i] === "\\") i += 2;
    else if (code[i] === "$" && code[i + 1] === "{") {
      i = scan(code, i + 2, to, out);
      if (code[i] === "}") i++;
    } else i++;
  }
  if (code[i] === "`") i++;
  token.end = Math.min(i, to);
  token.text = code.slice(at, token.end);
  return i;
}

/** The value of a string token (or of a template literal without substitutions); undefined otherwise. */
export function stringValue(t: Token): string | undefined {
  if (t.kind === "template") {
    if (t.text.includes("${") || t.text.length < 2 || !t.text.endsWith("`")) return undefined;
    return unescape(t.text.slice(1, -1));
  }
  if (t.kind !== "string" || t.text.length < 2 || t.text.at(-1) !== t.text[0]) return undefined;
  return unescape(t.text.slice(1, -1));
}

function unescape(s: string): string {
  if (!s.includes("\\")) return s;
  return s.replace(/\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\r\n|[\s\S])/g, (_, e: string) => {
    if (e[0] === "u" && e[1] === "{") return String.fromCodePoint(parseInt(e.slice(2, -1), 16));
    if (e[0] === "u" || (e[0] === "x" && e.length > 1)) return String.fromCharCode(parseInt(e.slice(1), 16));
    const simple: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", v: "\v", "0": "\0" };
    if (e === "\n" || e === "\r\n") return "";
    return simple[e] ?? e;
  });
}

/** A string literal of a name in the quotes of the one it replaces. */
export function quoteLike(original: Token, value: string): string {
  const q = original.kind === "template" ? "`" : original.text[0] === "'" ? "'" : '"';
  const escaped = value.replace(/\\/g, "\\\\").replace(new RegExp(q, "g"), `\\${q}`);
  return `${q}${escaped}${q}`;
}

/** A `step("…")` call: the name or id it reads, and where its string literal is. */
export interface StepCall {
  name: string;
  token: Token;
}

const isDot = (t: Token | undefined) => t?.kind === "punct" && (t.text === "." || t.text === "?.");

/** The `step("name")` calls of code (the function the sandbox gives code to read steps' outputs). */
export function stepCalls(code: string, tokens = tokenize(code)): StepCall[] {
  const out: StepCall[] = [];
  for (let k = 0; k + 3 < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.kind !== "name" || t.text !== "step" || isDot(tokens[k - 1])) continue;
    const open = tokens[k + 1]!;
    const arg = tokens[k + 2]!;
    const close = tokens[k + 3]!;
    if (open.text !== "(" || close.text !== ")") continue;
    const name = stringValue(arg);
    if (name !== undefined) out.push({ name, token: arg });
  }
  return out;
}

/** A use of a variable in code: `vars.name`, `vars["name"]`, or the bare identifier. */
export interface VariableUse {
  name: string;
  token: Token;
  /** How it is written: through `vars`, as an identifier, or as a shorthand property `{ name }`. */
  form: "vars" | "identifier" | "shorthand";
}

/**
 * Where code uses the variable `name` (or, without a name, any variable through `vars`):
 * `vars.name`, `vars["name"]`, and the bare identifier when `identifiers` (a sequence's
 * variables are globals of its steps' code). An identifier is left out where it is a property
 * name (`x.name`, `{ name: 1 }`); a shorthand property `{ name }` is reported as such (renaming
 * it must keep the key: `{ name: newName }`).
 */
export function variableUses(code: string, name?: string, identifiers = true, tokens = tokenize(code)): VariableUse[] {
  const out: VariableUse[] = [];
  // For each `{`, whether it opens an object literal (else a block or a pattern).
  const braces: boolean[] = [];
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    const prev = tokens[k - 1];
    const next = tokens[k + 1];
    if (t.kind === "punct") {
      if (t.text === "{") braces.push(opensObject(prev));
      else if (t.text === "}") braces.pop();
      continue;
    }
    if (t.kind !== "name") continue;
    if (t.text === "vars" && !isDot(prev)) {
      const a = tokens[k + 1];
      const b = tokens[k + 2];
      if (a?.text === "." || a?.text === "?.") {
        if (b?.kind === "name" && (name === undefined || b.text === name)) {
          out.push({ name: b.text, token: b, form: "vars" });
        }
      } else if (a?.text === "[" && b && tokens[k + 3]?.text === "]") {
        const v = stringValue(b);
        if (v !== undefined && (name === undefined || v === name)) out.push({ name: v, token: b, form: "vars" });
      }
      continue;
    }
    if (!identifiers || name === undefined || t.text !== name || isDot(prev)) continue;
    const inObject = braces.at(-1) === true;
    const keyPlace = prev?.text === "{" || prev?.text === ",";
    // A key (of an object or a destructuring pattern: `{ name: x }`), a method `{ name() {} }`.
    if (keyPlace && (next?.text === ":" || (inObject && next?.text === "("))) continue;
    if (inObject && keyPlace && (next?.text === "," || next?.text === "}")) {
      out.push({ name, token: t, form: "shorthand" });
      continue;
    }
    out.push({ name, token: t, form: "identifier" });
  }
  return out;
}

/** Does a `{` after this token open an object literal (an expression) rather than a block? */
function opensObject(prev: Token | undefined): boolean {
  if (!prev) return false;
  if (prev.kind === "punct") return ![")", "]", "}", ";", "=>"].includes(prev.text);
  if (prev.kind === "name")
    return ["return", "typeof", "in", "of", "case", "yield", "await", "void", "delete"].includes(prev.text);
  return false;
}

/** The token at an offset (its start included, its end too: a caret right after a name is on it). */
export function tokenAt(tokens: readonly Token[], offset: number): Token | undefined {
  return tokens.find((t) => t.kind !== "template" && t.start <= offset && offset <= t.end);
}

/** Text edits applied to a text (spans must not overlap). */
export function applyEdits(text: string, edits: readonly (Span & { text: string })[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** The 1-based line and column of an offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === "\n") {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
