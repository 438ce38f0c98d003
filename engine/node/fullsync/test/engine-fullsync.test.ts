/** FullSync as startAtelier wires it: data folder, configuration, mount, sessions, reloads. */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startAtelier } from "../../app.ts";
import { EngineLog } from "../../log.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function workspace(connectors: Record<string, unknown>[], config?: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "atelier-engine-fullsync-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await mkdir(path.join(dir, "P", "connectors"), { recursive: true });
  await mkdir(path.join(dir, "P", "sequences"), { recursive: true });
  await writeFile(path.join(dir, "P", "project.yaml"), stringify({ atelier: 1, type: "Project", name: "P", id: "p" }));
  for (const c of connectors) {
    await writeFile(path.join(dir, "P", "connectors", `${String(c.name)}.yaml`), stringify(c));
  }
  if (config) await writeFile(path.join(dir, "atelier.config.yaml"), config);
  return dir;
}

async function start(dir: string, extra: Parameters<typeof startAtelier>[0] extends infer O ? Partial<O> : never = {}) {
  const app = await startAtelier({
    workspaceDir: dir,
    port: 0,
    studio: false,
    log: new EngineLog({ level: "silent" }),
    ...extra,
  });
  cleanups.push(() => app.close());
  return app;
}

const connector = (name: string, db: string, extra: Record<string, unknown> = {}) => ({
  type: "FullSyncConnector",
  name,
  id: `c-${name}`,
  databaseName: db,
  ...extra,
});

