/**
 * Mango selectors sent by devices (`_changes?filter=_selector`), compiled and evaluated by the
 * FullSync layer itself, never by pouchdb-selector-core. That library builds a JavaScript RegExp
 * from each `$regex` (a backtracking engine: `^(a+)+$` against 30 characters stalls the event
 * loop for seconds, doubling per character), throws on valid shapes (a missing parent of a
 * nested field, an unknown operator: 500s), reads inherited properties (`constructor`), and its
 * `$and` merging multiplies `$or` branches (k `$or`s of n: n^k selectors in memory).
 *
 * Here:
 * - a selector is checked once, up front; whatever is not understood answers 400 `bad_request`
 *   with the reason (never a throw while matching);
 * - `$regex` runs on re2js (RE2 semantics: linear time, no backreferences or lookaround; a
 *   pattern RE2 cannot compile is refused), at most {@link SELECTOR_LIMITS.regexLength}
 *   characters and {@link SELECTOR_LIMITS.regexProgram} compiled instructions each (estimated
 *   from the text before compiling: counted repetitions make compiling itself costly);
 * - a selector has at most {@link SELECTOR_LIMITS.conditions} conditions;
 * - evaluating one document may take at most {@link SELECTOR_LIMITS.workPerDocument} steps (a
 *   comparison, an array element or object key visited, or one character tested against one
 *   instruction of a compiled `$regex`): a document that needs more does not match. So one
 *   evaluation has a bound whatever the document and the selector (an attacker can make only
 *   their own document drop out of their own feed), and the caller yields to the event loop
 *   between documents;
 * - fields are read as own properties only.
 *
 * Semantics follow pouchdb-selector-core (what the layer used before, and what PouchDB clients
 * evaluate locally) for every well-formed selector, except where it is wrong: `$and` is a plain
 * conjunction (pouchdb merges `{$and: [{a: 1}, {a: 2}]}` into `a = 2`), a nested field of a
 * missing or scalar parent is missing (pouchdb answers the parent when it is falsy), and an
 * array given as a field's value is compared as a whole (`$eq`). `$beginsWith` (CouchDB 3.4) is
 * understood too.
 */
import { RE2JS } from "re2js";
import { badRequest } from "./http-util.ts";
import { isObject } from "./json.ts";

export const SELECTOR_LIMITS = {
  /** Conditions (fields, operators, values of `$in`/`$nin`/`$all`, branches) in one selector. */
  conditions: 1000,
  /** `$regex` conditions in one selector. */
  regexes: 16,
  /** Characters of one `$regex` pattern. */
  regexLength: 256,
  /** Instructions of one compiled `$regex` (re2js `programSize`). */
  regexProgram: 256,
  /** Steps one document's evaluation may take (see the file comment). */
  workPerDocument: 262_144,
} as const;

/** A compiled selector: `matches` never throws, whatever the document. */
export interface CompiledSelector {
  matches(doc: unknown): boolean;
  /** Documents that did not match because they needed more work than allowed (diagnostics, tests). */
  readonly exhausted: number;
}

type Test = (value: unknown, w: Work) => boolean;

class Work {
  left: number = SELECTOR_LIMITS.workPerDocument;
  spend(n: number): void {
    this.left -= n;
    if (this.left < 0) throw OUT_OF_WORK;
  }
}
const OUT_OF_WORK = Symbol("selector work exhausted");

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** Compiles a device's selector, or throws a 400 naming what is wrong. */
export function compileSelector(input: unknown): CompiledSelector {
  if (!isObject(input)) throw badRequest("Invalid selector: a selector is a JSON object.");
  const c = new Compiler();
  const test = c.conditions(input, "selector");
  let exhausted = 0;
  return {
    matches(doc: unknown): boolean {
      try {
        return test(doc, new Work());
      } catch (e) {
        if (e === OUT_OF_WORK) {
          exhausted++;
          return false;
        }
        throw e;
      }
    },
    get exhausted() {
      return exhausted;
    },
  };
}

