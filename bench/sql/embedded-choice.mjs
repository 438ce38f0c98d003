// bench/sql/embedded-choice.mjs: how the embedded SQL default was chosen (issue 16). For sql.js
// (SQLite in WebAssembly) or PGlite (Postgres in WebAssembly), in a fresh process: time to load and
// open an in-memory database, the resident memory it added, and indexed SELECTs per second (10,000
// rows, a prepared SELECT by an indexed column, one at a time).
// Run: node bench/sql/embedded-choice.mjs sqljs; node bench/sql/embedded-choice.mjs pglite
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";

const which = process.argv[2];
const N = 20000;
const rss0 = process.memoryUsage().rss;
const t0 = performance.now();
const report = (loadMs, selects, ms) =>
  console.log(
    JSON.stringify({
      which,
      loadMs: Math.round(loadMs),
      rssMB: Math.round((process.memoryUsage().rss - rss0) / 1e6),
      selectsPerS: Math.round((selects / ms) * 1000),
    }),
  );
if (which === "sqljs") {
  const require = createRequire(import.meta.url);
  const SQL = await require("sql.js")();
  const db = new SQL.Database();
  const loadMs = performance.now() - t0;
  db.run("create table t(id integer primary key, name text, k integer)");
  db.run("create index tk on t(k)");
  db.run("begin");
  const ins = db.prepare("insert into t(name,k) values (?,?)");
  for (let i = 0; i < 10000; i++) ins.run(["n" + i, i]);
  ins.free();
  db.run("commit");
  const st = db.prepare("select id,name from t where k = ?");
  const t1 = performance.now();
  for (let i = 0; i < N; i++) {
    st.bind([i % 10000]);
    while (st.step()) st.getAsObject();
    st.reset();
  }
  report(loadMs, N, performance.now() - t1);
} else if (which === "pglite") {
  const { PGlite } = await import("@electric-sql/pglite").catch(() => {
    console.error("PGlite is not installed (npm install --no-save @electric-sql/pglite to measure it again)");
    process.exit(2);
  });
  const db = await PGlite.create();
  const loadMs = performance.now() - t0;
  await db.exec("create table t(id serial primary key, name text, k integer); create index tk on t(k)");
  await db.exec("begin");
  for (let i = 0; i < 10000; i++) await db.query("insert into t(name,k) values ($1,$2)", ["n" + i, i]);
  await db.exec("commit");
  const M = N / 4;
  const t1 = performance.now();
  for (let i = 0; i < M; i++) await db.query("select id,name from t where k = $1", [i % 10000]);
  report(loadMs, M, performance.now() - t1);
  await db.close();
} else {
  console.error("usage: node bench/sql/embedded-choice.mjs sqljs|pglite");
  process.exit(2);
}
