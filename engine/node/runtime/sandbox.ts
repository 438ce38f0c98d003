import { RunError } from "./run-error.ts";
import { MAX_OUTPUT_CHARS, MAX_OUTPUT_DEPTH, sandboxPool, type EvalReply, type PoolContext } from "./sandbox-pool.ts";

export { MAX_OUTPUT_CHARS, MAX_OUTPUT_DEPTH };

/**
 * The JavaScript sandbox of a run: a QuickJS interpreter compiled to WebAssembly, run in a worker
 * thread of the sandbox pool (sandbox-pool.ts, sandbox-worker.mjs) so that sandboxed code never
 * holds the engine's event loop. Code in it has no `process`, no `require`, no file system, no
 * network: nothing of the host exists there, so the constructor-chain escapes of `node:vm` have
 * nothing to reach. Each evaluation has a time limit, the whole interpreter a memory bound; values
 * leave it as JSON of bounded depth and size, read by the sandbox's own serializer.
 */

/** Starts the sandbox pool's first worker and waits until it can run code. */
export async function loadSandboxModule(): Promise<void> {
  await sandboxPool().warm();
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
  /** The debugger of a run: code instrumented by js-breakpoints.ts pauses through it. */
  debug?: SandboxDebug;
}

/** What the sandbox's line breakpoints call (`__atl.pause` in the sandbox). */
export interface SandboxDebug {
  /**
   * A line breakpoint reached (or a line stepped to): `locals` are the names in scope there,
   * `globals` the sandbox's global variables. Resolves when the run goes on, with whether to
   * stop at the next line (`s`) and the breakpoints the checks read (`b`: "<step>:<line>" keys).
   */
  pause(
    step: string,
    line: number,
    locals: Record<string, unknown>,
    globals: Record<string, unknown>,
  ): Promise<{ s: boolean; b: Record<string, 1> }>;
  /** Globals a pause does not show. */
  exclude?: string[];
}

/** How long before the run's own deadline an evaluation is stopped (see Sandbox.create). */
const RUN_DEADLINE_MARGIN_MS = 25;

export const DEFAULT_SANDBOX_LIMITS = { timeLimitMs: 5000, memoryBytes: 64 * 1024 * 1024 };

export class Sandbox {
  /** Globals set since the last evaluation: they travel with the next one (no round trip each). */
  private readonly pending = new Map<string, unknown>();
  private disposed = false;

  private constructor(
    private readonly ctx: PoolContext,
    private readonly opts: SandboxOptions,
  ) {}

  static async create(opts: SandboxOptions): Promise<Sandbox> {
    const functions = opts.functions ?? {};
    const namespaces = opts.namespaces ?? {};
    const debug = opts.debug;
    const host = (name: string, args: unknown[]): unknown => {
      if (name === "__atl.pause" && debug) {
        const [step, line, locals, globals] = args;
        return debug.pause(
          String(step),
          Number(line),
          (locals && typeof locals === "object" ? locals : {}) as Record<string, unknown>,
          (globals && typeof globals === "object" ? globals : {}) as Record<string, unknown>,
        );
      }
      const dot = name.indexOf(".");
      const [owner, key] = dot < 0 ? [functions, name] : [namespaces[name.slice(0, dot)], name.slice(dot + 1)];
      const fn = owner && Object.hasOwn(owner, key) ? owner[key] : undefined;
      if (!fn) throw new Error(`${name} is not a function`);
      return fn(...args);
    };
    const ctx = await sandboxPool().open({
      timeLimitMs: opts.timeLimitMs,
      memoryBytes: opts.memoryBytes,
      // JavaScript stops a little before the run's deadline, so that the run ends with the error
      // of the step that was running rather than with the engine's general timeout.
      deadline: opts.deadline === undefined ? Infinity : opts.deadline - RUN_DEADLINE_MARGIN_MS,
      functions: Object.keys(functions),
      namespaces: Object.fromEntries(Object.entries(namespaces).map(([ns, fns]) => [ns, Object.keys(fns)])),
      host,
      ...(debug ? { debug: { exclude: debug.exclude ?? [] } } : {}),
    });
    return new Sandbox(ctx, opts);
  }

  /** Defines (or replaces) a global variable of the sandbox, from the next evaluation on. */
  setGlobal(name: string, value: unknown): void {
    this.pending.set(name, value);
  }

  /** Evaluates an expression; answers its value as JSON (functions and undefined give undefined). */
  evaluate(expression: string, what: string): Promise<unknown> {
    return this.run(`(${expression}\n)`, what);
  }

  /** Runs statements at the top level (declarations persist); answers the completion value. */
  execute(code: string, what: string): Promise<unknown> {
    return this.run(code, what);
  }

  private async run(code: string, what: string): Promise<unknown> {
    const reply = await this.send(
      { mode: "code", code, file: what.replace(/[^\w.-]+/g, "_").slice(0, 100) + ".js" },
      what,
    );
    return reply.json === undefined ? undefined : this.parse(reply.json, what);
  }

