import {
  getQuickJS,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSRuntime,
  type QuickJSWASMModule,
} from "quickjs-emscripten";
import { RunError } from "./run-error.ts";

/**
 * The JavaScript sandbox of a run: a QuickJS interpreter compiled to WebAssembly. Code in it has
 * no `process`, no `require`, no file system, no network: nothing of the host exists there, so
 * the constructor-chain escapes of `node:vm` have nothing to reach. Each evaluation has a time
 * limit, the whole interpreter a memory bound.
 */

let modulePromise: Promise<QuickJSWASMModule> | undefined;

/** Loads the WebAssembly module once per process. */
export function loadSandboxModule(): Promise<QuickJSWASMModule> {
  modulePromise ??= getQuickJS();
  return modulePromise;
}

export interface SandboxOptions {
  /** Milliseconds one evaluation may run. */
  timeLimitMs: number;
  /** Bytes of memory the interpreter may use. */
  memoryBytes: number;
  /** An absolute deadline (ms since epoch) no evaluation may pass (the run's own limit). */
  deadline?: number;
  /** Host functions callable from the sandbox; arguments and results cross as JSON. */
  functions?: Record<string, (...args: unknown[]) => unknown>;
  /** Objects of host functions (e.g. session.get), same rules. */
  namespaces?: Record<string, Record<string, (...args: unknown[]) => unknown>>;
}

export const DEFAULT_SANDBOX_LIMITS = { timeLimitMs: 5000, memoryBytes: 64 * 1024 * 1024 };

export class Sandbox {
  private deadline = Infinity;
  private interrupted = false;
  private disposed = false;

  private constructor(
    private readonly rt: QuickJSRuntime,
    private readonly vm: QuickJSContext,
    private readonly opts: SandboxOptions,
  ) {}

  static async create(opts: SandboxOptions): Promise<Sandbox> {
    const mod = await loadSandboxModule();
    const rt = mod.newRuntime();
    rt.setMemoryLimit(opts.memoryBytes);
    // QuickJS must hit its own stack limit well before the host's (WebAssembly frames live on
    // Node's stack): 256 KiB does, 512 KiB overflows Node first.
    rt.setMaxStackSize(256 * 1024);
    const vm = rt.newContext();
    const box = new Sandbox(rt, vm, opts);
    rt.setInterruptHandler(() => {
      if (Date.now() > box.deadline) {
        box.interrupted = true;
        return true;
      }
      return false;
    });
    for (const [name, fn] of Object.entries(opts.functions ?? {})) box.defineFunction(vm.global, name, fn);
    for (const [ns, fns] of Object.entries(opts.namespaces ?? {})) {
      const obj = vm.newObject();
      for (const [name, fn] of Object.entries(fns)) box.defineFunction(obj, name, fn);
      vm.setProp(vm.global, ns, obj);
      obj.dispose();
    }
    return box;
  }

  private defineFunction(target: QuickJSHandle, name: string, fn: (...args: unknown[]) => unknown): void {
    const handle = this.vm.newFunction(name, (...args) => {
      const values = args.map((a) => this.vm.dump(a));
      let result: unknown;
      try {
        result = fn(...values);
      } catch (e) {
        return { error: this.vm.newError((e as Error).message) };
      }
      return this.toHandle(result);
    });
    this.vm.setProp(target, name, handle);
    handle.dispose();
  }

  /** Copies a JSON value into the sandbox. */
  private toHandle(value: unknown): QuickJSHandle {
    const vm = this.vm;
    if (value === undefined) return vm.undefined;
    if (value === null) return vm.null;
    switch (typeof value) {
      case "string":
        return vm.newString(value);
      case "number":
        return vm.newNumber(value);
      case "boolean":
        return value ? vm.true : vm.false;
      default: {
        const text = JSON.stringify(value);
        if (text === undefined) return vm.undefined;
        const saved = this.deadline;
        this.deadline = Date.now() + this.opts.timeLimitMs;
        try {
          const r = vm.evalCode(`(${text})`, "value.json");
          if (r.error) {
            const err = vm.dump(r.error) as { message?: string };
            r.error.dispose();
            throw new RunError(
              "js_memory",
              `A value could not be copied into the JavaScript sandbox: ${err?.message ?? "unknown error"}`,
              undefined,
              500,
            );
          }
          return r.value;
        } finally {
          this.deadline = saved;
        }
      }
    }
  }

