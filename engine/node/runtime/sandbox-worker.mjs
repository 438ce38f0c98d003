// @ts-check
/**
 * A worker thread of the JavaScript sandbox pool (see sandbox-pool.ts). It hosts QuickJS contexts
 * (one runtime and context per sequence run) and evaluates their code here, off the engine's
 * event loop. Written as plain JavaScript so it loads the same way under tsx, vitest and the
 * packaged app (a worker thread gets none of their TypeScript loaders).
 *
 * Protocol (structured-clone messages):
 * - main → worker: {t:"eval", id, call, mode:"code"|"globals", code, file, globals, exclude,
 *   lexicals?, open?: {timeLimitMs, memoryBytes, deadline, functions, namespaces, debug?} (with a
 *   context's first evaluation), close?: ids}, {t:"close", ids}.
 * - worker → main: {t:"ready"}, {t:"done", call, ok, json?, code?, message?, path?, runLimit?},
 *   {t:"fault", message} (before it ends itself: for the engine's log, never for callers),
 *   {t:"retire"} (its memory grew: the pool replaces it once it hosts nothing),
 *   {t:"host", id, seq, fn, args}: a host function called by sandboxed code. The worker blocks on
 *   `Atomics.wait` until main posts the answer on the host port and bumps the shared counter, so
 *   host functions stay synchronous for the sandbox while main answers from its event loop.
 * - Debugged contexts (`open.debug`) get `__atl`: `__atl.pause(step, line, scope)` is called by
 *   code instrumented for line breakpoints (js-breakpoints.ts); it sends {t:"host", fn:
 *   "__atl.pause", args: [step, line, locals, globals]} and waits for the debugger with no time
 *   limit (the evaluation's own limit is moved on by the time paused); the answer {s, b} sets
 *   `__atl.s` (stepping) and `__atl.b` (the breakpoints the checks read).
 */
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import { getQuickJS } from "quickjs-emscripten";

/** @typedef {import("quickjs-emscripten").QuickJSContext} QuickJSContext */
/** @typedef {import("quickjs-emscripten").QuickJSRuntime} QuickJSRuntime */
/** @typedef {import("quickjs-emscripten").QuickJSHandle} QuickJSHandle */
/** @typedef {import("quickjs-emscripten").QuickJSWASMModule} QuickJSWASMModule */

/**
 * @typedef {object} Helpers Functions made inside a context (see HELPERS) from the built-ins
 * captured before any user code ran (see capture()).
 * @property {QuickJSHandle} serialize value → "U" | "J<json>" | "E" + JSON of [code, path, detail]
 * @property {QuickJSHandle} errorInfo thrown value → JSON of [name, message, stack]
 * @property {QuickJSHandle} globals (exclude json, extra?) → JSON of the global variables holding
 *   values, then of the extra object's own properties (let / const of the top level)
 * @property {QuickJSHandle} fields object → JSON of its own properties holding values
 */

/**
 * @typedef {object} Box
 * @property {number} id
 * @property {QuickJSRuntime} rt
 * @property {QuickJSContext} vm
 * @property {QuickJSHandle} intrinsics the built-ins captured before user code (see capture())
 * @property {QuickJSHandle} parse the captured JSON.parse
 * @property {Helpers | undefined} helpers
 * @property {number} timeLimitMs
 * @property {number} memoryBytes
 * @property {number} runDeadline
 * @property {number} deadline when the evaluation under way must stop
 * @property {number} call the evaluation under way
 * @property {boolean} interrupted the interrupt handler stopped it
 * @property {QuickJSHandle | undefined} atl the `__atl` object of a debugged context
 * @property {string} debugExclude JSON of the globals a pause does not show (host functions)
 */

if (!parentPort) throw new Error("sandbox-worker.mjs runs as a worker thread");
const port = parentPort;
/** @type {{ hostPort: import("node:worker_threads").MessagePort, signal: SharedArrayBuffer, maxDepth: number, maxChars: number }} */
const data = workerData;
const hostPort = data.hostPort;
const signal = new Int32Array(data.signal);

/** Bounds of values leaving the sandbox (sandbox-pool.ts decides them), written into HELPERS. */
const MAX_DEPTH = Math.trunc(data.maxDepth);
const MAX_CHARS = Math.trunc(data.maxChars);

