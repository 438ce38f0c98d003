/**
 * Line breakpoints in JavaScript steps, by instrumenting the code a debugged run gives the
 * sandbox: before each statement a check is inserted,
 *
 *     var __atl_=(__atl.s||__atl.b["<step>:<line>"])&&__atl.pause("<step>",<line>,function(){...});
 *
 * which costs a property read while no breakpoint is set on the line, and otherwise calls the
 * sandbox's `__atl.pause` (sandbox-worker.mjs), which blocks the worker on the synchronous host
 * channel until the debugger resumes, with the names in scope at that point read by the little
 * function (a `let` still in its temporal dead zone is skipped). A `var` statement, because its
 * completion is empty: the step's output (the completion value of its code) is unchanged.
 * Nothing is inserted on a new line, so line numbers (and error messages) stay right.
 *
 * The code is parsed by acorn; code it cannot parse runs as written (the sandbox then reports the
 * syntax error itself).
 */
import { parse } from "acorn";

/** What instrumenting a piece of code gives. */
export interface Instrumented {
  /** The instrumented code, without its prefix (see `withPrefix`). */
  body: string;
  /** Where the prefix goes: after the directive prologue ("use strict"). */
  prefixAt: number;
  /** Lines that start a statement, ascending: where a breakpoint can pause. */
  lines: number[];
  /** Names the code declares at its top level with let, const or class (they are not globals). */
  lexicals: string[];
}

interface AstNode {
  type: string;
  start: number;
  end: number;
  loc?: { start: { line: number } } | null;
  [key: string]: unknown;
}

type Kind = "var" | "lex";
type Scope = Map<string, Kind>;

const MAX_CODE_CHARS = 1_000_000;
/** Most names read at one pause (the innermost first). */
const MAX_NAMES = 300;
const SKIPPED_NAMES = new Set(["arguments", "eval", "undefined", "NaN", "Infinity"]);

const cache = new Map<string, Instrumented | null>();
const CACHE_SIZE = 200;

function isNode(v: unknown): v is AstNode {
  return typeof v === "object" && v !== null && typeof (v as { type?: unknown }).type === "string";
}

function children(node: AstNode): AstNode[] {
  const out: AstNode[] = [];
  for (const key of Object.keys(node)) {
    if (key === "loc" || key === "type" || key === "start" || key === "end") continue;
    const v = node[key];
    if (Array.isArray(v)) {
      for (const x of v) if (isNode(x)) out.push(x);
    } else if (isNode(v)) out.push(v);
  }
  return out;
}

/** The names a binding pattern binds (`{a, b: [c, ...d] = x}`). */
function patternNames(p: AstNode | null | undefined, out: string[] = []): string[] {
  if (!p) return out;
  switch (p.type) {
    case "Identifier":
      out.push(p.name as string);
      break;
    case "ObjectPattern":
      for (const prop of p.properties as AstNode[]) {
        patternNames(prop.type === "RestElement" ? (prop.argument as AstNode) : (prop.value as AstNode), out);
      }
      break;
    case "ArrayPattern":
      for (const el of p.elements as (AstNode | null)[]) patternNames(el, out);
      break;
    case "RestElement":
      patternNames(p.argument as AstNode, out);
      break;
    case "AssignmentPattern":
      patternNames(p.left as AstNode, out);
      break;
  }
  return out;
}

const FUNCTIONS = new Set(["FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression"]);

/** `var` names declared in a function body (or the program), not looking into nested functions. */
function hoistedVars(node: AstNode, out: string[] = []): string[] {
  for (const c of children(node)) {
    if (FUNCTIONS.has(c.type) || c.type === "ClassDeclaration" || c.type === "ClassExpression") continue;
    if (c.type === "VariableDeclaration" && c.kind === "var") {
      for (const d of c.declarations as AstNode[]) patternNames(d.id as AstNode, out);
    }
    hoistedVars(c, out);
  }
  return out;
}

/** Declarations made directly in a statement list: let / const / class (lexical), functions. */
function listDeclarations(statements: AstNode[], scope: Scope): void {
  for (const s of statements) {
    if (s.type === "VariableDeclaration" && s.kind !== "var") {
      for (const d of s.declarations as AstNode[]) for (const n of patternNames(d.id as AstNode)) scope.set(n, "lex");
    } else if (s.type === "ClassDeclaration" && isNode(s.id)) scope.set(s.id.name as string, "lex");
    else if (s.type === "FunctionDeclaration" && isNode(s.id)) scope.set(s.id.name as string, "var");
  }
}

class Instrumenter {
  private readonly inserts: { at: number; text: string; order: number }[] = [];
  private order = 0;
  readonly lines = new Set<number>();

