/**
 * A plain CouchDB-compatible server: express-pouchdb 4.2.0 over PouchDB 9, hosted in an
 * Express 4 app, with optional admin credentials (HTTP Basic, checked in constant time before
 * any route). No per-user ACL: it is the "external CouchDB" that the FullSync layer can sit in
 * front of, the unfiltered baseline of the benchmark, and a full CouchDB API for trusted tools.
 * Never expose it to devices.
 *
 * What it adds to express-pouchdb, as Apache CouchDB 3 documents it:
 * - `GET|PUT /db/_security` (`{admins: {names, roles}, members: {names, roles}}`, admins only);
 * - with `defaultSecurity: "everyone"` (CouchDB 2.x, pouchdb-server, or CouchDB 3 with
 *   `[couchdb] default_security = everyone`), requests without credentials reach the databases
 *   whose `_security` has no members (read and write documents); otherwise only the admin does;
 * - `GET|PUT /db/_revs_limit` (a JSON number, sent as application/json), applied for real: the
 *   database is reopened with that limit. `revsLimit: false` leaves it out, as pouchdb-server
 *   does (its document route then answers 400 `invalid_json`).
 *
 * With `pouchdbServer: true` it is instead express-pouchdb as pouchdb-server 4.2 runs it
 * (`fullCouchDB` mode: its own authentication with the admin in its configuration, `_security`
 * by pouchdb-security, no `_revs_limit`), without any of the above.
 *
 * `node --import tsx embedded-db/test/couch-server.ts --port 0 [--dir D] [--user U]
 * [--default-security everyone] [--no-revs-limit] [--pouchdb-server]` (password from the
 * environment variable COUCH_PASSWORD) prints `{"url": ...}` once listening.
 */
