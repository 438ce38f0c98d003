/**
 * The standing attack suite of FullSync: every endpoint called as another user, with forged,
 * malformed, oversized and oddly encoded requests, by hand and with fast-check.
 *
 * The truth is kept by the writers (this file seeds the data and knows who may read each
 * revision), never computed by the code under test. Invariants, checked on every answer:
 * - the server never answers 5xx;
 * - no answer to the attacker names a revision of a protected document that the attacker may
 *   not read, nor carries any of its secrets (fields, attachment data, raw or base64);
 * - after everything, the protected documents hold exactly the revisions they were seeded with,
 *   no document claims an owner or group of someone else without having been seeded so, and the
 *   victims' `_local` checkpoints are untouched.
 *
 * Keep it fast (a few seconds): bounded fast-check runs, fixed seeds (a failure replays).
 */
import { request as httpRequest } from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decl, startHarness, type Harness } from "./harness.ts";

type Json = Record<string, unknown>;

let h: Harness;
let alice: string;
let bob: string;
/** `${id}\n${rev}` → principals, as written. */
const truth = new Map<string, string[]>();
/** Documents bob may not write (some he may not read): they must never change. */
const PROTECTED = ["a1", "g1", "g2", "c1", "x1", "d1", "p1"];
const protectedLeaves = new Map<string, string[]>();
const BOB = new Set(["u:bob", "g:crew", "*"]);
const marker = (id: string) => `SECRET-${id}-7f3a9c`;
const b64 = (s: string) => Buffer.from(s).toString("base64");
/** Strings that must never reach bob, raw or base64. */
const secrets: string[] = [];
const revs: Record<string, string> = {};
let aliceDigest = "";

beforeAll(async () => {
  h = await startHarness({ tuning: { maxFeedMs: 300 } });
  await h.fs.setDatabases([decl("items"), decl("open", { anonymousReplication: true })]);
  await h.fs.groups.addUserToGroup("alice", "team");
  await h.fs.groups.addUserToGroup("bob", "crew");
  const data = h.fs.data("items");
  const put = async (doc: Json, p: string[]) => {
    const r = await data.put(doc);
    truth.set(`${doc._id as string}\n${r.rev}`, p);
    revs[doc._id as string] = r.rev;
    return r.rev;
  };
  await put(
    {
      _id: "a1",
      "~c8oAcl": "alice",
      secret: marker("a1"),
      tags: ["x", marker("a1-tag")],
      _attachments: { "s.txt": { content_type: "text/plain", data: b64(marker("a1-att")) } },
    },
    ["u:alice"],
  );
  aliceDigest = ((await data.get("a1"))._attachments as Record<string, { digest: string }>)["s.txt"]!.digest;
  await put({ _id: "g1", c8oGrp: "team", secret: marker("g1") }, ["g:team"]);
  await put({ _id: "g2", c8oGrp: { team: true, crew: false, other: "false" }, secret: marker("g2") }, ["g:team"]);
  await put({ _id: "c1", "~c8oAcl": "carol", secret: marker("c1") }, ["u:carol"]);
  await put({ _id: "p1", title: "public" }, ["*"]);
  await put({ _id: "b1", "~c8oAcl": "bob", mine: true }, ["u:bob"]);
  await put({ _id: "crew1", c8oGrp: "crew", shared: true }, ["g:crew"]);
  // A conflict: alice's branch wins, bob holds a losing branch.
  await data.bulkDocs(
    [
      { _id: "x1", _rev: "1-bbb", "~c8oAcl": "bob", side: "bob" },
      { _id: "x1", _rev: "1-fff", "~c8oAcl": "alice", secret: marker("x1") },
    ],
    { new_edits: false },
  );
  truth.set("x1\n1-bbb", ["u:bob"]);
  truth.set("x1\n1-fff", ["u:alice"]);
  revs.x1 = "1-fff";
  // Deleted by alice: the tombstone keeps her ACL.
  const d1 = await put({ _id: "d1", "~c8oAcl": "alice", secret: marker("d1") }, ["u:alice"]);
  const rm = await data.remove("d1", d1);
  truth.set(`d1\n${rm.rev}`, ["u:alice"]);
  await h.fs.data("open").bulkDocs([{ _id: "pub" }, { _id: "priv", "~c8oAcl": "alice", secret: marker("priv") }]);
  await h.fs.flush();
  alice = h.login("alice");
  bob = h.login("bob");
  const ck = await h.request("PUT", "/items/_local/ck", { sid: alice, body: { last_seq: marker("ck") } });
  expect(ck.status).toBe(201);
  for (const id of ["a1", "g1", "g2", "c1", "x1", "d1", "priv", "ck", "a1-att", "a1-tag"]) {
    secrets.push(marker(id), b64(marker(id)));
  }
  for (const id of PROTECTED) protectedLeaves.set(id, await leavesOf(id));
});

afterAll(async () => {
  await h.close();
});

async function leavesOf(id: string): Promise<string[]> {
  const res = (await h.fs.data("items").get(id, { open_revs: "all" } as never)) as unknown as { ok?: Json }[];
  return res.flatMap((x) => (x.ok ? [`${x.ok._rev as string}${x.ok._deleted ? " deleted" : ""}`] : [])).sort();
}

// ---- the invariant on answers ---------------------------------------------------------------------

