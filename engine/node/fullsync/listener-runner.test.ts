import { describe, expect, it } from "vitest";
import type { FullSyncDocument } from "../../common/model/fullsync.ts";
import { groupByOwner, ListenerRunner, type ListenerHost, type ListenerRef } from "./listener-runner.ts";

const ref = (extra: Partial<ListenerRef> = {}): ListenerRef => ({
  project: "P",
  connector: "Db",
  name: "L",
  db: "items",
  targetSequence: "Push",
  designDocument: "d",
  view: "v",
  chunkSize: 2,
  maxRetries: 2,
  retryDelayMs: 5,
  ...extra,
});

interface Call {
  ids: string[];
  user: string | undefined;
  docs: FullSyncDocument[];
}

/** A host over a map of documents; `fail` decides whether a run fails. */
function host(
  docs: Record<string, FullSyncDocument>,
  opts: { listener?: ListenerRef; fail?: (call: Call, n: number) => string | undefined; queryFails?: number } = {},
) {
  const calls: Call[] = [];
  const logs: { level: string; message: string }[] = [];
  const queries: string[][] = [];
  let queryFailures = opts.queryFails ?? 0;
  const h: ListenerHost = {
    listenersOf: (db) => (db === "items" ? [opts.listener ?? ref()] : []),
    queryView: async (_l, ids) => {
      queries.push(ids);
      if (queryFailures-- > 0) throw Object.assign(new Error("db down"), { status: 500 });
      return ids.filter((id) => docs[id]).map((id) => ({ id, key: id, value: null, doc: docs[id] }));
    },
    runSequence: async (_l, d, user) => {
      const call = { ids: d.map((x) => x._id as string), user, docs: d };
      calls.push(call);
      const failure = opts.fail?.(call, calls.length);
      return failure ? { ok: false, code: failure, message: `failed: ${failure}` } : { ok: true };
    },
    log: (level, message) => logs.push({ level, message }),
  };
  return { h, calls, logs, queries };
}

const doc = (id: string, owner?: string, extra: Record<string, unknown> = {}): FullSyncDocument => ({
  _id: id,
  _rev: "1-a",
  ...(owner ? { "~c8oAcl": owner } : {}),
  c8oGrp: "g",
  ...extra,
});

