/**
 * A backend whose sequences are opaque strings (CouchDB 2+/3): the index numbers changes itself,
 * tags the sequences it issues with an epoch, and keeps numbers and epoch in its snapshot.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FullSyncDatabase } from "../database.ts";
import { PouchDB, ensureMemoryAdapter, type PouchDb } from "../pouch.ts";
import { decl } from "./harness.ts";

/** Presents a PouchDB with CouchDB 3-like string sequences ("12-g1AAAA..."). */
function withOpaqueSeqs(db: PouchDb): PouchDb {
  const enc = (n: unknown) => `${String(n)}-g1AAAAB${Buffer.from(String(n)).toString("base64url")}`;
  const dec = (s: unknown) => (typeof s === "string" && s !== "now" ? Number(s.split("-")[0]) : s);
  return new Proxy(db, {
    get(target, key) {
      if (key === "info")
        return async () => ({ ...(await target.info()), update_seq: enc((await target.info()).update_seq) });
      if (key === "changes") {
        return (o: Record<string, unknown>) => {
          if (o.live) return target.changes(o as never);
          return (
            target.changes({ ...o, since: dec(o.since) }) as Promise<{ results: { seq: unknown }[]; last_seq: unknown }>
          ).then((r) => ({ results: r.results.map((x) => ({ ...x, seq: enc(x.seq) })), last_seq: enc(r.last_seq) }));
        };
      }
      const v = (target as unknown as Record<string | symbol, unknown>)[key];
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe("opaque backend sequences (CouchDB 3)", () => {
  it("numbers changes itself, tags sequences with an epoch, and restores both from the snapshot", async () => {
    await ensureMemoryAdapter();
    const dir = await mkdtemp(join(tmpdir(), "fullsync-opaque-"));
    dirs.push(dir);
    const raw = new (PouchDB.defaults({ adapter: "memory" }))(`opaque-${randomUUID()}`);
    await raw.bulkDocs([{ _id: "a", "~c8oAcl": "alice" }, { _id: "b", "~c8oAcl": "bob" }, { _id: "p" }]);
    const open = () =>
      FullSyncDatabase.open({
        decl: decl("items"),
        db: withOpaqueSeqs(raw),
        snapshotDir: dir,
        location: "memory:x",
        log: () => {},
      });
    let d = await open();
    const alice = d.reader("alice", []);
    const seq1 = d.currentSeq(alice);
    expect(seq1).toMatch(/^3-[0-9a-f]{8}-[0-9a-f]{12}$/);
    const from = d.parseSince(seq1, alice);
    expect(from).toEqual(
      new Map([
        ["u:alice", 3],
        ["*", 3],
      ]),
    );
    expect(
      d.index
        .feed(
          new Map([
            ["u:alice", 0],
            ["*", 0],
          ]),
          10,
        )
        .map((e) => e.id),
    ).toEqual(["a", "p"]);
    // A sequence of another epoch (an index rebuilt elsewhere) starts over.
    expect(d.parseSince("3-deadbeef-000000000000", alice)).toEqual(
      new Map([
        ["u:alice", 0],
        ["*", 0],
      ]),
    );
    await d.close();

    // Restarted from the snapshot: same epoch; a new change gets the next number.
    await raw.put({ _id: "a2", "~c8oAcl": "alice" });
    d = await open();
    expect(d.startInfo.source).toBe("snapshot");
    const again = d.reader("alice", []);
    expect(d.parseSince(seq1, again)).toEqual(
      new Map([
        ["u:alice", 3],
        ["*", 3],
      ]),
    );
    expect(d.index.feed(d.parseSince(seq1, again) as Map<string, number>, 10).map((e) => e.id)).toEqual(["a2"]);
    await d.close();
    await raw.destroy();
  });
});
