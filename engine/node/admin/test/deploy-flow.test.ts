/**
 * Deploying for real: an Atelier server and a developer's side (the deploy client with its
 * targets) on loopback, HTTP and HTTPS, with PSCs, Convertigo's clients, redeploys under load.
 */
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Agent, fetch as undiciFetch } from "undici";
import yazl from "yazl";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../../../common/http/api-error.ts";
import { AdminClient } from "../../deploy/admin-client.ts";
import { buildCar } from "../../deploy/car.ts";
import { deployProject, rollbackProject } from "../../deploy/deploy.ts";
import { encodeConvertigoPsc } from "../../deploy/psc.ts";
import { TargetStore } from "../../deploy/targets.ts";
import { EngineLog } from "../../log.ts";
import { convertigoFixtures } from "../../testing/fixtures.ts";
import { startAtelierServer, type RunningAtelierServer } from "../atelier-server.ts";

const run = promisify(execFile);
const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../../examples/workspace");
const temps: string[] = [];
async function temp(prefix = "atelier-deploy-"): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), prefix));
  temps.push(d);
  return d;
}

let server: RunningAtelierServer;
let stateDir: string;
let psc: string;
const PASSWORD = "correct horse battery staple";

/** The Demo project with a session pair (Remember/Recall) and a marker in Greet's answer. */
async function demo(greeting = "Hello, "): Promise<string> {
  const dir = path.join(await temp(), "Demo");
  await cp(path.join(EXAMPLES, "Demo"), dir, { recursive: true });
  const greet = path.join(dir, "sequences", "Greet.yaml");
  await writeFile(greet, (await readFile(greet, "utf8")).replace(`'"Hello, "`, `'"${greeting}"`));
  await writeFile(
    path.join(dir, "sequences", "Remember.yaml"),
    [
      "type: Sequence",
      "name: Remember",
      "id: seqremember1",
      "children:",
      "  - type: Variable",
      "    name: value",
      "    id: varremember1",
      "  - type: SessionSet",
      "    name: keep",
      "    id: stremember01",
      "    key: remembered",
      "    expression: value",
      "",
    ].join("\n"),
  );
  await writeFile(
    path.join(dir, "sequences", "Recall.yaml"),
    [
      "type: Sequence",
      "name: Recall",
      "id: seqrecall001",
      "children:",
      "  - type: SessionGet",
      "    name: got",
      "    id: strecall0001",
      "    key: remembered",
      "  - type: Element",
      "    name: remembered",
      "    id: strecall0002",
      "    source:",
      "      step: strecall0001",
      "",
    ].join("\n"),
  );
  return dir;
}

async function call(url: string, cookie?: string): Promise<{ status: number; json: unknown; cookie?: string }> {
  const res = await fetch(url, { headers: cookie ? { cookie } : {} });
  const text = await res.text();
  const set = res.headers.get("set-cookie");
  return {
    status: res.status,
    json: text ? JSON.parse(text) : undefined,
    ...(set ? { cookie: set.split(";")[0] } : {}),
  };
}

beforeAll(async () => {
  server = await startAtelierServer({
    dataDir: await temp("atelier-server-"),
    port: 0,
    log: new EngineLog({ level: "silent" }),
    fullsyncInMemory: true,
    atelierVersion: "test",
  });
  await server.store.addUser("ada", PASSWORD, ["deploy", "configure", "view"]);
  await server.store.addUser("viewer", PASSWORD, ["view"]);
  psc = (await server.store.createPsc({ user: "ada", url: server.url, projects: ["*"], expiresInMs: 3_600_000 })).text;
  stateDir = await temp("atelier-userconfig-");
});

