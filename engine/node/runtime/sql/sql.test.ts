/**
 * SQL transactions run by a real engine on the embedded SQLite, a real PostgreSQL and a real
 * MariaDB (both started here; skipped, saying why, where they cannot start).
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../../engine.ts";
import { startMariadb, startPostgres, type TestServer } from "./test-servers.ts";

interface Backend {
  name: "embedded" | "postgres" | "mariadb";
  start(skip: (why: string) => void): Promise<TestServer | undefined>;
  sleep: string;
}

const BACKENDS: Backend[] = [
  {
    name: "embedded",
    start: async () => ({ url: "", user: "", password: "", stop: async () => {} }),
    sleep:
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000000) SELECT count(*) AS n FROM c",
  },
  { name: "postgres", start: startPostgres, sleep: "SELECT pg_sleep(60)" },
  { name: "mariadb", start: startMariadb, sleep: "SELECT SLEEP(60)" },
];

function tx(name: string, sqlQuery: string, vars: Record<string, Record<string, unknown>> = {}, more = {}) {
  return {
    type: "SqlTransaction",
    name,
    id: `tx${name}`.slice(0, 12).padEnd(12, "0"),
    sqlQuery,
    ...more,
    children: Object.entries(vars).map(([v, props]) => ({
      type: "Variable",
      name: v,
      id: `v${name}${v}`.slice(0, 12).padEnd(12, "0"),
      ...props,
    })),
  };
}

/** A workspace with one project whose connector `db` reaches the database of the settings dbUrl and dbUser. */
async function writeWorkspace(): Promise<string> {
  const ws = await mkdtemp(path.join(os.tmpdir(), "atelier-sql-"));
  const dir = path.join(ws, "Shop");
  await mkdir(path.join(dir, "connectors"), { recursive: true });
  const project = {
    atelier: 1,
    type: "Project",
    name: "Shop",
    id: "shopproject1",
    children: [
      { type: "Setting", name: "dbUrl", id: "setdburl0001", value: "" },
      { type: "Setting", name: "dbUser", id: "setdbuser001", value: "" },
    ],
  };
  const str = { dataType: "string" };
  const connector = {
    type: "SqlConnector",
    name: "db",
    id: "connectordb1",
    url: "${dbUrl}",
    user: "${dbUser}",
    queryTimeoutMs: 20000,
    children: [
      tx(
        "Setup",
        "DROP TABLE IF EXISTS people; CREATE TABLE people (id INT PRIMARY KEY, name VARCHAR(200), dept VARCHAR(50)); " +
          "INSERT INTO people VALUES (1, 'Ada', 'eng'), (2, 'Grace', 'eng'), (3, 'Linus', 'ops')",
      ),
      tx("Add", "INSERT INTO people (id, name, dept) VALUES ({id}, {name}, {dept})", {
        id: { dataType: "integer" },
        name: str,
        dept: str,
      }),
      tx("ByName", "SELECT id, name FROM people WHERE name = {name} ORDER BY id", { name: str }),
      tx("ByIds", "SELECT id, name FROM people WHERE id IN ({ids}) ORDER BY id", {
        ids: { dataType: "string", multiValued: true },
      }),
      tx("ByNames", "SELECT id, name FROM people WHERE name IN ({names}) ORDER BY id", {
        names: { dataType: "string", multiValued: true },
      }),
      tx("Literal", "SELECT '{name}' AS braces, {name} AS bound -- {name}\n", { name: str }),
      tx("Count", "SELECT count(*) AS n FROM people"),
      tx("Grouped", "SELECT dept, name FROM people ORDER BY dept, id", {}, { outputMode: "grouped" }),
      tx(
        "Flat",
        "UPDATE people SET dept = dept WHERE id = 1; SELECT name FROM people WHERE id = 1",
        {},
        { outputMode: "flat" },
      ),
      tx("Bad", "SELECT 1; SELECT nme FROM people"),
      tx("Sleep", "", { q: str }),
      tx("Nothing", ""),
      tx("Begin", "BEGIN"),
      tx("Commit", "COMMIT"),
    ],
  };
  const call = (id: string, transaction: string, vars: string[] = []) => ({
    type: "CallTransaction",
    name: `Call${id}`,
    id: `st${id}`.padEnd(12, "0"),
    connector: "db",
    transaction,
    children: vars.map((v) => ({ type: "StepVariable", name: v, id: `sv${id}${v}`.padEnd(12, "0"), expression: v })),
  });
  const sequence = (name: string, steps: unknown[]) => ({
    type: "Sequence",
    name,
    id: `seq${name}`.slice(0, 12).padEnd(12, "0"),
    children: [
      { type: "Variable", name: "id", id: `vi${name}`.slice(0, 12).padEnd(12, "0"), dataType: "integer" },
      { type: "Variable", name: "name", id: `vn${name}`.slice(0, 12).padEnd(12, "0") },
      { type: "Variable", name: "dept", id: `vd${name}`.slice(0, 12).padEnd(12, "0") },
      ...steps,
    ],
  });
  const sequences = [
    sequence("TxCommit", [call("b1", "Begin"), call("a1", "Add", ["id", "name", "dept"]), call("c1", "Commit")]),
    sequence("TxOpen", [call("b2", "Begin"), call("a2", "Add", ["id", "name", "dept"])]),
    sequence("TxFail", [call("b3", "Begin"), call("a3", "Add", ["id", "name", "dept"]), call("f3", "Bad")]),
  ];
  await mkdir(path.join(dir, "sequences"), { recursive: true });
  for (const seq of sequences) {
    await writeFile(path.join(dir, "sequences", `${seq.name}.yaml`), JSON.stringify(seq, null, 2));
  }
  await writeFile(path.join(dir, "project.yaml"), JSON.stringify(project, null, 2));
  await writeFile(path.join(dir, "connectors", "db.yaml"), JSON.stringify(connector, null, 2));
  return ws;
}

