/**
 * External CouchDB mode as an operator meets it: a CouchDB-compatible server in a child process
 * (couch-server.ts, admin password) that refuses FullSync's credentials, is not there yet, stops
 * answering (SIGSTOP), goes away, opens new databases to anyone, or has no `_revs_limit`; and
 * index snapshots over it. Every wait is bounded (vi.waitFor), every server on 127.0.0.1:0.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer, type AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PouchDB } from "../pouch.ts";
import { decl, ids, pull, startCouchPeer, startHarness, type Harness } from "./harness.ts";

const credentials = { username: "admin", password: "pw-for-prod-tests" };
const auth = "Basic " + Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64");
const SECURITY = { admins: { names: ["admin"], roles: [] }, members: { names: ["admin"], roles: [] } };

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

async function peer(opts: Parameters<typeof startCouchPeer>[0] = {}) {
  const p = await startCouchPeer({ ...credentials, ...opts });
  cleanups.push(() => p.close());
  return p;
}

async function harness(opts: Parameters<typeof startHarness>[0]): Promise<Harness> {
  const h = await startHarness(opts);
  cleanups.push(() => h.close());
  return h;
}

async function tmp(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "atelier-couch-prod-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A port nothing listens on (taken and released). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

type Fault = "401" | "html" | "reset" | undefined;

/**
 * A proxy in front of the peer, to make it fail as production does in ways a process signal
 * cannot: a CouchDB whose password was changed (401), a web server or a captive portal answering
 * HTML, a connection reset on one request. `fault` decides per request (undefined: forwarded).
 */