afterAll(async () => {
  await server?.close();
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

describe("a PSC, a deploy, a call", () => {
  it("imports the PSC, deploys the example project, and serves its sequences", async () => {
    const store = new TargetStore(stateDir);
    const [t] = await store.import(psc);
    expect(t).toMatchObject({ kind: "psc", url: server.url, user: "ada", projects: ["*"] });
    const { target } = await store.connect(t!.id);
    const r = await deployProject({ projectDir: await demo(), target, stateDir, atelierVersion: "test" });
    expect(r).toMatchObject({ project: "Demo", version: 1 });
    expect(r.url).toBe(`${server.url}projects/Demo/`);
    const greet = await call(`${server.url}projects/Demo/.json?__sequence=Greet&name=Ada`);
    expect(greet.json).toEqual({ greeting: "Hello, Ada!" });
    const health = await call(`${server.url}health/ready`);
    expect(health).toMatchObject({ status: 200, json: { status: "ready", projects: ["Demo"] } });
    // Alone: the cluster's view is this server, its deployments in its data folder.
    const cluster = await new AdminClient({ url: server.url, credentials: { psc } }).call("cluster", {});
    expect(cluster).toMatchObject({
      mode: "single",
      state: "memory and the data folder",
      servers: [{ self: true, ready: true, serving: { Demo: 1 } }],
      diverging: [],
    });
    // No Studio on a server.
    expect((await fetch(`${server.url}api/studio/session`)).status).toBe(404);
    expect((await fetch(`${server.url}studio/`)).status).toBe(404);
  });

  it("builds a project's app before its archive: the server serves what was designed", async () => {
    const dir = await demo();
    await mkdir(path.join(dir, "ui", "pages"), { recursive: true });
    await writeFile(
      path.join(dir, "ui", "App.yaml"),
      "type: Application\nname: App\nid: demoapplic01\ntitle: Demo app\nstartPage: Home\n",
    );
    await writeFile(
      path.join(dir, "ui", "pages", "Home.yaml"),
      "type: Page\nname: Home\nid: demohomepg01\nchildren:\n  - { type: Component, name: Hi, id: demohi000001, component: Label, text: Hi }\n",
    );
    const store = new TargetStore(stateDir);
    const [t] = await store.import(psc);
    const { target } = await store.connect(t!.id);
    const steps: string[] = [];
    await deployProject({
      projectDir: dir,
      target,
      stateDir,
      atelierVersion: "test",
      onProgress: (s) => steps.push(s),
    });
    expect(steps.slice(0, 3)).toEqual(["checking", "building-app", "building"]);
    const served = await fetch(`${server.url}apps/Demo/`);
    expect(served.status).toBe(200);
    expect(await served.text()).toContain("<title>Demo app</title>");
  });

  it("redeploys under load without a failed request, keeps sessions, and rolls back", async () => {
    const target = { url: server.url, credentials: { psc } };
    const first = await deployProject({
      projectDir: await demo(),
      target,
      stateDir,
      atelierVersion: "test",
      force: true,
    });
    const remember = await call(`${server.url}projects/Demo/.json?__sequence=Remember&value=kept`);
    expect(remember.cookie).toBeDefined();
    let stop = false;
    let failed = 0;
    let done = 0;
    const seen = new Set<string>();
    const worker = async () => {
      while (!stop) {
        const res = await fetch(`${server.url}projects/Demo/.json?__sequence=Greet&name=Load`).catch(() => undefined);
        if (!res || res.status !== 200) failed++;
        else seen.add(((await res.json()) as { greeting: string }).greeting);
        done++;
      }
    };
    const load = Array.from({ length: 8 }, worker);
    const second = await deployProject({ projectDir: await demo("Hi, "), target, stateDir, atelierVersion: "test" });
    expect(second).toMatchObject({ version: first.version + 1, replaced: first.version });
    // Keep the load going a little after the swap, bounded by a count.
    const until = done + 200;
    while (done < until) await new Promise((r) => setImmediate(r));
    stop = true;
    await Promise.all(load);
    expect(failed).toBe(0);
    expect(seen).toEqual(new Set(["Hello, Load!", "Hi, Load!"]));
    // The session made before the swap is still there.
    expect((await call(`${server.url}projects/Demo/.json?__sequence=Recall`, remember.cookie)).json).toEqual({
      remembered: "kept",
    });
    const back = await rollbackProject({ project: "Demo", target, stateDir });
    expect(back).toMatchObject({ version: first.version, replaced: second.version });
    expect((await call(`${server.url}projects/Demo/.json?__sequence=Greet&name=Ada`)).json).toEqual({
      greeting: "Hello, Ada!",
    });
  });

  it("refuses a deploy that replaces a version someone else replaced, naming who, unless forced", async () => {
    const target = { url: server.url, credentials: { psc } };
    const otherDir = await temp("atelier-other-dev-");
    // Another developer deploys from their machine.
    await deployProject({ projectDir: await demo(), target, stateDir: otherDir, atelierVersion: "test" });
    const e = await deployProject({ projectDir: await demo(), target, stateDir, atelierVersion: "test" }).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).status).toBe(409);
    expect((e as ApiError).message).toMatch(/deployed by ada on .*--force/);
    const forced = await deployProject({
      projectDir: await demo(),
      target,
      stateDir,
      atelierVersion: "test",
      force: true,
    });
    expect(forced.version).toBeGreaterThan(0);
  });

  it("refuses every bad archive and leaves the server as it was", async () => {
    const client = new AdminClient({ url: server.url, credentials: { psc } });
    const before = await client.call("project", { params: { project: "Demo" } });
    const zip = async (entries: [string, string | Buffer][]) => {
      const z = new yazl.ZipFile();
      for (const [n, d] of entries) z.addBuffer(Buffer.from(d), n);
      z.end();
      const chunks: Buffer[] = [];
      for await (const c of z.outputStream as AsyncIterable<Buffer>) chunks.push(c);
      return Buffer.concat(chunks);
    };
    const bad: [Buffer, RegExp][] = [
      [Buffer.from("garbage"), /not a readable zip/],
      [await zip([["Demo/readme", "x"]]), /no Demo\/project\.yaml/],
      [
        await zip([
          ["Demo/project.yaml", "atelier: 1\ntype: Project\nname: Demo\nid: d\n"],
          ["Demo/zeros", Buffer.alloc(30 * 1024 * 1024)],
        ]),
        /inflates/,
      ],
      [
        await zip([
          ["Demo/project.yaml", "atelier: 1\ntype: Project\nname: Demo\nid: d\n"],
          ["Other/x", "x"],
        ]),
        /two projects/,
      ],
      [
        await zip([["Demo/project.yaml", "versions:\n  Project: 7\natelier: 1\ntype: Project\nname: Demo\nid: d\n"]]),
        /newer Atelier: Project objects are at version 7/,
      ],
    ];
    for (const [bytes, message] of bad) {
      const e = await client.deploy("Demo", bytes, { force: true }).catch((x: unknown) => x);
      expect(e, String(message)).toBeInstanceOf(ApiError);
      expect((e as ApiError).message).toMatch(message);
    }
    const after = await client.call("project", { params: { project: "Demo" } });
    expect(after.current).toBe(before.current);
    expect(after.versions).toEqual(before.versions);
    expect((await call(`${server.url}projects/Demo/.json?__sequence=Greet&name=Ada`)).status).toBe(200);
    await client.close();
  });

  it("refuses wrong, revoked, expired and out-of-scope credentials, and roles that do not allow it", async () => {
    const car = (await buildCar(await demo(), "test")).bytes;
    const refused = async (credentials: { psc: string } | { user: string; password: string }) => {
      const c = new AdminClient({ url: server.url, credentials });
      const e = await c.deploy("Demo", car, { force: true }).catch((x: unknown) => x);
      await c.close();
      expect(e).toBeInstanceOf(ApiError);
      return e as ApiError;
    };
    expect((await refused({ user: "ada", password: "wrong password!" })).status).toBe(401);
    expect((await refused({ psc: psc.slice(0, -3) + "abc" })).code).toBe("psc_tampered");
    const scoped = await server.store.createPsc({
      user: "ada",
      url: server.url,
      projects: ["Other"],
      expiresInMs: 60_000,
    });
    expect((await refused({ psc: scoped.text })).code).toBe("out_of_scope");
    const revoked = await server.store.createPsc({
      user: "ada",
      url: server.url,
      projects: ["*"],
      expiresInMs: 60_000,
    });
    await server.store.revoke(revoked.psc.id);
    expect((await refused({ psc: revoked.text })).code).toBe("psc_revoked");
    const short = await server.store.createPsc({ user: "ada", url: server.url, projects: ["*"], expiresInMs: 1 });
    await new Promise((r) => setTimeout(r, 5));
    expect((await refused({ psc: short.text })).code).toBe("psc_expired");
    const viewer = await server.store.createPsc({
      user: "viewer",
      url: server.url,
      projects: ["*"],
      expiresInMs: 60_000,
    });
    expect((await refused({ psc: viewer.text })).code).toBe("forbidden");
    // A password login of a user with the role works (legacy targets).
    const c = new AdminClient({ url: server.url, credentials: { user: "ada", password: PASSWORD } });
    expect((await c.deploy("Demo", car, { force: true })).project).toBe("Demo");
    await c.close();
  });

  it("answers Convertigo's deploy client: engine.Authenticate then a multipart projects.Deploy", async () => {
    const src = path.join(convertigoFixtures(), "c8oprj-lib-http-action");
    const z = new yazl.ZipFile();
    const name = "lib_HttpAction";
    const visit = async (abs: string, rel: string) => {
      for (const e of await readdir(abs, { withFileTypes: true })) {
        if (e.isDirectory()) await visit(path.join(abs, e.name), `${rel}/${e.name}`);
        else z.addBuffer(await readFile(path.join(abs, e.name)), `${rel}/${e.name}`);
      }
    };
    await visit(src, name);
    z.end();
    const chunks: Buffer[] = [];
    for await (const ch of z.outputStream as AsyncIterable<Buffer>) chunks.push(ch);
    const car = Buffer.concat(chunks);

    const bad = await fetch(`${server.url}admin/services/engine.Authenticate`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ authType: "login", authUserName: "ada", authPassword: "nope" }),
    });
    expect(bad.status).toBe(200);
    expect(await bad.text()).toMatch(/<admin service="engine\.Authenticate"><error>Invalid authentication/);

    const login = await fetch(`${server.url}admin/services/engine.Authenticate`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ authType: "login", authUserName: "ada", authPassword: PASSWORD }),
    });
    expect(await login.text()).toMatch(/<authenticated>true<\/authenticated><user>ada<\/user>/);
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;

    // As Convertigo's RemoteAdmin sends it: one part named after the file.
    const form = new FormData();
    form.append(`${name}.car`, new Blob([car]), `${name}.car`);
    const deployed = await fetch(`${server.url}admin/services/projects.Deploy?bAssembleXsl=false`, {
      method: "POST",
      headers: { cookie },
      body: form,
    });
    const xml = await deployed.text();
    expect(deployed.status, xml).toBe(200);
    expect(xml).toContain(
      `<admin service="projects.Deploy"><message>The project '${name}' has been successfully deployed.</message>`,
    );
    const client = new AdminClient({ url: server.url, credentials: { psc } });
    expect((await client.call("project", { params: { project: name } })).current).toBe(1);
    await client.close();

    // Without the session cookie: Convertigo's error document.
    const anon = await fetch(`${server.url}admin/services/projects.Deploy`, { method: "POST", body: form });
    expect(anon.status).toBe(401);
    expect(await anon.text()).toMatch(/<error><message>Not authenticated/);
  });

  it("a legacy Convertigo PSC gives a password-based target that deploys", async () => {
    const u = new URL(server.url);
    const legacy = encodeConvertigoPsc([
      { server: `${u.host}/convertigo`, user: "ada", password: PASSWORD, https: false },
    ]);
    const store = new TargetStore(await temp());
    const [t] = await store.import(legacy);
    expect(t).toMatchObject({ kind: "legacy", url: server.url, user: "ada", note: "legacy, password-based" });
    const { target } = await store.connect(t!.id);
    const r = await deployProject({
      projectDir: await demo(),
      target,
      stateDir: await temp(),
      atelierVersion: "test",
      force: true,
    });
    expect(r.project).toBe("Demo");
  });

  it("schedules a job through the admin API; it runs, is recorded and never overlaps", async () => {
    const client = new AdminClient({ url: server.url, credentials: { psc } });
    const job = await client.call("createJob", {
      body: {
        id: "greet-every-second",
        project: "Demo",
        sequence: "Greet",
        cron: "* * * * * *",
        inputs: { name: "Cron" },
      },
    });
    expect(job).toMatchObject({ id: "greet-every-second", timezone: "UTC", paused: false });
    let runs: { ok: boolean }[] = [];
    for (let i = 0; i < 100 && runs.filter((r) => r.ok).length < 2; i++) {
      runs = await client.call("jobRuns", { params: { id: job.id } });
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(runs.filter((r) => r.ok).length).toBeGreaterThanOrEqual(2);
    await client.call("removeJob", { params: { id: job.id } });
    const bad = await client
      .call("createJob", { body: { project: "Demo", sequence: "Nope", cron: "* * *" } })
      .catch((e: unknown) => e);
    expect((bad as ApiError).status).toBe(400);
    await client.close();
  });
});