// Sandboxed loops must not take the CPU from the engine's event loop (HTTP, FullSync): this
// thread runs at a lower priority. On Linux a thread id is a valid target of setpriority().
try {
  const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
  if (Number.isInteger(tid) && tid > 0) setPriority(tid, 10);
} catch {
  // Not Linux, or not permitted: the time limits still bound every evaluation.
}

/**
 * Built-ins the helpers use, read from the context's global object before any user code runs
 * (host-side property reads: nothing to compile), so user code that later rewrites prototypes
 * or globals cannot change what the helpers call. [name in the helpers' record, path].
 * @type {[string, string[]][]}
 */
const CAPTURED = [
  ["G", []],
  ["stringify", ["JSON", "stringify"]],
  ["parse", ["JSON", "parse"]],
  ["keys", ["Object", "keys"]],
  ["isArray", ["Array", "isArray"]],
  ["getProto", ["Object", "getPrototypeOf"]],
  ["toNum", ["Number"]],
  ["toStr", ["String"]],
  ["slice", ["String", "prototype", "slice"]],
  ["BigP", ["BigInt", "prototype"]],
  ["bigOf", ["BigInt", "prototype", "valueOf"]],
  ["bigToStr", ["BigInt", "prototype", "toString"]],
];

/**
 * The helpers, made from the captured built-ins the first time a context needs them (most runs
 * answer plain strings and numbers, read without them). The source refers to no global, only to
 * its parameter, so it can be compiled after user code has run. Values are written by the
 * captured JSON.stringify (toJSON, getters, Proxy traps: user code, under the evaluation's time
 * limit) with a replacer that bounds depth and size before the native walk goes deeper or
 * further, refuses cycles, and turns exact BigInts into numbers; its records have no prototype,
 * so nothing user code adds to Object.prototype runs for them. Never the native walk alone: it
 * recurses in C and checks cycles by scanning its whole path, where the interrupt handler never
 * runs (a value nested 100,000 deep held a worker far past its time limit).
 */
