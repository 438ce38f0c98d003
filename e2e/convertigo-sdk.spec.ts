import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { chromium, expect, test, type BrowserContext } from "@playwright/test";
import { chromiumLaunchOptions } from "./engine-process.ts";

// Convertigo's own JS SDK (c8osdkvuejs 2.2.0 over c8osdkjscore 1.0.0, from npm, in e2e/sdk-app)
// in Chromium, against `atelier serve` over HTTPS: the app's page is served from another site
// (https://app.test, mapped to the loopback), as a Capacitor or web app on another host is. What
// runs in the page is the SDK's code; the spec only calls its public API.

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const sdkDir = path.join(repoRoot, "e2e/sdk-app");
// Installed under the repository's node_modules (which every tool skips), from e2e/sdk-app's
// package.json and lock file: the SDK's own packages never mix with the repository's sources.
const installDir = path.join(repoRoot, "node_modules/.atelier-sdk-app");
const run = promisify(execFile);

/** The SDK's packages, installed from e2e/sdk-app's lock file when missing or changed (then no network is needed). */
async function ensureSdk(): Promise<void> {
  const lock = await readFile(path.join(sdkDir, "package-lock.json"), "utf8");
  const installedLock = await readFile(path.join(installDir, "package-lock.json"), "utf8").catch(() => "");
  if (installedLock === lock && existsSync(path.join(installDir, "node_modules/c8osdkvuejs/package.json"))) return;
  await mkdir(installDir, { recursive: true });
  await writeFile(path.join(installDir, "package.json"), await readFile(path.join(sdkDir, "package.json")));
  await writeFile(path.join(installDir, "package-lock.json"), lock);
  try {
    await run("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund"], { cwd: installDir, timeout: 180_000 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(
      `Could not install Convertigo's SDK into ${installDir} (npm ci needs the registry once): ${(err.stderr ?? err.message).slice(-800)}`,
    );
  }
}

const DEMO = {
  "Demo/project.yaml": "atelier: 1\ntype: Project\nname: Demo\nid: sdkdemoproj1\n",
  "Demo/sequences/Greet.yaml": `type: Sequence
name: Greet
id: sdkseqgreet1
children:
  - type: Variable
    name: name
    id: sdkvarname01
    default: World
  - type: Element
    name: greeting
    id: sdkelgreet01
    expression: '"Hello, " + name + "!"'
`,
  "Demo/sequences/Fail.yaml": `type: Sequence
name: Fail
id: sdkseqfail01
children:
  - type: Error
    name: e
    id: sdkerrfail01
    code: "42"
    message: Deliberate failure
`,
  "Demo/sequences/Login.yaml": `type: Sequence
name: Login
id: sdkseqlogin1
children:
  - type: Variable
    name: user
    id: sdkvaruser01
  - type: SetAuthenticatedUser
    name: set
    id: sdksetuser01
    expression: user
`,
  "Demo/connectors/fs.yaml": `type: FullSyncConnector
name: fs
id: sdkconfs0001
databaseName: sdkbase
children:
  - type: FullSyncPostDocument
    name: PostDocument
    id: sdktxpost001
    accessibility: Public
    children:
      - type: Variable
        name: text
        id: sdkvartext01
`,
  // The endpoint the app is configured with: another project (callJson("Demo.X") names Demo).
  "Other/project.yaml": "atelier: 1\ntype: Project\nname: Other\nid: sdkotherpro1\n",
};

let work: string;
let pageServer: Server;
let pageOrigin: string;
let engine: ChildProcess;
let engineUrl: string;
let engineLog = "";
/** The certificate's public key hash: Chromium trusts it (no certificate error, so Secure cookies are kept). */
let spki: string;

test.beforeAll(async () => {
  test.setTimeout(240_000);
  await ensureSdk();
  work = await mkdtemp(path.join(os.tmpdir(), "atelier-sdk-e2e-"));
  const certFile = path.join(work, "cert.pem");
  const keyFile = path.join(work, "key.pem");
  await run("openssl", [
    ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
    ...["-keyout", keyFile, "-out", certFile, "-days", "2", "-subj", "/CN=127.0.0.1"],
    ...["-addext", "subjectAltName=IP:127.0.0.1,DNS:app.test"],
  ]);
  const [cert, key] = await Promise.all([readFile(certFile, "utf8"), readFile(keyFile, "utf8")]);
  spki = createHash("sha256")
    .update(new X509Certificate(cert).publicKey.export({ type: "spki", format: "der" }))
    .digest("base64");

  // The app: the SDK bundled by esbuild, in a page of its own origin.
  const bundle = await build({
    entryPoints: [path.join(sdkDir, "app.mjs")],
    absWorkingDir: sdkDir,
    nodePaths: [path.join(installDir, "node_modules")],
    bundle: true,
    format: "iife",
    platform: "browser",
    define: { global: "window" },
    // As webpack resolves them for Convertigo's apps: the SDK's CommonJS requires pouchdb-browser and
    // reads its `.default`, which only its ES module build (package.json `module`) has.
    mainFields: ["browser", "module", "main"],
    write: false,
    logLevel: "silent",
  });
  const js = bundle.outputFiles[0]!.text;
  pageServer = createServer({ cert, key }, (req, res) => {
    if (req.url === "/app.js") {
      res.setHeader("content-type", "text/javascript");
      res.end(js);
      return;
    }
    res.setHeader("content-type", "text/html");
    res.end('<!doctype html><meta charset="utf-8"><title>SDK app</title><script src="/app.js"></script>');
  });
  await new Promise<void>((r) => pageServer.listen(0, "127.0.0.1", r));
  pageOrigin = `https://app.test:${(pageServer.address() as AddressInfo).port}`;

  // The engine: `atelier serve` over HTTPS, allowing the app's origin.
  const ws = path.join(work, "ws");
  for (const [rel, text] of Object.entries(DEMO)) {
    await mkdir(path.dirname(path.join(ws, rel)), { recursive: true });
    await writeFile(path.join(ws, rel), text);
  }
  await writeFile(path.join(ws, "atelier.config.yaml"), `cors:\n  origins: [${pageOrigin}]\n`);
  engine = spawn(
    process.execPath,
    [path.join(repoRoot, "bin/atelier.js"), "serve", "--workspace", ws, "--port", "0"].concat([
      "--tls-cert",
      certFile,
      "--tls-key",
      keyFile,
    ]),
    { cwd: repoRoot, env: { ...process.env, ATELIER_LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "pipe"] },
  );
  engine.stderr!.on("data", (d: Buffer) => (engineLog += d.toString()));
  engineUrl = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`No engine URL in 30 s:\n${out}\n${engineLog}`)), 30_000);
    engine.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /Atelier engine: (https:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    engine.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`The engine exited (${code}):\n${out}\n${engineLog}`));
    });
  });
});

