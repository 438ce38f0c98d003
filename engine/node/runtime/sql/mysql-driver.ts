import mysql from "mysql2/promise";
import type { SqlFailure, SqlStatementResult } from "../../../common/model/typedef.ts";
import {
  HeldConnections,
  errorCode,
  cancelFailure,
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

  private readonly held = new HeldConnections<mysql.PoolConnection>({
    rollback: (c) => c.query("ROLLBACK"),
    release: (c, broken) => (broken ? c.destroy() : c.release()),
  });

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
    const heldBefore = this.held.of(opts.scope);
    let conn: mysql.PoolConnection;
    try {
      conn = heldBefore ?? (await this.pool.getConnection());
    } catch (e) {
      return { results: [], failure: { kind: "connect", message: (e as Error).message, ...errorCode(e) } };
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
          else failure = { kind: "query", message: err.sqlMessage ?? err.message, statement: i, ...errorCode(e) };
          broken = Boolean(err.fatal) || err.code === "PROTOCOL_SEQUENCE_TIMEOUT";
          break;
        }
      }
      if (failure && !broken) await conn.query("ROLLBACK").catch(() => (broken = true));
    } finally {
      watch.done();
    }
    const answer: DriverAnswer = failure ? { results, failure } : { results };
    this.held.settle(conn, { heldBefore: heldBefore !== undefined, statements, answer, broken, scope: opts.scope });
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

  holds(): boolean {
    return this.held.holds();
  }

  async close(): Promise<void> {
    this.held.dropAll();
    await this.pool.end().catch(() => {});
  }
}