async function faultyProxy(target: string) {
  const t = new URL(target);
  const state: { fault?: (req: IncomingMessage) => Fault } = {};
  const server = createHttpServer((req, res) => {
    const f = state.fault?.(req);
    if (f === "reset") return void req.socket.destroy();
    if (f === "401") {
      res.writeHead(401, { "content-type": "application/json" });
      return void res.end(JSON.stringify({ error: "unauthorized", reason: "Name or password is incorrect." }));
    }
    if (f === "html") {
      res.writeHead(200, { "content-type": "text/html" });
      return void res.end("<!doctype html><html><body><h1>Please sign in</h1></body></html>");
    }
    const up = httpRequest(
      { host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on("error", () => res.destroy());
    res.on("close", () => up.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return Object.assign(state, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
}

/** A request straight to the CouchDB (as admin, or anonymous). */
async function couch(url: string, method = "GET", body?: unknown, o: { anonymous?: boolean; type?: string } = {}) {
  const r = await fetch(url, {
    method,
    headers: {
      ...(o.anonymous ? {} : { Authorization: auth }),
      ...(body !== undefined ? { "Content-Type": o.type ?? "application/json" } : {}),
    },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await r.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // text
  }
  return { status: r.status, body: json };
}

/** Lines an operator reads (debug left out). */
const said = (h: Harness, from = 0) => h.logs.slice(from).filter((l) => !l.startsWith("debug: "));
const link = (h: Harness) =>
  (h.fs as unknown as { factory: { link: { health(): { failed: number } } } }).factory.link.health();

describe("errors name their cause; FullSync waits for its database", () => {
  it("a wrong password: 401 named everywhere, a CouchDB-shaped 503 for devices, one log line", async () => {
    const p = await peer();
    const h = await harness({
      couch: { url: p.url, username: "admin", password: "wrong-password-123" },
      tuning: { reconnectMaxMs: 100 },
    });
    await h.fs.setDatabases([decl("shared")]);
    const text = h.logs.join("\n");
    expect(text).toMatch(/HTTP 401 unauthorized: Name or password is incorrect/);
    expect(text).not.toMatch(/\[object Object\]/);
    expect(text).not.toContain("wrong-password-123");
    expect(h.fs.databases()).toEqual(["shared"]);
    expect(h.fs.health()).toMatchObject({
      database: "down",
      cause: expect.stringMatching(/refused the engine's credentials \(HTTP 401/),
      waiting: [
        { db: "c8ofullsyncgrp", cause: expect.stringMatching(/Name or password is incorrect/) },
        { db: "shared", cause: expect.stringMatching(/group database/) },
      ],
    });

    const sid = h.login("alice");
    const r = await h.request("GET", "/shared/_changes", { sid });
    expect(r.status).toBe(503);
    expect(r.body).toEqual({
      error: "service_unavailable",
      reason: expect.stringMatching(/cannot open the database shared yet: .*401.*Name or password is incorrect/),
    });
    expect(r.headers.get("retry-after")).toBe("5");
    // A PouchDB client reads it as CouchDB's error.
    await expect(pull(h.remote("shared", sid), h.device())).rejects.toMatchObject({ status: 503 });
    // Sequences: their data calls and group steps fail with the cause, as errors with a status.
    await expect(h.fs.data("shared").get("x")).rejects.toMatchObject({
      status: 503,
      message: expect.stringMatching(/"shared" is not open yet: .*HTTP 401/),
    });
    await expect(h.fs.groups.addUserToGroup("alice", "team")).rejects.toMatchObject({ status: 503 });
    expect(h.fs.groups.groupsOf("alice")).toEqual([]);

    // A retrying device and the server's own retries: still one line for the outage.
    for (let i = 0; i < 20; i++) expect((await h.request("GET", "/shared", { sid })).status).toBe(503);
    await vi.waitFor(() => expect(link(h).failed, "several retries").toBeGreaterThan(5), {
      timeout: 10_000,
      interval: 50,
    });
    expect(said(h).filter((l) => /cannot be used/.test(l))).toHaveLength(1);
    expect(said(h).length, said(h).join("\n")).toBeLessThanOrEqual(3);
  }, 60_000);

  it("nothing listens at start: connection refused is said; once the CouchDB starts, everything opens by itself", async () => {
    const port = await freePort();
    const h = await harness({
      couch: { url: `http://127.0.0.1:${port}`, ...credentials },
      tuning: { reconnectMaxMs: 200 },
    });
    await h.fs.setDatabases([decl("shared")]);
    expect(h.logs.join("\n")).toMatch(/connection refused/);
    const sid = h.login("alice");
    const r = await h.request("GET", "/shared", { sid });
    expect(r.status).toBe(503);
    expect((r.body as { reason: string }).reason).toMatch(/connection refused/);

    await peer({ port });
    await vi.waitFor(async () => expect((await h.request("GET", "/shared", { sid })).status).toBe(200), {
      timeout: 20_000,
      interval: 100,
    });
    expect(h.fs.health()).toMatchObject({ database: "up", waiting: [] });
    await h.fs.data("shared").put({ _id: "a1", "~c8oAcl": "alice" });
    await h.fs.groups.addUserToGroup("alice", "team");
    const d = h.device();
    await pull(h.remote("shared", sid), d);
    expect(await ids(d)).toEqual(["a1"]);
    const lines = said(h).join("\n");
    expect(lines.match(/answers again, after/g)).toHaveLength(1);
    expect(lines).toMatch(/opened .*\/shared \(after/);
  }, 60_000);

  it("an unknown host and TLS failures are named (devices get 503 naming them)", async () => {
    const dir = await tmp();
    const cert = path.join(dir, "cert.pem");
    const key = path.join(dir, "key.pem");
    await new Promise<void>((resolve, reject) =>
      execFile(
        "openssl",
        ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
          .concat(["-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=couch"])
          .concat(["-addext", "subjectAltName=IP:127.0.0.1"]),
        { timeout: 30_000 },
        (e) => (e ? reject(e) : resolve()),
      ),
    );
    const tls = createHttpsServer({ cert: await readFile(cert), key: await readFile(key) }, (_q, r) => r.end("{}"));
    await new Promise<void>((r) => tls.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise<void>((r) => tls.close(() => r())));
    const plain = await peer();
    const cases = [
      { url: "http://atelier-no-such-host.invalid:5984", cause: /^host name not found \((ENOTFOUND|EAI_AGAIN)\)$/ },
      {
        url: `https://127.0.0.1:${(tls.address() as AddressInfo).port}`,
        cause: /^TLS failed: self-signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\)$/,
      },
      {
        url: plain.url.replace(/^http:/, "https:"),
        cause:
          /^TLS failed: the server does not answer TLS at that address \(wrong version number: an https:\/\/ URL for an http:\/\/ port\?\) \(EPROTO\)$/,
      },
    ];
    for (const c of cases) {
      const h = await harness({ couch: { url: c.url, ...credentials }, tuning: { reconnectMaxMs: 60_000 } });
      await h.fs.setDatabases([decl("shared")]);
      expect(h.fs.health(), c.url).toMatchObject({ database: "down", cause: expect.stringMatching(c.cause) });
      const r = await h.request("GET", "/shared", { sid: h.login("alice") });
      expect(r.status).toBe(503);
      expect((r.body as { error: string }).error).toBe("service_unavailable");
      expect((r.body as { reason: string }).reason).toContain(h.fs.health().cause!);
      const lines = said(h).join("\n");
      expect(lines).toContain(h.fs.health().cause!);
      expect(lines).not.toMatch(/\[object Object\]|fetch failed|deps\/openssl/);
      expect(lines).not.toContain(credentials.password);
    }
  }, 60_000);

  it("credentials refused while FullSync runs, then a page that is not CouchDB's: 502 naming each, one line", async () => {
    const p = await peer();
    const proxy = await faultyProxy(p.url);
    const h = await harness({ couch: { url: proxy.url, ...credentials, timeouts: { readMs: 3000 } } });
    await h.fs.setDatabases([decl("shared")]);
    await h.fs.data("shared").put({ _id: "a1", "~c8oAcl": "alice" });
    await h.fs.flush();
    const sid = h.login("alice");
    const from = h.logs.length;

    // The CouchDB's admin changed the password FullSync uses.
    proxy.fault = () => "401";
    const r = await h.request("GET", "/shared/a1", { sid });
    expect(r.status).toBe(502);
    expect(r.body).toEqual({
      error: "bad_gateway",
      reason: expect.stringMatching(
        /^FullSync cannot use its database: the CouchDB refused the engine's credentials \(HTTP 401 unauthorized: Name or password is incorrect\.\)/,
      ),
    });
    await expect(h.fs.data("shared").get("a1")).rejects.toMatchObject({ status: 502 });
    await expect(h.fs.data("shared").put({ _id: "a2", "~c8oAcl": "alice" })).rejects.toMatchObject({ status: 502 });
    expect((await h.request("POST", "/shared/_bulk_docs", { sid, body: { docs: [{ _id: "a3" }] } })).status).toBe(502);

    // A web page where the CouchDB was (a captive portal, a web server at that address).
    proxy.fault = () => "html";
    const html = await h.request("GET", "/shared/a1", { sid });
    expect(html.status).toBe(502);
    expect((html.body as { reason: string }).reason).toMatch(
      /answered GET \/shared\/<document> with HTTP 200 text\/html, not CouchDB's JSON: is fullsync\.couchUrl a CouchDB\?/,
    );
    expect(h.fs.health()).toMatchObject({ database: "down", cause: expect.stringMatching(/not CouchDB's JSON/) });
    for (let i = 0; i < 20; i++)
      expect((await h.request("GET", "/shared/_all_docs?include_docs=true", { sid })).status).toBe(502);

    proxy.fault = undefined;
    await vi.waitFor(async () => expect((await h.request("GET", "/shared/a1", { sid })).status).toBe(200), {
      timeout: 15_000,
      interval: 100,
    });
    const lines = said(h, from);
    expect(
      lines.filter((l) => /cannot be used/.test(l)),
      lines.join("\n"),
    ).toEqual([
      expect.stringMatching(/^error: the CouchDB at .* cannot be used: the CouchDB refused the engine's credentials/),
    ]);
    expect(lines.filter((l) => /answers again, after/.test(l))).toHaveLength(1);
    expect(lines.length, lines.join("\n")).toBeLessThanOrEqual(2);
    expect(lines.join("\n")).not.toContain(credentials.password);
  }, 60_000);
});

describe("time limits toward the database, statuses and logs while it is down", () => {
  it("a frozen CouchDB (SIGSTOP): devices get 504 in time, one line per outage, everything resumes on SIGCONT", async () => {
    const p = await peer();
    const h = await harness({
      couch: { url: p.url, ...credentials, timeouts: { readMs: 2000, writeMs: 3000, queryMs: 3000 } },
    });
    await h.fs.setDatabases([decl("shared")]);
    await h.fs.data("shared").bulkDocs([
      { _id: "a1", "~c8oAcl": "alice" },
      { _id: "b1", "~c8oAcl": "bob" },
    ]);
    const sid = h.login("alice");
    const d = h.device();
    const live = (
      PouchDB as unknown as { replicate(a: unknown, b: unknown, o: unknown): { cancel(): void } }
    ).replicate(h.remote("shared", sid), d, { live: true, retry: true });
    cleanups.push(async () => live.cancel());
    await vi.waitFor(async () => expect(await ids(d)).toEqual(["a1"]), { timeout: 10_000, interval: 20 });
    const from = h.logs.length;

    process.kill(p.child.pid!, "SIGSTOP");
    try {
      let t0 = performance.now();
      const r = await h.request("GET", "/shared/a1", { sid });
      expect(r.status).toBe(504);
      expect(r.body).toEqual({
        error: "timeout",
        reason: expect.stringMatching(/did not answer within 2 s \(GET \/shared\/<document>\)/),
      });
      expect(performance.now() - t0).toBeLessThan(8000);
      t0 = performance.now();
      const w = await h.request("POST", "/shared/_bulk_docs", { sid, body: { docs: [{ _id: "a2" }] } });
      expect(w.status).toBe(504);
      expect(performance.now() - t0).toBeLessThan(10_000);
      await expect(h.fs.data("shared").get("a1")).rejects.toMatchObject({ status: 504 });
      // A device retrying hard: 20 requests at once, all answered 504, one log line.
      const many = await Promise.all(
        Array.from({ length: 20 }, () => h.request("GET", "/shared/_all_docs?include_docs=true", { sid })),
      );
      expect(many.map((x) => x.status)).toEqual(many.map(() => 504));
      const lines = said(h, from);
      expect(lines.filter((l) => l.startsWith("error: "))).toHaveLength(1);
      expect(lines.join("\n")).toMatch(/the CouchDB at .* cannot be used: the CouchDB did not answer within 2 s/);
      expect(lines.join("\n")).not.toMatch(/\n\s+at /);
      expect(h.fs.health()).toMatchObject({ database: "down", cause: expect.stringMatching(/did not answer/) });
    } finally {
      process.kill(p.child.pid!, "SIGCONT");
    }
    await vi.waitFor(async () => expect((await h.request("GET", "/shared/a1", { sid })).status).toBe(200), {
      timeout: 15_000,
      interval: 100,
    });
    // The live device goes on by itself: a write made in the CouchDB after the outage arrives.
    expect((await couch(`${p.url}/shared/direct`, "PUT", { "~c8oAcl": "alice" })).status).toBe(201);
    await vi.waitFor(async () => expect(await ids(d)).toContain("direct"), { timeout: 15_000, interval: 50 });
    const lines = said(h, from);
    expect(lines.filter((l) => /answers again, after/.test(l))).toHaveLength(1);
    expect(lines.length, lines.join("\n")).toBeLessThanOrEqual(3);
    expect(h.fs.health()).toMatchObject({ database: "up" });
  }, 60_000);

  it("a CouchDB that went away answers 503 (connection refused); started again, it is used again", async () => {
    const dir = await tmp();
    const first = await startCouchPeer({ ...credentials, dir });
    const port = Number(new URL(first.url).port);
    const h = await harness({ couch: { url: first.url, ...credentials } });
    await h.fs.setDatabases([decl("shared")]);
    await h.fs.data("shared").put({ _id: "a1", "~c8oAcl": "alice" });
    const sid = h.login("alice");
    await first.close();

    const r = await h.request("GET", "/shared/a1", { sid });
    expect(r.status).toBe(503);
    expect(r.body).toEqual({
      error: "service_unavailable",
      reason: "FullSync cannot use its database: connection refused (nothing listens at that address)",
    });
    await expect(h.fs.data("shared").put({ _id: "a2" })).rejects.toMatchObject({ status: 503 });

    await peer({ dir, port });
    await vi.waitFor(async () => expect((await h.request("GET", "/shared/a1", { sid })).status).toBe(200), {
      timeout: 15_000,
      interval: 100,
    });
    expect(said(h).filter((l) => /cannot be used/.test(l))).toHaveLength(1);
  }, 45_000);
});

describe("security of the databases FullSync creates and opens", () => {
  it("on a server whose new databases are open to anyone: FullSync's are closed; an open one is said", async () => {
    const p = await peer({ defaultSecurity: "everyone" });
    // A database made by another program, open to anyone (no members in its _security).
    expect((await couch(`${p.url}/legacy`, "PUT")).status).toBe(201);
    expect((await couch(`${p.url}/legacy`, "GET", undefined, { anonymous: true })).status).toBe(200);

    const h = await harness({ couch: { url: p.url, ...credentials } });
    await h.fs.setDatabases([decl("fresh"), decl("legacy")]);
    for (const db of ["fresh", "c8ofullsyncgrp"]) {
      expect((await couch(`${p.url}/${db}/_security`)).body).toEqual(SECURITY);
      expect((await couch(`${p.url}/${db}`, "GET", undefined, { anonymous: true })).status).toBe(401);
      expect((await couch(`${p.url}/${db}/_all_docs`, "GET", undefined, { anonymous: true })).status).toBe(401);
      expect((await couch(`${p.url}/${db}/intruder`, "PUT", { x: 1 }, { anonymous: true })).status).toBe(401);
    }
    await h.fs.data("fresh").put({ _id: "x", "~c8oAcl": "alice" });
    expect((await couch(`${p.url}/fresh/x`)).body).toMatchObject({ "~c8oAcl": "alice" });

    // The database FullSync did not create is left as it is, and said to be open, loudly.
    expect((await couch(`${p.url}/legacy/_security`)).body).toEqual({});
    const lines = said(h).join("\n");
    expect(lines).toMatch(/warn: .*\/legacy is readable without credentials: anyone who reaches the CouchDB/);
    expect(lines).toMatch(/info: .*\/legacy has no members in its _security/);
    expect(lines).not.toMatch(/fresh is readable|c8ofullsyncgrp is readable/);
    expect(h.fs.health().warnings).toEqual([expect.stringMatching(/\/legacy is readable without credentials/)]);
  }, 60_000);
});

describe("security: a database whose creation was cut short", () => {
  it("gets its _security on the next attempt when the CouchDB failed between creating it and securing it", async () => {
    const p = await peer({ defaultSecurity: "everyone" });
    const proxy = await faultyProxy(p.url);
    let cut = 0;
    proxy.fault = (req) =>
      req.method === "PUT" && req.url === "/fresh/_security" && cut++ === 0 ? "reset" : undefined;
    const h = await harness({ couch: { url: proxy.url, ...credentials }, tuning: { reconnectMaxMs: 200 } });
    await h.fs.setDatabases([decl("fresh")]);
    const sid = h.login("alice");
    await vi.waitFor(async () => expect((await h.request("GET", "/fresh", { sid })).status).toBe(200), {
      timeout: 15_000,
      interval: 100,
    });
    expect(cut).toBeGreaterThanOrEqual(2);
    expect((await couch(`${p.url}/fresh/_security`)).body).toEqual(SECURITY);
    expect((await couch(`${p.url}/fresh`, "GET", undefined, { anonymous: true })).status).toBe(401);
    expect(h.fs.health()).toMatchObject({ database: "up", waiting: [], warnings: [] });
  }, 60_000);
});

describe("the revision limit", () => {
  it("is set as CouchDB 3 takes it (a JSON number, application/json), and applied", async () => {
    const p = await peer();
    // The peer is as strict as CouchDB 3 about the request.
    expect((await couch(`${p.url}/probe`, "PUT")).status).toBe(201);
    expect((await couch(`${p.url}/probe/_revs_limit`, "PUT", "5", { type: "text/plain" })).status).toBe(415);
    expect((await couch(`${p.url}/probe/_revs_limit`, "PUT", '"5"')).status).toBe(400);
    expect((await couch(`${p.url}/probe/_revs_limit`, "PUT", "5")).body).toEqual({ ok: true });

    const h = await harness({ couch: { url: p.url, ...credentials } });
    await h.fs.setDatabases([decl("revs", { revsLimit: 3 })]);
    expect((await couch(`${p.url}/revs/_revs_limit`)).body).toBe(3);
    const data = h.fs.data("revs");
    let rev = (await data.put({ _id: "doc", n: 0 })).rev;
    for (let n = 1; n < 8; n++) rev = (await data.put({ _id: "doc", _rev: rev, n })).rev;
    const stored = (await couch(`${p.url}/revs/doc?revs=true`)).body as { _revisions: { ids: string[] } };
    expect(stored._revisions.ids).toHaveLength(3);
    expect(h.logs.join("\n")).not.toMatch(/revision limit|_revs_limit/);
  }, 60_000);

  it("a server without _revs_limit (pouchdb-server, express-pouchdb) is named at every open, never silently", async () => {
    const p = await peer({ revsLimit: false });
    const h = await harness({ couch: { url: p.url, ...credentials } });
    await h.fs.setDatabases([decl("revs", { revsLimit: 3 })]);
    const warning =
      /warn: .*\/revs: the server does not apply the revision limit 3 \(PUT _revs_limit answered HTTP 400 bad_request: invalid_json\); it keeps its own number of revisions per document \(.*1000\)/;
    expect(h.logs.join("\n")).toMatch(warning);
    expect(h.fs.health().warnings).toEqual([expect.stringMatching(/does not apply the revision limit 3/)]);
  }, 60_000);
});

describe("pouchdb-server itself (express-pouchdb in fullCouchDB mode, its own authentication and _security)", () => {
  it("a wrong password is named; with the right one FullSync serves, its database closed, the revision limit said", async () => {
    const p = await peer({ pouchdbServer: true });
    const bad = await harness({
      couch: { url: p.url, username: "admin", password: "not-the-password" },
      tuning: { reconnectMaxMs: 60_000 },
    });
    await bad.fs.setDatabases([decl("shared")]);
    expect(bad.fs.health()).toMatchObject({
      database: "down",
      cause: expect.stringMatching(
        /refused the engine's credentials \(HTTP 401 unauthorized: Name or password is incorrect\.\)/,
      ),
    });
    const r = await bad.request("GET", "/shared/_changes", { sid: bad.login("alice") });
    expect(r.status).toBe(503);
    expect((r.body as { reason: string }).reason).toMatch(/Name or password is incorrect/);
    expect(bad.logs.join("\n")).not.toMatch(/\[object Object\]|not-the-password/);

    const h = await harness({ couch: { url: p.url, ...credentials } });
    await h.fs.setDatabases([decl("shared", { revsLimit: 5 })]);
    await h.fs
      .data("shared")
      .bulkDocs([{ _id: "a1", "~c8oAcl": "alice" }, { _id: "b1", "~c8oAcl": "bob" }, { _id: "pub" }]);
    const d = h.device();
    await pull(h.remote("shared", h.login("alice")), d);
    expect(await ids(d)).toEqual(["a1", "pub"]);
    expect((await couch(`${p.url}/shared/_security`)).body).toEqual(SECURITY);
    expect((await couch(`${p.url}/shared/a1`, "GET", undefined, { anonymous: true })).status).toBe(401);
    expect((await couch(`${p.url}/c8ofullsyncgrp/_all_docs`, "GET", undefined, { anonymous: true })).status).toBe(401);
    expect(h.fs.health()).toMatchObject({
      database: "up",
      warnings: [
        expect.stringMatching(
          /does not apply the revision limit 5 \(PUT _revs_limit answered HTTP 400 bad_request: invalid_json\)/,
        ),
      ],
    });
  }, 60_000);
});

describe("the principal index over an external CouchDB", () => {
  it("is kept as a snapshot: the next start loads it, catches up with writes made meanwhile, and refuses a replaced database", async () => {
    const p = await peer();
    const snapshots = await tmp();
    const start = async () => {
      const h = await startHarness({ couch: { url: p.url, ...credentials }, snapshotDir: snapshots });
      await h.fs.setDatabases([decl("shared")]);
      return h;
    };
    let h = await start();
    expect(h.fs.indexStats("shared")?.source).toBe("rebuilt");
    await h.fs
      .data("shared")
      .bulkDocs(Array.from({ length: 50 }, (_, i) => ({ _id: `d${i}`, "~c8oAcl": i % 2 ? "alice" : "bob" })));
    await h.fs.flush();
    await h.close();

    // Written by another program while FullSync was stopped.
    expect((await couch(`${p.url}/shared/direct`, "PUT", { "~c8oAcl": "alice" })).status).toBe(201);
    h = await start();
    try {
      expect(h.fs.indexStats("shared")).toMatchObject({ source: "snapshot", docs: 51 });
      const d = h.device();
      await pull(h.remote("shared", h.login("alice")), d);
      expect(await ids(d)).toHaveLength(26);
      expect(await ids(d)).toContain("direct");
      // The snapshot's token lives in the CouchDB under this engine's own key.
      const id = (await readFile(path.join(snapshots, "instance-id"), "utf8")).trim();
      expect((await couch(`${p.url}/shared/_local/c8o-fullsync-index-${id}`)).status).toBe(200);
    } finally {
      await h.close();
    }

    // The database replaced by another one of the same name: the snapshot is not used.
    expect((await couch(`${p.url}/shared`, "DELETE")).status).toBe(200);
    h = await start();
    try {
      expect(h.fs.indexStats("shared")).toMatchObject({ source: "rebuilt", docs: 0 });
      expect(h.logs.join("\n")).toMatch(/index snapshot is for another database; rebuilding/);
    } finally {
      await h.close();
    }
  }, 60_000);
});
