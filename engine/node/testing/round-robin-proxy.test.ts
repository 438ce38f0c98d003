import { createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startRoundRobinProxy, type RoundRobinProxy } from "./round-robin-proxy.ts";
import { closedPort, sendJson, startUpstream, type Upstream } from "./upstream.ts";

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0).reverse()) await o.close();
});

/** An upstream answering its name and what it received. */
async function named(name: string): Promise<Upstream> {
  const up = await startUpstream((req, res) =>
    sendJson(
      res,
      200,
      { name, method: req.method, url: req.url, body: req.body, headers: req.headers },
      { "x-served-by": name },
    ),
  );
  opened.push(up);
  return up;
}

async function proxy(upstreams: string[]): Promise<RoundRobinProxy> {
  const p = await startRoundRobinProxy(upstreams);
  opened.push(p);
  return p;
}

type Echo = { name: string; method: string; url: string; body: string; headers: Record<string, string> };

async function call(p: RoundRobinProxy, path: string, init?: RequestInit): Promise<{ status: number; json: Echo }> {
  const res = await fetch(new URL(path, p.url), init);
  return { status: res.status, json: (await res.json()) as Echo };
}

describe("round-robin proxy", () => {
  it("takes the upstreams in turn and forwards method, path, query, headers and body", async () => {
    const [a, b, c] = [await named("a"), await named("b"), await named("c")];
    const p = await proxy([a.url, b.url, c.url]);
    expect(p.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const names: string[] = [];
    for (let i = 0; i < 7; i++) names.push((await call(p, `/x?i=${i}`)).json.name);
    expect(names).toEqual(["a", "b", "c", "a", "b", "c", "a"]);
    expect(p.counts()).toEqual({ [a.url]: 3, [b.url]: 2, [c.url]: 2 });

    const posted = await call(p, "/projects/P/.json?__sequence=S", {
      method: "POST",
      headers: { "content-type": "application/json", cookie: "atelier_sid=s1", "x-custom": "yes" },
      body: JSON.stringify({ hello: "world" }),
    });
    expect(posted.status).toBe(200);
    expect(posted.json).toMatchObject({ name: "b", method: "POST", url: "/projects/P/.json?__sequence=S" });
    expect(JSON.parse(posted.json.body)).toEqual({ hello: "world" });
    expect(posted.json.headers).toMatchObject({
      "content-type": "application/json",
      cookie: "atelier_sid=s1",
      "x-custom": "yes",
      "x-forwarded-for": "127.0.0.1",
      "x-forwarded-proto": "http",
      host: `127.0.0.1:${p.port}`,
      "x-forwarded-host": `127.0.0.1:${p.port}`,
    });
  });

  it("passes the status and every response header back, repeated ones included", async () => {
    const up = await startUpstream((_req, res) => {
      res.writeHead(201, [
        ["content-type", "text/plain"],
        ["set-cookie", "a=1; Path=/"],
        ["set-cookie", "b=2; Path=/"],
      ]);
      res.end("made");
    });
    opened.push(up);
    const p = await proxy([up.url]);
    const res = await fetch(p.url);
    expect(res.status).toBe(201);
    expect(res.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; Path=/"]);
    expect(await res.text()).toBe("made");
  });

  it("tries the next upstream when that is safe: a refused connection (any request), an idempotent request", async () => {
    const [a, c] = [await named("a"), await named("c")];
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const p = await proxy([a.url, dead, c.url]);
    // GET: the dead one's turn goes on to the next.
    expect((await call(p, "/1")).json.name).toBe("a");
    expect((await call(p, "/2")).json.name).toBe("c");
    // A POST whose connection is refused reached no server: its (held) body goes to the next.
    const post = (body: string) => call(p, "/p", { method: "POST", body });
    expect((await post("one")).json.name).toBe("a");
    const moved = await post("two");
    expect(moved.json).toMatchObject({ name: "c", body: "two" });
    expect(p.failures()).toBe(0);

    // Every upstream down: 502, for a GET too.
    await a.close();
    await c.close();
    const none = await call(p, "/3");
    expect(none.status).toBe(502);
    expect(none.json).toMatchObject({ error: { code: "bad_gateway" } });
    expect(JSON.stringify(none.json)).toContain("No upstream answered");
  });

  it("a POST that reached an upstream which then failed is not sent again: 502", async () => {
    // An upstream that reads the request, then drops the connection without answering.
    const dropper = createServer((req) => {
      req.resume();
      req.once("end", () => req.socket.destroy());
    });
    await new Promise<void>((r) => dropper.listen(0, "127.0.0.1", r));
    opened.push({
      close: () =>
        new Promise<void>((r) => {
          dropper.closeAllConnections();
          dropper.close(() => r());
        }),
    });
    const c = await named("c");
    const p = await proxy([`http://127.0.0.1:${(dropper.address() as AddressInfo).port}`, c.url]);
    const bad = await call(p, "/p", { method: "POST", body: "once" });
    expect(bad.status).toBe(502);
    expect(bad.json).toMatchObject({ error: { code: "bad_gateway" } });
    expect(c.requests.filter((r) => r.method === "POST")).toEqual([]);
    // A GET meets the same upstream next: it goes on to c.
    await call(p, "/g");
    expect((await call(p, "/g2")).json.name).toBe("c");
  });

  it("adds and removes upstreams while it runs", async () => {
    const [a, b] = [await named("a"), await named("b")];
    const p = await proxy([a.url]);
    expect((await call(p, "/")).json.name).toBe("a");
    p.add(b.url);
    p.add(b.url); // once only
    expect(p.upstreams()).toEqual([a.url, b.url]);
    const names = [];
    for (let i = 0; i < 4; i++) names.push((await call(p, "/")).json.name);
    expect(names.sort()).toEqual(["a", "a", "b", "b"]);
    expect(p.remove(a.url)).toBe(true);
    expect(p.remove(a.url)).toBe(false);
    for (let i = 0; i < 3; i++) expect((await call(p, "/")).json.name).toBe("b");
    p.remove(b.url);
    expect((await call(p, "/")).status).toBe(502);
  });

  it("streams bodies both ways without waiting for their end", async () => {
    // The upstream answers the first request chunk at once, and ends when the request ends;
    // the client sends its second chunk only after it has read the first answer.
    const server: Server = createServer((req: IncomingMessage, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      req.on("data", (d: Buffer) => res.write(`got ${d.toString()};`));
      req.on("end", () => res.end("end"));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    opened.push({ close: () => new Promise<void>((r) => server.close(() => r())) });
    const p = await proxy([`http://127.0.0.1:${(server.address() as AddressInfo).port}`]);

    const text = await new Promise<string>((resolve, reject) => {
      const req = request(new URL("/stream", p.url), { method: "PUT" }, (res) => {
        let all = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          all += d;
          if (all === "got one;") req.end("two");
        });
        res.on("end", () => resolve(all));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.flushHeaders();
      req.write("one");
    });
    expect(text).toBe("got one;got two;end");
  });

  it("answers 504 when an upstream does not answer in time", async () => {
    const up = await startUpstream(() => {
      // never answers
    });
    opened.push(up);
    const p = await startRoundRobinProxy([up.url], { timeoutMs: 200 });
    opened.push(p);
    const res = await fetch(p.url);
    expect(res.status).toBe(504);
    expect(await res.json()).toMatchObject({ error: { code: "upstream_timeout" } });
  });
});