  /** Defines (or replaces) a global variable of the sandbox. */
  setGlobal(name: string, value: unknown): void {
    const h = this.toHandle(value);
    this.vm.setProp(this.vm.global, name, h);
    if (h.alive && h !== this.vm.undefined && h !== this.vm.null && h !== this.vm.true && h !== this.vm.false) {
      h.dispose();
    }
  }

  /** Evaluates an expression; answers its value as JSON (functions and undefined give undefined). */
  evaluate(expression: string, what: string): unknown {
    return this.run(`(${expression}\n)`, what);
  }

  /** Runs statements at the top level (declarations persist); answers the completion value. */
  execute(code: string, what: string): unknown {
    return this.run(code, what);
  }

  private run(code: string, what: string): unknown {
    if (this.disposed) throw new RunError("sandbox_closed", `${what}: the run has ended`, undefined, 500);
    const now = Date.now();
    this.deadline = Math.min(now + this.opts.timeLimitMs, this.opts.deadline ?? Infinity);
    this.interrupted = false;
    const result = this.vm.evalCode(code, what.replace(/[^\w.-]+/g, "_") + ".js");
    if (result.error) {
      const err = this.vm.dump(result.error) as { name?: string; message?: string; stack?: string } | string;
      result.error.dispose();
      if (this.interrupted) {
        const limit = this.opts.deadline !== undefined && this.deadline === this.opts.deadline;
        throw new RunError(
          "js_timeout",
          limit
            ? `${what}: stopped because the run reached its time limit`
            : `${what}: stopped after ${this.opts.timeLimitMs} ms (time limit of a JavaScript evaluation; an endless loop?)`,
          undefined,
          500,
        );
      }
      const name = typeof err === "object" && err ? (err.name ?? "Error") : "Error";
      const message = typeof err === "object" && err ? (err.message ?? String(err)) : String(err);
      if (/out of memory/i.test(message)) {
        throw new RunError(
          "js_memory",
          `${what}: stopped because it used more than ${Math.round(this.opts.memoryBytes / 1048576)} MiB of memory`,
          undefined,
          500,
        );
      }
      const line = typeof err === "object" && err?.stack ? /:(\d+)(?::\d+)?\)?\s*$/m.exec(err.stack)?.[1] : undefined;
      throw new RunError("js_error", `${what}: ${name}: ${message}${line ? ` (line ${line})` : ""}`, undefined, 500);
    }
    try {
      // Functions have no JSON form: they come out as undefined, like JSON.stringify does.
      return this.vm.typeof(result.value) === "function" ? undefined : this.vm.dump(result.value);
    } finally {
      if (result.value.alive) result.value.dispose();
    }
  }

  /** A snapshot of the sandbox's global variables that hold JSON values (for the debugger). */
  globals(exclude: ReadonlySet<string>): Record<string, unknown> {
    const names = this.run(
      "Object.keys(globalThis).filter(function(k){var t=typeof globalThis[k];return t!=='function'&&t!=='undefined';})",
      "scope",
    ) as string[];
    const out: Record<string, unknown> = {};
    for (const n of names) {
      if (exclude.has(n)) continue;
      try {
        out[n] = this.run(`globalThis[${JSON.stringify(n)}]`, "scope");
      } catch {
        out[n] = "<unreadable>";
      }
    }
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.vm.dispose();
    this.rt.dispose();
  }
}