for (const backend of BACKENDS) {
  describe(`SQL transactions on ${backend.name}`, () => {
    let server: TestServer | undefined;
    let skipped = "";
    let ws = "";
    let engine: Engine | undefined;

    const open = async (sleepQuery = backend.sleep) => {
      engine = await Engine.open({
        workspaceDir: ws,
        env: {},
        warmSandbox: false,
        settings: { dbUrl: server!.url, dbUser: server!.user },
      });
      // The sleeping query is set here, in the loaded tree: the same text for every backend file.
      const conn = engine.project("Shop")!.root.children.find((c) => c.name === "db")!;
      conn.children.find((c) => c.name === "Sleep")!.props.sqlQuery = sleepQuery;
      return engine;
    };
    const run = (transaction: string, inputs: Record<string, unknown> = {}, signal?: AbortSignal) =>
      engine!.run({ project: "Shop", connector: "db", transaction, inputs, ...(signal ? { signal } : {}) });

    beforeAll(async () => {
      server = await backend.start((why) => (skipped = why));
      if (!server) {
        console.warn(`SQL tests on ${backend.name} skipped: ${skipped}`);
        return;
      }
      ws = await writeWorkspace();
      await open();
      const r = await run("Setup");
      expect(r.error).toBeUndefined();
    }, 120000);

    afterAll(async () => {
      await engine?.close();
      await server?.stop();
      if (ws) await rm(ws, { recursive: true, force: true });
    }, 60000);

    it("binds placeholders as parameters and answers rows as objects", async (t) => {
      if (!server) return t.skip(skipped);
      expect((await run("ByName", { name: "Ada" })).output).toEqual({ rows: [{ id: 1, name: "Ada" }] });
      const add = await run("Add", { id: 10, name: "Zoe", dept: "ops" });
      expect(add.output).toEqual({ affectedRows: 1 });
      expect((await run("ByIds", { ids: ["1", "10"] })).output).toEqual({
        rows: [
          { id: 1, name: "Ada" },
          { id: 10, name: "Zoe" },
        ],
      });
      expect((await run("ByIds", { ids: [] })).output).toEqual({ rows: [] });
      expect((await run("Count")).output).toEqual({ rows: [{ n: 4 }] });
    });

    it("refuses injection by construction: values stay data, the table stays whole", async (t) => {
      if (!server) return t.skip(skipped);
      const attempts = [
        "x' OR '1'='1",
        "1; DROP TABLE people",
        "Ada'; DROP TABLE people; --",
        "Ada\\'; DROP TABLE people; --",
        "{name}",
        "$1",
        "?",
      ];
      let id = 100;
      for (const a of attempts) {
        expect((await run("ByName", { name: a })).output).toEqual({ rows: [] });
        expect((await run("ByNames", { names: [a, `x') OR ('1'='1`] })).output).toEqual({ rows: [] });
        // Written and read back exactly as given.
        expect((await run("Add", { id: ++id, name: a, dept: "x" })).error).toBeUndefined();
        expect((await run("ByName", { name: a })).output).toEqual({ rows: [{ id, name: a }] });
      }
      // A {name} in a string literal or a comment is text, not a placeholder.
      expect((await run("Literal", { name: "'); DROP TABLE people; --" })).output).toEqual({
        rows: [{ braces: "{name}", bound: "'); DROP TABLE people; --" }],
      });
      expect((await run("Count")).output).toEqual({ rows: [{ n: 4 + attempts.length }] });
    });

    it("answers grouped and flat outputs", async (t) => {
      if (!server) return t.skip(skipped);
      const g = (await run("Grouped")).output as { groups: { dept: string; rows: unknown[] }[] };
      expect(g.groups[0]).toEqual({ dept: "eng", rows: [{ name: "Ada" }, { name: "Grace" }] });
      expect((await run("Flat")).output).toEqual([{ name: "Ada" }]);
      expect((await run("Nothing")).output).toEqual({});
    });

    it("fails with the database's message and the statement", async (t) => {
      if (!server) return t.skip(skipped);
      const r = await run("Bad");
      expect(r.ok).toBe(false);
      expect(r.error?.code).toBe("sql_error");
      expect(r.error?.message).toMatch(/nme/);
      expect(r.error?.message).toContain("(statement 2)");
      expect(r.error?.details).toMatchObject({ statement: "SELECT nme FROM people", index: 1 });
      if (backend.name === "postgres") expect(r.error?.details).toMatchObject({ position: 8, code: "42703" });
      // The connection is fine afterwards.
      expect((await run("Count")).ok).toBe(true);
    });

    it("cancels a query at its time limit, and when the run is stopped", async (t) => {
      if (!server) return t.skip(skipped);
      const conn = engine!.project("Shop")!.root.children.find((c) => c.name === "db")!;
      const sleep = conn.children.find((c) => c.name === "Sleep")!;
      sleep.props.timeoutMs = 300;
      const r = await run("Sleep", { q: "" });
      expect(r.error?.code).toBe("sql_timeout");
      // Cancelled in the database, well before its 60 s (generous bound for a loaded machine).
      expect(r.durationMs).toBeLessThan(15000);
      expect((await run("Count")).ok).toBe(true);

      sleep.props.timeoutMs = 0;
      const ac = new AbortController();
      const running = run("Sleep", { q: "" }, ac.signal);
      setTimeout(() => ac.abort(), 200);
      const stopped = await running;
      expect(stopped.ok).toBe(false);
      expect(stopped.durationMs).toBeLessThan(15000);
      expect((await run("Count")).ok).toBe(true);
    }, 60000);

    it("runs concurrent transactions, none lost", async (t) => {
      if (!server) return t.skip(skipped);
      const before = ((await run("Count")).output as { rows: { n: number }[] }).rows[0]!.n;
      const adds = await Promise.all(
        Array.from({ length: 24 }, (_, i) => run("Add", { id: 1000 + i, name: `c${i}`, dept: "conc" })),
      );
      expect(adds.filter((r) => !r.ok)).toEqual([]);
      expect((await run("Count")).output).toEqual({ rows: [{ n: before + 24 }] });
    });

    it("keeps a transaction open across a sequence's steps: committed, or rolled back when the run ends or fails", async (t) => {
      if (!server) return t.skip(skipped);
      const seq = (sequence: string, id: number) =>
        engine!.run({ project: "Shop", sequence, inputs: { id, name: `tx${id}`, dept: "tx" } });
      const exists = async (id: number) =>
        ((await run("ByName", { name: `tx${id}` })).output as { rows: unknown[] }).rows.length === 1;
      expect((await seq("TxCommit", 2001)).error).toBeUndefined();
      expect(await exists(2001)).toBe(true);
      expect((await seq("TxOpen", 2002)).error).toBeUndefined();
      expect(await exists(2002)).toBe(false);
      expect((await seq("TxFail", 2003)).error?.code).toBe("sql_error");
      expect(await exists(2003)).toBe(false);
      // Runs at the same time: each its own transaction (the embedded database takes them in turn).
      const many = await Promise.all([3001, 3002, 3003, 3004].map((id) => seq(id % 2 ? "TxCommit" : "TxOpen", id)));
      expect(many.map((r) => r.ok)).toEqual([true, true, true, true]);
      expect(await Promise.all([3001, 3002, 3003, 3004].map(exists))).toEqual([true, false, true, false]);
      // Nothing left held: a plain query still answers at once.
      expect((await run("Count")).ok).toBe(true);
    });

    it("closes a project's pools when it reloads; the next query opens new ones", async (t) => {
      if (!server) return t.skip(skipped);
      const before = (await run("Count")).output;
      engine!.workspace.changed("Shop");
      expect((await run("Count")).output).toEqual(before);
    });

    if (backend.name === "embedded") {
      it("keeps the embedded database in the workspace's data folder, across restarts", async (t) => {
        if (!server) return t.skip(skipped);
        expect(await readdir(path.join(ws, ".atelier", "sql", "Shop"))).toEqual(["db.sqlite"]);
        const before = (await run("Count")).output;
        await engine!.close();
        await open();
        expect((await run("Count")).output).toEqual(before);
      });
    }
  });
}

describe("SQL connectors that cannot connect", () => {
  let ws = "";
  afterAll(async () => {
    if (ws) await rm(ws, { recursive: true, force: true });
  });

  it("fail with sql_connect, naming the connector and what the driver said", async () => {
    ws = await writeWorkspace();
    // Port 1 on the loopback: refused at once.
    for (const url of ["postgres://127.0.0.1:1/db", "jdbc:mariadb://127.0.0.1:1/db", "oracle://x"]) {
      const engine = await Engine.open({ workspaceDir: ws, env: {}, warmSandbox: false, settings: { dbUrl: url } });
      try {
        const r = await engine.run({ project: "Shop", connector: "db", transaction: "Count", inputs: {} });
        expect(r.ok).toBe(false);
        if (url.startsWith("oracle")) {
          expect(r.error).toMatchObject({
            code: "sql_url",
            message: expect.stringContaining("Unsupported database URL"),
          });
        } else {
          expect(r.error).toMatchObject({ code: "sql_connect", status: 502 });
          expect(r.error?.message).toMatch(/Connector "db": .*ECONNREFUSED/);
        }
      } finally {
        await engine.close();
      }
    }
  });
});