  constructor(
    private readonly key: string,
    private readonly stepLiteral: string,
  ) {}

  insert(at: number, text: string): void {
    this.inserts.push({ at, text, order: this.order++ });
  }

  apply(code: string): string {
    const sorted = [...this.inserts].sort((a, b) => a.at - b.at || a.order - b.order);
    let out = "";
    let from = 0;
    for (const i of sorted) {
      out += code.slice(from, i.at) + i.text;
      from = i.at;
    }
    return out + code.slice(from);
  }

  /** The check placed before a statement on `line`, reading the names of `chain`. */
  private check(line: number, chain: Scope[]): string {
    const names = new Map<string, Kind>();
    // Innermost first, so that the innermost binding of a name is the one kept.
    for (let i = chain.length - 1; i >= 0 && names.size < MAX_NAMES; i--) {
      for (const [n, k] of chain[i]!) {
        if (!names.has(n) && !SKIPPED_NAMES.has(n) && !n.startsWith("__atl")) names.set(n, k);
        if (names.size >= MAX_NAMES) break;
      }
    }
    let reads = "";
    for (const [n, k] of names) {
      const write = `__atl_o[${JSON.stringify(n)}]=${n};`;
      reads += k === "lex" ? `try{${write}}catch(__atl_e){}` : write;
    }
    const key = JSON.stringify(`${this.key}:${line}`);
    return `var __atl_=(__atl.s||__atl.b[${key}])&&__atl.pause(${this.stepLiteral},${line},function(){var __atl_o={};${reads}return __atl_o});`;
  }

  private lineOf(n: AstNode): number {
    return n.loc?.start.line ?? 1;
  }

  /** A statement list: a check before each statement (not before function declarations). */
  list(statements: AstNode[], chain: Scope[], directives: boolean): void {
    let prologue = directives;
    for (const s of statements) {
      if (prologue && s.type === "ExpressionStatement" && typeof s.directive === "string") {
        this.walk(s, chain);
        continue;
      }
      prologue = false;
      if (s.type !== "FunctionDeclaration" && s.type !== "EmptyStatement") {
        const line = this.lineOf(s);
        this.lines.add(line);
        this.insert(s.start, this.check(line, chain));
      }
      this.walk(s, chain);
    }
  }

  /**
   * A statement in a place that holds one statement (an if's branch, a loop's body): wrapped in a
   * block with its check, unless it starts on its parent's line (one pause per line).
   */
  private single(s: AstNode | null | undefined, chain: Scope[], parent: AstNode): void {
    if (!s) return;
    const line = this.lineOf(s);
    if (
      s.type === "BlockStatement" ||
      s.type === "FunctionDeclaration" ||
      s.type === "EmptyStatement" ||
      line === this.lineOf(parent)
    ) {
      this.walk(s, chain);
      return;
    }
    this.lines.add(line);
    this.insert(s.start, `{${this.check(line, chain)}`);
    this.walk(s, chain);
    this.insert(s.end, "}");
  }

  private functionBody(fn: AstNode, chain: Scope[]): void {
    const scope: Scope = new Map();
    if (fn.type === "FunctionExpression" && isNode(fn.id)) scope.set(fn.id.name as string, "var");
    for (const p of fn.params as AstNode[]) for (const n of patternNames(p)) scope.set(n, "var");
    for (const p of fn.params as AstNode[]) this.walk(p, chain);
    const body = fn.body as AstNode;
    if (body.type !== "BlockStatement") {
      this.walk(body, [...chain, scope]);
      return;
    }
    for (const n of hoistedVars(body)) if (!scope.has(n)) scope.set(n, "var");
    listDeclarations(body.body as AstNode[], scope);
    this.list(body.body as AstNode[], [...chain, scope], true);
  }

