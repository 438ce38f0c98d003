import path from "node:path";
import { describe, expect, it } from "vitest";
import { SqlUrlError } from "../../../common/types/connectors/sql-url.ts";
import { NodeSqlService } from "./sql-service.ts";

describe("NodeSqlService", () => {
  const data = path.resolve("/ws/.atelier/sql");
  const service = new NodeSqlService(data);

  it("keeps embedded databases in the project's data folder", () => {
    expect(service.sqliteFile("Shop", "db", undefined)).toBe(path.join(data, "Shop", "db.sqlite"));
    expect(service.sqliteFile("Shop", "db", "app.db")).toBe(path.join(data, "Shop", "app.db"));
    expect(service.sqliteFile("Shop", "db", "sub/app.db")).toBe(path.join(data, "Shop", "sub", "app.db"));
    expect(service.sqliteFile("Shop", "db", ":memory:")).toBeUndefined();
  });

  it("refuses a file outside it: saving a database replaces its file", async () => {
    for (const f of ["/etc/passwd", "../Other/db.sqlite", "../../../x", "a/../../b"]) {
      expect(() => service.sqliteFile("Shop", "db", f)).toThrow(SqlUrlError);
    }
    const r = await service.run(
      {
        project: "Shop",
        connector: "db",
        url: "sqlite:/tmp/x.db",
        user: "",
        password: "",
        poolSize: 1,
        connectTimeoutMs: 1000,
      },
      [{ text: "CREATE TABLE t (a INT)", params: [] }],
      { timeoutMs: 1000 },
    );
    expect(r.failure).toMatchObject({ kind: "connect", message: expect.stringContaining("data folder") });
  });
});

describe("the embedded database shared by two processes", () => {
  it("reads the file again when another process saved it", async () => {
    const { mkdtemp, rm } = await import("node:fs/promises");
    const os = await import("node:os");
    const { SqlitePool } = await import("./sqlite-pool.ts");
    const dir = await mkdtemp(path.join(os.tmpdir(), "atelier-sqlite-two-"));
    const file = path.join(dir, "db.sqlite");
    // Two pools on one file: two threads, each with its copy in memory, as two processes have.
    const a = new SqlitePool(file);
    const b = new SqlitePool(file);
    const q = (pool: InstanceType<typeof SqlitePool>, text: string) =>
      pool.run([{ text, params: [] }], { timeoutMs: 10000 });
    try {
      expect((await q(a, "CREATE TABLE t (v INT)")).failure).toBeUndefined();
      expect((await q(b, "INSERT INTO t VALUES (1)")).failure).toBeUndefined();
      expect((await q(a, "INSERT INTO t VALUES (2)")).failure).toBeUndefined();
      expect((await q(b, "SELECT v FROM t ORDER BY v")).results[0]?.rows).toEqual([{ v: 1 }, { v: 2 }]);
    } finally {
      await a.close();
      await b.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("a project reloaded during a run's transaction", () => {
  it("keeps the pool the run holds; closes it with the service", async () => {
    const { mkdtemp, rm } = await import("node:fs/promises");
    const os = await import("node:os");
    const dir = await mkdtemp(path.join(os.tmpdir(), "atelier-sql-reload-"));
    const svc = new NodeSqlService(dir);
    const conn = {
      project: "Shop",
      connector: "db",
      url: "",
      user: "",
      password: "",
      poolSize: 1,
      connectTimeoutMs: 1000,
    };
    const ends: (() => Promise<void>)[] = [];
    const scope = { onEnd: (fn: () => Promise<void>) => void ends.push(fn) };
    const q = (text: string, withScope = true) =>
      svc.run(conn, [{ text, params: [] }], { timeoutMs: 10000, ...(withScope ? { scope } : {}) });
    try {
      expect((await q("CREATE TABLE t (v INT)", false)).failure).toBeUndefined();
      expect((await q("BEGIN")).failure).toBeUndefined();
      expect((await q("INSERT INTO t VALUES (1)")).failure).toBeUndefined();
      await svc.closeProject("Shop"); // a Studio edit, a reload
      expect((await q("INSERT INTO t VALUES (2)")).failure).toBeUndefined();
      expect((await q("COMMIT")).failure).toBeUndefined();
      for (const fn of ends) await fn();
      expect((await q("SELECT v FROM t ORDER BY v", false)).results[0]?.rows).toEqual([{ v: 1 }, { v: 2 }]);
    } finally {
      await svc.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
