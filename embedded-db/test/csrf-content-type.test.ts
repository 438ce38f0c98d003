/**
 * Finding: FullSync's CSRF guard accepted bodies without a Content-Type. A cross-site page can
 * send, with the user's cookie and without a CORS preflight, a POST whose body has no
 * Content-Type or is text/plain, application/x-www-form-urlencoded or multipart/form-data.
 * Every state-changing route now requires application/json (attachment PUTs: the attachment's
 * own type, never none or a form encoding), and PouchDB's replication is unaffected.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PouchDB, type PouchDb } from "../pouch.ts";
import { decl, ids, pull, push, startHarness, type Harness } from "./harness.ts";

let h: Harness;
let alice: string;
let a1Rev: string;
type Json = Record<string, unknown>;

beforeEach(async () => {
  h = await startHarness();
  await h.fs.setDatabases([decl("items")]);
  a1Rev = (
    await h.fs.data("items").put({
      _id: "a1",
      "~c8oAcl": "alice",
      _attachments: { "n.txt": { content_type: "text/plain", data: Buffer.from("note").toString("base64") } },
    })
  ).rev;
  await h.fs.flush();
  alice = h.login("alice");
});
afterEach(async () => {
  await h.close();
});

const FORGED: (string | undefined)[] = [
  undefined,
  "text/plain",
  "text/plain;charset=UTF-8",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/json-patch+json",
];

describe("state-changing requests need the media type a cross-site form cannot send", () => {
  it("every POST, PUT and DELETE with a body is refused with 415 without application/json, and changes nothing", async () => {
    const routes: [string, string, unknown][] = [
      ["POST", "/items", { _id: "csrf1" }],
      ["POST", "/items/_bulk_docs", { docs: [{ _id: "csrf2" }] }],
      ["POST", "/items/_bulk_docs", { new_edits: false, docs: [{ _id: "csrf3", _rev: "1-abc" }] }],
      ["POST", "/items/_bulk_get", { docs: [{ id: "a1" }] }],
      ["POST", "/items/_revs_diff", { a1: ["1-x"] }],
      ["POST", "/items/_all_docs", { keys: ["a1"] }],
      ["POST", "/items/_changes?filter=_doc_ids", { doc_ids: ["a1"] }],
      ["POST", "/items/_ensure_full_commit", {}],
      ["PUT", "/items/csrf4", { v: 1 }],
      ["PUT", `/items/a1?rev=${a1Rev}`, { "~c8oAcl": "alice", defaced: true }],
      ["PUT", "/items/_local/ck", { last_seq: "forged" }],
      ["DELETE", `/items/a1?rev=${a1Rev}`, {}],
      ["DELETE", `/items/a1/n.txt?rev=${a1Rev}`, {}],
      ["DELETE", "/items/_local/ck", {}],
    ];
    for (const [method, path, body] of routes) {
      for (const type of FORGED) {
        const r = await h.request(method, path, {
          sid: alice,
          raw: Buffer.from(JSON.stringify(body)),
          headers: type ? { "Content-Type": type } : {},
        });
        expect(r.status, `${method} ${path} as ${type ?? "(none)"}`).toBe(415);
        expect((r.body as Json).error).toBe("bad_content_type");
      }
    }
    // Nothing was written.
    for (const id of ["csrf1", "csrf2", "csrf3", "csrf4"]) await expect(h.fs.data("items").get(id)).rejects.toThrow();
    const a1 = await h.fs.data("items").get("a1");
    expect(a1._rev).toBe(a1Rev);
    expect(a1.defaced).toBeUndefined();
    expect((await h.request("GET", "/items/_local/ck", { sid: alice })).status).toBe(404);
  });

  it("attachment PUT: the attachment's own type, never none or a form encoding", async () => {
    for (const type of [undefined, "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      const r = await h.request("PUT", `/items/a1/x.bin?rev=${a1Rev}`, {
        sid: alice,
        raw: Buffer.from("data"),
        headers: type ? { "Content-Type": type } : {},
      });
      expect(r.status, type ?? "(none)").toBe(415);
    }
    expect((await h.fs.data("items").get("a1"))._rev).toBe(a1Rev);
    // text/plain is a real attachment type (a cross-site PUT needs a preflight anyway).
    const ok = await h.request("PUT", `/items/a1/x.txt?rev=${a1Rev}`, {
      sid: alice,
      raw: "plain text",
      headers: { "Content-Type": "text/plain;charset=utf-8" },
    });
    expect(ok.status).toBe(201);
  });

  it("application/json (with parameters, any case) is accepted", async () => {
    const r = await h.request("POST", "/items/_bulk_docs", {
      sid: alice,
      raw: Buffer.from(JSON.stringify({ docs: [{ _id: "fine" }] })),
      headers: { "Content-Type": "Application/JSON; charset=utf-8" },
    });
    expect(r.status).toBe(201);
    expect((r.body as Json[])[0]).toMatchObject({ ok: true, id: "fine" });
  });

  it("PouchDB 9's http adapter sends a content type on every state-changing request: its API and replication work", async () => {
    const seen: { method: string; url: string; type: string | null }[] = [];
    const remote = new PouchDB(`${h.url}/items`, {
      skip_setup: true,
      fetch: (u: string, o: { method?: string; headers: Headers }) => {
        o.headers.set("Cookie", `sid=${alice}`);
        seen.push({ method: o.method ?? "GET", url: u, type: o.headers.get("Content-Type") });
        return PouchDB.fetch(u, o);
      },
    }) as PouchDb & {
      putAttachment(id: string, name: string, rev: string, data: Buffer, type: string): Promise<{ rev: string }>;
      removeAttachment(id: string, name: string, rev: string): Promise<{ rev: string }>;
    };
    const dev = h.device();
    await dev.bulkDocs([{ _id: "d1", "~c8oAcl": "alice" }, { _id: "d2" }]);
    const pushed = await push(dev, remote);
    expect(pushed.denied).toEqual([]);
    await pull(remote, h.device());
    const put = await remote.put({ _id: "d3", v: 1 });
    const att = await remote.putAttachment("d3", "f.txt", put.rev!, Buffer.from("x"), "text/plain");
    const rm = await remote.removeAttachment("d3", "f.txt", att.rev);
    await remote.remove("d3", rm.rev);
    await remote.post({ v: 2 });
    await remote.allDocs({ keys: ["d1"] });
    await remote.bulkGet({ docs: [{ id: "d1" }] });
    await remote.revsDiff({ d1: ["1-x"] });
    await remote.changes({ doc_ids: ["d1"] });
    await remote.changes({ selector: { _id: "d1" } } as Record<string, unknown>);
    const other = h.device();
    await pull(remote, other);
    const got = await ids(other);
    expect(got).toEqual(expect.arrayContaining(["a1", "d1", "d2"]));
    expect(got.length).toBe(4); // and the posted one
    const changing = seen.filter((s) => s.method !== "GET" && s.method !== "HEAD");
    expect(changing.length).toBeGreaterThan(10);
    for (const s of changing) {
      const want = /\/f\.txt/.test(s.url) && s.method === "PUT" ? "text/plain" : "application/json";
      expect(s.type, `${s.method} ${s.url}`).toBe(want);
    }
  });
});
