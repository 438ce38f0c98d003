import type { SqlConnection, SqlSchema, SqlService, SqlTestResult } from "../../common/model/typedef.ts";
import type { Engine } from "../engine.ts";
import { connectorForAction } from "./connector-props.ts";
import { StudioError } from "./studio-service.ts";

/**
 * The Studio's actions on a SQL connector: "Test connection" and the schema its query editors
 * complete from. Both open the connector's database as its transactions do (settings resolved,
 * the same pool), within the connector's time limits; a password never reaches the answer.
 */
function connectorOf(
  engine: Engine,
  project: string,
  connectorId: string,
): { conn: SqlConnection; connectMs: number; queryMs: number; sql: Required<SqlService> } {
  const { connector, prop } = connectorForAction(engine, project, connectorId, "SqlConnector", "SQL");
  const num = (name: string, dflt: number) => {
    const v = Number(prop(name) ?? dflt);
    return Number.isFinite(v) && v > 0 ? v : dflt;
  };
  const sql = engine.services.sql;
  if (!sql?.test || !sql.schema) throw new StudioError(501, "sql_unavailable", "This engine has no SQL service");
  return {
    conn: {
      project,
      connector: connector.name,
      url: String(prop("url") ?? ""),
      user: String(prop("user") ?? ""),
      password: String(prop("password") ?? ""),
      poolSize: num("poolSize", 5),
      connectTimeoutMs: num("connectTimeoutMs", 10000),
    },
    connectMs: num("connectTimeoutMs", 10000),
    queryMs: num("queryTimeoutMs", 30000),
    sql: sql as Required<SqlService>,
  };
}

/** A database's message with the password masked (a driver may echo what it was given). */
export function masked(message: string, password: string): string {
  return password === "" ? message : message.split(password).join("***");
}

/** Opens the connector's database and asks its version: ok and the version, or the database's error. */
export async function testSqlConnection(engine: Engine, project: string, connectorId: string): Promise<SqlTestResult> {
  const { conn, connectMs, sql } = connectorOf(engine, project, connectorId);
  const r = await sql.test(conn, { timeoutMs: connectMs });
  return r.ok ? r : { ...r, message: masked(r.message, conn.password) };
}

/** The connected schema's tables and columns (bounded), or the database's error as a 502. */
export async function sqlSchema(engine: Engine, project: string, connectorId: string): Promise<SqlSchema> {
  const { conn, queryMs, sql } = connectorOf(engine, project, connectorId);
  const r = await sql.schema(conn, { timeoutMs: queryMs });
  if ("failure" in r) {
    const { kind, message } = r.failure;
    throw new StudioError(
      kind === "timeout" ? 504 : 502,
      kind === "connect" ? "sql_connect" : kind === "timeout" ? "sql_timeout" : "sql_error",
      `Connector ${conn.connector}: ${masked(message, conn.password)}`,
    );
  }
  return r;
}