/** Every (id, rev) an answer names or sends, as in leak-stress.test.ts. */
function named(v: unknown, out: [string, string][] = []): [string, string][] {
  if (Array.isArray(v)) {
    for (const x of v) named(x, out);
    return out;
  }
  if (typeof v !== "object" || v === null) return out;
  const o = v as Json;
  if (typeof o.id === "string" && Array.isArray(o.changes)) {
    for (const c of o.changes as Json[]) if (typeof c.rev === "string") out.push([o.id, c.rev]);
  }
  if (typeof o.id === "string" && typeof o.value === "object" && o.value !== null) {
    const rev = (o.value as Json).rev;
    if (typeof rev === "string") out.push([o.id, rev]);
  }
  if (typeof o._id === "string" && typeof o._rev === "string") {
    out.push([o._id, o._rev]);
    if (Array.isArray(o._conflicts)) for (const c of o._conflicts) if (typeof c === "string") out.push([o._id, c]);
  }
  for (const [k, x] of Object.entries(o)) if (k !== "_revisions") named(x, out);
  return out;
}

/** Problems of one answer to bob (empty: fine). */
function leaks(what: string, status: number, text: string): string[] {
  const out: string[] = [];
  if (status >= 500) out.push(`${what}: answered ${status} ${text.slice(0, 300)}`);
  for (const s of secrets) if (text.includes(s)) out.push(`${what}: carries ${s}`);
  const values: unknown[] = [];
  try {
    values.push(JSON.parse(text));
  } catch {
    for (const line of text.split("\n")) {
      try {
        if (line.trim()) values.push(JSON.parse(line));
      } catch {
        // not JSON (an attachment): the secrets check above covers it
      }
    }
  }
  for (const [id, rev] of named(values)) {
    const p = truth.get(`${id}\n${rev}`);
    if (p && !p.some((x) => BOB.has(x))) out.push(`${what}: names ${id}@${rev}, which is for ${p.join(",")}`);
  }
  return out;
}

/** A raw HTTP request (no URL normalization by the client: `%2e%2e`, `//` reach the server as sent). */
function raw(
  method: string,
  path: string,
  o: { sid?: string; body?: string | Buffer; type?: string } = {},
): Promise<{ status: number; text: string }> {
  const url = new URL(h.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: {
          ...(o.sid ? { Cookie: `sid=${o.sid}` } : {}),
          ...(o.type ? { "Content-Type": o.type } : {}),
          ...(o.body !== undefined ? { "Content-Length": String(Buffer.byteLength(o.body)) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    // A request the server never answers is a finding (a crash in a callback): fail fast.
    req.setTimeout(5000, () => req.destroy(new Error(`no answer in 5 s: ${method} ${path}`)));
    req.end(o.body);
  });
}

async function asBob(method: string, path: string, body?: unknown, type = "application/json") {
  const r = await raw(method, `/fullsync${path}`, {
    sid: bob,
    ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body), type } : {}),
  });
  return { ...r, problems: leaks(`${method} ${path}`, r.status, r.text) };
}

// ---- reads --------------------------------------------------------------------------------------