class Compiler {
  private count = 0;
  private regexes = 0;

  private tick(where: string, n = 1): void {
    this.count += n;
    if (this.count > SELECTOR_LIMITS.conditions) {
      throw badRequest(
        `Invalid selector: more than ${SELECTOR_LIMITS.conditions} conditions (at ${where}); use filter=_doc_ids for long lists of documents.`,
      );
    }
  }

  /**
   * An object of conditions on a value: operators (`$gt`...), combinations (`$or`...) and
   * sub-fields (`a.b` or `{a: {b: ...}}`), all of which must hold. The selector itself is the
   * conditions on the document.
   */
  conditions(o: Record<string, unknown>, where: string): Test {
    const tests: Test[] = [];
    for (const [key, arg] of Object.entries(o)) {
      this.tick(where);
      const at = `${where}.${key}`;
      if (key.startsWith("$")) {
        tests.push(this.operator(key, arg, at));
        continue;
      }
      const path = parseField(key);
      // A sub-field: an object of conditions on it, or a value it must equal.
      const inner = isObject(arg) ? this.conditions(arg, at) : eq(arg);
      tests.push((v, w) => inner(getField(v, path, w), w));
    }
    if (tests.length === 1) return tests[0]!;
    return (v, w) => {
      for (const t of tests) if (!t(v, w)) return false;
      return true;
    };
  }

  /** A value of a combination: conditions, or a plain value it must equal (pouchdb's massaging). */
  private branch(arg: unknown, where: string): Test {
    return isObject(arg) ? this.conditions(arg, where) : eq(arg);
  }

  private branches(op: string, arg: unknown, where: string): Test[] {
    if (!Array.isArray(arg)) throw badRequest(`Invalid selector: ${op} needs an array (at ${where}).`);
    this.tick(where, arg.length);
    return arg.map((b, i) => {
      if (!isObject(b)) throw badRequest(`Invalid selector: each entry of ${op} is an object (at ${where}[${i}]).`);
      return this.conditions(b, `${where}[${i}]`);
    });
  }