  /**
   * A snapshot of the sandbox's global variables that hold JSON values (for the debugger), and of
   * the top-level let / const variables named in `lexicals` (they are not properties of the global object).
   */
  async globals(exclude: ReadonlySet<string>, lexicals: readonly string[] = []): Promise<Record<string, unknown>> {
    const reply = await this.send(
      { mode: "globals", exclude: [...exclude], ...(lexicals.length ? { lexicals: [...lexicals] } : {}) },
      "scope",
    );
    return reply.json === undefined ? {} : (this.parse(reply.json, "scope") as Record<string, unknown>);
  }

  private async send(
    req: { mode: "code" | "globals"; code?: string; file?: string; exclude?: string[]; lexicals?: string[] },
    what: string,
  ): Promise<{ json?: string }> {
    if (this.disposed) throw new RunError("sandbox_closed", `${what}: the run has ended`, undefined, 500);
    const globals = this.takeGlobals(what);
    const reply = await this.ctx.call(globals ? { ...req, globals } : req);
    if (this.disposed) throw new RunError("sandbox_closed", `${what}: the run has ended`, undefined, 500);
    if (!reply.ok) throw this.error(reply, what);
    return reply;
  }

  private takeGlobals(what: string): [string, string | undefined][] | undefined {
    if (this.pending.size === 0) return undefined;
    const out: [string, string | undefined][] = [];
    for (const [name, value] of this.pending) {
      let json: string | undefined;
      try {
        json = JSON.stringify(value);
      } catch (e) {
        this.pending.clear();
        throw new RunError(
          "js_input",
          `${what}: the variable "${name}" cannot be given to JavaScript: ${(e as Error).message}`,
          undefined,
          500,
        );
      }
      out.push([name, json]);
    }
    this.pending.clear();
    return out;
  }

  private parse(json: string, what: string): unknown {
    try {
      if (json.length > MAX_OUTPUT_CHARS + 16) throw new Error("too large");
      return JSON.parse(json);
    } catch {
      // Only a sandbox whose own intrinsics were tampered with could send text that is not JSON.
      throw new RunError("js_output_unreadable", `${what}: its value could not be read as JSON`, undefined, 500);
    }
  }

  private error(reply: Extract<EvalReply, { ok: false }>, what: string): RunError {
    const at = reply.path?.length ? ` (at ${formatPath(reply.path)})` : "";
    const mib = (n: number) => `${Math.round(n / 1048576)} MiB`;
    const fail = (code: string, message: string) => new RunError(code, `${what}: ${message}`, undefined, 500);
    switch (reply.code) {
      case "js_timeout":
        return fail(
          "js_timeout",
          reply.runLimit
            ? "stopped because the run reached its time limit"
            : `stopped after ${this.opts.timeLimitMs} ms (time limit of a JavaScript evaluation; an endless loop?)`,
        );
      case "js_memory":
        return fail("js_memory", `stopped because it used more than ${mib(this.opts.memoryBytes)} of memory`);
      case "js_error":
        return fail("js_error", reply.message);
      case "js_output_too_deep":
        return fail(
          "js_output_too_deep",
          `its value is nested more than ${MAX_OUTPUT_DEPTH} levels deep${at}; values leaving JavaScript are JSON of at most ${MAX_OUTPUT_DEPTH} levels`,
        );
      case "js_output_too_large":
        return fail(
          "js_output_too_large",
          `its value is more than ${mib(MAX_OUTPUT_CHARS)} of JSON${at}; values leaving JavaScript are at most that`,
        );
      case "js_output_cyclic":
        return fail("js_output_cyclic", `its value contains itself${at}: JSON cannot hold a cycle`);
      case "js_output_bigint":
        return fail(
          "js_output_bigint",
          `its value${at} is the BigInt ${reply.message}n, beyond the integers a JSON number holds exactly (±2^53); convert it with String() or Number()`,
        );
      case "js_output_unreadable":
        return fail("js_output_unreadable", `its value${at} could not be read: ${reply.message}`);
      case "js_input":
        return fail("js_input", `a value could not be copied into the JavaScript sandbox: ${reply.message}`);
      case "sandbox_closed":
        return fail("sandbox_closed", "the run has ended");
      case "sandbox_unavailable":
        return fail("sandbox_unavailable", reply.message);
      default:
        return fail("sandbox_crashed", "the JavaScript sandbox of this run stopped unexpectedly; the run cannot go on");
    }
  }

  /** The worker thread running this sandbox (for tests and diagnostics). */
  get threadId(): number {
    return this.ctx.worker.worker.threadId;
  }

  /**
   * Frees the interpreter (its worker does it; nothing to wait for). An evaluation under way is
   * stopped and answers that the run has ended.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pending.clear();
    this.ctx.close();
  }
}

/** `.items[3].name`, shortened in the middle when deep. */
function formatPath(path: (string | number)[]): string {
  const part = (k: string | number) =>
    typeof k === "number" || /^(?:0|[1-9]\d{0,15})$/.test(k)
      ? `[${k}]`
      : /^[A-Za-z_$][\w$]*$/.test(k)
        ? `.${k.length > 40 ? k.slice(0, 40) + "…" : k}`
        : `[${JSON.stringify(k.length > 40 ? k.slice(0, 40) + "…" : k)}]`;
  const parts = path.map(part);
  if (parts.length > 8) return `${parts.slice(0, 4).join("")}…(${parts.length - 7} more)…${parts.slice(-3).join("")}`;
  return parts.join("");
}