describe("reads, as another user", () => {
  it("document GET in every form, attachments, database info, _local", async () => {
    const a1 = revs.a1!;
    const enc = (x: unknown) => encodeURIComponent(JSON.stringify(x));
    const paths = [
      "/items/a1",
      `/items/a1?rev=${a1}`,
      "/items/a1?revs=true&revs_info=true&conflicts=true&deleted_conflicts=true&meta=true",
      `/items/a1?rev=${a1}&latest=true&attachments=true&att_encoding_info=true`,
      "/items/a1?open_revs=all&revs=true&attachments=true",
      `/items/a1?open_revs=${enc([a1, "1-zzz"])}&latest=true&revs=true`,
      "/items/x1?open_revs=all&revs=true",
      "/items/x1?conflicts=true&meta=true",
      `/items/x1?open_revs=${enc(["1-fff", "1-bbb"])}&latest=true`,
      "/items/x1?rev=1-fff",
      "/items/d1?open_revs=all",
      "/items/d1?deleted_conflicts=true&revs_info=true",
      "/items/g1",
      "/items/g2?attachments=true",
      "/items/c1?revs=true",
      "/items/a1/s.txt",
      `/items/a1/s.txt?rev=${a1}`,
      "/items/_local/ck",
      "/items/_local/c8o:u:alice:ck",
      "/items/_local/..%2Fc8o:u:alice:ck",
      "/items",
      "/open/priv",
      "/open/_all_docs?include_docs=true",
    ];
    const problems: string[] = [];
    for (const p of paths) {
      for (const m of ["GET", "HEAD"]) {
        const r = await asBob(m, p);
        problems.push(...r.problems);
      }
    }
    expect(problems).toEqual([]);
    // What bob may see he sees: his branch of x1, the public and crew documents.
    const x1 = await asBob("GET", "/items/x1?conflicts=true");
    expect(JSON.parse(x1.text)).toMatchObject({ _id: "x1", _rev: "1-bbb", side: "bob" });
    expect(JSON.parse(x1.text)._conflicts).toBeUndefined();
    const info = JSON.parse((await asBob("GET", "/items")).text) as Json;
    expect(info.doc_count).toBe(4); // p1, b1, crew1, x1 (his branch)
  });

  it("_all_docs, _bulk_get, _revs_diff: every key of someone else answers like a missing one", async () => {
    const keys = ["a1", "g1", "g2", "c1", "x1", "d1", "p1", "b1", "nope", 5, null, { a: 1 }];
    const problems: string[] = [];
    for (const [m, p, body] of [
      ["POST", "/items/_all_docs?include_docs=true&conflicts=true", { keys }],
      ["GET", `/items/_all_docs?include_docs=true&keys=${encodeURIComponent(JSON.stringify(keys.slice(0, 8)))}`],
      ["GET", "/items/_all_docs?include_docs=true&conflicts=true&descending=true"],
      ["GET", '/items/_all_docs?startkey="a"&endkey="z"&include_docs=true'],
      ["GET", '/items/_all_docs?key="a1"&include_docs=true'],
      [
        "POST",
        "/items/_bulk_get?revs=true&latest=true&attachments=true",
        {
          docs: [
            { id: "a1" },
            { id: "a1", rev: revs.a1 },
            { id: "a1", rev: revs.a1, atts_since: [revs.a1] },
            { id: "x1", rev: "1-fff" },
            { id: "x1", rev: "1-bbb" },
            { id: "x1" },
            { id: "d1" },
            { id: "g2" },
            { id: "_local/ck" },
            { id: "_design/c8o" },
          ],
        },
      ],
      ["POST", "/items/_revs_diff", { a1: [revs.a1, "9-x"], x1: ["1-fff", "1-bbb"], c1: [revs.c1], b1: [revs.b1] }],
    ] as [string, string, unknown?][]) {
      const r = await asBob(m, p, body);
      expect(r.status, p).toBe(200);
      problems.push(...r.problems);
    }
    expect(problems).toEqual([]);
    const rd = JSON.parse((await asBob("POST", "/items/_revs_diff", { a1: [revs.a1], x1: ["1-fff", "1-bbb"] })).text);
    // alice's revisions are "missing" for bob, exactly like unknown ones; his own is not.
    expect(rd).toEqual({ a1: { missing: [revs.a1] }, x1: { missing: ["1-fff"] } });
  });

  it("_changes with every filter and feed, and selectors trying to widen", async () => {
    const sel = (s: unknown): [string, string, unknown] => [
      "POST",
      "/items/_changes?filter=_selector&include_docs=true&conflicts=true",
      { selector: s },
    ];
    const cases: [string, string, unknown?][] = [
      ["GET", "/items/_changes?style=all_docs&include_docs=true&conflicts=true&attachments=true"],
      ["GET", "/items/_changes?descending=true&include_docs=true&limit=2"],
      ["GET", "/items/_changes?since=now&feed=longpoll&timeout=50"],
      ["GET", "/items/_changes?feed=continuous&include_docs=true&timeout=50&heartbeat=1000"],
      ["POST", "/items/_changes?filter=_doc_ids&include_docs=true&style=all_docs", { doc_ids: PROTECTED }],
      [
        "GET",
        `/items/_changes?filter=_doc_ids&include_docs=true&doc_ids=${encodeURIComponent(JSON.stringify(PROTECTED))}`,
      ],
      ["GET", "/items/_changes?filter=_design&include_docs=true"],
      sel({ _id: { $gt: null } }),
      sel({ $or: [{ _id: "a1" }, { "~c8oAcl": "alice" }, { c8oGrp: "team" }] }),
      sel({ "~c8oAcl": { $regex: "^(alice|carol)$" } }),
      sel({ secret: { $regex: "SECRET" } }),
      sel({ tags: { $elemMatch: { $regex: "SECRET" } } }),
      sel({ $not: { "~c8oAcl": "bob" } }),
      sel({ $nor: [{ _id: "b1" }] }),
      sel({ _id: { $in: PROTECTED } }),
      sel({ "c8oGrp.team": { $exists: true } }),
      sel({ _deleted: true }),
      sel({ $and: [{ $or: [{ _id: "a1" }, { _id: "b1" }] }, { _id: { $ne: "zzz" } }] }),
    ];
    const problems: string[] = [];
    for (const [m, p, body] of cases) {
      const r = await asBob(m, p, body);
      expect(r.status, `${p} ${JSON.stringify(body)}`).toBe(200);
      problems.push(...r.problems);
    }
    // A sequence issued to alice, replayed by bob, starts over for him (nothing of hers).
    const aliceSeq = ((await h.request("GET", "/items/_changes", { sid: alice })).body as Json).last_seq as string;
    for (const since of [aliceSeq, "0", "999999", "1-0-000000000000"]) {
      problems.push(
        ...(await asBob("GET", `/items/_changes?include_docs=true&since=${encodeURIComponent(since)}`)).problems,
      );
    }
    expect(problems).toEqual([]);
  });

  it("anonymous: nothing without a session; only public documents where allowed", async () => {
    for (const p of ["/items", "/items/_changes", "/items/a1", "/items/_all_docs"]) {
      expect((await raw("GET", `/fullsync${p}`)).status, p).toBe(401);
    }
    const r = await raw("GET", "/fullsync/open/_changes?include_docs=true");
    expect(r.status).toBe(200);
    expect(r.text).toContain('"pub"');
    expect(leaks("anonymous open", r.status, r.text)).toEqual([]);
    expect((await raw("PUT", "/fullsync/open/x", { body: "{}", type: "application/json" })).status).toBe(401);
  });
});

// ---- writes -------------------------------------------------------------------------------------

