import Fastify from "fastify";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PREVIEW_CSP, studioPreview } from "./preview.ts";

let dist: string;
beforeAll(async () => {
  dist = await mkdtemp(path.join(os.tmpdir(), "atelier-preview-"));
  await mkdir(path.join(dist, "preview", "assets"), { recursive: true });
  await writeFile(path.join(dist, "preview", "preview.html"), "<!doctype html><title>preview</title>");
  await writeFile(path.join(dist, "preview", "assets", "main-1.js"), "console.log(1)");
  await writeFile(path.join(dist, "index.html"), "<!doctype html><title>Studio</title>");
});
afterAll(async () => {
  await rm(dist, { recursive: true, force: true });
});

describe("the page preview's files", () => {
  it("are served without the Studio's cookie, under a CSP that allows no connection", async () => {
    const app = Fastify();
    await app.register(async (scope) => studioPreview(scope, dist));
    const page = await app.inject({ method: "GET", url: "/studio-preview/" });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("<title>preview</title>");
    expect(page.headers["content-security-policy"]).toBe(PREVIEW_CSP);
    expect(PREVIEW_CSP).toContain("connect-src 'none'");
    expect(page.headers["cache-control"]).toBe("no-cache");
    // The sandboxed iframe is an opaque origin: its module scripts are CORS requests.
    const js = await app.inject({ method: "GET", url: "/studio-preview/assets/main-1.js" });
    expect(js.statusCode).toBe(200);
    expect(js.headers["access-control-allow-origin"]).toBe("*");
    expect(js.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    // Only the preview's folder: not the Studio's page, nothing above it.
    for (const url of [
      "/studio-preview/../index.html",
      "/studio-preview/%2e%2e/index.html",
      "/studio-preview/index.html",
    ]) {
      const r = await app.inject({ method: "GET", url });
      expect(r.body, url).not.toContain("<title>Studio</title>");
    }
    await app.close();
  });

  it("says how to build it when it is not built", async () => {
    const app = Fastify();
    await app.register(async (scope) => studioPreview(scope, path.join(dist, "nothing")));
    const r = await app.inject({ method: "GET", url: "/studio-preview/" });
    expect(r.statusCode).toBe(503);
    expect(r.body).toBe("The page preview is not built: run `npm run build:renderer`.");
    await app.close();
  });
});
