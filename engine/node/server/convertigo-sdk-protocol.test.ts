import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAtelier, type RunningAtelier } from "../app.ts";
import { EngineLog } from "../log.ts";
import { testWorkspace, type TestWorkspace } from "../testing/harness.ts";
import { readWorkspaceConfig } from "../project/workspace.ts";
import { readTlsFiles } from "./tls.ts";

// The protocol as Convertigo's SDKs (c8osdkjscore, c8osdkangular) speak it; the same calls are
// made by the real SDK in Chromium in e2e/convertigo-sdk.spec.ts.

let ws: TestWorkspace;
let app: RunningAtelier;
const log = new EngineLog({ level: "silent" });

const url = (p: string) => new URL(p, app.url).toString();
const form = (fields: Record<string, string>) => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(fields).toString(),
});

beforeAll(async () => {
  ws = await testWorkspace({
    sequences: [
      {
        type: "Sequence",
        name: "Greet",
        children: [
          { type: "Variable", name: "name", default: "World" },
          { type: "Element", name: "greeting", expression: '"Hello, " + name + "!"' },
        ],
      },
      {
        type: "Sequence",
        name: "Fail",
        children: [{ type: "Error", name: "e", code: "42", message: "Deliberate failure" }],
      },
      {
        type: "Sequence",
        name: "Login",
        children: [
          { type: "Variable", name: "user" },
          { type: "SetAuthenticatedUser", name: "set", expression: "user" },
        ],
      },
    ],
  });
  // A second project, "Other", whose endpoint an app may be configured with.
  const other = path.join(ws.dir, "Other");
  await cp(path.join(ws.dir, "P"), other, { recursive: true });
  const projectFile = path.join(other, "project.yaml");
  await writeFile(projectFile, (await readFile(projectFile, "utf8")).replace(/\bP\b/g, "Other"));
  await writeFile(
    path.join(ws.dir, "atelier.config.yaml"),
    "cors:\n  origins: [https://app.example.com, capacitor://localhost]\n",
  );
  app = await startAtelier({ workspaceDir: ws.dir, studio: false, fullsync: { inMemory: true }, log });
});
afterAll(async () => {
  await app?.close();
  await ws?.close();
});

describe("__project", () => {
  it("takes the project from __project first, as Convertigo does", async () => {
    const res = await fetch(url("projects/Other/.json"), form({ __project: "P", __sequence: "Greet", name: "Ada" }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ greeting: "Hello, Ada!" });
    // Without __project, the URL's project.
    const own = await fetch(url("projects/Other/.json"), form({ __sequence: "Greet" }));
    expect(await own.json()).toEqual({ greeting: "Hello, World!" });
  });

  it("answers unknown_project for a __project that is not loaded, whatever the URL", async () => {
    const res = await fetch(url("projects/P/.json"), form({ __project: "Nope", __sequence: "Greet" }));
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unknown_project");
  });
});

/** A logs.Add call as the SDKs make it (C8oLogger.logRemote). */
function logsAdd(route: string, msgs: { level: string; msg: string }[], extra: Record<string, string> = {}) {
  return fetch(
    url(route),
    form({
      logs: JSON.stringify(msgs.map((m, i) => ({ time: String(i / 10), ...m }))),
      __uuid: "DEVICE-1234",
      env: JSON.stringify({ uid: "X", uuid: "DEVICE-1234", project: "P" }),
      __removeNamespaces: "true",
      ...extra,
    }),
  );
}