  private operator(op: string, arg: unknown, at: string): Test {
    switch (op) {
      case "$and": {
        const ts = this.branches(op, arg, at);
        return (v, w) => {
          for (const t of ts) if (!t(v, w)) return false;
          return true;
        };
      }
      case "$or": {
        const ts = this.branches(op, arg, at);
        return (v, w) => {
          for (const t of ts) if (t(v, w)) return true;
          return false;
        };
      }
      case "$nor": {
        const ts = this.branches(op, arg, at);
        return (v, w) => {
          for (const t of ts) if (t(v, w)) return false;
          return true;
        };
      }
      case "$not": {
        if (!isObject(arg)) throw badRequest(`Invalid selector: $not needs an object (at ${at}).`);
        const t = this.conditions(arg, at);
        return (v, w) => !t(v, w);
      }
      case "$eq":
        return eq(arg);
      case "$ne":
        return (v, w) => collate(v, arg, w) !== 0;
      case "$gt":
        return (v, w) => v !== undefined && collate(v, arg, w) > 0;
      case "$gte":
        return (v, w) => v !== undefined && collate(v, arg, w) >= 0;
      case "$lt":
        return (v, w) => v !== undefined && collate(v, arg, w) < 0;
      case "$lte":
        return (v, w) => v !== undefined && collate(v, arg, w) <= 0;
      case "$exists":
        if (typeof arg !== "boolean") throw badRequest(`Invalid selector: $exists needs true or false (at ${at}).`);
        return (v) => (v !== undefined) === arg;
      case "$type": {
        const types = ["null", "boolean", "number", "string", "array", "object"];
        if (typeof arg !== "string" || !types.includes(arg)) {
          throw badRequest(`Invalid selector: $type needs one of ${types.join(", ")} (at ${at}).`);
        }
        return (v) => typeOf(v) === arg;
      }
      case "$in":
      case "$nin": {
        const list = this.values(op, arg, at);
        const within = (v: unknown, w: Work) =>
          Array.isArray(v)
            ? list.some((x) => v.some((y) => collate(x, y, w) === 0))
            : list.some((x) => collate(x, v, w) === 0);
        return op === "$in"
          ? (v, w) => v !== undefined && v !== null && within(v, w)
          : (v, w) => v !== undefined && v !== null && !within(v, w);
      }
      case "$all": {
        const list = this.values(op, arg, at);
        return (v, w) => Array.isArray(v) && list.every((x) => v.some((y) => collate(x, y, w) === 0));
      }
      case "$size":
        if (!Number.isInteger(arg) || (arg as number) < 0) {
          throw badRequest(`Invalid selector: $size needs a non-negative integer (at ${at}).`);
        }
        return (v) => Array.isArray(v) && v.length === arg;
      case "$mod": {
        if (!Array.isArray(arg) || arg.length !== 2 || !arg.every((x) => Number.isSafeInteger(x)) || arg[0] === 0) {
          throw badRequest(`Invalid selector: $mod needs [divisor, remainder], integers, divisor not 0 (at ${at}).`);
        }
        const [div, rem] = arg as [number, number];
        return (v) => typeof v === "number" && Number.isInteger(v) && v % div === rem;
      }
      case "$regex":
        return this.regex(arg, at);
      case "$beginsWith":
        if (typeof arg !== "string") throw badRequest(`Invalid selector: $beginsWith needs a string (at ${at}).`);
        return (v, w) => {
          if (typeof v !== "string") return false;
          w.spend(1 + arg.length);
          return v.startsWith(arg);
        };
      case "$elemMatch":
      case "$allMatch": {
        if (!isObject(arg)) throw badRequest(`Invalid selector: ${op} needs an object (at ${at}).`);
        // Conditions on each element: operators for scalars, sub-fields for objects (both may mix).
        const t = this.conditions(arg, at);
        return op === "$elemMatch"
          ? (v, w) => {
              if (!Array.isArray(v)) return false;
              for (const x of v) {
                w.spend(1);
                if (t(x, w)) return true;
              }
              return false;
            }
          : (v, w) => {
              if (!Array.isArray(v) || v.length === 0) return false;
              for (const x of v) {
                w.spend(1);
                if (!t(x, w)) return false;
              }
              return true;
            };
      }
      default:
        throw badRequest(
          `Invalid selector: unknown operator ${JSON.stringify(op)} (at ${at}); FullSync understands $and $or $nor $not $eq $ne $gt $gte $lt $lte $exists $type $in $nin $all $size $mod $regex $beginsWith $elemMatch $allMatch.`,
        );
    }
  }

  private values(op: string, arg: unknown, at: string): unknown[] {
    if (!Array.isArray(arg)) throw badRequest(`Invalid selector: ${op} needs an array (at ${at}).`);
    this.tick(at, arg.length);
    return arg;
  }