describe("FullSync in startAtelier", () => {
  it("keeps databases in <workspace>/.atelier/fullsync across restarts, and serves them at /fullsync", async () => {
    const dir = await workspace([connector("Db", "items", { anonymousReplication: "allow" })]);
    const first = await start(dir);
    expect(first.fullsync?.placement).toBe(`embedded, in ${path.join(dir, ".atelier", "fullsync")}`);
    await first.engine.services.fullsync!.data("items").put({ _id: "public-doc", v: 1 });
    await first.engine.services.fullsync!.data("items").put({ _id: "owned", "~c8oAcl": "alice" });
    // Anonymous replication is allowed here: without a session, only public documents.
    const all = (await (await fetch(`${first.url}fullsync/items/_all_docs`)).json()) as { rows: { id: string }[] };
    expect(all.rows.map((r) => r.id).filter((id) => !id.startsWith("_design/"))).toEqual(["public-doc"]);
    await first.close();
    cleanups.pop();
    expect((await stat(path.join(dir, ".atelier", "fullsync"))).isDirectory()).toBe(true);

    const second = await start(dir);
    expect((await second.engine.services.fullsync!.data("items").get("public-doc")).v).toBe(1);
  });

  it("refuses sessions without a user on a database that denies anonymous replication", async () => {
    const dir = await workspace([connector("Db", "items")]);
    const app = await start(dir, { fullsync: { inMemory: true } });
    const r = await fetch(`${app.url}fullsync/items`);
    expect(r.status).toBe(401);
    const session = app.engine.sessions.create();
    session.setUser("alice");
    const ok = await fetch(`${app.url}fullsync/items`, { headers: { cookie: `atelier_sid=${session.id}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ db_name: "items" });
    // Databases no project declares do not exist for devices.
    expect((await fetch(`${app.url}fullsync/other`, { headers: { cookie: `atelier_sid=${session.id}` } })).status).toBe(
      404,
    );
  });

  it("declares the databases again when a project is reloaded", async () => {
    const dir = await workspace([connector("Db", "items")]);
    const app = await start(dir, { fullsync: { inMemory: true } });
    expect(app.fullsync?.databases()).toEqual(["items"]);
    await writeFile(path.join(dir, "P", "connectors", "More.yaml"), stringify(connector("More", "more")));
    await app.engine.workspace.reload("P");
    await vi.waitFor(() => expect(app.fullsync!.databases(), "the new database").toContain("more"), {
      timeout: 10_000,
      interval: 20,
    });
    expect(app.fullsync!.databases()).toEqual(["items", "more"]);
    await rm(path.join(dir, "P", "connectors", "Db.yaml"));
    await app.engine.workspace.reload("P");
    await vi.waitFor(() => expect(app.fullsync!.databases(), "the database to go").not.toContain("items"), {
      timeout: 10_000,
      interval: 20,
    });
    expect(app.engine.services.fullsync).toBeDefined();
    expect(() => app.engine.services.fullsync!.data("items")).toThrow(/not declared/);
  });

  it("installs a view edited in the Studio at once", async () => {
    const dir = await workspace([
      connector("Db", "items", {
        children: [
          {
            type: "FullSyncDesignDocument",
            name: "d",
            id: "ddoc",
            children: [{ type: "FullSyncView", name: "v", id: "view1", map: "function (doc) { emit(doc.a); }" }],
          },
        ],
      }),
    ]);
    const app = await start(dir, { fullsync: { inMemory: true }, studio: { watch: false, persistHistory: false } });
    const data = app.engine.services.fullsync!.data("items");
    await data.put({ _id: "x", a: "A", b: "B" });
    const keys = async () => ((await data.query("d/v")) as { rows: { key: unknown }[] }).rows.map((r) => r.key);
    expect(await keys()).toEqual(["A"]);
    await app.studio!.service.update("P", "view1", { set: { map: "function (doc) { emit(doc.b); }" } });
    await vi.waitFor(async () => expect(await keys(), "the edited view").toEqual(["B"]), {
      timeout: 10_000,
      interval: 20,
    });
  });

  it("is off when atelier.config.yaml says so, and the rest of the engine serves without it", async () => {
    const dir = await workspace([connector("Db", "items")], "fullsync:\n  enabled: false\n");
    const app = await start(dir);
    expect(app.fullsync).toBeUndefined();
    expect(app.engine.services.fullsync).toBeUndefined();
    expect((await fetch(`${app.url}fullsync/items`)).status).toBe(404);
    expect((await fetch(`${app.url}services/user.Get`)).status).toBe(200);
  });

  it("logs why FullSync did not start (data folder held by another process) and serves the rest", async () => {
    const dir = await workspace([
      connector("Db", "items", { children: [{ type: "FullSyncGetDocument", name: "Get", id: "tx-get" }] }),
    ]);
    // Another process holds the LevelDB lock of the group database, as a second engine would.
    const groupsDb = path.join(dir, ".atelier", "fullsync", "c8ofullsyncgrp");
    await mkdir(path.dirname(groupsDb), { recursive: true });
    const holder = spawn(
      process.execPath,
      [
        "-e",
        "require('leveldown')(process.argv[1]).open((e) => { console.log(e ? 'failed' : 'ready'); }); setInterval(() => {}, 60000);",
        groupsDb,
      ],
      { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] },
    );
    cleanups.push(async () => {
      if (holder.exitCode === null) {
        const exited = new Promise((r) => holder.once("exit", r));
        holder.kill();
        await exited;
      }
    });
    const line = await new Promise<string>((resolve) =>
      createInterface({ input: holder.stdout! }).once("line", (l) => resolve(l)),
    );
    expect(line).toBe("ready");
    const log = new EngineLog({ level: "silent" });
    const second = await start(dir, { log });
    expect(second.fullsync).toBeUndefined();
    const error = log.recent().find((r) => r.level === "error" && /^FullSync did not start: /.test(r.message));
    expect(error?.message).toMatch(/c8ofullsyncgrp.*lock/i);
    expect((await fetch(`${second.url}services/user.Get`)).status).toBe(200);
    // Devices get a CouchDB-shaped 503 with the cause, not the engine's 404.
    const device = await fetch(`${second.url}fullsync/items/_changes?since=0`);
    expect(device.status).toBe(503);
    expect(await device.json()).toEqual({
      error: "service_unavailable",
      reason: expect.stringMatching(/^FullSync did not start: .*c8ofullsyncgrp.*lock/i),
    });
    // Transactions say why, without the hint to serve the workspace (it is served).
    const tx = await second.engine.run({ project: "P", connector: "Db", transaction: "Get", inputs: { docid: "x" } });
    expect(tx.error).toMatchObject({ code: "fullsync_unavailable", status: 503 });
    expect(tx.error?.message).toMatch(/FullSync did not start in this engine \(.*lock/i);
    expect(tx.error?.message).not.toMatch(/serve the workspace|\[object Object\]/);
  });

  it("uses an external CouchDB named by atelier.config.yaml, its password from the environment", async () => {
    const password = `pw-${Date.now()}-secret`;
    const peer = spawn(
      process.execPath,
      ["--import", "tsx", path.join(repoRoot, "embedded-db/test/couch-server.ts"), "--port", "0", "--user", "admin"],
      // Its stdin stays open: the peer stops when it ends (when this process goes away).
      { cwd: repoRoot, env: { ...process.env, COUCH_PASSWORD: password }, stdio: ["pipe", "pipe", "inherit"] },
    );
    cleanups.push(async () => {
      if (peer.exitCode === null) {
        const exited = new Promise((r) => peer.once("exit", r));
        peer.kill();
        await exited;
      }
    });
    const line = await new Promise<string>((resolve) =>
      createInterface({ input: peer.stdout! }).once("line", (l) => resolve(l)),
    );
    const couchUrl = (JSON.parse(line) as { url: string }).url;
    const dir = await workspace(
      [connector("Db", "items", { children: [{ type: "FullSyncGetDocument", name: "Get", id: "tx-get" }] })],
      `fullsync:\n  couchUrl: ${couchUrl}\n  username: admin\n  passwordEnv: TEST_COUCH_PASSWORD\n`,
    );
    const log = new EngineLog({ level: "silent" });
    const app = await start(dir, { log, env: { ...process.env, TEST_COUCH_PASSWORD: password } });
    expect(
      app.fullsync?.placement,
      log
        .recent()
        .map((x) => x.message)
        .join("\n"),
    ).toBe(`external CouchDB at ${couchUrl.endsWith("/") ? couchUrl : couchUrl + "/"} as admin`);
    await app.engine.services.fullsync!.data("items").put({ _id: "in-couch", v: 42 });
    const auth = `Basic ${Buffer.from(`admin:${password}`).toString("base64")}`;
    const direct = await fetch(`${couchUrl.replace(/\/$/, "")}/items/in-couch`, { headers: { authorization: auth } });
    expect(await direct.json()).toMatchObject({ _id: "in-couch", v: 42 });
    const r = await app.engine.run({
      project: "P",
      connector: "Db",
      transaction: "Get",
      inputs: { docid: "in-couch" },
    });
    expect(r.output).toMatchObject({ v: 42 });
    await app.close();
    cleanups.pop();

    // A wrong password: FullSync starts without its database and says why (the CouchDB's 401),
    // in the log, to devices (a CouchDB-shaped 503) and to transactions; never the password.
    const badLog = new EngineLog({ level: "silent" });
    const bad = await start(dir, { log: badLog, env: { ...process.env, TEST_COUCH_PASSWORD: "wrong-pw-xyz" } });
    expect(bad.fullsync).toBeDefined();
    const text = badLog
      .recent()
      .map((x) => x.message)
      .join("\n");
    expect(text).toMatch(/FullSync started \(external CouchDB at .*\) without its database: .*HTTP 401/);
    expect(text).toMatch(/refused the engine's credentials \(HTTP 401 unauthorized: Name or password is incorrect\.\)/);
    expect(text).not.toMatch(/\[object Object\]|FullSync did not start/);
    expect(text).not.toContain("wrong-pw-xyz");
    expect(text).not.toContain(password);
    const device = await fetch(`${bad.url}fullsync/items/_changes`);
    expect(device.status).toBe(503);
    expect(await device.json()).toEqual({
      error: "service_unavailable",
      reason: expect.stringMatching(/cannot open the database items yet: .*HTTP 401 unauthorized/),
    });
    const tx = await bad.engine.run({ project: "P", connector: "Db", transaction: "Get", inputs: { docid: "x" } });
    expect(tx.ok).toBe(false);
    expect(tx.error).toMatchObject({ code: "fullsync_unavailable", status: 503 });
    expect(tx.error?.message).toMatch(
      /FullSync database "items": .*HTTP 401 unauthorized: Name or password is incorrect/,
    );
    expect(tx.error?.message).not.toMatch(/serve the workspace/);
    expect(bad.fullsync!.status().health).toMatchObject({
      database: "down",
      waiting: [{ db: "c8ofullsyncgrp" }, { db: "items" }],
    });
  });

  it("leaves nothing behind on close: the service and the session groups are unplugged", async () => {
    const dir = await workspace([connector("Db", "items")]);
    const app = await start(dir, { fullsync: { inMemory: true } });
    await app.fullsync!.server.groups.addUserToGroup("alice", "sales");
    const s = app.engine.sessions.create();
    s.setUser("alice");
    expect(s.groups).toEqual(["sales"]);
    const fullsync = app.fullsync!;
    await fullsync.close();
    expect(app.engine.services.fullsync).toBeUndefined();
    expect(app.engine.sessions.groupsOf).toBeUndefined();
  });
});
