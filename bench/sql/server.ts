// One target of bench/sql (run.ts starts it in a child process): prints its port, serves until killed.
//   engine <workspace> [dbUrl]   the Atelier engine (startAtelier, no Studio, FullSync or jobs):
//                                GET /projects/Bench/.json?__sequence=Lookup&k=N
//   bare-pool <sqlite file>      bare node:http + the engine's embedded driver (SqlitePool: sql.js on its worker)
//   bare-sqljs <sqlite file>     bare node:http + sql.js in the server's thread (a prepared statement: the floor)
//   bare-pg <postgres url>       bare node:http + pg.Pool
// Every bare handler answers what the sequence answers: {"item": {"id":..., "name":...}}.
import http from "node:http";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const [mode, arg, extra] = process.argv.slice(2);
const QUERY_SQLITE = "SELECT id, name FROM items WHERE k = ?";
const QUERY_PG = "SELECT id, name FROM items WHERE k = $1";

function serve(handle: (k: number) => Promise<unknown> | unknown): void {
  const server = http.createServer((req, res) => {
    const k = Number(new URL(req.url ?? "/", "http://x").searchParams.get("k"));
    Promise.resolve()
      .then(() => handle(k))
      .then(
        (row) => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ item: row ?? null }));
        },
        (e: unknown) => {
          res.writeHead(500);
          res.end(String(e));
        },
      );
  });
  server.keepAliveTimeout = 60000;
  server.listen(0, "127.0.0.1", () => {
    process.stdout.write(`${(server.address() as { port: number }).port}\n`);
  });
}

if (mode === "engine") {
  const { startAtelier } = await import("../../engine/node/app.ts");
  const { EngineLog } = await import("../../engine/node/log.ts");
  const app = await startAtelier({
    workspaceDir: arg!,
    host: "127.0.0.1",
    port: 0,
    studio: false,
    fullsync: false,
    scheduler: false,
    env: {},
    log: new EngineLog({ level: "error" }),
    settings: { dbUrl: extra ?? "", dbUser: extra ? "postgres" : "" },
  });
  process.stdout.write(`${new URL(app.url).port}\n`);
} else if (mode === "bare-pool") {
  const { SqlitePool } = await import("../../engine/node/runtime/sql/sqlite-pool.ts");
  const pool = new SqlitePool(arg!);
  serve(async (k) => {
    const a = await pool.run([{ text: QUERY_SQLITE, params: [k] }], { timeoutMs: 30000 });
    if (a.failure) throw new Error(a.failure.message);
    return a.results[0]?.rows?.[0];
  });
} else if (mode === "bare-sqljs") {
  const require = createRequire(import.meta.url);
  const initSqlJs = require("sql.js") as (o?: unknown) => Promise<{ Database: new (b?: Uint8Array) => SqlJsDb }>;
  interface SqlJsDb {
    prepare(sql: string): {
      bind(p: unknown[]): void;
      step(): boolean;
      getAsObject(): Record<string, unknown>;
      reset(): void;
    };
  }
  const SQL = await initSqlJs();
  const db = new SQL.Database(readFileSync(arg!));
  const st = db.prepare(QUERY_SQLITE);
  serve((k) => {
    st.bind([k]);
    const row = st.step() ? st.getAsObject() : undefined;
    st.reset();
    return row;
  });
} else if (mode === "bare-pg") {
  const pg = (await import("pg")).default;
  const pool = new pg.Pool({ connectionString: arg, max: 5 });
  serve(async (k) => (await pool.query(QUERY_PG, [k])).rows[0]);
} else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
