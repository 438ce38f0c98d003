import type { RunScope, SqlFailure, SqlStatementResult, StopSignal } from "../../../common/model/typedef.ts";

/** What a driver runs: statements with their parameters. */
export type Statements = readonly { text: string; params: readonly unknown[] }[];

/** What the service asks of a driver's run. */
export interface RunOptions {
  timeoutMs: number;
  signal?: StopSignal;
  /** The run: a transaction left open keeps its connection for the run's next statements. */
  scope?: RunScope;
}

/**
 * Whether a transaction is open once statements ran, by what they say: BEGIN and START
 * TRANSACTION open one; COMMIT, END and ROLLBACK (not ROLLBACK TO a savepoint) close it; a
 * failure closed it (the drivers roll back on failure).
 */
export function openAfter(wasOpen: boolean, statements: Statements, answer: DriverAnswer): boolean {
  if (answer.failure) return false;
  let open = wasOpen;
  for (const st of statements) {
    const t = st.text.trimStart();
    if (/^(?:BEGIN|START\s+TRANSACTION)\b/i.test(t)) open = true;
    else if (
      /^(?:COMMIT|END)\b/i.test(t) ||
      (/^ROLLBACK\b/i.test(t) && !/^ROLLBACK\s+(?:WORK\s+|TRANSACTION\s+)?TO\b/i.test(t))
    )
      open = false;
  }
  return open;
}

/**
 * Connections kept by runs inside a transaction (RunOptions.scope), for the pooled drivers: a run
 * whose statements leave a transaction open keeps its connection until COMMIT, ROLLBACK or its
 * end (then rolled back); any other connection goes back to its pool, or is dropped when broken.
 */
export class HeldConnections<C> {
  private readonly held = new Map<RunScope, C>();

  constructor(
    private readonly ops: {
      rollback(c: C): Promise<unknown>;
      /** Back to the pool, or dropped (`broken`). */
      release(c: C, broken: boolean): void;
    },
  ) {}

  /** The connection a run holds, if any. */
  of(scope: RunScope | undefined): C | undefined {
    return scope ? this.held.get(scope) : undefined;
  }

  /** After a run's statements on `conn` (held by the run before them or not). */
  settle(
    conn: C,
    opts: { heldBefore: boolean; statements: Statements; answer: DriverAnswer; broken: boolean; scope?: RunScope },
  ): void {
    const { scope } = opts;
    if (scope && !opts.broken && openAfter(opts.heldBefore, opts.statements, opts.answer)) {
      if (!opts.heldBefore) {
        this.held.set(scope, conn);
        scope.onEnd(() => this.end(scope));
      }
      return;
    }
    if (opts.heldBefore && scope) this.held.delete(scope);
    this.ops.release(conn, opts.broken);
  }

  /** The run ended inside a transaction: rolled back, the connection back to the pool. */
  private async end(scope: RunScope): Promise<void> {
    const c = this.held.get(scope);
    if (c === undefined) return;
    this.held.delete(scope);
    try {
      await this.ops.rollback(c);
      this.ops.release(c, false);
    } catch {
      this.ops.release(c, true);
    }
  }

  holds(): boolean {
    return this.held.size > 0;
  }

  /** Every held connection dropped (its pool is closing). */
  dropAll(): void {
    for (const c of this.held.values()) this.ops.release(c, true);
    this.held.clear();
  }
}

export interface DriverAnswer {
  results: SqlStatementResult[];
  failure?: SqlFailure;
}

/** One database's connections (a pool, or the embedded database's worker). */
export interface SqlPool {
  run(statements: Statements, opts: RunOptions): Promise<DriverAnswer>;
  /** Whether a run holds a connection inside a transaction. */
  holds(): boolean;
  close(): Promise<void>;
}

/**
 * Watches a run's time limit and stop signal: `cancel` is called once, with why, when either
 * comes first. `done` stops watching.
 */
export function watchCancel(
  opts: RunOptions,
  cancel: (why: "timeout" | "stopped") => void,
): { done(): void; readonly why: "timeout" | "stopped" | undefined } {
  let why: "timeout" | "stopped" | undefined;
  const fire = (w: "timeout" | "stopped") => {
    if (why) return;
    why = w;
    cancel(w);
  };
  const timer = setTimeout(() => fire("timeout"), opts.timeoutMs);
  const onAbort = () => fire("stopped");
  if (opts.signal?.aborted) queueMicrotask(onAbort);
  else opts.signal?.addEventListener("abort", onAbort, { once: true });
  return {
    done() {
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
    },
    get why() {
      return why;
    },
  };
}

/** A driver error's code (SQLSTATE, MySQL's code...), when it has one. */
export function errorCode(e: unknown): { code?: string } {
  const code = (e as { code?: unknown }).code;
  return typeof code === "string" ? { code } : {};
}

/** The failure of a cancelled run. */
export function cancelFailure(why: "timeout" | "stopped", timeoutMs: number, statement?: number): SqlFailure {
  const at = statement !== undefined ? { statement } : {};
  return why === "timeout"
    ? { kind: "timeout", message: `the query was cancelled after its time limit (${timeoutMs} ms)`, ...at }
    : { kind: "stopped", message: "the query was cancelled: the run was stopped", ...at };
}

/** A column value as JSON can carry it: dates as ISO text, bytes as base64, big integers as numbers when exact. */
export function jsonValue(v: unknown): unknown {
  if (v === null || typeof v !== "object") {
    if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    return v;
  }
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
  return v;
}

/** A row with its values made JSON (see jsonValue). */
export function jsonRow(row: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(row)) {
    const v = row[k];
    if (v !== null && (typeof v === "object" || typeof v === "bigint")) row[k] = jsonValue(v);
  }
  return row;
}
