import { describe, expect, it } from "vitest";
import { rowsTable, sqlAliases, sqlCompletions, sqlTestMessage } from "./sql-model.ts";

const schema = {
  tables: [
    {
      name: "orders",
      columns: [
        { name: "id", type: "integer" },
        { name: "customer_id", type: "integer" },
      ],
    },
    {
      name: "customers",
      columns: [
        { name: "id", type: "integer" },
        { name: "Full Name", type: "text" },
      ],
    },
    { name: "audit", schema: "ops", columns: [{ name: "at", type: "timestamp" }] },
  ],
};

describe("sqlTestMessage", () => {
  it("says the version, or the database's error", () => {
    expect(sqlTestMessage("db", { ok: true, driver: "sqlite", version: "SQLite 3.49.1", ms: 12 })).toBe(
      "db: connected in 12 ms — SQLite 3.49.1",
    );
    expect(
      sqlTestMessage("db", {
        ok: false,
        kind: "connect",
        code: "3D000",
        message: 'database "x" does not exist',
        ms: 3,
      }),
    ).toBe('db: cannot connect (connect 3D000): database "x" does not exist');
  });
});

describe("sqlCompletions", () => {
  it("offers the tables, then every column with its table", () => {
    const items = sqlCompletions(schema, "SELECT * FROM ord");
    expect(items.filter((i) => i.kind === "table").map((i) => i.label)).toEqual(["orders", "customers", "audit"]);
    expect(items.find((i) => i.label === "customer_id")).toMatchObject({
      kind: "column",
      detail: "orders.customer_id integer",
    });
    // A column of two tables: once per table.
    expect(items.filter((i) => i.label === "id")).toHaveLength(2);
    expect(items.find((i) => i.label === "audit")?.detail).toBe("ops.table (1 columns)");
    // Tables sort first.
    const sorted = [...items].sort((a, b) => (a.sortText < b.sortText ? -1 : 1));
    expect(sorted[0]!.kind).toBe("table");
  });

  it("after table. offers that table's columns, quoting names that need it", () => {
    const items = sqlCompletions(schema, "SELECT customers.");
    expect(items.map((i) => [i.label, i.insertText])).toEqual([
      ["id", "id"],
      ["Full Name", '"Full Name"'],
    ]);
  });

  it("after alias. offers the aliased table's columns; after schema. its tables", () => {
    const q = "SELECT o. FROM orders o JOIN customers AS c ON c.id = o.customer_id";
    expect(sqlCompletions(schema, "SELECT o.", q).map((i) => i.label)).toEqual(["id", "customer_id"]);
    expect(sqlCompletions(schema, "SELECT c.", q).map((i) => i.label)).toEqual(["id", "Full Name"]);
    expect(sqlCompletions(schema, "SELECT * FROM ops.").map((i) => i.label)).toEqual(["audit"]);
    expect(sqlCompletions(schema, "SELECT nothing.")).toEqual([]);
  });

  it("reads aliases, not keywords", () => {
    const a = sqlAliases("SELECT * FROM orders WHERE id = 1; UPDATE customers SET x = 1");
    expect(a.get("orders")).toBe("orders");
    expect(a.has("where")).toBe(false);
    expect(a.has("set")).toBe(false);
  });
});

describe("rowsTable", () => {
  it("finds the rows of a SQL transaction's output, columns from the keys", () => {
    const t = rowsTable({
      rows: [
        { id: 1, name: "a" },
        { id: 2, name: null, extra: true },
      ],
    });
    expect(t).toEqual({
      path: "rows",
      columns: ["id", "name", "extra"],
      rows: [
        ["1", "a", ""],
        ["2", "NULL", "true"],
      ],
      total: 2,
    });
  });

  it("a flat array, or the rows of several statements' results", () => {
    expect(rowsTable([{ a: 1 }])?.path).toBe("");
    expect(rowsTable({ results: [{ affectedRows: 1 }, { rows: [{ a: 1 }] }] })?.path).toBe("results[1].rows");
  });

  it("shows the first rows only, and says how many there are", () => {
    const rows = Array.from({ length: 500 }, (_, i) => ({ i }));
    const t = rowsTable({ rows }, 50)!;
    expect(t.rows).toHaveLength(50);
    expect(t.total).toBe(500);
  });

  it("no table for nested objects, empty lists or scalars", () => {
    expect(rowsTable({ rows: [{ a: { b: 1 } }] })).toBeUndefined();
    expect(rowsTable({ rows: [] })).toBeUndefined();
    expect(rowsTable("text")).toBeUndefined();
    expect(rowsTable([1, 2])).toBeUndefined();
  });
});
