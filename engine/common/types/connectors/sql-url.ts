/**
 * The database URL of a SQL connector, read into the driver that serves it. Convertigo's JDBC
 * forms are mapped to the nearest driver Atelier has: PostgreSQL (pg), MySQL/MariaDB (mysql2),
 * and the embedded SQLite (sql.js) for jdbc:sqlite: and HSQLDB's file and memory databases.
 */

/** Which driver runs a connector's queries. */
export type SqlDriver = "postgres" | "mysql" | "sqlite";

/** A connector's database, as the engine's SQL service opens it. */
export type SqlTarget =
  | { driver: "postgres" | "mysql"; host: string; port: number; database: string; params: Record<string, string> }
  /**
   * `file`: a path (relative ones are read from the project's SQL data folder), ":memory:" for
   * a database that lives as long as the engine, or undefined for the connector's own file.
   */
  | { driver: "sqlite"; file: string | undefined };

/** A URL the SQL connector cannot use (with the reason, for the Studio and the run's error). */
export class SqlUrlError extends Error {}

/** Reads a database URL; an empty one is the embedded default. Throws a SqlUrlError. */
export function parseSqlUrl(raw: string): SqlTarget {
  const text = raw.trim();
  if (text === "") return { driver: "sqlite", file: undefined };
  const lower = text.toLowerCase();
  const jdbc = lower.startsWith("jdbc:");
  const rest = jdbc ? text.slice(5) : text;
  const restLower = rest.toLowerCase();
  if (restLower.startsWith("sqlite:")) return sqliteTarget(rest.slice(7));
  if (restLower.startsWith("hsqldb:")) {
    const h = rest.slice(7);
    const hl = h.toLowerCase();
    if (hl.startsWith("mem:")) return { driver: "sqlite", file: ":memory:" };
    if (hl.startsWith("file:")) {
      // HSQLDB's file database (.//hsqldb of Convertigo's template projects): an SQLite file of that name.
      const name = h
        .slice(5)
        .split(";")[0]!
        .replace(/^(\.\/+)+/, "")
        .replace(/[/\\]+$/, "");
      return { driver: "sqlite", file: name === "" ? undefined : `${name}.sqlite` };
    }
    throw new SqlUrlError(
      `HSQLDB servers (${text}) are not supported: use PostgreSQL, MySQL/MariaDB, or the embedded SQLite (an empty URL)`,
    );
  }
  const m = /^(postgres|postgresql|mysql|mariadb):\/\/(.*)$/i.exec(rest);
  if (!m) {
    throw new SqlUrlError(
      `Unsupported database URL "${text}": give postgres://host:port/db, mysql://host:port/db, sqlite:file, their jdbc: forms, or nothing for the embedded database`,
    );
  }
  const driver: SqlDriver = /^postgres/i.test(m[1]!) ? "postgres" : "mysql";
  let url: URL;
  try {
    url = new URL(`${driver === "postgres" ? "postgres" : "mysql"}://${m[2]!}`);
  } catch {
    throw new SqlUrlError(`Database URL "${text}" is not a valid URL`);
  }
  if (url.username || url.password) {
    throw new SqlUrlError("Give the user and the password in the connector's User and Password, not in the URL");
  }
  const params: Record<string, string> = {};
  url.searchParams.forEach((v, k) => (params[k] = v));
  // JDBC options after ';' (jdbc:mysql://h/db;foo=bar) are dropped with the database name.
  const database = decodeURIComponent(url.pathname.replace(/^\//, "")).split(";")[0]!;
  const defaultPort = driver === "postgres" ? 5432 : 3306;
  return {
    driver,
    host: url.hostname.replace(/^\[|\]$/g, "") || "localhost",
    port: url.port ? Number(url.port) : defaultPort,
    database,
    params,
  };
}

function sqliteTarget(spec: string): SqlTarget {
  let file = spec.replace(/^\/\/(?=\/)/, "").split("?")[0]!;
  if (file === "" || file === ":memory:" || file === "memory:") return { driver: "sqlite", file: ":memory:" };
  if (file.startsWith("file:")) file = file.slice(5);
  return { driver: "sqlite", file };
}

/** The driver of a URL, or undefined when the URL is not usable. */
export function sqlDriverOf(raw: string): SqlDriver | undefined {
  try {
    return parseSqlUrl(raw).driver;
  } catch {
    return undefined;
  }
}