describe("logs.Add", () => {
  it("answers {remoteLogLevel} anonymously on both routes and writes the entries to the engine log", async () => {
    for (const route of ["services/logs.Add", "admin/services/logs.Add"]) {
      const mark = `hello from ${route} ${Math.random()}`;
      const res = await logsAdd(route, [{ level: "info", msg: mark }]);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ remoteLogLevel: "info" });
      const rec = log.recent().find((r) => r.message.includes(mark));
      expect(rec).toMatchObject({ level: "info", project: "P" });
      expect(rec!.message).toMatch(/^\[device DEVICE-1234 /);
    }
    // The newer SDK's reachability probe: an empty batch answers too.
    const probe = await fetch(url("services/logs.Add"), form({ logs: "[]" }));
    expect(probe.status).toBe(200);
  });

  it("answers CORS preflights and calls of allowed origins on both routes", async () => {
    for (const route of ["services/logs.Add", "admin/services/logs.Add"]) {
      const pre = await fetch(url(route), {
        method: "OPTIONS",
        headers: {
          origin: "capacitor://localhost",
          "access-control-request-method": "POST",
          "access-control-request-headers": "headers,x-convertigo-sdk",
        },
      });
      expect(pre.status).toBe(204);
      expect(pre.headers.get("access-control-allow-origin")).toBe("capacitor://localhost");
      expect(pre.headers.get("access-control-allow-headers")).toBe("headers, x-convertigo-sdk");
    }
    // The rest of /admin stays closed to other origins.
    const admin = await fetch(url("admin/services/engine.Authenticate"), {
      method: "OPTIONS",
      headers: { origin: "capacitor://localhost", "access-control-request-method": "POST" },
    });
    expect(admin.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("bounds what an anonymous caller can write: entries, length, control characters, rate", async () => {
    const before = log.recent().length;
    const long = "at\r\nline two \u001b[31mred\u202e" + "x".repeat(10_000);
    const many = Array.from({ length: 150 }, (_, i) => ({
      level: i === 0 ? "fatal" : "debug",
      msg: i === 0 ? long : `m${i}`,
    }));
    const res = await logsAdd("services/logs.Add", many, { env: "not json" });
    expect(res.status).toBe(200);
    const written = log
      .recent()
      .slice(before)
      .filter((r) => r.message.startsWith("[device"));
    // 100 entries at most per call; none labelled with a project from a broken env.
    expect(written.length).toBe(100);
    expect(written.every((r) => r.project === undefined)).toBe(true);
    expect(written[0]!.level).toBe("error");
    // Line feeds stay (stack traces), carriage returns, escapes and bidi controls do not.
    expect(written[0]!.message).toContain("at\ufffd\nline two \ufffd[31mred\ufffd");
    expect(written[0]!.message).toContain("more characters");
    expect(written[0]!.message.length).toBeLessThan(4300);
    // 120 per client per minute: the rest is dropped and the SDK told to stop ("none").
    const again = await logsAdd(
      "services/logs.Add",
      Array.from({ length: 50 }, (_, i) => ({ level: "info", msg: `n${i}` })),
    );
    expect(await again.json()).toEqual({ remoteLogLevel: "none" });
    const after = log.recent().filter((r) => /\] info: n\d+$/.test(r.message));
    expect(after.length).toBeLessThanOrEqual(20);
    // A body over the service's limit is refused before any parsing.
    const big = await fetch(url("services/logs.Add"), form({ logs: "x".repeat(300 * 1024) }));
    expect(big.status).toBe(413);
  });
});

describe("errors as Convertigo answers them", () => {
  const fail = (headers: Record<string, string>, extra: Record<string, string> = {}) =>
    fetch(url("projects/P/.json"), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams({ __sequence: "Fail", ...extra }).toString(),
    });

  it("answers 200 with {error} to Convertigo's SDKs, the HTTP status to other callers (auto)", async () => {
    const plain = await fail({});
    expect(plain.status).toBe(500);
    const sdk = await fail({ "x-convertigo-sdk": "4.0.22" });
    expect(sdk.status).toBe(200);
    expect(await sdk.json()).toMatchObject({ error: { code: 42, message: "Deliberate failure" } });
    // The older SDK's header never arrives, but its forms carry __removeNamespaces.
    const older = await fail({}, { __removeNamespaces: "true" });
    expect(older.status).toBe(200);
    // An unknown sequence is a run error too.
    const unknown = await fetch(url("projects/P/.json"), {
      ...form({ __sequence: "Nope" }),
      headers: { "content-type": "application/x-www-form-urlencoded", "x-convertigo-sdk": "2.2.0" },
    });
    expect(unknown.status).toBe(200);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("unknown_sequence");
  });

  it("follows the errorStatus setting (project Setting, atelier.config.yaml settings, --set)", async () => {
    const engine = app.engine;
    engine.setConfigSettings({ errorStatus: "convertigo" });
    try {
      expect((await fail({})).status).toBe(200);
      engine.setConfigSettings({ "P.errorStatus": "http" });
      expect((await fail({ "x-convertigo-sdk": "4.0.22" })).status).toBe(500);
      engine.setConfigSettings({ errorStatus: "bogus" });
      expect((await fail({})).status).toBe(500);
      expect(log.recent().filter((r) => r.message.includes('errorStatus is "bogus"')).length).toBe(1);
      await fail({});
      expect(log.recent().filter((r) => r.message.includes('errorStatus is "bogus"')).length).toBe(1);
    } finally {
      engine.setConfigSettings({});
    }
  });
});

describe("CORS as the SDKs need it", () => {
  it("allows the headers the SDKs ask for on every route they call, for allowed origins only", async () => {
    const routes = [
      "projects/P/.json",
      "services/user.Get",
      "services/logs.Add",
      "admin/services/logs.Add",
      "fullsync/anydb/_changes?feed=longpoll",
    ];
    for (const route of routes) {
      const pre = await fetch(url(route), {
        method: "OPTIONS",
        headers: {
          origin: "https://app.example.com",
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type,x-convertigo-sdk,headers",
        },
      });
      expect({ route, status: pre.status }).toEqual({ route, status: 204 });
      expect(pre.headers.get("access-control-allow-headers")).toBe("content-type, x-convertigo-sdk, headers");
      expect(pre.headers.get("access-control-allow-credentials")).toBe("true");
      const evil = await fetch(url(route), {
        method: "OPTIONS",
        headers: {
          origin: "https://evil.example",
          "access-control-request-method": "POST",
          "access-control-request-headers": "x-convertigo-sdk",
        },
      });
      expect(evil.headers.get("access-control-allow-origin")).toBeNull();
      expect(evil.headers.get("access-control-allow-headers")).toBeNull();
    }
  });

  it("allows only well-formed header names, a bounded number of them", async () => {
    const names = Array.from({ length: 80 }, (_, i) => `x-h${i}`);
    const pre = await fetch(url("projects/P/.json"), {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": ["bad name", "x(y)", ...names].join(","),
      },
    });
    const allowed = pre.headers.get("access-control-allow-headers")!.split(", ");
    expect(allowed.length).toBe(48);
    expect(allowed).not.toContain("bad name");
    expect(allowed).not.toContain("x(y)");
  });
});