const HELPERS = `(function (I) {
  "use strict";
  var G = I.G, callFn = I.callFn, stringify = I.stringify, parse = I.parse, keys = I.keys, isArray = I.isArray;
  var getProto = I.getProto, toNum = I.toNum, toStr = I.toStr, sliceM = I.slice;
  var BigP = I.BigP, bigOfM = I.bigOf, bigToStrM = I.bigToStr;
  var MAX_DEPTH = ${MAX_DEPTH}, MAX_CHARS = ${MAX_CHARS}, MAX_SAFE = 9007199254740991;
  function cut(s, n) { return s.length > n ? callFn(sliceM, s, 0, n) + "…" : s; }
  function describe(e) {
    try {
      if (e !== null && (typeof e === "object" || typeof e === "function")) {
        var n = e.name, m = e.message;
        return cut((typeof n === "string" ? n : "Error") + ": " + (typeof m === "string" ? m : toStr(e)), 500);
      }
      return cut(toStr(e), 500);
    } catch (x) { return "an error that could not be read"; }
  }
  function serialize(value) {
    // The objects being written, innermost first: { v, k (its key), up }.
    var top = null, depth = 0, size = 0, started = false, failure = null, MARK = { __proto__: null };
    function fail(code, detail, key) {
      var keysUp = { __proto__: null }, n = 0, path = "[";
      for (var x = top; x !== null && x.up !== null; x = x.up) keysUp[n++] = x.k;
      for (var i = n - 1; i >= 0; i--) path += (path.length > 1 ? "," : "") + stringify(keysUp[i]);
      if (started) path += (path.length > 1 ? "," : "") + stringify(key);
      failure = "[" + stringify(code) + "," + path + "]," + stringify(detail) + "]";
      throw MARK;
    }
    function replacer(key, v) {
      if (started) {
        // "this" holds v: the subtrees written since were left.
        while (top !== null && top.v !== this) { top = top.up; depth--; }
        if (top === null) fail("js_output_unreadable", "its value changed while it was read", key);
      }
      var t = typeof v;
      if (t === "object" && v !== null && BigP !== null) {
        var p = null;
        try { p = getProto(v); } catch (e) { p = null; }
        if (p === BigP) { try { v = callFn(bigOfM, v); t = "bigint"; } catch (e) { /* inherits only */ } }
      }
      if (t === "bigint") {
        if (!(v >= -MAX_SAFE && v <= MAX_SAFE)) fail("js_output_bigint", cut(callFn(bigToStrM, v), 40), key);
        v = toNum(v);
        t = "number";
      }
      size += key.length + 4 + (t === "string" ? v.length : 0);
      if (size > MAX_CHARS) fail("js_output_too_large", "", key);
      if (t === "object" && v !== null) {
        if (depth >= MAX_DEPTH) fail("js_output_too_deep", "", key);
        for (var x = top; x !== null; x = x.up) if (x.v === v) fail("js_output_cyclic", "", key);
        if (isArray(v)) {
          var l = v.length;
          if (typeof l === "number" && l > (MAX_CHARS - size) / 2) fail("js_output_too_large", "", key);
        }
        top = { __proto__: null, v: v, k: key, up: top };
        depth++;
      }
      started = true;
      return v;
    }
    var json;
    try {
      json = stringify(value, replacer);
    } catch (e) {
      if (e === MARK) return "E" + failure;
      return "E[" + stringify("js_output_unreadable") + ",[]," + stringify(describe(e)) + "]";
    }
    if (json === undefined) return "U";
    if (json.length > MAX_CHARS) return "E[" + stringify("js_output_too_large") + ",[],\\"\\"]";
    return "J" + json;
  }
  function errorInfo(e) {
    var name = "Error", message = "", stack = "";
    try {
      if (e !== null && (typeof e === "object" || typeof e === "function")) {
        var n = e.name, m = e.message, s = e.stack;
        if (typeof n === "string") name = n;
        message = typeof m === "string" ? m : toStr(e);
        if (typeof s === "string") stack = s;
      } else message = toStr(e);
    } catch (x) { message = "an error that could not be read"; }
    return "[" + stringify(cut(name, 200)) + "," + stringify(cut(message, 2000)) + "," + stringify(cut(stack, 4000)) + "]";
  }
  function fieldsOf(obj, skip, out, total) {
    var names = keys(obj);
    for (var j = 0; j < names.length; j++) {
      var name = names[j], v, piece;
      if (skip !== null && skip[name] === true) continue;
      try { v = obj[name]; } catch (e) { v = "<unreadable>"; }
      if (typeof v === "function" || typeof v === "undefined") continue;
      var s = serialize(v);
      if (s[0] === "U") continue;
      piece = s[0] === "J" ? callFn(sliceM, s, 1) : stringify("<not shown: " + parse(callFn(sliceM, s, 1))[0] + ">");
      total.n += piece.length;
      if (total.n > MAX_CHARS) piece = stringify("<not shown: too large>");
      out.s += (out.s.length > 1 ? "," : "") + stringify(name) + ":" + piece;
    }
  }
  function globals(excludeJson, extra) {
    var ex = parse(excludeJson), skip = { __proto__: null };
    for (var i = 0; i < ex.length; i++) skip[ex[i]] = true;
    var out = { __proto__: null, s: "{" }, total = { __proto__: null, n: 0 };
    fieldsOf(G, skip, out, total);
    if (extra !== undefined && extra !== null) fieldsOf(extra, skip, out, total);
    return out.s + "}";
  }
  function fields(obj) {
    var out = { __proto__: null, s: "{" }, total = { __proto__: null, n: 0 };
    if (obj !== null && typeof obj === "object") fieldsOf(obj, null, out, total);
    return out.s + "}";
  }
  return { __proto__: null, serialize: serialize, errorInfo: errorInfo, globals: globals, fields: fields };
})`;

/** @type {Map<number, Box>} */
const boxes = new Map();
/** @type {Map<number, BoxError>} Contexts whose preparation failed, and why. */
const unusable = new Map();
let hostSeq = 0;

/** An error the worker answers with (a run's failure, not a worker fault). */
class BoxError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   * @param {Record<string, unknown>} [extra]
   */
  constructor(code, message, extra = {}) {
    super(message);
    this.code = code;
    this.extra = extra;
  }
}

/** @param {Box} box */
function resetDeadline(box, ms = box.timeLimitMs) {
  box.deadline = Math.min(Date.now() + ms, box.runDeadline);
  box.interrupted = false;
}

/**
 * The helpers of a context, made on first use.
 * @param {Box} box
 * @returns {Helpers}
 */
