import { createClient } from "@redis/client";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startRedis, type TestRedis } from "../testing/redis.ts";
import { RedisSessionStore, SessionsUnavailable } from "./redis-sessions.ts";
import { SESSION_MAX_BYTES } from "./sessions.ts";

// Two stores on one real redis-server stand for two servers of a cluster.

let redis: TestRedis;
const stores: RedisSessionStore[] = [];

async function store(prefix = "t1:"): Promise<RedisSessionStore> {
  const s = await RedisSessionStore.connect({ url: redis.url, prefix, timeoutMs: 2000 });
  stores.push(s);
  return s;
}

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const s of stores) await s.close();
  await redis?.stop();
});

describe("sessions in Redis", () => {
  it("a session kept by one server is read by another, values and user included", async () => {
    const a = await store();
    const b = await store();
    const s = a.transient();
    s.set("cart", ["pen", { qty: 2 }]);
    await a.adopt(s);
    const onB = await b.get(s.id);
    expect(onB?.get("cart")).toEqual(["pen", { qty: 2 }]);
    expect(onB?.user).toBeUndefined();
    // A change on B, committed, is what A reads next.
    onB!.set("step", 2);
    await b.commit(onB!);
    expect((await a.get(s.id))?.get("step")).toBe(2);
    // The public label is the same on every server.
    expect(a.publicLabel(s)).toBe(b.publicLabel(onB!));
  });

  it("a login moves the session to a new id everywhere: the planted id opens nothing, on any server", async () => {
    const a = await store();
    const b = await store();
    const s = a.transient();
    s.set("lang", "fr");
    await a.adopt(s);
    const planted = s.id;
    const onB = (await b.get(planted))!;
    onB.setUser("alice", ["sales"]);
    expect(onB.id).not.toBe(planted);
    await b.commit(onB);
    expect(await a.get(planted)).toBeUndefined();
    expect(await b.get(planted)).toBeUndefined();
    const onA = await a.get(onB.id);
    expect(onA?.user).toBe("alice");
    expect(onA?.groups).toEqual(["sales"]);
    expect(onA?.get("lang")).toBe("fr");
    // Logout on A ends it on B too.
    await a.destroy(onB.id);
    expect(await b.get(onB.id)).toBeUndefined();
  });

  it("keeps no usable id in Redis, and expires sessions after their inactivity timeout", async () => {
    const a = await store("t2:");
    const s = a.transient();
    s.maxInactiveSeconds = 1;
    s.setUser("bob");
    await a.adopt(s);
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      const keys = await raw.keys("t2:s:*");
      expect(keys).toHaveLength(1);
      expect(keys[0]).not.toContain(s.id);
      expect(await raw.ttl(keys[0]!)).toBeGreaterThan(0);
      // Watched without reading the session (a read would renew it): Redis drops it after 1 s.
      await vi.waitFor(async () => expect(await raw.exists(keys[0]!)).toBe(0), { timeout: 5000, interval: 200 });
      expect(await a.get(s.id)).toBeUndefined();
      // A record damaged in Redis reads as no session.
      const damaged = a.transient();
      await a.adopt(damaged);
      const [key] = await raw.keys("t2:s:*");
      await raw.set(key!, "{not json");
      expect(await a.get(damaged.id)).toBeUndefined();
    } finally {
      await raw.close();
    }
  });

  it("bounds a session's values", async () => {
    const a = await store();
    const s = a.transient();
    s.set("a", "x".repeat(SESSION_MAX_BYTES / 2));
    expect(() => s.set("b", "y".repeat(SESSION_MAX_BYTES / 2))).toThrow(/session value "b" refused/);
    // Replacing a value counts the new size only.
    s.set("a", "z".repeat(100));
    s.set("b", "y".repeat(SESSION_MAX_BYTES / 2));
    await a.adopt(s);
    expect(((await a.get(s.id))?.get("b") as string).length).toBe(SESSION_MAX_BYTES / 2);
  });

  it("answers SessionsUnavailable when Redis is gone, and a clear error at connection", async () => {
    const own = await startRedis();
    const a = await RedisSessionStore.connect({ url: own.url, timeoutMs: 1000 });
    stores.push(a);
    own.kill();
    await own.stop();
    await expect(a.get("any-id")).rejects.toBeInstanceOf(SessionsUnavailable);
    await expect(RedisSessionStore.connect({ url: own.url, timeoutMs: 500 })).rejects.toThrow(
      /sessions: cannot connect to Redis at redis:\/\/127\.0\.0\.1:\d+/,
    );
    await expect(RedisSessionStore.connect({ url: "redis://ada:s3cret@127.0.0.1:1", timeoutMs: 500 })).rejects.toThrow(
      /redis:\/\/\*\*\*@127\.0\.0\.1:1/,
    );
  });
});
