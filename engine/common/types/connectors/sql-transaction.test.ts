import { describe, expect, it } from "vitest";
import { groupRows, shapeSqlOutput, sqlQueryProblems } from "./sql-transaction.ts";

const rows = [
  { dept: "a", name: "x", n: 1 },
  { dept: "b", name: "y", n: 2 },
  { dept: "a", name: "z", n: 3 },
];

describe("shapeSqlOutput", () => {
  it("rows: the rows of one query, the affected rows of a change, results for several", () => {
    expect(shapeSqlOutput([{ columns: ["dept"], rows }], "rows", [], 0)).toEqual({ rows });
    expect(shapeSqlOutput([{ affectedRows: 2 }], "rows", [], 0)).toEqual({ affectedRows: 2 });
    expect(shapeSqlOutput([{ affectedRows: 1 }, { columns: [], rows: [] }], "rows", [], 0)).toEqual({
      results: [{ affectedRows: 1 }, { rows: [] }],
    });
  });

  it("flat: the rows of the last query, as an array", () => {
    expect(shapeSqlOutput([{ affectedRows: 1 }, { columns: ["dept"], rows }], "flat", [], 0)).toEqual(rows);
    expect(shapeSqlOutput([{ affectedRows: 1 }], "flat", [], 0)).toEqual([]);
  });

  it("grouped: by the given columns, else the first", () => {
    expect(shapeSqlOutput([{ columns: ["dept", "name", "n"], rows }], "grouped", [], 0)).toEqual({
      groups: [
        {
          dept: "a",
          rows: [
            { name: "x", n: 1 },
            { name: "z", n: 3 },
          ],
        },
        { dept: "b", rows: [{ name: "y", n: 2 }] },
      ],
    });
    expect(groupRows(rows, ["dept", "n"])).toHaveLength(3);
  });

  it("keeps at most maxRows, and says so", () => {
    expect(shapeSqlOutput([{ columns: ["dept"], rows }], "rows", [], 2)).toEqual({
      rows: rows.slice(0, 2),
      truncated: true,
    });
    expect(shapeSqlOutput([{ columns: ["dept"], rows }], "flat", [], 1)).toEqual(rows.slice(0, 1));
  });
});

describe("sqlQueryProblems", () => {
  it("names placeholders that are no variable, and refuses {{text}} substitution", () => {
    const vars = new Set(["a"]);
    expect(sqlQueryProblems("SELECT {a}, '{b}' -- {c}", vars)).toEqual([]);
    expect(sqlQueryProblems("SELECT {a}, {b}, {c}", vars)).toEqual([
      "SQL query: {b}, {c} are no variable of the transaction: add them as variables",
    ]);
    expect(sqlQueryProblems("SELECT * FROM {{t}}", new Set(["t"]))[0]).toMatch(/binds every value/);
    expect(sqlQueryProblems(undefined, vars)).toEqual([]);
  });
});
