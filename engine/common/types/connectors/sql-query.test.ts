import { describe, expect, it } from "vitest";
import { bindQuery, placeholderNames, splitStatements, SqlQueryError } from "./sql-query.ts";

const texts = (sql: string, driver: "postgres" | "mysql" | "sqlite" = "sqlite") =>
  splitStatements(sql, driver).map((st) =>
    st
      .map((s) => s.text)
      .join("")
      .trim(),
  );

describe("splitStatements", () => {
  it("splits at the ; outside strings, quoted names and comments", () => {
    expect(texts("select 1; select 2;")).toEqual(["select 1", "select 2"]);
    expect(texts("insert into t values ('a;b'); select \"x;y\" from t -- c;d\n; /* e;f */ select 3")).toEqual([
      "insert into t values ('a;b')",
      'select "x;y" from t -- c;d',
      "/* e;f */ select 3",
    ]);
    expect(texts("select 'it''s; here'; select 2")).toEqual(["select 'it''s; here'", "select 2"]);
  });

  it("drops statements of blanks and comments only", () => {
    expect(texts(" ; -- nothing\n ; /* none */ ;select 1")).toEqual(["select 1"]);
  });

  it("knows each dialect's quotes: MySQL backslashes and backticks, PostgreSQL dollar quotes and E strings", () => {
    expect(texts("select 'a\\';b'; select `c;d`", "mysql")).toEqual(["select 'a\\';b'", "select `c;d`"]);
    expect(texts("select 1 # x;y\n; select 2", "mysql")).toEqual(["select 1 # x;y", "select 2"]);
    expect(texts("do $$ begin perform 1; end $$; select $tag$ ; $tag$", "postgres")).toEqual([
      "do $$ begin perform 1; end $$",
      "select $tag$ ; $tag$",
    ]);
    expect(texts("select E'a\\';b'; select 2", "postgres")).toEqual(["select E'a\\';b'", "select 2"]);
    // Outside MySQL a backslash is a character: the string ends at the next quote.
    expect(texts("select 'a\\'; select 2")).toEqual(["select 'a\\'", "select 2"]);
  });
});

describe("bindQuery", () => {
  it("binds each {variable} as a parameter, with the driver's markers", () => {
    const vars = { name: "Ada", age: 36 };
    expect(bindQuery("select * from p where name = {name} and age > {age}", vars, "postgres")).toEqual([
      { text: "select * from p where name = $1 and age > $2", params: ["Ada", 36], source: expect.any(String) },
    ]);
    expect(bindQuery("select * from p where name = {name} and age > {age}", vars, "mysql")[0]).toMatchObject({
      text: "select * from p where name = ? and age > ?",
      params: ["Ada", 36],
    });
  });

  it("numbers PostgreSQL's parameters per statement", () => {
    const st = bindQuery(
      "insert into t values ({a}); select * from t where x = {a} or y = {b}",
      { a: 1, b: 2 },
      "postgres",
    );
    expect(st.map((s) => s.text)).toEqual(["insert into t values ($1)", "select * from t where x = $1 or y = $2"]);
    expect(st.map((s) => s.params)).toEqual([[1], [1, 2]]);
  });

  it("expands a list into one parameter per element; an empty list is NULL", () => {
    expect(bindQuery("select * from t where id in ({ids})", { ids: [1, "2", "3'"] }, "postgres")[0]).toMatchObject({
      text: "select * from t where id in ($1, $2, $3)",
      params: [1, "2", "3'"],
    });
    expect(bindQuery("select * from t where id in ({ids})", { ids: [] }, "sqlite")[0]).toMatchObject({
      text: "select * from t where id in (NULL)",
      params: [],
    });
  });

  it("never writes a value into the text, whatever it holds", () => {
    const evil = ["x' OR '1'='1", "1; DROP TABLE t", "{other}", "$1", "?", "'); DELETE FROM t; --"];
    for (const driver of ["postgres", "mysql", "sqlite"] as const) {
      for (const v of evil) {
        const [st] = bindQuery("select * from t where a = {v} and b in ({list})", { v, list: [v, v] }, driver);
        const m = driver === "postgres" ? ["$1", "$2", "$3"] : ["?", "?", "?"];
        expect(st!.text).toBe(`select * from t where a = ${m[0]} and b in (${m[1]}, ${m[2]})`);
        expect(st!.params).toEqual([v, v, v]);
      }
    }
  });

  it("leaves {name} inside strings, quoted names and comments as written", () => {
    const [st] = bindQuery("select '{a}' as s, \"{a}\" as q /* {a} */, {a} as v -- {a}", { a: "A" }, "postgres");
    expect(st!.text).toBe("select '{a}' as s, \"{a}\" as q /* {a} */, $1 as v -- {a}");
    expect(st!.params).toEqual(["A"]);
    expect(placeholderNames("select '{x}', {y} from t where z = {y} or {w}", "sqlite")).toEqual(["y", "w"]);
  });

  it("refuses Convertigo's {{text}} substitution and unknown variables", () => {
    expect(() => bindQuery("select * from {{table}}", { table: "t" }, "sqlite")).toThrow(SqlQueryError);
    expect(() => bindQuery("select {missing}", {}, "sqlite")).toThrow(/not a variable/);
  });

  it("converts values a driver cannot take", () => {
    const [st] = bindQuery("select {b}, {o}, {n}, {u}", { b: true, o: { k: 1 }, n: null, u: undefined }, "sqlite");
    expect(st!.params).toEqual([1, '{"k":1}', null, null]);
    expect(bindQuery("select {b}", { b: false }, "postgres")[0]!.params).toEqual([false]);
  });
});

describe("splitStatements with routines", () => {
  it("keeps a trigger's or a procedure's BEGIN ... END body whole", () => {
    const trigger =
      "CREATE TRIGGER t_audit AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.id); UPDATE c SET n = n + 1; END";
    expect(texts(`${trigger}; SELECT 1`)).toEqual([trigger, "SELECT 1"]);
    const proc =
      "CREATE PROCEDURE p(IN x INT) BEGIN IF x > 0 THEN SELECT CASE WHEN x > 1 THEN 'big' ELSE 'one' END; END IF; BEGIN SELECT 2; END; END";
    expect(texts(`${proc}; SELECT 3`, "mysql")).toEqual([proc, "SELECT 3"]);
    // A transaction's BEGIN is no block.
    expect(texts("BEGIN; INSERT INTO t VALUES (1); COMMIT")).toEqual(["BEGIN", "INSERT INTO t VALUES (1)", "COMMIT"]);
  });
});
