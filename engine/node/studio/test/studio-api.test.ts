import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  objectRevision,
  type ChangeResult,
  type FlatNode,
  type ProjectTree,
  type RunStreamEvent,
  type StudioEvent,
  type WorkspaceInfo,
} from "../../../common/studio/api.ts";
import { readNdjson } from "../../../common/http/ndjson.ts";
import { startAtelier, type RunningAtelier } from "../../app.ts";
import { EngineLog } from "../../log.ts";
import { convertigoFixtures } from "../../testing/fixtures.ts";

let dir: string;
let app: RunningAtelier;
let token: string;

async function start(): Promise<void> {
  app = await startAtelier({
    workspaceDir: dir,
    port: 0,
    log: new EngineLog({ level: "silent" }),
    studio: { distDir: path.join(dir, "no-dist") },
  });
  token = app.studio!.auth.token;
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "atelier-studio-"));
  await start();
});

afterEach(async () => {
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

async function call<T = unknown>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(new URL(url, app.url), {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      "x-atelier-studio": "1",
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    redirect: "manual",
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json: json as T, headers: res.headers };
}

async function ok<T>(method: string, url: string, body?: unknown): Promise<T> {
  const r = await call<T>(method, url, body);
  if (r.status !== 200) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

async function tree(project: string): Promise<Map<string, FlatNode> & { root: FlatNode }> {
  const t = await ok<ProjectTree>("GET", `/api/studio/projects/${project}/tree`);
  const m = new Map(t.nodes.map((n) => [n.id, n])) as Map<string, FlatNode> & { root: FlatNode };
  m.root = m.get(t.rootId)!;
  return m;
}

function byName(t: Map<string, FlatNode>, name: string): FlatNode {
  const n = [...t.values()].find((x) => x.name === name);
  if (!n) throw new Error(`no ${name}`);
  return n;
}

/** Builds a project with an HTTP connector, a transaction, and a sequence calling it. */
async function buildProject(upstreamPort: number) {
  await ok("POST", "/api/studio/projects", { name: "Shop" });
  let t = await tree("Shop");
  const conn = await ok<ChangeResult>("POST", "/api/studio/projects/Shop/objects", {
    parent: t.root.id,
    type: "HttpConnector",
    name: "Api",
    props: { server: "127.0.0.1", port: upstreamPort },
  });
  const connId = conn.focus!.id;
  const tx = await ok<ChangeResult>("POST", "/api/studio/projects/Shop/objects", {
    parent: connId,
    type: "JsonHttpTransaction",
    name: "GetItem",
    props: { path: "/items/{id}" },
  });
  await ok("POST", "/api/studio/projects/Shop/objects", {
    parent: tx.focus!.id,
    type: "Variable",
    name: "id",
    props: { httpUse: "path" },
  });
  t = await tree("Shop");
  const seq = await ok<ChangeResult>("POST", "/api/studio/projects/Shop/objects", {
    parent: t.root.id,
    type: "Sequence",
    name: "Lookup",
  });
  const seqId = seq.focus!.id;
  await ok("POST", "/api/studio/projects/Shop/objects", {
    parent: seqId,
    type: "Variable",
    name: "item",
    props: { default: "7" },
  });
  const call = await ok<ChangeResult>("POST", "/api/studio/projects/Shop/objects", {
    parent: seqId,
    type: "CallTransaction",
    name: "Fetch",
    props: { connector: "Api", transaction: "GetItem" },
  });
  await ok("POST", "/api/studio/projects/Shop/objects", {
    parent: call.focus!.id,
    type: "StepVariable",
    name: "id",
    props: { expression: "item" },
  });
  const el = await ok<ChangeResult>("POST", "/api/studio/projects/Shop/objects", {
    parent: seqId,
    type: "Element",
    name: "title",
    props: { source: { step: call.focus!.id, path: "data.title" } },
  });
  return { connId, txId: tx.focus!.id, seqId, callId: call.focus!.id, elementId: el.focus!.id };
}

let upstream: Server;
async function startUpstream(): Promise<number> {
  upstream = createServer((req, res) => {
    const m = /^\/items\/(\w+)$/.exec(req.url ?? "");
    res.setHeader("content-type", "application/json");
    if (!m) {
      res.statusCode = 404;
      res.end("{}");
      return;
    }
    res.end(JSON.stringify({ id: m[1], title: `Item ${m[1]}` }));
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  return (upstream.address() as AddressInfo).port;
}

async function runStream(body: unknown, onEvent?: (ev: RunStreamEvent) => void): Promise<RunStreamEvent[]> {
  const res = await fetch(new URL("/api/studio/runs", app.url), {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "x-atelier-studio": "1", "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  const events: RunStreamEvent[] = [];
  for await (const ev of readNdjson<RunStreamEvent>(res.body!)) {
    events.push(ev);
    onEvent?.(ev);
  }
  return events;
}

describe("Studio API: access", () => {
  it("refuses calls without the token, without the Studio header, or from another origin", async () => {
    const anon = await fetch(new URL("/api/studio/workspace", app.url), { headers: { "x-atelier-studio": "1" } });
    expect(anon.status).toBe(401);
    expect((await call("GET", "/api/studio/workspace", undefined, { "x-atelier-studio": "" })).status).toBe(403);
    expect((await call("GET", "/api/studio/workspace", undefined, { origin: "http://evil.example" })).status).toBe(403);
    expect((await call("GET", "/api/studio/workspace", undefined, { "sec-fetch-site": "cross-site" })).status).toBe(
      403,
    );
    // A DNS-rebinding page reaches 127.0.0.1 under its own host name (fetch cannot set Host).
    const rebound = await new Promise<number>((resolve, reject) => {
      const u = new URL("/api/studio/workspace", app.url);
      const r = request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          headers: { host: "attacker.example", authorization: `Bearer ${token}`, "x-atelier-studio": "1" },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      r.on("error", reject);
      r.end();
    });
    expect(rebound).toBe(403);
    expect((await call("GET", "/api/studio/workspace")).status).toBe(200);
  });

  it("trades the printed URL's token for an HttpOnly SameSite cookie, and refuses a wrong token", async () => {
    expect(app.studioUrl).toMatch(/\/studio\/\?token=/);
    const res = await fetch(app.studioUrl!, { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/studio/");
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const pair = cookie.split(";")[0]!;
    const withCookie = await fetch(new URL("/api/studio/workspace", app.url), {
      headers: { cookie: pair, "x-atelier-studio": "1" },
    });
    expect(withCookie.status).toBe(200);
    const bad = await fetch(new URL("/studio/?token=nope", app.url), { redirect: "manual" });
    expect(bad.status).toBe(401);
    // The renderer is not built in this test: the page says how to build it.
    const page = await fetch(new URL("/studio/", app.url), { headers: { cookie: pair } });
    expect(page.status).toBe(503);
    expect(await page.text()).toMatch(/build:renderer/);
  });
});

describe("Studio API: editing", () => {
  it("creates objects, validates, saves at once, and reports issues", async () => {
    await ok("POST", "/api/studio/projects", { name: "P1" });
    const info = await ok<WorkspaceInfo>("GET", "/api/studio/workspace");
    expect(info.projects.map((p) => p.name)).toEqual(["P1"]);
    const t = await tree("P1");
    const seq = await ok<ChangeResult>("POST", "/api/studio/projects/P1/objects", {
      parent: t.root.id,
      type: "Sequence",
    });
    expect(seq.focus).toBeDefined();
    const seqNode = seq.deltas[0]!.upserts.find((n) => n.id === seq.focus!.id)!;
    expect(seqNode.name).toBe("Sequence1");
    expect(await readFile(path.join(dir, "P1/sequences/Sequence1.yaml"), "utf8")).toMatch(/type: Sequence/);

    // A type the parent does not accept is refused.
    const bad = await call("POST", "/api/studio/projects/P1/objects", { parent: seq.focus!.id, type: "HttpConnector" });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).toMatch(/cannot hold/);

    // An invalid value is never written: refused, naming the field and why.
    const rev = objectRevision(seqNode);
    const refused = await call<{ error: { code: string; message: string; details: { field: string } } }>(
      "PATCH",
      `/api/studio/projects/P1/objects/${seq.focus!.id}`,
      { rev, set: { timeoutMs: -5 } },
    );
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatchObject({ code: "invalid_value", details: { field: "timeoutMs" } });
    expect(refused.json.error.message).toMatch(/Time limit \(ms\) must be at least 1/);
    expect(await readFile(path.join(dir, "P1/sequences/Sequence1.yaml"), "utf8")).not.toMatch(/timeoutMs/);
    await ok<ChangeResult>("PATCH", `/api/studio/projects/P1/objects/${seq.focus!.id}`, {
      rev,
      set: { timeoutMs: 5000 },
    });

    // A change made on top of a stale copy is a conflict, not a silent overwrite.
    const stale = await call<{ error: { code: string } }>("PATCH", `/api/studio/projects/P1/objects/${seq.focus!.id}`, {
      rev,
      set: { comment: "from another window" },
    });
    expect(stale.status).toBe(409);
    expect(stale.json.error.code).toBe("conflict");
    expect(await readFile(path.join(dir, "P1/sequences/Sequence1.yaml"), "utf8")).not.toMatch(/another window/);
  });

  it("renames files, undoes and redoes on disk, and keeps the history across a restart", async () => {
    await ok("POST", "/api/studio/projects", { name: "P2" });
    const t = await tree("P2");
    const seq = await ok<ChangeResult>("POST", "/api/studio/projects/P2/objects", {
      parent: t.root.id,
      type: "Sequence",
      name: "Old",
    });
    const id = seq.focus!.id;
    const renamed = await ok<ChangeResult>("PATCH", `/api/studio/projects/P2/objects/${id}`, { name: "New" });
    expect(renamed.history.undoLabel).toBe('Rename "Old" to "New"');
    await expect(stat(path.join(dir, "P2/sequences/New.yaml"))).resolves.toBeTruthy();
    await expect(stat(path.join(dir, "P2/sequences/Old.yaml"))).rejects.toThrow();

    // A name that cannot be a file name is refused; so is a clash.
    expect((await call("PATCH", `/api/studio/projects/P2/objects/${id}`, { name: "bad name/x" })).status).toBe(400);
    await ok("POST", "/api/studio/projects/P2/objects", { parent: t.root.id, type: "Sequence", name: "Other" });
    expect((await call("PATCH", `/api/studio/projects/P2/objects/${id}`, { name: "Other" })).status).toBe(409);

    const undo1 = await ok<ChangeResult>("POST", "/api/studio/undo"); // removes Other
    expect(undo1.deltas[0]!.removed.length).toBe(1);
    await ok("POST", "/api/studio/undo"); // New -> Old
    await expect(stat(path.join(dir, "P2/sequences/Old.yaml"))).resolves.toBeTruthy();
    await expect(stat(path.join(dir, "P2/sequences/New.yaml"))).rejects.toThrow();
    const redo = await ok<ChangeResult>("POST", "/api/studio/redo");
    expect(redo.history.canRedo).toBe(true);
    await expect(stat(path.join(dir, "P2/sequences/New.yaml"))).resolves.toBeTruthy();

    await app.close();
    await start();
    const h = await ok<{ canUndo: boolean; canRedo: boolean; undoLabel: string; redoLabel: string }>(
      "GET",
      "/api/studio/history",
    );
    expect(h.undoLabel).toBe('Rename "Old" to "New"');
    expect(h.redoLabel).toBe('Add Sequence "Other"');
    await ok("POST", "/api/studio/redo");
    await expect(stat(path.join(dir, "P2/sequences/Other.yaml"))).resolves.toBeTruthy();
  });

  it("moves, reorders, duplicates, deletes, and pastes between projects", async () => {
    await ok("POST", "/api/studio/projects", { name: "A" });
    await ok("POST", "/api/studio/projects", { name: "B" });
    const ta = await tree("A");
    const seq = (
      await ok<ChangeResult>("POST", "/api/studio/projects/A/objects", {
        parent: ta.root.id,
        type: "Sequence",
        name: "S",
      })
    ).focus!.id;
    const ids: string[] = [];
    for (const n of ["one", "two", "three"]) {
      ids.push(
        (await ok<ChangeResult>("POST", "/api/studio/projects/A/objects", { parent: seq, type: "Element", name: n }))
          .focus!.id,
      );
    }
    const obj = (
      await ok<ChangeResult>("POST", "/api/studio/projects/A/objects", { parent: seq, type: "JsonObject", name: "box" })
    ).focus!.id;
    // Reorder: three first.
    await ok("POST", "/api/studio/projects/A/move", { ids: [ids[2]], parent: seq, index: 0 });
    let t = await tree("A");
    expect(t.get(seq)!.children.map((c) => t.get(c)!.name)).toEqual(["three", "one", "two", "box"]);
    // Move into the object.
    await ok("POST", "/api/studio/projects/A/move", { ids: [ids[0], ids[1]], parent: obj });
    t = await tree("A");
    expect(t.get(obj)!.children.map((c) => t.get(c)!.name)).toEqual(["one", "two"]);
    // Not inside itself.
    expect((await call("POST", "/api/studio/projects/A/move", { ids: [obj], parent: ids[0] })).status).toBe(400);
    // Duplicate: a copy with new ids next to it.
    const dup = await ok<ChangeResult>("POST", "/api/studio/projects/A/duplicate", { ids: [seq] });
    const copy = dup.deltas[0]!.upserts.find((n) => n.id === dup.focus!.id)!;
    expect(copy.name).toBe("S_copy");
    expect(copy.id).not.toBe(seq);
    await expect(stat(path.join(dir, "A/sequences/S_copy.yaml"))).resolves.toBeTruthy();
    // Paste into another project.
    const tb = await tree("B");
    const pasted = await ok<ChangeResult>("POST", "/api/studio/projects/B/paste", {
      parent: tb.root.id,
      nodes: [
        { type: "Sequence", name: "S", props: {}, children: [{ type: "Element", name: "x", props: { value: 1 } }] },
      ],
    });
    expect(pasted.deltas[0]!.project).toBe("B");
    expect(await readFile(path.join(dir, "B/sequences/S.yaml"), "utf8")).toMatch(/name: x/);
    // Move across projects.
    await ok("POST", "/api/studio/projects/A/move", { ids: [dup.focus!.id], toProject: "B", parent: tb.root.id });
    await expect(stat(path.join(dir, "B/sequences/S_copy.yaml"))).resolves.toBeTruthy();
    await expect(stat(path.join(dir, "A/sequences/S_copy.yaml"))).rejects.toThrow();
    // Delete, then undo brings it back on disk.
    await ok("POST", "/api/studio/projects/A/delete", { ids: [seq] });
    await expect(stat(path.join(dir, "A/sequences/S.yaml"))).rejects.toThrow();
    await ok("POST", "/api/studio/undo");
    expect(await readFile(path.join(dir, "A/sequences/S.yaml"), "utf8")).toMatch(/name: box/);
  });

  it("shows changes made to the files outside the Studio, and refuses an undo they made stale", async () => {
    await ok("POST", "/api/studio/projects", { name: "W" });
    const t = await tree("W");
    const seq = await ok<ChangeResult>("POST", "/api/studio/projects/W/objects", {
      parent: t.root.id,
      type: "Sequence",
      name: "S",
    });
    await ok("PATCH", `/api/studio/projects/W/objects/${seq.focus!.id}`, { set: { comment: "studio" } });
    const events: StudioEvent[] = [];
    const off = app.studio!.service.subscribe((e) => events.push(e));
    const file = path.join(dir, "W/sequences/S.yaml");
    const text = await readFile(file, "utf8");
    await writeFile(file, text.replace("comment: studio", "comment: from an editor"));
    await vi.waitFor(
      () =>
        expect(
          events.some((e) => e.kind === "delta" && e.delta.reload),
          "a reload event",
        ).toBe(true),
      { timeout: 5000, interval: 25 },
    );
    off();
    const t2 = await tree("W");
    expect(byName(t2, "S").props.comment).toBe("from an editor");
    const undo = await call<{ error: { message: string } }>("POST", "/api/studio/undo");
    expect(undo.status).toBe(409);
    expect(undo.json.error.message).toMatch(/changed since/);
    expect(await readFile(file, "utf8")).toMatch(/from an editor/);
  });

  it("loads a project folder created outside the Studio, and forgets a removed one", async () => {
    const events: StudioEvent[] = [];
    const off = app.studio!.service.subscribe((e) => events.push(e));
    await mkdir(path.join(dir, "Outside", "sequences"), { recursive: true });
    await writeFile(path.join(dir, "Outside", "sequences", "S.yaml"), "type: Sequence\nname: S\nid: s1\n");
    await writeFile(path.join(dir, "Outside", "project.yaml"), "atelier: 1\ntype: Project\nname: Outside\nid: o1\n");
    const projects = async () => (await ok<WorkspaceInfo>("GET", "/api/studio/workspace")).projects.map((p) => p.name);
    await vi.waitFor(async () => expect(await projects(), "the new project").toContain("Outside"), {
      timeout: 5000,
      interval: 25,
    });
    expect(byName(await tree("Outside"), "S").type).toBe("Sequence");
    await rm(path.join(dir, "Outside"), { recursive: true });
    await vi.waitFor(async () => expect(await projects(), "the project gone").not.toContain("Outside"), {
      timeout: 5000,
      interval: 25,
    });
    expect(events.some((e) => e.kind === "delta" && e.delta.project === "Outside" && e.delta.deleted)).toBe(true);
    off();
  });

  it("streams workspace events over server-sent events", async () => {
    const res = await fetch(new URL("/api/studio/events", app.url), { headers: { authorization: `Bearer ${token}` } });
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let text = "";
    await ok("POST", "/api/studio/projects", { name: "E" });
    await vi.waitFor(
      async () => {
        const { value } = await reader.read();
        text += dec.decode(value);
        expect(text, "a delta event").toContain('"kind":"delta"');
        expect(text, "a delta event").toContain('"project":"E"');
      },
      { timeout: 5000, interval: 25 },
    );
    await reader.cancel();
  });

  it("finds objects by name, type and value, and the callers of a transaction", async () => {
    const port = await startUpstream();
    try {
      const ids = await buildProject(port);
      const byValue = await ok<{ results: { id: string; field: string }[] }>("GET", "/api/studio/find?q=items%2F");
      expect(byValue.results).toEqual([expect.objectContaining({ id: ids.txId, field: "path" })]);
      const byType = await ok<{ results: { id: string }[] }>("GET", "/api/studio/find?q=call%20transaction&in=type");
      expect(byType.results.map((r) => r.id)).toEqual([ids.callId]);
      const refs = await ok<{ id: string }[]>("GET", `/api/studio/projects/Shop/references/${ids.txId}`);
      expect(refs.map((r) => r.id)).toEqual([ids.callId]);
    } finally {
      upstream.close();
    }
  });
});

describe("Studio API: Convertigo import", () => {
  it("imports a Convertigo project folder as a new project, and refuses a folder that is not one", async () => {
    const src = path.join(convertigoFixtures(), "c8oprj-lib-http-action");
    const r = await ok<ChangeResult & { warnings: string[] }>("POST", "/api/studio/import/convertigo", {
      src,
      name: "Imported",
    });
    expect(r.deltas[0]).toMatchObject({ project: "Imported", created: true });
    await expect(stat(path.join(dir, "Imported/project.yaml"))).resolves.toBeTruthy();
    const info = await ok<WorkspaceInfo>("GET", "/api/studio/workspace");
    expect(info.projects.find((p) => p.name === "Imported")!.objectCount).toBeGreaterThan(1);
    const bad = await call<{ error: { message: string } }>("POST", "/api/studio/import/convertigo", { src: dir });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/import failed/);
  });

  it("imports the projects it references found beside it, and says which are missing", async () => {
    const folder = path.join(dir, ".c8o-sources");
    const write = async (rel: string, lines: string[]) => {
      await mkdir(path.dirname(path.join(folder, rel)), { recursive: true });
      await writeFile(path.join(folder, rel), `${lines.join("\n")}\n`);
    };
    await write("app/c8oProject.yaml", [
      "↓RefApp [core.Project]: ",
      "  ↓lib_Ref [references.ProjectSchemaReference]: ",
      "    projectName: lib_Ref",
      "  ↓lib_Gone [references.ProjectSchemaReference]: ",
      "    projectName: lib_Gone=https://example.org/c8oprj-gone.git:branch=master",
    ]);
    await write("lib/c8oProject.yaml", ["↓lib_Ref [core.Project]: "]);
    const r = await ok<ChangeResult & { warnings: string[] }>("POST", "/api/studio/import/convertigo", {
      src: path.join(folder, "app"),
    });
    expect(r.deltas.map((d) => [d.project, d.created])).toEqual([
      ["RefApp", true],
      ["lib_Ref", true],
    ]);
    expect(r.warnings).toContain("lib_Ref (referenced) imported too");
    expect(r.warnings.join("\n")).toContain("lib_Gone, referenced by RefApp, is not in the workspace: not found in ");
    const info = await ok<WorkspaceInfo>("GET", "/api/studio/workspace");
    expect(info.projects.map((p) => p.name)).toEqual(expect.arrayContaining(["RefApp", "lib_Ref"]));
  });
});

describe("Studio API: runs, debugger, test cases", () => {
  it("runs a sequence against a real HTTP server and streams its trace", async () => {
    const port = await startUpstream();
    try {
      await buildProject(port);
      const events = await runStream({ project: "Shop", sequence: "Lookup", inputs: { item: "42" } });
      expect(events[0]!.kind).toBe("run");
      const end = events.at(-1)!;
      expect(end).toMatchObject({ kind: "end", ok: true, output: { title: "Item 42" } });
      const steps = events
        .filter((e) => e.kind === "step-end")
        .map((e) => (e as { entry: { name: string } }).entry.name);
      expect(steps).toEqual(["GetItem", "Fetch", "title"]);
    } finally {
      upstream.close();
    }
  });

  it("pauses at a breakpoint, shows the scope, steps, continues and stops", async () => {
    const port = await startUpstream();
    try {
      const ids = await buildProject(port);
      const seen: string[] = [];
      let runId = "";
      let pausedScope: Record<string, unknown> | undefined;
      const events = await runStream(
        { project: "Shop", sequence: "Lookup", inputs: { item: "5" }, debug: true, breakpoints: [ids.callId] },
        (ev) => {
          if (ev.kind === "run") runId = ev.runId;
          if (ev.kind === "paused") {
            seen.push(ev.entry.name);
            if (seen.length === 1) {
              pausedScope = ev.scope;
              void ok("POST", `/api/studio/runs/${runId}/debug`, { action: "step" });
            } else {
              void ok("POST", `/api/studio/runs/${runId}/debug`, { action: "continue" });
            }
          }
        },
      );
      expect(seen).toEqual(["Fetch", "title"]);
      expect(pausedScope).toMatchObject({ variables: { item: "5" } });
      expect(events.at(-1)).toMatchObject({ kind: "end", ok: true, output: { title: "Item 5" } });

      // Stop while paused.
      const stopped = await runStream(
        { project: "Shop", sequence: "Lookup", inputs: {}, debug: true, breakpoints: [ids.elementId] },
        (ev) => {
          if (ev.kind === "run") runId = ev.runId;
          if (ev.kind === "paused") void ok("POST", `/api/studio/runs/${runId}/debug`, { action: "stop" });
        },
      );
      expect(stopped.at(-1)).toMatchObject({ kind: "end", ok: false, error: { code: "stopped" } });
    } finally {
      upstream.close();
    }
  });

  it("saves a test case and runs it: pass, then a failure with the differences", async () => {
    const port = await startUpstream();
    try {
      const ids = await buildProject(port);
      await ok("POST", "/api/studio/projects/Shop/objects", {
        parent: ids.seqId,
        type: "TestCase",
        name: "Item9",
        props: { inputs: { item: "9" }, expected: { title: "Item 9" } },
      });
      await ok("POST", "/api/studio/projects/Shop/objects", {
        parent: ids.seqId,
        type: "TestCase",
        name: "Wrong",
        props: { inputs: { item: "3" }, expected: { title: "Item 4" } },
      });
      const results = await ok<{ testCase: string; ok: boolean; differences: { path: string }[] }[]>(
        "POST",
        "/api/studio/projects/Shop/tests/run",
        {},
      );
      expect(results.map((r) => [r.testCase, r.ok])).toEqual([
        ["Item9", true],
        ["Wrong", false],
      ]);
      expect(results[1]!.differences[0]!.path).toMatch(/title/);
    } finally {
      upstream.close();
    }
  });
});
