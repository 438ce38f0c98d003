import type { createClient } from "@redis/client";

/**
 * The Redis connections of a cluster's servers (sessions, shared admin state, heartbeats, claims):
 * one way to connect, fail fast at start, report an outage once, and never print a password.
 */

export interface RedisConnectOptions {
  /** redis:// or rediss:// URL (user and password in it when the server needs them). */
  url: string;
  /** Milliseconds to wait for Redis at start and for each command (default 5000). */
  timeoutMs?: number;
  /** What the connection is for, in messages ("sessions", "cluster state"). */
  what: string;
  /** Where connection problems are reported (once per outage). */
  onError?: (message: string) => void;
}

// @redis/client (hundreds of modules) is loaded by the first connection, not with this module:
// commands and engines that never connect to Redis do not pay for it.
let redisModule: Promise<{ createClient: typeof createClient }> | undefined;

async function makeClient(url: string, timeoutMs: number) {
  const { createClient } = await (redisModule ??= import("@redis/client"));
  return createClient({
    url,
    socket: { connectTimeout: timeoutMs, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2000) },
    // Commands fail at once while Redis is away, rather than waiting in a queue.
    disableOfflineQueue: true,
  });
}

export type RedisClient = Awaited<ReturnType<typeof makeClient>>;

/** Connects (refused with a clear error, the URL's password hidden, when it cannot in time). */
export async function connectRedis(opts: RedisConnectOptions): Promise<RedisClient> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  let down = false;
  const client = await makeClient(opts.url, timeoutMs);
  client.on("error", (e: Error) => {
    if (down) return;
    down = true;
    opts.onError?.(`${opts.what}: Redis at ${redactedUrl(opts.url)} is not reachable (${e.message})`);
  });
  client.on("ready", () => {
    if (down) opts.onError?.(`${opts.what}: Redis at ${redactedUrl(opts.url)} is reachable again`);
    down = false;
  });
  try {
    // The first failure ends the start (a refused connection is said at once, not retried).
    const failed = new Promise<never>((_, reject) => client.once("error", reject));
    failed.catch(() => {});
    await withTimeout(Promise.race([client.connect(), failed]), timeoutMs, "no answer in time");
  } catch (e) {
    client.destroy();
    throw new Error(`${opts.what}: cannot connect to Redis at ${redactedUrl(opts.url)}: ${(e as Error).message}`);
  }
  return client;
}

/** Closes a client, dropping it when Redis does not answer in time. */
export async function closeRedis(client: RedisClient, timeoutMs = 5000): Promise<void> {
  try {
    await withTimeout(client.close(), timeoutMs, "no answer");
  } catch {
    client.destroy();
  }
}

export function redactedUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}

export async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
