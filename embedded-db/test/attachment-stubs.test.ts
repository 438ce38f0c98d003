/**
 * Finding: attachment stubs read other users' attachments. PouchDB resolves a stub
 * `{"stub": true, "digest": "md5-..."}` by its digest across the whole database, so bob could
 * copy alice's attachment into his own document and read it (`missing_stub` confirming guessed
 * digests). A stub may now name only an attachment of a revision in the new revision's own
 * ancestry that the writer may read; anything else is refused for that document, with the same
 * answer whether the digest exists elsewhere or nowhere.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decl, ids, pull, push, startHarness, type Harness } from "./harness.ts";

let h: Harness;
let alice: string;
let bob: string;
let digest: string;
type Json = Record<string, unknown>;
const SECRET = "alice's secret attachment";
const NOWHERE = "md5-AAAAAAAAAAAAAAAAAAAAAA==";
const b64 = (s: string) => Buffer.from(s).toString("base64");
const stub = (d: string) => ({ "s.txt": { stub: true, digest: d, content_type: "text/plain", length: SECRET.length } });

beforeEach(async () => {
  h = await startHarness();
  await h.fs.setDatabases([decl("items")]);
  await h.fs.data("items").put({
    _id: "a1",
    "~c8oAcl": "alice",
    _attachments: { "secret.txt": { content_type: "text/plain", data: b64(SECRET) } },
  });
  const a1 = await h.fs.data("items").get("a1");
  digest = (a1._attachments as Record<string, { digest: string }>)["secret.txt"]!.digest;
  await h.fs.flush();
  alice = h.login("alice");
  bob = h.login("bob");
});
afterEach(async () => {
  await h.close();
});

/** What bob can read of a document of his (nothing of alice's attachment may be there). */
async function bobReads(id: string): Promise<string> {
  const doc = await h.request("GET", `/items/${id}?attachments=true`, { sid: bob });
  const att = await h.request("GET", `/items/${id}/s.txt`, { sid: bob });
  return doc.text + att.text;
}

/** The answer for one document, without its id (compared across digests). */
const sameAnswer = (a: unknown, b: unknown) => {
  const strip = (x: unknown) => JSON.stringify(x).replace(/"id":"[^"]*",?/g, "");
  expect(strip(a)).toBe(strip(b));
};