function helpers(box) {
  if (box.helpers) return box.helpers;
  const { vm } = box;
  const factory = vm.evalCode(HELPERS, "atelier-helpers.js");
  if (factory.error) {
    factory.error.dispose();
    throw new BoxError(box.interrupted ? "js_timeout" : "js_memory", "", { runLimit: box.deadline >= box.runDeadline });
  }
  const made = vm.callFunction(factory.value, vm.undefined, box.intrinsics);
  factory.value.dispose();
  if (made.error) {
    made.error.dispose();
    throw new BoxError(box.interrupted ? "js_timeout" : "js_memory", "", { runLimit: box.deadline >= box.runDeadline });
  }
  box.helpers = {
    serialize: vm.getProp(made.value, "serialize"),
    errorInfo: vm.getProp(made.value, "errorInfo"),
    globals: vm.getProp(made.value, "globals"),
    fields: vm.getProp(made.value, "fields"),
  };
  made.value.dispose();
  return box.helpers;
}

/**
 * The error an evaluation stopped with. Reading it runs code in the sandbox (getters of a thrown
 * object): it gets a short time of its own and a little memory beyond the limit, so an error
 * that ran out of memory can still be described.
 * @param {Box} box
 * @param {QuickJSHandle} error
 * @returns {BoxError}
 */
function describeError(box, error) {
  if (box.interrupted) return new BoxError("js_timeout", "", { runLimit: box.deadline >= box.runDeadline });
  const { vm, rt } = box;
  const saved = box.deadline;
  box.deadline = Date.now() + Math.min(box.timeLimitMs, 250);
  rt.setMemoryLimit(box.memoryBytes + 4 * 1024 * 1024);
  let info = ["Error", "an error that could not be read", ""];
  try {
    const r = vm.callFunction(helpers(box).errorInfo, vm.undefined, error);
    if (r.error) r.error.dispose();
    else {
      info = JSON.parse(vm.getString(r.value));
      r.value.dispose();
    }
  } catch (e) {
    if (!(e instanceof BoxError)) throw e;
  } finally {
    rt.setMemoryLimit(box.memoryBytes);
    box.deadline = saved;
    box.interrupted = false;
  }
  const [name = "Error", message = "", stack = ""] = info;
  if (/out of memory/i.test(message) || (name === "InternalError" && /memory/i.test(message))) {
    return new BoxError("js_memory", "");
  }
  const line = /:(\d+)(?::\d+)?\)?\s*$/m.exec(stack)?.[1];
  return new BoxError("js_error", `${name}: ${message}${line ? ` (line ${line})` : ""}`);
}

/**
 * A sandbox value as JSON text (undefined for undefined, functions and symbols). Strings,
 * numbers, booleans and null are read directly; anything else by the sandbox's serializer.
 * @param {Box} box
 * @param {QuickJSHandle} value
 * @returns {string | undefined}
 */
function toJson(box, value) {
  const { vm } = box;
  switch (vm.typeof(value)) {
    case "undefined":
    case "symbol":
      return undefined;
    case "number": {
      const n = vm.getNumber(value);
      return Number.isFinite(n) ? JSON.stringify(n) : "null";
    }
    case "boolean":
      return vm.eq(value, vm.true) ? "true" : "false";
    case "string": {
      const length = vm.getProp(value, "length").consume(vm.getNumber);
      if (length > MAX_CHARS) throw new BoxError("js_output_too_large", "", { path: [] });
      // The text comes out as UTF-8 up to its first NUL: a length that differs (a NUL, a lone
      // surrogate) sends it through the serializer, whose JSON escapes them.
      const text = vm.getString(value);
      if (text.length === length && !text.includes("\uFFFD")) return JSON.stringify(text);
      break;
    }
    case "object":
      if (vm.eq(value, vm.null)) return "null";
      break;
  }
  const text = callSerializer(box, helpers(box).serialize, value);
  if (text === "U") return undefined;
  if (text[0] === "J") return text.slice(1);
  const [code, path, detail] = JSON.parse(text.slice(1));
  if (code === "js_output_unreadable" && /out of memory/i.test(detail)) throw new BoxError("js_memory", "");
  throw new BoxError(code, detail, { path });
}

/**
 * @param {Box} box
 * @param {QuickJSHandle} serializer
 * @param {QuickJSHandle} value
 * @returns {string}
 */
