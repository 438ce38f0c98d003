/**
 * The Studio's SQL helpers, pure (unit-tested by sql-model.test.ts): what "Test connection" says,
 * the completion items of a query editor from the connected schema, and the table view of a run's
 * rows.
 */
import type { SqlSchema, SqlTestResult } from "../../engine/common/model/typedef.ts";

/** What the Studio says after testing a connector's connection. */
export function sqlTestMessage(connector: string, r: SqlTestResult): string {
  if (r.ok) return `${connector}: connected in ${r.ms} ms — ${r.version}`;
  return `${connector}: cannot connect (${r.kind}${r.code ? ` ${r.code}` : ""}): ${r.message}`;
}

/** A completion item, as the editor's provider turns it into Monaco's. */
export interface SqlCompletion {
  label: string;
  kind: "table" | "column";
  detail: string;
  insertText: string;
  /** Sorts tables before columns, each by name. */
  sortText: string;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** A name as SQL text: quoted when it is not a plain identifier. */
function sqlName(name: string): string {
  return IDENT.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/**
 * The tables named by an alias in a query (`FROM orders o`, `JOIN items AS i`), and each table
 * by its own name, lower-cased.
 */
export function sqlAliases(query: string): Map<string, string> {
  const out = new Map<string, string>();
  const re =
    /\b(?:FROM|JOIN|UPDATE|INTO)\s+(?:[A-Za-z_][\w$]*\.)?([A-Za-z_][\w$]*)(?:\s+(?:AS\s+)?([A-Za-z_][\w$]*))?/gi;
  const keywords = new Set([
    "where",
    "on",
    "join",
    "left",
    "right",
    "inner",
    "outer",
    "full",
    "cross",
    "set",
    "values",
    "group",
    "order",
    "limit",
    "using",
    "natural",
    "union",
    "select",
  ]);
  for (const m of query.matchAll(re)) {
    const table = m[1]!;
    const alias = m[2];
    out.set(table.toLowerCase(), table);
    if (alias && !keywords.has(alias.toLowerCase())) out.set(alias.toLowerCase(), table);
  }
  return out;
}

/**
 * What to offer at the caret: after `name.` the columns of that table (or of the table that
 * alias names); elsewhere the tables, then every column (with its table in the detail).
 */
export function sqlCompletions(schema: Pick<SqlSchema, "tables">, before: string, query = before): SqlCompletion[] {
  const dotted = /([A-Za-z_][\w$]*)\.([\w$]*)$/.exec(before);
  const byName = new Map(schema.tables.map((t) => [t.name.toLowerCase(), t]));
  const column = (table: string, c: { name: string; type: string }, rank: string): SqlCompletion => ({
    label: c.name,
    kind: "column",
    detail: `${table}.${c.name} ${c.type}`.trim(),
    insertText: sqlName(c.name),
    sortText: `${rank}${c.name.toLowerCase()}`,
  });
  if (dotted) {
    const word = dotted[1]!.toLowerCase();
    const table = byName.get(word) ?? byName.get(sqlAliases(query).get(word)?.toLowerCase() ?? "");
    if (table) return table.columns.map((c) => column(table.name, c, "0"));
    // A schema name (PostgreSQL): its tables.
    const inSchema = schema.tables.filter((t) => t.schema?.toLowerCase() === word);
    if (inSchema.length > 0) return inSchema.map((t) => tableItem(t));
    return [];
  }
  const items: SqlCompletion[] = schema.tables.map((t) => tableItem(t));
  const seen = new Set<string>();
  for (const t of schema.tables) {
    for (const c of t.columns) {
      const key = `${c.name}\u0000${t.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      items.push(column(t.name, c, "1"));
    }
  }
  return items;
}

function tableItem(t: SqlSchema["tables"][number]): SqlCompletion {
  return {
    label: t.name,
    kind: "table",
    detail: `${t.schema && t.schema !== "public" ? `${t.schema}.` : ""}table (${t.columns.length}${t.truncated ? "+" : ""} columns)`,
    insertText: sqlName(t.name),
    sortText: `0${t.name.toLowerCase()}`,
  };
}

/** The rows of a run's output shown as a table: where they are, their columns, the first ones. */
export interface RowsTable {
  /** Where the rows are in the output ("" for the output itself, "rows", "results[1].rows"). */
  path: string;
  columns: string[];
  /** The first rows, each as cell texts in the columns' order. */
  rows: string[][];
  /** How many rows there are in all. */
  total: number;
}

/** Rows shown at most in the table view. */
export const TABLE_ROWS = 200;

function isFlatRow(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  return Object.values(v).every((x) => x === null || typeof x !== "object");
}

/** An array of flat objects (a SQL transaction's rows); an empty array is no table. */
function isRows(v: unknown): v is Record<string, unknown>[] {
  return Array.isArray(v) && v.length > 0 && v.every(isFlatRow);
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return v === null ? "NULL" : "";
  return typeof v === "string" ? v : JSON.stringify(v);
}

/**
 * The first array of flat objects in an output: the output itself, one of its keys (`rows`
 * first), or the rows of one of its `results`; undefined when there is none.
 */
export function rowsTable(output: unknown, limit = TABLE_ROWS): RowsTable | undefined {
  const found = findRows(output);
  if (!found) return undefined;
  const columns: string[] = [];
  const known = new Set<string>();
  const shown = found.rows.slice(0, limit);
  for (const r of shown)
    for (const k of Object.keys(r))
      if (!known.has(k)) {
        known.add(k);
        columns.push(k);
      }
  return {
    path: found.path,
    columns,
    rows: shown.map((r) => columns.map((c) => cell(r[c]))),
    total: found.rows.length,
  };
}

function findRows(output: unknown): { path: string; rows: Record<string, unknown>[] } | undefined {
  if (isRows(output)) return { path: "", rows: output };
  if (output === null || typeof output !== "object" || Array.isArray(output)) return undefined;
  const obj = output as Record<string, unknown>;
  const keys = Object.keys(obj).sort((a, b) => (a === "rows" ? -1 : b === "rows" ? 1 : 0));
  for (const k of keys) if (isRows(obj[k])) return { path: k, rows: obj[k] as Record<string, unknown>[] };
  const results = obj.results;
  if (Array.isArray(results)) {
    for (const [i, r] of results.entries()) {
      const rows = (r as { rows?: unknown } | null)?.rows;
      if (isRows(rows)) return { path: `results[${i}].rows`, rows };
    }
  }
  return undefined;
}