test.afterAll(async () => {
  if (engine && engine.exitCode === null) {
    const exited = new Promise((r) => engine.once("exit", r));
    engine.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (engine.exitCode === null) engine.kill("SIGKILL");
  }
  pageServer?.closeAllConnections();
  await new Promise((r) => (pageServer ? pageServer.close(r) : r(undefined)));
  if (work) await rm(work, { recursive: true, force: true });
});

test("Convertigo's SDK works unchanged against Atelier, from another site", async () => {
  // A browser profile of its own, as an app's web view has: Playwright's default contexts are
  // incognito-like, where Chromium blocks every third-party cookie whatever its attributes.
  const context: BrowserContext = await chromium.launchPersistentContext(path.join(work, "profile"), {
    ...chromiumLaunchOptions,
    args: [
      ...chromiumLaunchOptions.args,
      "--host-resolver-rules=MAP app.test 127.0.0.1",
      `--ignore-certificate-errors-spki-list=${spki}`,
    ],
  });
  try {
    await drive(context);
  } finally {
    await context.close();
  }
});

async function drive(context: BrowserContext): Promise<void> {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${pageOrigin}/`);
  const mark = `hello from the SDK app ${Date.now()}`;

  const results = await page.evaluate(
    async ({ endpoint, mark }) => {
      type Promiseish = { async(): Promise<unknown> };
      const { C8o, C8oSettings } = (
        globalThis as unknown as { c8oSdk: { C8o: new () => unknown; C8oSettings: new () => unknown } }
      ).c8oSdk;
      const c8o = new C8o() as unknown as {
        init(s: unknown): Promise<unknown>;
        finalizeInit(): Promise<unknown>;
        callJson(requestable: string, ...params: unknown[]): Promiseish;
        log: { info(m: string): void };
      };
      const settings = (new C8oSettings() as unknown as { setEndPoint(e: string): unknown }).setEndPoint(endpoint);
      await c8o.init(settings);
      await c8o.finalizeInit();
      const out: Record<string, unknown> = {};
      // 1. callJson("Demo.Greet") from the endpoint of the project Other (__project wins).
      out.greet = await c8o.callJson("Demo.Greet", "name", "Ada").async();
      // 3. A sequence error reaches the app's success path with the server's {error}.
      out.fail = await c8o.callJson("Demo.Fail").async();
      // 5. A session made by the API, then FullSync with its cookie (the connector denies anonymous replication).
      out.login = await c8o.callJson("Demo.Login", "user", "ada").async();
      out.post = await c8o.callJson("Demo.fs.PostDocument", "_id", "note1", "text", "from the server").async();
      out.sync = await c8o.callJson("fs://sdkbase.sync").async();
      out.doc = await c8o.callJson("fs://sdkbase.get", "docid", "note1").async();
      // 2. The app's remote logs.
      c8o.log.info(mark);
      return JSON.parse(JSON.stringify(out)) as Record<string, unknown>;
    },
    { endpoint: `${engineUrl}projects/Other`, mark },
  );

  expect(results.greet).toEqual({ greeting: "Hello, Ada!" });
  expect(results.fail).toMatchObject({ error: { code: 42, message: "Deliberate failure" } });
  expect(results.post).toMatchObject({ ok: true, id: "note1" });
  expect(results.sync).toEqual({ ok: true });
  expect(results.doc).toMatchObject({ _id: "note1", text: "from the server" });
  // The session cookie of the engine, kept for the app's site (partitioned): SameSite=None; Secure.
  const sid = (await context.cookies(engineUrl)).find((c) => c.name === "atelier_sid");
  expect(sid).toMatchObject({ sameSite: "None", secure: true, httpOnly: true, partitionKey: "https://app.test" });
  // 2. The SDK's logs reached the engine's log (the older SDK posts to /admin/services/logs.Add).
  await expect.poll(() => engineLog.includes(mark), { timeout: 15_000 }).toBe(true);
  const line = engineLog.split("\n").find((l) => l.includes(mark))!;
  expect(JSON.parse(line)).toMatchObject({ level: 30, project: "Other" });
  expect(line).toMatch(/\[device [0-9a-f-]{12} 127\.0\.0\.1\] info: hello from the SDK app/i);
}