describe("writes, as another user", () => {
  it("PUT/POST/DELETE, attachments, _bulk_docs both modes: forged owners, groups, grafts, stubs", async () => {
    const a1 = revs.a1!;
    const hash = a1.slice(a1.indexOf("-") + 1);
    const stub = { "s.txt": { stub: true, digest: aliceDigest } };
    const forbiddenAttempts: [string, string, unknown?, string?][] = [
      ["PUT", `/items/a1?rev=${a1}`, { "~c8oAcl": "bob" }],
      ["PUT", `/items/a1?rev=${a1}`, { "~c8oAcl": "alice", defaced: true }],
      ["PUT", "/items/a1?new_edits=false", { _rev: "2-abc", _revisions: { start: 2, ids: ["abc", hash] } }],
      ["DELETE", `/items/a1?rev=${a1}`],
      ["DELETE", `/items/x1?rev=1-bbb`], // bob's own branch of a document alice also holds
      ["PUT", `/items/a1/evil.txt?rev=${a1}`, "x", "text/plain"],
      ["DELETE", `/items/a1/s.txt?rev=${a1}`],
      ["PUT", `/items/g1?rev=${revs.g1}`, { c8oGrp: "team" }],
      ["PUT", `/items/p1?rev=${revs.p1}`, { title: "defaced" }],
      ["PUT", "/items/n1", { "~c8oAcl": "alice" }],
      ["PUT", "/items/n2", { c8oGrp: "team" }],
      ["PUT", "/items/n3", { c8oGrp: { team: "TRUE" } }],
      ["PUT", "/items/n4", { c8oGrp: { team: 1, crew: true } }],
      ["PUT", "/items/n5", { "~c8oAcl": ["bob", "alice"] }],
      ["PUT", "/items/n6", { _attachments: stub }],
      ["POST", "/items", { "~c8oAcl": "carol" }],
      ["PUT", "/items/_design/x", { views: {} }],
      ["PUT", "/items/_design%2Fx", { views: {} }],
    ];
    const problems: string[] = [];
    for (const [m, p, body, type] of forbiddenAttempts) {
      const r = await asBob(m, p, body, type);
      expect([401, 403, 409], `${m} ${p} ${JSON.stringify(body)}: ${r.text}`).toContain(r.status);
      problems.push(...r.problems);
    }
    const bulk = await asBob("POST", "/items/_bulk_docs", {
      docs: [
        { _id: "a1", _rev: a1, "~c8oAcl": "bob" },
        { _id: "x1", _rev: "1-bbb", "~c8oAcl": "bob", v: 2 },
        { _id: "f1", "~c8oAcl": "alice" },
        { _id: "f2", c8oGrp: { team: true } },
        { _id: "f3", _attachments: stub },
        { _id: "_local/c8o:u:alice:ck", last_seq: "x" },
        { _id: "_design/y", views: {} },
      ],
    });
    const rows = JSON.parse(bulk.text) as Json[];
    expect(rows.map((r) => r.error)).toEqual(Array(7).fill("forbidden"));
    const graft = await asBob("POST", "/items/_bulk_docs", {
      new_edits: false,
      docs: [
        {
          _id: "a1",
          _rev: `2-${"b".repeat(32)}`,
          _revisions: { start: 2, ids: ["b".repeat(32), hash] },
          "~c8oAcl": "bob",
        },
        { _id: "a1", _rev: "99-zzz", _revisions: { start: 99, ids: ["zzz"] }, "~c8oAcl": "bob" },
        { _id: "x1", _rev: "2-ccc", _revisions: { start: 2, ids: ["ccc", "bbb"] }, "~c8oAcl": "bob" },
        { _id: "x1", _rev: "2-ddd", _revisions: { start: 2, ids: ["ddd", "fff"] }, _deleted: true },
        { _id: "d1", _rev: "9-eee", _revisions: { start: 9, ids: ["eee"] } },
        { _id: "c1", _rev: revs.c1, "~c8oAcl": "carol" }, // replaying the exact revision
        { _id: "f4", _rev: "1-aaa", _attachments: stub },
      ],
    });
    expect(JSON.parse(graft.text).map((r: Json) => [r.id, r.error])).toEqual([
      ["a1", "forbidden"],
      ["a1", "forbidden"],
      ["x1", "forbidden"],
      ["x1", "forbidden"],
      ["d1", "forbidden"],
      ["c1", "forbidden"],
      ["f4", "forbidden"],
    ]);
    // Duplicate keys and __proto__ never split the check from what is stored.
    for (const text of [
      '{"docs":[{"_id":"dup","~c8oAcl":"bob","~c8oAcl":"alice"}]}',
      '{"docs":[{"_id":"dup","\\u007ec8oAcl":"alice","~c8oAcl":"bob"}]}',
      '{"docs":[{"_id":"dup","__proto__":{"~c8oAcl":"alice"}}]}',
      '{"docs":[{"_id":"dup","c8oGrp":{"crew":true,"crew":false}}]}',
      '{"docs":[{"_id":"dup","c8oGrp":{"team":1e999}}]}',
    ]) {
      const r = await asBob("POST", "/items/_bulk_docs", text);
      expect(r.status, text).toBe(400);
    }
    // bob's _local/ck is his own, alice's stays hers.
    expect((await asBob("PUT", "/items/_local/ck", { last_seq: "bob" })).status).toBe(201);
    expect((await asBob("DELETE", "/items/_local/ck")).status).toBe(200);
    expect(problems.concat(bulk.problems, graft.problems)).toEqual([]);
    await expectProtectedIntact();
  });
});

/** The documented rule (README, "Reading"), written out here independently of acl.ts. */
function groupsThatCount(v: unknown): string[] {
  if (typeof v === "string") return v ? [v] : [];
  if (typeof v !== "object" || v === null || Array.isArray(v)) return [];
  return Object.entries(v).flatMap(([g, x]) =>
    x === true ||
    (typeof x === "string" && x.trim().toLowerCase() === "true") ||
    (typeof x === "number" && x !== 0 && !Number.isNaN(x))
      ? [g]
      : [],
  );
}

