import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedis, type TestRedis } from "../testing/redis.ts";
import { RedisDocs } from "./shared-docs.ts";

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const counter = (docs: RedisDocs) =>
  docs.doc(
    "counter",
    "unused.json",
    () => ({ n: 0 }),
    (v) => v as { n: number },
  );

describe("RedisDocs", () => {
  it("two servers updating one document at once lose no update, and each hears of the other's", async () => {
    const prefix = `t${Math.random().toString(36).slice(2)}:`;
    const a = await RedisDocs.connect({ url: redis.url, prefix });
    const b = await RedisDocs.connect({ url: redis.url, prefix });
    try {
      const heard: string[] = [];
      b.onChange((name) => heard.push(name));
      const da = counter(a);
      const db = counter(b);
      await Promise.all([
        ...Array.from({ length: 40 }, () => da.update((d) => void d.n++)),
        ...Array.from({ length: 40 }, () => db.update((d) => void d.n++)),
      ]);
      expect((await da.read()).n).toBe(80);
      expect((await db.read()).n).toBe(80);
      await expect.poll(() => heard.length).toBe(80);
      expect(new Set(heard)).toEqual(new Set(["counter"]));
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("an update that throws writes nothing; a damaged document is named with its key", async () => {
    const prefix = `t${Math.random().toString(36).slice(2)}:`;
    const a = await RedisDocs.connect({ url: redis.url, prefix });
    try {
      const d = counter(a);
      await d.update((x) => void (x.n = 5));
      await expect(
        d.update((x) => {
          x.n = 99;
          throw new Error("refused");
        }),
      ).rejects.toThrow("refused");
      expect((await d.read()).n).toBe(5);
      await a.client.hSet(`${prefix}doc:counter`, "json", "{not json");
      await expect(d.read()).rejects.toThrow(`${prefix}doc:counter`);
    } finally {
      await a.close();
    }
  });

  it("a Redis out of reach at start is said with the URL's password hidden", async () => {
    await expect(RedisDocs.connect({ url: "redis://user:pw@127.0.0.1:1", timeoutMs: 2000 })).rejects.toThrow(
      /cannot connect to Redis at redis:\/\/\*\*\*@127\.0\.0\.1:1/,
    );
  });
});