  private regex(arg: unknown, at: string): Test {
    if (typeof arg !== "string") throw badRequest(`Invalid selector: $regex needs a string (at ${at}).`);
    if (++this.regexes > SELECTOR_LIMITS.regexes) {
      throw badRequest(`Invalid selector: more than ${SELECTOR_LIMITS.regexes} $regex conditions.`);
    }
    if (arg.length > SELECTOR_LIMITS.regexLength) {
      throw badRequest(
        `Invalid selector: a $regex pattern is at most ${SELECTOR_LIMITS.regexLength} characters (at ${at}).`,
      );
    }
    // Counted repetitions expand the program before any size check: compiling
    // "(\\w+\\s*){1,1000}" sixteen times over takes ~400 ms. Estimate first, compile only what
    // can be small.
    const estimate = estimateProgram(arg);
    if (estimate > 2 * SELECTOR_LIMITS.regexProgram) {
      throw badRequest(
        `Invalid selector: the $regex ${JSON.stringify(arg)} is too complex (about ${estimate} instructions, at most ${SELECTOR_LIMITS.regexProgram}) (at ${at}).`,
      );
    }
    let re: RE2JS;
    try {
      re = RE2JS.compile(arg);
    } catch (e) {
      throw badRequest(
        `Invalid selector: $regex ${JSON.stringify(arg)} is not a regular expression FullSync evaluates (RE2 syntax: no backreferences or lookaround): ${e instanceof Error ? e.message : String(e)} (at ${at}).`,
      );
    }
    const program = Math.max(1, re.programSize());
    if (program > SELECTOR_LIMITS.regexProgram) {
      throw badRequest(
        `Invalid selector: the $regex ${JSON.stringify(arg)} is too complex (${program} instructions compiled, at most ${SELECTOR_LIMITS.regexProgram}) (at ${at}).`,
      );
    }
    return (v, w) => {
      if (typeof v !== "string") return false;
      // RE2 runs in time linear in program × text: charge it before running.
      w.spend(program * (v.length + 1));
      return re.test(v);
    };
  }
}

const REPEAT = /\{(\d{1,9})(,(\d{0,9}))?\}/y;

/**
 * An upper estimate of a pattern's compiled size (RE2 instructions), read from its text without
 * compiling it: each atom 1, a group its content + 2, `{m,n}` multiplies what it repeats. Errs
 * high (a `{` inside `\Q...\E` counts as a repetition): only refuses sooner.
 */
export function estimateProgram(p: string): number {
  const stack: { total: number; last: number }[] = [{ total: 0, last: 0 }];
  const top = () => stack[stack.length - 1]!;
  const atom = (n: number) => {
    top().total += n;
    top().last = n;
  };
  let i = 0;
  while (i < p.length) {
    const c = p[i]!;
    if (c === "\\") {
      const nx = p[i + 1];
      if (nx === "Q") {
        const end = p.indexOf("\\E", i + 2);
        atom(Math.max(1, (end < 0 ? p.length : end) - (i + 2)));
        i = end < 0 ? p.length : end + 2;
      } else if ((nx === "x" || nx === "p" || nx === "P") && p[i + 2] === "{") {
        const end = p.indexOf("}", i + 3);
        atom(1);
        i = end < 0 ? p.length : end + 1;
      } else {
        atom(1);
        i += nx === "p" || nx === "P" ? 3 : 2;
      }
    } else if (c === "[") {
      let j = i + 1;
      if (p[j] === "^") j++;
      if (p[j] === "]") j++;
      while (j < p.length && p[j] !== "]") {
        if (p[j] === "\\") j += 2;
        else if (p[j] === "[" && p[j + 1] === ":") {
          const e = p.indexOf(":]", j + 2);
          j = e < 0 ? p.length : e + 2;
        } else j++;
      }
      atom(1);
      i = j + 1;
    } else if (c === "(") {
      i++;
      if (p[i] === "?") {
        while (i < p.length && p[i] !== ")" && p[i] !== ":" && p[i] !== ">") i++;
        if (p[i] === ")") {
          i++; // flags only: (?i)
          continue;
        }
        i++;
      }
      stack.push({ total: 0, last: 0 });
    } else if (c === ")") {
      const group = stack.length > 1 ? stack.pop()! : { total: 0, last: 0 };
      atom(group.total + 2);
      i++;
    } else if (c === "|" || c === "*" || c === "+" || c === "?") {
      top().total += 1;
      if (c === "|") top().last = 0;
      i++;
    } else {
      REPEAT.lastIndex = i;
      const m = c === "{" ? REPEAT.exec(p) : null;
      if (m) {
        const lo = Number(m[1]);
        const hi = m[3] ? Number(m[3]) : m[2] !== undefined ? lo + 1 : lo;
        const times = Math.max(lo, hi, 1);
        top().total += top().last * (times - 1) + times;
        top().last *= times;
        i += m[0].length;
      } else {
        atom(1);
        i++;
      }
    }
  }
  while (stack.length > 1) {
    const group = stack.pop()!;
    top().total += group.total + 2;
  }
  return top().total;
}

