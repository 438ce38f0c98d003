import { describe, expect, it } from "vitest";
import { parseSqlUrl, SqlUrlError } from "./sql-url.ts";

describe("parseSqlUrl", () => {
  it("an empty URL is the embedded database", () => {
    expect(parseSqlUrl("")).toEqual({ driver: "sqlite", file: undefined });
    expect(parseSqlUrl("  ")).toEqual({ driver: "sqlite", file: undefined });
  });

  it("reads PostgreSQL and MySQL/MariaDB URLs, plain and JDBC", () => {
    const pg = { driver: "postgres", host: "db.example.com", port: 5433, database: "shop", params: {} };
    expect(parseSqlUrl("postgres://db.example.com:5433/shop")).toEqual(pg);
    expect(parseSqlUrl("postgresql://db.example.com:5433/shop")).toEqual(pg);
    expect(parseSqlUrl("jdbc:postgresql://db.example.com:5433/shop")).toEqual(pg);
    expect(parseSqlUrl("jdbc:postgresql://h/db")).toMatchObject({ port: 5432, host: "h" });
    expect(parseSqlUrl("jdbc:mysql://h:3307/db?useSSL=false")).toEqual({
      driver: "mysql",
      host: "h",
      port: 3307,
      database: "db",
      params: { useSSL: "false" },
    });
    expect(parseSqlUrl("jdbc:mariadb://h/db")).toMatchObject({ driver: "mysql", port: 3306 });
    expect(parseSqlUrl("mysql://[::1]/db")).toMatchObject({ host: "::1" });
  });

  it("maps SQLite and HSQLDB files to the embedded SQLite", () => {
    expect(parseSqlUrl("sqlite:data/app.db")).toEqual({ driver: "sqlite", file: "data/app.db" });
    expect(parseSqlUrl("jdbc:sqlite:/var/app.db")).toEqual({ driver: "sqlite", file: "/var/app.db" });
    expect(parseSqlUrl("sqlite::memory:")).toEqual({ driver: "sqlite", file: ":memory:" });
    expect(parseSqlUrl("jdbc:hsqldb:file:.//hsqldb")).toEqual({ driver: "sqlite", file: "hsqldb.sqlite" });
    expect(parseSqlUrl("jdbc:hsqldb:mem:test")).toEqual({ driver: "sqlite", file: ":memory:" });
  });

  it("refuses what it cannot serve, saying why", () => {
    expect(() => parseSqlUrl("jdbc:hsqldb:hsql://h/db")).toThrow(/HSQLDB servers/);
    expect(() => parseSqlUrl("jdbc:oracle:thin:@h:1521:x")).toThrow(SqlUrlError);
    expect(() => parseSqlUrl("postgres://u:p@h/db")).toThrow(/User and Password/);
  });
});
