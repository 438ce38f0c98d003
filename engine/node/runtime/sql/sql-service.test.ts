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