describe("ListenerRunner", () => {
  it("queries the view in chunks and runs the sequence per owner, ACL keys stripped", async () => {
    const docs = { a: doc("a", "alice"), b: doc("b", "bob"), c: doc("c", "alice"), d: doc("d") };
    const { h, calls, queries } = host(docs);
    const runner = new ListenerRunner(h);
    runner.onPush({ db: "items", ids: ["a", "b", "c", "d", "_local/x", "zz"], user: "dave" });
    runner.onPush({ db: "other", ids: ["a"], user: "dave" });
    await runner.whenIdle();
    expect(queries).toEqual([["a", "b"], ["c", "d"], ["zz"]]);
    expect(calls.map((c) => [c.user, c.ids])).toEqual([
      ["alice", ["a"]],
      ["bob", ["b"]],
      ["alice", ["c"]],
      ["dave", ["d"]],
    ]);
    for (const c of calls) for (const d of c.docs) expect(Object.keys(d).sort()).toEqual(["_id", "_rev"]);
    const [status] = runner.status();
    expect(status).toMatchObject({ runs: 4, succeeded: 4, failed: 0, state: "idle", pending: 0 });
  });

  it("retries a failing run with growing delays, then reports it and goes on", async () => {
    const docs = { a: doc("a", "alice"), b: doc("b", "alice") };
    const started = Date.now();
    const { h, calls, logs } = host(docs, {
      listener: ref({ chunkSize: 1, maxRetries: 2, retryDelayMs: 20 }),
      fail: (c) => (c.ids[0] === "a" ? "http_status" : undefined),
    });
    const runner = new ListenerRunner(h);
    runner.onPush({ db: "items", ids: ["a", "b"], user: "alice" });
    await runner.whenIdle();
    // a: 1 try + 2 retries (20 ms, then 40 ms); b: once.
    expect(calls.map((c) => c.ids[0])).toEqual(["a", "a", "a", "b"]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(60);
    const [status] = runner.status();
    expect(status).toMatchObject({ runs: 4, succeeded: 1, failed: 1, retries: 2 });
    expect(status?.failures).toEqual([
      expect.objectContaining({
        ids: ["a"],
        user: "alice",
        attempts: 3,
        code: "http_status",
        message: "failed: http_status",
      }),
    ]);
    expect(logs.filter((l) => l.level === "warn")).toHaveLength(2);
    const error = logs.find((l) => l.level === "error");
    expect(error?.message).toMatch(/P\.Db\.L → Push \(1 document\(s\): a; user alice\): failed after 3 attempts/);
    expect(error?.message).toMatch(/The documents are stored/);
  });

  it("succeeds on a later attempt; retries a failed view query too", async () => {
    const docs = { a: doc("a", "alice") };
    const { h, calls, logs } = host(docs, { fail: (_c, n) => (n === 1 ? "timeout" : undefined), queryFails: 1 });
    const runner = new ListenerRunner(h);
    runner.onPush({ db: "items", ids: ["a"], user: "alice" });
    await runner.whenIdle();
    expect(calls).toHaveLength(2);
    expect(runner.status()[0]).toMatchObject({ succeeded: 1, failed: 0, retries: 2 });
    expect(logs.some((l) => /view d\/v of "items" could not be queried: HTTP 500: db down/.test(l.message))).toBe(true);
  });

  it("does not retry errors only a change of the project can fix", async () => {
    const { h, calls } = host({ a: doc("a", "alice") }, { fail: () => "unknown_sequence" });
    const runner = new ListenerRunner(h);
    runner.onPush({ db: "items", ids: ["a"], user: "alice" });
    await runner.whenIdle();
    expect(calls).toHaveLength(1);
    expect(runner.status()[0]).toMatchObject({ failed: 1, retries: 0 });
  });

  it("merges pushes that wait behind a running batch, and runs one batch at a time", async () => {
    const docs = { a: doc("a", "alice"), b: doc("b", "alice"), c: doc("c", "alice") };
    let running = 0;
    let maxRunning = 0;
    const { h, calls } = host(docs, { listener: ref({ chunkSize: 10 }) });
    const inner = h.runSequence;
    h.runSequence = async (...args) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setTimeout(r, 10));
      running--;
      return inner(...args);
    };
    const runner = new ListenerRunner(h);
    runner.onPush({ db: "items", ids: ["a"], user: "alice" });
    runner.onPush({ db: "items", ids: ["b"], user: "alice" });
    runner.onPush({ db: "items", ids: ["c", "b"], user: "alice" });
    await runner.whenIdle();
    expect(maxRunning).toBe(1);
    expect(calls.map((c) => c.ids)).toEqual([["a"], ["b", "c"]]);
  });

  it("stops retrying and drops queued work on close, saying so", async () => {
    const { h, calls, logs } = host(
      { a: doc("a", "alice") },
      {
        listener: ref({ maxRetries: 5, retryDelayMs: 60_000 }),
        fail: () => "http_status",
      },
    );
    const runner = new ListenerRunner(h);
    runner.onPush({ db: "items", ids: ["a"], user: "alice" });
    const deadline = Date.now() + 5000;
    while (calls.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    runner.onPush({ db: "items", ids: ["b"], user: "bob" });
    const t = Date.now();
    await runner.close();
    expect(Date.now() - t).toBeLessThan(2000);
    expect(calls).toHaveLength(1);
    expect(logs.some((l) => /stopping with 1 document\(s\) not handed to Push/.test(l.message))).toBe(true);
    runner.onPush({ db: "items", ids: ["a"], user: "alice" });
    expect(calls).toHaveLength(1);
  });

  it("groupByOwner keeps one row per document and skips deleted ones", () => {
    const groups = groupByOwner(
      [
        { id: "a", doc: doc("a", "alice") },
        { id: "a", doc: doc("a", "alice") },
        { id: "x", doc: null },
        { id: "b", doc: doc("b") },
      ],
      undefined,
    );
    expect([...groups.entries()].map(([o, d]) => [o, d.map((x) => x._id)])).toEqual([
      ["alice", ["a"]],
      [undefined, ["b"]],
    ]);
  });
});
