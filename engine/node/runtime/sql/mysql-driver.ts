import mysql from "mysql2/promise";
import type { RunScope, SqlFailure, SqlStatementResult } from "../../../common/model/typedef.ts";
import {
  cancelFailure,
  openAfter,
  jsonRow,
  watchCancel,
  type DriverAnswer,
  type RunOptions,
  type SqlPool,
  type Statements,
} from "./sql-driver.ts";

export interface MysqlTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  poolSize: number;
  connectTimeoutMs: number;
}

/**
 * A MySQL or MariaDB database through mysql2's pool. Statements with parameters are prepared
 * (execute): the values travel apart from the text, never escaped into it. A time limit or a
 * stop runs KILL QUERY from a connection of its own.
 */
export class MysqlPool implements SqlPool {
  private readonly pool: mysql.Pool;

  /** Connections kept by runs inside a transaction (see RunOptions.scope). */
  private readonly held = new Map<RunScope, mysql.PoolConnection>();

  constructor(private readonly target: MysqlTarget) {
    this.pool = mysql.createPool({ ...this.config(), connectionLimit: target.poolSize, maxIdle: target.poolSize });
  }

  private config(): mysql.ConnectionOptions {
    const t = this.target;
    return {
      host: t.host,
      port: t.port,
      user: t.user || undefined,
      password: t.password,
      database: t.database || undefined,
      connectTimeout: t.connectTimeoutMs,
      supportBigNumbers: true,
      multipleStatements: false,
    };
  }

  async run(statements: Statements, opts: RunOptions): Promise<DriverAnswer> {
    const heldBefore = opts.scope ? this.held.get(opts.scope) : undefined;
    let conn: mysql.PoolConnection;
    try {
      conn = heldBefore ?? (await this.pool.getConnection());
    } catch (e) {
      return { results: [], failure: { kind: "connect", message: (e as Error).message, ...mysqlCode(e) } };
    }
    const threadId = conn.threadId;
    const watch = watchCancel(opts, () => void this.killQuery(threadId));
    const results: SqlStatementResult[] = [];
    let failure: SqlFailure | undefined;
    let broken = false;
    try {
      for (const [i, st] of statements.entries()) {
        try {
          const q = { sql: st.text, timeout: opts.timeoutMs + 5000 };
          // Statements without parameters go as text (BEGIN, COMMIT... cannot be prepared).
          const [rows, fields] =
            st.params.length > 0 ? await conn.execute(q, st.params as unknown[] as never) : await conn.query(q);
          // A cancelled query may still answer (MySQL's SLEEP answers 1): cancelled is cancelled.
          if (watch.why) {
            failure = cancelFailure(watch.why, opts.timeoutMs, i);
            break;
          }
          if (Array.isArray(rows)) {
            const columns = (fields ?? []).map((f) => f.name);
            results.push({ columns, rows: (rows as Record<string, unknown>[]).map((r) => jsonRow({ ...r })) });
          } else {
            results.push({ affectedRows: (rows as mysql.ResultSetHeader).affectedRows ?? 0 });
          }
        } catch (e) {
          const err = e as { message: string; code?: string; sqlMessage?: string; fatal?: boolean };
          if (watch.why) failure = cancelFailure(watch.why, opts.timeoutMs, i);
          else failure = { kind: "query", message: err.sqlMessage ?? err.message, statement: i, ...mysqlCode(e) };
          broken = Boolean(err.fatal) || err.code === "PROTOCOL_SEQUENCE_TIMEOUT";
          break;
        }
      }
      if (failure && !broken) await conn.query("ROLLBACK").catch(() => (broken = true));
    } finally {
      watch.done();
    }
    const answer: DriverAnswer = failure ? { results, failure } : { results };
    const scope = opts.scope;
    if (scope && !broken && openAfter(heldBefore !== undefined, statements, answer)) {
      // Left inside a transaction: the connection stays the run's until COMMIT, ROLLBACK or its end.
      if (!heldBefore) {
        this.held.set(scope, conn);
        scope.onEnd(() => this.endHeld(scope));
      }
    } else {
      if (heldBefore && scope) this.held.delete(scope);
      if (broken) conn.destroy();
      else conn.release();
    }
    return answer;
  }

  private async killQuery(threadId: number): Promise<void> {
    let c: mysql.Connection | undefined;
    try {
      c = await mysql.createConnection(this.config());
      await c.query(`KILL QUERY ${Number(threadId)}`);
    } catch {
      // the query's own backstop ends it
    } finally {
      await c?.end().catch(() => {});
    }
  }

  /** The run ended inside a transaction: rolled back, the connection back to the pool. */
  private async endHeld(scope: RunScope): Promise<void> {
    const c = this.held.get(scope);
    if (!c) return;
    this.held.delete(scope);
    try {
      await c.query("ROLLBACK");
      c.release();
    } catch {
      c.destroy();
    }
  }

  holds(): boolean {
    return this.held.size > 0;
  }

  async close(): Promise<void> {
    for (const c of this.held.values()) c.destroy();
    this.held.clear();
    await this.pool.end().catch(() => {});
  }
}

function mysqlCode(e: unknown): { code?: string } {
  const code = (e as { code?: unknown }).code;
  return typeof code === "string" ? { code } : {};
}
