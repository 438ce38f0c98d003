/**
 * Hammers the races between trusted writes (sequences: put, bulkDocs, remove, replicated
 * revisions and conflicts), an index that follows the change feed with delays (so reads give up
 * waiting for it), and real PouchDB clients of several users pulling over HTTP (one-shot pulls
 * with small batches, live sync), plus raw continuous, normal `_changes` and `_all_docs` reads.
 *
 * The invariant, checked on every response: each revision handed to a reader (named in a row,
 * or sent as a body, or listed as a conflict) is one the reader's principals may see by that
 * revision's own ACL, as its writer wrote it (a tombstone without ACL keys: the ACL of the
 * revision it deletes). The truth is kept by the writers, not computed by the code under test.
 * At the end every user's fresh pull must hold exactly the visible winners.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { FullSyncDatabase } from "../database.ts";
import { PouchDB, compareLeaves, type PouchDb } from "../pouch.ts";
import { database, decl, startHarness, type Harness } from "./harness.ts";

type Json = Record<string, unknown>;

const GROUPS: Record<string, string[]> = { alice: ["sales"], bob: [], carol: ["sales", "ops"], dave: ["ops"] };
const USERS = Object.keys(GROUPS);
const WRITE_MS = 3500;

let h: Harness | undefined;
let dir: string | undefined;
afterEach(async () => {
  await h?.close().catch(() => {});
  if (dir) await rm(dir, { recursive: true, force: true });
  h = undefined;
  dir = undefined;
});

/** A deterministic pseudo-random sequence (a failing run can be replayed). */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

/** An ACL a writer may give a document, with the principals it means. */
function randomAcl(r: () => number): { keys: Json; p: string[] } {
  const k = Math.floor(r() * 6);
  if (k === 0) return { keys: {}, p: ["*"] };
  if (k === 1) return { keys: { c8oGrp: "sales" }, p: ["g:sales"] };
  if (k === 2) return { keys: { c8oGrp: { ops: true, sales: "false" } }, p: ["g:ops"] };
  const user = USERS[Math.floor(r() * USERS.length)]!;
  if (k === 3) return { keys: { "~c8oAcl": user, c8oGrp: "ops" }, p: [`u:${user}`, "g:ops"] };
  return { keys: { "~c8oAcl": user }, p: [`u:${user}`] };
}

const readerSet = (user: string) => new Set([`u:${user}`, ...GROUPS[user]!.map((g) => `g:${g}`), "*"]);

/**
 * Randomly delays the index's reads of the change feed (beyond the 1 s reads wait for it) until
 * `until`.
 */