const eq =
  (arg: unknown): Test =>
  (v, w) =>
    v !== undefined && collate(v, arg, w) === 0;

function typeOf(v: unknown): string | undefined {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  const t = typeof v;
  if (t === "boolean" || t === "number" || t === "string") return t;
  if (t === "object") return "object";
  return undefined;
}

/** A field name in dot notation, `\.` and `\$` escaping a delimiter (pouchdb's parseField). */
export function parseField(name: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < name.length; i++) {
    const ch = name[i]!;
    if (i > 0 && name[i - 1] === "\\" && (ch === "$" || ch === ".")) cur = cur.slice(0, -1) + ch;
    else if (ch === ".") {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** A nested field, own properties only (array elements by index); undefined when missing. */
function getField(v: unknown, path: readonly string[], w: Work): unknown {
  let cur = v;
  for (const k of path) {
    w.spend(1);
    if (Array.isArray(cur)) {
      if (!/^(?:0|[1-9]\d{0,8})$/.test(k)) return undefined;
      cur = cur[Number(k)];
    } else if (typeof cur === "object" && cur !== null && hasOwn(cur, k)) {
      cur = (cur as Record<string, unknown>)[k];
    } else return undefined;
  }
  return cur;
}

/** CouchDB's collation as pouchdb-collate computes it, each step charged to the evaluation. */
export function collate(a: unknown, b: unknown, w: Work = new Work()): number {
  w.spend(1);
  if (a === b) return 0;
  const x = normalizeScalar(a);
  const y = normalizeScalar(b);
  const ia = rank(x);
  const ib = rank(y);
  if (ia !== ib) return ia - ib;
  switch (typeof x) {
    case "number":
      return (x as number) - (y as number);
    case "boolean":
      return x === y ? 0 : x ? 1 : -1;
    case "string":
      return x === y ? 0 : (x as string) > (y as string) ? 1 : -1;
  }
  if (Array.isArray(x)) {
    const ys = y as unknown[];
    const n = Math.min(x.length, ys.length);
    for (let i = 0; i < n; i++) {
      const c = collate(x[i], ys[i], w);
      if (c !== 0) return c;
    }
    return x.length === ys.length ? 0 : x.length > ys.length ? 1 : -1;
  }
  if (x === null) return 0;
  const xo = x as Record<string, unknown>;
  const yo = y as Record<string, unknown>;
  const ak = Object.keys(xo).filter((k) => xo[k] !== undefined);
  const bk = Object.keys(yo).filter((k) => yo[k] !== undefined);
  w.spend(ak.length + bk.length);
  const n = Math.min(ak.length, bk.length);
  for (let i = 0; i < n; i++) {
    const ck = collate(ak[i], bk[i], w);
    if (ck !== 0) return ck;
    const cv = collate(xo[ak[i]!], yo[bk[i]!], w);
    if (cv !== 0) return cv;
  }
  return ak.length === bk.length ? 0 : ak.length > bk.length ? 1 : -1;
}

/** undefined, NaN and ±Infinity collate as null (pouchdb-collate's normalizeKey). */
function normalizeScalar(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === "number" && !Number.isFinite(v)) return null;
  return v;
}

/** null < booleans < numbers < strings < arrays < objects. */
function rank(v: unknown): number {
  if (v === null) return 1;
  switch (typeof v) {
    case "boolean":
      return 2;
    case "number":
      return 3;
    case "string":
      return 4;
    case "object":
      return Array.isArray(v) ? 5 : 6;
    default:
      // functions, symbols, bigints: never in a JSON document
      return 7;
  }
}
