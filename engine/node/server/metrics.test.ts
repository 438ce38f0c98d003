/**
 * The server's Prometheus metrics, for real: an Atelier server on loopback, projects deployed
 * through the admin API, calls of the Convertigo API and of FullSync, then `GET /metrics` with a
 * PSC as Prometheus sends it. The counters move with what was done, and label values stay bounded
 * whatever URLs and names callers make up.
 */
import { cp, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAtelierServer, type RunningAtelierServer } from "../admin/atelier-server.ts";
import { buildCar } from "../deploy/car.ts";
import { EngineLog } from "../log.ts";
import { mountRoute, OTHER, UNKNOWN, UNMATCHED } from "./metrics.ts";

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../examples/workspace");
const PASSWORD = "correct horse battery staple";
const temps: string[] = [];
async function temp(prefix: string): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), prefix));
  temps.push(d);
  return d;
}

let server: RunningAtelierServer;
let psc: string;

/** One sample of the exposition text. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

async function scrape(s: RunningAtelierServer = server, token = psc): Promise<Sample[]> {
  const res = await fetch(`${s.url}metrics`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parse(text);
}

/** The value of the series of `name` whose labels include `labels` (0 when there is none yet). */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return found.reduce((n, s) => n + s.value, 0);
}

function series(samples: Sample[], name: string): number {
  return samples.filter((s) => s.name === name).length;
}

