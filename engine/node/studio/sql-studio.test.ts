/**
 * The Studio's SQL connector actions against real databases: the example project's embedded
 * database, and a PostgreSQL started here (skipped, saying why, where it cannot start).
 */
import { cp, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SqlSchema, SqlTestResult } from "../../common/model/typedef.ts";
import type { FlatNode, ProjectTree } from "../../common/studio/api.ts";
import { startAtelier, type RunningAtelier } from "../app.ts";
import { EngineLog } from "../log.ts";
import { startMariadb, startPostgres, type TestServer } from "../runtime/sql/test-servers.ts";
import { masked } from "./sql-studio.ts";

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../examples/workspace");
const PASSWORD = "s3cret-Pass-word";

let dir: string;
let app: RunningAtelier;
let pg: TestServer | undefined;
let skipped = "";
let maria: TestServer | undefined;
let mariaSkipped = "";

beforeAll(async () => {
  pg = await startPostgres((why) => (skipped = why));
  if (!pg) console.warn(`SQL Studio tests on PostgreSQL skipped: ${skipped}`);
  maria = await startMariadb((why) => (mariaSkipped = why));
  if (!maria) console.warn(`SQL Studio tests on MariaDB skipped: ${mariaSkipped}`);
  dir = await mkdtemp(path.join(os.tmpdir(), "atelier-sql-studio-"));
  await cp(path.join(EXAMPLES, "SqlDemo"), path.join(dir, "SqlDemo"), { recursive: true });
  app = await startAtelier({
    workspaceDir: dir,
    port: 0,
    log: new EngineLog({ level: "silent" }),
    fullsync: false,
    env: {},
    settings: {
      pgUrl: pg?.url ?? "postgres://127.0.0.1:9/none",
      pgUser: pg?.user ?? "x",
      pgPassword: PASSWORD,
      myUrl: maria?.url ?? "mysql://127.0.0.1:9/none",
    },
    studio: { distDir: path.join(dir, "no-dist"), watch: false },
  });
}, 120000);