  walk(node: AstNode, chain: Scope[]): void {
    switch (node.type) {
      case "FunctionDeclaration":
      case "FunctionExpression":
      case "ArrowFunctionExpression":
        this.functionBody(node, chain);
        return;
      case "BlockStatement": {
        const scope: Scope = new Map();
        listDeclarations(node.body as AstNode[], scope);
        this.list(node.body as AstNode[], scope.size ? [...chain, scope] : chain, false);
        return;
      }
      case "StaticBlock": {
        const scope: Scope = new Map();
        for (const n of hoistedVars(node)) scope.set(n, "var");
        listDeclarations(node.body as AstNode[], scope);
        this.list(node.body as AstNode[], [...chain, scope], false);
        return;
      }
      case "SwitchStatement": {
        this.walk(node.discriminant as AstNode, chain);
        const scope: Scope = new Map();
        const cases = node.cases as AstNode[];
        for (const c of cases) listDeclarations(c.consequent as AstNode[], scope);
        const inner = scope.size ? [...chain, scope] : chain;
        for (const c of cases) {
          if (isNode(c.test)) this.walk(c.test, inner);
          this.list(c.consequent as AstNode[], inner, false);
        }
        return;
      }
      case "IfStatement":
        this.walk(node.test as AstNode, chain);
        this.single(node.consequent as AstNode, chain, node);
        this.single(node.alternate as AstNode | null, chain, node);
        return;
      case "WhileStatement":
      case "DoWhileStatement":
      case "WithStatement":
        if (isNode(node.test)) this.walk(node.test, chain);
        if (isNode(node.object)) this.walk(node.object, chain);
        this.single(node.body as AstNode, chain, node);
        return;
      case "ForStatement":
      case "ForInStatement":
      case "ForOfStatement": {
        const head = (node.type === "ForStatement" ? node.init : node.left) as AstNode | null;
        const scope: Scope = new Map();
        if (head?.type === "VariableDeclaration" && head.kind !== "var") {
          for (const d of head.declarations as AstNode[])
            for (const n of patternNames(d.id as AstNode)) scope.set(n, "lex");
        }
        const inner = scope.size ? [...chain, scope] : chain;
        for (const part of ["init", "test", "update", "left", "right"]) {
          const v = node[part];
          if (isNode(v)) this.walk(v, inner);
        }
        this.single(node.body as AstNode, inner, node);
        return;
      }
      case "LabeledStatement":
        // `continue label` needs the loop labelled as it is: its body is walked, not wrapped.
        this.walk(node.body as AstNode, chain);
        return;
      case "CatchClause": {
        const scope: Scope = new Map();
        for (const n of patternNames(node.param as AstNode | null)) scope.set(n, "var");
        this.walk(node.body as AstNode, scope.size ? [...chain, scope] : chain);
        return;
      }
      default:
        for (const c of children(node)) this.walk(c, chain);
    }
  }
}

/**
 * Instruments a JavaScript step's code for line breakpoints. `stepId` names the step in the
 * checks (a function a step defines and a later one calls still pauses on the first one's lines);
 * `outerLexicals` are the let / const names earlier steps declared (in scope at the top level).
 * Answers undefined when the code cannot be parsed (it then runs as written).
 */
export function instrumentCode(
  code: string,
  stepId: string,
  outerLexicals: readonly string[] = [],
): Instrumented | undefined {
  if (code.length > MAX_CODE_CHARS) return undefined;
  const cacheKey = `${stepId}\u0000${outerLexicals.join(",")}\u0000${code}`;
  const hit = cache.get(cacheKey);
  if (hit !== undefined) {
    cache.delete(cacheKey);
    cache.set(cacheKey, hit);
    return hit ?? undefined;
  }
  let result: Instrumented | null = null;
  try {
    const program = parse(code, {
      ecmaVersion: "latest",
      sourceType: "script",
      locations: true,
      allowHashBang: false,
    }) as unknown as AstNode;
    const body = program.body as AstNode[];
    const top: Scope = new Map();
    listDeclarations(body, top);
    for (const [n, k] of [...top]) if (k !== "lex") top.delete(n); // top-level vars are globals
    const outer: Scope = new Map(outerLexicals.map((n) => [n, "lex" as Kind]));
    const inst = new Instrumenter(stepId, JSON.stringify(stepId));
    inst.list(body, [outer, top], true);
    const firstCode = body.find((s) => !(s.type === "ExpressionStatement" && typeof s.directive === "string"));
    result = {
      body: inst.apply(code),
      // Nothing is inserted before the first statement that is not a directive (its own check
      // goes at its start, after the prefix): the position is the same in the instrumented body.
      prefixAt: firstCode ? firstCode.start : code.length,
      lines: [...inst.lines].sort((a, b) => a - b),
      lexicals: [...top.keys()],
    };
  } catch {
    result = null;
  }
  cache.set(cacheKey, result);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return result ?? undefined;
}

/**
 * The code to run: the instrumented body with its prefix, which sets the breakpoints the checks
 * read (`lines`: keys "<step>:<line>") and ends any line stepping left from an earlier step.
 */
export function withPrefix(inst: Instrumented, breakpointKeys: readonly string[]): string {
  const map: Record<string, 1> = {};
  for (const k of breakpointKeys) map[k] = 1;
  const prefix = `var __atl_=(__atl.s=false,__atl.b=${JSON.stringify(map)});`;
  return inst.body.slice(0, inst.prefixAt) + prefix + inst.body.slice(inst.prefixAt);
}

/** The line a breakpoint set on `line` stops at: the first statement starting there or after. */
export function snapLine(lines: readonly number[], line: number): number | undefined {
  for (const l of lines) if (l >= line) return l;
  return undefined;
}