/** The final invariant: protected documents, owners and checkpoints as seeded. */
async function expectProtectedIntact(): Promise<void> {
  for (const id of PROTECTED) expect(await leavesOf(id), id).toEqual(protectedLeaves.get(id));
  const all = (await h.fs.data("items").allDocs({ include_docs: true, conflicts: true })) as {
    rows: { id: string; doc: Json }[];
  };
  for (const { id, doc } of all.rows) {
    if (id.startsWith("_design/")) continue;
    const owner = doc["~c8oAcl"];
    const foreign = groupsThatCount(doc.c8oGrp).filter((g) => g !== "crew");
    if ((typeof owner === "string" && owner !== "bob") || foreign.length) {
      const what = `${id} claims ${String(owner)} ${JSON.stringify(doc.c8oGrp)}`;
      expect(PROTECTED.concat(["b1", "crew1"]), what).toContain(id);
    }
  }
  const ck = await h.request("GET", "/items/_local/ck", { sid: alice });
  expect((ck.body as Json).last_seq).toBe(marker("ck"));
  expect((await h.fs.data("items").get("a1"))._rev).toBe(revs.a1);
}

// ---- found by this suite ------------------------------------------------------------------------

describe("found by this suite", () => {
  it("latest=true with a revision the document does not hold answers missing (PouchDB threw in a callback: no answer)", async () => {
    const unknown = "7-0123456789abcdef";
    const r1 = await asBob("GET", `/items/b1?rev=${unknown}&latest=true`);
    expect(r1.status).toBe(404);
    const r2 = await asBob(
      "GET",
      `/items/b1?open_revs=${encodeURIComponent(JSON.stringify([revs.b1, unknown]))}&latest=true`,
    );
    expect(r2.status).toBe(200);
    expect(JSON.parse(r2.text)).toEqual([
      expect.objectContaining({ ok: expect.objectContaining({ _id: "b1" }) }),
      { missing: unknown },
    ]);
    const r3 = await asBob("POST", "/items/_bulk_get?latest=true&revs=true", {
      docs: [
        { id: "b1", rev: unknown },
        { id: "a1", rev: unknown },
        { id: "b1", rev: revs.b1 },
      ],
    });
    expect(r3.status).toBe(200);
    const results = (JSON.parse(r3.text) as { results: { docs: Json[] }[] }).results;
    expect(results.map((x) => Object.keys(x.docs[0]!)[0])).toEqual(["error", "error", "ok"]);
    // latest still leads to the newest leaf of a revision the document does hold.
    const w = await h.request("PUT", `/items/b1?rev=${revs.b1}`, { sid: bob, body: { "~c8oAcl": "bob", v: 2 } });
    expect(w.status).toBe(201);
    await h.fs.flush(); // once the index knows the new leaf (before, the revision itself is read)
    const r4 = await asBob("GET", `/items/b1?rev=${revs.b1}&latest=true`);
    expect(JSON.parse(r4.text)._rev).toBe((w.body as Json).rev);
    revs.b1 = (w.body as Json).rev as string;
    expect([r1, r2, r3, r4].flatMap((r) => r.problems)).toEqual([]);
  });

  it("special members PouchDB would read itself are refused per document (_rev_tree became the revision tree)", async () => {
    const r = await asBob("POST", "/items/_bulk_docs", {
      new_edits: false,
      docs: [
        { _id: "m1", _rev: "1-aaa", "~c8oAcl": "bob", _rev_tree: 5 },
        {
          _id: "m2",
          _rev: "1-aaa",
          "~c8oAcl": "bob",
          _rev_tree: [{ pos: 1, ids: ["zzz", { status: "available" }, []] }],
        },
        { _id: "m3", _rev: "1-aaa", "~c8oAcl": "bob", _revisions: { start: 3, ids: ["zzz", "yyy", "xxx"] } },
        { _id: "m4", _rev: "1-aaa", "~c8oAcl": "bob", _deleted: "yes" },
        { _id: "m5", _rev: "1-aaa", "~c8oAcl": "bob", _design: {} },
        { _id: "m6", _rev: "2-aaa", "~c8oAcl": "bob", _revisions: { start: 2, ids: ["aaa", 5] } },
        { _id: "m7", _rev: "1-aaa", "~c8oAcl": "bob", _conflicts: ["1-x"], fine: true },
      ],
    });
    expect(r.status).toBe(201);
    expect((JSON.parse(r.text) as Json[]).map((e) => [e.id, e.error])).toEqual([
      ["m1", "bad_request"],
      ["m2", "bad_request"],
      ["m3", "bad_request"],
      ["m4", "bad_request"],
      ["m5", "bad_request"],
      ["m6", "bad_request"],
    ]);
    // A read-only member (what conflicts=true adds) is dropped, the rest stored.
    expect(await leavesOf("m7")).toEqual(["1-aaa"]);
    const post = await asBob("POST", "/items", { _foo: 1 });
    expect(post.status).toBe(400);
    expect(JSON.parse(post.text).reason).toMatch(/Bad special document member: _foo/);
    for (const id of ["m1", "m2", "m3", "m4", "m5", "m6"]) await expect(h.fs.data("items").get(id)).rejects.toThrow();
  });
});

// ---- malformed, oversized, encoded --------------------------------------------------------------