afterAll(async () => {
  await app?.close();
  await pg?.stop();
  await maria?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60000);

async function call<T>(method: string, url: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(new URL(url, app.url), {
    method,
    headers: {
      authorization: `Bearer ${app.studio!.auth.token}`,
      "x-atelier-studio": "1",
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as T };
}

async function nodes(project: string): Promise<FlatNode[]> {
  return (await call<ProjectTree>("GET", `/api/studio/projects/${project}/tree`)).json.nodes;
}

/** A project with one SQL connector of these properties; answers the connector's id. */
async function connector(project: string, props: Record<string, unknown>): Promise<string> {
  expect((await call("POST", "/api/studio/projects", { name: project })).status).toBe(200);
  const root = (await nodes(project)).find((n) => n.type === "Project")!;
  const made = await call("POST", `/api/studio/projects/${project}/objects`, {
    parent: root.id,
    type: "SqlConnector",
    name: "db",
    props,
  });
  expect(made.status).toBe(200);
  return (await nodes(project)).find((n) => n.type === "SqlConnector")!.id;
}

describe("SQL connector actions on the embedded database (SqlDemo)", () => {
  it("tests the connection: ok and SQLite's version", async () => {
    const r = await call<SqlTestResult>("POST", "/api/studio/projects/SqlDemo/sql/consqlnotes1/test", {});
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ ok: true, driver: "sqlite", version: expect.stringMatching(/^SQLite 3\./) });
  });

  it("answers the tables and their columns once they exist", async () => {
    const before = await call<SqlSchema>("GET", "/api/studio/projects/SqlDemo/sql/consqlnotes1/schema");
    expect(before.status).toBe(200);
    const init = await app.engine.run({ project: "SqlDemo", connector: "Notes", transaction: "Init", inputs: {} });
    expect(init.error).toBeUndefined();
    const r = await call<SqlSchema>("GET", "/api/studio/projects/SqlDemo/sql/consqlnotes1/schema");
    expect(r.status).toBe(200);
    expect(r.json.truncated).toBe(false);
    const notes = r.json.tables.find((t) => t.name === "notes");
    expect(notes?.columns).toEqual([
      { name: "id", type: "integer" },
      { name: "author", type: "varchar(100)" },
      { name: "text", type: "varchar(2000)" },
    ]);
    expect(r.json.tables.some((t) => t.name.startsWith("sqlite_"))).toBe(false);
  });

  it("refuses what is no SQL connector", async () => {
    const root = (await nodes("SqlDemo")).find((n) => n.type === "Project")!;
    expect((await call("POST", `/api/studio/projects/SqlDemo/sql/${root.id}/test`, {})).status).toBe(404);
    expect((await call("GET", "/api/studio/projects/Nope/sql/x/schema")).status).toBe(404);
  });

  it("says why a database cannot be opened (an embedded file outside the data folder)", async () => {
    const id = await connector("Outside", { url: "sqlite:/etc/x.db" });
    const r = await call<SqlTestResult>("POST", `/api/studio/projects/Outside/sql/${id}/test`, {});
    expect(r.json).toMatchObject({ ok: false, kind: "connect", message: expect.stringContaining("data folder") });
    const s = await call<{ error: { code: string } }>("GET", `/api/studio/projects/Outside/sql/${id}/schema`);
    expect(s.status).toBe(502);
    expect(s.json.error.code).toBe("sql_connect");
  });
});

describe("a database held by a run's open transaction", () => {
  it("Test connection answers within the connection time limit", async () => {
    const id = await connector("Busy", { url: "sqlite:busy.db", connectTimeoutMs: 500 });
    const ends: (() => Promise<void>)[] = [];
    const scope = { onEnd: (fn: () => Promise<void>) => void ends.push(fn) };
    const conn = { project: "Busy", connector: "db", url: "sqlite:busy.db", user: "", password: "" };
    const begun = await app.engine.services.sql!.run(
      { ...conn, poolSize: 1, connectTimeoutMs: 10000 },
      [{ text: "BEGIN", params: [] }],
      { timeoutMs: 10000, scope },
    );
    expect(begun.failure).toBeUndefined();
    try {
      const r = await call<SqlTestResult>("POST", `/api/studio/projects/Busy/sql/${id}/test`, {});
      expect(r.json).toMatchObject({ ok: false, kind: "timeout", message: expect.stringContaining("500 ms") });
    } finally {
      for (const end of ends) await end();
    }
    const again = await call<SqlTestResult>("POST", `/api/studio/projects/Busy/sql/${id}/test`, {});
    expect(again.json.ok).toBe(true);
  });
});

describe("the schema's bounds", () => {
  it("at most 500 tables and 200 columns each, saying so", async () => {
    const id = await connector("Many", { url: "sqlite:many.db" });
    const wide = Array.from({ length: 205 }, (_, i) => `c${i} INT`).join(", ");
    const statements = [
      { text: `CREATE TABLE a_wide (${wide})`, params: [] },
      ...Array.from({ length: 510 }, (_, i) => ({
        text: `CREATE TABLE t${String(i).padStart(3, "0")} (x INT)`,
        params: [],
      })),
    ];
    const conn = { project: "Many", connector: "db", url: "sqlite:many.db", user: "", password: "" };
    const made = await app.engine.services.sql!.run({ ...conn, poolSize: 1, connectTimeoutMs: 10000 }, statements, {
      timeoutMs: 30000,
    });
    expect(made.failure).toBeUndefined();
    const r = await call<SqlSchema>("GET", `/api/studio/projects/Many/sql/${id}/schema`);
    expect(r.json.truncated).toBe(true);
    expect(r.json.tables).toHaveLength(500);
    expect(r.json.tables[0]).toMatchObject({ name: "a_wide", truncated: true });
    expect(r.json.tables[0]!.columns).toHaveLength(200);
    expect(r.json.tables[1]).toEqual({ name: "t000", columns: [{ name: "x", type: "int" }] });
  });
});

describe("SQL connector actions on PostgreSQL", () => {
  it("tests the connection with the settings resolved: ok and the server's version", async (t) => {
    if (!pg) return t.skip(skipped);
    const id = await connector("Pg", { url: "${pgUrl}", user: "${pgUser}", password: "${pgPassword}" });
    const r = await call<SqlTestResult>("POST", `/api/studio/projects/Pg/sql/${id}/test`, {});
    expect(r.json).toMatchObject({ ok: true, driver: "postgres", version: expect.stringMatching(/^PostgreSQL \d+/) });
  });

  it("answers the schema on the search path, not the system's", async (t) => {
    if (!pg) return t.skip(skipped);
    const id = (await nodes("Pg")).find((n) => n.type === "SqlConnector")!.id;
    const setup = await app.engine.services.sql!.run(
      {
        project: "Pg",
        connector: "setup",
        url: pg.url,
        user: pg.user,
        password: "",
        poolSize: 1,
        connectTimeoutMs: 10000,
      },
      [{ text: "CREATE TABLE IF NOT EXISTS customers (id serial PRIMARY KEY, name text, born date)", params: [] }],
      { timeoutMs: 10000 },
    );
    expect(setup.failure).toBeUndefined();
    const r = await call<SqlSchema>("GET", `/api/studio/projects/Pg/sql/${id}/schema`);
    expect(r.status).toBe(200);
    expect(r.json.tables).toEqual([
      {
        name: "customers",
        schema: "public",
        columns: [
          { name: "id", type: "integer" },
          { name: "name", type: "text" },
          { name: "born", type: "date" },
        ],
      },
    ]);
  });

  it("answers the database's error, never the password", async (t) => {
    if (!pg) return t.skip(skipped);
    const url = pg.url.replace(/\/postgres$/, "/nodb");
    const id = await connector("PgBad", { url, user: "${pgUser}", password: "${pgPassword}" });
    const r = await call<SqlTestResult>("POST", `/api/studio/projects/PgBad/sql/${id}/test`, {});
    expect(r.json).toMatchObject({ ok: false, kind: "connect", message: expect.stringContaining('"nodb"') });
    expect(JSON.stringify(r.json)).not.toContain(PASSWORD);
  });

  it("a server that does not answer: an error within the connection time limit", async () => {
    const id = await connector("PgDown", { url: "postgres://127.0.0.1:9/x", connectTimeoutMs: 2000 });
    const r = await call<SqlTestResult>("POST", `/api/studio/projects/PgDown/sql/${id}/test`, {});
    expect(r.json).toMatchObject({
      ok: false,
      kind: "connect",
      message: expect.stringMatching(/ECONNREFUSED|connect/),
    });
  });
});

describe("SQL connector actions on MariaDB", () => {
  it("tests the connection and answers the current database's schema", async (t) => {
    if (!maria) return t.skip(mariaSkipped);
    const id = await connector("My", { url: "${myUrl}", user: maria.user });
    const ok = await call<SqlTestResult>("POST", `/api/studio/projects/My/sql/${id}/test`, {});
    expect(ok.json).toMatchObject({ ok: true, driver: "mysql", version: expect.stringMatching(/^\d+\.\d+/) });
    const conn = { project: "My", connector: "setup", url: maria.url, user: maria.user, password: "" };
    const setup = await app.engine.services.sql!.run(
      { ...conn, poolSize: 1, connectTimeoutMs: 10000 },
      [{ text: "CREATE TABLE IF NOT EXISTS orders (id INT PRIMARY KEY, total DECIMAL(10,2))", params: [] }],
      { timeoutMs: 10000 },
    );
    expect(setup.failure).toBeUndefined();
    const r = await call<SqlSchema>("GET", `/api/studio/projects/My/sql/${id}/schema`);
    expect(r.json.tables).toEqual([
      {
        name: "orders",
        columns: [
          { name: "id", type: "int" },
          { name: "total", type: "decimal" },
        ],
      },
    ]);
  });
});

describe("masked", () => {
  it("a message echoing the password shows it masked", () => {
    expect(masked(`login failed for "bob" with ${PASSWORD} (${PASSWORD})`, PASSWORD)).toBe(
      'login failed for "bob" with *** (***)',
    );
    expect(masked("no password given", "")).toBe("no password given");
  });
});
