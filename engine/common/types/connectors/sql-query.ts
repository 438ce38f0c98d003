import type { SqlDriver } from "./sql-url.ts";

/**
 * A SQL transaction's query text made into statements the driver runs: split at the `;` that
 * end statements, and Convertigo's `{variable}` placeholders turned into the driver's parameter
 * markers ($1 for PostgreSQL, ? for MySQL and SQLite) with the values beside them. A value never
 * becomes SQL text: that is what makes injection impossible by construction. Quotes, quoted
 * identifiers, comments and PostgreSQL's dollar quotes are skipped, so a `;` or a `{name}` inside
 * them is text, not syntax.
 */

/** One statement ready for a driver: text with parameter markers, and the values in order. */
export interface BoundStatement {
  text: string;
  params: unknown[];
  /** The statement as written (with its {placeholders}), for errors. */
  source: string;
}

/** A query the transaction refuses (an unknown variable, Convertigo's {{text}} substitution). */
export class SqlQueryError extends Error {}

type Segment = { code: boolean; text: string };

/** Cuts a query into code and non-code (strings, quoted names, comments) segments. */
export function scanSql(sql: string, driver: SqlDriver): Segment[] {
  const out: Segment[] = [];
  let code = "";
  let i = 0;
  const n = sql.length;
  const flushCode = () => {
    if (code !== "") out.push({ code: true, text: code });
    code = "";
  };
  const other = (end: number) => {
    flushCode();
    out.push({ code: false, text: sql.slice(i, end) });
    i = end;
  };
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === "-" && next === "-") {
      other(lineEnd(sql, i));
    } else if (c === "#" && driver === "mysql") {
      other(lineEnd(sql, i));
    } else if (c === "/" && next === "*") {
      const end = sql.indexOf("*/", i + 2);
      other(end < 0 ? n : end + 2);
    } else if (c === "'" || c === '"' || (c === "`" && driver === "mysql")) {
      // Backslash escapes: MySQL's strings, PostgreSQL's E'...' strings.
      const prev = sql[i - 1];
      const eString = driver === "postgres" && (prev === "E" || prev === "e") && !/[A-Za-z0-9_]/.test(sql[i - 2] ?? "");
      other(quoteEnd(sql, i, c, (driver === "mysql" && c !== "`") || eString));
    } else if (c === "$" && driver === "postgres") {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64));
      if (m && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? "")) {
        const end = sql.indexOf(m[0], i + m[0].length);
        other(end < 0 ? n : end + m[0].length);
      } else {
        code += c;
        i++;
      }
    } else {
      code += c;
      i++;
    }
  }
  flushCode();
  return out;
}

function lineEnd(sql: string, from: number): number {
  const end = sql.indexOf("\n", from);
  return end < 0 ? sql.length : end;
}

function quoteEnd(sql: string, from: number, q: string, backslash: boolean): number {
  let i = from + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (backslash && c === "\\") {
      i += 2;
    } else if (c === q) {
      if (sql[i + 1] === q) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  return sql.length;
}

/**
 * The statements of a query, split at the `;` outside strings and comments; empty ones dropped.
 * A trigger, procedure or function whose body is a BEGIN ... END block (SQLite's triggers,
 * MySQL's routines) is one statement: its inner `;` split nothing until its blocks are closed.
 */
export function splitStatements(sql: string, driver: SqlDriver): Segment[][] {
  const statements: Segment[][] = [];
  let current: Segment[] = [];
  let code = "";
  for (const seg of scanSql(sql, driver)) {
    if (!seg.code) {
      current.push(seg);
      continue;
    }
    let rest = seg.text;
    for (;;) {
      const at = rest.indexOf(";");
      if (at < 0) break;
      const before = rest.slice(0, at);
      code += before;
      if (insideBlock(code)) {
        current.push({ code: true, text: before + ";" });
        code += ";";
      } else {
        if (before !== "") current.push({ code: true, text: before });
        statements.push(current);
        current = [];
        code = "";
      }
      rest = rest.slice(at + 1);
    }
    if (rest !== "") {
      current.push({ code: true, text: rest });
      code += rest;
    }
  }
  statements.push(current);
  // A statement of comments and blanks only is no statement.
  return statements.filter((st) => st.some((s) => s.code && s.text.trim() !== ""));
}

const ROUTINE =
  /^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:DEFINER\s*=\s*\S+\s+)?(?:TEMP\s+|TEMPORARY\s+)?(?:TRIGGER|PROCEDURE|FUNCTION|EVENT)\b/i;

/** Is a statement's code so far (strings and comments left out) a routine whose BEGIN blocks are open? */
function insideBlock(code: string): boolean {
  if (!ROUTINE.test(code)) return false;
  const opens = (code.match(/\b(?:BEGIN|CASE)\b/gi) ?? []).length;
  const closes = (code.match(/\bEND\b(?!\s+(?:IF|LOOP|WHILE|REPEAT)\b)/gi) ?? []).length;
  return opens > closes;
}

const PLACEHOLDER = /\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The names of the {variable} placeholders of a query (outside strings and comments), in order. */
export function placeholderNames(sql: string, driver: SqlDriver): string[] {
  const names: string[] = [];
  for (const seg of scanSql(sql, driver)) {
    if (!seg.code) continue;
    for (const m of seg.text.matchAll(PLACEHOLDER)) {
      const name = (m[1] ?? m[2])!;
      if (!names.includes(name)) names.push(name);
    }
  }
  return names;
}

/**
 * The query's statements bound to the variables: each `{name}` becomes one parameter, or one
 * per element for a list (`IN ({ids})`; an empty list becomes NULL, which matches nothing).
 * Throws a SqlQueryError for a name that is no variable, or a `{{name}}` (Convertigo spliced
 * those into the text: Atelier never does).
 */
export function bindQuery(sql: string, vars: Record<string, unknown>, driver: SqlDriver): BoundStatement[] {
  return splitStatements(sql, driver).map((segments) => {
    const params: unknown[] = [];
    const marker = () => (driver === "postgres" ? `$${params.length}` : "?");
    let text = "";
    let source = "";
    for (const seg of segments) {
      source += seg.text;
      if (!seg.code) {
        text += seg.text;
        continue;
      }
      text += seg.text.replace(PLACEHOLDER, (_all, spliced: string | undefined, name: string | undefined) => {
        if (spliced !== undefined) {
          throw new SqlQueryError(
            `{{${spliced}}} would write the variable's value into the SQL text; Atelier binds every value as a parameter: write {${spliced}}`,
          );
        }
        const key = name!;
        if (!Object.hasOwn(vars, key)) {
          throw new SqlQueryError(`{${key}} is not a variable of the transaction: add a variable named ${key}`);
        }
        const value = vars[key];
        if (Array.isArray(value)) {
          if (value.length === 0) return "NULL";
          return value
            .map((v) => {
              params.push(sqlValue(v, driver, true));
              return marker();
            })
            .join(", ");
        }
        params.push(sqlValue(value, driver, false));
        return marker();
      });
    }
    return { text: text.trim(), params, source: source.trim() };
  });
}

/** A variable's value as a driver parameter (objects as JSON text; booleans as 1/0 for SQLite). */
function sqlValue(v: unknown, driver: SqlDriver, inList: boolean): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === "boolean") return driver === "sqlite" ? (v ? 1 : 0) : v;
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number" || typeof v === "string") return v;
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v) && !inList) return JSON.stringify(v);
  return JSON.stringify(v);
}
