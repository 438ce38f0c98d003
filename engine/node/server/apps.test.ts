import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { request } from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAtelier, type RunningAtelier } from "../app.ts";
import { EngineLog } from "../log.ts";
import { testWorkspace, type TestWorkspace } from "../testing/harness.ts";
import { APP_CSP, appCacheControl, appRelativePath } from "./apps.ts";

let ws: TestWorkspace;
let app: RunningAtelier;
let www: string;

const INDEX = '<!doctype html><title>App</title><script type="module" src="./assets/main-1a2b.js"></script>';

beforeAll(async () => {
  ws = await testWorkspace({
    sequences: [{ type: "Sequence", name: "Hi", children: [{ type: "Element", name: "hi", value: 1 }] }],
  });
  www = path.join(ws.dir, "P", "www");
  await mkdir(path.join(www, "assets"), { recursive: true });
  await writeFile(path.join(www, "index.html"), INDEX);
  await writeFile(path.join(www, "assets", "main-1a2b.js"), "console.log('app')");
  await writeFile(path.join(www, "sw.js"), "self.addEventListener('fetch', () => {})");
  await writeFile(path.join(www, "manifest.webmanifest"), '{"name":"App"}');
  await writeFile(path.join(www, ".secret"), "dot file");
  // Outside the app: reachable by no path, link included.
  await writeFile(path.join(ws.dir, "P", "outside.txt"), "project file");
  await symlink(path.join(ws.dir, "P", "outside.txt"), path.join(www, "link.txt"));
  app = await startAtelier({
    workspaceDir: ws.dir,
    studio: false,
    fullsync: { inMemory: true },
    log: new EngineLog({ level: "silent" }),
  });
});
afterAll(async () => {
  await app?.close();
  await ws?.close();
});

/** A GET with the path sent as written (fetch would normalize `..` and `%2e`). */
function rawGet(pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const url = new URL(app.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: pathname, method: "GET", headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("apps at /apps/<Project>/", () => {
  it("serves index.html, assets and the PWA files with their cache rules and a strict CSP", async () => {
    const index = await fetch(new URL("apps/P/", app.url));
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await index.text()).toBe(INDEX);
    expect(index.headers.get("cache-control")).toBe("no-cache");
    expect(index.headers.get("content-security-policy")).toBe(APP_CSP);
    expect(index.headers.get("content-security-policy")).not.toMatch(/unsafe-eval/);
    expect(index.headers.get("x-content-type-options")).toBe("nosniff");

    const asset = await fetch(new URL("apps/P/assets/main-1a2b.js", app.url));
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toMatch(/javascript/);
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(await asset.text()).toBe("console.log('app')");

    const sw = await fetch(new URL("apps/P/sw.js", app.url));
    expect(sw.headers.get("cache-control")).toBe("no-cache");
    expect(sw.headers.get("service-worker-allowed")).toBe("./");
    const manifest = await fetch(new URL("apps/P/manifest.webmanifest", app.url));
    expect(manifest.status).toBe(200);
    expect(manifest.headers.get("cache-control")).toBe("no-cache");
  });

  it("answers 304 to a revalidation, and HEAD without a body", async () => {
    const first = await fetch(new URL("apps/P/index.html", app.url));
    const etag = first.headers.get("etag");
    expect(etag).toBeTruthy();
    // (fetch would add `cache-control: no-cache` to a conditional request, which forbids a 304.)
    const again = await rawGet("/apps/P/index.html", { "if-none-match": etag! });
    expect(again.status).toBe(304);
    expect(again.body).toBe("");
    const head = await fetch(new URL("apps/P/", app.url), { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });

  it("answers index.html for the app's own routes, 404 for a missing file", async () => {
    for (const route of ["apps/P/orders", "apps/P/orders/42", "apps/P/assets"]) {
      const res = await fetch(new URL(route, app.url));
      expect(res.status, route).toBe(200);
      expect(await res.text()).toBe(INDEX);
      expect(res.headers.get("cache-control")).toBe("no-cache");
    }
    const missing = await fetch(new URL("apps/P/assets/gone-9z.js", app.url));
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.message).toContain("/apps/P/assets/gone-9z.js");
  });

  it("is linked from the engine's root page", async () => {
    const page = await (await fetch(app.url)).text();
    expect(page).toContain('<a href="/apps/P/">Open the app</a>');
  });

  it("redirects /apps/P to /apps/P/ and names what is missing", async () => {
    const res = await fetch(new URL("apps/P", app.url), { redirect: "manual" });
    expect(res.status).toBe(301);
    expect(res.headers.get("location")).toBe("/apps/P/");
    const none = await fetch(new URL("apps/Nope/", app.url));
    expect(none.status).toBe(404);
    expect((await none.json()).error.message).toBe('No project named "Nope"');
  });

  it("reaches nothing outside www/: dot segments, dot files, encoded separators, links", async () => {
    for (const p of [
      "/apps/P/../P/outside.txt",
      "/apps/P/%2e%2e/outside.txt",
      "/apps/P/assets/%2e%2e/%2e%2e/outside.txt",
      "/apps/P/..%2foutside.txt",
      "/apps/P/..%5coutside.txt",
      "/apps/P/.secret",
      "/apps/P/link.txt",
      "/apps/P/%00.js",
      "/apps/P//etc/passwd.txt",
      "/apps/..%2fP/outside.txt",
    ]) {
      const res = await rawGet(p);
      expect(res.body, p).not.toContain("project file");
      expect(res.body, p).not.toContain("dot file");
      expect([301, 400, 404], p).toContain(res.status);
    }
  });

  it("follows the workspace: a build appears and disappears without a restart", async () => {
    await rm(path.join(www, "index.html"));
    const gone = await fetch(new URL("apps/P/", app.url));
    expect(gone.status).toBe(404);
    expect((await gone.json()).error.message).toBe('The project "P" has no built app (no www/index.html)');
    await writeFile(path.join(www, "index.html"), INDEX);
    expect((await fetch(new URL("apps/P/", app.url))).status).toBe(200);
  });
});

describe("apps paths and cache rules", () => {
  it("checks relative paths", () => {
    expect(appRelativePath("")).toBe("");
    expect(appRelativePath("assets/a.js")).toBe("assets/a.js");
    expect(appRelativePath("orders/")).toBe("orders");
    expect(appRelativePath("../x")).toBeNull();
    expect(appRelativePath("a/.git/config")).toBeNull();
    expect(appRelativePath("a//b")).toBeNull();
    expect(appRelativePath("a\\b")).toBeNull();
    expect(appRelativePath("a\0")).toBeNull();
    expect(appRelativePath("a/".repeat(40))).toBeNull();
    expect(appRelativePath("x".repeat(2000))).toBeNull();
  });
  it("revalidates the files naming the others, keeps hashed assets a year", () => {
    expect(appCacheControl("index.html")).toBe("no-cache");
    expect(appCacheControl("sw.js")).toBe("no-cache");
    expect(appCacheControl("icons/icon-192.png")).toBe("no-cache");
    expect(appCacheControl("assets/index-abc.css")).toBe("public, max-age=31536000, immutable");
  });
});