function callSerializer(box, serializer, value) {
  const { vm } = box;
  const r = vm.callFunction(serializer, vm.undefined, value);
  if (r.error) {
    const e = describeError(box, r.error);
    r.error.dispose();
    throw e;
  }
  const text = vm.getString(r.value);
  r.value.dispose();
  return text;
}

/**
 * A JSON text copied into the sandbox (a new handle the caller disposes).
 * @param {Box} box
 * @param {string} json
 * @returns {QuickJSHandle}
 */
function fromJson(box, json) {
  const { vm } = box;
  if (json === "null") return vm.null;
  if (json[0] === '"' && !json.includes("\\")) return vm.newString(json.slice(1, -1));
  const text = vm.newString(json);
  try {
    const r = vm.callFunction(box.parse, vm.undefined, text);
    if (r.error) {
      const e = describeError(box, r.error);
      r.error.dispose();
      throw e.code === "js_error" ? new BoxError("js_input", e.message) : e;
    }
    return r.value;
  } finally {
    text.dispose();
  }
}

/**
 * Calls a host function on the main thread and waits for its answer.
 * @param {Box} box
 * @param {string} fn
 * @param {(string | undefined)[]} args JSON texts
 * @param {boolean} [untimed] wait with no time limit (a debugger's pause): only a cancel ends it
 * @returns {{ ok: true, json?: string } | { ok: false, message: string }}
 */
function hostCall(box, fn, args, untimed = false) {
  const seq = ++hostSeq;
  port.postMessage({ t: "host", id: box.id, seq, fn, args });
  for (;;) {
    const seen = Atomics.load(signal, 0);
    let m;
    while ((m = receiveMessageOnPort(hostPort))) {
      // Answers to calls that gave up waiting (below) arrive late: they are dropped here.
      if (m.message.seq === seq) return m.message;
    }
    const left = untimed ? 1000 : box.deadline - Date.now();
    if (left <= 0 || Atomics.load(signal, 1) === box.call) {
      box.interrupted = true;
      return { ok: false, message: `${fn}(): no answer before the time limit` };
    }
    Atomics.wait(signal, 0, seen, Math.min(left, 1000));
  }
}

/**
 * A host function as seen by sandboxed code: arguments leave as bounded JSON, the answer comes
 * back as JSON.
 * @param {Box} box
 * @param {string} fullName
 */
function hostFunction(box, fullName) {
  const { vm } = box;
  /** @param {QuickJSHandle[]} args */
  return (...args) => {
    /** @type {(string | undefined)[]} */
    const texts = [];
    try {
      for (const a of args) texts.push(toJson(box, a));
    } catch (e) {
      if (!(e instanceof BoxError)) throw e;
      if (e.code === "js_timeout" || e.code === "js_memory") return { error: vm.newError(`${fullName}(): stopped`) };
      return { error: vm.newError(`${fullName}(): an argument cannot be passed (${outputProblem(e)})`) };
    }
    const answer = hostCall(box, fullName, texts);
    if (!answer.ok) return { error: vm.newError(answer.message) };
    if (answer.json === undefined) return vm.undefined;
    try {
      return fromJson(box, answer.json);
    } catch (e) {
      if (!(e instanceof BoxError)) throw e;
      return { error: vm.newError(`${fullName}(): its answer could not be copied into the sandbox`) };
    }
  };
}

/**
 * Reads a helper's JSON text answer for a value, or "{}" when reading it fails (a getter that
 * throws or loops: the pause still happens, without those values).
 * @param {Box} box
 * @param {QuickJSHandle} fn
 * @param {QuickJSHandle[]} args
 */
function helperText(box, fn, ...args) {
  const { vm } = box;
  try {
    const r = vm.callFunction(fn, vm.undefined, ...args);
    if (r.error) {
      r.error.dispose();
      box.interrupted = false;
      return "{}";
    }
    const text = vm.getString(r.value);
    r.value.dispose();
    return text;
  } catch (e) {
    if (!(e instanceof BoxError)) throw e;
    return "{}";
  }
}

/**
 * `__atl.pause(step, line, scope)`: a line breakpoint reached (see js-breakpoints.ts). Sends the
 * names in scope and the globals, waits for the debugger with no time limit, then moves the
 * evaluation's deadline on by the time paused and takes the debugger's new state.
 * @param {Box} box
 */
