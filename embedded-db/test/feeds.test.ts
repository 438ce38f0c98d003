/** _changes feeds over raw HTTP: pagination with limit, longpoll (wake-up, heartbeat, timeout), continuous, since=now. */
import { request } from "node:http";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { decl, ids, pull, startHarness, type Harness } from "./harness.ts";

let h: Harness;
let sid: string;
beforeEach(async () => {
  h = await startHarness();
  await h.fs.setDatabases([decl("items")]);
  sid = h.login("alice");
});
afterEach(async () => {
  await h.close();
});

type Changes = { results: { id: string; seq: string }[]; last_seq: string };

/** A streaming GET: resolves with every chunk received until the response ends. */
function stream(path: string, onChunk?: (text: string) => void): Promise<{ status: number; chunks: string[] }> {
  const u = new URL(h.url + path);
  return new Promise((resolve, reject) => {
    const req = request(u, { headers: { Cookie: `sid=${sid}` } }, (res) => {
      const chunks: string[] = [];
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        chunks.push(c);
        onChunk?.(c);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, chunks }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("_changes feeds", () => {
  it("pages with limit and since, last_seq always advancing; a pull of more than a batch gets everything", async () => {
    const docs = Array.from({ length: 250 }, (_, i) => ({
      _id: `d${String(i).padStart(3, "0")}`,
      "~c8oAcl": i % 2 ? "alice" : "bob",
    }));
    await h.fs.data("items").bulkDocs(docs);
    const seen: string[] = [];
    let since = "0";
    for (let page = 0; page < 20; page++) {
      const r = await h.request("GET", `/items/_changes?limit=40&since=${encodeURIComponent(since)}`, { sid });
      const body = r.body as Changes;
      seen.push(...body.results.map((x) => x.id));
      expect(Number.parseInt(body.last_seq, 10)).toBeGreaterThanOrEqual(Number.parseInt(since, 10));
      if (!body.results.length) break;
      since = body.last_seq;
    }
    expect(seen.length).toBe(125);
    expect(new Set(seen).size).toBe(125);
    const device = h.device();
    const res = await pull(h.remote("items", sid), device);
    expect(res.docs_written).toBe(125);
    expect((await ids(device)).length).toBe(125);
    const now = await h.request("GET", "/items/_changes?since=now", { sid });
    expect((now.body as Changes).results).toEqual([]);
  });

  it("longpoll waits for a visible change (not another user's), with heartbeats; times out empty", async () => {
    const first = (await h.request("GET", "/items/_changes", { sid })).body as Changes;
    let beats = 0;
    const pending = stream(
      `/items/_changes?feed=longpoll&heartbeat=1000&since=${encodeURIComponent(first.last_seq)}`,
      (c) => {
        if (c.trim() === "") beats++;
      },
    );
    await h.fs.data("items").put({ _id: "bobs", "~c8oAcl": "bob" });
    // The other user's change does not answer the poll: heartbeats keep it open.
    await vi.waitFor(() => expect(beats, "a heartbeat").toBeGreaterThanOrEqual(1), { timeout: 5000, interval: 20 });
    await h.fs.data("items").put({ _id: "mine", "~c8oAcl": "alice" });
    const res = await pending;
    expect(res.status).toBe(200);
    const body = JSON.parse(res.chunks.join("")) as Changes;
    expect(body.results.map((r) => r.id)).toEqual(["mine"]);
    expect(beats).toBeGreaterThanOrEqual(1);
    const t = Date.now();
    const empty = await h.request(
      "GET",
      `/items/_changes?feed=longpoll&timeout=300&since=${encodeURIComponent(body.last_seq)}`,
      { sid },
    );
    expect(Date.now() - t).toBeGreaterThanOrEqual(250);
    expect((empty.body as Changes).results).toEqual([]);
  });

  it("continuous streams one line per change, then last_seq at the timeout", async () => {
    await h.fs.data("items").put({ _id: "c1", "~c8oAcl": "alice" });
    const lines: string[] = [];
    let wrote = false;
    const res = await stream("/items/_changes?feed=continuous&timeout=1500", (c) => {
      lines.push(...c.split("\n").filter((l) => l.trim()));
      if (!wrote && lines.some((l) => l.includes('"c1"'))) {
        wrote = true;
        void h.fs.data("items").put({ _id: "c2", "~c8oAcl": "alice" });
        void h.fs.data("items").put({ _id: "hidden", "~c8oAcl": "bob" });
      }
    });
    expect(res.status).toBe(200);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.filter((p) => p.id).map((p) => p.id)).toEqual(["c1", "c2"]);
    expect(parsed[parsed.length - 1]).toHaveProperty("last_seq");
  });
});
