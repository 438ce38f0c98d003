import pg from "pg";
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

export interface PgTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  poolSize: number;
  connectTimeoutMs: number;
}

// int8 (count(*), bigserial) as a number when exact, else text; numeric stays text (exact decimals).
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === 20) {
      return (v: string) => {
        const n = Number(v);
        return Number.isSafeInteger(n) ? n : v;
      };
    }
    return pg.types.getTypeParser(oid, format as "text");
  },
};

/** A PostgreSQL database through pg's pool; a time limit or a stop cancels the query in the server. */
export class PgPool implements SqlPool {
  private readonly pool: pg.Pool;

  private readonly held = new HeldConnections<pg.PoolClient>({
    rollback: (c) => c.query("ROLLBACK"),
    release: (c, broken) => c.release(broken || undefined),
  });

  constructor(private readonly target: PgTarget) {
    this.pool = new pg.Pool({ ...this.config(), max: target.poolSize, idleTimeoutMillis: 30000 });
    // An idle connection the server closed: the pool drops it; nothing to do.
    this.pool.on("error", () => {});
  }

  private config(): pg.ClientConfig {
    const t = this.target;
    return {
      host: t.host,
      port: t.port,
      database: t.database || undefined,
      user: t.user || undefined,
      password: t.password,
      connectionTimeoutMillis: t.connectTimeoutMs,
      types,
    };
  }

  async run(statements: Statements, opts: RunOptions): Promise<DriverAnswer> {
    const heldBefore = this.held.of(opts.scope);
    let client: pg.PoolClient;
    try {
      client = heldBefore ?? (await this.pool.connect());
    } catch (e) {
      return { results: [], failure: { kind: "connect", message: (e as Error).message, ...errorCode(e) } };
    }
    const pid = (client as unknown as { processID?: number }).processID;
    const watch = watchCancel(opts, () => void this.cancelBackend(pid));
    const results: SqlStatementResult[] = [];
    let failure: SqlFailure | undefined;
    let broken = false;
    try {
      for (const [i, st] of statements.entries()) {
        try {
          const res = await client.query({
            text: st.text,
            values: st.params as unknown[],
            // A backstop should the server not answer the cancel: the connection is then dropped.
            query_timeout: opts.timeoutMs + 5000,
          } as pg.QueryConfig);
          // A cancelled query may still answer (MySQL's SLEEP answers 1): cancelled is cancelled.
          if (watch.why) {
            failure = cancelFailure(watch.why, opts.timeoutMs, i);
            break;
          }
          results.push(
            res.fields && res.fields.length > 0
              ? { columns: res.fields.map((f) => f.name), rows: res.rows.map(jsonRow) }
              : { affectedRows: res.rowCount ?? 0 },
          );
        } catch (e) {
          if (watch.why) {
            failure = cancelFailure(watch.why, opts.timeoutMs, i);
            broken = /timeout/i.test((e as Error).message) && !(e as { code?: string }).code;
          } else {
            const err = e as { message: string; position?: string; code?: string };
            failure = {
              kind: "query",
              message: err.message,
              statement: i,
              ...(err.position ? { position: Number(err.position) } : {}),
              ...errorCode(e),
            };
          }
          break;
        }
      }
      if (failure && !broken) {
        // Inside a transaction, the connection refuses all until it ends: end it before reuse.
        await client.query("ROLLBACK").catch(() => (broken = true));
      }
    } finally {
      watch.done();
    }
    const answer: DriverAnswer = failure ? { results, failure } : { results };
    this.held.settle(client, { heldBefore: heldBefore !== undefined, statements, answer, broken, scope: opts.scope });
    return answer;
  }

  /** Asks the server to cancel what a connection runs, from a connection of its own. */
  private async cancelBackend(pid: number | undefined): Promise<void> {
    if (!pid) return;
    const c = new pg.Client(this.config());
    c.on("error", () => {});
    try {
      await c.connect();
      await c.query("SELECT pg_cancel_backend($1)", [pid]);
    } catch {
      // the query's own backstop ends it
    } finally {
      await c.end().catch(() => {});
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