function pauseFunction(box) {
  const { vm } = box;
  /** @param {QuickJSHandle[]} args */
  return (...args) => {
    const [stepH, lineH, scopeH] = args;
    const step = stepH && vm.typeof(stepH) === "string" ? vm.getString(stepH) : "";
    const line = lineH && vm.typeof(lineH) === "number" ? vm.getNumber(lineH) : 0;
    let locals = "{}";
    if (scopeH && vm.typeof(scopeH) === "function") {
      const r = vm.callFunction(scopeH, vm.undefined);
      if (r.error) {
        r.error.dispose();
        box.interrupted = false;
      } else {
        locals = helperText(box, helpers(box).fields, r.value);
        r.value.dispose();
      }
    }
    const ex = vm.newString(box.debugExclude);
    const globals = helperText(box, helpers(box).globals, ex);
    ex.dispose();
    const started = Date.now();
    const answer = hostCall(box, "__atl.pause", [JSON.stringify(step), JSON.stringify(line), locals, globals], true);
    if (Number.isFinite(box.deadline)) box.deadline = Math.min(box.deadline + (Date.now() - started), box.runDeadline);
    if (!answer.ok) return { error: vm.newError(answer.message) };
    /** @type {{ s?: unknown, b?: unknown }} */
    let state = {};
    try {
      state = answer.json === undefined ? {} : JSON.parse(answer.json);
    } catch {
      state = {};
    }
    if (box.atl) {
      vm.setProp(box.atl, "s", state.s === true ? vm.true : vm.false);
      const b = fromJson(box, JSON.stringify(state.b && typeof state.b === "object" ? state.b : {}));
      vm.setProp(box.atl, "b", b);
      if (b !== vm.null) b.dispose();
    }
    return vm.undefined;
  };
}

/** @param {BoxError} e */
function outputProblem(e) {
  switch (e.code) {
    case "js_output_too_deep":
      return `nested more than ${MAX_DEPTH} levels deep`;
    case "js_output_too_large":
      return `more than ${MAX_CHARS / 1048576} MiB of JSON`;
    case "js_output_cyclic":
      return "it refers to itself";
    case "js_output_bigint":
      return "a BigInt beyond the safe integers";
    default:
      return e.message;
  }
}

/** @type {QuickJSWASMModule} */
let mod;

/**
 * @typedef {object} Fresh A runtime and context with the built-ins captured, before any user code.
 * @property {QuickJSRuntime} rt
 * @property {QuickJSContext} vm
 * @property {QuickJSHandle} intrinsics
 */

/** @type {Fresh | undefined} Made while the worker is idle, so that opening a context is quick. */
let spare;
let spareScheduled = false;

/** @returns {Fresh} */
function fresh() {
  const rt = mod.newRuntime();
  // QuickJS must hit its own stack limit well before the thread's (WebAssembly frames live on
  // this thread's stack).
  rt.setMaxStackSize(256 * 1024);
  const vm = rt.newContext();
  return { rt, vm, intrinsics: capture(vm) };
}

/**
 * The helpers' record of built-ins (see CAPTURED), plus `callFn`: Function.prototype.call bound
 * to itself, to call a captured method on a value.
 * @param {QuickJSContext} vm
 * @returns {QuickJSHandle}
 */
function capture(vm) {
  /** @type {QuickJSHandle[]} */
  const temporary = [];
  /** @param {string[]} keys */
  const read = (keys) => {
    let h = vm.global;
    for (const key of keys) {
      h = vm.getProp(h, key);
      temporary.push(h);
    }
    return h;
  };
  const record = vm.newObject();
  try {
    for (const [name, keys] of CAPTURED) vm.setProp(record, name, read(keys));
    const call = read(["Function", "prototype", "call"]);
    const bind = read(["Function", "prototype", "bind"]);
    const callFn = vm.unwrapResult(vm.callFunction(bind, call, call));
    vm.setProp(record, "callFn", callFn);
    callFn.dispose();
  } finally {
    for (const h of temporary) h.dispose();
  }
  return record;
}

function scheduleSpare() {
  if (spare || spareScheduled) return;
  spareScheduled = true;
  setImmediate(() => {
    spareScheduled = false;
    if (spare) return;
    try {
      spare = fresh();
    } catch (e) {
      fault(e);
    }
  });
}