describe("a stub names only an attachment of the writer's own ancestry", () => {
  it("_bulk_docs new_edits=true: refused, the same whether the digest exists elsewhere or nowhere", async () => {
    const r = await h.request("POST", "/items/_bulk_docs", {
      sid: bob,
      body: {
        docs: [
          { _id: "bx", _attachments: stub(digest) },
          { _id: "by", _attachments: stub(NOWHERE) },
        ],
      },
    });
    expect(r.status).toBe(201);
    const rows = r.body as Json[];
    expect(rows[0]).toMatchObject({ id: "bx", error: "forbidden" });
    sameAnswer(rows[0], rows[1]);
    expect(await bobReads("bx")).not.toContain(b64(SECRET));
    expect(await bobReads("bx")).not.toContain(SECRET);
    await expect(h.fs.data("items").get("bx")).rejects.toThrow();
  });

  it("_bulk_docs new_edits=false: a new document, and ancestors that are not the writer's to read", async () => {
    // bob's t1 took over a document that alice's revision started (trusted code changed owner).
    const data = h.fs.data("items");
    await data.bulkDocs(
      [
        {
          _id: "t1",
          _rev: "1-aaa",
          "~c8oAcl": "alice",
          _attachments: { "s.txt": { content_type: "text/plain", data: b64(SECRET) } },
        },
        { _id: "t1", _rev: "2-bbb", _revisions: { start: 2, ids: ["bbb", "aaa"] }, "~c8oAcl": "bob" },
      ],
      { new_edits: false },
    );
    await h.fs.flush();
    const tDigest = ((await data.get("t1", { rev: "1-aaa" }))._attachments as Record<string, { digest: string }>)[
      "s.txt"
    ]!.digest;
    const r = await h.request("POST", "/items/_bulk_docs", {
      sid: bob,
      body: {
        new_edits: false,
        docs: [
          { _id: "bz", _rev: "1-ccc", "~c8oAcl": "bob", _attachments: stub(digest) },
          { _id: "bw", _rev: "1-ddd", "~c8oAcl": "bob", _attachments: stub(NOWHERE) },
          // An ancestor alice's, on the server: bob may write t1 (every leaf is his), not read 1-aaa.
          {
            _id: "t1",
            _rev: "3-eee",
            _revisions: { start: 3, ids: ["eee", "bbb", "aaa"] },
            "~c8oAcl": "bob",
            _attachments: stub(tDigest),
          },
          // Ancestors named but not on the server.
          {
            _id: "bv",
            _rev: "3-fff",
            _revisions: { start: 3, ids: ["fff", "ggg", "hhh"] },
            "~c8oAcl": "bob",
            _attachments: stub(digest),
          },
        ],
      },
    });
    expect(r.status).toBe(201);
    const errors = r.body as Json[];
    expect(errors.map((e) => [e.id, e.error])).toEqual([
      ["bz", "forbidden"],
      ["bw", "forbidden"],
      ["t1", "forbidden"],
      ["bv", "forbidden"],
    ]);
    sameAnswer({ ...errors[0], rev: "" }, { ...errors[1], rev: "" });
    for (const id of ["bz", "bv"]) await expect(data.get(id)).rejects.toThrow();
    expect((await data.get("t1"))._rev).toBe("2-bbb");
    expect(await bobReads("t1")).not.toContain(b64(SECRET));
  });

  it("PUT and POST of a document (new_edits both ways) refuse a foreign stub with 403", async () => {
    for (const [method, path, body] of [
      ["PUT", "/items/bp", { _attachments: stub(digest) }],
      ["PUT", "/items/bq?new_edits=false", { _rev: "1-abc", "~c8oAcl": "bob", _attachments: stub(digest) }],
      ["POST", "/items", { _attachments: stub(digest) }],
      ["PUT", "/items/br", { _attachments: stub(NOWHERE) }],
    ] as const) {
      const r = await h.request(method, path, { sid: bob, body });
      expect(r.status, `${method} ${path}`).toBe(403);
      expect((r.body as Json).error).toBe("forbidden");
      expect(r.text).not.toContain("missing_stub");
    }
    // Bob's own document with an attachment, updated with the stub of its parent: allowed.
    const own = await h.request("PUT", "/items/mine", {
      sid: bob,
      body: { _attachments: { "s.txt": { content_type: "text/plain", data: b64("bob's") } } },
    });
    expect(own.status).toBe(201);
    const rev1 = (own.body as Json).rev as string;
    const cur = await h.request("GET", `/items/mine?rev=${rev1}`, { sid: bob });
    const up = await h.request("PUT", `/items/mine?rev=${rev1}`, {
      sid: bob,
      body: { v: 2, _attachments: (cur.body as Json)._attachments },
    });
    expect(up.status).toBe(201);
    expect((await h.request("GET", "/items/mine/s.txt", { sid: bob })).text).toBe("bob's");
    // ...but not with the stub of someone else's attachment next to its own.
    const mixed = await h.request("PUT", `/items/mine?rev=${(up.body as Json).rev as string}`, {
      sid: bob,
      body: { _attachments: { ...((cur.body as Json)._attachments as Json), ...stub(digest) } },
    });
    expect(mixed.status).toBe(403);
  });

  it("attachment PUT keeps the writer's own attachments, and a revision's stubs must be theirs to read", async () => {
    const a1 = await h.fs.data("items").get("a1");
    const add = await h.request("PUT", `/items/a1/more.txt?rev=${a1._rev}`, {
      sid: alice,
      raw: "more",
      headers: { "Content-Type": "text/plain" },
    });
    expect(add.status).toBe(201);
    expect((await h.request("GET", "/items/a1/secret.txt", { sid: alice })).text).toBe(SECRET);
    // Bob names alice's revision as the base: refused (never a copy of her attachments).
    const steal = await h.request("PUT", `/items/a1/x.txt?rev=${(add.body as Json).rev as string}`, {
      sid: bob,
      raw: "x",
      headers: { "Content-Type": "text/plain" },
    });
    expect(steal.status).toBe(403);
  });

  it("replication with attachments still works both ways (PouchDB sends their data, never stubs)", async () => {
    const dev = h.device();
    await dev.put({
      _id: "d1",
      "~c8oAcl": "alice",
      _attachments: { "n.txt": { content_type: "text/plain", data: b64("v1") } },
    });
    const first = await push(dev, h.remote("items", alice));
    expect(first.denied).toEqual([]);
    const d1 = (await dev.get("d1")) as Json;
    await dev.put({ ...d1, edited: true }); // the attachment unchanged: a stub on the device
    const second = await push(dev, h.remote("items", alice));
    expect(second.denied).toEqual([]);
    expect((await h.request("GET", "/items/d1/n.txt", { sid: alice })).text).toBe("v1");
    const other = h.device();
    await pull(h.remote("items", alice), other);
    expect(await ids(other)).toEqual(["a1", "d1"]);
    const got = (await other.get("d1", { attachments: true })) as { _attachments: Record<string, { data: string }> };
    expect(Buffer.from(got._attachments["n.txt"]!.data, "base64").toString()).toBe("v1");
  });
});
