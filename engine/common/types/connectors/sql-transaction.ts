import { sqlEffects } from "../../api/effects.ts";
import type { SqlStatementResult } from "../../model/typedef.ts";
import { defineType } from "../../model/typedef.ts";
import { commentProp, requestableProps } from "../shared-props.ts";
import { bindQuery, placeholderNames, SqlQueryError, type BoundStatement } from "./sql-query.ts";
import { parseSqlUrl, SqlUrlError } from "./sql-url.ts";

/** How a transaction's rows are answered (see the outputMode property). */
export type SqlOutputMode = "rows" | "flat" | "grouped";

export const sqlTransactionType = defineType({
  type: "SqlTransaction",
  label: "SQL transaction",
  category: "transaction",
  effects: (node) => sqlEffects(String(node.props.sqlQuery ?? "")),
  icon: "transaction",
  description:
    "SQL statements run on the connector's database, with {variable} placeholders bound as parameters; answers the rows as JSON objects, or the number of rows changed.",
  accepts: ["Variable", "TestCase"],
  onlyIn: ["SqlConnector"],
  props: [
    commentProp,
    ...requestableProps,
    {
      name: "sqlQuery",
      label: "SQL query",
      kind: "text",
      default: "",
      help:
        "One or more statements separated by ;. {name} is the value of the variable name, always sent as a parameter, never written into the SQL (so a value cannot change the query); " +
        "a list variable in IN ({ids}) gives one parameter per element. A {name} inside quotes or a comment is text. Empty: the transaction does nothing. " +
        "A transaction begun in one step (BEGIN) and committed in a later one (COMMIT) stays on one connection; it is rolled back if the sequence ends or fails before.",
      group: "Query",
      variableNames: "template",
      language: "sql",
    },
    {
      name: "outputMode",
      label: "Output",
      kind: "enum",
      values: ["rows", "flat", "grouped"],
      default: "rows",
      help:
        "rows: {rows: [{column: value}...]} (and {affectedRows} for statements that change rows; several statements: {results: [...]}). " +
        "flat: the rows of the last query, as an array of objects. grouped: rows with the same values in the Group by columns gathered as {...those columns, rows: [the other columns]}.",
      group: "Output",
    },
    {
      name: "groupBy",
      label: "Group by",
      kind: "stringList",
      default: [],
      help: "For the grouped output: the columns whose values make a group (none: the first column).",
      group: "Output",
    },
    {
      name: "maxRows",
      label: "Most rows",
      kind: "integer",
      default: 0,
      min: 0,
      help: "Rows beyond this number are left out of the answer (which then says truncated: true). 0: every row.",
      group: "Output",
    },
    {
      name: "timeoutMs",
      label: "Query time limit (ms)",
      kind: "integer",
      default: 0,
      min: 0,
      max: 3600000,
      help: "Statements not done in this time are cancelled in the database. 0: the connector's time limit.",
      group: "Query",
    },
    {
      name: "isDefault",
      label: "Default transaction",
      kind: "boolean",
      default: false,
      help: "Used by HTTP calls that name the connector but no transaction.",
    },
  ],
  check: (node) =>
    sqlQueryProblems(
      node.props.sqlQuery,
      new Set(node.children.filter((c) => c.type === "Variable").map((c) => c.name)),
    ),
  execute: async (tx, connector, ctx) => {
    const label = `${connector.name}.${tx.name}`;
    // Read as written: ${...} in SQL is SQL (PostgreSQL's dollar quotes), not a setting.
    const query = typeof tx.props.sqlQuery === "string" ? tx.props.sqlQuery : "";
    // Convertigo's template projects carry "void" SQL transactions that do nothing: no query, no connection.
    if (query.trim() === "") return { data: {} };
    const url = String(ctx.prop(connector, "url") ?? "");
    let driver;
    try {
      driver = parseSqlUrl(url).driver;
    } catch (e) {
      if (e instanceof SqlUrlError)
        return ctx.fail("sql_url", `Connector "${connector.name}": ${e.message}`, undefined, 500);
      throw e;
    }
    let statements: BoundStatement[];
    try {
      statements = bindQuery(query, ctx.vars, driver);
    } catch (e) {
      if (e instanceof SqlQueryError)
        return ctx.fail("sql_query", `Transaction ${label}: ${e.message}`, undefined, 500);
      throw e;
    }
    const sql = ctx.services.sql;
    if (!sql)
      return ctx.fail("sql_unavailable", `Transaction ${label}: this engine has no SQL service`, undefined, 501);
    ctx.input(
      "statements",
      statements.map((s) => ({ sql: s.text, params: s.params })),
    );
    const num = (node: typeof tx, name: string, dflt: number) => {
      const v = Number(ctx.prop(node, name) ?? dflt);
      return Number.isFinite(v) && v > 0 ? v : dflt;
    };
    const txTimeout = num(tx, "timeoutMs", 0);
    const timeoutMs = txTimeout > 0 ? txTimeout : num(connector, "queryTimeoutMs", 30000);
    const { results, failure } = await sql.run(
      {
        project: ctx.project ?? "",
        connector: connector.name,
        url,
        user: String(ctx.prop(connector, "user") ?? ""),
        password: String(ctx.prop(connector, "password") ?? ""),
        poolSize: num(connector, "poolSize", 5),
        connectTimeoutMs: num(connector, "connectTimeoutMs", 10000),
      },
      statements,
      { timeoutMs, signal: ctx.signal, ...(ctx.scope ? { scope: ctx.scope } : {}) },
    );
    if (failure) {
      const st = failure.statement !== undefined ? statements[failure.statement] : undefined;
      const details = {
        ...(st ? { statement: st.source, index: failure.statement } : {}),
        ...(failure.position !== undefined ? { position: failure.position } : {}),
        ...(failure.code !== undefined ? { code: failure.code } : {}),
      };
      const where = st && statements.length > 1 ? ` (statement ${failure.statement! + 1})` : "";
      const at = failure.position !== undefined ? ` at character ${failure.position}` : "";
      switch (failure.kind) {
        case "connect":
          return ctx.fail("sql_connect", `Connector "${connector.name}": ${failure.message}`, details, 502);
        case "timeout":
          return ctx.fail("sql_timeout", `Transaction ${label}: ${failure.message}`, details, 504);
        case "stopped":
          return ctx.fail("stopped", `Transaction ${label}: ${failure.message}`, details, 500);
        default:
          return ctx.fail("sql_error", `Transaction ${label}${where}: ${failure.message}${at}`, details, 500);
      }
    }
    const mode = String(ctx.prop(tx, "outputMode") ?? "rows") as SqlOutputMode;
    const groupBy = (ctx.prop<string[]>(tx, "groupBy") ?? []).filter((c) => typeof c === "string" && c !== "");
    return { data: shapeSqlOutput(results, mode, groupBy, num(tx, "maxRows", 0)) };
  },
});

