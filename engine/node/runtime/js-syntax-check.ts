import { getQuickJS, type QuickJSContext, type QuickJSRuntime, type QuickJSWASMModule } from "quickjs-emscripten";
import { setJsSyntaxChecker, type JsMode, type JsSyntaxError } from "../../common/model/js-syntax.ts";

/**
 * The sandbox's parser (QuickJS), used to check JavaScript without running it: the text is
 * compiled only (`compileOnly`), in this thread, by a runtime of its own that never evaluates
 * anything, so no user code runs here. Statements are compiled as the sandbox runs a Sequence JS
 * step's code, an expression as it evaluates one (`(text\n)`). Answers are cached by text.
 */

const CACHE_LIMIT = 2000;
const MEMORY_BYTES = 32 * 1024 * 1024;
const STACK_BYTES = 512 * 1024;

let loading: Promise<void> | undefined;
let module: QuickJSWASMModule | undefined;
let rt: QuickJSRuntime | undefined;
let vm: QuickJSContext | undefined;
/** Answers by mode, then by text (no key to build per check: a run checks its code every time). */
const caches: Record<JsMode, Map<string, JsSyntaxError | null>> = { statements: new Map(), expression: new Map() };

/** Loads QuickJS (once) and installs the checker into the validator (js-syntax.ts). */
export function loadJsSyntaxChecker(): Promise<void> {
  loading ??= getQuickJS().then((m) => {
    module = m;
    setJsSyntaxChecker(checkJsSyntax);
  });
  return loading;
}

/** Whether the parser is loaded (checks are then synchronous). */
export function jsSyntaxCheckerLoaded(): boolean {
  return module !== undefined;
}

function context(): QuickJSContext {
  if (vm) return vm;
  if (!module) throw new Error("the JavaScript parser is not loaded");
  rt = module.newRuntime();
  rt.setMemoryLimit(MEMORY_BYTES);
  rt.setMaxStackSize(STACK_BYTES);
  vm = rt.newContext();
  return vm;
}

function reset(): void {
  try {
    vm?.dispose();
    rt?.dispose();
  } catch {
    // a runtime that ran out of memory may refuse to free cleanly; a new one is made
  }
  vm = undefined;
  rt = undefined;
}

/** The syntax error of `code` run as `mode`, or undefined. Loads nothing: see loadJsSyntaxChecker. */
export function checkJsSyntax(code: string, mode: JsMode): JsSyntaxError | undefined {
  const cache = caches[mode];
  const hit = cache.get(code);
  if (hit !== undefined) return hit ?? undefined;
  const found = compile(code, mode);
  // The oldest answer goes first.
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(code, found ?? null);
  return found;
}

function compile(code: string, mode: JsMode): JsSyntaxError | undefined {
  const ctx = context();
  const text = mode === "expression" ? `(${code}\n)` : code;
  let result: ReturnType<QuickJSContext["evalCode"]>;
  try {
    result = ctx.evalCode(text, "code.js", { compileOnly: true });
  } catch (e) {
    reset();
    return { message: `the code could not be parsed (${(e as Error).message})`, line: 1, column: 1 };
  }
  if (!result.error) {
    result.value.dispose();
    return undefined;
  }
  let info: { name?: string; message?: string; lineNumber?: number; stack?: string } = {};
  try {
    info = ctx.dump(result.error) as typeof info;
  } finally {
    result.error.dispose();
  }
  if (info.name === "InternalError" && /memory|stack/i.test(info.message ?? "")) reset();
  const at = /:(\d+):(\d+)/.exec(info.stack ?? "");
  let line = Number(at?.[1] ?? info.lineNumber ?? 1);
  let column = Number(at?.[2] ?? 1);
  if (mode === "expression") {
    // The "(" added before the text shifts its first line; the "\n)" after it is a line of its own.
    const lines = code.split("\n").length;
    if (line > lines) {
      line = lines;
      column = (code.split("\n").at(-1)?.length ?? 0) + 1;
    } else if (line === 1) column = Math.max(1, column - 1);
  }
  const name = info.name && info.name !== "SyntaxError" ? `${info.name}: ` : "";
  return { message: `${name}${info.message ?? "syntax error"}`, line: Math.max(1, line), column: Math.max(1, column) };
}