async function deploy(project: string, replaces = "none"): Promise<void> {
  const dir = path.join(await temp("atelier-metrics-src-"), project);
  await cp(path.join(EXAMPLES, project), dir, { recursive: true });
  const car = await buildCar(dir, "test");
  const res = await fetch(`${server.url}admin/api/projects/${project}/deploys?replaces=${replaces}`, {
    method: "POST",
    headers: { authorization: `Bearer ${psc}`, "content-type": "application/zip" },
    body: new Uint8Array(car.bytes),
  });
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  for (;;) {
    const s = (await (
      await fetch(`${server.url}admin/api/deploys/${id}`, { headers: { authorization: `Bearer ${psc}` } })
    ).json()) as { phase: string; error?: unknown };
    if (s.phase === "done") return;
    if (s.phase === "failed") throw new Error(`deploy of ${project} failed: ${JSON.stringify(s.error)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs `n` calls, `width` at a time. */
async function many(n: number, width: number, call: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await call(next++);
    }),
  );
}

beforeAll(async () => {
  server = await startAtelierServer({
    dataDir: await temp("atelier-metrics-"),
    port: 0,
    log: new EngineLog({ level: "silent" }),
    fullsyncInMemory: true,
    atelierVersion: "test",
  });
  await server.store.addUser("ada", PASSWORD, ["deploy", "configure", "view"]);
  psc = (await server.store.createPsc({ user: "ada", url: server.url, projects: ["*"], expiresInMs: 3_600_000 })).text;
  await deploy("Demo");
  await deploy("FullSyncDemo");
});

afterAll(async () => {
  await server?.close();
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

describe("GET /metrics", () => {
  it("answers the process's metrics with the atelier_ prefix, in the text format", async () => {
    const s = await scrape();
    for (const name of [
      "atelier_process_cpu_user_seconds_total",
      "atelier_process_resident_memory_bytes",
      "atelier_nodejs_eventloop_lag_seconds",
      "atelier_nodejs_heap_size_used_bytes",
    ]) {
      expect(series(s, name), name).toBeGreaterThan(0);
    }
    expect(value(s, "atelier_projects_loaded")).toBe(2);
    expect(series(s, "atelier_sessions_active")).toBe(1);
    // Only this server's families and the process's: nothing of prom-client's global registry.
    expect(s.every((x) => x.name.startsWith("atelier_"))).toBe(true);
  });

  it("counts deploys by outcome and client", async () => {
    const before = await scrape();
    expect(value(before, "atelier_deploys_total", { outcome: "ok", client: "atelier" })).toBe(2);
    // An archive that is not one: a failed deploy.
    const res = await fetch(`${server.url}admin/api/projects/Demo/deploys`, {
      method: "POST",
      headers: { authorization: `Bearer ${psc}`, "content-type": "application/zip" },
      body: "not a zip",
    });
    const { id } = (await res.json()) as { id: string };
    for (;;) {
      const st = (await (
        await fetch(`${server.url}admin/api/deploys/${id}`, { headers: { authorization: `Bearer ${psc}` } })
      ).json()) as { phase: string };
      if (st.phase === "failed") break;
      expect(st.phase).not.toBe("done");
      await new Promise((r) => setTimeout(r, 20));
    }
    // Convertigo's deploy service, signed in by its session, with an archive that is not one.
    const login = await fetch(`${server.url}admin/services/engine.Authenticate`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ authType: "login", authUserName: "ada", authPassword: PASSWORD }),
    });
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    const form = new FormData();
    form.append("Broken.car", new Blob([Buffer.from("not a zip")]), "Broken.car");
    const c8o = await fetch(`${server.url}admin/services/projects.Deploy`, {
      method: "POST",
      headers: { cookie },
      body: form,
    });
    expect(c8o.status).toBe(500);
    await c8o.text();

    // A second version, then back to the first.
    await deploy("Demo", "1");
    const back = await fetch(`${server.url}admin/api/projects/Demo/rollback`, {
      method: "POST",
      headers: { authorization: `Bearer ${psc}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(back.status, await back.text()).toBe(200);

    const after = await scrape();
    expect(value(after, "atelier_deploys_total", { outcome: "ok", client: "atelier" })).toBe(3);
    expect(value(after, "atelier_deploys_total", { outcome: "failed", client: "atelier" })).toBe(1);
    expect(value(after, "atelier_deploys_total", { outcome: "failed", client: "convertigo" })).toBe(1);
    expect(value(after, "atelier_rollbacks_total")).toBe(1);
  });

  it("a sequence run moves its counter, its histogram and the HTTP counters", async () => {
    const before = await scrape();
    const greet = { project: "Demo", sequence: "Greet", outcome: "ok" };
    const route = { method: "GET", route: "/projects/:project/.json", status: "200" };
    const res = await fetch(`${server.url}projects/Demo/.json?__sequence=Greet&name=Ada`);
    expect(await res.json()).toEqual({ greeting: "Hello, Ada!" });
    const fail = await fetch(`${server.url}projects/Demo/.json?__sequence=Fail`);
    await fail.text();

    const after = await scrape();
    expect(value(after, "atelier_sequence_runs_total", greet)).toBe(
      value(before, "atelier_sequence_runs_total", greet) + 1,
    );
    expect(value(after, "atelier_sequence_runs_total", { project: "Demo", sequence: "Fail", outcome: "error" })).toBe(
      value(before, "atelier_sequence_runs_total", { project: "Demo", sequence: "Fail", outcome: "error" }) + 1,
    );
    const count = { project: "Demo", sequence: "Greet" };
    expect(value(after, "atelier_sequence_run_duration_seconds_count", count)).toBe(
      value(before, "atelier_sequence_run_duration_seconds_count", count) + 1,
    );
    expect(value(after, "atelier_sequence_run_duration_seconds_bucket", { ...count, le: "+Inf" })).toBe(
      value(after, "atelier_sequence_run_duration_seconds_count", count),
    );
    expect(value(after, "atelier_http_requests_total", route)).toBeGreaterThanOrEqual(
      value(before, "atelier_http_requests_total", route) + 1,
    );
    expect(
      value(after, "atelier_http_request_duration_seconds_count", { method: "GET", route: "/projects/:project/.json" }),
    ).toBeGreaterThanOrEqual(2);
    // The scrape itself is counted under its route.
    expect(value(after, "atelier_http_requests_total", { route: "/metrics", status: "200" })).toBeGreaterThan(0);
  });

  it("counts FullSync pulls and the documents it serves", async () => {
    const before = await scrape();
    const login = await fetch(`${server.url}projects/FullSyncDemo/.json`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ __sequence: "Login", user: "alice", password: "alice-pw" }),
    });
    expect(login.status, await login.text()).toBe(200);
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    const db = `${server.url}fullsync/fullsyncdemo`;
    const put = await fetch(`${db}/note-1`, {
      method: "PUT",
      headers: { cookie, "content-type": "application/json" },
      body: JSON.stringify({ type: "note", text: "hello" }),
    });
    expect(put.status, await put.text()).toBe(201);
    const changes = await fetch(`${db}/_changes?style=all_docs`, { headers: { cookie } });
    const feed = (await changes.json()) as { results: { id: string; changes: { rev: string }[] }[] };
    const mine = feed.results.find((r) => r.id === "note-1")!;
    const bulk = await fetch(`${db}/_bulk_get?revs=true`, {
      method: "POST",
      headers: { cookie, "content-type": "application/json" },
      body: JSON.stringify({ docs: [{ id: "note-1", rev: mine.changes[0]!.rev }] }),
    });
    expect(bulk.status).toBe(200);
    await bulk.text();
    expect((await fetch(`${db}/note-1`, { headers: { cookie } })).status).toBe(200);

    const after = await scrape();
    const labels = { db: "fullsyncdemo" };
    expect(value(after, "atelier_fullsync_pulls_total", labels)).toBe(
      value(before, "atelier_fullsync_pulls_total", labels) + 1,
    );
    expect(value(after, "atelier_fullsync_docs_served_total", labels)).toBe(
      value(before, "atelier_fullsync_docs_served_total", labels) + 2,
    );
    // FullSync's requests are counted by their route pattern, never their document ids.
    expect(
      value(after, "atelier_http_requests_total", { method: "GET", route: "/fullsync/:db/_changes", status: "200" }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      value(after, "atelier_http_requests_total", { method: "PUT", route: "/fullsync/:db/:doc", status: "201" }),
    ).toBeGreaterThanOrEqual(1);
    expect(after.some((x) => Object.values(x.labels).some((v) => v.includes("note-1")))).toBe(false);
  });
});

