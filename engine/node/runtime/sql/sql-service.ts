import { createHash } from "node:crypto";
import path from "node:path";
import {
  SQL_SCHEMA_LIMITS,
  type SqlConnection,
  type SqlFailure,
  type SqlSchema,
  type SqlService,
  type SqlTestResult,
  type StopSignal,
} from "../../../common/model/typedef.ts";
import { parseSqlUrl, SqlUrlError, type SqlTarget } from "../../../common/types/connectors/sql-url.ts";
import type { DriverAnswer, SqlPool, Statements } from "./sql-driver.ts";

/**
 * The engine's SQL service: one pool per connector (per database file for the embedded SQLite,
 * whose connectors may share a file), made at its first query, with the driver loaded then. A
 * project's pools close when it reloads; all close with the engine.
 */
export class NodeSqlService implements SqlService {
  private readonly pools = new Map<string, { project: string; pool: Promise<SqlPool>; made?: SqlPool }>();

  /** `dataDir`: where the embedded databases live (a folder per project). */
  constructor(private readonly dataDir: string) {}

  async run(
    conn: SqlConnection,
    statements: Statements,
    opts: { timeoutMs: number; signal?: StopSignal },
  ): Promise<DriverAnswer> {
    let target: SqlTarget;
    try {
      target = parseSqlUrl(conn.url);
    } catch (e) {
      if (e instanceof SqlUrlError) return { results: [], failure: { kind: "connect", message: e.message } };
      throw e;
    }
    if (statements.length === 0) return { results: [] };
    let pool0: { key: string; make: () => Promise<SqlPool> };
    try {
      pool0 = this.poolFor(conn, target);
    } catch (e) {
      if (e instanceof SqlUrlError) return { results: [], failure: { kind: "connect", message: e.message } };
      throw e;
    }
    const { key, make } = pool0;
    let entry = this.pools.get(key);
    if (!entry) {
      const e: { project: string; pool: Promise<SqlPool>; made?: SqlPool } = { project: conn.project, pool: make() };
      this.pools.set(key, (entry = e));
      e.pool.then(
        (p) => (e.made = p),
        () => this.pools.delete(key),
      );
    }
    let pool: SqlPool;
    try {
      pool = await entry.pool;
    } catch (e) {
      return { results: [], failure: { kind: "connect", message: (e as Error).message } };
    }
    return pool.run(statements, opts);
  }

  /** Opens the connector's database (its pool) and asks the server's version. */
  async test(conn: SqlConnection, opts: { timeoutMs: number }): Promise<SqlTestResult> {
    const started = Date.now();
    let driver: string | undefined;
    try {
      driver = parseSqlUrl(conn.url).driver;
    } catch {
      // said by run's failure below
    }
    const text =
      driver === "postgres"
        ? "SELECT version() AS version"
        : driver === "mysql"
          ? "SELECT VERSION() AS version"
          : "SELECT 'SQLite ' || sqlite_version() AS version";
    const a = await within(this.run(conn, [{ text, params: [] }], opts), opts.timeoutMs);
    const ms = Date.now() - started;
    if (a.failure) {
      const { kind, message, code } = a.failure;
      return { ok: false, ...(driver ? { driver } : {}), kind, message, ...(code ? { code } : {}), ms };
    }
    const version = String(a.results[0]?.rows?.[0]?.version ?? "");
    return { ok: true, driver: driver ?? "sqlite", version, ms };
  }

  /**
   * The tables and views of the connected schema with their columns: PostgreSQL's schemas on the
   * search path (not the system ones), MySQL/MariaDB's current database, the embedded file's
   * tables. Bounded by SQL_SCHEMA_LIMITS (the rows read too).
   */
  async schema(conn: SqlConnection, opts: { timeoutMs: number }): Promise<SqlSchema | { failure: SqlFailure }> {
    let driver: string;
    try {
      driver = parseSqlUrl(conn.url).driver;
    } catch (e) {
      if (e instanceof SqlUrlError) return { failure: { kind: "connect", message: e.message } };
      throw e;
    }
    const most = SQL_SCHEMA_LIMITS.tables * SQL_SCHEMA_LIMITS.columns + 1;
    const text =
      driver === "postgres"
        ? "SELECT table_schema AS s, table_name AS t, column_name AS c, data_type AS ty FROM information_schema.columns " +
          `WHERE table_schema = ANY (current_schemas(false)) ORDER BY table_schema, table_name, ordinal_position LIMIT ${most}`
        : driver === "mysql"
          ? "SELECT table_schema AS s, table_name AS t, column_name AS c, data_type AS ty FROM information_schema.columns " +
            `WHERE table_schema = DATABASE() ORDER BY table_name, ordinal_position LIMIT ${most}`
          : "SELECT '' AS s, m.name AS t, p.name AS c, p.type AS ty FROM sqlite_master m JOIN pragma_table_info(m.name) p " +
            `WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY m.name, p.cid LIMIT ${most}`;
    const a = await within(this.run(conn, [{ text, params: [] }], opts), opts.timeoutMs);
    if (a.failure) return { failure: a.failure };
    const rows = a.results[0]?.rows ?? [];
    return { driver, ...schemaOf(rows, driver === "postgres", rows.length >= most) };
  }

