/**
 * Effects of the types whose effects depend on their properties (TypeDef.effects): a SQL query
 * that only reads, an HTTP call with a safe method. Pure functions, no Node, no DOM.
 */
import type { ObjNode } from "../model/node.ts";
import type { Effects } from "../model/typedef.ts";
import { splitStatements } from "../types/connectors/sql-query.ts";

/** Statements that only read: SELECT (not SELECT ... INTO, which makes a table), VALUES, SHOW, EXPLAIN, DESCRIBE. */
const READ_STATEMENT = /^\s*\(*\s*(select|values|show|explain|describe|desc|table)\b/i;
/** What makes a WITH write: a data-changing part (`WITH x AS (DELETE ... RETURNING *) SELECT ...`). */
const CHANGING_PART = /\b(insert|update|delete|merge)\b/i;

/**
 * A SQL query's effects: "none" when every statement only reads (SELECT, or WITH ... SELECT with
 * no data-changing part), "write" otherwise. Strings, quoted names and comments are left out
 * before looking (a 'delete' in a string is text). An empty query does nothing.
 */
export function sqlEffects(query: string): Effects {
  for (const statement of splitStatements(query, "postgres")) {
    const code = statement
      .filter((s) => s.code)
      .map((s) => s.text)
      .join(" ");
    const withQuery = /^\s*with\b/i.test(code);
    if (!withQuery && !READ_STATEMENT.test(code)) return "write";
    // EXPLAIN ANALYZE runs the statement; SELECT ... INTO makes a table (or a file).
    if (/^\s*explain\b[^;]*\banalyze\b/i.test(code) || /\binto\b/i.test(code)) return "write";
    // `FOR UPDATE` locks rows but changes none.
    if (withQuery && CHANGING_PART.test(code.replace(/\bfor\s+(no\s+key\s+)?(update|share)\b/gi, " "))) return "write";
  }
  return "none";
}

/** An HTTP transaction's effects: GET and HEAD are safe methods (RFC 9110), any other may write. */
export function httpVerbEffects(node: ObjNode): Effects {
  const verb = String(node.props.verb ?? "GET").toUpperCase();
  return verb === "GET" || verb === "HEAD" ? "none" : "write";
}