describe("malformed, oversized and oddly encoded requests", () => {
  it("truncated JSON, wrong types for every field, huge numbers, deep nesting: 4xx, never 5xx", async () => {
    const bodies: [string, string, string][] = [];
    const deep = "[".repeat(200) + "]".repeat(200);
    const deepObj = '{"a":'.repeat(100) + "1" + "}".repeat(100);
    for (const [m, p] of [
      ["POST", "/items/_bulk_docs"],
      ["POST", "/items/_bulk_get"],
      ["POST", "/items/_revs_diff"],
      ["POST", "/items/_all_docs"],
      ["POST", "/items/_changes?filter=_selector"],
      ["POST", "/items/_changes?filter=_doc_ids"],
      ["POST", "/items"],
      ["PUT", "/items/z1"],
      ["PUT", "/items/_local/z"],
    ]) {
      for (const b of [
        "",
        "{",
        '{"docs":[{"_id":"t"',
        "null",
        "[]",
        '"str"',
        "1e999",
        deep,
        deepObj,
        '{"docs":"x"}',
        '{"docs":[1,"a",null,[]]}',
        '{"docs":[{"_id":5},{"_id":"ok","_rev":7},{"_id":"r","_rev":"x-y"},{"_id":"q","_deleted":"yes"}]}',
        '{"docs":[{"_id":"t","_attachments":5},{"_id":"u","_attachments":{"a":5}},{"_id":"v","_attachments":{"a":{"stub":"yes"}}},{"_id":"w","_attachments":{"_x":{"data":""}}},{"_id":"y","_attachments":{"a":{"data":7}}},{"_id":"z","_attachments":{"a":{"follows":true}}}]}',
        '{"docs":[],"new_edits":"no"}',
        '{"docs":[{"_id":"t","_rev":"1-a","_revisions":{"start":"x","ids":5}}],"new_edits":false}',
        '{"docs":[{"_id":"t","_rev":"3-a","_revisions":{"start":3,"ids":["a",5,null]}}],"new_edits":false}',
        '{"docs":[{"id":5},{"id":"a1","rev":9},{"id":"a1","atts_since":"x"}]}',
        '{"keys":{"a":1}}',
        '{"keys":[1,2,{"x":[]}]}',
        '{"a1":"1-x"}',
        '{"a1":[1,2]}',
        '{"a1":["not a rev","1-","-1-a","99999999999999999999-a"]}',
        '{"selector":[]}',
        '{"selector":{"a":{"$regex":5}}}',
        '{"selector":{"a":{"$in":5}}}',
        '{"selector":{"$or":5}}',
        '{"selector":{"a":{"b":{"c":{"$gt":1}}}}}',
        '{"selector":{"a":{"$ne":null}}}',
        '{"selector":{"a":{"$eq":1e308,"$mod":[1e308,1]}}}',
        '{"doc_ids":"a1"}',
        '{"doc_ids":[1,2]}',
        '{"since":{"a":1}}',
        '{"_id":{"a":1}}',
        '{"_rev":[],"v":1}',
        '{"~c8oAcl":{"bob":true}}',
        '{"c8oGrp":[["team"]]}',
        '{"c8oGrp":{"team":[true]}}',
        '{"_attachments":{"a":{"stub":true}}}',
        '{"_deleted":true,"_rev":"1-zzz"}',
      ]) {
        bodies.push([m!, p!, b]);
      }
    }
    const problems: string[] = [];
    for (const [m, p, b] of bodies) {
      const r = await asBob(m, p, b);
      problems.push(...r.problems);
    }
    // And query strings of the wrong type.
    for (const q of [
      "/items/_changes?limit=-1",
      "/items/_changes?limit=1e9999",
      "/items/_changes?since=%7B%7D",
      "/items/_changes?since=1-x-y-z",
      "/items/_changes?heartbeat=abc",
      "/items/_changes?timeout=999999999999999999",
      "/items/_changes?filter=_selector&selector=%5B%5D",
      "/items/_changes?filter=_selector&selector=%7B",
      "/items/_changes?filter=_doc_ids&doc_ids=%22a1%22",
      "/items/_changes?style=weird&feed=weird",
      "/items/_all_docs?keys=%7B%7D",
      "/items/_all_docs?startkey=%7B%7D&endkey=5",
      "/items/_all_docs?limit=x&skip=-4",
      "/items/a1?open_revs=%5B5%5D",
      "/items/a1?open_revs=" + encodeURIComponent(JSON.stringify(Array(1001).fill("1-a"))),
      "/items/a1?rev=notarev",
      "/items/a1?revs=maybe",
      "/items/b1?rev=1-" + "f".repeat(5000),
    ]) {
      problems.push(...(await asBob("GET", q)).problems);
    }
    expect(problems).toEqual([]);
    await expectProtectedIntact();
  });

  it("encoded and odd paths reach only what the same request unencoded would", async () => {
    const problems: string[] = [];
    const expectStatus: [string, string, number[]][] = [
      ["GET", "/fullsync/items/%5Fchanges?include_docs=true", [200]],
      ["GET", "/fullsync/items/%5fall_docs?include_docs=true", [200]],
      ["GET", "/fullsync/%69tems/a1", [404]],
      ["GET", "/fullsync/items/%61%31", [404]],
      ["GET", "/fullsync/items/%2e%2e/x", [404]],
      ["GET", "/fullsync/items/%2E%2E", [404]],
      ["GET", "/fullsync/%2e%2e/items/a1", [403, 404]],
      ["GET", "/fullsync/items/../_all_dbs", [403, 404]],
      ["GET", "/fullsync//items/a1", [400]],
      ["GET", "/fullsync/items//a1", [400]],
      ["GET", "/fullsync/items/a1//s.txt", [400]],
      ["GET", "/fullsync/items/_design%2Fx", [403]],
      ["GET", "/fullsync/items/_design%2fc8o", [403]],
      ["PUT", "/fullsync/items/_design%2Fx", [403]],
      ["GET", "/fullsync/items/_local%2Fck", [403]],
      ["GET", "/fullsync/items/_local/%2E%2E%2Fc8o:u:alice:ck", [404]],
      ["GET", "/fullsync/items/a1%2Fs.txt", [404]],
      ["GET", "/fullsync/%5Fall_dbs", [403]],
      ["GET", "/fullsync/_users/org.couchdb.user:alice", [403]],
      ["GET", "/fullsync/c8ofullsyncgrp/_all_docs", [404]],
      ["GET", "/fullsync/items/%E0%A4%A", [400]],
      ["GET", "/fullsync/items/%ZZ", [400]],
      ["GET", "/fullsync/items/a1%00", [404]],
      ["GET", "/fullsyncX/items", [404]],
      ["GET", "/fullsync%2Fitems/a1", [404]],
      ["GET", "/fullsync/ITEMS/a1", [404]],
      ["GET", "/fullsync/items/_changes/extra", [200, 400, 403, 404]],
      ["OPTIONS", "/fullsync/items/a1", [405]],
      ["PATCH", "/fullsync/items/a1", [405]],
      ["PROPFIND", "/fullsync/items", [403, 405]],
    ];
    for (const [m, p, ok] of expectStatus) {
      const r = await raw(m, p, { sid: bob, ...(m === "PUT" ? { body: "{}", type: "application/json" } : {}) });
      expect(ok, `${m} ${p}: ${r.status} ${r.text.slice(0, 200)}`).toContain(r.status);
      problems.push(...leaks(`${m} ${p}`, r.status, r.text));
    }
    expect(problems).toEqual([]);
  });
});