describe("HTTPS with a pinned self-signed certificate", () => {
  let tlsServer: RunningAtelierServer;
  let certDir: string;

  async function selfSigned(name: string): Promise<{ cert: string; key: string }> {
    const cert = path.join(certDir, `${name}.pem`);
    const key = path.join(certDir, `${name}.key`);
    await run("openssl", [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "2",
      "-subj",
      `/CN=${name}`,
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ]);
    return { cert, key };
  }

  beforeAll(async () => {
    certDir = await temp("atelier-certs-");
    const { cert, key } = await selfSigned("server");
    tlsServer = await startAtelierServer({
      dataDir: await temp("atelier-tls-server-"),
      port: 0,
      tls: { certFile: cert, keyFile: key },
      log: new EngineLog({ level: "silent" }),
      fullsyncInMemory: true,
      atelierVersion: "test",
    });
    await tlsServer.store.addUser("ada", PASSWORD, ["deploy", "view"]);
  });
  afterAll(async () => {
    await tlsServer?.close();
  });

  it("deploys over HTTPS when the pin matches, refuses another certificate and unpinned trust", async () => {
    expect(tlsServer.url).toMatch(/^https:/);
    const made = await tlsServer.store.createPsc({
      user: "ada",
      url: tlsServer.url,
      pin: tlsServer.certificatePin!,
      projects: ["Demo"],
      expiresInMs: 60_000,
    });
    const store = new TargetStore(await temp());
    const [t] = await store.import(made.text);
    const { target } = await store.connect(t!.id);
    expect(target.pin).toBe(tlsServer.certificatePin);
    const r = await deployProject({ projectDir: await demo(), target, stateDir: await temp(), atelierVersion: "test" });
    expect(r.url).toMatch(/^https:/);
    const greet = await undiciFetch(`${tlsServer.url}projects/Demo/.json?__sequence=Greet&name=Tls`, {
      dispatcher: new Agent({ connect: { rejectUnauthorized: false } }),
    });
    expect(await greet.json()).toEqual({ greeting: "Hello, Tls!" });

    // Another certificate's pin: the connection is refused before anything is sent.
    const other = await selfSigned("other");
    const { certificatePin } = await import("../atelier-server.ts");
    const wrongPin = certificatePin(await readFile(other.cert, "utf8"));
    const c = new AdminClient({ url: tlsServer.url, pin: wrongPin, credentials: { psc: made.text } });
    const e = await c.call("whoami", {}).catch((x: unknown) => x);
    await c.close();
    expect((e as ApiError).message).toMatch(/is not the one its PSC names/);
    // No pin: the usual certificate checks refuse a self-signed certificate (no "trust all").
    const unpinned = new AdminClient({ url: tlsServer.url, credentials: { psc: made.text } });
    const e2 = await unpinned.call("whoami", {}).catch((x: unknown) => x);
    await unpinned.close();
    expect((e2 as ApiError).message).toMatch(/not trusted|certificate/i);
  });
});
