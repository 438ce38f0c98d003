/**
 * Every leak and forge attempt, endpoint by endpoint, with raw HTTP requests and with real
 * PouchDB replications.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decl, ids, pull, push, startHarness, type Harness } from "./harness.ts";

let h: Harness;
let alice: string;
let bob: string;
let bobRev: string;
type Json = Record<string, unknown>;

beforeEach(async () => {
  h = await startHarness();
  await h.fs.setDatabases([decl("items"), decl("open", { anonymousReplication: true })]);
  await h.fs.groups.addUserToGroup("alice", "team");
  const data = h.fs.data("items");
  await data.bulkDocs([
    { _id: "a1", "~c8oAcl": "alice", v: 1 },
    { _id: "g1", c8oGrp: "team" },
    { _id: "p1", title: "public" },
  ]);
  const r = await data.put({
    _id: "b1",
    "~c8oAcl": "bob",
    secret: "bob's",
    _attachments: {
      "x.html": { content_type: "text/html", data: Buffer.from("<script>alert(1)</script>").toString("base64") },
    },
  });
  bobRev = r.rev;
  await h.fs.data("open").bulkDocs([{ _id: "pub" }, { _id: "priv", "~c8oAcl": "alice" }]);
  await h.fs.flush();
  alice = h.login("alice");
  bob = h.login("bob");
});
afterEach(async () => {
  await h.close();
});

describe("reads never show another user's document", () => {
  it("document GET, open_revs, revs_info, conflicts, attachments", async () => {
    for (const path of [
      "/items/b1",
      `/items/b1?rev=${bobRev}`,
      "/items/b1?revs_info=true",
      "/items/b1?conflicts=true&meta=true",
      "/items/b1?open_revs=all",
      "/items/b1/x.html",
      `/items/b1/x.html?rev=${bobRev}`,
    ]) {
      const r = await h.request("GET", path, { sid: alice });
      expect(r.status, path).toBe(404);
      expect(r.text).not.toMatch(/bob's|script/);
    }
    const o = await h.request(
      "GET",
      `/items/b1?open_revs=${encodeURIComponent(JSON.stringify([bobRev]))}&latest=true`,
      {
        sid: alice,
      },
    );
    expect(o.body).toEqual([{ missing: bobRev }]);
    // The owner reads it; the HTML attachment is sandboxed.
    const own = await h.request("GET", "/items/b1", { sid: bob });
    expect((own.body as Json).secret).toBe("bob's");
    const att = await h.request("GET", "/items/b1/x.html", { sid: bob });
    expect(att.status).toBe(200);
    expect(att.headers.get("content-security-policy")).toBe("sandbox");
    expect(att.headers.get("x-content-type-options")).toBe("nosniff");
    expect(att.text).toContain("<script>");
  });

  it("_bulk_get, _all_docs (rows and total_rows), _revs_diff, _changes with doc_ids and selector", async () => {
    const bg = await h.request("POST", "/items/_bulk_get?revs=true&latest=true", {
      sid: alice,
      body: { docs: [{ id: "b1", rev: bobRev }, { id: "b1" }, { id: "a1" }] },
    });
    const res = (bg.body as { results: { id: string; docs: Json[] }[] }).results;
    expect(res[0]!.docs[0]!.error).toMatchObject({ error: "not_found" });
    expect(res[1]!.docs[0]!.error).toMatchObject({ error: "not_found" });
    expect((res[2]!.docs[0]!.ok as Json)._id).toBe("a1");
    expect(bg.text).not.toContain("bob's");

    const all = await h.request("GET", "/items/_all_docs?include_docs=true", { sid: alice });
    const allBody = all.body as { total_rows: number; rows: { id: string }[] };
    expect(allBody.rows.map((r) => r.id)).toEqual(["a1", "g1", "p1"]);
    expect(allBody.total_rows).toBe(3);
    const keys = await h.request("POST", "/items/_all_docs", { sid: alice, body: { keys: ["b1", "a1", "nope"] } });
    expect((keys.body as { rows: Json[] }).rows).toMatchObject([
      { key: "b1", error: "not_found" },
      { id: "a1" },
      { key: "nope", error: "not_found" },
    ]);
    const range = await h.request("GET", '/items/_all_docs?startkey="b"&endkey="z"', { sid: alice });
    expect((range.body as { rows: { id: string }[] }).rows.map((r) => r.id)).toEqual(["g1", "p1"]);

    const rd = await h.request("POST", "/items/_revs_diff", { sid: alice, body: { b1: [bobRev], a1: ["1-zzz"] } });
    expect(rd.body).toEqual({ b1: { missing: [bobRev] }, a1: { missing: ["1-zzz"] } });
    const rdBob = await h.request("POST", "/items/_revs_diff", { sid: bob, body: { b1: [bobRev] } });
    expect(rdBob.body).toEqual({});

    const byIds = await h.request("POST", "/items/_changes?filter=_doc_ids", {
      sid: alice,
      body: { doc_ids: ["b1", "a1"] },
    });
    expect((byIds.body as { results: { id: string }[] }).results.map((r) => r.id)).toEqual(["a1"]);
    const sel = await h.request("POST", "/items/_changes?filter=_selector&include_docs=true", {
      sid: alice,
      body: { selector: { _id: { $gt: null } } },
    });
    expect((sel.body as { results: { id: string }[] }).results.map((r) => r.id).sort()).toEqual(["a1", "g1", "p1"]);
    const sel2 = await h.request("POST", "/items/_changes?filter=_selector", {
      sid: alice,
      body: { selector: { v: 1 } },
    });
    expect((sel2.body as { results: { id: string }[] }).results.map((r) => r.id)).toEqual(["a1"]);
    const ch = await h.request("GET", "/items/_changes?style=all_docs&include_docs=true", { sid: alice });
    expect((ch.body as { results: { id: string }[] }).results.map((r) => r.id)).toEqual(["a1", "g1", "p1"]);
    expect(ch.text).not.toContain("bob's");
    // Counts of the database info are the reader's.
    const info = await h.request("GET", "/items", { sid: alice });
    expect(info.body).toMatchObject({ db_name: "items", doc_count: 3, instance_start_time: "0" });
    expect(typeof (info.body as Json).update_seq).toBe("string");
  });
});

describe("writes never forge an owner, a group, or a revision of someone else", () => {
  it("_bulk_docs new_edits=false: forged owner, foreign group, graft onto another's document", async () => {
    const hash = bobRev.slice(2);
    const r = await h.request("POST", "/items/_bulk_docs", {
      sid: alice,
      body: {
        new_edits: false,
        docs: [
          { _id: "f1", _rev: "1-aaa", "~c8oAcl": "bob" },
          { _id: "f2", _rev: "1-bbb", "~c8oAcl": "alice", c8oGrp: "managers" },
          { _id: "f3", _rev: "1-ccc", "~c8oAcl": "alice", c8oGrp: { team: true, managers: "true" } },
          // A child of bob's revision, claiming alice: grafted onto bob's document.
          { _id: "b1", _rev: "2-ddd", _revisions: { start: 2, ids: ["ddd", hash] }, "~c8oAcl": "alice" },
          // A new high branch on bob's document (claimed parent unrelated).
          { _id: "b1", _rev: "9-eee", _revisions: { start: 9, ids: ["eee"] }, "~c8oAcl": "alice" },
          { _id: "ok1", _rev: "1-fff", "~c8oAcl": "alice", c8oGrp: "team" },
          { _id: "_design/evil", _rev: "1-ggg", views: {} },
        ],
      },
    });
    expect(r.status).toBe(201);
    const errors = r.body as { id: string; error: string }[];
    expect(errors.map((e) => [e.id, e.error])).toEqual([
      ["f1", "forbidden"],
      ["f2", "forbidden"],
      ["f3", "forbidden"],
      ["b1", "forbidden"],
      ["b1", "forbidden"],
      ["_design/evil", "forbidden"],
    ]);
    const b1 = await h.fs.data("items").get("b1", { conflicts: true });
    expect(b1._rev).toBe(bobRev);
    expect(b1._conflicts).toBeUndefined();
    expect((await h.fs.data("items").get("ok1"))._rev).toBe("1-fff");
    await expect(h.fs.data("items").get("f1")).rejects.toThrow();
    await expect(h.fs.data("items").get("_design/evil")).rejects.toThrow();
  });

  it("a PouchDB push reports forged documents as denied and stores the rest", async () => {
    const dev = h.device();
    await dev.bulkDocs([
      { _id: "mine", "~c8oAcl": "alice" },
      { _id: "forged", "~c8oAcl": "bob" },
      { _id: "grp", c8oGrp: "managers" },
    ]);
    const { result, denied } = await push(dev, h.remote("items", alice));
    expect(result.ok).toBe(true);
    expect(denied.length).toBe(2);
    expect(result.docs_written).toBe(1);
    const bobDev = h.device();
    await pull(h.remote("items", bob), bobDev);
    expect(await ids(bobDev)).toEqual(["b1", "p1"]);
  });

  it("PUT, POST, DELETE, attachments, new_edits=true _bulk_docs", async () => {
    const cases: [string, string, unknown, number][] = [
      ["PUT", `/items/b1?rev=${bobRev}`, { "~c8oAcl": "alice" }, 403],
      ["PUT", `/items/b1?rev=${bobRev}`, { "~c8oAcl": "bob", secret: "changed" }, 403],
      ["DELETE", `/items/b1?rev=${bobRev}`, undefined, 403],
      ["PUT", "/items/n1", { "~c8oAcl": "bob" }, 403],
      ["PUT", "/items/n2", { c8oGrp: { managers: 1 } }, 403],
      ["POST", "/items", { "~c8oAcl": "carol" }, 403],
      ["PUT", "/items/n3", { "~c8oAcl": ["alice", "bob"] }, 403],
      ["PUT", "/items/n4", { c8oGrp: ["team"] }, 403],
      ["PUT", "/items/p1", { title: "defaced" }, 403],
      ["PUT", "/items/_design/x", { views: {} }, 403],
    ];
    for (const [method, path, body, status] of cases) {
      const r = await h.request(method, path, { sid: alice, body });
      expect(r.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(status);
      expect((r.body as Json).error).toBeTruthy();
    }
    // Public documents are read-only for devices, even with the right revision.
    const p1 = await h.fs.data("items").get("p1");
    const deface = await h.request("PUT", `/items/p1?rev=${p1._rev}`, { sid: alice, body: { title: "defaced" } });
    expect(deface.status).toBe(403);
    const attPut = await h.request("PUT", `/items/b1/evil.txt?rev=${bobRev}`, {
      sid: alice,
      raw: "x",
      headers: { "Content-Type": "text/plain" },
    });
    expect(attPut.status).toBe(403);
    const attDel = await h.request("DELETE", `/items/b1/x.html?rev=${bobRev}`, { sid: alice });
    expect(attDel.status).toBe(403);
    const bulk = await h.request("POST", "/items/_bulk_docs", {
      sid: alice,
      body: { docs: [{ _id: "b1", _rev: bobRev, "~c8oAcl": "alice" }, { _id: "fine", "~c8oAcl": "alice" }, {}] },
    });
    const rows = bulk.body as Json[];
    expect(rows[0]).toMatchObject({ id: "b1", error: "forbidden" });
    expect(rows[1]).toMatchObject({ ok: true, id: "fine" });
    expect(rows[2]).toMatchObject({ ok: true });
    // The document without ~c8oAcl was stamped with the user.
    expect((await h.fs.data("items").get(String(rows[2]!.id)))["~c8oAcl"]).toBe("alice");
    expect((await h.fs.data("items").get("b1")).secret).toBe("bob's");
    // Alice may write her own and the group's documents, and add attachments.
    const a1 = await h.fs.data("items").get("a1");
    const up = await h.request("PUT", `/items/a1?rev=${a1._rev}`, { sid: alice, body: { "~c8oAcl": "alice", v: 2 } });
    expect(up.status).toBe(201);
    const att = await h.request("PUT", `/items/a1/n.txt?rev=${(up.body as Json).rev as string}`, {
      sid: alice,
      raw: "note",
      headers: { "Content-Type": "text/plain" },
    });
    expect(att.status).toBe(201);
    const got = await h.request("GET", "/items/a1/n.txt", { sid: alice });
    expect(got.text).toBe("note");
    const g1 = await h.fs.data("items").get("g1");
    const gw = await h.request("PUT", `/items/g1?rev=${g1._rev}`, {
      sid: alice,
      body: { c8oGrp: "team", edited: true },
    });
    expect(gw.status).toBe(201);
    const del = await h.request("DELETE", `/items/a1?rev=${(att.body as Json).rev as string}`, { sid: alice });
    expect(del.status).toBe(200);
    const tomb = (await h.fs.data("items").get("a1", { open_revs: "all" } as never)) as unknown as { ok: Json }[];
    expect(tomb[0]!.ok).toMatchObject({ _deleted: true, "~c8oAcl": "alice" });
  });

  it("one parser decides: duplicate keys and __proto__ are refused, not split", async () => {
    const dup = '{"docs":[{"_id":"d1","~c8oAcl":"alice","~c8oAcl":"bob"}]}';
    const r1 = await h.request("POST", "/items/_bulk_docs", {
      sid: alice,
      raw: dup,
      headers: { "Content-Type": "application/json" },
    });
    expect(r1.status).toBe(400);
    expect((r1.body as Json).reason).toMatch(/duplicate key "~c8oAcl"/);
    const esc = '{"docs":[{"_id":"d1","~c8oAcl":"alice","\\u007ec8oAcl":"bob"}]}';
    const r2 = await h.request("POST", "/items/_bulk_docs", {
      sid: alice,
      raw: esc,
      headers: { "Content-Type": "application/json" },
    });
    expect(r2.status).toBe(400);
    const proto = '{"docs":[{"_id":"d2","__proto__":{"~c8oAcl":"bob"}}]}';
    const r3 = await h.request("POST", "/items/_bulk_docs", {
      sid: alice,
      raw: proto,
      headers: { "Content-Type": "application/json" },
    });
    expect(r3.status).toBe(400);
    expect((r3.body as Json).reason).toMatch(/__proto__/);
    await expect(h.fs.data("items").get("d1")).rejects.toThrow();
    await expect(h.fs.data("items").get("d2")).rejects.toThrow();
  });
});

describe("what is never reachable, and who may come in", () => {
  it("server endpoints, design documents and undeclared databases", async () => {
    for (const path of [
      "/_all_dbs",
      "/_config",
      "/_users",
      "/_replicate",
      "/_session",
      "/_uuids",
      "/items/_security",
      "/items/_design/other",
      "/items/_find",
      "/items/_index",
      "/items/_compact",
      "/items/_purge",
      "/items/_revs_limit",
      "/items/_design_docs",
    ]) {
      const r = await h.request("GET", path, { sid: alice });
      expect(r.status, path).toBe(403);
      expect((r.body as Json).error).toBe("forbidden");
    }
    expect((await h.request("POST", "/_replicate", { sid: alice, body: {} })).status).toBe(403);
    expect((await h.request("PUT", "/items/_security", { sid: alice, body: {} })).status).toBe(403);
    expect((await h.request("DELETE", "/items", { sid: alice })).status).toBe(403);
    const c8o = await h.request("GET", "/items/_design/c8o", { sid: alice });
    expect(c8o.status).toBe(200);
    expect(typeof (c8o.body as Json)["~c8oDbVersion"]).toBe("string");
    expect((await h.request("PUT", "/items/_design/c8o", { sid: alice, body: {} })).status).toBe(403);
    const undeclared = await h.request("GET", "/secretdb", { sid: alice });
    expect(undeclared.status).toBe(404);
    expect(undeclared.body).toEqual({ error: "not_found", reason: "Database does not exist." });
    expect((await h.request("GET", "/c8ofullsyncgrp/_all_docs", { sid: alice })).status).toBe(404);
  });

  it("anonymous sessions: refused (401), or public documents only and read-only when allowed", async () => {
    const r = await h.request("GET", "/items/_changes");
    expect(r.status).toBe(401);
    expect((r.body as Json).error).toBe("unauthorized");
    const anonSid = h.login(undefined);
    expect((await h.request("GET", "/items", { sid: anonSid })).status).toBe(401);
    const dev = h.device();
    await pull(h.remote("open"), dev);
    expect(await ids(dev)).toEqual(["pub"]);
    // Anonymous devices only pull: a push is denied (and its checkpoint refused).
    await dev.put({ _id: "anon-write" });
    await expect(push(dev, h.remote("open"))).rejects.toMatchObject({ status: 403 });
    await expect(h.fs.data("open").get("anon-write")).rejects.toThrow();
    const bulk = await h.request("POST", "/open/_bulk_docs", { body: { docs: [{ _id: "w" }] } });
    expect(bulk.body).toMatchObject([{ id: "w", error: "forbidden" }]);
    expect((await h.request("PUT", "/open/x", { body: {} })).status).toBe(401);
    // Pulling again works without a writable checkpoint on the server.
    await h.fs.data("open").put({ _id: "pub2" });
    await pull(h.remote("open"), dev);
    expect(await ids(dev)).toEqual(["anon-write", "pub", "pub2"]);
  });

  it("_local documents are kept per user", async () => {
    const put = await h.request("PUT", "/items/_local/ck", { sid: alice, body: { last_seq: "alice-seq" } });
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({ ok: true, id: "_local/ck" });
    expect((await h.request("GET", "/items/_local/ck", { sid: bob })).status).toBe(404);
    const bobPut = await h.request("PUT", "/items/_local/ck", { sid: bob, body: { last_seq: "bob-seq" } });
    expect(bobPut.status).toBe(201);
    const mine = await h.request("GET", "/items/_local/ck", { sid: alice });
    expect(mine.body).toMatchObject({ _id: "_local/ck", last_seq: "alice-seq" });
    // Overwriting without the revision is a conflict, not a takeover.
    expect((await h.request("PUT", "/items/_local/ck", { sid: alice, body: { last_seq: "x" } })).status).toBe(409);
    expect((await h.request("PUT", "/items/_local/ck", { body: {} })).status).toBe(401);
  });

  it("malformed requests get clear errors", async () => {
    const cases: [
      string,
      string,
      { raw?: string; body?: unknown; headers?: Record<string, string> },
      number,
      RegExp,
    ][] = [
      [
        "POST",
        "/items/_bulk_docs",
        { raw: "{not json", headers: { "Content-Type": "application/json" } },
        400,
        /Invalid JSON.*position/,
      ],
      ["POST", "/items/_bulk_docs", { raw: "", headers: { "Content-Type": "application/json" } }, 400, /empty/],
      ["POST", "/items/_bulk_docs", { body: [1, 2] }, 400, /JSON object/],
      ["POST", "/items/_bulk_docs", { body: { docs: "x" } }, 400, /docs/],
      [
        "POST",
        "/items/_bulk_docs",
        { raw: "a=b", headers: { "Content-Type": "application/x-www-form-urlencoded" } },
        415,
        /application\/json/,
      ],
      [
        "POST",
        "/items/_bulk_docs",
        { raw: '{"docs":[{"_id":"csrf"}]}', headers: { "Content-Type": "text/plain" } },
        415,
        /application\/json/,
      ],
      [
        "PUT",
        "/items/m1",
        { raw: "--b\r\n", headers: { "Content-Type": "multipart/related; boundary=b" } },
        415,
        /multipart/,
      ],
      ["POST", "/items/_bulk_get", { body: { docs: [{ rev: "1-a" }] } }, 400, /id/],
      ["POST", "/items/_revs_diff", { body: { a1: "1-x" } }, 400, /array/],
      ["GET", "/items/_changes?limit=abc", {}, 400, /limit/],
      ["GET", "/items/_changes?since=garbage", {}, 400, /since/],
      ["GET", "/items/_changes?feed=eventsource", {}, 400, /feed/],
      ["GET", "/items/_changes?filter=app/byUser", {}, 400, /filter/],
      ["GET", "/items/a1?open_revs=[1", {}, 400, /open_revs/],
      ["GET", "/items/%E0%A4%A", {}, 400, /percent-encoded/],
      ["GET", "/items//a1", {}, 400, /empty path segment/],
      ["PATCH", "/items/a1", {}, 405, /allowed/],
      ["GET", "/items/_all_docs?startkey=1", {}, 400, /startkey/],
    ];
    for (const [method, path, o, status, reason] of cases) {
      const r = await h.request(method, path, { sid: alice, ...o });
      expect(r.status, `${method} ${path}`).toBe(status);
      expect((r.body as Json).error, `${method} ${path}`).toBeTruthy();
      expect(String((r.body as Json).reason), `${method} ${path}`).toMatch(reason);
    }
  });

  it("refuses a body over the size limit", async () => {
    await h.close();
    h = await startHarness({ tuning: { maxBodyBytes: 1024 } });
    await h.fs.setDatabases([decl("items")]);
    const sid = h.login("alice");
    const r = await h.request("POST", "/items/_bulk_docs", {
      sid,
      body: { docs: [{ _id: "x", pad: "y".repeat(5000) }] },
    });
    expect(r.status).toBe(413);
    expect((r.body as Json).error).toBe("too_large");
  });
});
