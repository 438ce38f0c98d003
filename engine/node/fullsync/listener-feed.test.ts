/**
 * Listeners of servers sharing claims, over a database's change feed: servers in one process,
 * a database kept in memory as a change feed shows it (each document once, at its last change).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { ChangesPage } from "../../../embedded-db/api.ts";
import type { FullSyncDocument } from "../../common/model/fullsync.ts";
import { MemoryClaimStore, memoryListenerClaims, type ListenerClaims } from "./listener-claims.ts";
import { ListenerFeed } from "./listener-feed.ts";
import { ListenerRunner, type ListenerRef } from "./listener-runner.ts";

/** A database as its change feed shows it. */
class FeedDb {
  seq = 0;
  readonly rows: { id: string; rev: string; seq: number; deleted?: boolean }[] = [];
  readonly docs = new Map<string, FullSyncDocument>();

  write(id: string, body: Record<string, unknown>, deleted = false): string {
    const gen = Number(String(this.docs.get(id)?._rev ?? "0").split("-")[0]) + 1;
    const rev = `${gen}-r${this.seq + 1}`;
    this.docs.set(id, { ...body, _id: id, _rev: rev, ...(deleted ? { _deleted: true } : {}) });
    const i = this.rows.findIndex((r) => r.id === id);
    if (i >= 0) this.rows.splice(i, 1);
    this.rows.push({ id, rev, seq: ++this.seq, ...(deleted ? { deleted: true } : {}) });
    return rev;
  }

  changes(since: number | string, limit: number): ChangesPage {
    if (since === "now") return { results: [], last_seq: this.seq, instance: "db-1" };
    const results = this.rows.filter((r) => r.seq > Number(since)).slice(0, limit);
    return { results, last_seq: results.at(-1)?.seq ?? since, instance: "db-1" };
  }
}

const listener: ListenerRef = {
  project: "P",
  connector: "Db",
  name: "L",
  db: "items",
  targetSequence: "Push",
  designDocument: "d",
  view: "orders",
  chunkSize: 3,
  maxRetries: 1,
  retryDelayMs: 5,
};

interface Run {
  server: number;
  docs: { id: string; rev: string }[];
  user: string | undefined;
}