/**
 * @param {{ id: number, timeLimitMs: number, memoryBytes: number, deadline: number,
 *   functions: string[], namespaces: Record<string, string[]>, debug?: { exclude: string[] } }} m
 */
function open(m) {
  const made = spare ?? fresh();
  spare = undefined;
  const { rt, vm, intrinsics } = made;
  rt.setMemoryLimit(m.memoryBytes);
  /** @type {Box} */
  const box = {
    id: m.id,
    rt,
    vm,
    intrinsics,
    parse: vm.getProp(intrinsics, "parse"),
    helpers: undefined,
    timeLimitMs: m.timeLimitMs,
    memoryBytes: m.memoryBytes,
    runDeadline: m.deadline,
    deadline: Infinity,
    call: 0,
    interrupted: false,
    atl: undefined,
    debugExclude: "[]",
  };
  boxes.set(m.id, box);
  rt.setInterruptHandler(() => {
    // The main thread cancels an evaluation whose run has ended (stopped, timed out).
    if (Date.now() > box.deadline || Atomics.load(signal, 1) === box.call) {
      box.interrupted = true;
      return true;
    }
    return false;
  });
  for (const name of m.functions) {
    const fn = vm.newFunction(name, hostFunction(box, name));
    vm.setProp(vm.global, name, fn);
    fn.dispose();
  }
  for (const [ns, names] of Object.entries(m.namespaces)) {
    const obj = vm.newObject();
    for (const name of names) {
      const fn = vm.newFunction(name, hostFunction(box, `${ns}.${name}`));
      vm.setProp(obj, name, fn);
      fn.dispose();
    }
    vm.setProp(vm.global, ns, obj);
    obj.dispose();
  }
  if (m.debug) {
    const exclude = [...m.functions, ...Object.keys(m.namespaces), ...(m.debug.exclude ?? []), "__atl", "__atl_"];
    box.debugExclude = JSON.stringify(exclude.map(String));
    const atl = vm.newObject();
    const pause = vm.newFunction("pause", pauseFunction(box));
    vm.setProp(atl, "pause", pause);
    pause.dispose();
    const b = vm.newObject();
    vm.setProp(atl, "b", b);
    b.dispose();
    vm.setProp(atl, "s", vm.false);
    vm.setProp(vm.global, "__atl", atl);
    box.atl = atl;
  }
}

/** A name a snapshot may read as a variable (it is pasted into code: checked strictly). */
const IDENTIFIER = /^[A-Za-z_$][\w$]{0,99}$/;

/**
 * An object of the top-level let / const / class variables named (those that can be read now),
 * for the scope snapshot: they are not properties of the global object.
 * @param {Box} box
 * @param {string[]} names
 * @returns {QuickJSHandle | undefined}
 */
function lexicalObject(box, names) {
  const valid = names.filter((n) => typeof n === "string" && IDENTIFIER.test(n)).slice(0, 1000);
  if (valid.length === 0) return undefined;
  const reads = valid.map((n) => `try{__atl_o[${JSON.stringify(n)}]=${n};}catch(__atl_e){}`).join("");
  const r = box.vm.evalCode(`(function(){var __atl_o={};${reads}return __atl_o;})()`, "atelier-scope.js");
  if (r.error) {
    r.error.dispose();
    box.interrupted = false;
    return undefined;
  }
  return r.value;
}

/**
 * @param {{ id: number, call: number, mode: "code" | "globals", code?: string, file?: string,
 *   globals?: [string, string | undefined][], exclude?: string[], lexicals?: string[] }} m
 * @returns {string | undefined}
 */
function evaluate(m) {
  const box = boxes.get(m.id);
  if (!box) throw unusable.get(m.id) ?? new BoxError("sandbox_closed", "");
  const { vm } = box;
  if (Atomics.load(signal, 1) === m.call) throw new BoxError("sandbox_closed", "");
  box.call = m.call;
  resetDeadline(box);
  for (const [name, json] of m.globals ?? []) {
    const h = json === undefined ? vm.undefined : fromJson(box, json);
    vm.setProp(vm.global, name, h);
    if (h !== vm.null && h !== vm.undefined) h.dispose();
  }
  if (m.mode === "globals") {
    // The debugger's own globals are never shown.
    const ex = vm.newString(JSON.stringify([...(m.exclude ?? []), "__atl", "__atl_"]));
    const extra = m.lexicals?.length ? lexicalObject(box, m.lexicals) : undefined;
    const r = extra
      ? vm.callFunction(helpers(box).globals, vm.undefined, ex, extra)
      : vm.callFunction(helpers(box).globals, vm.undefined, ex);
    ex.dispose();
    extra?.dispose();
    if (r.error) {
      const e = describeError(box, r.error);
      r.error.dispose();
      throw e;
    }
    const text = vm.getString(r.value);
    r.value.dispose();
    return text;
  }
  const r = vm.evalCode(m.code ?? "", m.file);
  if (r.error) {
    const e = describeError(box, r.error);
    r.error.dispose();
    throw e;
  }
  try {
    return toJson(box, r.value);
  } finally {
    r.value.dispose();
  }
}