// ---- properties ----------------------------------------------------------------------------------

const ids = fc.constantFrom(
  "a1",
  "g1",
  "g2",
  "c1",
  "x1",
  "d1",
  "p1",
  "b1",
  "crew1",
  "new1",
  "new2",
  "_design/c8o",
  "_local/ck",
  "",
  "a1/s.txt",
);
const revArb = fc.oneof(
  fc.constantFrom("1-bbb", "1-fff", "2-abc", "1-", "x", ""),
  fc.constant(null).map(() => revs.a1!),
  fc.string({ maxLength: 8 }),
);
const acl = fc.oneof(
  fc.constantFrom("alice", "bob", "carol", "", "Bob", "bob ", "alice\u0000"),
  fc.jsonValue({ maxDepth: 1 }),
);
const grp = fc.oneof(
  fc.constantFrom("team", "crew", "other", ""),
  fc.dictionary(
    fc.constantFrom("team", "crew", "other", "__x"),
    fc.constantFrom<unknown>(true, "TRUE", " true", 1, -1, 0, "false", null, [true], 1e308),
  ),
  fc.jsonValue({ maxDepth: 1 }),
);
const atts = fc.oneof(
  fc.constant({ "s.txt": { stub: true, digest: "" } }).map(() => ({ "s.txt": { stub: true, digest: aliceDigest } })),
  fc.constant({ "n.txt": { content_type: "text/plain", data: b64("hello") } }),
  fc.jsonValue({ maxDepth: 2 }),
);
const docArb = fc.record(
  {
    _id: fc.oneof(ids, fc.jsonValue({ maxDepth: 0 })),
    _rev: revArb,
    _revisions: fc.oneof(
      fc.record({
        start: fc.integer({ min: -1, max: 12 }),
        ids: fc.array(fc.constantFrom("abc", "bbb", "fff", "zzz", "x"), { maxLength: 4 }),
      }),
      fc.jsonValue({ maxDepth: 1 }),
    ),
    "~c8oAcl": acl,
    c8oGrp: grp,
    _deleted: fc.oneof(fc.boolean(), fc.jsonValue({ maxDepth: 0 })),
    _attachments: atts,
    v: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: [] },
);