function slowFeed(d: FullSyncDatabase, r: () => number, until: number): () => void {
  const follower = (d as unknown as { follower: { o: { db: PouchDb } } }).follower;
  const real = follower.o.db;
  let on = true;
  const slow = new Proxy(real, {
    get(target, key) {
      if (key === "changes") {
        return (o: Json) => {
          if (o.live || !on || Date.now() > until || r() < 0.85) return target.changes(o);
          const ms = 200 + Math.floor(r() * 1300);
          return new Promise((res) => setTimeout(res, ms)).then(() => target.changes(o));
        };
      }
      const v = Reflect.get(target, key) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  follower.o = { ...follower.o, db: slow };
  return () => {
    on = false;
    follower.o = { ...follower.o, db: real };
  };
}

describe("no revision reaches a reader who may not see it, under racing writes and a lagging index", () => {
  it("sequences rewrite ACLs while four users pull, sync live and read feeds", { timeout: 60_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), "fullsync-stress-"));
    h = await startHarness({ dataDir: dir, tuning: { maxFeedMs: 1500 } });
    const hh = h;
    await hh.fs.setDatabases([decl("items", { revsLimit: 50 })]);
    for (const [u, gs] of Object.entries(GROUPS)) for (const g of gs) await hh.fs.groups.addUserToGroup(u, g);
    const data = hh.fs.data("items");
    const r = rng(0x5eed);

    // ---- the truth, kept by the writers --------------------------------------------------------
    const truth = new Map<string, string[]>(); // `${id}\n${rev}` → principals
    const key = (id: string, rev: string) => `${id}\n${rev}`;
    const ids = Array.from({ length: 40 }, (_, i) => `doc${String(i).padStart(2, "0")}`);
    for (const id of ids) {
      const acl = randomAcl(r);
      const res = await data.put({ _id: id, n: 0, secret: `${id}-0`, ...acl.keys });
      truth.set(key(id, res.rev), acl.p);
    }
    await hh.fs.flush();
    const deadline = Date.now() + WRITE_MS;
    const stopLag = slowFeed(database(hh, "items"), r, deadline);

    // ---- writers: four sequences, each with its own documents ----------------------------------
    let writes = 0;
    const writer = async (mine: string[], seed: number) => {
      const wr = rng(seed);
      let n = 0;
      while (Date.now() < deadline) {
        n++;
        const id = mine[Math.floor(wr() * mine.length)]!;
        const cur = (await data.get(id, { revs: true }).catch(() => undefined)) as
          (Json & { _rev: string; _revisions: { start: number; ids: string[] } }) | undefined;
        const op = wr();
        const acl = randomAcl(wr);
        if (!cur) {
          // Deleted: written again (a new revision on top of the tombstone).
          const res = await data.put({ _id: id, n, secret: `${id}-${n}`, ...acl.keys });
          truth.set(key(id, res.rev), acl.p);
        } else if (op < 0.45) {
          const res = await data.put({ _id: id, _rev: cur._rev, n, secret: `${id}-${n}`, ...acl.keys });
          truth.set(key(id, res.rev), acl.p);
        } else if (op < 0.6) {
          // Several at once through bulkDocs (what a Post Bulk Documents transaction does).
          const some = [...new Set([id, mine[Math.floor(wr() * mine.length)]!])];
          const curs = await Promise.all(some.map((x) => data.get(x).catch(() => undefined)));
          const acls = some.map(() => randomAcl(wr));
          const res = (await data.bulkDocs(
            some.map((x, i) => ({
              _id: x,
              ...(curs[i]?._rev ? { _rev: curs[i]._rev } : {}),
              n,
              secret: `${x}-${n}`,
              ...acls[i]!.keys,
            })),
          )) as { id: string; rev?: string; error?: unknown }[];
          res.forEach((x, i) => {
            if (x.rev && !x.error) truth.set(key(x.id, x.rev), acls[i]!.p);
          });
        } else if (op < 0.72) {
          // Deleted by trusted code: the tombstone keeps the ACL keys of what it deletes.
          const res = await data.remove(id, cur._rev);
          truth.set(key(id, res.rev), truth.get(key(id, cur._rev)) ?? []);
        } else if (op < 0.84) {
          // A replicated tombstone without ACL keys (new_edits=false), with a field of its own.
          const hash = createHash("md5").update(`${id}-${n}-${seed}`).digest("hex");
          const rev = `${cur._revisions.start + 1}-${hash}`;
          await data.bulkDocs(
            [
              {
                _id: id,
                _rev: rev,
                _deleted: true,
                note: `tomb-${id}-${n}`,
                _revisions: { start: cur._revisions.start + 1, ids: [hash, ...cur._revisions.ids] },
              },
            ],
            { new_edits: false },
          );
          truth.set(key(id, rev), truth.get(key(id, cur._rev)) ?? []);
        } else {
          // A conflicting branch with another ACL (a sibling of the current revision).
          const hash = createHash("md5").update(`${id}-c-${n}-${seed}`).digest("hex");
          const rev = `${cur._revisions.start}-${hash}`;
          await data.bulkDocs(
            [
              {
                _id: id,
                _rev: rev,
                n,
                secret: `${id}-branch-${n}`,
                ...acl.keys,
                _revisions: { start: cur._revisions.start, ids: [hash, ...cur._revisions.ids.slice(1)] },
              },
            ],
            { new_edits: false },
          );
          truth.set(key(id, rev), acl.p);
        }
        writes++;
        // Sequences do not write in a tight loop: a few milliseconds between writes.
        await new Promise((res) => setTimeout(res, 2 + Math.floor(wr() * 10)));
      }
    };

    // ---- what readers receive, recorded as it arrives -------------------------------------------
    const seen: { user: string; what: string; text: string }[] = [];
    const sessions = Object.fromEntries(USERS.map((u) => [u, hh.login(u, [])]));
    const recordingFetch = (user: string) => async (u: string, o: { headers: { set(k: string, v: string): void } }) => {
      o.headers.set("Cookie", `sid=${sessions[user]!}`);
      const res = (await PouchDB.fetch(u, o)) as Response;
      const text = await res.text();
      if (res.ok) seen.push({ user, what: `${(o as { method?: string }).method ?? "GET"} ${u}`, text });
      return new Response(text, { status: res.status, headers: res.headers });
    };
    const remote = (user: string) =>
      new PouchDB(`${hh.url}/items`, { skip_setup: true, fetch: recordingFetch(user) }) as PouchDb;
    const Mem = PouchDB.defaults({ adapter: "memory" });
    const replicate = PouchDB as unknown as {
      replicate(
        a: unknown,
        b: unknown,
        o?: unknown,
      ): Promise<Json> & { cancel(): void; on(e: string, f: () => void): void };
    };

    let pulls = 0;
    const puller = async (user: string, seed: number) => {
      const pr = rng(seed);
      while (Date.now() < deadline) {
        const dev = new Mem(`stress-${randomUUID()}`) as PouchDb;
        await replicate.replicate(remote(user), dev, { batch_size: 1 + Math.floor(pr() * 15) }).catch(() => {});
        await dev.destroy();
        pulls++;
      }
    };
    const rawReads = async (user: string) => {
      const get = async (path: string) => {
        const res = await fetch(`${hh.url}/items${path}`, { headers: { Cookie: `sid=${sessions[user]!}` } });
        const text = await res.text();
        if (res.ok) seen.push({ user, what: `GET ${path}`, text });
      };
      while (Date.now() < deadline) {
        await Promise.all([
          get("/_changes?feed=continuous&style=all_docs&include_docs=true&conflicts=true&since=0&timeout=400"),
          get("/_changes?style=all_docs&include_docs=true&conflicts=true"),
          get("/_all_docs?include_docs=true&conflicts=true"),
          get(`/_all_docs?include_docs=true&keys=${encodeURIComponent(JSON.stringify(ids.slice(0, 20)))}`),
        ]);
      }
    };
    const lives = USERS.map((u) => {
      const dev = new Mem(`live-${randomUUID()}`) as PouchDb;
      const rep = replicate.replicate(remote(u), dev, { live: true, retry: true, batch_size: 5 });
      rep.catch(() => {});
      return { dev, rep };
    });

    await Promise.all([
      ...[0, 1, 2, 3].map((w) =>
        writer(
          ids.filter((_, i) => i % 4 === w),
          1000 + w,
        ),
      ),
      ...USERS.flatMap((u, i) => [puller(u, 2000 + i), puller(u, 3000 + i)]),
      ...USERS.map((u) => rawReads(u)),
    ]);
    for (const l of lives) l.rep.cancel();
    stopLag();
    await hh.fs.flush();

    // ---- the invariant, on every response --------------------------------------------------------
    const violations: string[] = [];
    let checked = 0;
    const check = (user: string, what: string, id: unknown, rev: unknown) => {
      if (typeof id !== "string" || typeof rev !== "string") return;
      checked++;
      const p = truth.get(key(id, rev));
      const set = readerSet(user);
      if (!p) violations.push(`${user} ${what}: ${id}@${rev} is no revision a writer wrote`);
      else if (!p.some((x) => set.has(x))) violations.push(`${user} ${what}: ${id}@${rev} is for ${p.join(",")}`);
    };
    const visit = (user: string, what: string, v: unknown): void => {
      if (Array.isArray(v)) return v.forEach((x) => visit(user, what, x));
      if (typeof v !== "object" || v === null) return;
      const o = v as Json;
      if (typeof o.id === "string" && Array.isArray(o.changes)) {
        for (const c of o.changes as Json[]) check(user, what, o.id, c.rev);
      }
      if (typeof o.id === "string" && typeof o.value === "object" && o.value !== null) {
        check(user, what, o.id, (o.value as Json).rev);
      }
      if (typeof o._id === "string" && typeof o._rev === "string" && !o._id.startsWith("_")) {
        check(user, what, o._id, o._rev);
        if (Array.isArray(o._conflicts)) for (const c of o._conflicts) check(user, what, o._id, c);
      }
      for (const [k, x] of Object.entries(o)) if (k !== "_revisions") visit(user, what, x);
    };
    for (const s of seen) {
      if (!/_changes|_bulk_get|_all_docs|open_revs/.test(s.what)) continue;
      for (const line of s.text.split("\n")) {
        if (!line.trim()) continue;
        let v: unknown;
        try {
          v = JSON.parse(line);
        } catch {
          v = JSON.parse(s.text);
          visit(s.user, s.what, v);
          break;
        }
        visit(s.user, s.what, v);
      }
    }
    console.log(`stress: ${writes} writes, ${pulls} pulls, ${seen.length} responses, ${checked} revisions checked`);
    expect(violations.slice(0, 10)).toEqual([]);
    // The index built from the feed never disagreed with the database.
    expect(hh.logs.filter((l) => /disagree|cannot/.test(l))).toEqual([]);
    // The run did exercise what it claims.
    expect(writes).toBeGreaterThan(100);
    expect(pulls).toBeGreaterThanOrEqual(8); // a pull under constant writes lasts until they stop
    expect(checked).toBeGreaterThan(2000);
    expect(seen.filter((s) => s.what.includes("_bulk_get")).length).toBeGreaterThan(20);

    // ---- every user converges on exactly the visible winners -------------------------------------
    const expected = async (user: string) => {
      const set = readerSet(user);
      const out: Record<string, string> = {};
      for (const id of ids) {
        const leaves = ((await database(hh, "items").db.get(id, { open_revs: "all" })) as { ok?: Json }[])
          .flatMap((x) => (x.ok ? [x.ok] : []))
          .map((d) => ({ rev: d._rev as string, deleted: d._deleted === true }))
          .filter((l) => (truth.get(key(id, l.rev)) ?? []).some((p) => set.has(p)))
          .sort(compareLeaves);
        if (leaves[0] && !leaves[0].deleted) out[id] = leaves[0].rev;
      }
      return out;
    };
    for (const user of USERS) {
      const want = await expected(user);
      const dev = new Mem(`final-${randomUUID()}`) as PouchDb;
      await replicate.replicate(remote(user), dev, {});
      const got = Object.fromEntries((await dev.allDocs({})).rows.map((x) => [x.id, x.value.rev]));
      expect(got, user).toEqual(want);
      await dev.destroy();
    }
    for (const l of lives) await l.dev.destroy();
  });
});