/** The answer of a transaction's statements in an output mode (see the outputMode property). */
export function shapeSqlOutput(
  results: readonly SqlStatementResult[],
  mode: SqlOutputMode,
  groupBy: readonly string[],
  maxRows: number,
): unknown {
  const limit = (rows: Record<string, unknown>[]) =>
    maxRows > 0 && rows.length > maxRows ? { rows: rows.slice(0, maxRows), truncated: true } : { rows };
  if (mode === "flat") {
    const last = [...results].reverse().find((r) => r.rows);
    return last?.rows ? limit(last.rows).rows : [];
  }
  const one = (r: SqlStatementResult): Record<string, unknown> => {
    if (!r.rows) return { affectedRows: r.affectedRows ?? 0 };
    const { rows, truncated } = limit(r.rows);
    const out: Record<string, unknown> =
      mode === "grouped"
        ? { groups: groupRows(rows, groupBy.length ? groupBy : (r.columns ?? []).slice(0, 1)) }
        : { rows };
    if (truncated) out.truncated = true;
    return out;
  };
  return results.length === 1 ? one(results[0]!) : { results: results.map(one) };
}

/** Rows gathered by the values of some columns, in the order groups first appear. */
export function groupRows(rows: readonly Record<string, unknown>[], by: readonly string[]): Record<string, unknown>[] {
  const groups = new Map<string, Record<string, unknown> & { rows: Record<string, unknown>[] }>();
  for (const row of rows) {
    const keyValues: Record<string, unknown> = {};
    const rest: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) {
      if (by.includes(k)) keyValues[k] = v;
      else rest[k] = v;
    }
    const key = JSON.stringify(by.map((c) => keyValues[c] ?? null));
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ...keyValues, rows: [] }));
    g.rows.push(rest);
  }
  return [...groups.values()];
}

/**
 * What is wrong with a query before it runs: placeholders naming no variable of the transaction,
 * and Convertigo's {{name}} text substitution (refused). Read in SQLite's dialect (the connector's
 * URL may be a setting): a placeholder inside a MySQL # comment may be reported needlessly.
 */
export function sqlQueryProblems(query: unknown, variables: ReadonlySet<string>): string[] {
  if (typeof query !== "string" || query === "") return [];
  const problems: string[] = [];
  if (/\{\{[A-Za-z_][A-Za-z0-9_]*\}\}/.test(query)) {
    problems.push(
      "SQL query: {{name}} would write a value into the SQL text; Atelier binds every value as a parameter: write {name}",
    );
  }
  const unknown = placeholderNames(query, "sqlite").filter((n) => !variables.has(n));
  if (unknown.length > 0) {
    problems.push(
      `SQL query: ${unknown.map((n) => `{${n}}`).join(", ")} ${unknown.length > 1 ? "are" : "is"} no variable of the transaction: add ${unknown.length > 1 ? "them" : "it"} as variables`,
    );
  }
  return problems;
}