describe("properties (fast-check): no 5xx, nothing of others, protected documents intact", () => {
  it("random bodies to every endpoint that reads one", async () => {
    const endpoint = fc.constantFrom(
      ["POST", "/items/_bulk_docs"],
      ["POST", "/items/_bulk_get?revs=true&latest=true&attachments=true"],
      ["POST", "/items/_revs_diff"],
      ["POST", "/items/_all_docs?include_docs=true&conflicts=true"],
      ["POST", "/items/_changes?filter=_doc_ids&include_docs=true"],
      ["POST", "/items/_changes?filter=_selector&include_docs=true"],
      ["POST", "/items"],
      ["PUT", "/items/a1"],
      ["PUT", "/items/x1?new_edits=false"],
      ["PUT", "/items/new3"],
      ["PUT", "/items/_local/ck"],
    );
    const body = fc.oneof(
      fc.record(
        { docs: fc.array(docArb, { maxLength: 4 }), new_edits: fc.oneof(fc.boolean(), fc.jsonValue({ maxDepth: 0 })) },
        { requiredKeys: ["docs"] },
      ),
      fc.record({
        docs: fc.array(
          fc.record({ id: fc.oneof(ids, fc.jsonValue({ maxDepth: 0 })), rev: revArb }, { requiredKeys: [] }),
          { maxLength: 4 },
        ),
      }),
      fc.record({ keys: fc.array(fc.oneof(ids, fc.jsonValue({ maxDepth: 1 })), { maxLength: 5 }) }),
      fc.record({ doc_ids: fc.array(fc.oneof(ids, fc.jsonValue({ maxDepth: 0 })), { maxLength: 5 }) }),
      fc.dictionary(ids, fc.oneof(fc.array(revArb, { maxLength: 3 }), fc.jsonValue({ maxDepth: 1 })), { maxKeys: 4 }),
      docArb,
      fc.jsonValue({ maxDepth: 3 }),
    );
    await fc.assert(
      fc.asyncProperty(endpoint, body, async ([m, p], b) => {
        const r = await asBob(m, p, b);
        expect(r.problems).toEqual([]);
      }),
      { numRuns: 250, seed: 0xa77ac }, // fixed: a failure replays
    );
    await expectProtectedIntact();
  });

  it("random selectors never widen the feed", async () => {
    const field = fc.constantFrom(
      "_id",
      "~c8oAcl",
      "c8oGrp",
      "c8oGrp.team",
      "secret",
      "tags",
      "title",
      "side",
      "_deleted",
      "mine",
    );
    const pattern = fc.oneof(
      fc.constantFrom("SECRET", "^(a+)+$", "(x+x+)+y", ".*", "^a", "(?i)alice", "a{1,1000}", "[", "(?=a)", "\\1"),
      fc.string({ maxLength: 12 }),
    );
    const leafOp = fc.oneof(
      fc.record({ $regex: pattern }),
      fc.record({ $eq: fc.jsonValue({ maxDepth: 1 }) }),
      fc.record({ $ne: fc.jsonValue({ maxDepth: 0 }) }),
      fc.record({ $gt: fc.jsonValue({ maxDepth: 0 }) }),
      fc.record({ $in: fc.array(fc.oneof(ids, fc.jsonValue({ maxDepth: 0 })), { maxLength: 4 }) }),
      fc.record({ $exists: fc.oneof(fc.boolean(), fc.jsonValue({ maxDepth: 0 })) }),
      fc.record({ $elemMatch: fc.oneof(fc.record({ $regex: pattern }), fc.jsonValue({ maxDepth: 1 })) }),
      fc.record({ $type: fc.constantFrom("string", "object", "array", "nope") }),
      fc.record({ $size: fc.integer({ min: -1, max: 3 }) }),
      fc.record({ $mod: fc.jsonValue({ maxDepth: 1 }) }),
      fc.record({ $where: fc.constant("1") }),
      fc.jsonValue({ maxDepth: 1 }),
    );
    const { selector } = fc.letrec<{ selector: Json }>((tie) => ({
      selector: fc.oneof(
        { depthSize: "small" },
        fc.dictionary(field, leafOp, { minKeys: 1, maxKeys: 3 }) as fc.Arbitrary<Json>,
        fc.record({ $or: fc.array(tie("selector"), { maxLength: 3 }) }),
        fc.record({ $and: fc.array(tie("selector"), { maxLength: 3 }) }),
        fc.record({ $nor: fc.array(tie("selector"), { maxLength: 2 }) }),
        fc.record({ $not: tie("selector") }),
      ),
    }));
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(selector, fc.boolean(), async (s, viaGet) => {
        const r = viaGet
          ? await asBob(
              "GET",
              `/items/_changes?filter=_selector&include_docs=true&style=all_docs&selector=${encodeURIComponent(JSON.stringify(s))}`,
            )
          : await asBob("POST", "/items/_changes?filter=_selector&include_docs=true&conflicts=true", { selector: s });
        expect(r.problems).toEqual([]);
        expect([200, 400], `${JSON.stringify(s)}: ${r.text.slice(0, 200)}`).toContain(r.status);
        if (r.status === 200) answered++;
      }),
      { numRuns: 300, seed: 0x5e1ec7 },
    );
    expect(answered).toBeGreaterThan(50);
  });

  it("random paths and methods (raw, unnormalized)", async () => {
    const seg = fc.constantFrom(
      "items",
      "open",
      "a1",
      "c1",
      "x1",
      "d1",
      "g1",
      "s.txt",
      "_changes",
      "%5Fchanges",
      "_all_docs",
      "_bulk_get",
      "_local",
      "ck",
      "_design",
      "c8o",
      "_design%2Fx",
      "%2e%2e",
      "..",
      ".",
      "%2F",
      "_all_dbs",
      "_security",
      "%61%31",
      "%E0%A4%A",
      "%00",
      "",
      "_revs_diff",
    );
    const query = fc.constantFrom(
      "",
      "?open_revs=all",
      "?conflicts=true&revs=true&revs_info=true",
      "?attachments=true",
      `?rev=${encodeURIComponent("1-fff")}&latest=true`,
      "?include_docs=true&style=all_docs",
      "?keys=%5B%22a1%22%5D&include_docs=true",
      "?feed=longpoll&since=now&timeout=20",
      "?filter=_selector&selector=%7B%22secret%22%3A%7B%22%24regex%22%3A%22SECRET%22%7D%7D&include_docs=true",
    );
    const method = fc.constantFrom("GET", "HEAD", "GET", "DELETE", "POST", "PUT", "COPY");
    await fc.assert(
      fc.asyncProperty(fc.array(seg, { minLength: 0, maxLength: 4 }), query, method, async (segs, q, m) => {
        const path = `/fullsync/${segs.join("/")}${q}`;
        const r = await raw(m, path, {
          sid: bob,
          ...(m === "POST" || m === "PUT" ? { body: "{}", type: "application/json" } : {}),
        });
        expect(leaks(`${m} ${path}`, r.status, r.text)).toEqual([]);
      }),
      { numRuns: 250, seed: 0x9a7 },
    );
    await expectProtectedIntact();
  });
});