/** @param {number} id */
function close(id) {
  unusable.delete(id);
  const box = boxes.get(id);
  if (!box) return;
  boxes.delete(id);
  for (const h of [box.parse, box.intrinsics, ...Object.values(box.helpers ?? {}), ...(box.atl ? [box.atl] : [])])
    if (h.alive) h.dispose();
  box.vm.dispose();
  box.rt.dispose();
  // WebAssembly memory never shrinks: a worker whose heap grew large (runs that used much memory
  // at once) asks to be replaced once it hosts nothing, so the process gives that memory back.
  if (boxes.size === 0 && !retiring && mod.getWasmMemory().buffer.byteLength > RETIRE_BYTES) {
    retiring = true;
    port.postMessage({ t: "retire" });
  }
}
const RETIRE_BYTES = 256 * 1024 * 1024;
let retiring = false;

/** @param {any} m */
function handle(m) {
  switch (m.t) {
    case "close":
      for (const id of m.ids) close(id);
      return;
    case "eval": {
      if (m.close) for (const id of m.close) close(id);
      if (m.open) {
        try {
          open({ id: m.id, ...m.open });
        } catch (e) {
          close(m.id);
          // A context that could not be prepared answers with the reason; any other fault ends
          // the worker (below).
          if (!(e instanceof BoxError)) throw e;
          unusable.set(m.id, e);
        }
        scheduleSpare();
      }
      let json;
      try {
        json = evaluate(m);
      } catch (e) {
        if (!(e instanceof BoxError)) throw e;
        port.postMessage({ t: "done", call: m.call, ok: false, code: e.code, message: e.message, ...e.extra });
        return;
      }
      port.postMessage({ t: "done", call: m.call, ok: true, json });
      return;
    }
  }
}

/**
 * Anything but a BoxError is a fault of the sandbox machinery (a WebAssembly abort, a leak caught
 * by QuickJS): the module may be corrupt, so this worker ends and the pool replaces it. Its runs
 * fail with a clean error; the details go to the engine's stderr only.
 * @param {unknown} e
 */
function fault(e) {
  port.postMessage({ t: "fault", message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  process.exit(1);
}

/**
 * Runs a little of everything once before the worker says it is ready: WebAssembly functions
 * are compiled on their first call, which would otherwise make a new worker's first runs slow.
 */
function warmUp() {
  const id = -1;
  open({ id, timeLimitMs: 1000, memoryBytes: 16 * 1024 * 1024, deadline: Infinity, functions: [], namespaces: {} });
  try {
    evaluate({
      id,
      call: -1,
      mode: "code",
      code: "var warm = [1, 'two', { three: [3] }]; function f(x) { return x.length + name } warm.map(f)",
      file: "warm-up.js",
      globals: [["name", '"a"']],
    });
    evaluate({ id, call: -1, mode: "code", code: "({ list: warm, n: 10n, d: new Date(0) })", file: "warm-up.js" });
    try {
      evaluate({ id, call: -1, mode: "code", code: "null.x", file: "warm-up.js" });
    } catch {
      // The error path is part of the warm-up.
    }
  } finally {
    close(id);
  }
}

/** @type {any[] | undefined} */
let queue = [];
port.on("message", (m) => {
  if (queue) queue.push(m);
  else run(m);
});

/** @param {any} m */
function run(m) {
  try {
    handle(m);
  } catch (e) {
    fault(e);
  }
}

mod = await getQuickJS();
warmUp();
spare = fresh();
const waiting = queue;
queue = undefined;
for (const m of waiting) run(m);
port.postMessage({ t: "ready" });