describe("label values stay bounded", () => {
  it("1,000 unknown URLs make no new series", async () => {
    const before = await scrape();
    await many(1000, 25, async (i) => {
      const r = await fetch(`${server.url}nowhere/${i}/${Math.random().toString(36).slice(2)}?x=${i}`);
      await r.text();
    });
    await many(1000, 25, async (i) => {
      const r = await fetch(`${server.url}fullsync/fullsyncdemo/doc-${i}`);
      await r.text();
    });
    const after = await scrape();
    // At most: the 404 of unmatched routes, FullSync's 401 for a document, and the scrape's own.
    expect(
      series(after, "atelier_http_requests_total") - series(before, "atelier_http_requests_total"),
    ).toBeLessThanOrEqual(2);
    expect(value(after, "atelier_http_requests_total", { route: UNMATCHED, status: "404" })).toBeGreaterThanOrEqual(
      1000,
    );
    expect(value(after, "atelier_http_requests_total", { route: "/fullsync/:db/:doc" })).toBeGreaterThanOrEqual(1000);
    expect(after.some((x) => x.labels.route?.includes("nowhere"))).toBe(false);
  });

  it("runs of projects and sequences that are not deployed share one label", async () => {
    const before = await scrape();
    await many(300, 25, async (i) => {
      const a = await fetch(`${server.url}projects/Demo/.json?__sequence=Nope${i}`);
      await a.text();
      const b = await fetch(`${server.url}projects/Demo/.json?__project=Ghost${i}&__sequence=X${i}`);
      await b.text();
    });
    const after = await scrape();
    const grown = series(after, "atelier_sequence_runs_total") - series(before, "atelier_sequence_runs_total");
    expect(grown).toBeLessThanOrEqual(2);
    expect(
      value(after, "atelier_sequence_runs_total", { project: "Demo", sequence: UNKNOWN, outcome: "error" }),
    ).toBeGreaterThanOrEqual(300);
    expect(
      value(after, "atelier_sequence_runs_total", { project: UNKNOWN, sequence: UNKNOWN, outcome: "error" }),
    ).toBeGreaterThanOrEqual(300);
  });

  it("route patterns of FullSync requests", () => {
    expect(mountRoute("/fullsync", "/fullsync")).toBe("/fullsync/");
    expect(mountRoute("/fullsync", "/fullsync/?x")).toBe("/fullsync/");
    expect(mountRoute("/fullsync", "/fullsync/db")).toBe("/fullsync/:db");
    expect(mountRoute("/fullsync", "/fullsync/db/_changes?feed=longpoll")).toBe("/fullsync/:db/_changes");
    expect(mountRoute("/fullsync", "/fullsync/db/%5Fbulk_get")).toBe("/fullsync/:db/_bulk_get");
    expect(mountRoute("/fullsync", "/fullsync/db/_local/abc")).toBe("/fullsync/:db/_local/:id");
    expect(mountRoute("/fullsync", "/fullsync/db/_design/c8o")).toBe("/fullsync/:db/_design/:id");
    expect(mountRoute("/fullsync", "/fullsync/db/_whatever")).toBe("/fullsync/:db/_other");
    expect(mountRoute("/fullsync", "/fullsync/db/doc")).toBe("/fullsync/:db/:doc");
    expect(mountRoute("/fullsync", "/fullsync/db/doc/a/b.png")).toBe("/fullsync/:db/:doc/:attachment");
    expect(mountRoute("/other", "/other/x/y")).toBe("/other/*");
    expect(OTHER).not.toBe(UNKNOWN);
  });
});

describe("several servers in one process", () => {
  it("each has its own counters", async () => {
    const second = await startAtelierServer({
      dataDir: await temp("atelier-metrics-2-"),
      port: 0,
      log: new EngineLog({ level: "silent" }),
      fullsyncInMemory: true,
      atelierVersion: "test",
    });
    try {
      await second.store.addUser("bo", PASSWORD, ["view"]);
      const token = (
        await second.store.createPsc({ user: "bo", url: second.url, projects: ["*"], expiresInMs: 60_000 })
      ).text;
      const s = await scrape(second, token);
      expect(value(s, "atelier_deploys_total")).toBe(0);
      expect(value(s, "atelier_sequence_runs_total")).toBe(0);
      expect(value(s, "atelier_projects_loaded")).toBe(0);
      // The process's metrics are there too.
      expect(series(s, "atelier_process_cpu_user_seconds_total")).toBe(1);
      expect(value(await scrape(), "atelier_deploys_total")).toBeGreaterThan(0);
    } finally {
      await second.close();
    }
  });
});
