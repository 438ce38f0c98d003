/**
 * Finding: ReDoS through `_changes?filter=_selector` with `$regex`. pouchdb-selector-core turned
 * a device's `$regex` into a backtracking JavaScript RegExp on the event loop: `^(a+)+$` against
 * 30 characters stalled every request of the server for about a minute. Selectors are now
 * evaluated by selector.ts ($regex on RE2, bounded work per document, yields between documents).
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decl, startHarness, type Harness } from "./harness.ts";

let h: Harness;
let alice: string;
type Json = Record<string, unknown>;
const idsOf = (body: unknown) => (body as { results: { id: string }[] }).results.map((r) => r.id).sort();

beforeEach(async () => {
  h = await startHarness();
  await h.fs.setDatabases([decl("items")]);
  await h.fs.data("items").bulkDocs([
    { _id: "evil", "~c8oAcl": "alice", name: "a".repeat(30) + "!" },
    { _id: "o1", "~c8oAcl": "alice", type: "order", name: "Alice Smith" },
    { _id: "o2", "~c8oAcl": "alice", type: "Order", name: "bob" },
    { _id: "i1", "~c8oAcl": "alice", type: "invoice", tags: ["x", "order-7"] },
    { _id: "b1", "~c8oAcl": "bob", type: "order", name: "aaaa" },
    { _id: "p1", type: "order", name: "public" },
  ]);
  await h.fs.flush();
  alice = h.login("alice");
});
afterEach(async () => {
  await h.close();
});

describe("a device's $regex never stalls the server", () => {
  it("^(a+)+$ against a 30-character value answers at once, and a concurrent request is not delayed", async () => {
    // Generous bounds (the machine may be loaded): the stall they catch lasted about a minute.
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const t0 = performance.now();
    const evil = h
      .request("POST", "/items/_changes?filter=_selector", {
        sid: alice,
        body: { selector: { name: { $regex: "^(a+)+$" } } },
      })
      .then((r) => ({ r, ms: performance.now() - t0 }));
    // Another user's ordinary request, sent while the selector is evaluated.
    const bob = h.login("bob");
    const t1 = performance.now();
    const other = h.request("GET", "/items/_all_docs", { sid: bob }).then((r) => ({ r, ms: performance.now() - t1 }));
    // The same through the GET form (selector= in the query).
    const viaGet = h.request(
      "GET",
      `/items/_changes?filter=_selector&selector=${encodeURIComponent(JSON.stringify({ name: { $regex: "^(a+)+$" } }))}`,
      { sid: alice },
    );
    const [e, o, g] = await Promise.all([evil, other, viaGet]);
    loop.disable();
    expect(e.r.status).toBe(200);
    expect(idsOf(e.r.body)).toEqual([]);
    expect(g.status).toBe(200);
    expect(idsOf(g.body)).toEqual([]);
    expect(o.r.status).toBe(200);
    expect(e.ms).toBeLessThan(2000);
    expect(o.ms).toBeLessThan(2000);
    // No stall of the event loop (the old code blocked it for tens of seconds).
    expect(loop.max / 1e6).toBeLessThan(1000);
  });

  it("legitimate $regex still filters, only within what the reader may see", async () => {
    const sel = async (selector: Json) => {
      const r = await h.request("POST", "/items/_changes?filter=_selector&include_docs=true", {
        sid: alice,
        body: { selector },
      });
      expect(r.status, JSON.stringify(selector)).toBe(200);
      return idsOf(r.body);
    };
    expect(await sel({ type: { $regex: "^order" } })).toEqual(["o1", "p1"]);
    expect(await sel({ type: { $regex: "(?i)^order" } })).toEqual(["o1", "o2", "p1"]);
    expect(await sel({ name: { $regex: "Smith$" } })).toEqual(["o1"]);
    expect(await sel({ tags: { $elemMatch: { $regex: "^order-\\d+$" } } })).toEqual(["i1"]);
    expect(await sel({ $or: [{ type: { $regex: "^inv" } }, { name: { $regex: "^pub" } }] })).toEqual(["i1", "p1"]);
    // Selecting on the ACL keys or ids only narrows: bob's b1 never comes.
    expect(await sel({ "~c8oAcl": { $regex: ".*" } })).toEqual(["evil", "i1", "o1", "o2"]);
    expect(await sel({ _id: { $regex: "^b" } })).toEqual([]);
    expect(await sel({ $not: { "~c8oAcl": "alice" } })).toEqual(["p1"]);
  });

  it("refuses patterns RE2 cannot run, and overlong ones, with a CouchDB-style 400", async () => {
    for (const [selector, reason] of [
      [{ name: { $regex: "(a)\\1" } }, /RE2/],
      [{ name: { $regex: "a(?!b)" } }, /RE2/],
      [{ name: { $regex: "a".repeat(257) } }, /at most 256 characters/],
      [{ name: { $regex: "^(?:a|b){0,200}$" } }, /too complex/],
      [{ name: { $regex: ["x"] } }, /needs a string/],
      [{ name: { $foo: 1 } }, /unknown operator/],
    ] as const) {
      const r = await h.request("POST", "/items/_changes?filter=_selector", { sid: alice, body: { selector } });
      expect(r.status, JSON.stringify(selector)).toBe(400);
      expect(r.body).toMatchObject({ error: "bad_request" });
      expect(String((r.body as Json).reason)).toMatch(reason);
    }
  });
});
