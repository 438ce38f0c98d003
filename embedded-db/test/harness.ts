/**
 * Test harness: a FullSync server behind a real Node HTTP server on 127.0.0.1:0, sessions as a
 * cookie → principal map, and real PouchDB clients (memory adapter) that replicate over HTTP.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { FullSyncDatabaseDecl, FullSyncOptions, Principal } from "../api.ts";
import type { FullSyncDatabase } from "../database.ts";
import { createFullSync, type FullSyncServerExt, type FullSyncTuning } from "../index.ts";
import { PouchDB, ensureMemoryAdapter, type PouchDb } from "../pouch.ts";

export interface Harness {
  fs: FullSyncServerExt;
  /** http://127.0.0.1:<port>/fullsync */
  url: string;
  logs: string[];
  /** Opens a session; answers its cookie value. */
  login(user: string | undefined, groups?: string[]): string;
  /** A PouchDB handle on a remote database, sending the session cookie. */
  remote(db: string, sid?: string): PouchDb;
  /** A fresh in-memory device database. */
  device(): PouchDb;
  /** A raw HTTP request through the FullSync layer. */
  request(
    method: string,
    path: string,
    opts?: { sid?: string; body?: unknown; raw?: string | Buffer; headers?: Record<string, string> },
  ): Promise<{ status: number; body: unknown; text: string; headers: Headers }>;
  close(): Promise<void>;
}

export const decl = (name: string, extra: Partial<FullSyncDatabaseDecl> = {}): FullSyncDatabaseDecl => ({
  name,
  anonymousReplication: false,
  revsLimit: 10,
  project: "Test",
  connector: "fs",
  ...extra,
});

export async function startHarness(
  opts: {
    dataDir?: string;
    couch?: FullSyncOptions["couch"];
    snapshotDir?: string;
    tuning?: FullSyncTuning;
  } = {},
): Promise<Harness> {
  await ensureMemoryAdapter();
  const sessions = new Map<string, Principal>();
  const logs: string[] = [];
  const fs = await createFullSync({
    dataDir: opts.dataDir,
    couch: opts.couch,
    snapshotDir: opts.snapshotDir,
    tuning: opts.tuning,
    resolvePrincipal: (req) => {
      const m = /(?:^|;\s*)sid=([^;]+)/.exec(req.headers.cookie ?? "");
      return m ? sessions.get(m[1]!) : undefined;
    },
    log: (level, m) => logs.push(`${level}: ${m}`),
  });
  const server: Server = createServer((req, res) => {
    if ((req.url ?? "").startsWith("/fullsync")) fs.handle(req, res);
    else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fullsync`;
  const devices: PouchDb[] = [];
  const Mem = PouchDB.defaults({ adapter: "memory" });
  return {
    fs,
    url,
    logs,
    login(user, groups = []) {
      const sid = randomUUID();
      sessions.set(sid, { user, groups });
      return sid;
    },
    remote(db, sid) {
      return new PouchDB(`${url}/${db}`, {
        skip_setup: true,
        fetch: (u: string, o: { headers: { set(k: string, v: string): void } }) => {
          if (sid) o.headers.set("Cookie", `sid=${sid}`);
          return PouchDB.fetch(u, o);
        },
      });
    },
    device() {
      const d = new Mem(`device-${randomUUID()}`);
      devices.push(d);
      return d;
    },
    async request(method, path, o = {}) {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      if (o.sid) headers.Cookie = `sid=${o.sid}`;
      let body: string | Buffer | undefined = o.raw;
      if (o.body !== undefined) {
        body = JSON.stringify(o.body);
        headers["Content-Type"] ??= "application/json";
      }
      const r = await fetch(url + path, {
        method,
        headers,
        body: typeof body === "string" || body === undefined ? body : new Uint8Array(body),
      });
      const text = await r.text();
      let parsed: unknown = undefined;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: r.status, body: parsed, text, headers: r.headers };
    },
    async close() {
      for (const d of devices) await d.destroy().catch(() => {});
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await fs.close();
    },
  };
}

/** The FullSyncDatabase behind a declared database (tests reach into its index). */
export function database(h: Harness, name: string): FullSyncDatabase {
  const d = (h.fs as unknown as { dbs: Map<string, FullSyncDatabase> }).dbs.get(name);
  if (!d) throw new Error(`database ${name} is not declared`);
  return d;
}

/** Pulls once from a remote into a device; answers the replication result. */
export async function pull(from: PouchDb, to: PouchDb) {
  return (
    PouchDB as unknown as { replicate(a: unknown, b: unknown, o?: unknown): Promise<Record<string, unknown>> }
  ).replicate(from, to, { batch_size: 100 });
}

export async function push(from: PouchDb, to: PouchDb) {
  const denied: unknown[] = [];
  const rep = (
    PouchDB as unknown as {
      replicate(
        a: unknown,
        b: unknown,
        o?: unknown,
      ): Promise<Record<string, unknown>> & { on(e: string, f: (x: unknown) => void): void };
    }
  ).replicate(from, to, {});
  rep.on("denied", (e) => denied.push(e));
  const result = await rep;
  return { result, denied };
}

/** Ids of the live documents of a device database. */
export async function ids(db: PouchDb): Promise<string[]> {
  const r = await db.allDocs({});
  return r.rows.map((x) => x.id).sort();
}

/** Starts a separate CouchDB-compatible server (express-pouchdb) in a child process. */
export async function startCouchPeer(
  opts: {
    dir?: string;
    username?: string;
    password?: string;
    /** "everyone": databases without members in `_security` answer anyone (CouchDB 2.x, pouchdb-server). */
    defaultSecurity?: "admin_only" | "everyone";
    /** false: no `_revs_limit` endpoint, as pouchdb-server. */
    revsLimit?: boolean;
    /** A fixed port (to start a peer again where a stopped one was). */
    port?: number;
    /** express-pouchdb as pouchdb-server 4.2 runs it (fullCouchDB mode), instead of the CouchDB 3-like peer. */
    pouchdbServer?: boolean;
  } = {},
): Promise<{ url: string; child: ChildProcess; close(): Promise<void> }> {
  const script = fileURLToPath(new URL("./couch-server.ts", import.meta.url));
  const args = ["--import", "tsx", script, "--port", String(opts.port ?? 0)];
  if (opts.dir) args.push("--dir", opts.dir);
  if (opts.username) args.push("--user", opts.username);
  if (opts.defaultSecurity) args.push("--default-security", opts.defaultSecurity);
  if (opts.revsLimit === false) args.push("--no-revs-limit");
  if (opts.pouchdbServer) args.push("--pouchdb-server");
  const child = spawn(process.execPath, args, {
    env: { ...process.env, COUCH_PASSWORD: opts.password ?? "" },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    const t = setTimeout(() => reject(new Error("the CouchDB peer did not start in time")), 30_000);
    rl.once("line", (line) => {
      clearTimeout(t);
      try {
        resolve((JSON.parse(line) as { url: string }).url);
      } catch (e) {
        reject(e);
      }
    });
    child.once("exit", (code) => reject(new Error(`the CouchDB peer exited (${code})`)));
  });
  return {
    url,
    child,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        // A stopped process (SIGSTOP in a test) cannot handle SIGTERM until it runs again.
        child.kill("SIGCONT");
        child.kill("SIGTERM");
      }),
  };
}