interface Server {
  claims: ListenerClaims;
  runner: ListenerRunner;
  feed: ListenerFeed;
  logs: string[];
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

/** Servers on one database and one claim store; `onRun` may hold a run (a back end that hangs). */
function cluster(
  db: FeedDb,
  opts: {
    leaseMs?: number;
    onRun?: (run: Run, signal: AbortSignal) => Promise<void> | void;
    store?: MemoryClaimStore;
  } = {},
) {
  const store = opts.store ?? new MemoryClaimStore();
  const runs: Run[] = [];
  const servers: Server[] = [];
  const start = (i: number): Server => {
    const logs: string[] = [];
    const claims = memoryListenerClaims({ shared: true, store, owner: `s${i}`, leaseMs: opts.leaseMs ?? 1000 });
    const box: { feed?: ListenerFeed } = {};
    const runner = new ListenerRunner(
      {
        listenersOf: (name) => (name === "items" ? [listener] : []),
        queryView: async (_l, ids) =>
          ids
            .map((id) => db.docs.get(id))
            .filter((d): d is FullSyncDocument => !!d && d.type === "order" && !d._deleted)
            .map((d) => ({ id: d._id as string, key: d._id, value: null, doc: d })),
        runSequence: async (_l, docs, user, signal) => {
          const run = { server: i, docs: docs.map((d) => ({ id: d._id as string, rev: d._rev as string })), user };
          runs.push(run);
          await opts.onRun?.(run, signal);
          return { ok: true };
        },
        log: (_level, message) => logs.push(message),
      },
      { claims, origins: (name, revs) => box.feed!.origins(name, revs) },
    );
    const feed = (box.feed = new ListenerFeed(
      {
        databases: () => ["items"],
        listenersOf: (name) => (name === "items" ? [listener] : []),
        changes: async (_name, since, limit) => db.changes(since, limit),
        log: (_level, message) => logs.push(message),
      },
      claims,
      runner,
      { scope: "test", pollMs: 20, batchSize: 4 },
    ));
    feed.sync();
    const s = { claims, runner, feed, logs };
    servers[i] = s;
    cleanups.push(async () => {
      await s.feed.close();
      await s.runner.close(100);
      await s.claims.close();
    });
    return s;
  };
  return { store, runs, servers, start };
}

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The documents run, each as "id@rev", sorted. */
const ran = (runs: Run[]) => runs.flatMap((r) => r.docs.map((d) => `${d.id}@${d.rev}`)).sort();

describe("ListenerFeed (servers sharing claims)", () => {
  it("runs each change once across three servers, as the document's owner", async () => {
    const db = new FeedDb();
    const c = cluster(db);
    for (let i = 0; i < 3; i++) c.start(i);
    await Promise.all(c.servers.map((s) => s.feed.settled()));
    const revs: string[] = [];
    for (let i = 0; i < 20; i++) revs.push(`o${i}@${db.write(`o${i}`, { type: "order", "~c8oAcl": `u${i % 2}` })}`);
    db.write("c1", { type: "catalog" });
    db.write("_design/d", { views: {} });
    await until("20 runs", () => ran(c.runs).length >= 20);
    await Promise.all(c.servers.map((s) => s.feed.settled()));
    expect(ran(c.runs)).toEqual(revs.sort());
    // Runs by owner, their documents without ACL keys.
    for (const r of c.runs) expect(r.user).toMatch(/^u[01]$/);
    expect(c.servers.every((s) => s.feed.status().databases[0]?.pending === 0)).toBe(true);
  });

  it("a change whose server dies mid-run runs on another after the lease; none is lost", async () => {
    const db = new FeedDb();
    let hang: (() => void) | undefined;
    const c = cluster(db, {
      leaseMs: 400,
      onRun: (run) => {
        if (run.docs.some((d) => d.id === "slow") && !hang) return new Promise<void>((r) => (hang = r));
      },
    });
    for (let i = 0; i < 3; i++) c.start(i);
    await Promise.all(c.servers.map((s) => s.feed.settled()));
    const slow = db.write("slow", { type: "order", "~c8oAcl": "alice" });
    await until("the first run", () => !!hang);
    const dead = c.runs[0]!.server;
    // It dies: its claims are no longer renewed, its run never ends, nothing is given back.
    await c.servers[dead]!.claims.close();
    await c.servers[dead]!.feed.close();
    const other = db.write("next", { type: "order", "~c8oAcl": "bob" });
    await until("a second run of slow", () => c.runs.filter((r) => r.docs[0]?.id === "slow").length === 2, 3000);
    const retaken = c.runs.filter((r) => r.docs[0]?.id === "slow")[1]!;
    expect(retaken.server).not.toBe(dead);
    await Promise.all(c.servers.filter((_, i) => i !== dead).map((s) => s.feed.settled()));
    expect(ran(c.runs)).toEqual([`next@${other}`, `slow@${slow}`, `slow@${slow}`]);
    hang?.();
  });

  it("starts from the shared checkpoint: what was written while no server ran runs, nothing older again", async () => {
    const db = new FeedDb();
    const store = new MemoryClaimStore();
    const first = cluster(db, { store });
    first.start(0);
    first.start(1);
    await Promise.all(first.servers.map((s) => s.feed.settled()));
    db.write("a", { type: "order" });
    db.write("b", { type: "order" });
    await until("a and b run", () => ran(first.runs).length >= 2);
    await Promise.all(first.servers.map((s) => s.feed.settled()));
    for (const s of first.servers) {
      await s.feed.close();
      await s.runner.close();
    }
    // Written while every server is down.
    db.write("c", { type: "order" });
    const again = cluster(db, { store });
    again.start(2);
    await until("c runs", () => ran(again.runs).length >= 1);
    await again.servers[2]!.feed.settled();
    expect(ran(again.runs).map((r) => r.split("@")[0])).toEqual(["c"]);
  });

  it("runs no listener for the engine's own writes (a sequence updating its documents does not loop)", async () => {
    const db = new FeedDb();
    const box: { feedOf?: ListenerFeed } = {};
    const c = cluster(db, {
      // The listener's sequence marks each document it is given as sent, through the engine.
      onRun: async (run) => {
        for (const d of run.docs) {
          await box.feedOf!.markedWrite(
            "items",
            [d.id],
            async () => db.write(d.id, { ...db.docs.get(d.id), sent: true }),
            (rev) => [[d.id, rev]],
          );
        }
      },
    });
    for (let i = 0; i < 2; i++) c.start(i);
    const feedOf = (box.feedOf = c.servers[0]!.feed);
    await Promise.all(c.servers.map((s) => s.feed.settled()));
    db.write("a", { type: "order" });
    await until("a runs", () => c.runs.length >= 1);
    await Promise.all(c.servers.map((s) => s.feed.settled()));
    // A sequence writing outside of any run: no run either.
    await feedOf.markedWrite(
      "items",
      ["b"],
      async () => db.write("b", { type: "order" }),
      (rev) => [["b", rev]],
    );
    await Promise.all(c.servers.map((s) => s.feed.settled()));
    expect(ran(c.runs).map((r) => r.split("@")[0])).toEqual(["a"]);
    expect(db.docs.get("a")?.sent).toBe(true);
  });

  it("a document changed twice before it ran runs once, with its last revision", async () => {
    const db = new FeedDb();
    let gate: (() => void) | undefined;
    const c = cluster(db, {
      onRun: (run) => {
        if (run.docs[0]?.id === "first" && !gate) return new Promise<void>((r) => (gate = r));
      },
    });
    c.start(0);
    await c.servers[0]!.feed.settled();
    db.write("first", { type: "order" });
    await until("first runs", () => !!gate);
    // While the only server is busy, x changes twice; the feed may show it once or twice.
    db.write("x", { type: "order", v: 1 });
    // Read (and waiting behind "first") before its second change.
    await until("x read", () => c.servers[0]!.feed.status().databases[0]!.pending >= 2);
    const last = db.write("x", { type: "order", v: 2 });
    gate!();
    await until("x runs", () => c.runs.some((r) => r.docs[0]?.id === "x"));
    await c.servers[0]!.feed.settled();
    expect(c.runs.filter((r) => r.docs.some((d) => d.id === "x")).map((r) => r.docs[0]!.rev)).toEqual([last]);
  });

  it("bounds what waits: the feed is not read further while too many changes wait", async () => {
    const db = new FeedDb();
    let release: (() => void) | undefined;
    const blocked = new Promise<void>((r) => (release = r));
    const store = new MemoryClaimStore();
    const claims = memoryListenerClaims({ shared: true, store, owner: "s", leaseMs: 1000 });
    const seen: string[] = [];
    const box: { feed?: ListenerFeed } = {};
    const runner = new ListenerRunner(
      {
        listenersOf: () => [{ ...listener, chunkSize: 1 }],
        queryView: async (_l, ids) => ids.map((id) => ({ id, doc: db.docs.get(id)! })),
        runSequence: async (_l, docs) => {
          seen.push(docs[0]!._id as string);
          await blocked;
          return { ok: true };
        },
        log: () => {},
      },
      { claims, origins: (name, revs) => box.feed!.origins(name, revs) },
    );
    let reads = 0;
    const feed = (box.feed = new ListenerFeed(
      {
        databases: () => ["items"],
        listenersOf: () => [{ ...listener, chunkSize: 1 }],
        changes: async (_n, since, limit) => {
          if (since !== "now") reads++;
          return db.changes(since, limit);
        },
        log: () => {},
      },
      claims,
      runner,
      { scope: "t", pollMs: 10, batchSize: 2, maxPending: 3 },
    ));
    cleanups.push(async () => {
      release!();
      await feed.close();
      await runner.close(100);
      await claims.close();
    });
    feed.sync();
    await feed.settled();
    for (let i = 0; i < 10; i++) db.write(`d${i}`, { type: "order" });
    // Two pages read (4 changes waiting), then nothing until they are handled.
    await until("two pages read", () => feed.status().databases[0]?.pending === 4);
    const before = reads;
    for (let i = 0; i < 20; i++) {
      feed.ring("items");
      await new Promise((r) => setImmediate(r));
    }
    expect(reads).toBe(before);
    expect(feed.status().databases[0]?.pending).toBe(4);
    release!();
    await feed.settled();
    expect(seen.sort()).toEqual([...Array(10).keys()].map((i) => `d${i}`).sort());
  });
});