  /**
   * The file of an embedded database (undefined: in memory), always inside the project's data
   * folder: a project may not name a file elsewhere (saving a database replaces its file, so a
   * deployed project could otherwise overwrite any file the engine may write).
   */
  sqliteFile(project: string, connector: string, file: string | undefined): string | undefined {
    if (file === ":memory:") return undefined;
    const folder = path.join(this.dataDir, project);
    if (file === undefined) return path.join(folder, `${connector}.sqlite`);
    const resolved = path.resolve(folder, file);
    if (path.isAbsolute(file) || !resolved.startsWith(folder + path.sep)) {
      throw new SqlUrlError(
        `the embedded database file "${file}" must be a name inside the workspace's data folder (.atelier/sql/${project}/), e.g. sqlite:app.db`,
      );
    }
    return resolved;
  }

  private poolFor(conn: SqlConnection, target: SqlTarget): { key: string; make: () => Promise<SqlPool> } {
    if (target.driver === "sqlite") {
      const file = this.sqliteFile(conn.project, conn.connector, target.file);
      return {
        key: file ? `sqlite:${file}` : `sqlite-memory:${conn.project}/${conn.connector}`,
        make: async () => new (await import("./sqlite-pool.ts")).SqlitePool(file),
      };
    }
    // The password is part of the key (a changed secret makes a new pool), hashed: keys are not secret.
    const secret = createHash("sha256").update(conn.password).digest("hex").slice(0, 16);
    const key = JSON.stringify([
      conn.project,
      conn.connector,
      conn.url,
      conn.user,
      secret,
      conn.poolSize,
      conn.connectTimeoutMs,
    ]);
    const t = {
      host: target.host,
      port: target.port,
      database: target.database,
      user: conn.user,
      password: conn.password,
      poolSize: conn.poolSize,
      connectTimeoutMs: conn.connectTimeoutMs,
    };
    return {
      key,
      make:
        target.driver === "postgres"
          ? async () => new (await import("./pg-driver.ts")).PgPool(t)
          : async () => new (await import("./mysql-driver.ts")).MysqlPool(t),
    };
  }

  /** Closes a project's pools (it reloaded or went away); the next query opens new ones. */
  async closeProject(project: string | undefined, all = false): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const [key, entry] of this.pools) {
      if (project !== undefined && entry.project !== project) continue;
      // A run inside a transaction keeps its pool (its next statements need that connection); the
      // pool closes at the next reload or with the engine.
      if (!all && entry.made?.holds()) continue;
      this.pools.delete(key);
      closing.push(entry.pool.then((p) => p.close()).catch(() => {}));
    }
    await Promise.all(closing);
  }

  /** Closes every pool. */
  close(): Promise<void> {
    return this.closeProject(undefined, true);
  }
}

/** Rows of (s: schema, t: table, c: column, ty: type), in table order, as tables of columns within the limits. */
function schemaOf(
  rows: readonly Record<string, unknown>[],
  withSchema: boolean,
  cut: boolean,
): Pick<SqlSchema, "tables" | "truncated"> {
  const tables: SqlSchema["tables"] = [];
  let truncated = cut;
  let last: SqlSchema["tables"][number] | undefined;
  let lastKey = "";
  for (const r of rows) {
    const key = `${String(r.s)}\u0000${String(r.t)}`;
    if (key !== lastKey) {
      lastKey = key;
      if (tables.length >= SQL_SCHEMA_LIMITS.tables) {
        truncated = true;
        break;
      }
      last = { name: String(r.t), ...(withSchema ? { schema: String(r.s) } : {}), columns: [] };
      tables.push(last);
    }
    if (last!.columns.length >= SQL_SCHEMA_LIMITS.columns) last!.truncated = true;
    else last!.columns.push({ name: String(r.c), type: String(r.ty ?? "").toLowerCase() });
  }
  return { tables, truncated };
}

/**
 * A Studio question's answer within its time limit (and a moment, so the driver's own, more
 * precise, error wins): the query's limit starts once it has a connection, and the embedded
 * database may be held by a run's open transaction (a paused debugger) for as long as it likes.
 */
async function within(answer: Promise<DriverAnswer>, timeoutMs: number): Promise<DriverAnswer> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<DriverAnswer>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          results: [],
          failure: {
            kind: "timeout",
            message: `no answer within ${timeoutMs} ms (the database is unreachable, or busy with a run's open transaction)`,
          },
        }),
      timeoutMs + 250,
    );
  });
  try {
    return await Promise.race([answer, late]);
  } finally {
    clearTimeout(timer);
  }
}