import { timingSafeEqual, createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { devNull } from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import express from "express";
import ExpressPouchDB from "express-pouchdb";
import { PouchDB, ensureMemoryAdapter } from "../pouch.ts";

export interface CouchServerOptions {
  /** LevelDB folder; undefined: in memory. */
  dir?: string;
  host?: string;
  port?: number;
  /** Admin credentials: required on every request when set (but see defaultSecurity). */
  admin?: { username: string; password: string };
  /**
   * Requests without credentials: "admin_only" (default) refuses them; "everyone" lets them reach
   * databases whose `_security` names no members, as CouchDB 2.x and pouchdb-server do.
   */
  defaultSecurity?: "admin_only" | "everyone";
  /** Serve `_revs_limit` as CouchDB 3 does (default true; false: as pouchdb-server, without it). */
  revsLimit?: boolean;
  /** express-pouchdb exactly as pouchdb-server runs it (fullCouchDB mode); the options above but dir and admin are ignored. */
  pouchdbServer?: boolean;
}

export interface RunningCouchServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const digest = (s: string) => createHash("sha256").update(s).digest();

interface SecurityObject {
  admins?: { names?: unknown[]; roles?: unknown[] };
  members?: { names?: unknown[]; roles?: unknown[] };
}

/** `_security` and `_revs_limit` of each database, kept in `<dir>/_couch-meta.json` (or in memory). */
class Meta {
  security: Record<string, SecurityObject> = {};
  revsLimits: Record<string, number> = {};
  constructor(private readonly file: string | undefined) {
    if (!file) return;
    try {
      const m = JSON.parse(readFileSync(file, "utf8")) as Partial<Meta>;
      this.security = m.security ?? {};
      this.revsLimits = m.revsLimits ?? {};
    } catch {
      // a new server
    }
  }
  save(): void {
    if (this.file) writeFileSync(this.file, JSON.stringify({ security: this.security, revsLimits: this.revsLimits }));
  }
}

const hasMembers = (sec: SecurityObject | undefined): boolean =>
  !!sec?.members && ((sec.members.names?.length ?? 0) > 0 || (sec.members.roles?.length ?? 0) > 0);

/** The express app (to mount elsewhere) for a PouchDB constructor. */
export async function couchApp(opts: Omit<CouchServerOptions, "host" | "port">) {
  let Plain;
  if (opts.dir) {
    mkdirSync(opts.dir, { recursive: true });
    Plain = PouchDB.defaults({ prefix: opts.dir.endsWith("/") ? opts.dir : opts.dir + "/" });
  } else {
    await ensureMemoryAdapter();
    Plain = PouchDB.defaults({ adapter: "memory", prefix: `couch-${randomUUID()}-` });
  }
  const meta = new Meta(opts.dir ? path.join(opts.dir, "_couch-meta.json") : undefined);
  // Databases open with their revision limit (PouchDB takes it when a database is opened).
  class Base extends Plain {
    constructor(name: string, o: Record<string, unknown> = {}) {
      const limit = meta.revsLimits[name];
      super(name, limit ? { ...o, revs_limit: limit } : o);
    }
  }
  const cache = () => (Base as unknown as { __dbCacheMap?: Map<string, unknown> }).__dbCacheMap;
  const exists = async (db: string) =>
    ((await (Base as unknown as { allDbs(): Promise<string[]> }).allDbs()) ?? []).includes(db);

  const app = express();
  app.disable("x-powered-by");
  const unauthorized = (res: express.Response, reason: string) =>
    res.status(401).json({ error: "unauthorized", reason });
  app.use((req, res, next) => {
    const admin = opts.admin;
    const h = req.headers.authorization;
    let isAdmin = !admin; // no admin configured: everyone is (CouchDB's old "admin party")
    if (admin && h !== undefined) {
      const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(h);
      const got = m ? digest(Buffer.from(m[1]!, "base64").toString("utf8")) : undefined;
      if (!got || !timingSafeEqual(got, digest(`${admin.username}:${admin.password}`))) {
        return unauthorized(res, "Name or password is incorrect.");
      }
      isAdmin = true;
    }
    res.locals.admin = isAdmin;
    if (isAdmin) return next();
    if (opts.defaultSecurity !== "everyone") return unauthorized(res, "Name or password is incorrect.");
    // CouchDB 2.x semantics: anyone reaches a database whose _security names no members.
    const segs = req.path.split("/").filter(Boolean);
    if (segs.length === 0) return next();
    const db = decodeURIComponent(segs[0]!);
    const special = segs[1] ? decodeURIComponent(segs[1]) : undefined;
    if (db.startsWith("_")) return unauthorized(res, "You are not a server admin.");
    if (segs.length === 1 && req.method !== "GET" && req.method !== "HEAD" && req.method !== "POST") {
      return unauthorized(res, "You are not a server admin.");
    }
    if (special === "_security" || special === "_revs_limit" || (special === "_design" && req.method !== "GET")) {
      return unauthorized(res, "You are not a db or server admin.");
    }
    if (hasMembers(meta.security[db])) return unauthorized(res, "You are not authorized to access this db.");
    next();
  });
  const adminOnly = (req: express.Request, res: express.Response, next: express.NextFunction) =>
    res.locals.admin ? next() : unauthorized(res, "You are not a db or server admin.");
  const rawJson = express.text({ type: () => true, limit: "1mb" });
  app.get("/:db/_security", adminOnly, async (req, res) => {
    if (!(await exists(req.params.db!)))
      return res.status(404).json({ error: "not_found", reason: "Database does not exist." });
    res.json(meta.security[req.params.db!] ?? {});
  });
  app.put("/:db/_security", adminOnly, rawJson, async (req, res) => {
    if (!(await exists(req.params.db!)))
      return res.status(404).json({ error: "not_found", reason: "Database does not exist." });
    let body: unknown;
    try {
      body = JSON.parse(String(req.body));
    } catch {
      return res.status(400).json({ error: "bad_request", reason: "invalid_json" });
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      return res.status(400).json({ error: "bad_request", reason: "The security object must be a JSON object." });
    }
    meta.security[req.params.db!] = body as SecurityObject;
    meta.save();
    res.json({ ok: true });
  });
  if (opts.revsLimit !== false) {
    app.get("/:db/_revs_limit", adminOnly, async (req, res) => {
      if (!(await exists(req.params.db!)))
        return res.status(404).json({ error: "not_found", reason: "Database does not exist." });
      res.type("application/json").send(String(meta.revsLimits[req.params.db!] ?? 1000) + "\n");
    });
    // As CouchDB 3: the body is a JSON number; the content type must be JSON.
    app.put("/:db/_revs_limit", adminOnly, rawJson, async (req, res) => {
      if (!(await exists(req.params.db!)))
        return res.status(404).json({ error: "not_found", reason: "Database does not exist." });
      if (!/^application\/json\b/i.test(req.headers["content-type"] ?? "")) {
        return res.status(415).json({ error: "bad_content_type", reason: "Content-Type must be application/json" });
      }
      let n: unknown;
      try {
        n = JSON.parse(String(req.body));
      } catch {
        return res.status(400).json({ error: "bad_request", reason: "invalid_json" });
      }
      if (typeof n !== "number" || !Number.isInteger(n) || n <= 0) {
        return res.status(400).json({ error: "bad_request", reason: "`limit` must be positive integer" });
      }
      meta.revsLimits[req.params.db!] = n;
      meta.save();
      // The next request opens the database again, with the limit (same data: LevelDB and
      // memory stores are shared by name within a process).
      cache()?.delete(req.params.db!);
      res.json({ ok: true });
    });
  }
  app.delete("/:db", adminOnly, (req, _res, next) => {
    delete meta.security[req.params.db!];
    delete meta.revsLimits[req.params.db!];
    meta.save();
    next();
  });
  app.use(
    ExpressPouchDB(Base, {
      mode: "minimumForPouchDB",
      overrideMode: { include: ["routes/find"] },
      logPath: opts.dir ? `${opts.dir}/log.txt` : undefined,
      inMemoryConfig: true,
    }),
  );
  return app;
}

/** express-pouchdb as pouchdb-server 4.2 runs it: fullCouchDB mode, the admin in its configuration. */
async function pouchdbServerApp(opts: CouchServerOptions) {
  let Plain;
  if (opts.dir) {
    mkdirSync(opts.dir, { recursive: true });
    Plain = PouchDB.defaults({ prefix: opts.dir.endsWith("/") ? opts.dir : opts.dir + "/" });
  } else {
    await ensureMemoryAdapter();
    Plain = PouchDB.defaults({ adapter: "memory", prefix: `pouchdb-server-${randomUUID()}-` });
  }
  const app = ExpressPouchDB(Plain, {
    mode: "fullCouchDB",
    inMemoryConfig: true,
    // Its request log (default ./log.txt, in the working folder).
    logPath: opts.dir ? `${opts.dir}/log.txt` : devNull,
  }) as unknown as express.Express & {
    couchConfig: { set(section: string, key: string, value: string, cb: (e?: unknown) => void): void };
  };
  const admin = opts.admin;
  if (admin) {
    await new Promise<void>((resolve, reject) =>
      app.couchConfig.set("admins", admin.username, admin.password, (e) => (e ? reject(e) : resolve())),
    );
  }
  return app;
}

export async function startCouchServer(opts: CouchServerOptions = {}): Promise<RunningCouchServer> {
  const app = opts.pouchdbServer ? await pouchdbServerApp(opts) : await couchApp(opts);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => app(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const a = server.address() as AddressInfo;
  const url = `http://${a.address}:${a.port}`;
  if (opts.pouchdbServer && opts.admin) {
    // Its admin takes effect once the configuration is hashed and its users database refreshed.
    const auth = "Basic " + Buffer.from(`${opts.admin.username}:${opts.admin.password}`).toString("base64");
    const until = Date.now() + 20_000;
    for (;;) {
      const r = await fetch(`${url}/_session`, { headers: { Authorization: auth } }).catch(() => undefined);
      const s = r ? ((await r.json().catch(() => ({}))) as { userCtx?: { name?: unknown } }) : {};
      if (s.userCtx?.name === opts.admin.username) break;
      if (Date.now() > until) throw new Error("pouchdb-server mode: the admin was not in effect within 20 s");
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// Run as a process: the separately started CouchDB-compatible peer of the tests and the bench.
if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const user = arg("user");
  const running = await startCouchServer({
    dir: arg("dir"),
    port: Number(arg("port") ?? 0),
    admin: user ? { username: user, password: process.env.COUCH_PASSWORD ?? "" } : undefined,
    defaultSecurity: arg("default-security") === "everyone" ? "everyone" : "admin_only",
    revsLimit: !process.argv.includes("--no-revs-limit"),
    pouchdbServer: process.argv.includes("--pouchdb-server"),
  });
  process.stdout.write(JSON.stringify({ url: running.url }) + "\n");
  const stop = () => void running.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.stdin.on("end", stop); // the parent went away
  process.stdin.resume();
}