/** A self-signed certificate for 127.0.0.1 (openssl), in a temp folder. */
async function selfSignedCert(dir: string): Promise<{ certFile: string; keyFile: string }> {
  const certFile = path.join(dir, "cert.pem");
  const keyFile = path.join(dir, "key.pem");
  await promisify(execFile)("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    keyFile,
    "-out",
    certFile,
    "-days",
    "2",
    "-subj",
    "/CN=127.0.0.1",
    "-addext",
    "subjectAltName=IP:127.0.0.1",
  ]);
  return { certFile, keyFile };
}

describe("cross-site session cookies", () => {
  it("sets SameSite=None; Secure; Partitioned for allowed origins over HTTPS, SameSite=Lax otherwise", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "atelier-tls-"));
    const { certFile, keyFile } = await selfSignedCert(dir);
    const tls = await readTlsFiles(certFile, keyFile);
    const dispatcher = new Agent({ connect: { ca: tls.cert } });
    const secure = await startAtelier({
      workspaceDir: ws.dir,
      studio: false,
      fullsync: false,
      scheduler: false,
      log,
      tls,
    });
    try {
      expect(secure.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
      const login = (origin?: string) =>
        fetch(new URL("projects/P/.json", secure.url), {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", ...(origin ? { origin } : {}) },
          body: "__sequence=Login&user=ada",
          dispatcher,
        } as RequestInit);
      const cross = await login("capacitor://localhost");
      expect(cross.headers.get("access-control-allow-origin")).toBe("capacitor://localhost");
      expect(cross.headers.get("set-cookie")).toMatch(/; HttpOnly; SameSite=None; Secure; Partitioned$/);
      // The cookie works across the API and FullSync's session (user.Get reads it).
      const sid = cross.headers.get("set-cookie")!.split(";")[0]!;
      const who = await fetch(new URL("services/user.Get", secure.url), {
        headers: { cookie: sid, origin: "capacitor://localhost" },
        dispatcher,
      } as RequestInit);
      expect(await who.json()).toMatchObject({ authenticated: true, user: "ada" });
      // Same-site pages and other origins keep SameSite=Lax.
      expect((await login()).headers.get("set-cookie")).toMatch(/SameSite=Lax; Secure$/);
      expect((await login("https://evil.example")).headers.get("set-cookie")).toMatch(/SameSite=Lax; Secure$/);
      // Over plain HTTP, SameSite=None is never set (browsers refuse it without Secure).
      const plain = await fetch(url("projects/P/.json"), {
        ...form({ __sequence: "Login", user: "bob" }),
        headers: { "content-type": "application/x-www-form-urlencoded", origin: "capacitor://localhost" },
      });
      expect(plain.headers.get("set-cookie")).toMatch(/; HttpOnly; SameSite=Lax$/);
    } finally {
      await secure.close();
      await dispatcher.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("says which TLS file is wrong", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "atelier-tls-"));
    try {
      const { certFile, keyFile } = await selfSignedCert(dir);
      await expect(readTlsFiles(path.join(dir, "nope.pem"), keyFile)).rejects.toThrow(
        /certificate .*nope\.pem: ENOENT/,
      );
      await expect(readTlsFiles(keyFile, certFile)).rejects.toThrow(/not a usable PEM pair/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("deviceLogs in atelier.config.yaml", () => {
  it("reads the level and budgets, and names what is wrong", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "atelier-cfg-"));
    try {
      const file = path.join(dir, "atelier.config.yaml");
      await writeFile(file, "deviceLogs:\n  remoteLogLevel: warn\n  perClientPerMinute: 10\n");
      expect((await readWorkspaceConfig(dir)).deviceLogs).toEqual({ remoteLogLevel: "warn", perClientPerMinute: 10 });
      await writeFile(file, "deviceLogs:\n  remoteLogLevel: loud\n");
      await expect(readWorkspaceConfig(dir)).rejects.toThrow(/deviceLogs.remoteLogLevel must be one of none, trace/);
      await writeFile(file, "deviceLogs:\n  perMinute: -1\n");
      await expect(readWorkspaceConfig(dir)).rejects.toThrow(/deviceLogs.perMinute must be a whole number/);
      await writeFile(file, "deviceLogs:\n  ringSize: 5\n");
      await expect(readWorkspaceConfig(dir)).rejects.toThrow(/unknown key "ringSize"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
