/**
 * A plain CouchDB-compatible server: express-pouchdb 4.2.0 over PouchDB 9, hosted in an
 * Express 4 app, with optional admin credentials (HTTP Basic, checked in constant time before
 * any route). No per-user ACL: it is the "external CouchDB" that the FullSync layer can sit in
 * front of, the unfiltered baseline of the benchmark, and a full CouchDB API for trusted tools.
 * Never expose it to devices.
 *
 * `node --import tsx embedded-db/test/couch-server.ts --port 0 [--dir D] [--user U]` (password from
 * the environment variable COUCH_PASSWORD) prints `{"url": ...}` once listening.
 */
import { timingSafeEqual, createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import express from "express";
import ExpressPouchDB from "express-pouchdb";
import { PouchDB, ensureMemoryAdapter } from "../pouch.ts";

export interface CouchServerOptions {
  /** LevelDB folder; undefined: in memory. */
  dir?: string;
  host?: string;
  port?: number;
  /** Admin credentials required on every request when set. */
  admin?: { username: string; password: string };
}

export interface RunningCouchServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/** The express app (to mount elsewhere) for a PouchDB constructor. */
export async function couchApp(opts: { dir?: string; admin?: CouchServerOptions["admin"] }) {
  let Base;
  if (opts.dir) {
    mkdirSync(opts.dir, { recursive: true });
    Base = PouchDB.defaults({ prefix: opts.dir.endsWith("/") ? opts.dir : opts.dir + "/" });
  } else {
    await ensureMemoryAdapter();
    Base = PouchDB.defaults({ adapter: "memory", prefix: `couch-${randomUUID()}-` });
  }
  const app = express();
  app.disable("x-powered-by");
  if (opts.admin) {
    const want = digest(`${opts.admin.username}:${opts.admin.password}`);
    app.use((req, res, next) => {
      const h = req.headers.authorization ?? "";
      const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(h);
      const got = m ? digest(Buffer.from(m[1]!, "base64").toString("utf8")) : undefined;
      if (got && timingSafeEqual(got, want)) return next();
      res.status(401).json({ error: "unauthorized", reason: "Name or password is incorrect." });
    });
  }
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

export async function startCouchServer(opts: CouchServerOptions = {}): Promise<RunningCouchServer> {
  const app = await couchApp(opts);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => app(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const a = server.address() as AddressInfo;
  return {
    url: `http://${a.address}:${a.port}`,
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
  });
  process.stdout.write(JSON.stringify({ url: running.url }) + "\n");
  const stop = () => void running.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.stdin.on("end", stop); // the parent went away
  process.stdin.resume();
}
