import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UndiciHttpClient } from "./http-client.ts";

// A real server on loopback: each path answers in its own way.
let server: Server;
let base: string;
const client = new UndiciHttpClient();

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/json") {
      res.writeHead(200, { "content-type": "application/json", "x-twice": ["a", "b"] });
      res.end(JSON.stringify({ ok: true, text: "héllo" }));
    } else if (req.url === "/huge") {
      // 51 MiB in 1 MiB chunks, without a content-length: the limit must end it while reading.
      res.writeHead(200, { "content-type": "application/octet-stream" });
      const chunk = Buffer.alloc(1024 * 1024, 97);
      let sent = 0;
      const write = () => {
        while (sent < 51) {
          sent++;
          if (!res.write(chunk)) {
            res.once("drain", write);
            return;
          }
        }
        res.end();
      };
      res.on("error", () => {});
      write();
    } else if (req.url === "/redirect") {
      res.writeHead(302, { location: "/json" });
      res.end();
    } else if (req.url === "/slow") {
      // Headers now, the body never: only the overall time limit can end it.
      res.writeHead(200, { "content-type": "application/json" });
      res.write("[");
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await client.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const get = (path: string, timeoutMs = 5000, signal?: AbortSignal) =>
  client.request({ method: "GET", url: base + path, headers: {}, timeoutMs, tlsVerify: true }, signal);

describe("UndiciHttpClient", () => {
  it("answers status, headers (repeated ones joined) and the body as UTF-8 text", async () => {
    const res = await get("/json");
    expect(res.status).toBe(200);
    expect(res.headers["x-twice"]).toBe("a, b");
    expect(JSON.parse(res.body)).toEqual({ ok: true, text: "héllo" });
  });

  it("ends an answer larger than 50 MiB with an error that says so", async () => {
    await expect(get("/huge", 20_000)).rejects.toThrow("the answer is larger than 50 MiB");
  });

  it("ends an answer larger than the request's own bound while reading it", async () => {
    const started = Date.now();
    await expect(
      client.request({
        method: "GET",
        url: `${base}/huge`,
        headers: {},
        timeoutMs: 20_000,
        tlsVerify: true,
        maxBodyBytes: 2 * 1024 * 1024,
      }),
    ).rejects.toThrow("the answer is larger than 2 MiB");
    // Ended while reading, long before the 51 MiB were sent.
    expect(Date.now() - started).toBeLessThan(15_000);
    // An answer within the bound is read as usual.
    const small = await client.request({
      method: "GET",
      url: `${base}/json`,
      headers: {},
      timeoutMs: 5000,
      tlsVerify: true,
      maxBodyBytes: 1024,
    });
    expect(small.status).toBe(200);
  });

  it("ends a body that never completes at the time limit", async () => {
    const started = Date.now();
    await expect(get("/slow", 300)).rejects.toThrow("no complete answer within 300 ms");
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("stops when the run's signal aborts, and says so", async () => {
    const ctl = new AbortController();
    const pending = get("/slow", 10_000, ctl.signal);
    setTimeout(() => ctl.abort(), 50);
    await expect(pending).rejects.toThrow("the run was stopped");
  });

  it("never follows a redirect: the 3xx is the answer (it could lead to any host)", async () => {
    const r = await client.request({
      method: "GET",
      url: `${base}/redirect`,
      headers: {},
      timeoutMs: 2000,
      tlsVerify: true,
    });
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe("/json");
  });

  it("names a refused connection in words", async () => {
    await expect(
      client.request({ method: "GET", url: "http://127.0.0.1:9/x", headers: {}, timeoutMs: 2000, tlsVerify: true }),
    ).rejects.toThrow(/connection refused by 127\.0\.0\.1:9/);
  });
});
