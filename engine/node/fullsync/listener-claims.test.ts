/** Listener claims, in memory and in a real redis-server: the same behaviour from both. */
import { createClient } from "@redis/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedis, type TestRedis } from "../testing/redis.ts";
import {
  ClaimsUnavailable,
  MemoryClaimStore,
  memoryListenerClaims,
  redactedUrl,
  redisListenerClaims,
  seqNumber,
  type ClaimsTuning,
  type ListenerClaims,
} from "./listener-claims.ts";

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

let n = 0;
type Make = (owner: string, tuning?: ClaimsTuning) => Promise<ListenerClaims>;

/** Two servers' claims on one store (a fresh store, or key prefix, per test). */
function kinds(): [string, () => Make][] {
  return [
    [
      "memory",
      () => {
        const store = new MemoryClaimStore();
        return async (owner, tuning) => memoryListenerClaims({ ...tuning, owner, shared: true, store });
      },
    ],
    [
      "redis",
      () => {
        const prefix = `t${n++}:`;
        return (owner, tuning) => redisListenerClaims(redis.url, prefix, { ...tuning, owner, timeoutMs: 1000 });
      },
    ],
  ];
}

const tick = () => new Promise((r) => setTimeout(r, 20));

/** Polls a condition until it holds (5 s at most). */
async function until(cond: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await tick();
  }
}

describe.each(kinds())("listener claims (%s)", (_kind, factory) => {
  it("one server claims a change; the others see it held, then done", async () => {
    const make = factory();
    const a = await make("a");
    const b = await make("b");
    try {
      expect(await a.claim(["k1", "k2"])).toEqual(["claimed", "claimed"]);
      expect(await b.claim(["k1", "k3"])).toEqual(["held", "claimed"]);
      // Claiming again what one holds is no conflict (a change seen twice).
      expect(await a.claim(["k1"])).toEqual(["claimed"]);
      expect(await b.peek(["k1", "k3", "k4"])).toEqual(["held", "held", "free"]);
      await a.done(["k1"]);
      expect(await b.claim(["k1"])).toEqual(["done"]);
      expect(await b.peek(["k1"])).toEqual(["done"]);
      await b.release(["k3"]);
      // Only its owner gives a claim back.
      await b.release(["k2"]);
      expect(await a.peek(["k3", "k2"])).toEqual(["free", "held"]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("a lease is renewed while its server lives, and expires when it stops renewing", async () => {
    const make = factory();
    const a = await make("a", { leaseMs: 400 });
    const b = await make("b", { leaseMs: 400 });
    try {
      await a.claim(["k"]);
      // Held all along for more than twice its lease.
      const t0 = Date.now();
      while (Date.now() - t0 < 1000) {
        expect(await b.peek(["k"])).toEqual(["held"]);
        await tick();
      }
      expect(await b.claim(["k"])).toEqual(["held"]);
      // The server dies: nothing renews, nothing is released; the lease ends.
      await a.close();
      const died = Date.now();
      await until(async () => (await b.claim(["k"]))[0] === "claimed");
      expect(Date.now() - died).toBeLessThan(3000);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("keeps the engine's writes: under way, then their revisions", async () => {
    const make = factory();
    const a = await make("a");
    const b = await make("b");
    try {
      expect(await b.origins(["d1"], ["d1@1"])).toEqual(["other"]);
      await a.writing(["d1"]);
      await a.writing(["d1"]);
      expect(await b.origins(["d1"], ["d1@2"])).toEqual(["writing"]);
      await a.written(["d1"], ["d1@2"]);
      // Another write of the same document is still under way.
      expect(await b.origins(["d1", "d1"], ["d1@2", "d1@3"])).toEqual(["engine", "writing"]);
      await a.written(["d1"], []);
      expect(await b.origins(["d1", "d1"], ["d1@2", "d1@3"])).toEqual(["engine", "other"]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("moves a checkpoint forward only", async () => {
    const make = factory();
    const a = await make("a");
    try {
      expect(await a.checkpoint("db")).toBeUndefined();
      await a.advance("db", "12");
      await a.advance("db", "7");
      expect(await a.checkpoint("db")).toBe("12");
      await a.advance("db", JSON.stringify("15-g1AAAA"));
      expect(await a.checkpoint("db")).toBe('"15-g1AAAA"');
      await a.advance("other", JSON.stringify("3-x"));
      expect(await a.checkpoint("other")).toBe('"3-x"');
    } finally {
      await a.close();
    }
  });
});

describe("listener claims in Redis", () => {
  it("gives every key a time to live and a bounded name", async () => {
    const prefix = `ttl${n++}:`;
    const a = await redisListenerClaims(redis.url, prefix, { owner: "a", doneTtlMs: 60_000 });
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      const long = "x".repeat(5000);
      await a.claim([`held-${long}`, "done"]);
      await a.done(["done"]);
      await a.writing([long]);
      await a.written([], [`rev-${long}`]);
      await a.advance("db", "3");
      const keys = await raw.keys(`${prefix}*`);
      expect(keys).toHaveLength(5);
      for (const k of keys) {
        expect(k.length).toBeLessThan(prefix.length + 60);
        expect(await raw.pTTL(k)).toBeGreaterThan(0);
      }
    } finally {
      await a.close();
      await raw.close();
    }
  });

  it("says when Redis cannot be reached, without its password", async () => {
    const gone = await startRedis();
    await gone.stop();
    await expect(
      redisListenerClaims(`redis://u:secret@127.0.0.1:${gone.port}`, "x:", { timeoutMs: 500 }),
    ).rejects.toThrow(/cannot connect to Redis at redis:\/\/\*\*\*@127\.0\.0\.1/);
    const other = await startRedis();
    const a = await redisListenerClaims(other.url, "y:", { timeoutMs: 300 });
    try {
      other.kill();
      let e: unknown;
      await until(async () => {
        e = await a.claim(["k"]).then(
          () => undefined,
          (x: unknown) => x,
        );
        return e !== undefined;
      });
      expect(e).toBeInstanceOf(ClaimsUnavailable);
    } finally {
      await a.close();
      await other.stop();
    }
  });

  it("redacts URLs and reads sequence numbers", () => {
    expect(redactedUrl("rediss://user:pw@host:6380/0")).toBe("rediss://***@host:6380/0");
    expect(seqNumber("12")).toBe(12);
    expect(seqNumber('"34-g1AAAA"')).toBe(34);
    expect(seqNumber('"now"')).toBeUndefined();
  });
});
